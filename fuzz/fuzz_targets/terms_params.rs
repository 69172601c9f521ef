//! The parameters of `access_evaluate` and `access_odrl`, which any
//! client of a node's RPC (the gateway relays `access_*` reads) sends:
//! never a panic; what is read keeps its bounds (a purpose and a base of at
//! most 512 bytes, a base an http(s) URL, a box of four numbers), and what
//! is read writes back to parameters read the same.
#![no_main]

use citychain_rpc_api::terms::{EvaluateParams, OdrlParams, MAX_BASE_LEN};
use libfuzzer_sys::fuzz_target;

/// The purpose's bound (`citychain_primitives::access::MAX_PURPOSE_LEN`).
const MAX_PURPOSE_LEN: usize = 512;

fuzz_target!(|data: &[u8]| {
	if let Ok(params) = serde_json::from_slice::<EvaluateParams>(data) {
		assert!(params.purpose.len() <= MAX_PURPOSE_LEN);
		let again = serde_json::to_vec(&params).expect("parameters write as JSON");
		let read = serde_json::from_slice::<EvaluateParams>(&again);
		assert_eq!(read.ok().as_ref(), Some(&params), "written, read the same");
	}
	if let Ok(params) = serde_json::from_slice::<OdrlParams>(data) {
		assert!(params.base.len() <= MAX_BASE_LEN);
		let scheme = params.base.get(..8).unwrap_or(&params.base).to_ascii_lowercase();
		assert!(scheme.starts_with("http://") || scheme.starts_with("https://"));
		let again = serde_json::to_vec(&params).expect("parameters write as JSON");
		let read = serde_json::from_slice::<OdrlParams>(&again);
		assert_eq!(read.ok().as_ref(), Some(&params), "written, read the same");
	}
});
