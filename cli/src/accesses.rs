//! `citychain audit accesses`: who obtained data about a place and time,
//! and for what (`audit_accessSearch`), as JSON or as CSV for a
//! spreadsheet.
//!
//! CSV columns, one row per contract, in contract id order:
//!
//! | column | value |
//! |---|---|
//! | `contract`, `dataset`, `version` | ids; the dataset's version when requested |
//! | `consumer`, `provider` | department ids |
//! | `purpose_code`, `purpose` | the vocabulary's code (empty if none) and the request's text |
//! | `outcome` | granted, refused, revoked, relinquished, cancelled, lapsed or pending |
//! | `state` | the contract's state (`approved`, `expired`, `rejected`, …) |
//! | `disputed` | `true` if the consumer's hash differed from the dataset's |
//! | `requested`, `decided`, `expires`, `ended` | RFC 3339 (UTC); empty if not (yet) |
//! | `estimated` | which of those four are placed at the block time rather than recorded (`;`-separated) |
//! | `west`, `south`, `east`, `north` | the extent it covers, degrees |
//! | `data_start`, `data_end` | the data time it covers, RFC 3339; `data_end` empty: open |
//! | `scoped` | `true` if the extent is the contract's scope, else its dataset's |
//! | `accessed_from`, `accessed_to` | request to end or expiry, RFC 3339; `accessed_to` empty: pending |
//! | `deliveries_used`, `deliveries_allowed` | deliveries reported; most allowed (empty: no limit) |
//! | `audit_count`, `audit_entries` | audit entries about the contract; the first 64 indices, `;`-separated |
//! | `requested_block`, `decided_block`, `ended_block` | the blocks of those steps (empty: not yet) |

use std::path::PathBuf;

use citychain_client::rpc::api::{
	accountability::{AccessItem, AccessPage, AccessSearchParams, Moment, Outcome},
	datasets::{rfc3339, BboxParam},
	json_name, AccountabilityApiClient,
};
use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use crate::{
	common::{one_of, Context},
	extent::parse_time,
	failure::Failure,
	parse_bbox,
};

/// Largest `--intersects` file read (a geometry the node takes is far
/// smaller: it bounds its positions).
const MAX_GEOMETRY_FILE: u64 = 4 << 20;

/// Most pages `--all` reads (10 000 contracts at 100 a page).
const MAX_PAGES: usize = 100;

/// The CSV header (the module's table says what each column holds).
pub const CSV_COLUMNS: [&str; 31] = [
	"contract",
	"dataset",
	"version",
	"consumer",
	"provider",
	"purpose_code",
	"purpose",
	"outcome",
	"state",
	"disputed",
	"requested",
	"decided",
	"expires",
	"ended",
	"estimated",
	"west",
	"south",
	"east",
	"north",
	"data_start",
	"data_end",
	"scoped",
	"accessed_from",
	"accessed_to",
	"deliveries_used",
	"deliveries_allowed",
	"audit_count",
	"audit_entries",
	"requested_block",
	"decided_block",
	"ended_block",
];

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
	Json,
	Csv,
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("place").required(true).args(["bbox", "intersects"]))]
pub struct AccessesArgs {
	/// The place: west,south,east,north in degrees.
	#[arg(long, value_parser = parse_bbox)]
	bbox: Option<[f64; 4]>,
	/// The place: a GeoJSON file (a geometry, a Feature, or a
	/// FeatureCollection, whose geometries are taken together).
	#[arg(long, value_name = "FILE.geojson")]
	intersects: Option<PathBuf>,
	/// The data time: a STAC datetime, an instant or `start/end` (`..`
	/// open), e.g. 2024-01-01T00:00:00Z/2024-12-31T23:59:59Z.
	#[arg(long)]
	datetime: Option<String>,
	/// Accessed at or after: ms since the epoch, RFC 3339 or YYYY-MM-DD.
	#[arg(long, value_parser = instant)]
	accessed_from: Option<i64>,
	/// Accessed at or before (requested by then): as `--accessed-from`.
	#[arg(long, value_parser = instant)]
	accessed_to: Option<i64>,
	/// Consumer departments (comma-separated or repeated).
	#[arg(long, value_delimiter = ',')]
	consumer: Vec<u32>,
	/// Provider departments (comma-separated or repeated).
	#[arg(long, value_delimiter = ',')]
	provider: Vec<u32>,
	/// A purpose code (`citychain purposes`).
	#[arg(long)]
	purpose: Option<String>,
	/// Outcomes (comma-separated): a contract matches if any holds.
	#[arg(long, value_delimiter = ',', value_parser = one_of(Outcome::ALL, Outcome::as_str))]
	outcome: Vec<Outcome>,
	/// Contracts per page (1 to 100).
	#[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
	limit: u32,
	/// Every page (at most 100), all at the first page's block.
	#[arg(long)]
	all: bool,
	#[arg(long, value_enum, default_value = "json")]
	format: Format,
}

/// An instant: ms since the epoch, or a time `parse_time` reads.
fn instant(text: &str) -> Result<i64, String> {
	text.parse()
		.ok()
		.or_else(|| parse_time(text))
		.ok_or_else(|| format!("{text:?} is neither ms since the epoch, RFC 3339 nor YYYY-MM-DD"))
}

/// The geometry of a GeoJSON document: itself, a Feature's, or a
/// FeatureCollection's geometries as one GeometryCollection.
fn geometry_of(doc: Value) -> Result<Value, Failure> {
	match doc["type"].as_str() {
		Some("Feature") => Ok(doc["geometry"].clone()),
		Some("FeatureCollection") => {
			let geometries: Vec<Value> = doc["features"]
				.as_array()
				.map(|f| f.iter().map(|f| f["geometry"].clone()).filter(|g| !g.is_null()).collect())
				.unwrap_or_default();
			Ok(json!({ "type": "GeometryCollection", "geometries": geometries }))
		},
		Some(_) => Ok(doc),
		None => Err(Failure::Usage("not a GeoJSON document (no \"type\")".into())),
	}
}

fn read_geometry(path: &PathBuf) -> Result<Value, Failure> {
	let cannot = |e: std::io::Error| Failure::Usage(format!("cannot read {}: {e}", path.display()));
	let size = std::fs::metadata(path).map_err(cannot)?.len();
	if size > MAX_GEOMETRY_FILE {
		return Err(Failure::Usage(format!(
			"{} is larger than {} MiB",
			path.display(),
			MAX_GEOMETRY_FILE >> 20
		)));
	}
	let text = std::fs::read_to_string(path).map_err(cannot)?;
	let doc = serde_json::from_str(&text)
		.map_err(|e| Failure::Usage(format!("{} is not JSON: {e}", path.display())))?;
	geometry_of(doc)
}

/// A field of free text a department wrote: one that a spreadsheet would
/// read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return) gets a `'` in front, as OWASP's CSV injection advice has it.
/// Numbers are not passed through here: a negative longitude stays one.
fn text(value: &str) -> String {
	if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
		format!("'{value}")
	} else {
		value.to_string()
	}
}

/// One CSV field, quoted if it needs to be.
fn field(text: &str) -> String {
	if text.contains([',', '"', '\n', '\r']) {
		format!("\"{}\"", text.replace('"', "\"\""))
	} else {
		text.to_string()
	}
}

/// The CSV row of `item`, in `CSV_COLUMNS`' order.
pub fn csv_row(item: &AccessItem) -> String {
	let time = |m: Option<Moment>| m.map(|m| rfc3339(m.time)).unwrap_or_default();
	let block = |m: Option<Moment>| m.map(|m| m.block.to_string()).unwrap_or_default();
	let moments = [
		("requested", Some(item.requested)),
		("decided", item.decided),
		("expires", item.expires),
		("ended", item.ended),
	];
	let estimated: Vec<&str> = moments
		.iter()
		.filter(|(_, m)| m.is_some_and(|m| m.estimated))
		.map(|(n, _)| *n)
		.collect();
	let entries: Vec<String> = item.audit_entries.iter().map(u64::to_string).collect();
	let optional = |v: Option<i64>| v.map(rfc3339).unwrap_or_default();
	let [west, south, east, north] = item.bbox.map(|d| d.to_string());
	let fields: [String; 31] = [
		item.contract.to_string(),
		item.dataset.to_string(),
		item.version.to_string(),
		item.consumer.to_string(),
		item.provider.to_string(),
		text(item.purpose_code.as_deref().unwrap_or_default()),
		text(&item.purpose),
		item.outcome.as_str().to_string(),
		json_name(&item.state),
		item.disputed.to_string(),
		time(Some(item.requested)),
		time(item.decided),
		time(item.expires),
		time(item.ended),
		estimated.join(";"),
		west,
		south,
		east,
		north,
		rfc3339(item.datetime.start),
		optional(item.datetime.end),
		item.scoped.to_string(),
		rfc3339(item.accessed.start),
		optional(item.accessed.end),
		item.deliveries.used.to_string(),
		item.deliveries.allowed.map(|a| a.to_string()).unwrap_or_default(),
		item.audit_count.to_string(),
		entries.join(";"),
		item.requested.block.to_string(),
		block(item.decided),
		block(item.ended),
	];
	fields.iter().map(|f| field(f)).collect::<Vec<_>>().join(",")
}

/// Runs the search; prints a page (or, with `--all`, every page) as JSON or
/// CSV.
pub async fn run(ctx: &Context, a: AccessesArgs) -> Result<(), Failure> {
	let mut params = AccessSearchParams {
		bbox: a.bbox.map(|b| BboxParam(b.into())),
		intersects: a.intersects.as_ref().map(read_geometry).transpose()?,
		datetime: a.datetime,
		accessed_from: a.accessed_from,
		accessed_to: a.accessed_to,
		consumer: a.consumer,
		provider: a.provider,
		purpose: a.purpose,
		outcome: a.outcome,
		limit: Some(a.limit),
		..Default::default()
	};
	params.check().map_err(Failure::Usage)?;
	let mut page: AccessPage = ctx.node.access_search(params.clone(), None).await?;
	let mut items = std::mem::take(&mut page.items);
	let mut pages = 1;
	while a.all && page.next.is_some() {
		if pages == MAX_PAGES {
			return Err(Failure::Refused(format!(
				"more than {MAX_PAGES} pages of {}: narrow the search",
				a.limit
			)));
		}
		params.cursor = page.next.take();
		// Every later page at the first one's block (the cursor's).
		let next = ctx.node.access_search(params.clone(), None).await?;
		items.extend(next.items);
		page.next = next.next;
		pages += 1;
	}
	match a.format {
		Format::Json => {
			let answer = AccessPage { items, ..page };
			println!("{}", serde_json::to_string_pretty(&answer).expect("a page serializes"));
		},
		Format::Csv => {
			println!("{}", CSV_COLUMNS.join(","));
			for item in &items {
				println!("{}", csv_row(item));
			}
			if let Some(next) = page.next {
				eprintln!("more: --all, or the next page from cursor {next}");
			}
		},
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use citychain_client::primitives::access::ContractState;
	use citychain_client::rpc::api::accountability::{Deliveries, Interval};

	fn sample() -> AccessItem {
		let moment = |block, time, estimated| Moment { block, time, estimated };
		AccessItem {
			contract: 3,
			dataset: 7,
			version: 1,
			consumer: 1,
			provider: 0,
			purpose: "planning: \"bus\" lanes, north".into(),
			purpose_code: Some("planning".into()),
			outcome: Outcome::Granted,
			state: ContractState::Approved,
			disputed: false,
			requested: moment(40, 0, false),
			decided: Some(moment(42, 6_000, false)),
			expires: Some(moment(542, 1_506_000, true)),
			ended: None,
			bbox: [116.3, 39.9, 116.35, 39.95],
			datetime: Interval { start: 0, end: None },
			scoped: false,
			accessed: Interval { start: 0, end: Some(1_506_000) },
			deliveries: Deliveries { used: 2, allowed: None },
			audit_entries: vec![11, 12],
			audit_count: 2,
		}
	}

	#[test]
	fn a_row_has_every_column_and_quotes_what_needs_it() {
		let item = sample();
		let row = csv_row(&item);
		assert!(row.starts_with("3,7,1,1,0,planning,\"planning: \"\"bus\"\" lanes, north\",granted,approved,false,1970-01-01T00:00:00.000Z,"));
		assert!(row.contains(",1970-01-01T00:25:06.000Z,,expires,116.3,39.9,116.35,39.95,"));
		assert!(row.ends_with(",2,,2,11;12,40,42,"));
		// The quoted purpose holds a comma of its own.
		assert_eq!(row.matches(',').count(), CSV_COLUMNS.len() - 1 + 1);
	}

	#[test]
	fn a_purpose_a_spreadsheet_would_run_is_text_and_a_negative_number_is_not() {
		for formula in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
			assert_eq!(text(formula), format!("'{formula}"));
		}
		assert_eq!(text("planning"), "planning");
		assert_eq!(text(""), "");
		let mut item = sample();
		item.purpose = "=1+1".into();
		item.bbox = [-0.5, -1.0, 0.5, 1.0];
		let row = csv_row(&item);
		assert!(row.contains(",'=1+1,"), "{row}");
		assert!(row.contains(",-0.5,-1,0.5,1,"), "{row}");
	}

	#[test]
	fn instants_are_ms_or_dates_and_geojson_gives_its_geometry() {
		assert_eq!(instant("1700000000000"), Ok(1_700_000_000_000));
		assert_eq!(instant("1970-01-02"), Ok(86_400_000));
		assert!(instant("soon").is_err());
		let point = json!({ "type": "Point", "coordinates": [116.3, 39.9] });
		assert_eq!(geometry_of(point.clone()).unwrap(), point);
		let feature = json!({ "type": "Feature", "geometry": point, "properties": {} });
		assert_eq!(geometry_of(feature.clone()).unwrap(), point);
		let collection = json!({ "type": "FeatureCollection", "features": [feature, { "type": "Feature", "geometry": null }] });
		assert_eq!(
			geometry_of(collection).unwrap(),
			json!({ "type": "GeometryCollection", "geometries": [point] })
		);
		assert!(geometry_of(json!({ "features": [] })).is_err());
	}
}
