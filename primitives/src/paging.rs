//! Cursor paging: the one way every CityChain query turns a stream of
//! candidate ids into a page.

use alloc::vec::Vec;

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
	fn the_budget_cuts_a_page_short_with_a_cursor() {
		assert_eq!(even(5, 3, 0), (vec![0, 2], Some(2)));
		assert_eq!(even(5, 3, 3), (vec![4], Some(5)));
	}
}
