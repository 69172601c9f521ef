//! The STAC API fields extension: which attributes of each Item a search
//! returns. Paths are dotted (`properties.title`); GET takes
//! `fields=a,+b,-c` (a leading `-` excludes), POST
//! `{"fields": {"include": [...], "exclude": [...]}}`.
//!
//! - No `fields`: the whole Item.
//! - Includes: the included attributes with `type`, `id`, `collection` and
//!   `links` (what makes a Feature an Item one can follow), less what is
//!   excluded; an attribute both included and excluded is included.
//! - Excludes only: the whole Item without them — but with an `include`
//!   given as null or empty (POST), or an empty `fields` (GET `fields=`,
//!   POST `{}`), the default set without them: `type`, `stac_version`,
//!   `id`, `geometry`, `bbox`, `links`, `assets` and the Item's times.

use crate::error::ApiError;
use serde_json::{Map, Value};

/// Most paths one `fields` names.
const MAX_PATHS: usize = 64;
/// Longest path, in bytes.
const MAX_PATH_LEN: usize = 128;
/// What every Item keeps beside what is included.
const ALWAYS: &[&str] = &["type", "id", "collection", "links"];
/// What an empty `fields` returns.
const DEFAULT: &[&str] = &[
	"type",
	"stac_version",
	"id",
	"geometry",
	"bbox",
	"links",
	"assets",
	"properties.datetime",
	"properties.start_datetime",
	"properties.end_datetime",
];

/// What a search's `fields` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fields {
	/// What to start from.
	start: Start,
	exclude: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Start {
	Whole,
	Default,
	/// `ALWAYS` and these, which excludes do not remove.
	Include(Vec<String>),
}

fn checked(paths: Vec<String>) -> Result<Vec<String>, ApiError> {
	if paths.len() > MAX_PATHS {
		return Err(ApiError::bad_request(format!("fields: at most {MAX_PATHS} paths")));
	}
	for p in &paths {
		if p.is_empty() || p.len() > MAX_PATH_LEN || p.split('.').any(str::is_empty) {
			return Err(ApiError::bad_request(format!(
				"fields: {p:?} is not a dotted path of at most {MAX_PATH_LEN} bytes"
			)));
		}
	}
	Ok(paths)
}

impl Fields {
	/// From a GET query's `fields`.
	pub fn from_query(text: &str) -> Result<Self, ApiError> {
		let (mut include, mut exclude) = (Vec::new(), Vec::new());
		for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
			match part.strip_prefix('-') {
				Some(path) => exclude.push(path.to_string()),
				None => include.push(part.strip_prefix('+').unwrap_or(part).to_string()),
			}
		}
		let start = match (include.is_empty(), exclude.is_empty()) {
			(false, _) => Start::Include(checked(include)?),
			(true, true) => Start::Default,
			(true, false) => Start::Whole,
		};
		Ok(Self { start, exclude: checked(exclude)? })
	}

	/// From a POST body's `fields`.
	pub fn from_body(value: &Value) -> Result<Self, ApiError> {
		let Value::Object(object) = value else {
			return Err(ApiError::bad_request("fields: an object with include and exclude lists"));
		};
		if let Some(other) = object.keys().find(|k| *k != "include" && *k != "exclude") {
			return Err(ApiError::bad_request(format!(
				"fields: unknown member {other:?} (include, exclude)"
			)));
		}
		let list = |name: &str| -> Result<Option<Vec<String>>, ApiError> {
			match object.get(name) {
				None => Ok(None),
				Some(Value::Null) => Ok(Some(Vec::new())),
				Some(Value::Array(items)) => items
					.iter()
					.map(|i| {
						i.as_str().map(str::to_string).ok_or_else(|| {
							ApiError::bad_request(format!("fields.{name}: strings only"))
						})
					})
					.collect::<Result<Vec<_>, _>>()
					.and_then(checked)
					.map(Some),
				Some(_) => Err(ApiError::bad_request(format!("fields.{name}: a list of paths"))),
			}
		};
		let exclude = list("exclude")?.unwrap_or_default();
		let start = match list("include")? {
			Some(include) if !include.is_empty() => Start::Include(include),
			Some(_) => Start::Default,
			None if exclude.is_empty() => Start::Default,
			None => Start::Whole,
		};
		Ok(Self { start, exclude })
	}

	/// The Item with only the attributes asked for.
	pub fn apply(&self, item: Value) -> Value {
		let pick = |paths: &mut dyn Iterator<Item = &str>| {
			let mut out = Value::Object(Map::new());
			for path in paths {
				if let Some(value) = get(&item, path) {
					put(&mut out, path, value.clone());
				}
			}
			out
		};
		let (mut out, included): (Value, &[String]) = match &self.start {
			Start::Whole => (item.clone(), &[]),
			Start::Default => (pick(&mut DEFAULT.iter().copied()), &[]),
			Start::Include(include) => (
				pick(&mut ALWAYS.iter().copied().chain(include.iter().map(String::as_str))),
				include,
			),
		};
		for path in &self.exclude {
			// What is included stays, with what leads to it; an exclusion
			// inside an included attribute narrows it.
			let keeps = |i: &String| {
				i == path || i.strip_prefix(path.as_str()).is_some_and(|rest| rest.starts_with('.'))
			};
			if !included.iter().any(keeps) {
				remove(&mut out, path);
			}
		}
		out
	}
}

fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
	path.split('.').try_fold(value, |v, key| v.get(key))
}

fn put(value: &mut Value, path: &str, leaf: Value) {
	let mut at = value;
	let mut keys = path.split('.').peekable();
	while let Some(key) = keys.next() {
		let Value::Object(map) = at else { return };
		if keys.peek().is_none() {
			map.insert(key.to_string(), leaf);
			return;
		}
		at = map.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
	}
}

fn remove(value: &mut Value, path: &str) {
	let (parent, key) = match path.rsplit_once('.') {
		Some((parent, key)) => (parent.split('.').try_fold(&mut *value, |v, k| v.get_mut(k)), key),
		None => (Some(value), path),
	};
	if let Some(Value::Object(map)) = parent {
		map.remove(key);
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	fn item() -> Value {
		json!({
			"type": "Feature", "stac_version": "1.1.0", "id": "1", "geometry": { "type": "Point" }, "bbox": [0, 0, 0, 0],
			"links": [], "assets": { "data": {} }, "collection": "department-0",
			"properties": { "datetime": "2024-01-01T00:00:00Z", "title": "T", "citychain:owner": 0 },
		})
	}

	fn keys(v: &Value) -> Vec<&str> {
		let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
		keys.sort_unstable();
		keys
	}

	#[test]
	fn empty_fields_return_the_default_set() {
		for fields in [
			Fields::from_query("").unwrap(),
			Fields::from_body(&json!({})).unwrap(),
			Fields::from_body(&json!({ "include": null, "exclude": null })).unwrap(),
			Fields::from_body(&json!({ "include": [], "exclude": [] })).unwrap(),
		] {
			let out = fields.apply(item());
			assert_eq!(
				keys(&out),
				["assets", "bbox", "geometry", "id", "links", "properties", "stac_version", "type"]
			);
			assert_eq!(out["properties"], json!({ "datetime": "2024-01-01T00:00:00Z" }));
		}
	}

	#[test]
	fn includes_return_them_with_what_identifies_the_item_and_win_over_excludes() {
		let always =
			json!({ "type": "Feature", "id": "1", "collection": "department-0", "links": [] });
		let with = |extra: Value| {
			let mut v = always.clone();
			v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
			v
		};
		assert_eq!(
			Fields::from_query("+id,properties.title").unwrap().apply(item()),
			with(json!({ "properties": { "title": "T" } }))
		);
		let geometry = with(json!({ "geometry": { "type": "Point" } }));
		assert_eq!(
			Fields::from_body(&json!({ "include": ["geometry"], "exclude": ["geometry"] }))
				.unwrap()
				.apply(item()),
			geometry
		);
		assert_eq!(Fields::from_query("+geometry,-geometry").unwrap().apply(item()), geometry);
		assert_eq!(
			Fields::from_query("-properties,+properties.title").unwrap().apply(item()),
			with(json!({ "properties": { "title": "T" } }))
		);
		assert_eq!(
			Fields::from_query("properties.title,-links").unwrap().apply(item())["links"],
			Value::Null
		);
	}

	#[test]
	fn excludes_alone_drop_from_the_whole_item_or_from_the_default_set() {
		let out = Fields::from_query("-geometry,-properties.title").unwrap().apply(item());
		assert!(out.get("geometry").is_none() && out.get("collection").is_some());
		assert_eq!(
			out["properties"],
			json!({ "datetime": "2024-01-01T00:00:00Z", "citychain:owner": 0 })
		);
		for include in [json!([]), json!(null)] {
			let out = Fields::from_body(&json!({ "exclude": ["geometry"], "include": include }))
				.unwrap()
				.apply(item());
			assert!(
				out.get("geometry").is_none()
					&& out.get("collection").is_none()
					&& out.get("assets").is_some()
			);
		}
		let out = Fields::from_body(&json!({ "exclude": ["geometry"] })).unwrap().apply(item());
		assert!(out.get("geometry").is_none() && out["properties"]["title"] == "T");
	}

	#[test]
	fn bad_fields_are_named() {
		assert!(Fields::from_body(&json!(null)).is_err());
		assert!(Fields::from_body(&json!({ "include": "id" })).is_err());
		assert!(Fields::from_body(&json!({ "only": [] })).is_err());
		assert!(Fields::from_query("a..b").is_err());
		assert!(Fields::from_query(&vec!["x"; MAX_PATHS + 1].join(",")).is_err());
	}
}
