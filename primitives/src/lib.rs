//! # CityChain primitives
//!
//! What CityChain's pallets, runtime and node share without depending on each
//! other's crates:
//!
//! - [`departments`]: the department and role types, and the
//!   [`DepartmentDirectory`](departments::DepartmentDirectory) trait through
//!   which other pallets learn who is an active member of which department and
//!   with which roles.
//! - [`datasets`]: the dataset record, what a registration gives, and the
//!   search query of the registry; its parts in [`geometry`] (the extent in
//!   space), [`time`] (the extent in time), [`hashing`] (the content hash)
//!   and [`vocabulary`] (topic, policy, sensitivity, status).
//! - [`license`]: the licence of a dataset's content, an SPDX expression.
//! - [`access`]: the access contract, its states and receipt, and the
//!   traits through which the access and dataset pallets meet
//!   ([`DatasetRegistry`](access::DatasetRegistry),
//!   [`OnDatasetWithdrawn`](access::OnDatasetWithdrawn)).
//! - [`audit`]: the audit entry, its actions and subjects, the hash chain,
//!   and the [`AuditSink`](audit::AuditSink) trait the pallets record through.
//! - [`terms`]: a dataset's policy as rules, the jurisdictions and purposes
//!   they name, and the evaluation that explains a verdict.
//! - [`visibility`]: who may see which records of the catalogue.
//! - [`api`]: the runtime APIs the node serves over JSON-RPC.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod access;
pub mod api;
pub mod audit;
pub mod datasets;
pub mod departments;
pub mod geometry;
pub mod hashing;
pub mod license;
pub mod paging;
pub mod terms;
#[cfg(feature = "std")]
pub mod testing;
pub mod time;
pub mod visibility;
pub mod vocabulary;

pub use api::DepartmentInfo;
pub use datasets::{
	Dataset, DatasetContent, DatasetDescription, DatasetId, DatasetItem, DatasetPage, DatasetQuery,
	Extent, MetadataUpdate, QueryError, Stamp,
};
pub use departments::{
	DepartmentDirectory, DepartmentId, DepartmentKind, DepartmentStatus,
	DepartmentsBenchmarkHelper, EncryptionKey, Membership, NotActing, Role, Roles,
};
pub use geometry::BoundingBox;
pub use hashing::ContentHash;
pub use license::{License, LicenseInput};
pub use time::{TimeInterval, TimeRange};
pub use vocabulary::{AccessPolicy, DatasetStatus, Sensitivity, TopicCategory};
