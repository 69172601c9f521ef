//! The data exchange: registering a file, approving with an encrypted copy
//! for the consumer, and fetching through the provider's gateway.

use crate::{
	common::{bytes_bar, one_of, parse_bbox, Context, Registration},
	extent,
	failure::Failure,
};
use citychain_client::{
	auth,
	chain::api::{
		self, access::events::AccessApproved, datasets::events::DatasetRegistered,
		runtime_types::citychain_runtime::RuntimeCall,
	},
	crypt, envelope, hash, keys,
	primitives::{
		datasets::{DatasetContent, DatasetDescription},
		hashing::HashFunction,
		vocabulary::{AccessPolicy, Sensitivity, TopicCategory},
		LicenseInput, TimeRange,
	},
	rpc::api::{
		datasets::{ContentHash, Dataset},
		AccessApiClient, DatasetsApiClient, DepartmentsApiClient,
	},
	store::{object, Location, Store, Writer},
	tx::Signer,
	verified::{self, OutboardWriter},
	Error,
};
use clap::Args;
use envelope::PublicKey;
use futures::StreamExt;
use serde_json::Value;
use std::{
	fs::{self, File},
	io::{BufReader, BufWriter, Write},
	path::{Path, PathBuf},
};

#[derive(Args)]
pub struct RegisterArgs {
	/// The data files: one dataset each, all registered in one transaction
	/// (a `Utility.batch_all`, so all or none; at most
	/// [`MAX_FILES_PER_TRANSACTION`] per transaction, more go in the next).
	#[arg(required = true, value_name = "FILE")]
	files: Vec<PathBuf>,
	/// The title; `{name}` stands for the file's name without its extension,
	/// and is required when several files are given, so that each dataset
	/// has its own title.
	#[arg(long)]
	title: String,
	#[arg(long, default_value = "")]
	description: String,
	/// ISO 19115 topic category.
	#[arg(long, value_parser = one_of(TopicCategory::ALL, TopicCategory::as_str))]
	topic: TopicCategory,
	#[arg(long = "keyword")]
	keywords: Vec<String>,
	/// Where consumers get the data: the provider's gateway (`{name}` as in
	/// --title).
	#[arg(long)]
	uri: String,
	/// The data's licence: an SPDX licence expression (`CC-BY-4.0`,
	/// `ODbL-1.0 OR CC-BY-SA-4.0`), or `other` with --license-url.
	#[arg(long)]
	license: String,
	/// Where the licence's terms are; required for `other` and `LicenseRef-`.
	#[arg(long, value_name = "URL")]
	license_url: Option<String>,
	/// Media type [default: from the file's extension].
	#[arg(long)]
	format: Option<String>,
	/// Take the extent from this GeoJSON file's features (default: the data
	/// file itself when it is `.geojson`, unless --bbox and --start are given).
	#[arg(long, value_name = "FILE")]
	geojson: Option<PathBuf>,
	/// west,south,east,north in degrees (WGS84).
	#[arg(long)]
	bbox: Option<String>,
	/// Start of the data's time span (RFC 3339 or YYYY-MM-DD).
	#[arg(long)]
	start: Option<String>,
	/// End of the data's time span; none for ongoing data.
	#[arg(long)]
	end: Option<String>,
	/// EPSG code of the data's coordinate reference system.
	#[arg(long, default_value_t = 4326)]
	crs: u32,
	/// Who decides a request: the dataset's access policy.
	#[arg(long, default_value = "approvalRequired", value_parser = one_of(AccessPolicy::ALL, AccessPolicy::as_str))]
	policy: AccessPolicy,
	/// Who may see the record.
	#[arg(long, default_value = "internal", value_parser = one_of(Sensitivity::ALL, Sensitivity::as_str))]
	sensitivity: Sensitivity,
	/// The hash function of the content hash.
	#[arg(long, default_value = "blake2b-256", value_parser = one_of(HashFunction::ALL, HashFunction::name))]
	hash: HashFunction,
	/// The gateway's data store, a directory or `s3://bucket/prefix`: the
	/// file is copied to `<id>/data` there.
	#[arg(long, value_name = "DIR|URL")]
	store: Option<String>,
}

#[derive(Args)]
pub struct ApproveArgs {
	contract: u64,
	/// The gateway's data store, a directory or `s3://bucket/prefix`: the
	/// dataset is delivered encrypted, its data key sealed to the consumer
	/// department's key and attached. The first such approval encrypts the
	/// dataset once into the store; later ones only seal its key.
	#[arg(long, value_name = "DIR|URL")]
	store: Option<String>,
	/// The dataset's file, to encrypt if the store holds no encryption of it
	/// yet [default: the store's copy].
	#[arg(long, requires = "store")]
	file: Option<PathBuf>,
	/// Your department's x25519 key file, to open the data key of the
	/// dataset's encryption once the store holds one.
	#[arg(long, value_name = "FILE", requires = "store")]
	encryption_key: Option<PathBuf>,
}

#[derive(Args)]
pub struct FetchArgs {
	pub(crate) dataset: u64,
	/// The provider's gateway as it publishes its URL, e.g.
	/// http://127.0.0.1:8080 (requests are signed for it).
	#[arg(long, env = "CITYCHAIN_GATEWAY")]
	pub(crate) gateway: String,
	/// Where the verified data goes. BLAKE3 data is written to `<out>.part`
	/// as it is checked, and a fetch run again resumes from there.
	#[arg(long)]
	pub(crate) out: PathBuf,
	/// Your department's x25519 key file, to open the data key.
	#[arg(long, value_name = "FILE")]
	encryption_key: Option<PathBuf>,
	/// Verify only; do not report the result on chain.
	#[arg(long)]
	pub(crate) no_confirm: bool,
}

/// The media type of a file by its extension, from the one table the CLI
/// and the portal share (`clients/js/media-types.json`);
/// `application/octet-stream` for any other.
fn media_type(path: &Path) -> String {
	const TABLE: &str = include_str!("../../clients/js/media-types.json");
	let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
	serde_json::from_str::<std::collections::BTreeMap<String, String>>(TABLE)
		.ok()
		.zip(extension)
		.and_then(|(table, extension)| table.get(&extension).cloned())
		.unwrap_or_else(|| "application/octet-stream".into())
}

/// Receives `response`'s body into `path`, no more than `limit` bytes,
/// decrypted under `key` if there is one (each chunk checked before it is
/// written) and hashed with `code` on the way; the digest of what was
/// written, and its size.
async fn receive(
	response: reqwest::Response,
	limit: u64,
	key: Option<&[u8; crypt::KEY_LEN]>,
	code: u64,
	path: &Path,
) -> Result<(Vec<u8>, u64), Failure> {
	let mut file = BufWriter::with_capacity(crypt::SEGMENT, File::create(path)?);
	let mut hasher = hash::Hasher::new(code)?;
	let mut size = 0u64;
	let mut keep = |plain: &[u8]| -> citychain_client::Result<()> {
		hasher.update(plain);
		size += plain.len() as u64;
		Ok(file.write_all(plain)?)
	};
	let mut opener = key.map(crypt::Opener::new);
	let what = if key.is_some() { "downloading, decrypting" } else { "downloading" };
	let bar = bytes_bar(response.content_length().unwrap_or(0), what);
	let mut body = response.bytes_stream();
	let mut received = 0u64;
	while let Some(piece) = body.next().await {
		let piece = piece.map_err(|e| Error::Connection(format!("download interrupted: {e}")))?;
		received += piece.len() as u64;
		if received > limit {
			return Err(Failure::Refused(format!(
				"the gateway sent more than the {limit} bytes the dataset can be; download stopped"
			)));
		}
		match &mut opener {
			Some(opener) => opener.push(&piece, &mut keep)?,
			None => keep(&piece)?,
		}
		bar.inc(piece.len() as u64);
	}
	if let Some(opener) = opener {
		opener.finish(&mut keep)?;
	}
	bar.finish_and_clear();
	file.flush()?;
	Ok((hasher.finish(), size))
}

/// The digest of `path` under `code`, with a progress bar; and its size.
fn digest_file(path: &Path, code: u64, what: &str) -> Result<(Vec<u8>, u64), Failure> {
	let file = File::open(path).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
	let bar = bytes_bar(file.metadata()?.len(), what);
	let result = hash::digest(code, BufReader::new(file), |n| bar.inc(n));
	bar.finish_and_clear();
	Ok(result?)
}

fn time_arg(text: &Option<String>, what: &str) -> Result<Option<i64>, Failure> {
	text.as_deref()
		.map(|t| {
			extent::parse_time(t).ok_or_else(|| Failure::Usage(format!("malformed {what} {t:?}")))
		})
		.transpose()
}

/// Copies `file` into `store`, where the gateway serves it from, with its
/// BLAKE3 outboard made as it is copied when `content` is hashed with
/// blake3 (so that the gateway serves it in verified ranges); the object's
/// name.
async fn store_file(
	store: &Store,
	dataset: u64,
	file: &Path,
	content: &DatasetContent,
) -> Result<String, Failure> {
	let name = object::data(dataset);
	let mut input = tokio::fs::File::open(file).await?;
	let mut writer = store.write(&name, content.size).await?;
	let mut outboard =
		OutboardWriter::start(store, dataset, content.hash_code, content.size).await?;
	let copied = copy_with_outboard(&mut input, &mut writer, outboard.as_mut()).await;
	let root = match (copied, outboard) {
		(Ok(()), Some(outboard)) => outboard.finish().await.map(Some),
		(Ok(()), None) => Ok(None),
		(Err(e), outboard) => {
			if let Some(outboard) = outboard {
				outboard.abort().await;
			}
			Err(e)
		},
	};
	match root {
		Ok(Some(root)) if root.as_bytes()[..] != content.digest[..] => {
			writer.abort().await;
			Err(Failure::Refused(format!(
				"{} changed since it was hashed: its copy in the store is not the registered content",
				file.display()
			)))
		},
		Ok(_) => {
			writer.finish().await?;
			Ok(name)
		},
		Err(e) => {
			writer.abort().await;
			Err(e.into())
		},
	}
}

/// Copies everything `input` yields into `writer`, and into `outboard`.
async fn copy_with_outboard(
	input: &mut (impl tokio::io::AsyncRead + Unpin),
	writer: &mut Writer,
	mut outboard: Option<&mut OutboardWriter>,
) -> Result<(), citychain_client::store::StoreError> {
	use tokio::io::AsyncReadExt;
	let mut buf = vec![0u8; 256 << 10];
	loop {
		let n = input.read(&mut buf).await?;
		if n == 0 {
			return Ok(());
		}
		if let Some(o) = outboard.as_deref_mut() {
			o.update(&buf[..n]).await?;
		}
		writer.write(&buf[..n]).await?;
	}
}

/// Opens the data store a flag names.
pub fn open_store(text: &str) -> Result<Store, Failure> {
	Store::open(Location::parse(text).map_err(Failure::Usage)?).map_err(Failure::Usage)
}

/// The most datasets `register` puts in one transaction: a batch well inside
/// a block's weight and length, and a department's allowance.
pub const MAX_FILES_PER_TRANSACTION: usize = 64;

pub async fn register(ctx: &Context, a: RegisterArgs) -> Result<(), Failure> {
	if a.files.len() > 1 && !a.title.contains("{name}") {
		return Err(Failure::Usage(
			"several files: --title must contain {name} so that each dataset has its own title"
				.into(),
		));
	}
	let store = a.store.as_deref().map(open_store).transpose()?;
	for files in a.files.chunks(MAX_FILES_PER_TRANSACTION) {
		let registrations =
			files.iter().map(|file| registration(&a, file)).collect::<Result<Vec<_>, _>>()?;
		let included = match &registrations[..] {
			[one] => ctx.submit(&one.clone().transaction()).await?,
			all => {
				let calls = all.iter().map(|r| RuntimeCall::Datasets(r.clone().call())).collect();
				ctx.submit(&api::tx().utility().batch_all(calls)).await?
			},
		};
		let datasets: Vec<u64> =
			included.all::<DatasetRegistered>()?.into_iter().map(|e| e.dataset).collect();
		if datasets.len() != files.len() {
			return Err(Failure::Refused(format!(
				"the transaction raised {} DatasetRegistered events for {} files",
				datasets.len(),
				files.len()
			)));
		}
		for ((dataset, file), r) in datasets.into_iter().zip(files).zip(&registrations) {
			let content = &r.content;
			let bbox = content.bbox;
			eprintln!(
				"dataset {dataset} ({}): {} bytes, {} {}, bbox {:?}",
				file.display(),
				content.size,
				a.hash.name(),
				hex::encode(&content.digest),
				bbox.degrees()
			);
			if let Some(store) = &store {
				let name = store_file(store, dataset, file, content).await?;
				eprintln!("stored as {name} in {}", store.location());
			}
			println!("{dataset}");
		}
	}
	Ok(())
}

/// What registering `file` with the options `a` asks of the chain: its
/// hash and size, its extent from `a` or from GeoJSON, the texts with
/// `{name}` filled in.
fn registration(a: &RegisterArgs, file: &Path) -> Result<Registration, Failure> {
	let geojson = a.geojson.clone().or_else(|| {
		let is_geojson = media_type(file) == "application/geo+json";
		(is_geojson && (a.bbox.is_none() || a.start.is_none())).then(|| file.to_path_buf())
	});
	let found = match &geojson {
		Some(path) => {
			let text =
				fs::read(path).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
			let doc: Value = serde_json::from_slice(&text)
				.map_err(|e| Failure::Usage(format!("{} is not JSON: {e}", path.display())))?;
			extent::of_geojson(&doc)?
		},
		None => extent::Extent { bbox: None, time: None },
	};
	let bbox = match (&a.bbox, found.bbox) {
		(Some(text), _) => parse_bbox(text)?,
		(None, Some(b)) => b,
		(None, None) => {
			return Err(Failure::Usage(format!(
				"{}: no extent: give --bbox or a GeoJSON file with geometries",
				file.display()
			)))
		},
	};
	let start = time_arg(&a.start, "start")?.or(found.time.map(|t| t.0));
	let end = time_arg(&a.end, "end")?.or(found.time.map(|t| t.1));
	let start = start.ok_or_else(|| {
		Failure::Usage(format!(
			"{}: no time: give --start or a GeoJSON file with feature times",
			file.display()
		))
	})?;
	let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
	let named = |text: &str| text.replace("{name}", &name).into_bytes();
	let code = a.hash.code();
	let (digest, size) = digest_file(file, code, "hashing")?;
	Ok(Registration {
		description: DatasetDescription {
			title: named(&a.title),
			description: named(&a.description),
			topic: a.topic,
			keywords: a.keywords.iter().map(|k| k.clone().into_bytes()).collect(),
			uri: named(&a.uri),
			license: LicenseInput {
				expression: a.license.clone().into_bytes(),
				url: a.license_url.clone().map(String::into_bytes),
			},
		},
		content: DatasetContent {
			bbox,
			crs: a.crs,
			time: TimeRange { start, end },
			format: a.format.clone().unwrap_or_else(|| media_type(file)).into_bytes(),
			hash_code: code,
			digest,
			size,
		},
		policy: a.policy,
		sensitivity: a.sensitivity,
	})
}

/// The record a node `answer`ed for `id`; an error naming `what` if there is
/// none.
pub fn found<T>(answer: Option<T>, what: &str, id: impl std::fmt::Display) -> Result<T, Failure> {
	answer.ok_or_else(|| Failure::NotFound(format!("no {what} {id}")))
}

/// Dataset `id` as the node has it, with the content hash every record has.
async fn dataset(ctx: &Context, id: u64) -> Result<(Dataset, ContentHash), Failure> {
	let mut dataset = found(ctx.node.dataset(id, None, None).await?, "dataset", id)?;
	let hash = dataset
		.content_hash
		.take()
		.ok_or_else(|| Failure::Refused(format!("the node's dataset {id} has no content hash")))?;
	Ok((dataset, hash))
}

pub async fn approve(ctx: &Context, a: ApproveArgs) -> Result<(), Failure> {
	let envelope = match &a.store {
		Some(store) => {
			let contract =
				found(ctx.node.contract(a.contract, None).await?, "contract", a.contract)?;
			let store = open_store(store)?;
			let (file, key_file) = (a.file.as_deref(), a.encryption_key.as_deref());
			let key =
				data_key(ctx, &store, contract.dataset, contract.provider, file, key_file).await?;
			let recipient = encryption_key(ctx, contract.consumer).await?;
			Some(envelope::seal(&key, &recipient))
		},
		None => None,
	};
	let included = ctx.submit(&api::tx().access().approve_request(a.contract, envelope)).await?;
	let approved = included.events.has::<AccessApproved>();
	println!(
		"contract {} {}",
		a.contract,
		if approved { "approved" } else { "approval recorded; the regulator's is still needed" }
	);
	Ok(())
}

/// Department `department`'s published encryption key.
pub async fn encryption_key(ctx: &Context, department: u32) -> Result<PublicKey, Failure> {
	let record = found(ctx.node.department(department, None).await?, "department", department)?;
	let key: [u8; 32] =
		record.encryption_key.and_then(|k| k.0.try_into().ok()).ok_or_else(|| {
			Failure::Refused(format!(
				"department {department} has published no encryption key (citychain \
			 set-encryption-key); without one its data cannot be sealed to it"
			))
		})?;
	Ok(PublicKey::from(key))
}

/// Dataset `dataset`'s data key, and its one encryption in the store. The
/// key is the one sealed to the owning department in the store, opened with
/// the department's key file; if there is none, a new one, claimed by
/// writing its envelope first (of two officers at once, the first claims it
/// and the other opens that one). If the store holds no encryption under it
/// yet, the dataset is encrypted once (from `--file` or the store's copy,
/// checked against the hash on chain as it is read): any encryption under
/// the claimed key is as good as another.
pub async fn data_key(
	ctx: &Context,
	store: &Store,
	dataset: u64,
	owner: u32,
	file: Option<&Path>,
	key_file: Option<&Path>,
) -> Result<[u8; crypt::KEY_LEN], Failure> {
	let envelope = object::key_envelope(dataset);
	let mut sealed = store.get_small(&envelope, 256).await?;
	if sealed.is_none() {
		let key = crypt::data_key();
		let own = encryption_key(ctx, owner).await?;
		if store.create(&envelope, envelope::seal(&key, &own)).await? {
			encrypt_once(ctx, store, dataset, &key, file).await?;
			return Ok(key);
		}
		sealed = store.get_small(&envelope, 256).await?;
	}
	let sealed = sealed.ok_or_else(|| Failure::Refused(format!("{envelope} vanished")))?;
	let key_file = key_file.ok_or_else(|| {
		Failure::Usage(format!(
			"dataset {dataset} is encrypted in the store already: give --encryption-key FILE \
			 (your department's key file) to open its data key"
		))
	})?;
	let opened = envelope::open(&sealed, &keys::read_encryption_key(key_file)?)?;
	let key = opened.try_into().map_err(|_| {
		Failure::Refused(format!("dataset {dataset}'s key envelope holds no 32-byte key"))
	})?;
	if store.size(&object::sealed(dataset)).await?.is_none() {
		encrypt_once(ctx, store, dataset, &key, file).await?;
	}
	Ok(key)
}

/// Encrypts dataset `dataset` under `key` into the store, from `file` or
/// the store's copy, checked against the hash on chain as it is read.
async fn encrypt_once(
	ctx: &Context,
	store: &Store,
	dataset: u64,
	key: &[u8; crypt::KEY_LEN],
	file: Option<&Path>,
) -> Result<(), Failure> {
	let (record, content) = self::dataset(ctx, dataset).await?;
	let input: Box<dyn tokio::io::AsyncRead + Unpin + Send> = match file {
		Some(file) => Box::new(
			tokio::fs::File::open(file)
				.await
				.map_err(|e| Failure::Usage(format!("{}: {e}", file.display())))?,
		),
		None => Box::new(
			store
				.read(&object::data(dataset), None)
				.await?
				.ok_or_else(|| {
					Failure::Usage(format!(
						"the store holds no copy of dataset {dataset}: give --file FILE"
					))
				})?
				.into_async_read(),
		),
	};
	let mut hasher = hash::Hasher::new(content.code)?;
	let sealed_len = crypt::encrypted_len(record.size.unwrap_or_default());
	let mut writer = store.write(&object::sealed(dataset), sealed_len).await?;
	let bar = bytes_bar(record.size.unwrap_or_default(), "encrypting");
	let sealed = writer
		.seal_from(key, input, |piece| {
			hasher.update(piece);
			bar.inc(piece.len() as u64);
		})
		.await;
	bar.finish_and_clear();
	if let Err(e) = sealed {
		writer.abort().await;
		return Err(e.into());
	}
	// Encrypt the registered content, not some other file.
	if hasher.finish() != content.digest.0 {
		writer.abort().await;
		return Err(Failure::Usage(format!(
			"{} is not dataset {dataset}'s content (its hash differs from the one on chain)",
			file.map_or("the store's copy".into(), |f| f.display().to_string())
		)));
	}
	writer.finish().await?;
	eprintln!("encrypted once into {} in {}", object::sealed(dataset), store.location());
	Ok(())
}

/// `GET` of `path` (with its query) from `gateway`, signed by `signer`; a
/// refusal as the gateway's reason.
pub async fn signed_get(
	signer: &Signer,
	gateway: &str,
	path: &str,
) -> Result<reqwest::Response, Failure> {
	signed(signer, gateway, reqwest::Method::GET, path).await
}

/// A bodiless `method` request of `path` (with its query) to `gateway`,
/// signed by `signer`; a refusal as the gateway's reason.
pub async fn signed(
	signer: &Signer,
	gateway: &str,
	method: reqwest::Method,
	path: &str,
) -> Result<reqwest::Response, Failure> {
	let gateway = gateway.trim_end_matches('/');
	let nonce = auth::nonce();
	let authorization = auth::authorization(
		signer,
		&auth::Request {
			gateway,
			method: method.as_str(),
			path,
			time_ms: auth::now_ms(),
			nonce: &nonce,
		},
	);
	let url = format!("{gateway}{path}");
	let response = reqwest::Client::new()
		.request(method, &url)
		.header("authorization", authorization)
		.send()
		.await
		.map_err(|e| Error::Connection(format!("{url}: {e}")))?;
	let status = response.status();
	if status.is_success() {
		return Ok(response);
	}
	let body: Value = response
		.bytes()
		.await
		.ok()
		.and_then(|b| serde_json::from_slice(&b).ok())
		.unwrap_or_default();
	let reason = body["description"].as_str().unwrap_or("no reason given").to_string();
	Err(Failure::Refused(format!("the gateway refused ({}): {reason}", status.as_u16())))
}

/// The contract a delivery of `dataset` names, if any, once the chain
/// confirms it: the one that gives `signer`'s department access now (the
/// chain's answer, not the gateway's).
pub async fn delivered_contract(
	ctx: &Context,
	signer: &Signer,
	dataset: u64,
	response: &reqwest::Response,
) -> Result<Option<u64>, Failure> {
	let named = response.headers().get("x-citychain-contract").and_then(|v| v.to_str().ok());
	let Some(named) = named.and_then(|c| c.parse::<u64>().ok()) else { return Ok(None) };
	let at = ctx.node.finalized_head().await?;
	let check = ctx.node.check(signer.account(), dataset, Some(at)).await?;
	if check.contract != Some(named) {
		return Err(Failure::Refused(format!(
			"the gateway names contract {named}, but your department's contract for dataset {dataset} is {}",
			check.contract.map_or("none".to_string(), |c| c.to_string())
		)));
	}
	Ok(Some(named))
}

/// Reports the receipt of `contract` on chain, unless told not to.
pub async fn report_receipt(
	ctx: &Context,
	contract: Option<u64>,
	no_confirm: bool,
	code: u64,
	digest: Vec<u8>,
	matched: bool,
) -> Result<(), Failure> {
	if let (Some(contract), false) = (contract, no_confirm) {
		ctx.submit(&api::tx().access().confirm_receipt(contract, code, digest)).await?;
		eprintln!(
			"receipt of contract {contract} reported on chain: {}",
			if matched { "verified" } else { "mismatch" }
		);
	}
	Ok(())
}

pub async fn fetch(ctx: &Context, a: FetchArgs) -> Result<(), Failure> {
	let signer = ctx.signer()?;
	let (dataset, content) = dataset(ctx, a.dataset).await?;
	let (code, expected) = (content.code, content.digest.0);
	let size = dataset.size.unwrap_or_default();
	// BLAKE3 content comes checked piece by piece; an encrypted delivery
	// (one needs the key) comes whole, its plain text checked at the end.
	let streamed = code == HashFunction::Blake3.code() && a.encryption_key.is_none();
	if let Some(root) = verified::root(&expected).filter(|_| streamed) {
		return crate::verified::fetch(ctx, &signer, &a, size, root).await;
	}

	let response = signed_get(&signer, &a.gateway, &format!("/data/{}", a.dataset)).await?;
	let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
	let encrypted = header("x-citychain-encrypted") == Some("true");
	// For the owner's officers when the provider keeps only the encryption:
	// the data key sealed to their department.
	let own_envelope = header("x-citychain-envelope").and_then(|h| hex::decode(h).ok());
	let contract = delivered_contract(ctx, &signer, a.dataset, &response).await?;
	// No more than the record's size (encrypted: with its framing).
	let limit = if encrypted { crypt::encrypted_len(size) } else { size };
	// The data key, for an encrypted delivery: from the contract's envelope,
	// or the owner's own.
	let key = match (encrypted, a.encryption_key.as_deref()) {
		(false, _) => None,
		(true, None) => {
			return Err(Failure::Usage(
				"the data is encrypted for your department: give --encryption-key FILE".into(),
			))
		},
		(true, Some(key_file)) => {
			let sealed = match contract {
				Some(contract) => {
					let record =
						found(ctx.node.contract(contract, None).await?, "contract", contract)?;
					record.envelope.map(|e| e.0).ok_or_else(|| {
						Failure::Refused(format!("contract {contract} carries no key envelope"))
					})?
				},
				None => own_envelope.ok_or_else(|| {
					Failure::Refused(
						"an encrypted delivery with neither a contract nor a key envelope".into(),
					)
				})?,
			};
			let secret = keys::read_encryption_key(key_file)?;
			let key: [u8; crypt::KEY_LEN] =
				envelope::open(&sealed, &secret)?.try_into().map_err(|_| {
					Failure::Refused("the envelope does not hold a 32-byte data key".into())
				})?;
			Some(key)
		},
	};

	// One pass: each piece is decrypted (a batch of chunks at a time, each
	// chunk checked), hashed and written as it arrives.
	let plain = a.out.with_extension("download");
	let (digest, size) = receive(response, limit, key.as_ref(), code, &plain)
		.await
		.inspect_err(|_| drop(fs::remove_file(&plain)))?;
	let matched = digest == expected;
	report_receipt(ctx, contract, a.no_confirm, code, digest.clone(), matched).await?;
	if matched {
		fs::rename(&plain, &a.out)?;
		println!("{}: {size} bytes, hash verified", a.out.display());
		Ok(())
	} else {
		let kept = a.out.with_extension("mismatch");
		fs::rename(&plain, &kept)?;
		Err(Failure::HashMismatch(format!(
			"dataset {} on chain has {}, the data fetched has {} (kept as {})",
			a.dataset,
			hex::encode(&expected),
			hex::encode(&digest),
			kept.display()
		)))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use citychain_client::primitives::geometry::fixed;

	#[derive(clap::Parser)]
	struct Register {
		#[command(flatten)]
		args: RegisterArgs,
	}

	fn register(extra: &[&str]) -> Result<RegisterArgs, clap::Error> {
		use clap::Parser;
		let base =
			["register", "a.csv", "--title", "T", "--uri", "https://g/x", "--license", "MIT"];
		Register::try_parse_from(base.iter().chain(extra)).map(|r| r.args)
	}

	#[test]
	fn media_types_come_from_the_table_the_portal_shares() {
		let of = |name: &str| media_type(Path::new(name));
		assert_eq!(of("roads.GeoJSON"), "application/geo+json");
		assert_eq!(of("parcels.json"), "application/json", "JSON is not GeoJSON unless it says so");
		assert_eq!(of("dem.tif"), "image/tiff; application=geotiff");
		assert_eq!(of("trips.parquet"), "application/vnd.apache.parquet");
		assert_eq!(of("archive.7z"), "application/octet-stream");
		assert_eq!(of("README"), "application/octet-stream");
	}

	#[test]
	fn the_chains_vocabularies_are_values_clap_checks() {
		let a = register(&["--topic", "transportation", "--hash", "sha2-256"]).unwrap();
		assert_eq!(a.topic, TopicCategory::Transportation);
		assert_eq!(a.hash.code(), 0x12);
		assert_eq!(
			(a.policy, a.sensitivity),
			(AccessPolicy::ApprovalRequired, Sensitivity::Internal)
		);
		for bad in [
			["--topic", "traffic", "--hash", "sha2-256"],
			["--topic", "farming", "--hash", "md5"],
			["--topic", "farming", "--policy", "Open"],
		] {
			let refused = register(&bad).err();
			let kind = refused.map(|e| e.kind());
			assert_eq!(kind, Some(clap::error::ErrorKind::InvalidValue), "{bad:?}");
		}
		// the names are the ones JSON gives (the node's answers, the portal)
		use citychain_client::rpc::api::json_name;
		assert!(TopicCategory::ALL.iter().all(|t| json_name(t) == t.as_str()));
		assert!(AccessPolicy::ALL.iter().all(|p| json_name(p) == p.as_str()));
		let states = citychain_client::primitives::access::ContractState::ALL;
		assert!(states.iter().all(|s| json_name(s) == s.as_str()));
	}

	#[test]
	fn fixed_point_rounds() {
		assert_eq!(fixed(116.3974), 1_163_974_000);
		assert_eq!(fixed(-0.00000005), -1);
	}
}
