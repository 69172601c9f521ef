//! What the fuzz targets share: the node's bounds and steps around a CQL2
//! parse, and an Item like those a filter is evaluated on.

use serde_json::{json, Value};
use std::sync::LazyLock;

/// The longest filter the node reads.
pub use citychain_stac::filter::MAX_FILTER_BYTES;

/// The stack a filter is parsed and evaluated on here: a quarter of the
/// node's parse thread (8 MiB), and what tokio gives the blocking threads a
/// search runs on. A filter within the bounds that overflows it is a crash.
pub const STACK: usize = 2 << 20;

/// Runs `f` on a thread of [`STACK`] bytes, as the node runs a parse
/// (`citychain_stac::filter::on_stack`); a panic there is a crash (the
/// libFuzzer panic hook aborts the process, whichever thread panics).
pub fn on_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
	citychain_stac::filter::on_stack(STACK, f)
}

/// Items like those the node renders (`node/src/stac.rs`), to evaluate
/// filters on: one over a range of time, one ongoing from an instant and
/// across the antimeridian.
pub fn items() -> &'static [Value] {
	static ITEMS: LazyLock<Vec<Value>> = LazyLock::new(|| {
		let mut ongoing = item();
		ongoing["id"] = "9".into();
		ongoing["bbox"] = json!([179.0, -20.0, -179.0, -10.0]);
		ongoing["geometry"] = json!({ "type": "MultiPolygon", "coordinates": [
			[[[179.0, -20.0], [180.0, -20.0], [180.0, -10.0], [179.0, -10.0], [179.0, -20.0]]],
			[[[-180.0, -20.0], [-179.0, -20.0], [-179.0, -10.0], [-180.0, -10.0], [-180.0, -20.0]]],
		] });
		let properties = &mut ongoing["properties"];
		properties["datetime"] = "2020-06-01T00:00:00.000Z".into();
		properties["citychain:ongoing"] = true.into();
		properties["keywords"] = json!([]);
		properties["license"] = "other".into();
		if let Some(p) = properties.as_object_mut() {
			p.remove("start_datetime");
			p.remove("end_datetime");
		}
		vec![item(), ongoing]
	});
	&ITEMS
}

fn item() -> Value {
	json!({
		"type": "Feature",
		"stac_version": "1.1.0",
		"id": "7",
		"collection": "department-1",
		"bbox": [116.3, 39.8, 116.5, 40.0],
		"geometry": { "type": "Polygon", "coordinates": [[[116.3, 39.8], [116.5, 39.8], [116.5, 40.0], [116.3, 40.0], [116.3, 39.8]]] },
		"properties": {
			"title": "Road centre lines",
			"description": "Centre lines of the city's roads, with their class and speed limit.",
			"keywords": ["roads", "transport", "Verkehr"],
			"created": "2024-01-01T00:00:00.000Z",
			"updated": "2024-03-01T12:30:00.000Z",
			"version": "2",
			"deprecated": false,
			"license": "CC-BY-4.0",
			"proj:code": "EPSG:4326",
			"datetime": null,
			"start_datetime": "2023-01-01T00:00:00.000Z",
			"end_datetime": "2023-12-31T23:59:59.999Z",
			"citychain:owner": 1,
			"citychain:publisher": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
			"citychain:topic": "transportation",
			"citychain:status": "active",
			"citychain:access_policy": "open",
			"citychain:sensitivity": "public",
			"citychain:created_block": 12,
			"citychain:updated_block": 40,
		},
		"links": [],
		"assets": {},
	})
}

/// What the node does with a parsed filter: its CQL2 JSON (to find the
/// properties it names), and its evaluation on Items. Any panic is a crash;
/// errors are answers.
pub fn walk(expr: cql2::Expr) {
	if let Ok(json) = expr.to_value() {
		// The node walks it for `property` names, recursively.
		let mut stack = vec![&json];
		while let Some(v) = stack.pop() {
			match v {
				Value::Object(map) => stack.extend(map.values()),
				Value::Array(a) => stack.extend(a.iter()),
				_ => {},
			}
		}
	}
	for item in items() {
		let _ = expr.clone().matches(Some(item));
	}
}
