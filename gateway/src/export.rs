//! `GET /export`: the catalogue a member may see, in one file for
//! analysts, as stac-geoparquet 1.0 (Parquet: an Item a row, its
//! properties as top-level columns, its geometry as WKB with GeoParquet 1.1
//! metadata). To a request signed as for `/data` (`citychain_client::auth`,
//! a nonce taken) by a member of an active department, at most
//! `export_rate` a minute per account; each page of the node's item search
//! (as of the block of the first) becomes one row group, written out and
//! sent before the next page is read, so the gateway holds one page at a
//! time whatever the catalogue's size.

use crate::{
	data::{authenticate, take_nonce, within_rates},
	error::ApiError,
	guard::ClientAddress,
	AppState,
};
use arrow_array::{
	builder::{
		BinaryBuilder, BooleanBuilder, ListBuilder, StringBuilder, TimestampMillisecondBuilder,
		UInt32Builder, UInt64Builder,
	},
	ArrayRef, Float64Array, RecordBatch, StructArray,
};
use arrow_schema::{DataType, Field, Fields, Schema, TimeUnit};
use axum::{
	body::{Body, Bytes},
	extract::{Extension, Request, State},
	http::{header, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
};
use citychain_client::{
	auth::now_ms,
	rpc::api::{datasets::StacSearchParams, DatasetsApiClient, Reader as ApiReader},
};
use parquet::{arrow::ArrowWriter, file::properties::WriterProperties};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// The media type of a Parquet file.
pub const PARQUET: &str = "application/vnd.apache.parquet";
/// Items read from the node, and written as one row group, at a time.
const ROWS: u32 = 100;

/// `GET /export`.
pub async fn export(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	request: Request,
) -> Result<Response, ApiError> {
	let credentials = authenticate(&state, &request)?;
	within_rates(&state, &credentials, peer)?;
	if !state.export_rate.allow(&hex::encode(credentials.public.0), now_ms()) {
		return Err(ApiError::new(
			StatusCode::TOO_MANY_REQUESTS,
			format!(
				"at most {} exports a minute per account; try again later",
				state.settings.export_rate
			),
		));
	}
	let account = credentials.public.into();
	let at = state.node.finalized_head().await?;
	let member = state.node.membership(&account, at).await?;
	if !member.is_some_and(|m| m.status.is_active()) {
		return Err(ApiError::forbidden(
			"exports are for members of an active department; search the STAC API instead",
		));
	}
	take_nonce(&state, &credentials)?;
	let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
	tokio::spawn(write(state, ApiReader::Account(account), sender));
	let body = futures::stream::poll_fn(move |cx| receiver.poll_recv(cx));
	let mut response = Body::from_stream(body).into_response();
	let headers = response.headers_mut();
	headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PARQUET));
	headers.insert(
		header::CONTENT_DISPOSITION,
		HeaderValue::from_static("attachment; filename=\"citychain-catalogue.parquet\""),
	);
	Ok(response)
}

/// The bytes an `ArrowWriter` wrote since they were last taken.
#[derive(Clone, Default)]
struct Written(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Written {
	fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
		self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(bytes);
		Ok(bytes.len())
	}
	fn flush(&mut self) -> std::io::Result<()> {
		Ok(())
	}
}

impl Written {
	fn take(&self) -> Bytes {
		Bytes::from(std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner())))
	}
}

/// Writes the reader's catalogue to `sender`, page by page; an error ends
/// the body (the client sees a cut download, not a valid file).
async fn write(
	state: Arc<AppState>,
	reader: ApiReader,
	sender: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
	let failed = |e: String| Err(std::io::Error::other(e));
	if let Err(e) = pages(&state, reader, &sender).await {
		tracing::warn!("an export failed: {e}");
		let _ = sender.send(failed(e)).await;
	}
}

async fn pages(
	state: &AppState,
	reader: ApiReader,
	sender: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), String> {
	let written = Written::default();
	let properties = WriterProperties::builder()
		.set_compression(parquet::basic::Compression::SNAPPY)
		.build();
	let mut writer = ArrowWriter::try_new(written.clone(), schema(), Some(properties))
		.map_err(|e| e.to_string())?;
	let mut token = None;
	loop {
		let params = StacSearchParams {
			limit: Some(ROWS),
			token: token.take(),
			reader: Some(reader.clone()),
			base: Some(state.settings.public_url.clone()),
			..Default::default()
		};
		let found = state.node.stac_search(params, None).await.map_err(|e| e.to_string())?;
		let items = found["features"].as_array().map(Vec::as_slice).unwrap_or_default();
		if !items.is_empty() {
			writer
				.write(&batch(items).map_err(|e| e.to_string())?)
				.map_err(|e| e.to_string())?;
			writer.flush().map_err(|e| e.to_string())?;
			// Out of the writer's buffer too: the whole row group.
			writer.sync().map_err(|e| e.to_string())?;
			// The client reads at its pace: the next page waits for it.
			if sender.send(Ok(written.take())).await.is_err() {
				return Ok(());
			}
		}
		match found["token"].as_str() {
			Some(next) => token = Some(next.to_string()),
			None => break,
		}
	}
	writer.close().map_err(|e| e.to_string())?;
	let _ = sender.send(Ok(written.take())).await;
	Ok(())
}

/// The file's metadata: GeoParquet's (`geo`) and stac-geoparquet's.
fn metadata() -> std::collections::HashMap<String, String> {
	let geo = json!({
		"version": "1.1.0",
		"primary_column": "geometry",
		"columns": { "geometry": {
			"encoding": "WKB",
			"geometry_types": ["Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon"],
			"crs": null,
		} },
	});
	[("geo", geo), ("stac-geoparquet", json!({ "version": "1.0.0" }))]
		.map(|(key, value)| (key.to_string(), value.to_string()))
		.into()
}

fn text() -> DataType {
	DataType::Utf8
}

fn list_of_text() -> DataType {
	DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

fn time() -> DataType {
	DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// The bbox struct of stac-geoparquet.
fn bbox_fields() -> Fields {
	["xmin", "ymin", "xmax", "ymax"]
		.map(|n| Field::new(n, DataType::Float64, false))
		.to_vec()
		.into()
}

/// The columns: the Item's top-level fields, then its properties.
fn columns() -> Vec<(&'static str, DataType, bool)> {
	vec![
		("type", text(), false),
		("stac_version", text(), false),
		("stac_extensions", list_of_text(), false),
		("id", text(), false),
		("geometry", DataType::Binary, false),
		("bbox", DataType::Struct(bbox_fields()), false),
		("collection", text(), false),
		("links", text(), false),
		("assets", text(), false),
		("datetime", time(), true),
		("start_datetime", time(), true),
		("end_datetime", time(), true),
		("created", time(), false),
		("updated", time(), false),
		("title", text(), false),
		("description", text(), false),
		("keywords", list_of_text(), false),
		("version", text(), false),
		("deprecated", DataType::Boolean, false),
		("license", text(), false),
		("proj:code", text(), false),
		("citychain:owner", DataType::UInt32, false),
		("citychain:publisher", text(), false),
		("citychain:topic", text(), false),
		("citychain:status", text(), false),
		("citychain:access_policy", text(), false),
		("citychain:sensitivity", text(), false),
		("citychain:created_block", DataType::UInt64, false),
		("citychain:updated_block", DataType::UInt64, false),
		("citychain:ongoing", DataType::Boolean, true),
	]
}

/// The columns, with the file's metadata in the schema too (pyarrow and
/// geopandas read it from the Arrow schema a Parquet file carries).
fn schema() -> Arc<Schema> {
	Arc::new(Schema::new_with_metadata(
		columns()
			.into_iter()
			.map(|(name, kind, null)| Field::new(name, kind, null))
			.collect::<Vec<_>>(),
		metadata(),
	))
}

/// A GeoJSON geometry as WKB (little-endian, 2D): points, lines, polygons
/// and their multi-forms, which is what an Item's footprint is.
pub fn wkb(geometry: &Value) -> Result<Vec<u8>, String> {
	fn position(out: &mut Vec<u8>, p: &Value) -> Result<(), String> {
		for axis in 0..2 {
			let v = p[axis].as_f64().ok_or_else(|| format!("not a position: {p}"))?;
			out.extend(v.to_le_bytes());
		}
		Ok(())
	}
	fn positions(out: &mut Vec<u8>, list: &Value) -> Result<(), String> {
		let list = list.as_array().ok_or("not a list of positions")?;
		out.extend((list.len() as u32).to_le_bytes());
		list.iter().try_for_each(|p| position(out, p))
	}
	fn rings(out: &mut Vec<u8>, rings: &Value) -> Result<(), String> {
		let rings = rings.as_array().ok_or("not a list of rings")?;
		out.extend((rings.len() as u32).to_le_bytes());
		rings.iter().try_for_each(|r| positions(out, r))
	}
	fn one(out: &mut Vec<u8>, kind: u32, coordinates: &Value) -> Result<(), String> {
		out.push(1);
		out.extend(kind.to_le_bytes());
		match kind {
			1 => position(out, coordinates),
			2 => positions(out, coordinates),
			3 => rings(out, coordinates),
			_ => {
				let parts = coordinates.as_array().ok_or("not a list of parts")?;
				out.extend((parts.len() as u32).to_le_bytes());
				parts.iter().try_for_each(|part| one(out, kind - 3, part))
			},
		}
	}
	let kind = match geometry["type"].as_str() {
		Some("Point") => 1,
		Some("LineString") => 2,
		Some("Polygon") => 3,
		Some("MultiLineString") => 5,
		Some("MultiPolygon") => 6,
		other => return Err(format!("a footprint of type {other:?}")),
	};
	let mut out = Vec::new();
	one(&mut out, kind, &geometry["coordinates"])?;
	Ok(out)
}

/// A time of the node's Items (RFC 3339) in ms.
fn ms(value: &Value) -> Option<i64> {
	value
		.as_str()
		.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
		.map(|t| t.timestamp_millis())
}

/// The row group of a page of Items.
fn batch(items: &[Value]) -> Result<RecordBatch, String> {
	let mut columns: Vec<ArrayRef> = Vec::new();
	let strings = |get: &dyn Fn(&Value) -> String| -> ArrayRef {
		let mut b = StringBuilder::new();
		items.iter().for_each(|i| b.append_value(get(i)));
		Arc::new(b.finish())
	};
	let lists = |get: &dyn Fn(&Value) -> &Value| -> ArrayRef {
		let mut b = ListBuilder::new(StringBuilder::new());
		for item in items {
			for v in get(item).as_array().into_iter().flatten() {
				b.values().append_value(v.as_str().unwrap_or_default());
			}
			b.append(true);
		}
		Arc::new(b.finish())
	};
	let times = |name: &str| -> ArrayRef {
		let mut b = TimestampMillisecondBuilder::new().with_timezone("UTC");
		items.iter().for_each(|i| b.append_option(ms(&i["properties"][name])));
		Arc::new(b.finish())
	};
	let text_of = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
	let property = |name: &'static str| move |i: &Value| text_of(&i["properties"][name]);
	columns.push(strings(&|_| "Feature".into()));
	columns.push(strings(&|i| text_of(&i["stac_version"])));
	columns.push(lists(&|i| &i["stac_extensions"]));
	columns.push(strings(&|i| text_of(&i["id"])));
	let mut geometry = BinaryBuilder::new();
	for item in items {
		geometry.append_value(wkb(&item["geometry"])?);
	}
	columns.push(Arc::new(geometry.finish()));
	let corner = |at: usize| -> ArrayRef {
		Arc::new(
			items
				.iter()
				.map(|i| i["bbox"][at].as_f64().unwrap_or_default())
				.collect::<Float64Array>(),
		)
	};
	let bbox = StructArray::new(bbox_fields(), (0..4).map(corner).collect(), None);
	columns.push(Arc::new(bbox));
	columns.push(strings(&|i| text_of(&i["collection"])));
	// Links and assets as JSON text: stac-geoparquet's readers take either.
	columns.push(strings(&|i| i["links"].to_string()));
	columns.push(strings(&|i| i["assets"].to_string()));
	for name in ["datetime", "start_datetime", "end_datetime", "created", "updated"] {
		columns.push(times(name));
	}
	for name in ["title", "description"] {
		columns.push(strings(&property(name)));
	}
	columns.push(lists(&|i| &i["properties"]["keywords"]));
	columns.push(strings(&property("version")));
	let booleans = |name: &'static str| -> ArrayRef {
		let mut b = BooleanBuilder::new();
		items.iter().for_each(|i| b.append_option(i["properties"][name].as_bool()));
		Arc::new(b.finish())
	};
	columns.push(booleans("deprecated"));
	for name in ["license", "proj:code"] {
		columns.push(strings(&property(name)));
	}
	let mut owner = UInt32Builder::new();
	items.iter().for_each(|i| {
		owner.append_value(i["properties"]["citychain:owner"].as_u64().unwrap_or_default() as u32)
	});
	columns.push(Arc::new(owner.finish()));
	for name in [
		"citychain:publisher",
		"citychain:topic",
		"citychain:status",
		"citychain:access_policy",
		"citychain:sensitivity",
	] {
		columns.push(strings(&property(name)));
	}
	for name in ["citychain:created_block", "citychain:updated_block"] {
		let mut b = UInt64Builder::new();
		items
			.iter()
			.for_each(|i| b.append_value(i["properties"][name].as_u64().unwrap_or_default()));
		columns.push(Arc::new(b.finish()));
	}
	columns.push(booleans("citychain:ongoing"));
	RecordBatch::try_new(schema(), columns).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn footprints_are_wkb_as_geoparquet_reads_them() {
		let point = wkb(&json!({ "type": "Point", "coordinates": [1.0, 2.0] })).unwrap();
		let mut expected = vec![1, 1, 0, 0, 0];
		expected.extend(1.0f64.to_le_bytes());
		expected.extend(2.0f64.to_le_bytes());
		assert_eq!(point, expected);
		let ring = json!([[[0, 0], [1, 0], [1, 1], [0, 0]]]);
		let polygon = wkb(&json!({ "type": "Polygon", "coordinates": ring })).unwrap();
		assert_eq!(polygon.len(), 1 + 4 + 4 + 4 + 4 * 16);
		let multi =
			wkb(&json!({ "type": "MultiPolygon", "coordinates": [ring.clone(), ring] })).unwrap();
		assert_eq!(multi.len(), 1 + 4 + 4 + 2 * polygon.len());
		assert_eq!(&multi[..5], &[1, 6, 0, 0, 0]);
		assert!(wkb(&json!({ "type": "Circle", "coordinates": [] })).is_err());
	}

	#[test]
	fn a_page_of_items_is_one_row_group_with_the_items_properties_as_columns() {
		let item = json!({
			"type": "Feature", "stac_version": "1.1.0", "stac_extensions": ["x"], "id": "7",
			"geometry": { "type": "Point", "coordinates": [116.4, 39.9] },
			"bbox": [116.4, 39.9, 116.4, 39.9], "collection": "department-1", "links": [], "assets": {},
			"properties": {
				"datetime": "2024-01-01T00:00:00.000Z", "created": "2024-01-02T00:00:00.000Z",
				"updated": "2024-01-02T00:00:00.000Z", "title": "T", "description": "D", "keywords": ["k"],
				"version": "1", "deprecated": false, "license": "CC-BY-4.0", "proj:code": "EPSG:4326",
				"citychain:owner": 1, "citychain:publisher": "5Grw", "citychain:topic": "transportation",
				"citychain:status": "active", "citychain:access_policy": "open",
				"citychain:sensitivity": "public", "citychain:created_block": 3,
				"citychain:updated_block": 3, "citychain:ongoing": true,
			},
		});
		let batch = batch(&[item.clone(), item]).unwrap();
		assert_eq!(batch.num_rows(), 2);
		assert_eq!(batch.num_columns(), columns().len());
		let written = Written::default();
		let mut writer = ArrowWriter::try_new(written.clone(), schema(), None).unwrap();
		writer.write(&batch).unwrap();
		writer.flush().unwrap();
		writer.sync().unwrap();
		let row_group = written.take();
		assert!(row_group.len() > 2 * 30, "a row group is written out when flushed and synced");
		writer.close().unwrap();
		let footer = written.take();
		assert_eq!(&footer[footer.len() - 4..], b"PAR1");
	}
}
