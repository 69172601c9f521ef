//! CityChain's own JSON-RPC methods (`datasets_*`, `access_*`, `audit_*`,
//! `departments_*`), declared once with jsonrpsee's `#[rpc(client, server)]`:
//! the node implements the `…Server` traits, and every Rust program that
//! talks to a node calls the `…Client` traits, which jsonrpsee implements for
//! any JSON-RPC client. The parameter and answer types are the JSON both
//! sides see (docs/rpc.md); the records they carry are the primitives' own
//! types, with the conversions JSON needs: fixed-point coordinates as
//! degrees, UTF-8 bytes as text, accounts as SS58 addresses.

pub mod access;
pub mod audit;
pub mod datasets;
pub mod departments;

pub use access::{AccessApiClient, AccessApiServer};
pub use audit::{AuditApiClient, AuditApiServer};
pub use datasets::{DatasetsApiClient, DatasetsApiServer};
pub use departments::{DepartmentsApiClient, DepartmentsApiServer};

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
