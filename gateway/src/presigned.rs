//! Presigned links: a dataset's file for tools that cannot sign a request.
//!
//! GDAL's `/vsicurl/`, rasterio, pyogrio or QGIS read a Cloud-Optimized
//! GeoTIFF window or a FlatGeobuf bbox with range requests to a plain URL;
//! they cannot add the signed `Authorization` that `GET /data/{id}` needs
//! afresh for every request. So a member who may read a dataset asks, with
//! one signed request, for a link:
//!
//! - `POST /data/{dataset}/presign?minutes=N` (1 to [`MAX_MINUTES`], default
//!   [`DEFAULT_MINUTES`]) answers `{ href, expires, dataset, contract,
//!   basis }`;
//! - `GET`/`HEAD /data/{dataset}/presigned?account=…&contract=…&expires=…&signature=…`
//!   (the `href`) serves the file, with range requests, to anyone holding
//!   the link until it expires.
//!
//! The link is scoped to the account, the dataset, the contract it was
//! issued under (none for the owner and for open data) and its expiry, which
//! a keyed BLAKE3 MAC in the query string covers, with the gateway's public
//! URL; the key is the gateway's own (`presign.key` in its `data_dir`,
//! made at the first start; gateways behind one public URL share that
//! file). Every read of a link is checked on chain again, like a signed
//! request: once the contract is revoked, expired or ended, or the account
//! has left its department, the link is refused. Every read is logged as a
//! delivery (`presigned = true`). Only plain files have links: an
//! encrypted delivery needs the consumer's key, which the CLI and the
//! portal hold (docs/exchange.md).

use crate::{
	data::{self, dataset_id, decide, refused, signed_request, take_nonce, within_rates_of, Via},
	error::ApiError,
	guard::ClientAddress,
	AppState,
};
use axum::{
	extract::{rejection::QueryRejection, Extension, Path, Query, Request, State},
	http::{header, StatusCode},
	response::Response,
	Json,
};
use citychain_client::rpc::api::AccountId;
use citychain_stac::presigned;
use serde::Deserialize;
use serde_json::{json, Value};
use sp_core::crypto::Ss58Codec;
use std::{io::Write, path::Path as FsPath, sync::Arc};

/// The longest life a link may be given, in minutes.
pub const MAX_MINUTES: u64 = 60;
/// A link's life when the request names none, in minutes.
pub const DEFAULT_MINUTES: u64 = 15;
/// The key file in the gateway's `data_dir`.
pub const KEY_FILE: &str = "presign.key";

/// The gateway's key for its links.
pub struct Signer {
	key: [u8; 32],
}

impl Signer {
	/// The key of `data_dir/presign.key`, made (32 random bytes, readable by
	/// the gateway's user only) if the file is missing. A file an operator
	/// wrote holds at least 32 random bytes; one that others may read is
	/// used, with a warning.
	pub fn open(data_dir: &FsPath) -> std::io::Result<Self> {
		use std::os::unix::fs::PermissionsExt;
		let path = data_dir.join(KEY_FILE);
		let secret = match std::fs::read(&path) {
			Ok(secret) => {
				if std::fs::metadata(&path)?.permissions().mode() & 0o077 != 0 {
					tracing::warn!("{} may be read by other users: chmod 600 it", path.display());
				}
				secret
			},
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => make_key(&path)?,
			Err(e) => return Err(e),
		};
		if secret.len() < 32 {
			return Err(std::io::Error::new(
				std::io::ErrorKind::InvalidData,
				format!("{} holds {} bytes; a key has at least 32", path.display(), secret.len()),
			));
		}
		Ok(Self { key: blake3::derive_key("citychain-gateway presigned links 1", &secret) })
	}

	/// The MAC of a link of the gateway at `public_url`.
	fn mac(&self, public_url: &str, link: &Link) -> blake3::Hash {
		let contract = link.contract.map_or_else(|| "-".into(), |c| c.to_string());
		blake3::keyed_hash(
			&self.key,
			format!(
				"{public_url}\n{}\n{}\n{contract}\n{}",
				link.dataset, link.account, link.expires
			)
			.as_bytes(),
		)
	}
}

impl Signer {
	/// Whether `signature` is this gateway's for `link`, which has not
	/// expired at `now` (Unix seconds).
	fn verify(
		&self,
		public_url: &str,
		link: &Link,
		signature: blake3::Hash,
		now: u64,
	) -> Result<(), ApiError> {
		// blake3::Hash compares in constant time.
		if self.mac(public_url, link) != signature {
			return Err(ApiError::forbidden(
				"the link's signature does not hold: it is not a link of this gateway, or it was \
				 changed",
			));
		}
		if link.expires < now {
			return Err(ApiError::forbidden("the link has expired: ask for a new one"));
		}
		Ok(())
	}
}

/// Writes a new key to a private temporary file and links it to `path`, so
/// that no reader ever sees part of a key; if another gateway on the same
/// directory linked its key first, that one is used.
fn make_key(path: &FsPath) -> std::io::Result<Vec<u8>> {
	use std::os::unix::fs::OpenOptionsExt;
	let secret: [u8; 32] = rand::random();
	let temporary =
		path.with_extension(format!("{}-{:016x}.tmp", std::process::id(), rand::random::<u64>()));
	let mut file = std::fs::OpenOptions::new()
		.write(true)
		.create_new(true)
		.mode(0o600)
		.open(&temporary)?;
	let written = file.write_all(&secret).and_then(|()| file.sync_all());
	let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
	let _ = std::fs::remove_file(&temporary);
	match linked {
		Ok(()) => Ok(secret.to_vec()),
		Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read(path),
		Err(e) => Err(e),
	}
}

/// What a link grants: whom, what, under which contract, until when (Unix
/// seconds).
#[derive(Debug, PartialEq, Eq)]
struct Link {
	dataset: u64,
	account: String,
	contract: Option<u64>,
	expires: u64,
}

impl Link {
	/// The link's query string, signed.
	fn query(&self, signer: &Signer, public_url: &str) -> String {
		presigned::LinkQuery {
			account: &self.account,
			contract: self.contract,
			expires: self.expires,
			signature: *signer.mac(public_url, self).as_bytes(),
		}
		.to_query()
	}
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ask {
	minutes: Option<u64>,
}

fn now_s() -> u64 {
	citychain_client::auth::now_ms() / 1000
}

/// `POST /data/{dataset}/presign`: a link to the file the signer may read,
/// if it may read it plain.
pub async fn presign(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	Path(id): Path<String>,
	ask: Result<Query<Ask>, QueryRejection>,
	request: Request,
) -> Result<Json<Value>, ApiError> {
	let (dataset, credentials) = signed_request(&state, &id, peer, &request)?;
	let Query(ask) = ask.map_err(|e| ApiError::bad_request(e.body_text()))?;
	let minutes = ask.minutes.unwrap_or(DEFAULT_MINUTES);
	if !(1..=MAX_MINUTES).contains(&minutes) {
		return Err(ApiError::bad_request(format!(
			"a link lives 1 to {MAX_MINUTES} minutes; {minutes} asked"
		)));
	}
	let delivery = decide(&state, &credentials.account, dataset).await?;
	if delivery.encrypted {
		return Err(ApiError::new(
			StatusCode::CONFLICT,
			format!(
				"dataset {dataset} reaches this account encrypted: a link serves plain files \
				 only; fetch it with the CLI or the portal, which hold your department's key"
			),
		));
	}
	take_nonce(&state, &credentials)?;
	let link = Link {
		dataset,
		account: credentials.account.clone(),
		contract: delivery.contract,
		expires: now_s() + minutes * 60,
	};
	let public_url = &state.settings.public_url;
	let href =
		format!("{public_url}/data/{dataset}/presigned?{}", link.query(&state.signer, public_url));
	let expires = chrono::DateTime::from_timestamp(link.expires as i64, 0)
		.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
	tracing::info!(target: "delivery", dataset, account = %link.account, contract = link.contract, expires = link.expires, "link issued");
	Ok(Json(json!({
		"href": href,
		"expires": expires,
		"dataset": dataset,
		"contract": link.contract,
		"basis": delivery.basis,
	})))
}

/// The link a read presents, checked for form only
/// (`citychain_stac::presigned`, fuzzed).
fn parse(dataset: u64, query: Option<&str>) -> Result<(Link, blake3::Hash), ApiError> {
	let read = presigned::parse(query).map_err(|e| ApiError::bad_request(e.to_string()))?;
	let link = Link {
		dataset,
		account: read.account.to_owned(),
		contract: read.contract,
		expires: read.expires,
	};
	Ok((link, blake3::Hash::from_bytes(read.signature)))
}

/// `GET`/`HEAD /data/{dataset}/presigned`: the file, to a link's holder. In
/// order: the link's form, its MAC and expiry, the account's and the
/// address's rate (no node call), then the access check at the finalized block, which must
/// still grant the file plain, under the link's contract.
pub async fn serve(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	Path(id): Path<String>,
	request: Request,
) -> Response {
	let path = request.uri().path().to_owned();
	let link = match check(&state, &id, peer, request.uri().query()) {
		Ok(link) => link,
		Err(e) => return refused(&path, e),
	};
	let delivery = match decide(&state, &link.account, link.dataset).await {
		Ok(delivery) if delivery.encrypted || delivery.contract != link.contract => {
			let e = ApiError::forbidden(format!(
				"this link was issued under {}, which no longer grants the file",
				link.contract.map_or_else(|| "no contract".into(), |c| format!("contract {c}"))
			));
			return refused(&path, e);
		},
		Ok(delivery) => delivery,
		Err(e) => return refused(&path, e),
	};
	let range = request.headers().get(header::RANGE).and_then(|r| r.to_str().ok());
	let via = Via { account: &link.account, peer, presigned: true };
	data::deliver(&state, link.dataset, delivery, request.method(), range, via).await
}

/// The link of a read, if its form, MAC and expiry hold and its account and
/// its address may make another request this minute.
fn check(
	state: &AppState,
	id: &str,
	peer: std::net::IpAddr,
	query: Option<&str>,
) -> Result<Link, ApiError> {
	let (link, signature) = parse(dataset_id(id)?, query)?;
	state.signer.verify(&state.settings.public_url, &link, signature, now_s())?;
	// A link's reads count against its account's rate as its signed
	// requests do: one leaked link read from many addresses is still bound.
	let account = AccountId::from_ss58check(&link.account)
		.map_err(|_| ApiError::bad_request("the link's account is not an SS58 address"))?;
	within_rates_of(state, account.as_ref(), peer)?;
	Ok(link)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn signer(dir: &FsPath) -> Signer {
		Signer::open(dir).unwrap()
	}

	const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

	#[test]
	fn a_link_round_trips_and_any_change_breaks_its_signature() {
		let dir = tempfile::tempdir().unwrap();
		let signer = signer(dir.path());
		let url = "https://gw.city.example";
		let link =
			Link { dataset: 7, account: ALICE.into(), contract: Some(3), expires: 1_900_000_000 };
		let query = link.query(&signer, url);
		let (read, signature) = parse(7, Some(&query)).unwrap();
		assert_eq!(read, link);
		assert_eq!(signer.mac(url, &read), signature);
		// Another dataset, contract, expiry, account or gateway: another MAC.
		let changed = [
			Link { dataset: 8, ..parse(7, Some(&query)).unwrap().0 },
			Link { contract: Some(4), ..parse(7, Some(&query)).unwrap().0 },
			Link { contract: None, ..parse(7, Some(&query)).unwrap().0 },
			Link { expires: 1_900_000_001, ..parse(7, Some(&query)).unwrap().0 },
			Link {
				account: "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty".into(),
				..parse(7, Some(&query)).unwrap().0
			},
		];
		for other in changed {
			assert_ne!(signer.mac(url, &other), signature, "{other:?}");
		}
		assert_ne!(signer.mac("https://other.example", &read), signature);
		// Valid until its expiry second, refused after it.
		assert!(signer.verify(url, &read, signature, link.expires).is_ok());
		let late = signer.verify(url, &read, signature, link.expires + 1).unwrap_err();
		assert_eq!((late.status, late.message.contains("expired")), (StatusCode::FORBIDDEN, true));
		let forged = Link { contract: Some(4), ..parse(7, Some(&query)).unwrap().0 };
		let e = signer.verify(url, &forged, signature, 0).unwrap_err();
		assert_eq!((e.status, e.message.contains("does not hold")), (StatusCode::FORBIDDEN, true));
	}

	#[test]
	fn the_key_is_kept_private_and_reused_across_starts() {
		use std::os::unix::fs::PermissionsExt;
		let dir = tempfile::tempdir().unwrap();
		let link = Link { dataset: 1, account: ALICE.into(), contract: None, expires: 1 };
		let first = signer(dir.path()).mac("u", &link);
		assert_eq!(signer(dir.path()).mac("u", &link), first, "a restart keeps the links valid");
		let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
		assert_eq!(mode & 0o777, 0o600);
		let other = tempfile::tempdir().unwrap();
		assert_ne!(signer(other.path()).mac("u", &link), first, "another gateway, another key");
		// Gateways starting together on one directory end up with one key.
		let shared = tempfile::tempdir().unwrap();
		let macs: Vec<_> = std::thread::scope(|scope| {
			let starts: Vec<_> =
				(0..8).map(|_| scope.spawn(|| signer(shared.path()).mac("u", &link))).collect();
			starts.into_iter().map(|s| s.join().unwrap()).collect()
		});
		assert!(macs.iter().all(|m| *m == macs[0]), "one key for all");
		assert_eq!(std::fs::read_dir(shared.path()).unwrap().count(), 1, "no temporary file left");
		std::fs::write(other.path().join(KEY_FILE), [1; 31]).unwrap();
		let short = Signer::open(other.path()).err().expect("a short key is refused");
		assert_eq!(short.kind(), std::io::ErrorKind::InvalidData);
	}
}
