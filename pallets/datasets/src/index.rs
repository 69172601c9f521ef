//! The spatial and temporal indexes of the registry.
//!
//! # Spatial: a hierarchical grid in Z-order
//!
//! At depth `d` (0 to [`SPATIAL_MAX_DEPTH`]) the WGS84 plane is cut into
//! `2^d × 2^d` cells; a cell is numbered by interleaving the bits of its
//! column and row (its Morton code), so the cells of depth `d` below one cell
//! of a shallower depth have consecutive codes. A dataset is filed under the
//! deepest depth at which its box touches at most [`MAX_CELLS_PER_DATASET`]
//! cells, once per cell: a box is never filed more than four times however
//! large it is, and a box smaller than a deepest cell is filed at the deepest
//! depth. A box across the antimeridian is the union of its two halves.
//!
//! Within a cell, entries are ordered by the time bucket of the dataset's
//! range (below), then by dataset, so that the datasets of one place are
//! sorted by when they are.
//!
//! A query box touches, at each depth, a rectangle of cells. Down to the
//! deepest depth at which that rectangle has at most [`MAX_QUERY_CELLS`]
//! cells, the query reads exactly those cells; deeper, it reads the
//! descendants of that rectangle, one run of consecutive codes per coarse
//! cell. Inside a cell it reads only the buckets its time window reaches and
//! seeks over the rest. Every entry is a key that carries the dataset's
//! extent, so candidates are filtered exactly with one `next_key` each and
//! without reading their records. Depths where nothing is filed are skipped
//! (bit masks in [`OccupiedDepths`]).
//!
//! # Temporal: a hierarchy of time buckets, and the ongoing datasets
//!
//! Time (ms since the epoch, from [`MIN_TIME`] to [`MAX_TIME`]) is cut at depth
//! `d` (0 to [`TEMPORAL_MAX_DEPTH`]) into `2^d` buckets; the deepest buckets
//! are 2^20 ms (17.5 minutes) long. A range is filed at the deepest depth at
//! which it touches at most two buckets, under the bucket of its start only:
//! it ends in that bucket or the next, so a query reads, per occupied depth,
//! the buckets from the one before its start's to its end's. Datasets with
//! an end are in [`TemporalIndex`]; datasets without one (ongoing) are filed
//! by start time in [`OngoingIndex`], and a query reads the ongoing datasets
//! that start before its end, all of which match it. In the spatial index an
//! ongoing range counts as running to `MAX_TIME`.
//!
//! # Cost
//!
//! A search reads at most `21 × MAX_QUERY_CELLS` runs, a seek per time
//! depth in each occupied cell it reaches, and the entries inside the
//! window, which lie near the query in space and time: the work grows with
//! the number of datasets near the query, not with the registry. Keys are
//! stored unhashed (`Identity`) so that runs are contiguous in the trie; they
//! are derived from validated extents of member departments' datasets.
//! See `docs/datasets.md` for the worst cases and `docs/performance.md` for
//! measurements.

use crate::{
	pallet::{Config, OccupiedDepths, OngoingIndex, OwnerIndex, SpatialIndex, TemporalIndex},
	BoundingBox, DatasetId, DepartmentId, Extent, TimeInterval, TimeRange,
};
use alloc::vec::Vec;
use citychain_primitives::datasets::{MAX_LONGITUDE, MAX_LATITUDE, MAX_TIME, MIN_TIME};
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::storage::StoragePrefixedMap;
use scale_info::TypeInfo;

/// Deepest spatial depth: cells of 360°/2^20 × 180°/2^20, about 38 m × 19 m
/// at the equator.
pub const SPATIAL_MAX_DEPTH: u8 = 20;
/// Deepest temporal depth: buckets of 2^20 ms.
pub const TEMPORAL_MAX_DEPTH: u8 = 26;
/// Most cells a dataset's box is filed under.
pub const MAX_CELLS_PER_DATASET: u64 = 4;
/// Most buckets a dataset's time range touches at the depth it is filed at.
pub const MAX_BUCKETS_PER_DATASET: u64 = 2;
/// Most cells per depth a query reads one by one before it reads runs of
/// their descendants instead.
pub const MAX_QUERY_CELLS: u64 = 64;
/// Most index keys a search reads; a query that is less selective than
/// this scans records in id order instead.
pub const MAX_INDEX_CANDIDATES: usize = 40_000;

/// Bits of a time offset from `MIN_TIME`.
const TIME_BITS: u8 = 46;
const LON_SPAN: u64 = 2 * MAX_LONGITUDE as u64;
const LAT_SPAN: u64 = 2 * MAX_LATITUDE as u64;

/// A key of the spatial index: depth, Morton code, time depth, time bucket,
/// dataset (big-endian, so keys sort by cell, then time, then dataset), and
/// the dataset's extent.
pub type SpatialKey = (u8, [u8; 8], u8, [u8; 8], [u8; 8], Extent);
/// A key of the temporal index: depth, bucket, dataset (big-endian), extent.
pub type TemporalKey = (u8, [u8; 8], [u8; 8], Extent);
/// A key of the ongoing index: start as offset from `MIN_TIME`, dataset
/// (big-endian), extent.
pub type OngoingKey = ([u8; 8], [u8; 8], Extent);
/// A key of the owner index: department, dataset (big-endian).
pub type OwnerKey = ([u8; 4], [u8; 8]);

/// The depths that hold index entries, one bit per depth.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Depths {
	/// Spatial depths of the spatial index.
	pub spatial: u32,
	/// Time depths of the temporal index.
	pub temporal: u32,
	/// Time depths of the spatial index.
	pub spatial_time: u32,
}

impl Depths {
	fn has(mask: u32, depth: u8) -> bool {
		mask & (1 << depth) != 0
	}

	/// The next depth in `mask` after `depth`.
	fn after(mask: u32, depth: u8) -> Option<u8> {
		let rest = mask.checked_shr(u32::from(depth) + 1)? << (depth + 1);
		(rest != 0).then(|| rest.trailing_zeros() as u8)
	}
}

/// A rectangle of cells at one depth, rows and columns inclusive.
#[derive(Clone, Copy, Debug)]
struct CellRect {
	x0: u64,
	x1: u64,
	y0: u64,
	y1: u64,
}

impl CellRect {
	fn cells(&self) -> u64 {
		(self.x1 - self.x0 + 1) * (self.y1 - self.y0 + 1)
	}

	fn codes(&self) -> impl Iterator<Item = u64> + '_ {
		(self.y0..=self.y1).flat_map(move |y| (self.x0..=self.x1).map(move |x| morton(x, y)))
	}
}

fn column(lon: i32, depth: u8) -> u64 {
	let x = (lon as i64 + MAX_LONGITUDE as i64) as u64;
	((x << depth) / LON_SPAN).min((1 << depth) - 1)
}

fn row(lat: i32, depth: u8) -> u64 {
	let y = (lat as i64 + MAX_LATITUDE as i64) as u64;
	((y << depth) / LAT_SPAN).min((1 << depth) - 1)
}

/// Spreads the low 32 bits of `v` to the even bits.
fn spread(mut v: u64) -> u64 {
	v &= 0xffff_ffff;
	v = (v | (v << 16)) & 0x0000_ffff_0000_ffff;
	v = (v | (v << 8)) & 0x00ff_00ff_00ff_00ff;
	v = (v | (v << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
	v = (v | (v << 2)) & 0x3333_3333_3333_3333;
	(v | (v << 1)) & 0x5555_5555_5555_5555
}

/// The Morton code of a cell: column bits even, row bits odd.
fn morton(x: u64, y: u64) -> u64 {
	spread(x) | (spread(y) << 1)
}

/// The cell rectangles a box touches at `depth`: one, or two across the
/// antimeridian.
fn rects(bbox: &BoundingBox, depth: u8) -> impl Iterator<Item = CellRect> + '_ {
	let (y0, y1) = (row(bbox.south, depth), row(bbox.north, depth));
	bbox.longitude_spans().map(move |(w, e)| CellRect {
		x0: column(w, depth),
		x1: column(e, depth),
		y0,
		y1,
	})
}

fn cell_count(bbox: &BoundingBox, depth: u8) -> u64 {
	rects(bbox, depth).map(|r| r.cells()).sum()
}

/// The depth and the sorted, distinct cells a dataset's box is filed under.
pub fn cells_of(bbox: &BoundingBox) -> (u8, Vec<u64>) {
	let depth = (0..=SPATIAL_MAX_DEPTH)
		.rev()
		.find(|d| cell_count(bbox, *d) <= MAX_CELLS_PER_DATASET)
		.unwrap_or(0);
	let mut codes: Vec<u64> = rects(bbox, depth).flat_map(|r| r.codes().collect::<Vec<_>>()).collect();
	codes.sort_unstable();
	codes.dedup();
	(depth, codes)
}

/// The runs of Morton codes at `depth` that hold every cell a query box
/// touches, sorted and merged, given `coarse`, the deepest depth at which
/// the query reads cells one by one.
fn runs(bbox: &BoundingBox, depth: u8, coarse: u8) -> Vec<(u64, u64)> {
	let from = depth.min(coarse);
	let shift = 2 * u32::from(depth - from);
	let mut runs: Vec<(u64, u64)> = rects(bbox, from)
		.flat_map(|r| r.codes().collect::<Vec<_>>())
		.map(|code| (code << shift, ((code + 1) << shift) - 1))
		.collect();
	runs.sort_unstable();
	let mut merged: Vec<(u64, u64)> = Vec::with_capacity(runs.len());
	for (start, end) in runs {
		match merged.last_mut() {
			Some(last) if start <= last.1.saturating_add(1) => last.1 = last.1.max(end),
			_ => merged.push((start, end)),
		}
	}
	merged
}

fn time_offset(t: i64) -> u64 {
	(t.clamp(MIN_TIME, MAX_TIME) - MIN_TIME) as u64
}

fn bucket(t: i64, depth: u8) -> u64 {
	time_offset(t) >> (TIME_BITS - depth)
}

/// The depth and the bucket a time range is filed under: the deepest depth
/// at which the range touches at most two buckets, and the bucket of its
/// start (an ongoing range runs to `MAX_TIME`). A range so filed ends in
/// its bucket or the next, which is what [`Window`] relies on.
pub fn bucket_of(time: &TimeRange) -> (u8, u64) {
	let end = time.end.unwrap_or(MAX_TIME);
	let depth = (0..=TEMPORAL_MAX_DEPTH)
		.rev()
		.find(|d| bucket(end, *d) - bucket(time.start, *d) < MAX_BUCKETS_PER_DATASET)
		.unwrap_or(0);
	(depth, bucket(time.start, depth))
}

/// The buckets a query interval reads at each time depth: from the bucket
/// before the one its start falls in (a range filed there may reach into
/// it) to the bucket of its end.
struct Window {
	start: i64,
	end: i64,
}

impl Window {
	fn new(time: Option<&TimeInterval>) -> Self {
		Self {
			start: time.and_then(|t| t.start).unwrap_or(MIN_TIME),
			end: time.and_then(|t| t.end).unwrap_or(MAX_TIME),
		}
	}

	fn buckets(&self, depth: u8) -> (u64, u64) {
		(bucket(self.start, depth).saturating_sub(1), bucket(self.end, depth))
	}
}

fn be(id: DatasetId) -> [u8; 8] {
	id.to_be_bytes()
}

/// Files a new dataset in every index.
pub fn insert<T: Config>(id: DatasetId, owner: DepartmentId, extent: Extent) {
	let occupied = OccupiedDepths::<T>::get();
	let mut depths = occupied;
	let (depth, cells) = cells_of(&extent.bbox);
	let (time_depth, time_bucket) = bucket_of(&extent.time);
	for cell in cells {
		SpatialIndex::<T>::insert((depth, be(cell), time_depth, be(time_bucket), be(id), extent), ());
	}
	depths.spatial |= 1 << depth;
	depths.spatial_time |= 1 << time_depth;
	match extent.time.end {
		Some(_) => {
			TemporalIndex::<T>::insert((time_depth, be(time_bucket), be(id), extent), ());
			depths.temporal |= 1 << time_depth;
		},
		None => OngoingIndex::<T>::insert((be(time_offset(extent.time.start)), be(id), extent), ()),
	}
	// Most datasets land on depths already in use: write only news.
	if depths != occupied {
		OccupiedDepths::<T>::put(depths);
	}
	OwnerIndex::<T>::insert((owner.to_be_bytes(), be(id)), ());
}

/// Whether every index holds the dataset where `insert` files it.
#[cfg(any(feature = "try-runtime", feature = "std"))]
pub fn is_indexed<T: Config>(id: DatasetId, owner: DepartmentId, extent: Extent) -> bool {
	let (depth, cells) = cells_of(&extent.bbox);
	let (time_depth, time_bucket) = bucket_of(&extent.time);
	let spatial = cells.into_iter().all(|c| {
		SpatialIndex::<T>::contains_key((depth, be(c), time_depth, be(time_bucket), be(id), extent))
	});
	let temporal = match extent.time.end {
		Some(_) => TemporalIndex::<T>::contains_key((time_depth, be(time_bucket), be(id), extent)),
		None => OngoingIndex::<T>::contains_key((be(time_offset(extent.time.start)), be(id), extent)),
	};
	spatial && temporal && OwnerIndex::<T>::contains_key((owner.to_be_bytes(), be(id)))
}

/// Reads one of the `Identity` indexes, whose keys carry everything a
/// search needs, by raw key: each step is one `next_key`, no value is read.
struct Scan<K> {
	prefix: Vec<u8>,
	read: usize,
	_key: core::marker::PhantomData<K>,
}

impl<K: Decode> Scan<K> {
	fn of<Map: StoragePrefixedMap<()>>() -> Self {
		Self { prefix: Map::final_prefix().to_vec(), read: 0, _key: Default::default() }
	}

	/// The raw position just before every key that starts with `key`.
	fn at(&self, key: impl Encode) -> Vec<u8> {
		let mut raw = self.prefix.clone();
		key.encode_to(&mut raw);
		raw
	}

	/// The first key after `position`, raw and decoded; `Some(None)` once
	/// the map is exhausted; `None` once more than `MAX_INDEX_CANDIDATES`
	/// keys were read.
	fn next(&mut self, position: &[u8]) -> Option<Option<(Vec<u8>, K)>> {
		self.read += 1;
		if self.read > MAX_INDEX_CANDIDATES {
			return None;
		}
		let raw = sp_io::storage::next_key(position).filter(|k| k.starts_with(&self.prefix));
		Some(raw.and_then(|raw| {
			let key = K::decode(&mut &raw[self.prefix.len()..]).ok()?;
			Some((raw, key))
		}))
	}
}

fn finish(mut ids: Vec<DatasetId>) -> Vec<DatasetId> {
	ids.sort_unstable();
	ids.dedup();
	ids
}

/// The ids at or after `after`, ascending, of the datasets whose box
/// intersects `bbox` and whose time range overlaps `time` (if given); `None`
/// if the query is not selective enough for the index.
///
/// At each occupied depth the query's runs of cells are read in one pass:
/// a key before the current run jumps to its start, and inside a cell a key
/// outside the window's buckets jumps to the window at its time depth or
/// to the next time depth in use, so a cell holding years of data costs a
/// seek per time depth, not a read per dataset.
pub fn spatial_candidates<T: Config>(
	bbox: &BoundingBox,
	time: Option<&TimeInterval>,
	after: DatasetId,
) -> Option<Vec<DatasetId>> {
	let occupied = OccupiedDepths::<T>::get();
	let coarse = (0..=SPATIAL_MAX_DEPTH)
		.take_while(|d| cell_count(bbox, *d) <= MAX_QUERY_CELLS)
		.last()
		.unwrap_or(0);
	let window = Window::new(time);
	let mut scan = Scan::<SpatialKey>::of::<SpatialIndex<T>>();
	let mut ids = Vec::new();
	for depth in (0..=SPATIAL_MAX_DEPTH).filter(|d| Depths::has(occupied.spatial, *d)) {
		let runs = runs(bbox, depth, coarse);
		let mut run = 0;
		let mut position = scan.at((depth, be(runs[0].0)));
		while let Some((raw, (d, cell, time_depth, b, id, extent))) = scan.next(&position)? {
			let cell = u64::from_be_bytes(cell);
			if d != depth {
				break;
			}
			while runs.get(run).is_some_and(|r| r.1 < cell) {
				run += 1;
			}
			let Some(&(start, _)) = runs.get(run) else { break };
			if cell < start {
				position = scan.at((depth, be(start)));
				continue;
			}
			let (first, last) = window.buckets(time_depth);
			let b = u64::from_be_bytes(b);
			if b < first {
				position = scan.at((depth, be(cell), time_depth, be(first)));
			} else if b > last {
				position = match Depths::after(occupied.spatial_time, time_depth) {
					Some(next) => scan.at((depth, be(cell), next, be(window.buckets(next).0))),
					None => scan.at((depth, be(cell + 1))),
				};
			} else {
				let id = u64::from_be_bytes(id);
				if id >= after && extent.matches(Some(bbox), time) {
					ids.push(id);
				}
				position = raw;
			}
		}
	}
	Some(finish(ids))
}

/// The ids at or after `after`, ascending, of the datasets whose time range
/// overlaps `time`; `None` if the query is not selective enough for the
/// index.
pub fn temporal_candidates<T: Config>(
	time: &TimeInterval,
	after: DatasetId,
) -> Option<Vec<DatasetId>> {
	let occupied = OccupiedDepths::<T>::get().temporal;
	let window = Window::new(Some(time));
	let mut ids = Vec::new();
	let mut keep = |id: [u8; 8], extent: &Extent| {
		let id = u64::from_be_bytes(id);
		if id >= after && extent.matches(None, Some(time)) {
			ids.push(id);
		}
	};
	let mut scan = Scan::<TemporalKey>::of::<TemporalIndex<T>>();
	for depth in (0..=TEMPORAL_MAX_DEPTH).filter(|d| Depths::has(occupied, *d)) {
		let (first, last) = window.buckets(depth);
		let mut position = scan.at((depth, be(first)));
		while let Some((raw, (d, b, id, extent))) = scan.next(&position)? {
			if d != depth || u64::from_be_bytes(b) > last {
				break;
			}
			keep(id, &extent);
			position = raw;
		}
	}
	let last_start = time_offset(window.end);
	let mut ongoing = Scan::<OngoingKey>::of::<OngoingIndex<T>>();
	let mut position = ongoing.prefix.clone();
	while let Some((raw, (start, id, extent))) = ongoing.next(&position)? {
		if u64::from_be_bytes(start) > last_start {
			break;
		}
		keep(id, &extent);
		position = raw;
	}
	Some(finish(ids))
}

/// The ids after `cursor`, ascending, of the datasets of `owner`.
pub fn owned_by<T: Config>(
	owner: DepartmentId,
	cursor: Option<DatasetId>,
) -> impl Iterator<Item = DatasetId> {
	let prefix = Scan::<OwnerKey>::of::<OwnerIndex<T>>().at(owner.to_be_bytes());
	citychain_primitives::paging::ids_after(prefix, cursor)
}

#[cfg(test)]
mod tests {
	use super::*;
	use citychain_primitives::datasets::DEGREE;

	fn bbox(west: f64, south: f64, east: f64, north: f64) -> BoundingBox {
		let fp = |d: f64| (d * DEGREE as f64).round() as i32;
		BoundingBox { west: fp(west), south: fp(south), east: fp(east), north: fp(north) }
	}

	#[test]
	fn a_box_is_filed_under_at_most_four_cells_of_the_deepest_fitting_depth() {
		let district = bbox(116.30, 39.90, 116.35, 39.95);
		let (depth, cells) = cells_of(&district);
		assert!((1..=4).contains(&cells.len()));
		assert!(cell_count(&district, depth + 1) > MAX_CELLS_PER_DATASET);
		let point = bbox(116.3, 39.9, 116.3, 39.9);
		assert_eq!(cells_of(&point), (SPATIAL_MAX_DEPTH, vec![cells_of(&point).1[0]]));
		let world = bbox(-180.0, -90.0, 180.0, 90.0);
		assert_eq!(cells_of(&world).0, 1);
	}

	#[test]
	fn a_box_across_the_antimeridian_is_filed_on_both_sides() {
		let (depth, cells) = cells_of(&bbox(179.9, -17.0, -179.9, -16.9));
		assert!(depth > 5);
		let columns: Vec<_> = cells.iter().map(|c| c & 0x5555_5555_5555_5555).collect();
		assert!(columns.contains(&spread(0)) && columns.contains(&spread((1 << depth) - 1)));
	}

	#[test]
	fn morton_codes_of_children_follow_their_parent() {
		let parent = morton(3, 5);
		for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
			let child = morton(6 + dx, 10 + dy);
			assert_eq!(child >> 2, parent);
		}
	}

	#[test]
	fn runs_cover_the_query_rectangle_and_merge() {
		let q = bbox(116.0, 39.0, 117.0, 40.0);
		let coarse = (0..=SPATIAL_MAX_DEPTH)
			.take_while(|d| cell_count(&q, *d) <= MAX_QUERY_CELLS)
			.last()
			.unwrap();
		let deep = SPATIAL_MAX_DEPTH;
		let runs = runs(&q, deep, coarse);
		assert!(runs.len() as u64 <= MAX_QUERY_CELLS);
		for r in rects(&q, deep) {
			for code in [morton(r.x0, r.y0), morton(r.x1, r.y1), morton(r.x0, r.y1)] {
				assert!(runs.iter().any(|(s, e)| (*s..=*e).contains(&code)));
			}
		}
		assert!(runs.windows(2).all(|w| w[0].1 + 1 < w[1].0));
	}

	#[test]
	fn a_time_range_is_filed_under_its_start_bucket_at_the_depth_it_spans_two_buckets_at_most() {
		let day = 86_400_000;
		let (depth, first) = bucket_of(&TimeRange { start: 0, end: Some(day) });
		assert_eq!(first, bucket(0, depth));
		assert!(bucket(day, depth) - first < 2);
		assert!(bucket(day, depth + 1) - bucket(0, depth + 1) >= 2);
		assert_eq!(bucket_of(&TimeRange { start: 5, end: Some(5) }).0, TEMPORAL_MAX_DEPTH);
		let (depth, first) = bucket_of(&TimeRange { start: MIN_TIME, end: None });
		assert_eq!((depth, first), (1, 0));
	}

	#[test]
	fn a_window_reaches_every_range_filed_before_it_that_overlaps_it() {
		let day = 86_400_000;
		let query = TimeInterval { start: Some(10 * day), end: Some(11 * day) };
		let window = Window::new(Some(&query));
		for start in (0..20).map(|d| d * day) {
			for length in [1, day / 2, day, 3 * day, 40 * day] {
				let range = TimeRange { start, end: Some(start + length) };
				let (depth, b) = bucket_of(&range);
				let (first, last) = window.buckets(depth);
				if range.overlaps(&query) {
					assert!((first..=last).contains(&b), "{range:?} missed");
				}
			}
		}
		assert_eq!(Window::new(None).buckets(3), (0, bucket(MAX_TIME, 3)));
	}

	#[test]
	fn the_next_depth_in_a_mask_is_found_or_none() {
		let mask = (1 << 3) | (1 << 9) | (1 << 26);
		assert_eq!(Depths::after(mask, 0), Some(3));
		assert_eq!(Depths::after(mask, 3), Some(9));
		assert_eq!(Depths::after(mask, 9), Some(26));
		assert_eq!(Depths::after(mask, 26), None);
		assert_eq!(Depths::after(u32::MAX, 31), None);
	}
}
