//! Who a STAC request reads the catalogue as. A request signed as for data
//! (`Authorization: CityChain …`, see `citychain_client::auth`) or carrying a
//! read token (`Authorization: Bearer …`) reads as its account; any other —
//! no header, a forged or expired signature, a replayed one, a token for
//! another gateway — reads as anonymous. The node decides what each may see
//! (`reader` of `datasets_stacSearch`): anonymous readers the `public`
//! records, members of active departments also `internal` and
//! `confidential` ones and the `secret` ones of their own department or
//! under their live contracts, regulators all.

use crate::AppState;
use axum::{
	extract::FromRequestParts,
	http::{header, request::Parts},
};
use citychain_client::auth::{now_ms, Credentials, Token, MAX_TOKEN_LIFETIME_MS, SCHEME, TOKEN_SCHEME};
use std::{convert::Infallible, sync::Arc};

/// The node's name of a reader nobody vouches for.
pub const ANONYMOUS: &str = "anonymous";

/// The account a request reads as (SS58), or `ANONYMOUS`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader(pub String);

impl Reader {
	pub fn anonymous() -> Self {
		Self(ANONYMOUS.into())
	}
}

impl FromRequestParts<Arc<AppState>> for Reader {
	type Rejection = Infallible;

	async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Infallible> {
		let Some(header) = parts.headers.get(header::AUTHORIZATION).and_then(|h| h.to_str().ok()) else {
			return Ok(Self::anonymous());
		};
		let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
		let account = vouched(state, header, parts.method.as_str(), path, now_ms());
		if account.is_none() {
			tracing::debug!("an Authorization header that vouches for nobody: reading as anonymous");
		}
		Ok(account.map_or_else(Self::anonymous, Self))
	}
}

/// The account `header` vouches for on a `method` request of `path` at
/// time `now` (ms), if it does.
fn vouched(state: &AppState, header: &str, method: &str, path: &str, now: u64) -> Option<String> {
	let gateway = &state.settings.public_url;
	if header.starts_with(SCHEME) {
		let credentials = Credentials::parse(header).ok()?;
		let skew = state.settings.max_clock_skew_ms;
		let fresh = credentials.time_ms + skew >= now && credentials.time_ms <= now + skew;
		(fresh && credentials.verify(gateway, method, path).is_ok()).then_some(())?;
		state.nonces.take(credentials.nonce, credentials.time_ms + skew, now).ok()?;
		Some(credentials.account)
	} else if header.starts_with(TOKEN_SCHEME) {
		let token = Token::parse(header).ok()?;
		let live = token.expires_ms > now && token.expires_ms <= now + MAX_TOKEN_LIFETIME_MS;
		(live && token.verify(gateway).is_ok()).then_some(token.account)
	} else {
		None
	}
}
