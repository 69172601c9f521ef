//! The portal (`web/`, built into `web/dist`) at `/explorer/`, when the
//! gateway is given `--explorer-dir`: its files, and `/explorer/config.json`
//! telling it where this gateway and its relay to the node are and which
//! base map to draw (never the node itself: see the `relay` module). A
//! browser opening `/` is sent there; STAC clients asking for JSON still get
//! the landing page.
//!
//! Every answer under `/explorer/` carries a strict Content-Security-Policy
//! (scripts from the portal's own files only, connections to this gateway
//! and its tiles only, no framing) and the other headers a browser
//! application should have, so that text from the chain can never run as
//! script in the portal's origin.

use crate::{error::ApiError, AppState};
use axum::{
	extract::State,
	http::{header, HeaderMap, HeaderName, HeaderValue},
	response::{IntoResponse, Redirect, Response},
	Json, Router,
};
use serde_json::json;
use std::sync::Arc;
use tower_http::services::ServeDir;

/// Where the portal is served.
pub const PATH: &str = "/explorer";

/// The portal's routes: its files under `/explorer/`, or, without
/// `--explorer-dir`, a 404 that says how to install it.
pub fn routes(state: &AppState) -> Router<Arc<AppState>> {
	let router = Router::new().route(&format!("{PATH}/config.json"), axum::routing::get(config));
	let router = match &state.settings.explorer_dir {
		Some(dir) => router.nest_service(PATH, ServeDir::new(dir)),
		None => router
			.route(PATH, axum::routing::get(not_installed))
			.route(&format!("{PATH}/{{*path}}"), axum::routing::get(not_installed)),
	};
	let headers = Arc::new(security_headers(&state.settings));
	router.layer(axum::middleware::map_response(move |mut response: Response| {
		let headers = headers.clone();
		async move {
			response
				.headers_mut()
				.extend(headers.iter().map(|(k, v)| (k.clone(), v.clone())));
			response
		}
	}))
}

/// The relay's WebSocket URL for a gateway published at `public_url`.
pub fn relay_url(public_url: &str) -> String {
	let ws = match public_url.split_once("://") {
		Some(("https", rest)) => format!("wss://{rest}"),
		Some((_, rest)) => format!("ws://{rest}"),
		None => format!("ws://{public_url}"),
	};
	format!("{ws}{}", crate::relay::PATH)
}

/// The scheme and authority of a URL (`https://tiles.example:8443`), if it
/// is an http(s) URL.
fn origin(url: &str) -> Option<String> {
	let (scheme, rest) = url.split_once("://")?;
	if !matches!(scheme, "http" | "https") {
		return None;
	}
	let authority = rest.split(['/', '?', '#']).next().filter(|a| !a.is_empty())?;
	authority
		.bytes()
		.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
		.then(|| format!("{scheme}://{authority}"))
}

/// The headers of every portal answer. Scripts come only from the portal's
/// own files (WebAssembly too, for the signing keys' cryptography); the map
/// runs its workers from blobs; the page connects to this gateway, its relay
/// and the tile server only; nothing may frame it.
pub fn security_headers(settings: &crate::config::Settings) -> HeaderMap {
	let gateway = origin(&settings.public_url).unwrap_or_default();
	let relay = relay_url(&gateway);
	let relay_origin = relay.trim_end_matches(crate::relay::PATH);
	let tiles = settings.explorer_tiles.as_deref().and_then(origin).unwrap_or_default();
	let csp = format!(
		"default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' \
		 'unsafe-inline'; img-src 'self' data: blob: {tiles}; font-src 'self' data:; \
		 connect-src 'self' {gateway} {relay_origin} {tiles}; worker-src 'self' blob:; \
		 child-src blob:; object-src 'none'; base-uri 'none'; form-action 'self'; \
		 frame-ancestors 'none'"
	);
	let mut headers = HeaderMap::new();
	let pairs = [
		(header::CONTENT_SECURITY_POLICY, csp.split_whitespace().collect::<Vec<_>>().join(" ")),
		(header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
		(header::X_FRAME_OPTIONS, "DENY".into()),
		(header::REFERRER_POLICY, "no-referrer".into()),
		(HeaderName::from_static("cross-origin-opener-policy"), "same-origin".into()),
		(
			HeaderName::from_static("permissions-policy"),
			"camera=(), microphone=(), geolocation=(), payment=(), usb=()".into(),
		),
	];
	for (name, value) in pairs {
		headers.insert(name, HeaderValue::from_str(&value).expect("headers are ASCII"));
	}
	headers
}

async fn not_installed() -> ApiError {
	ApiError::not_found(
		"this gateway does not serve the portal: start it with --explorer-dir web/dist",
	)
}

/// `GET /explorer/config.json`: this gateway's URL, its relay's WebSocket
/// URL (for signed-in members), the base map's tile URL template (or null),
/// and whether the chain is a development chain (the portal then offers the
/// development accounts; null while the node cannot be asked).
async fn config(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
	let s = &state.settings;
	let chain_type = state.node.chain_type().await.ok();
	Json(json!({
		"gateway": s.public_url,
		"rpc": relay_url(&s.public_url),
		"tiles": s.explorer_tiles,
		"development": chain_type.map(|t| t == "Development"),
	}))
}

/// Whether a request for `/` comes from a browser page load: its `Accept`
/// header puts `text/html` first (browsers do; STAC clients ask for JSON or
/// send nothing).
pub fn wants_html(headers: &HeaderMap) -> bool {
	headers
		.get(header::ACCEPT)
		.and_then(|a| a.to_str().ok())
		.and_then(|a| a.split(',').next())
		.is_some_and(|first| first.split(';').next().unwrap_or("").trim() == "text/html")
}

/// The redirect to the portal for a browser opening `/`, if it is served.
pub fn redirect(state: &AppState, headers: &HeaderMap) -> Option<Response> {
	(state.settings.explorer_dir.is_some() && wants_html(headers))
		.then(|| Redirect::to(&format!("{}{PATH}/", state.settings.public_url)).into_response())
}

#[cfg(test)]
mod tests {
	use super::*;
	use axum::http::HeaderValue;

	fn accept(value: &str) -> HeaderMap {
		let mut h = HeaderMap::new();
		h.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
		h
	}

	#[test]
	fn the_relay_is_reached_at_the_gateway_with_the_websocket_scheme() {
		assert_eq!(relay_url("http://127.0.0.1:8080"), "ws://127.0.0.1:8080/rpc");
		assert_eq!(relay_url("https://data.city.example"), "wss://data.city.example/rpc");
	}

	#[test]
	fn the_portal_may_run_only_its_own_scripts_and_reach_only_its_gateway_and_tiles() {
		let mut settings =
			crate::config::Settings::resolve(crate::config::Flags::default()).unwrap();
		settings.public_url = "https://data.city.example".into();
		settings.explorer_tiles = Some("https://tiles.city.example/{z}/{x}/{y}.png".into());
		let headers = security_headers(&settings);
		let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
		let directive = |name: &str| {
			csp.split("; ")
				.find_map(|d| d.strip_prefix(name).map(|rest| rest.trim().to_string()))
				.unwrap_or_else(|| panic!("{name} missing from {csp}"))
		};
		assert_eq!(directive("script-src"), "'self' 'wasm-unsafe-eval'");
		assert!(
			!csp.contains("'unsafe-eval'") && !directive("script-src").contains("unsafe-inline")
		);
		assert_eq!(
			directive("connect-src"),
			"'self' https://data.city.example wss://data.city.example https://tiles.city.example"
		);
		assert_eq!(directive("frame-ancestors"), "'none'");
		assert_eq!(directive("object-src"), "'none'");
		assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
		assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
		settings.explorer_tiles = Some("javascript:alert(1)//{z}".into());
		let csp = security_headers(&settings)[header::CONTENT_SECURITY_POLICY].clone();
		assert!(!csp.to_str().unwrap().contains("javascript"), "a tile URL that is not http(s)");
	}

	#[test]
	fn browsers_are_told_from_stac_clients_by_their_first_media_type() {
		let chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
		assert!(wants_html(&accept(chromium)));
		assert!(wants_html(&accept("text/html;q=1")));
		for stac in
			["application/json", "application/json, text/html", "*/*", "application/geo+json"]
		{
			assert!(!wants_html(&accept(stac)), "{stac}");
		}
		assert!(!wants_html(&HeaderMap::new()));
	}
}
