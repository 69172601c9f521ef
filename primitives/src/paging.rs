//! Cursor paging: the one way every CityChain query turns a stream of
//! candidate ids into a page, and reads the id indexes that feed it.

use alloc::vec::Vec;

/// The ids, ascending, after `after` (all if `None`) among the storage keys
/// that start with `prefix` and end in a big-endian `u64` id: what an
/// unhashed (`Identity`) index keyed `(group, id)` holds for one group, when
/// `prefix` is the map's final prefix followed by the encoded group.
pub fn ids_after(prefix: Vec<u8>, after: Option<u64>) -> impl Iterator<Item = u64> {
	let mut previous = prefix.clone();
	if let Some(id) = after {
		previous.extend_from_slice(&id.to_be_bytes());
	}
	core::iter::from_fn(move || loop {
		let next = sp_io::storage::next_key(&previous).filter(|k| k.starts_with(&prefix))?;
		let id = <[u8; 8]>::try_from(&next[prefix.len()..]).ok().map(u64::from_be_bytes);
		previous = next;
		if id.is_some() {
			return id;
		}
	})
}

/// Reads the candidates `ids` (ascending, after the cursor) with `load`,
/// keeps those that `matches`, and stops when the page holds `limit` items
/// and one more match exists, or after `budget` reads. Returns the page and
/// the cursor of the next one: the last item's id when a match follows it,
/// the last id read when the budget ran out first, `None` when the
/// candidates are exhausted.
pub fn page<R>(
	ids: impl Iterator<Item = u64>,
	limit: usize,
	budget: usize,
	mut load: impl FnMut(u64) -> Option<R>,
	mut matches: impl FnMut(&R) -> bool,
) -> (Vec<(u64, R)>, Option<u64>) {
	let mut items: Vec<(u64, R)> = Vec::with_capacity(limit);
	let mut last_read = None;
	for (read, id) in ids.enumerate() {
		if read >= budget {
			return (items, last_read);
		}
		last_read = Some(id);
		let Some(record) = load(id).filter(&mut matches) else { continue };
		if items.len() == limit {
			let next = items.last().map(|(id, _)| *id);
			return (items, next);
		}
		items.push((id, record));
	}
	(items, None)
}

#[cfg(test)]
mod tests {
	use super::page;

	fn even(limit: usize, budget: usize, after: u64) -> (Vec<u64>, Option<u64>) {
		let (items, next) = page(after..20, limit, budget, Some, |id| id % 2 == 0);
		(items.into_iter().map(|(id, _)| id).collect(), next)
	}

	#[test]
	fn next_is_set_exactly_when_a_match_follows() {
		assert_eq!(even(3, 100, 0), (vec![0, 2, 4], Some(4)));
		assert_eq!(even(3, 100, 5), (vec![6, 8, 10], Some(10)));
		assert_eq!(even(3, 100, 15), (vec![16, 18], None));
		assert_eq!(even(2, 100, 16), (vec![16, 18], None));
	}

	#[test]
	fn ids_after_reads_one_group_from_the_cursor_on() {
		sp_io::TestExternalities::default().execute_with(|| {
			for (group, id) in [(1u8, 3u64), (1, 5), (1, 260), (2, 4), (0, 9)] {
				let key = [b"index".as_slice(), &[group], &id.to_be_bytes()].concat();
				sp_io::storage::set(&key, &[]);
			}
			let group =
				|g: u8, after| super::ids_after([b"index".as_slice(), &[g]].concat(), after);
			assert_eq!(group(1, None).collect::<Vec<_>>(), vec![3, 5, 260]);
			assert_eq!(group(1, Some(3)).collect::<Vec<_>>(), vec![5, 260]);
			assert_eq!(group(1, Some(4)).collect::<Vec<_>>(), vec![5, 260]);
			assert_eq!(group(1, Some(260)).count(), 0);
			assert_eq!(group(2, None).collect::<Vec<_>>(), vec![4]);
			assert_eq!(group(3, None).count(), 0);
		});
	}

	#[test]
	fn the_budget_cuts_a_page_short_with_a_cursor() {
		assert_eq!(even(5, 3, 0), (vec![0, 2], Some(2)));
		assert_eq!(even(5, 3, 3), (vec![4], Some(5)));
	}
}
