//! CityChain's own JSON-RPC methods (`datasets_*`, `access_*`, `audit_*`,
//! `departments_*`), declared once with jsonrpsee's `#[rpc(client, server)]`:
//! the node implements the `…Server` traits, and every Rust program that
//! talks to a node calls the `…Client` traits, which jsonrpsee implements for
//! any JSON-RPC client. The parameter and answer types are the JSON both
//! sides see (docs/rpc.md); the records they carry are the primitives' own
//! types, with the conversions JSON needs: fixed-point coordinates as
//! degrees, UTF-8 bytes as text, accounts as SS58 addresses.

pub mod access;
pub mod accountability;
pub mod audit;
pub mod datasets;
pub mod departments;
pub mod reader;
pub mod terms;

pub use access::{AccessApiClient, AccessApiServer};
pub use accountability::{AccountabilityApiClient, AccountabilityApiServer};
pub use audit::{AuditApiClient, AuditApiServer};
pub use datasets::{DatasetsApiClient, DatasetsApiServer};
pub use departments::{DepartmentsApiClient, DepartmentsApiServer};
pub use reader::Reader;

/// An account: in JSON, its SS58 address.
pub type AccountId = sp_core::crypto::AccountId32;
/// A block number.
pub type BlockNumber = u32;
/// A block hash: the `at` of every query.
pub type BlockHash = sp_core::H256;

/// The text JSON gives a value of a unit-variant enum (a contract's state,
/// an access basis, a department's kind): `"openData"`, `"requested"`.
pub fn json_name(value: &impl serde::Serialize) -> String {
	match serde_json::to_value(value) {
		Ok(serde_json::Value::String(name)) => name,
		other => other.map(|v| v.to_string()).unwrap_or_default(),
	}
}

/// A page's `limit` as JSON gives it: a refusal that names `limit` for a
/// negative, fractional or overlong number or for any other value, where
/// `u32`'s own would give a bare "Invalid params".
pub fn limit<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
	use serde::{de::Error, Deserialize};
	match Option::<serde_json::Value>::deserialize(d)? {
		None | Some(serde_json::Value::Null) => Ok(None),
		Some(value) => {
			value.as_u64().and_then(|n| u32::try_from(n).ok()).map(Some).ok_or_else(|| {
				D::Error::custom(format!(
					"limit: {value} is not a whole number from 0 to {}",
					u32::MAX
				))
			})
		},
	}
}

/// A list parameter of at most `max` values (none for `null`), refused by
/// `field`'s name as soon as it has one more: a longer list is never read
/// to its end. A value that is not one the list holds is refused by the
/// field's name too.
pub(crate) fn bounded_list<'de, D, T>(
	d: D,
	field: &'static str,
	max: usize,
) -> Result<Vec<T>, D::Error>
where
	D: serde::Deserializer<'de>,
	T: serde::Deserialize<'de>,
{
	use serde::de;
	struct Bounded<T> {
		field: &'static str,
		max: usize,
		item: std::marker::PhantomData<T>,
	}
	impl<'de, T: serde::Deserialize<'de>> de::Visitor<'de> for Bounded<T> {
		type Value = Vec<T>;
		fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
			write!(f, "{}: a list of at most {}", self.field, self.max)
		}
		fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
			Ok(Vec::new())
		}
		fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
			let mut values = Vec::new();
			while let Some(value) = seq
				.next_element()
				.map_err(|e| de::Error::custom(format!("{}: {e}", self.field)))?
			{
				if values.len() == self.max {
					return Err(de::Error::custom(format!(
						"{}: at most {} values",
						self.field, self.max
					)));
				}
				values.push(value);
			}
			Ok(values)
		}
	}
	d.deserialize_any(Bounded { field, max, item: std::marker::PhantomData })
}

/// UTF-8 bytes of a record as text (a byte that is not UTF-8 becomes U+FFFD).
pub fn text(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes).into_owned()
}

/// Reads a field that may be absent (`None`) or `null` (`Some(None)`), for
/// answers whose fields a query chooses.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
	D: serde::Deserializer<'de>,
	T: serde::Deserialize<'de>,
{
	serde::Deserialize::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
	#[derive(serde::Deserialize, Debug)]
	struct Page {
		#[serde(default, deserialize_with = "super::limit")]
		limit: Option<u32>,
	}

	#[test]
	fn a_bad_limit_is_refused_by_name() {
		let page = |json: &str| serde_json::from_str::<Page>(json).map(|p| p.limit);
		assert_eq!(page("{}").unwrap(), None);
		assert_eq!(page(r#"{"limit":null}"#).unwrap(), None);
		assert_eq!(page(r#"{"limit":20}"#).unwrap(), Some(20));
		for bad in ["-1", "2.5", "4294967296", "\"20\"", "[]"] {
			let error = page(&format!(r#"{{"limit":{bad}}}"#)).unwrap_err().to_string();
			assert!(error.starts_with("limit: "), "{bad}: {error}");
		}
	}
}
