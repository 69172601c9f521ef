//! The portal (`web/`, built into `web/dist`) at `/explorer/`, when the
//! gateway is given `--explorer-dir`: its files, and `/explorer/config.json`
//! telling it where the node and this gateway are and which base map to
//! draw. A browser opening `/` is sent there; STAC clients asking for JSON
//! still get the landing page.

use crate::{error::ApiError, AppState};
use axum::{
	extract::State,
	http::{header, HeaderMap},
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
	match &state.settings.explorer_dir {
		Some(dir) => router.nest_service(PATH, ServeDir::new(dir)),
		None => router
			.route(PATH, axum::routing::get(not_installed))
			.route(&format!("{PATH}/{{*path}}"), axum::routing::get(not_installed)),
	}
}

async fn not_installed() -> ApiError {
	ApiError::not_found(
		"this gateway does not serve the portal: start it with --explorer-dir web/dist",
	)
}

/// `GET /explorer/config.json`: the node's WebSocket URL as browsers reach
/// it, this gateway's URL, and the base map's tile URL template (or null).
async fn config(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
	let s = &state.settings;
	Json(json!({
		"node": s.explorer_node,
		"gateway": s.public_url,
		"tiles": s.explorer_tiles,
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
