//! Prometheus metrics, served at `/metrics` on their own listener
//! (`--metrics-listen`, off by default) so that the traffic they describe
//! is not told to the public.
//!
//! Every label takes few values whatever a stranger sends: the route is the
//! route's template (`/data/{dataset}`), a path no route matches is
//! `unmatched`, a method outside the standard ones is `other`, and a
//! refusal's reason comes from a fixed table of statuses.

use axum::{
	body::{Body, Bytes, HttpBody},
	extract::{MatchedPath, Request},
	http::{header, Method, StatusCode},
	middleware::Next,
	response::{IntoResponse, Response},
};
use http_body::{Frame, SizeHint};
use prometheus::{
	HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry, TextEncoder,
};
use std::{
	pin::Pin,
	sync::LazyLock,
	task::{ready, Context, Poll},
	time::Instant,
};

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";
/// The route label of the portal's files: the template of its routes
/// without `--explorer-dir`, and the label of the directory served with it,
/// whose requests axum gives no `MatchedPath` (it is a nested service).
const PORTAL_FILES: &str = "/explorer/{*path}";

/// The gateway's metrics.
pub struct Metrics {
	registry: Registry,
	requests: IntCounterVec,
	response_bytes: IntCounterVec,
	duration: HistogramVec,
	refusals: IntCounterVec,
	store_errors: IntCounter,
	part_bytes: IntCounter,
	parts_assembled: IntCounter,
	tls_reloads: IntCounterVec,
	tls_handshake_failures: IntCounterVec,
	feed_subscription_errors: IntCounter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics, which every request adds to.
pub fn get() -> &'static Metrics {
	&METRICS
}

/// Marks an answer as a refusal (`ApiError`), to be counted by its status.
#[derive(Clone, Copy, Debug)]
pub struct Refusal;

impl Metrics {
	fn new() -> Self {
		let registry =
			Registry::new_custom(Some("citychain_gateway".into()), None).expect("a valid prefix");
		let counter = |name: &str, help: &str, labels: &[&str]| {
			let counter = IntCounterVec::new(Opts::new(name, help), labels).expect("valid names");
			registry.register(Box::new(counter.clone())).expect("registered once");
			counter
		};
		let requests = counter(
			"requests_total",
			"HTTP requests answered, by route template, method and status.",
			&["route", "method", "status"],
		);
		let response_bytes = counter(
			"response_bytes_total",
			"Response body bytes sent, by route template and status.",
			&["route", "status"],
		);
		let refusals = counter(
			"refusals_total",
			"Requests the gateway refused, by route template and reason.",
			&["route", "reason"],
		);
		let tls_reloads = counter(
			"tls_reloads_total",
			"Changes of the certificate files: loaded, or kept the old pair.",
			&["result"],
		);
		let tls_handshake_failures = counter(
			"tls_handshake_failures_total",
			"TLS handshakes that failed or timed out.",
			&["reason"],
		);
		let duration = HistogramVec::new(
			HistogramOpts::new(
				"request_duration_seconds",
				"Time from a request's arrival to its answer's head, by route template.",
			),
			&["route"],
		)
		.expect("valid names");
		registry.register(Box::new(duration.clone())).expect("registered once");
		let store_errors = IntCounter::new(
			"store_errors_total",
			"Failed reads or writes of the data store's file system by uploads.",
		)
		.expect("valid names");
		registry.register(Box::new(store_errors.clone())).expect("registered once");
		let single = |name: &str, help: &str| {
			let counter = IntCounter::new(name, help).expect("valid names");
			registry.register(Box::new(counter.clone())).expect("registered once");
			counter
		};
		let part_bytes = single(
			"upload_part_bytes_total",
			"Bytes of the parts that uploads in parts stored (a part sent again counts again).",
		);
		let parts_assembled =
			single("uploads_assembled_total", "Uploads in parts assembled into a checked object.");
		let feed_subscription_errors = single(
			"feed_subscription_errors_total",
			"Subscriptions left out of a followed block because routing them failed.",
		);
		Self {
			registry,
			requests,
			response_bytes,
			duration,
			refusals,
			store_errors,
			part_bytes,
			parts_assembled,
			tls_reloads,
			tls_handshake_failures,
			feed_subscription_errors,
		}
	}

	/// Counts a subscription left out of a followed block.
	pub fn feed_subscription_error(&self) {
		self.feed_subscription_errors.inc();
	}

	/// Counts a part of an upload in parts stored, of `bytes`.
	pub fn part_stored(&self, bytes: u64) {
		self.part_bytes.inc_by(bytes);
	}

	/// Counts an upload in parts assembled.
	pub fn parts_assembled(&self) {
		self.parts_assembled.inc();
	}

	/// Counts a failed operation on the data store.
	pub fn store_error(&self) {
		self.store_errors.inc();
	}

	/// Counts a change of the certificate files: `loaded` or `kept`.
	pub fn tls_reload(&self, result: &'static str) {
		self.tls_reloads.with_label_values(&[result]).inc();
	}

	/// Counts a failed handshake: `error` or `timeout`.
	pub fn tls_handshake_failed(&self, reason: &'static str) {
		self.tls_handshake_failures.with_label_values(&[reason]).inc();
	}

	/// The Prometheus text exposition of every metric.
	pub fn render(&self) -> String {
		TextEncoder::new()
			.encode_to_string(&self.registry.gather())
			.expect("the text encoder writes to a string")
	}
}

/// A method's label: the standard ones by name, anything else `other`.
fn method_label(method: &Method) -> &'static str {
	match *method {
		Method::GET => "GET",
		Method::HEAD => "HEAD",
		Method::POST => "POST",
		Method::PUT => "PUT",
		Method::DELETE => "DELETE",
		Method::OPTIONS => "OPTIONS",
		Method::PATCH => "PATCH",
		_ => "other",
	}
}

/// Why a request was refused, from its answer's status.
pub fn refusal_reason(status: StatusCode) -> &'static str {
	match status {
		StatusCode::BAD_REQUEST => "bad_request",
		StatusCode::UNAUTHORIZED => "unauthorized",
		StatusCode::FORBIDDEN => "forbidden",
		StatusCode::NOT_FOUND => "not_found",
		StatusCode::REQUEST_TIMEOUT => "timeout",
		StatusCode::CONFLICT => "conflict",
		StatusCode::LENGTH_REQUIRED => "length_required",
		StatusCode::PAYLOAD_TOO_LARGE => "too_large",
		StatusCode::UPGRADE_REQUIRED => "upgrade_required",
		StatusCode::TOO_MANY_REQUESTS => "rate_limited",
		StatusCode::BAD_GATEWAY => "node_error",
		StatusCode::SERVICE_UNAVAILABLE => "busy",
		StatusCode::INSUFFICIENT_STORAGE => "store_full",
		_ => "other",
	}
}

/// The middleware that counts every request of the public router: outside
/// every other layer, so that the rate limits' refusals count too.
pub async fn record(request: Request, next: Next) -> Response {
	let started = Instant::now();
	let matched = request.extensions().get::<MatchedPath>().cloned();
	let path = request.uri().path();
	let route = match &matched {
		Some(matched) => matched.as_str(),
		None if path
			.strip_prefix(crate::explorer::PATH)
			.is_some_and(|rest| rest.is_empty() || rest.starts_with('/')) =>
		{
			PORTAL_FILES
		},
		None => UNMATCHED,
	};
	let method = method_label(request.method());
	let response = next.run(request).await;
	let metrics = get();
	let status = response.status();
	metrics
		.duration
		.with_label_values(&[route])
		.observe(started.elapsed().as_secs_f64());
	metrics.requests.with_label_values(&[route, method, status.as_str()]).inc();
	if response.extensions().get::<Refusal>().is_some() {
		metrics.refusals.with_label_values(&[route, refusal_reason(status)]).inc();
	}
	let bytes = metrics.response_bytes.with_label_values(&[route, status.as_str()]);
	response.map(|body| Body::new(Counted { body, bytes }))
}

/// A response body that counts its bytes as they are sent: a download cut
/// short counts what was sent.
struct Counted {
	body: Body,
	bytes: IntCounter,
}

impl HttpBody for Counted {
	type Data = Bytes;
	type Error = axum::Error;

	fn poll_frame(
		mut self: Pin<&mut Self>,
		cx: &mut Context<'_>,
	) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
		let frame = ready!(Pin::new(&mut self.body).poll_frame(cx));
		if let Some(data) = frame.as_ref().and_then(|f| f.as_ref().ok()).and_then(Frame::data_ref) {
			self.bytes.inc_by(data.len() as u64);
		}
		Poll::Ready(frame)
	}

	fn is_end_stream(&self) -> bool {
		self.body.is_end_stream()
	}

	fn size_hint(&self) -> SizeHint {
		self.body.size_hint()
	}
}

/// `GET /metrics` on the metrics listener.
async fn exposition() -> Response {
	([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], get().render()).into_response()
}

/// Serves `/metrics` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) {
	let app = axum::Router::new().route("/metrics", axum::routing::get(exposition));
	if let Err(e) = axum::serve(listener, app).await {
		tracing::error!("the metrics server failed: {e}");
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use axum::{routing::get as route_get, Router};
	use tower::ServiceExt;

	fn requests(route: &str, method: &str, status: &str) -> u64 {
		get().requests.with_label_values(&[route, method, status]).get()
	}

	fn router() -> Router {
		Router::new()
			.route("/metrics-test/{dataset}", route_get(|| async { "twelve bytes" }))
			.route(
				"/metrics-test/{dataset}/refused",
				route_get(|| async { crate::error::ApiError::forbidden("no") }),
			)
			.layer(axum::middleware::from_fn(record))
	}

	async fn call(method: Method, path: &str) -> (StatusCode, Bytes) {
		let request = Request::builder().method(method).uri(path).body(Body::empty()).unwrap();
		let response = router().oneshot(request).await.unwrap();
		let status = response.status();
		(status, axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap())
	}

	#[tokio::test]
	async fn routes_are_labelled_by_template_and_bytes_counted_as_sent() {
		let route = "/metrics-test/{dataset}";
		let before = requests(route, "GET", "200");
		let bytes = get().response_bytes.with_label_values(&[route, "200"]);
		let bytes_before = bytes.get();
		for id in ["1", "2", "3"] {
			assert_eq!(call(Method::GET, &format!("/metrics-test/{id}")).await.1, "twelve bytes");
		}
		assert_eq!(requests(route, "GET", "200") - before, 3);
		assert_eq!(bytes.get() - bytes_before, 36);
		let text = get().render();
		assert!(
			text.contains(
				r#"citychain_gateway_requests_total{method="GET",route="/metrics-test/{dataset}",status="200"}"#
			),
			"{text}"
		);
		assert!(!text.contains("/metrics-test/1"), "never the raw path");
	}

	#[tokio::test]
	async fn strangers_cannot_make_new_label_values() {
		let before = requests(UNMATCHED, "other", "404");
		let (status, _) = call(Method::from_bytes(b"BREW").unwrap(), "/no/such/path/x1").await;
		assert_eq!(status, StatusCode::NOT_FOUND);
		call(Method::from_bytes(b"TEAPOT").unwrap(), "/no/such/path/x2").await;
		assert_eq!(requests(UNMATCHED, "other", "404") - before, 2);
		let text = get().render();
		assert!(!text.contains("/no/such") && !text.contains("BREW"), "{text}");
	}

	#[tokio::test]
	async fn refusals_count_by_reason() {
		let route = "/metrics-test/{dataset}/refused";
		let refused = get().refusals.with_label_values(&[route, "forbidden"]);
		let before = refused.get();
		assert_eq!(call(Method::GET, "/metrics-test/9/refused").await.0, StatusCode::FORBIDDEN);
		assert_eq!(refused.get() - before, 1);
		// An answer that is not a refusal is not counted as one.
		let plain = get().refusals.with_label_values(&["/metrics-test/{dataset}", "other"]).get();
		call(Method::GET, "/metrics-test/9").await;
		assert_eq!(
			get().refusals.with_label_values(&["/metrics-test/{dataset}", "other"]).get(),
			plain
		);
	}

	#[tokio::test]
	async fn the_portals_files_are_one_route() {
		let dir = tempfile::tempdir().unwrap();
		std::fs::write(dir.path().join("index.html"), "<html>").unwrap();
		std::fs::write(dir.path().join("app.js"), "").unwrap();
		let portal = Router::new()
			.nest_service(crate::explorer::PATH, tower_http::services::ServeDir::new(dir.path()))
			.layer(axum::middleware::from_fn(record));
		let before = requests(PORTAL_FILES, "HEAD", "200");
		for path in ["/explorer/index.html", "/explorer/app.js"] {
			let request =
				Request::builder().method(Method::HEAD).uri(path).body(Body::empty()).unwrap();
			assert_eq!(
				portal.clone().oneshot(request).await.unwrap().status(),
				StatusCode::OK,
				"{path}"
			);
		}
		assert_eq!(requests(PORTAL_FILES, "HEAD", "200") - before, 2);
	}

	#[test]
	fn every_status_the_gateway_refuses_with_has_a_reason() {
		for status in [400, 401, 403, 404, 408, 409, 411, 413, 426, 429, 502, 503, 507] {
			let status = StatusCode::from_u16(status).unwrap();
			assert_ne!(refusal_reason(status), "other", "{status}");
		}
	}
}
