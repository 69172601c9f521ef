//! Errors as HTTP answers: a status and a JSON body in the STAC API's shape,
//! `{ "code", "description" }`, the code the status's name (`"BadRequest"`,
//! `"NotFound"`, …).

use axum::{
	http::{header, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
	Json,
};
use citychain_client::Error as ClientError;
use serde_json::json;

/// An HTTP error answer.
#[derive(Debug)]
pub struct ApiError {
	pub status: StatusCode,
	pub message: String,
	/// The `code` of the body when the status's name is not specific enough
	/// (`"TooManyStreams"`).
	pub code: Option<&'static str>,
}

impl ApiError {
	pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
		Self { status, message: message.into(), code: None }
	}

	/// An error whose body's `code` is `code`.
	pub fn named(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
		Self { status, message: message.into(), code: Some(code) }
	}

	pub fn bad_request(message: impl Into<String>) -> Self {
		Self::new(StatusCode::BAD_REQUEST, message)
	}

	pub fn unauthorized(message: impl Into<String>) -> Self {
		Self::new(StatusCode::UNAUTHORIZED, message)
	}

	pub fn forbidden(message: impl Into<String>) -> Self {
		Self::new(StatusCode::FORBIDDEN, message)
	}

	pub fn not_found(message: impl Into<String>) -> Self {
		Self::new(StatusCode::NOT_FOUND, message)
	}
}

/// Node answers: invalid parameters are the client's fault (400); anything
/// else means the node cannot be relied on now (502/503).
impl From<ClientError> for ApiError {
	fn from(e: ClientError) -> Self {
		match e {
			ClientError::Rpc { code: -32602, message } => Self::bad_request(message),
			// The node's search index refused the search as busy.
			ClientError::Rpc { code: 3, message } => {
				Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
			},
			ClientError::Connection(m) => {
				Self::new(StatusCode::SERVICE_UNAVAILABLE, format!("node unavailable: {m}"))
			},
			other => Self::new(StatusCode::BAD_GATEWAY, other.to_string()),
		}
	}
}

impl From<citychain_client::rpc::CallError> for ApiError {
	fn from(e: citychain_client::rpc::CallError) -> Self {
		ClientError::from(e).into()
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		let code: String = match self.code {
			Some(code) => code.into(),
			None => self.status.canonical_reason().unwrap_or("Error").split(' ').collect(),
		};
		let mut response =
			(self.status, Json(json!({ "code": code, "description": self.message })))
				.into_response();
		response.extensions_mut().insert(crate::metrics::Refusal);
		if self.status == StatusCode::UNAUTHORIZED {
			response.headers_mut().insert(
				header::WWW_AUTHENTICATE,
				HeaderValue::from_static(citychain_client::auth::SCHEME),
			);
		}
		response
	}
}
