//! `datasets_*`: the dataset registry over JSON-RPC, as CityChain records and
//! as STAC 1.1 Items and ItemCollections. Records and histories are read
//! from state at any block; searches are answered by the node's search index
//! at a finalized block: the head, the one asked for, or the one a cursor
//! was made at.

use std::{sync::Arc, time::Duration};
use tokio::sync::OwnedSemaphorePermit;

use citychain_primitives::{
	api::{AccessApi, DatasetsApi as RuntimeApi, DepartmentsApi},
	datasets::{is_web_url, MAX_KEYWORD_LEN, MAX_PAGE_SIZE},
	time::TimeRangeError,
	visibility::Visibility,
	AccessPolicy, BoundingBox, Dataset as DatasetRecord, DatasetId, DatasetItem, DatasetQuery,
	DepartmentId, QueryError, Sensitivity, TimeInterval, TopicCategory,
};
use citychain_rpc_api::{
	datasets::{
		rfc3339, Aggregation as AggregationAnswer, AggregationCollection, At, BboxParam, Bucket,
		Coverage, Dataset, DepartmentCoverage, Extent, ExtentParams, Extents, ExtentsParams,
		Fields, IdsParam, Page, QParam, SearchParams, SortbyParam, StacSearchParams,
	},
	DatasetsApiServer, Reader,
};
use citychain_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::{
	core::{async_trait, RpcResult},
	types::{error::ErrorObject, ErrorObjectOwned},
};
use sc_client_api::StorageProvider;
use sc_service::TFullBackend;
use serde_json::{json, Value};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;

use super::{block_or_best, invalid_params as invalid, runtime_error, visibility, Hash};
use crate::search_index::{
	Aggregation, Counted, Cursor, Error as IndexError, Extent as IndexExtent, Filter, FreeText,
	Page as IndexPage, Reached, Search, SearchIndex, SortKey, Sortable, Tally, Terms, AGGREGATIONS,
	MAX_AGGREGATIONS, MAX_IDS, MAX_KEYWORDS, MAX_OWNERS, MAX_SORT_KEYS, MAX_TERMS,
};
use crate::stac;
use citychain_stac::STAC_VERSION;
use geo::Geometry;

/// JSON-RPC error code of a search the index cannot answer.
const SEARCH_INDEX_ERROR: i32 = 2;
/// How long a search waits for the index to apply a block just finalized
/// (applying one takes milliseconds).
const INDEX_PATIENCE: Duration = Duration::from_secs(2);
/// The page size when a search names none (as in the STAC API).
const DEFAULT_LIMIT: u32 = 10;

type Record = DatasetRecord<AccountId, BlockNumber>;

/// The index's extent as JSON-RPC answers it: times in RFC 3339.
fn coverage(extent: IndexExtent) -> Coverage {
	Coverage {
		count: extent.count,
		bbox: extent.bbox,
		interval: [extent.start.map(rfc3339), extent.end.map(rfc3339)],
	}
}

/// The finalized block an answer holds at.
pub(super) fn answered_at(Reached { number, hash }: Reached) -> At {
	At { number, hash }
}

pub(super) fn index_error(message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObject::owned(SEARCH_INDEX_ERROR, message.into(), None::<()>)
}

/// JSON-RPC error code of a search refused because the index is busy.
const SEARCH_BUSY: i32 = 3;

/// The JSON-RPC error of what went wrong in the index: an aggregation of
/// too many candidates is invalid parameters, busy is [`SEARCH_BUSY`],
/// anything else (an expired cursor, a search stopped
/// after its time, a failure) [`SEARCH_INDEX_ERROR`].
pub(super) fn index_failure(e: IndexError) -> ErrorObjectOwned {
	let code = match e {
		// The client's to narrow: its parameters.
		IndexError::TooMany { .. } => return invalid(e.to_string()),
		IndexError::Busy { .. } => SEARCH_BUSY,
		_ => SEARCH_INDEX_ERROR,
	};
	ErrorObject::owned(code, e.to_string(), None::<()>)
}

/// A bbox parameter's box; a 3D box (STAC: min and max elevation too) is
/// searched in 2D.
pub(super) fn parse_bbox(bbox: &BboxParam) -> Result<BoundingBox, ErrorObjectOwned> {
	citychain_stac::Bbox::from_json(&bbox.0)
		.map(|b| BoundingBox { west: b.west, south: b.south, east: b.east, north: b.north })
		.map_err(|e| invalid(format!("{e}: {}", bbox.0)))
}

/// Parses a STAC `datetime`: an RFC 3339 instant, or `start/end` where either
/// end may be `..` or empty for an open end.
pub(super) fn parse_datetime(value: &str) -> Result<TimeInterval, ErrorObjectOwned> {
	let interval = citychain_stac::parse_interval(value).map_err(|e| invalid(e.to_string()))?;
	TimeInterval { start: interval.start, end: interval.end }
		.validate()
		.map_err(|e| query_error(QueryError::InvalidTimeInterval(e)))
}

fn query_error(e: QueryError) -> ErrorObjectOwned {
	invalid(match e {
		QueryError::InvalidBoundingBox(e) => format!("bbox {e}"),
		QueryError::InvalidTimeInterval(TimeRangeError::EndBeforeStart) => {
			"datetime interval ends before it starts".into()
		},
		QueryError::InvalidTimeInterval(TimeRangeError::OutOfRange) => {
			"datetime outside the years 855 to 3084".into()
		},
		QueryError::ZeroLimit => "limit must be at least 1".into(),
		QueryError::LimitTooLarge => format!("limit must be at most {MAX_PAGE_SIZE}"),
		QueryError::TextTooLong => "text is too long".to_string(),
		QueryError::TooManyTopics => {
			format!("topics: at most {}, one per topic category", TopicCategory::ALL.len())
		},
	})
}

/// The coordinate reference systems a filter's geometries may be in.
const FILTER_CRS: &[&str] =
	&["http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326"];

/// The languages a filter may be in.
const FILTER_LANGS: &[&str] = &["cql2-text", "cql2-json"];

/// `filter-lang`, if given, is a language a filter may be in (whether or not
/// a filter comes with it).
fn check_filter_lang(lang: Option<&str>) -> Result<(), ErrorObjectOwned> {
	match lang.filter(|l| !FILTER_LANGS.contains(l)) {
		Some(other) => {
			Err(invalid(format!("filter-lang: {other:?} is neither cql2-text nor cql2-json")))
		},
		None => Ok(()),
	}
}

/// A CQL2 filter in `lang` (a checked language; default: text for a
/// string, JSON for an object).
fn parse_filter(filter: &Value, lang: Option<&str>) -> Result<Filter, ErrorObjectOwned> {
	let json = match (filter, lang) {
		(Value::String(_), None | Some("cql2-text")) => false,
		(Value::String(_) | Value::Object(_), Some("cql2-json")) | (Value::Object(_), None) => true,
		_ => return Err(invalid("filter: CQL2 text is a string, CQL2 JSON an object")),
	};
	let source = match filter {
		Value::String(text) => text.clone(),
		other => other.to_string(),
	};
	Filter::parse(&source, json).map_err(|e| invalid(format!("filter: {e}")))
}

/// At most `max` values of a list parameter.
fn at_most<T: Clone>(field: &str, values: &[T], max: usize) -> Result<Vec<T>, ErrorObjectOwned> {
	if values.len() > max {
		return Err(invalid(format!("{field}: at most {max}")));
	}
	Ok(values.to_vec())
}

/// A GeoJSON geometry of valid WGS84 positions, at most `MAX_POSITIONS`.
pub(super) fn parse_intersects(value: &Value) -> Result<Geometry<f64>, ErrorObjectOwned> {
	citychain_stac::parse_intersects(value).map_err(|e| invalid(e.to_string()))
}

/// The key cursor tokens are authenticated with: random at each start of
/// the node, so a token outlives neither the node nor its reader.
fn cursor_key() -> &'static [u8; 32] {
	static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
	KEY.get_or_init(rand::random)
}

/// The authentication of cursor `payload` for `reader` (one account under
/// any SS58 prefix is one reader; no reader is the node's operator).
fn cursor_mac(reader: Option<&Reader>, payload: &str) -> [u8; 16] {
	let reader = reader.map(Reader::to_string).unwrap_or_default();
	let text = [cursor_key().as_slice(), reader.as_bytes(), b"\n", payload.as_bytes()].concat();
	let mut mac = [0u8; 16];
	mac.copy_from_slice(&sp_io::hashing::blake2_256(&text)[..16]);
	mac
}

/// The token a client passes back to continue from a cursor whose own
/// token is `payload`: the payload and its authentication for `reader`, so
/// that a token works for the reader it was made for, at this node, and for
/// no one else.
pub(super) fn sealed(payload: String, reader: Option<&Reader>) -> String {
	let mac = cursor_mac(reader, &payload);
	format!("{payload}.{}", hex::encode(mac))
}

/// The token a client passes back to continue from `cursor` (`sealed`).
fn cursor_token(cursor: &Cursor, reader: Option<&Reader>) -> String {
	sealed(cursor.token(), reader)
}

/// The payload of a token in parameter `field` that this node `sealed` for
/// `reader`, read by `parse`.
pub(super) fn unsealed<T>(
	field: &str,
	token: &str,
	reader: Option<&Reader>,
	parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, ErrorObjectOwned> {
	let malformed = || invalid(format!("{field}: malformed {field} {token:?}"));
	let (payload, mac) = token.rsplit_once('.').ok_or_else(malformed)?;
	let mut given = [0u8; 16];
	hex::decode_to_slice(mac, &mut given).map_err(|_| malformed())?;
	// Compared in constant time.
	let differs = given.iter().zip(cursor_mac(reader, payload)).fold(0, |d, (a, b)| d | (a ^ b));
	if differs != 0 {
		return Err(invalid(format!(
			"{field}: not a {field} of this node for this reader (it expires when the node \
			 restarts); search again"
		)));
	}
	parse(payload).ok_or_else(malformed)
}

/// The cursor a search of `reader` continues from: the token in parameter
/// `field`.
fn parse_cursor(
	field: &str,
	token: Option<&str>,
	reader: Option<&Reader>,
) -> Result<Option<Cursor>, ErrorObjectOwned> {
	token.map(|token| unsealed(field, token, reader, Cursor::parse)).transpose()
}

/// The search that `params` of `datasets_search` ask for.
fn parse_search(params: &SearchParams) -> Result<Search, ErrorObjectOwned> {
	let cursor = parse_cursor("cursor", params.cursor.as_deref(), params.reader.as_ref())?;
	search_from(params, "cursor", cursor)
}

/// The search parameters `p` ask for, continuing from `cursor` (passed as
/// parameter `field`).
fn search_from(
	p: &SearchParams,
	field: &str,
	cursor: Option<Cursor>,
) -> Result<Search, ErrorObjectOwned> {
	let query = DatasetQuery {
		bbox: p.bbox.as_ref().map(parse_bbox).transpose()?,
		time: p.datetime.as_deref().map(parse_datetime).transpose()?,
		topics: p.topics.clone(),
		owner: p.owner,
		status: p.status,
		text: p.text.as_ref().map(|t| t.as_bytes().to_vec()),
		limit: p.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_PAGE_SIZE),
	};
	let keywords = at_most("keywords", &p.keywords, MAX_KEYWORDS)?;
	if let Some(long) = keywords.iter().find(|k| k.len() > MAX_KEYWORD_LEN as usize) {
		return Err(invalid(format!("keywords: {long:?} is longer than {MAX_KEYWORD_LEN} bytes")));
	}
	check_filter_lang(p.filter_lang.as_deref())?;
	let sort = p.sortby.as_ref().map(parse_sortby).transpose()?.unwrap_or_default();
	let free_text = p.q.as_ref().map(parse_q).transpose()?;
	let search = Search {
		query: query.validate().map_err(query_error)?,
		sort,
		cursor,
		owners: at_most("owners", &p.owners, MAX_OWNERS)?,
		ids: at_most("ids", &p.ids, MAX_IDS)?,
		keywords: keywords.into_iter().map(String::into_bytes).collect(),
		policies: at_most("policies", &p.policies, AccessPolicy::ALL.len())?,
		sensitivities: at_most("sensitivities", &p.sensitivities, Sensitivity::ALL.len())?,
		intersects: p.intersects.as_ref().map(parse_intersects).transpose()?,
		filter: p
			.filter
			.as_ref()
			.map(|f| parse_filter(f, p.filter_lang.as_deref()))
			.transpose()?,
		free_text,
		visible: None,
		terms: None,
	};
	if search.cursor.as_ref().is_some_and(|c| c.keys.len() != search.order().len()) {
		return Err(invalid(format!("{field}: made for another sortby")));
	}
	Ok(search)
}

/// The terms of a `q` parameter.
fn parse_q(q: &QParam) -> Result<FreeText, ErrorObjectOwned> {
	let terms: Vec<&str> = match q {
		QParam::Text(text) => text.split(',').collect(),
		QParam::List(terms) => terms.iter().map(String::as_str).collect(),
	};
	if terms.len() > MAX_TERMS {
		return Err(invalid(format!("q: at most {MAX_TERMS} terms")));
	}
	FreeText::parse(terms).map_err(|e| invalid(format!("q: {e}")))
}

/// The sort keys of a `sortby` parameter.
fn parse_sortby(sortby: &SortbyParam) -> Result<Vec<SortKey>, ErrorObjectOwned> {
	let keys: Vec<(String, bool)> = match sortby {
		SortbyParam::Text(text) => text
			.split(',')
			.map(|k| {
				let k = k.trim_end();
				match k.strip_prefix('-') {
					Some(field) => (field.trim().to_string(), true),
					None => (k.trim_start_matches([' ', '+']).to_string(), false),
				}
			})
			.collect(),
		SortbyParam::List(items) => items
			.iter()
			.map(|i| match i.direction.as_deref().map(str::to_ascii_lowercase).as_deref() {
				None | Some("asc") => Ok((i.field.clone(), false)),
				Some("desc") => Ok((i.field.clone(), true)),
				Some(other) => {
					Err(invalid(format!("sortby: direction {other:?} is neither asc nor desc")))
				},
			})
			.collect::<Result<_, _>>()?,
	};
	if keys.len() > MAX_SORT_KEYS {
		return Err(invalid(format!("sortby: at most {MAX_SORT_KEYS} keys")));
	}
	let mut sort: Vec<SortKey> = Vec::new();
	for (field, descending) in keys {
		let parsed = Sortable::parse(&field).map_err(|e| invalid(format!("sortby: {e}")))?;
		if sort.iter().any(|k| k.field == parsed) {
			return Err(invalid(format!("sortby: {field:?} is named twice")));
		}
		sort.push(SortKey { field: parsed, descending });
	}
	// The id ends every order already.
	if sort.last().is_some_and(|k| k.field == Sortable::Id && !k.descending) {
		sort.pop();
	}
	Ok(sort)
}

fn parse_dataset_id(id: &str) -> Result<DatasetId, ErrorObjectOwned> {
	id.trim().parse().map_err(|_| invalid(format!("unknown item id {id:?}")))
}

/// The longest `base` of a STAC search: an API's public URL.
const MAX_BASE_BYTES: usize = 256;

/// The search a STAC item search's parameters `p` ask for.
fn parse_stac_search(p: &StacSearchParams) -> Result<Search, ErrorObjectOwned> {
	let collections = p.collections.as_deref().unwrap_or_default();
	let owners = at_most("collections", collections, MAX_OWNERS)?
		.iter()
		.map(|c| {
			c.strip_prefix("department-")
				.and_then(|d| d.parse().ok())
				.ok_or_else(|| invalid(format!("unknown collection {c:?}")))
		})
		.collect::<Result<_, _>>()?;
	let ids: Vec<String> = match &p.ids {
		None => Vec::new(),
		Some(IdsParam::List(l)) => l.clone(),
		Some(IdsParam::Text(t)) => t.split(',').map(str::to_owned).collect(),
	};
	let ids = at_most("ids", &ids, MAX_IDS)?
		.iter()
		.map(|i| parse_dataset_id(i))
		.collect::<Result<_, _>>()?;
	let cursor = parse_cursor("token", p.token.as_deref(), p.reader.as_ref())?;
	if p.bbox.is_some() && p.intersects.is_some() {
		return Err(invalid("bbox and intersects: give one or the other, not both"));
	}
	if let Some(base) = p
		.base
		.as_deref()
		.filter(|b| b.len() > MAX_BASE_BYTES || !is_web_url(b.as_bytes()))
	{
		return Err(invalid(format!(
			"base: {base:?} is not an http(s) URL of at most {MAX_BASE_BYTES} bytes"
		)));
	}
	if let Some(crs) = p.filter_crs.as_deref().filter(|c| !FILTER_CRS.contains(c)) {
		return Err(invalid(format!(
			"filter-crs: {crs:?} is not one of {}",
			FILTER_CRS.join(", ")
		)));
	}
	let params = SearchParams {
		bbox: p.bbox.clone(),
		intersects: p.intersects.clone(),
		datetime: p.datetime.clone(),
		owners,
		ids,
		sortby: p.sortby.clone(),
		q: p.q.clone(),
		limit: p.limit,
		filter: p.filter.clone(),
		filter_lang: p.filter_lang.clone(),
		reader: p.reader.clone(),
		..Default::default()
	};
	search_from(&params, "token", cursor)
}

/// The search a STAC aggregate's parameters `p` ask for, and the
/// aggregations to count of its matches (default: every one, once each).
fn parse_aggregate(p: &StacSearchParams) -> Result<(Search, Vec<Aggregation>), ErrorObjectOwned> {
	let pages = [
		("token", p.token.is_some()),
		("limit", p.limit.is_some()),
		("sortby", p.sortby.is_some()),
	];
	if let Some((name, _)) = pages.iter().find(|(_, given)| *given) {
		return Err(invalid(format!(
			"{name}: an aggregation counts every match; leave {name} out"
		)));
	}
	let names: Vec<String> = match &p.aggregations {
		None => AGGREGATIONS.iter().map(|(name, _)| name.to_string()).collect(),
		Some(IdsParam::List(names)) => names.clone(),
		Some(IdsParam::Text(names)) => names.split(',').map(|n| n.trim().to_owned()).collect(),
	};
	let mut asked = Vec::new();
	for name in at_most("aggregations", &names, MAX_AGGREGATIONS)? {
		let aggregation = Aggregation::parse(
			&name,
			p.centroid_geohash_grid_frequency_precision,
			p.centroid_geotile_grid_frequency_precision,
		)
		.map_err(|e| invalid(format!("aggregations: {e}")))?;
		if !asked.contains(&aggregation) {
			asked.push(aggregation);
		}
	}
	Ok((parse_stac_search(p)?, asked))
}

/// An aggregation's answer as JSON-RPC gives it: times in RFC 3339.
fn aggregation_answer(counted: Counted) -> AggregationAnswer {
	let aggregation = counted.aggregation;
	let (buckets, overflow, value) = match aggregation {
		Aggregation::TotalCount => (None, None, Some(counted.value.map(Value::from))),
		Aggregation::DatetimeMin | Aggregation::DatetimeMax => {
			(None, None, Some(counted.value.map(|ms| rfc3339(ms).into())))
		},
		_ => {
			let data_type = if aggregation == Aggregation::Year { "datetime" } else { "string" };
			let buckets = counted
				.buckets
				.into_iter()
				.map(|(key, frequency)| Bucket { key, data_type: data_type.into(), frequency })
				.collect();
			(Some(buckets), Some(counted.overflow), None)
		},
	};
	AggregationAnswer {
		name: aggregation.name().into(),
		data_type: aggregation.data_type().into(),
		buckets,
		overflow,
		value,
	}
}

/// The finalized block a search answers at — the one its cursor was made
/// at, else `at`, else the finalized head as the index holds it — and the
/// index (`None`: the node runs without one), once it holds that block.
pub(super) async fn indexed<C: HeaderBackend<Block>>(
	client: &C,
	index: Option<&Arc<SearchIndex>>,
	at: Option<Hash>,
	cursor: Option<BlockNumber>,
) -> RpcResult<(Arc<SearchIndex>, Reached)> {
	let index = index
		.cloned()
		.ok_or_else(|| index_error("this node runs without a search index (--search-index off)"))?;
	let info = client.info();
	let asked = match at {
		None => None,
		Some(hash) => {
			let number = client
				.number(hash)
				.map_err(runtime_error)?
				.ok_or_else(|| invalid(format!("at: unknown block {hash:?}")))?;
			if number > info.finalized_number || client.hash(number).ok().flatten() != Some(hash) {
				return Err(invalid(format!(
					"at: block {hash:?} is not finalized; searches answer at finalized blocks (the head is #{})",
					info.finalized_number
				)));
			}
			Some(number)
		},
	};
	let wanted = match (cursor, asked) {
		(Some(c), _) if c > info.finalized_number => {
			return Err(invalid(format!("cursor: block #{c} is not finalized")))
		},
		(Some(c), Some(a)) if c != a => {
			return Err(invalid(format!(
				"at: the cursor was made at #{c}; leave at out or name that block"
			)))
		},
		(Some(c), _) => Some(c),
		(None, asked) => asked,
	};
	let needed = wanted.unwrap_or(info.finalized_number);
	match index.reached(needed, INDEX_PATIENCE).await {
		Some(reached) if reached.number >= needed => {
			let answer = match wanted {
				Some(number) if number != reached.number => {
					let hash = client.hash(number).map_err(runtime_error)?.ok_or_else(|| {
						index_error(format!("finalized block #{number} has no hash"))
					})?;
					Reached { number, hash }
				},
				_ => reached,
			};
			Ok((index, answer))
		},
		Some(reached) => Err(index_error(format!(
			"the search index is at #{}, catching up to the finalized #{needed}; try again",
			reached.number
		))),
		None => Err(index_error("the search index is being built; try again")),
	}
}

/// A place among the searches the index runs at once, taken before
/// anything costly (a filter's parse, a thread): a flood is refused, not
/// queued.
pub(super) fn admission(index: Option<&Arc<SearchIndex>>) -> RpcResult<OwnedSemaphorePermit> {
	let index = index
		.ok_or_else(|| index_error("this node runs without a search index (--search-index off)"))?;
	index.admit().map_err(index_failure)
}

/// Serves `datasets_*`: reads from the `DatasetsApi` runtime API, searches
/// from the node's search index.
pub struct Datasets<C> {
	client: Arc<C>,
	index: Option<Arc<SearchIndex>>,
	reader_required: bool,
	/// What each reader may see, per finalized block.
	views: Arc<visibility::Views>,
}

impl<C> Datasets<C> {
	/// The datasets RPC over `client`'s state; its searches need `index`
	/// (`None`: the node runs with `--search-index off`), and name their
	/// reader if `reader_required`.
	pub fn new(client: Arc<C>, index: Option<Arc<SearchIndex>>, reader_required: bool) -> Self {
		Self { client, index, reader_required, views: Default::default() }
	}
}

impl<C> Datasets<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C: StorageProvider<Block, TFullBackend<Block>>,
	C::Api: RuntimeApi<Block, AccountId, BlockNumber>
		+ AccessApi<Block, AccountId, BlockNumber>
		+ DepartmentsApi<Block, AccountId, BlockNumber>,
{
	fn record(&self, at: Hash, id: DatasetId) -> RpcResult<Option<Record>> {
		self.client.runtime_api().dataset(at, id).map_err(runtime_error)
	}

	/// Record `id` at `at`, if there is one and `reader` (if given) may see
	/// it.
	fn visible_record(
		&self,
		at: Hash,
		id: DatasetId,
		reader: Option<&Reader>,
	) -> RpcResult<Option<Record>> {
		let Some(record) = self.record(at, id)? else { return Ok(None) };
		let Some(reader) = reader else { return Ok(Some(record)) };
		let visible = self.view(reader, at)?;
		Ok(visible
			.is_none_or(|v| v.admits(id, record.sensitivity, record.owner))
			.then_some(record))
	}

	/// What `reader` may see at block `at`: from the views kept for the
	/// finalized head, computed afresh at any other block.
	fn view(&self, reader: &Reader, at: Hash) -> RpcResult<Option<Visibility>> {
		let info = self.client.info();
		if at == info.finalized_hash {
			let head = Reached { number: info.finalized_number, hash: at };
			return self.views.get(&*self.client, reader, head);
		}
		let number = self
			.client
			.number(at)
			.map_err(runtime_error)?
			.ok_or_else(|| invalid(format!("at: unknown block {at:?}")))?;
		visibility::visible_to(&*self.client, reader, Reached { number, hash: at })
	}

	fn latest(&self, at: Hash, id: DatasetId) -> RpcResult<DatasetId> {
		let history = self.client.runtime_api().history(at, id).map_err(runtime_error)?;
		Ok(history.last().copied().unwrap_or(id))
	}

	/// A place among the searches the index runs at once (`admission`).
	fn admission(&self) -> RpcResult<OwnedSemaphorePermit> {
		admission(self.index.as_ref())
	}

	/// Runs `read` on the index at the block `indexed` chooses, off the
	/// async workers, with what `reader` may see at that block, in the
	/// place `admitted` holds.
	async fn read_index<T: Send + 'static>(
		&self,
		at: Option<Hash>,
		cursor: Option<BlockNumber>,
		reader: Option<&Reader>,
		admitted: OwnedSemaphorePermit,
		read: impl FnOnce(&SearchIndex, Seen, BlockNumber) -> Result<T, IndexError> + Send + 'static,
	) -> RpcResult<(T, Reached)> {
		self.read_index_for(None, at, cursor, reader, admitted, read).await
	}

	/// `read_index` for `search`, with what its reader may see and, if its
	/// filter calls `citychain:outcome`, the terms a request would meet now.
	async fn search_index<T: Send + 'static>(
		&self,
		search: Search,
		at: Option<Hash>,
		reader: Option<&Reader>,
		admitted: OwnedSemaphorePermit,
		read: impl FnOnce(&SearchIndex, &Search, BlockNumber) -> Result<T, IndexError> + Send + 'static,
	) -> RpcResult<(T, Reached)> {
		let calls = search.filter.as_ref().map(|f| f.calls()).unwrap_or_default();
		let departments = (!calls.is_empty()).then(|| calls.iter().map(|c| c.department).collect());
		let cursor = search.cursor.as_ref().map(|c| c.block);
		self.read_index_for(departments, at, cursor, reader, admitted, move |index, seen, at| {
			read(index, &seen.on(search), at)
		})
		.await
	}

	/// `read_index`, with the terms at the finalized head for calls naming
	/// `departments` (if any).
	async fn read_index_for<T: Send + 'static>(
		&self,
		departments: Option<Vec<DepartmentId>>,
		at: Option<Hash>,
		cursor: Option<BlockNumber>,
		reader: Option<&Reader>,
		admitted: OwnedSemaphorePermit,
		read: impl FnOnce(&SearchIndex, Seen, BlockNumber) -> Result<T, IndexError> + Send + 'static,
	) -> RpcResult<(T, Reached)> {
		if reader.is_none() && self.reader_required {
			return Err(invalid(
				"reader: required on a node that listens beyond loopback; name \"anonymous\" or \
				 an SS58 address",
			));
		}
		let (index, answer) = indexed(&*self.client, self.index.as_ref(), at, cursor).await?;
		let (client, views) = (self.client.clone(), self.views.clone());
		let reader = reader.cloned();
		// What the reader may see now, at the finalized head, even when a
		// cursor reads the records as an older block held them: a member
		// suspended since, or a contract ended since, no longer counts.
		let info = self.client.info();
		let now = Reached { number: info.finalized_number, hash: info.finalized_hash };
		let found = tokio::task::spawn_blocking(move || {
			let _admitted = admitted;
			let visible = match reader {
				Some(reader) => views.get(&*client, &reader, now)?,
				None => None,
			};
			// What a request would meet now, like the visibility.
			let terms = departments
				.map(|named| Terms::at(client, now.hash, named))
				.transpose()
				.map_err(|e| runtime_error(format!("the access terms at the head: {e}")))?
				.map(Arc::new);
			read(&index, Seen { visible, terms }, answer.number).map_err(index_failure)
		})
		.await
		.map_err(|e| index_error(e.to_string()))??;
		Ok((found, answer))
	}

	/// The coverage of each department's records (only `owner`'s, if given)
	/// that `reader` may see, from the index at the block `at` chooses.
	async fn extents_of(
		&self,
		owner: Option<DepartmentId>,
		reader: Option<Reader>,
		at: Option<Hash>,
	) -> RpcResult<(Vec<DepartmentCoverage>, At)> {
		let admitted = self.admission()?;
		let (extents, answered) = self
			.read_index(at, None, reader.as_ref(), admitted, move |index, seen, at| {
				index.extents(owner, seen.visible.as_ref(), at)
			})
			.await?;
		let departments = extents
			.into_iter()
			.map(|(owner, extent)| DepartmentCoverage { owner, coverage: coverage(extent) })
			.collect();
		Ok((departments, answered_at(answered)))
	}
}

/// `parse(&params)` on a blocking thread, not an async worker: a filter's
/// parse may take a while (`citychain_stac::filter` bounds how long), and
/// the node's RPC has as many async workers as cores.
async fn off_the_workers<P: Send + 'static, T: Send + 'static>(
	params: P,
	parse: fn(&P) -> Result<T, ErrorObjectOwned>,
) -> RpcResult<(P, T)> {
	tokio::task::spawn_blocking(move || parse(&params).map(|parsed| (params, parsed)))
		.await
		.map_err(|e| index_error(e.to_string()))?
}

/// What a search meets at the finalized head, whatever block it reads the
/// records at: what its reader may see, and what a request would meet.
struct Seen {
	visible: Option<Visibility>,
	terms: Option<Arc<Terms>>,
}

impl Seen {
	fn on(self, search: Search) -> Search {
		Search { visible: self.visible, terms: self.terms, ..search }
	}
}

/// A page of a STAC search, each item with the id of its newest version,
/// and where the next and the previous page start.
type Found =
	(Vec<(DatasetItem<AccountId, BlockNumber>, DatasetId)>, Option<Cursor>, Option<Cursor>);

fn stac_found(index: &SearchIndex, search: &Search, at: BlockNumber) -> Result<Found, IndexError> {
	let IndexPage { items, next, prev } = index.search(search, at)?;
	let items = items
		.into_iter()
		.map(|item| {
			let latest = match item.dataset.successor {
				None => Ok(item.id),
				Some(_) => index.latest(item.id, at),
			};
			latest.map(|latest| (item, latest))
		})
		.collect::<Result<_, _>>()?;
	Ok((items, next, prev))
}

#[async_trait]
impl<C> DatasetsApiServer for Datasets<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C: StorageProvider<Block, TFullBackend<Block>>,
	C::Api: RuntimeApi<Block, AccountId, BlockNumber>
		+ AccessApi<Block, AccountId, BlockNumber>
		+ DepartmentsApi<Block, AccountId, BlockNumber>,
{
	fn dataset(
		&self,
		id: DatasetId,
		at: Option<Hash>,
		reader: Option<Reader>,
	) -> RpcResult<Option<Dataset>> {
		Ok(self
			.visible_record(block_or_best(&*self.client, at), id, reader.as_ref())?
			.map(|d| Dataset::new(id, &d, Fields::ALL)))
	}

	async fn search(&self, params: SearchParams, at: Option<Hash>) -> RpcResult<Page> {
		let admitted = self.admission()?;
		let (params, search) = off_the_workers(params, parse_search).await?;
		let fields = params
			.fields
			.as_deref()
			.map(Fields::parse)
			.transpose()
			.map_err(invalid)?
			.unwrap_or(Fields::ALL);
		let (page, answered) = self
			.search_index(search, at, params.reader.as_ref(), admitted, |index, search, at| {
				index.search(search, at)
			})
			.await?;
		Ok(Page {
			items: page.items.iter().map(|i| Dataset::new(i.id, &i.dataset, fields)).collect(),
			next: page.next.map(|c| cursor_token(&c, params.reader.as_ref())),
			prev: page.prev.map(|c| cursor_token(&c, params.reader.as_ref())),
			at: answered_at(answered),
		})
	}

	fn history(
		&self,
		id: DatasetId,
		at: Option<Hash>,
		reader: Option<Reader>,
	) -> RpcResult<Vec<DatasetId>> {
		let at = block_or_best(&*self.client, at);
		let history = self.client.runtime_api().history(at, id).map_err(runtime_error)?;
		let Some(reader) = reader else { return Ok(history) };
		let visible = self.view(&reader, at)?;
		let mut shown = Vec::with_capacity(history.len());
		for version in history {
			let record = self.record(at, version)?;
			if record.is_some_and(|d| {
				visible.as_ref().is_none_or(|v| v.admits(version, d.sensitivity, d.owner))
			}) {
				shown.push(version);
			}
		}
		Ok(shown)
	}

	fn stac_item(&self, id: DatasetId, at: Option<Hash>) -> RpcResult<Option<Value>> {
		let at = block_or_best(&*self.client, at);
		let Some(dataset) = self.record(at, id)? else { return Ok(None) };
		let latest = match dataset.successor {
			None => id,
			Some(_) => self.latest(at, id)?,
		};
		Ok(Some(stac::item(id, &dataset, latest, None)))
	}

	async fn stac_search(&self, params: StacSearchParams, at: Option<Hash>) -> RpcResult<Value> {
		if params.aggregations.is_some()
			|| params.centroid_geohash_grid_frequency_precision.is_some()
			|| params.centroid_geotile_grid_frequency_precision.is_some()
		{
			return Err(invalid("aggregations: ask datasets_aggregate, not datasets_stacSearch"));
		}
		let admitted = self.admission()?;
		let (params, search) = off_the_workers(params, parse_stac_search).await?;
		let ((items, next, prev), answered) = self
			.search_index(search, at, params.reader.as_ref(), admitted, stac_found)
			.await?;
		let token = |c: Cursor| cursor_token(&c, params.reader.as_ref());
		let (next, prev) = (next.map(token), prev.map(token));
		let base = params.base.as_deref().map(|b| b.trim_end_matches('/'));
		let features: Vec<Value> = items
			.iter()
			.map(|(item, latest)| stac::item(item.id, &item.dataset, *latest, base))
			.collect();
		let links: Vec<Value> = [("next", &next), ("prev", &prev)]
			.into_iter()
			.filter_map(|(rel, token)| token.as_ref().map(|t| (rel, t)))
			.map(|(rel, token)| {
				json!({ "rel": rel, "href": format!("?token={token}"), "type": "application/geo+json", "method": "GET" })
			})
			.collect();
		Ok(json!({
			"type": "FeatureCollection",
			"stac_version": STAC_VERSION,
			"numberReturned": features.len(),
			"features": features,
			"links": links,
			"token": next,
			"prevToken": prev,
			"at": answered_at(answered),
		}))
	}

	async fn aggregate(
		&self,
		params: StacSearchParams,
		at: Option<Hash>,
	) -> RpcResult<AggregationCollection> {
		let admitted = self.admission()?;
		let (params, (search, asked)) = off_the_workers(params, parse_aggregate).await?;
		let (counted, answered) = self
			.search_index(search, at, params.reader.as_ref(), admitted, move |index, search, at| {
				let mut tally = Tally::new(asked);
				index.aggregate(search, &mut tally, at)?;
				Ok(tally.finish())
			})
			.await?;
		Ok(AggregationCollection {
			kind: "AggregationCollection".into(),
			aggregations: counted.into_iter().map(aggregation_answer).collect(),
			at: answered_at(answered),
		})
	}

	async fn extent(&self, params: ExtentParams, at: Option<Hash>) -> RpcResult<Extent> {
		let owner = params.owner;
		let (mut extents, at) = self.extents_of(Some(owner), params.reader, at).await?;
		let coverage = extents.pop().map(|d| d.coverage).unwrap_or_default();
		Ok(Extent { coverage, at })
	}

	async fn extents(&self, params: ExtentsParams, at: Option<Hash>) -> RpcResult<Extents> {
		let (departments, at) = self.extents_of(None, params.reader, at).await?;
		Ok(Extents { departments, at })
	}

	fn queryables(&self) -> RpcResult<Value> {
		Ok(stac::queryables())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::search_index::MAX_POSITIONS;
	use citychain_rpc_api::datasets::DATASET_FIELDS;

	#[test]
	fn datetime_accepts_instants_and_open_intervals() {
		let t = parse_datetime("2024-01-01T00:00:00Z").unwrap();
		assert_eq!(
			t,
			TimeInterval { start: Some(1_704_067_200_000), end: Some(1_704_067_200_000) }
		);
		let open = parse_datetime("2024-01-01T00:00:00Z/..").unwrap();
		assert_eq!(open, TimeInterval { start: Some(1_704_067_200_000), end: None });
		let open = parse_datetime("/2024-01-01T08:00:00+08:00").unwrap();
		assert_eq!(open, TimeInterval { start: None, end: Some(1_704_067_200_000) });
		for bad in [
			"2024-13-01T00:00:00Z",
			"yesterday",
			"../..",
			"",
			"2024-01-02T00:00:00Z/2024-01-01T00:00:00Z",
		] {
			assert!(parse_datetime(bad).is_err(), "{bad}");
		}
	}

	#[test]
	fn an_aggregate_names_known_aggregations_and_no_page() {
		let parse = |params: Value| {
			parse_aggregate(&serde_json::from_value::<StacSearchParams>(params).unwrap())
		};
		let (_, every) = parse(json!({})).unwrap();
		assert_eq!(every.len(), AGGREGATIONS.len());
		let (_, two) = parse(json!({
			"aggregations": "total_count, centroid_geohash_grid_frequency,total_count",
			"centroid_geohash_grid_frequency_precision": 4,
		}))
		.unwrap();
		assert_eq!(two, vec![Aggregation::TotalCount, Aggregation::Geohash(4)]);
		let error = |params: Value| parse(params).unwrap_err().message().to_string();
		assert!(error(json!({ "aggregations": ["colour_frequency"] }))
			.starts_with("aggregations: \"colour_frequency\" is not an aggregation"));
		assert_eq!(
			error(
				json!({ "aggregations": "centroid_geotile_grid_frequency", "centroid_geotile_grid_frequency_precision": 15 })
			),
			"aggregations: centroid_geotile_grid_frequency_precision: at most 14"
		);
		assert_eq!(
			error(json!({ "aggregations": vec!["total_count"; MAX_AGGREGATIONS + 1] })),
			format!("aggregations: at most {MAX_AGGREGATIONS}")
		);
		for page in [json!({ "limit": 5 }), json!({ "token": "x" }), json!({ "sortby": "title" })] {
			assert!(error(page.clone()).contains("an aggregation counts every match"), "{page}");
		}
	}

	#[test]
	fn intersects_refuses_open_rings_and_short_lines() {
		let shape = |kind: &str, coordinates: Value| {
			parse_intersects(&json!({ "type": kind, "coordinates": coordinates }))
		};
		assert!(shape("Polygon", json!([[[0, 0], [1, 0], [1, 1], [0, 0]]])).is_ok());
		let open = shape("Polygon", json!([[[0, 0], [1, 0], [1, 1], [0, 1]]])).unwrap_err();
		assert!(open.message().contains("does not end where it starts"), "{}", open.message());
		assert!(shape("Polygon", json!([[[0, 0], [1, 1]]]))
			.unwrap_err()
			.message()
			.contains("four or more"));
		assert!(shape("MultiPolygon", json!([[[[0, 0], [1, 1], [0, 0]]]])).is_err());
		assert!(shape("LineString", json!([[0, 0]]))
			.unwrap_err()
			.message()
			.contains("two or more"));
		assert!(shape("MultiLineString", json!([[[0, 0], [1, 1]], [[2, 2]]])).is_err());
		let collection = json!({ "type": "GeometryCollection", "geometries": [{ "type": "LineString", "coordinates": [[0, 0]] }] });
		assert!(parse_intersects(&collection).is_err());
	}

	#[test]
	fn a_stac_search_takes_a_3d_bbox_in_2d_and_not_both_bbox_and_intersects() {
		let search = |params: Value| {
			parse_stac_search(&serde_json::from_value::<StacSearchParams>(params).unwrap())
		};
		let flat = search(json!({ "bbox": [100.0, 0.0, 105.0, 1.0] })).unwrap().query.bbox;
		assert_eq!(
			search(json!({ "bbox": [100.0, 0.0, -5.0, 105.0, 1.0, 80.0] }))
				.unwrap()
				.query
				.bbox,
			flat
		);
		assert!(search(json!({ "bbox": [1.0, 2.0, 3.0, 4.0, 5.0] })).is_err());
		let both = json!({ "bbox": [0, 0, 1, 1], "intersects": { "type": "Point", "coordinates": [0.5, 0.5] } });
		assert!(search(both).unwrap_err().message().starts_with("bbox and intersects"));
	}

	#[test]
	fn a_stac_searchs_base_is_an_http_url_of_at_most_256_bytes() {
		let search = |base: &str| {
			let params = json!({ "base": base });
			parse_stac_search(&serde_json::from_value::<StacSearchParams>(params).unwrap())
		};
		assert!(search("https://gateway.city.example").is_ok());
		let longest = format!("https://g.example/{}", "a".repeat(MAX_BASE_BYTES - 18));
		assert_eq!(longest.len(), MAX_BASE_BYTES);
		assert!(search(&longest).is_ok());
		for bad in [
			format!("{longest}a"),
			"javascript:alert(1)".into(),
			"https://user@g.example".into(),
			"//g.example".into(),
			String::new(),
		] {
			let refused = search(&bad).unwrap_err();
			assert!(refused.message().starts_with("base: "), "{bad:?}: {}", refused.message());
		}
	}

	#[test]
	fn bbox_accepts_lists_and_strings() {
		let parse = |v: Value| parse_bbox(&BboxParam(v));
		let b = parse(json!("116.2, 39.8,116.5,40")).unwrap();
		assert_eq!(
			b,
			BoundingBox {
				west: 1_162_000_000,
				south: 398_000_000,
				east: 1_165_000_000,
				north: 400_000_000
			}
		);
		let list: BboxParam = serde_json::from_str("[116.2, 39.8, 116.5, 40]").unwrap();
		assert_eq!(parse_bbox(&list).unwrap(), b);
		assert!(parse(json!([179.0, -20.0, -179.0, -10.0])).is_ok());
		for bad in [
			json!("1,2,3"),
			json!("a,b,c,d"),
			json!([0.0, 10.0, 1.0, 5.0]),
			json!([0.0, 0.0, 1.0, 95.0]),
			json!(["1", 0, 1, 1]),
			json!(7),
		] {
			assert!(parse(bad.clone()).is_err(), "{bad}");
		}
	}

	#[test]
	fn fields_choose_what_a_dataset_carries_in_order_and_the_id_is_always_there() {
		let record =
			crate::search_index::fixtures::record(&mut crate::search_index::fixtures::Rng(1), 5);
		let keys = |fields| -> Vec<String> {
			match serde_json::to_value(Dataset::new(5, &record, fields)).unwrap() {
				Value::Object(map) => map.keys().cloned().collect(),
				other => panic!("{other}"),
			}
		};
		assert_eq!(keys(Fields::ALL), DATASET_FIELDS.to_vec(), "every field, in order");
		assert_eq!(
			keys(Fields::parse(&["bbox".into(), "title".into()]).unwrap()),
			vec!["id", "title", "bbox"]
		);
		assert!(Fields::parse(&["colour".into()])
			.unwrap_err()
			.starts_with("fields: \"colour\" is not a field"));
	}

	#[test]
	fn free_text_takes_comma_separated_terms_or_a_list_and_ranks_without_sortby() {
		let q: SearchParams = serde_json::from_value(json!({ "q": "air quality, noise" })).unwrap();
		let search = parse_search(&q).unwrap();
		assert_eq!(search.free_text, Some(FreeText::parse(["air quality", "noise"]).unwrap()));
		assert_eq!(search.order(), vec![SortKey { field: Sortable::Relevance, descending: true }]);
		let listed: StacSearchParams =
			serde_json::from_value(json!({ "q": ["air quality", "noise"], "sortby": "title" }))
				.unwrap();
		let search = parse_stac_search(&listed).unwrap();
		assert_eq!(search.free_text, Some(FreeText::parse(["air quality", "noise"]).unwrap()));
		assert_eq!(search.order(), vec![SortKey { field: Sortable::Title, descending: false }]);
		let error = |v: Value| {
			parse_search(&serde_json::from_value::<SearchParams>(v).unwrap())
				.unwrap_err()
				.message()
				.to_string()
		};
		assert_eq!(
			error(json!({ "q": "a,b,c,d,e,f,g,h,i" })),
			format!("q: at most {MAX_TERMS} terms")
		);
		assert_eq!(error(json!({ "q": "noise,," })), "q: the term \"\" has no word in it");
		// A cursor of a ranked search carries the rank: one key.
		let cursor = cursor_token(&Cursor { block: 1, keys: vec![], id: 3, backward: false }, None);
		assert_eq!(
			error(json!({ "q": "noise", "cursor": cursor })),
			"cursor: made for another sortby"
		);
	}

	#[test]
	fn a_cursor_token_works_for_its_reader_only() {
		let cursor = Cursor { block: 7, keys: vec![], id: 3, backward: false };
		let reader = |text: &str| text.parse::<Reader>().unwrap();
		let alice = reader("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
		// Alice's account under the Polkadot prefix: the same reader.
		let alice_polkadot = reader("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5");
		let token = cursor_token(&cursor, Some(&alice));
		let parse = |reader: Option<&Reader>| parse_cursor("cursor", Some(&token), reader);
		assert_eq!(parse(Some(&alice)).unwrap(), Some(cursor.clone()));
		assert_eq!(parse(Some(&alice_polkadot)).unwrap(), Some(cursor.clone()));
		let bob = reader("5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty");
		for other in [Some(&Reader::Anonymous), None, Some(&bob)] {
			let error = parse(other).unwrap_err().message().to_string();
			assert!(
				error.starts_with("cursor: not a cursor of this node for this reader"),
				"{error}"
			);
		}
		// A cursor changed after it was made (an older block, another row).
		let forged =
			token.replacen(&cursor.token(), &Cursor { block: 1, ..cursor.clone() }.token(), 1);
		assert!(parse_cursor("cursor", Some(&forged), Some(&alice)).is_err());
		for garbage in ["zz", "00.zz", &cursor.token()] {
			let error =
				parse_cursor("cursor", Some(garbage), None).unwrap_err().message().to_string();
			assert!(error.starts_with("cursor: "), "{garbage}: {error}");
		}
	}

	#[test]
	fn limits_are_clamped_and_lists_bounded() {
		let with_limit = |limit| {
			parse_search(&SearchParams { limit: Some(limit), ..Default::default() })
				.unwrap()
				.query
				.limit
		};
		assert_eq!(with_limit(0), 1);
		assert_eq!(with_limit(MAX_PAGE_SIZE + 1), MAX_PAGE_SIZE);
		assert_eq!(with_limit(u32::MAX), MAX_PAGE_SIZE);
		assert_eq!(parse_search(&SearchParams::default()).unwrap().query.limit, DEFAULT_LIMIT);
		let two = StacSearchParams {
			collections: Some(vec!["department-1".into(), "department-2".into()]),
			..Default::default()
		};
		assert_eq!(parse_stac_search(&two).unwrap().owners, vec![1, 2]);
		let bad = StacSearchParams { token: Some("x".into()), ..Default::default() };
		assert!(parse_stac_search(&bad).is_err());
		let error = |p: SearchParams| parse_search(&p).unwrap_err().message().to_string();
		assert_eq!(
			error(SearchParams { ids: vec![1; MAX_IDS + 1], ..Default::default() }),
			format!("ids: at most {MAX_IDS}")
		);
		assert_eq!(
			error(SearchParams { owners: vec![1; MAX_OWNERS + 1], ..Default::default() }),
			format!("owners: at most {MAX_OWNERS}")
		);
		assert!(error(SearchParams { keywords: vec!["k".repeat(65)], ..Default::default() })
			.starts_with("keywords:"));
	}

	#[test]
	fn intersects_takes_any_geojson_geometry_within_bounds() {
		let ok = |v: Value| parse_intersects(&v).is_ok();
		assert!(ok(json!({ "type": "Point", "coordinates": [116.4, 39.9] })));
		assert!(ok(json!({ "type": "LineString", "coordinates": [[116.3, 39.9], [116.5, 40.0]] })));
		assert!(ok(
			json!({ "type": "Polygon", "coordinates": [[[116, 39], [117, 39], [117, 40], [116, 39]]] })
		));
		assert!(ok(json!({ "type": "MultiPoint", "coordinates": [[1, 2], [3, 4]] })));
		assert!(ok(
			json!({ "type": "GeometryCollection", "geometries": [{ "type": "Point", "coordinates": [1, 2] }] })
		));
		let error = |v: Value| parse_intersects(&v).unwrap_err().message().to_string();
		assert!(error(json!({ "type": "Point", "coordinates": [190, 0] }))
			.contains("outside ±180, ±90"));
		assert!(error(json!({ "type": "Circle", "coordinates": [1, 2] }))
			.starts_with("intersects: not a GeoJSON geometry"));
		assert!(error(json!({ "type": "MultiPoint", "coordinates": [] })).contains("empty"));
		let many: Vec<[f64; 2]> = (0..=MAX_POSITIONS).map(|i| [0.0, (i % 80) as f64]).collect();
		assert!(error(json!({ "type": "MultiPoint", "coordinates": many })).contains("more than"));
	}

	#[test]
	fn filters_name_their_language_and_crs() {
		let error = |filter: Value, lang: Option<&str>| {
			parse_filter(&filter, lang).unwrap_err().message().to_string()
		};
		assert!(parse_filter(&json!("title LIKE 'Road%'"), None).is_ok());
		assert!(parse_filter(
			&json!({ "op": "=", "args": [{ "property": "version" }, "2"] }),
			None
		)
		.is_ok());
		assert!(parse_filter(
			&json!(r#"{"op":"=","args":[{"property":"version"},"2"]}"#),
			Some("cql2-json")
		)
		.is_ok());
		let lang = |lang: &str, filter: Option<Value>| {
			let p = SearchParams { filter, filter_lang: Some(lang.into()), ..Default::default() };
			parse_search(&p).unwrap_err().message().to_string()
		};
		let wrong = "filter-lang: \"sql\" is neither cql2-text nor cql2-json";
		assert_eq!(lang("sql", Some(json!("x = 1"))), wrong);
		assert_eq!(lang("sql", None), wrong, "also without a filter");
		assert_eq!(
			error(json!({ "op": "=" }), Some("cql2-text")),
			"filter: CQL2 text is a string, CQL2 JSON an object"
		);
		assert!(error(json!("x = 1"), None).starts_with("filter: \"x\" is not queryable"));
		let crs = StacSearchParams { filter_crs: Some("EPSG:3857".into()), ..Default::default() };
		assert!(parse_stac_search(&crs).unwrap_err().message().starts_with("filter-crs:"));
	}
}
