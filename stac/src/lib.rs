//! What a stranger may send CityChain's STAC API and search, parsed.
//!
//! The gateway is CityChain's public surface (docs/DESIGN: "Who reaches
//! what"); every input an anonymous client can send it is bounded before it
//! is parsed and fuzzed (`fuzz/`, `scripts/fuzz.sh`). The parsers live here,
//! without Substrate, so the node and the gateway share one rule each and a
//! fuzz build takes seconds:
//!
//! - [`datetime`]: STAC `datetime` instants and intervals;
//! - [`bbox`]: `bbox` as a JSON array or `w,s,e,n` text;
//! - [`intersects`]: an `intersects` GeoJSON geometry;
//! - [`filter`]: how complex a CQL2 filter may be, checked before it is
//!   parsed;
//! - [`query`]: a GET item search's query string;
//! - [`authorization`]: the gateway's `Authorization` header (signed
//!   requests and read tokens), read but not verified;
//! - [`range`]: the bytes asked of `/data/{dataset}` (a `Range` header)
//!   and of `/data/{dataset}/verified` (its query);
//! - [`presigned`]: the query of a presigned link (`/data/{dataset}/presigned`).
//!
//! And what the node and the gateway both write: [`links`], the links of an
//! Item, relative to its collection or absolute from the API's public URL,
//! and the [`STAC_VERSION`] of every document.
//!
//! Every refusal is a named error whose `Display` is the message the API
//! answers with.

pub mod authorization;
pub mod bbox;
pub mod datetime;
pub mod filter;
pub mod intersects;
pub mod links;
pub mod presigned;
pub mod query;
pub mod range;

pub use bbox::{Bbox, BboxError};
pub use datetime::{parse_interval, DatetimeError, Interval};
pub use filter::TooComplex;
pub use intersects::{parse_intersects, IntersectsError};
pub use links::{Link, STAC_VERSION};
