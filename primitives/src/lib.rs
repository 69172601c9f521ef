//! # CityChain primitives
//!
//! What CityChain's pallets, runtime and node share without depending on each
//! other's crates:
//!
//! - [`departments`]: the department and role types, and the
//!   [`DepartmentDirectory`](departments::DepartmentDirectory) trait through
//!   which other pallets learn who is an active member of which department and
//!   with which roles.
//! - [`api`]: the runtime APIs the node serves over JSON-RPC.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod api;
pub mod departments;

pub use api::DepartmentInfo;
pub use departments::{
	DepartmentDirectory, DepartmentId, DepartmentKind, DepartmentStatus, EncryptionKey, Membership,
	Role, Roles,
};
