//! Who a STAC request reads the catalogue as. A request signed as for data
//! (`Authorization: CityChain …`, see `citychain_client::auth`) or carrying a
//! read token (`Authorization: Bearer …`) reads as its account; any other —
//! no header, a forged signature or one outside the clock window, a token
//! for another gateway — reads as anonymous. A signed read takes no nonce:
//! replaying it within its window reads the same again, which the signer
//! could do anyway, so reads never fill the nonce table that downloads
//! need. The node decides what each may see
//! (`reader` of `datasets_stacSearch`): anonymous readers the `public`
//! records, members of active departments also `internal` and
//! `confidential` ones and the `secret` ones of their own department or
//! under their live contracts, regulators all.

use crate::AppState;
use axum::{
	extract::FromRequestParts,
	http::{header, request::Parts},
};
use citychain_client::{
	auth::{now_ms, Credentials, Token, MAX_TOKEN_LIFETIME_MS, SCHEME, TOKEN_SCHEME},
	rpc::api,
};
use std::{convert::Infallible, sync::Arc};

/// The reader a request reads as: the account it vouches for, or anonymous.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader(pub api::Reader);

impl Reader {
	pub fn anonymous() -> Self {
		Self(api::Reader::Anonymous)
	}
}

impl FromRequestParts<Arc<AppState>> for Reader {
	type Rejection = Infallible;

	async fn from_request_parts(
		parts: &mut Parts,
		state: &Arc<AppState>,
	) -> Result<Self, Infallible> {
		let Some(header) = parts.headers.get(header::AUTHORIZATION).and_then(|h| h.to_str().ok())
		else {
			return Ok(Self::anonymous());
		};
		let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
		let account = vouched(state, header, parts.method.as_str(), path, now_ms());
		if account.is_none() {
			tracing::debug!(
				"an Authorization header that vouches for nobody: reading as anonymous"
			);
		}
		Ok(account.map_or_else(Self::anonymous, |a| Self(api::Reader::Account(a))))
	}
}

/// The reader a read token (`Bearer` without the scheme, as an
/// `EventSource` passes it in a query) vouches for, if it does.
pub fn of_token(state: &AppState, token: &str) -> Option<Reader> {
	vouched(state, &format!("{TOKEN_SCHEME} {token}"), "GET", "/", now_ms())
		.map(|a| Reader(api::Reader::Account(a)))
}

/// The account `header` vouches for on a `method` request of `path` at
/// time `now` (ms), if it does.
fn vouched(
	state: &AppState,
	header: &str,
	method: &str,
	path: &str,
	now: u64,
) -> Option<api::AccountId> {
	let gateway = &state.settings.public_url;
	if header.starts_with(SCHEME) {
		let credentials = Credentials::parse(header).ok()?;
		let skew = state.settings.max_clock_skew_ms;
		let fresh = credentials.time_ms + skew >= now && credentials.time_ms <= now + skew;
		(fresh && credentials.verify(gateway, method, path).is_ok())
			.then(|| credentials.public.into())
	} else if header.starts_with(TOKEN_SCHEME) {
		let token = Token::parse(header).ok()?;
		let live = token.expires_ms > now && token.expires_ms <= now + MAX_TOKEN_LIFETIME_MS;
		(live && token.verify(gateway).is_ok()).then(|| token.public.into())
	} else {
		None
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		config::{Flags, Settings},
		guard::{Nonces, RateLimit},
		stac::PerBlock,
	};
	use citychain_client::{
		auth::{authorization, mint_token, nonce, Request},
		rpc::Node,
		store::{Location, Store},
		tx::Signer,
	};

	const NOW: u64 = 1_800_000_000_000;

	fn account(signer: &Signer) -> api::AccountId {
		use sp_core::crypto::Ss58Codec;
		api::AccountId::from_ss58check(&signer.ss58()).unwrap()
	}

	fn state(dir: &std::path::Path) -> AppState {
		let settings = Settings::resolve(Flags::default()).unwrap();
		AppState {
			store: Store::open(Location::Dir(dir.join("store"))).unwrap(),
			node: Node::new(settings.node.clone()),
			nonces: Nonces::open(&dir.join("nonces"), 100, NOW).unwrap(),
			account_rate: RateLimit::new(10, 10),
			address_rate: RateLimit::new(10, 10),
			relay_rate: RateLimit::new(10, 10),
			export_rate: RateLimit::new(10, 10),
			sessions: Default::default(),
			read_rate: RateLimit::new(10, 10),
			uploads: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
			pending_upload_bytes: Default::default(),
			searching: std::sync::Arc::new(crate::guard::InFlight::new(1, 1)),
			collections: PerBlock::new(),
			signer: crate::presigned::Signer::open(dir).unwrap(),
			feed: crate::feed::Feed::open(&Settings {
				data_dir: dir.join("feed"),
				..settings.clone()
			})
			.unwrap(),
			meter: crate::meter::Meter::new(Vec::new()),
			watch: Default::default(),
			settings,
		}
	}

	#[test]
	fn a_read_token_vouches_for_its_account_until_it_expires_and_at_its_gateway_only() {
		let dir = tempfile::tempdir().unwrap();
		let state = state(dir.path());
		let alice = Signer::from_suri("//Alice").unwrap();
		let gateway = state.settings.public_url.clone();
		let bearer = |gateway: &str, expires: u64| {
			format!("Bearer {}", mint_token(&alice, gateway, expires))
		};
		let vouch = |header: &str| vouched(&state, header, "GET", "/search", NOW);
		assert_eq!(vouch(&bearer(&gateway, NOW + 60_000)), Some(account(&alice)));
		assert_eq!(vouch(&bearer(&gateway, NOW - 1)), None, "expired");
		assert_eq!(
			vouch(&bearer(&gateway, NOW + MAX_TOKEN_LIFETIME_MS + 1)),
			None,
			"longer-lived than allowed"
		);
		assert_eq!(
			vouch(&bearer("http://gateway.elsewhere.example", NOW + 60_000)),
			None,
			"another gateway's"
		);
		let forged = bearer(&gateway, NOW + 60_000)
			.replace(&format!(".{}.", NOW + 60_000), &format!(".{}.", NOW + 120_000));
		assert_eq!(vouch(&forged), None, "an expiry it was not signed with");
		for garbage in ["Bearer", "Bearer x.y.z", "Basic abc", ""] {
			assert_eq!(vouch(garbage), None, "{garbage}");
		}
	}

	#[test]
	fn a_signed_read_vouches_within_the_clock_window_for_its_path_and_takes_no_nonce() {
		let dir = tempfile::tempdir().unwrap();
		let state = state(dir.path());
		let bob = Signer::from_suri("//Bob").unwrap();
		let gateway = state.settings.public_url.clone();
		let signed = |path: &str, time_ms: u64| {
			authorization(
				&bob,
				&Request { gateway: &gateway, method: "GET", path, time_ms, nonce: &nonce() },
			)
		};
		let header = signed("/search?q=roads", NOW);
		assert_eq!(vouched(&state, &header, "GET", "/search?q=roads", NOW), Some(account(&bob)));
		assert_eq!(
			vouched(&state, &header, "GET", "/search?q=roads", NOW),
			Some(account(&bob)),
			"read again within its window"
		);
		let journal = std::fs::read_to_string(dir.path().join("nonces")).unwrap();
		assert_eq!(journal, "", "a read took a nonce");
		assert_eq!(
			vouched(&state, &signed("/search?q=roads", NOW), "GET", "/search?q=rivers", NOW),
			None,
			"another path"
		);
		assert_eq!(
			vouched(&state, &signed("/search", NOW), "POST", "/search", NOW),
			None,
			"another method"
		);
		let skew = state.settings.max_clock_skew_ms;
		assert_eq!(
			vouched(&state, &signed("/search", NOW - skew - 1), "GET", "/search", NOW),
			None,
			"too old"
		);
		assert_eq!(
			vouched(&state, &signed("/search", NOW + skew + 1), "GET", "/search", NOW),
			None,
			"from the future"
		);
	}
}
