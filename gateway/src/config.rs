//! Settings from flags, a TOML file (`--config`), and defaults, in that order.

use citychain_client::store::Location;
use clap::Parser;
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

/// Serves a provider department's data files to holders of an approved
/// access contract, and a STAC API over the chain's dataset registry.
#[derive(Debug, Default, Parser)]
#[command(name = "citychain-gateway", version)]
pub struct Flags {
	/// A TOML file with any of the settings below (flags take precedence).
	#[arg(long, value_name = "FILE")]
	pub config: Option<PathBuf>,
	/// The node's JSON-RPC WebSocket URL [default: ws://127.0.0.1:9944].
	#[arg(long, value_name = "URL")]
	pub node: Option<String>,
	/// Address to listen on [default: 127.0.0.1:8080].
	#[arg(long, value_name = "ADDR")]
	pub listen: Option<SocketAddr>,
	/// The gateway's own files (the journal of signed requests seen), and
	/// the data store unless `--store` names another [default: ./data].
	#[arg(long, value_name = "DIR")]
	pub data_dir: Option<PathBuf>,
	/// The data store, where the datasets' files are: a directory, or an
	/// S3-compatible bucket `s3://bucket/prefix` whose endpoint and
	/// credentials come from the AWS variables (`AWS_ENDPOINT_URL`,
	/// `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`)
	/// [default: the data directory].
	#[arg(long, value_name = "DIR|URL")]
	pub store: Option<String>,
	/// The URL clients reach this gateway at, for links in STAC documents
	/// [default: http://<listen>].
	#[arg(long, value_name = "URL")]
	pub public_url: Option<String>,
	/// How far a request's signed time may be from the gateway's clock, in
	/// seconds [default: 60].
	#[arg(long, value_name = "SECONDS")]
	pub max_clock_skew: Option<u64>,
	/// Signed data requests one account may make per minute [default: 600].
	#[arg(long, value_name = "N")]
	pub account_rate: Option<u32>,
	/// Signed data requests one network address may make per minute
	/// [default: 1200].
	#[arg(long, value_name = "N")]
	pub address_rate: Option<u32>,
	/// Requests of any kind one network address may make per minute: the
	/// catalogue, the portal's files, the relay's upgrades [default: 6000].
	#[arg(long, value_name = "N")]
	pub read_rate: Option<u32>,
	/// Catalogue reads (searches, collections, items) one network address
	/// may have in progress at once [default: 2].
	#[arg(long, value_name = "N")]
	pub searches_per_address: Option<usize>,
	/// A reverse proxy in front of the gateway (its address), whose
	/// `X-Forwarded-For` says where requests come from; repeat for several
	/// [default: none: every peer is a client].
	#[arg(long = "trusted-proxy", value_name = "IP")]
	pub trusted_proxies: Vec<std::net::IpAddr>,
	/// A file (mode 600) of secret URIs, one per line, of accounts that
	/// report deliveries on chain, each a member of a department whose data
	/// this gateway serves; contracts that limit their deliveries are served
	/// only by a gateway that can report for their provider [default: none].
	#[arg(long, value_name = "FILE")]
	pub reporter_keys: Option<PathBuf>,
	/// The department whose files this gateway stores: uploads of other
	/// departments' datasets are refused [default: none, any department's,
	/// for a development chain only].
	#[arg(long, value_name = "ID")]
	pub department: Option<u32>,
	/// Free space, in MiB, that uploads leave in the data store's file
	/// system [default: 1024].
	#[arg(long, value_name = "MiB")]
	pub store_reserve: Option<u64>,
	/// Uploads received at once, at most [default: 4].
	#[arg(long, value_name = "N")]
	pub max_uploads: Option<usize>,
	/// JSON-RPC requests one account may relay to the node per minute, over
	/// all its portal sessions [default: 3000].
	#[arg(long, value_name = "N")]
	pub relay_rate: Option<u32>,
	/// Bulk exports (`GET /export`) one account may start per minute
	/// [default: 2].
	#[arg(long, value_name = "N")]
	pub export_rate: Option<u32>,
	/// Log lines as `text` or `json` [default: text].
	#[arg(long, value_name = "FORMAT")]
	pub log_format: Option<LogFormat>,
	/// An origin browsers may call the gateway from, e.g.
	/// `https://portal.city.example`; repeat for several [default: any].
	#[arg(long = "cors-origin", value_name = "ORIGIN")]
	pub cors_origins: Vec<String>,
	/// The built portal (`web/dist`), served at `/explorer/` [default: none].
	#[arg(long, value_name = "DIR")]
	pub explorer_dir: Option<PathBuf>,
	/// The portal's base map: an XYZ raster tile URL template such as
	/// `https://tiles.city.example/{z}/{x}/{y}.png` [default: none, a plain
	/// background with a graticule].
	#[arg(long, value_name = "URL")]
	pub explorer_tiles: Option<String>,
	/// Serve HTTPS with this PEM certificate chain (with `--tls-key`); the
	/// pair is read again when either file changes [default: none, plain
	/// HTTP].
	#[arg(long, value_name = "FILE", requires = "tls_key")]
	pub tls_cert: Option<PathBuf>,
	/// The PEM private key of `--tls-cert`.
	#[arg(long, value_name = "FILE", requires = "tls_cert")]
	pub tls_key: Option<PathBuf>,
	/// Serve Prometheus metrics at `/metrics` on this address, apart from
	/// the public one [default: none, no metrics served].
	#[arg(long, value_name = "ADDR")]
	pub metrics_listen: Option<SocketAddr>,
	/// Event streams (`GET /events` as Server-Sent Events) open at once, at
	/// most [default: 256].
	#[arg(long, value_name = "N")]
	pub max_event_streams: Option<usize>,
	/// The wait before a webhook's second try, in ms; each later try waits
	/// twice as long as the one before [default: 5000].
	#[arg(long, value_name = "MS")]
	pub webhook_retry_ms: Option<u64>,
	/// Tries of a webhook delivery before it goes to the dead letters
	/// [default: 8].
	#[arg(long, value_name = "N")]
	pub webhook_attempts: Option<u32>,
	/// Let webhooks reach loopback and private addresses (a gateway whose
	/// subscribers are on its own network) [default: public ones only].
	#[arg(long)]
	pub webhook_allow_private: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
	#[default]
	Text,
	Json,
}

/// The settings file: the same names as the flags, with underscores.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
	node: Option<String>,
	listen: Option<SocketAddr>,
	data_dir: Option<PathBuf>,
	store: Option<String>,
	public_url: Option<String>,
	max_clock_skew: Option<u64>,
	account_rate: Option<u32>,
	address_rate: Option<u32>,
	relay_rate: Option<u32>,
	export_rate: Option<u32>,
	read_rate: Option<u32>,
	searches_per_address: Option<usize>,
	trusted_proxies: Option<Vec<std::net::IpAddr>>,
	department: Option<u32>,
	reporter_keys: Option<PathBuf>,
	store_reserve: Option<u64>,
	max_uploads: Option<usize>,
	log_format: Option<LogFormat>,
	cors_origins: Option<Vec<String>>,
	explorer_dir: Option<PathBuf>,
	explorer_tiles: Option<String>,
	tls_cert: Option<PathBuf>,
	tls_key: Option<PathBuf>,
	metrics_listen: Option<SocketAddr>,
	max_event_streams: Option<usize>,
	webhook_retry_ms: Option<u64>,
	webhook_attempts: Option<u32>,
	webhook_allow_private: Option<bool>,
}

/// The gateway's settings.
#[derive(Clone, Debug)]
pub struct Settings {
	pub node: String,
	pub listen: SocketAddr,
	pub data_dir: PathBuf,
	pub store: Location,
	/// Without a trailing slash.
	pub public_url: String,
	pub max_clock_skew_ms: u64,
	pub account_rate: u32,
	pub address_rate: u32,
	pub relay_rate: u32,
	pub export_rate: u32,
	pub read_rate: u32,
	pub searches_per_address: usize,
	/// Reverse proxies whose `X-Forwarded-For` is believed.
	pub trusted_proxies: Vec<std::net::IpAddr>,
	/// The department whose files this gateway stores, if it is bound to one.
	pub department: Option<u32>,
	pub reporter_keys: Option<PathBuf>,
	/// Bytes an upload must leave free in the data store.
	pub store_reserve: u64,
	pub max_uploads: usize,
	pub log_format: LogFormat,
	/// Origins browsers may call from; empty: any.
	pub cors_origins: Vec<String>,
	/// The built portal, if this gateway serves it.
	pub explorer_dir: Option<PathBuf>,
	/// The portal's base map tiles, if any.
	pub explorer_tiles: Option<String>,
	/// The certificate chain and key files, if the gateway serves HTTPS.
	pub tls: Option<crate::tls::Files>,
	/// Where `/metrics` is served, if anywhere.
	pub metrics_listen: Option<SocketAddr>,
	pub max_event_streams: usize,
	pub webhook_retry_ms: u64,
	pub webhook_attempts: u32,
	pub webhook_allow_private: bool,
}

impl Settings {
	pub fn resolve(flags: Flags) -> Result<Self, String> {
		let file = match &flags.config {
			Some(path) => {
				let text = std::fs::read_to_string(path)
					.map_err(|e| format!("{}: {e}", path.display()))?;
				toml::from_str::<File>(&text).map_err(|e| format!("{}: {e}", path.display()))?
			},
			None => File::default(),
		};
		let listen = flags
			.listen
			.or(file.listen)
			.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
		let tls = match (flags.tls_cert.or(file.tls_cert), flags.tls_key.or(file.tls_key)) {
			(Some(cert), Some(key)) => Some(crate::tls::Files { cert, key }),
			(None, None) => None,
			_ => return Err("tls_cert and tls_key go together".into()),
		};
		let scheme = if tls.is_some() { "https" } else { "http" };
		let public_url = flags
			.public_url
			.or(file.public_url)
			.unwrap_or_else(|| format!("{scheme}://{listen}"));
		let node = flags.node.or(file.node).unwrap_or_else(|| "ws://127.0.0.1:9944".into());
		let data_dir = flags.data_dir.or(file.data_dir).unwrap_or_else(|| "data".into());
		Ok(Self {
			explorer_dir: flags.explorer_dir.or(file.explorer_dir),
			explorer_tiles: flags.explorer_tiles.or(file.explorer_tiles),
			tls,
			metrics_listen: flags.metrics_listen.or(file.metrics_listen),
			max_event_streams: flags
				.max_event_streams
				.or(file.max_event_streams)
				.unwrap_or(256)
				.max(1),
			webhook_retry_ms: flags
				.webhook_retry_ms
				.or(file.webhook_retry_ms)
				.unwrap_or(5000)
				.max(1),
			webhook_attempts: flags.webhook_attempts.or(file.webhook_attempts).unwrap_or(8).max(1),
			webhook_allow_private: flags.webhook_allow_private
				|| file.webhook_allow_private.unwrap_or(false),
			node,
			listen,
			store: match flags.store.or(file.store) {
				Some(store) => Location::parse(&store)?,
				None => Location::Dir(data_dir.clone()),
			},
			data_dir,
			public_url: public_url.trim_end_matches('/').to_string(),
			max_clock_skew_ms: flags.max_clock_skew.or(file.max_clock_skew).unwrap_or(60) * 1000,
			account_rate: flags.account_rate.or(file.account_rate).unwrap_or(600),
			address_rate: flags.address_rate.or(file.address_rate).unwrap_or(1200),
			relay_rate: flags.relay_rate.or(file.relay_rate).unwrap_or(3000),
			export_rate: flags.export_rate.or(file.export_rate).unwrap_or(2),
			read_rate: flags.read_rate.or(file.read_rate).unwrap_or(6000),
			searches_per_address: flags
				.searches_per_address
				.or(file.searches_per_address)
				.unwrap_or(2)
				.max(1),
			trusted_proxies: match flags.trusted_proxies {
				flags if !flags.is_empty() => flags,
				_ => file.trusted_proxies.unwrap_or_default(),
			},
			department: flags.department.or(file.department),
			reporter_keys: flags.reporter_keys.or(file.reporter_keys),
			store_reserve: flags.store_reserve.or(file.store_reserve).unwrap_or(1024) << 20,
			max_uploads: flags.max_uploads.or(file.max_uploads).unwrap_or(4).max(1),
			log_format: flags.log_format.or(file.log_format).unwrap_or_default(),
			cors_origins: match flags.cors_origins {
				flags if !flags.is_empty() => flags,
				_ => file.cors_origins.unwrap_or_default(),
			},
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn flags_override_the_file_which_overrides_defaults() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("gateway.toml");
		std::fs::write(
			&path,
			"node = \"ws://node:9944\"\nlisten = \"0.0.0.0:9000\"\nmax_clock_skew = 30\n",
		)
		.unwrap();
		let s = Settings::resolve(Flags {
			config: Some(path),
			listen: Some("127.0.0.1:7000".parse().unwrap()),
			..Default::default()
		})
		.unwrap();
		assert_eq!(s.node, "ws://node:9944");
		assert_eq!(s.listen.to_string(), "127.0.0.1:7000");
		assert_eq!(s.public_url, "http://127.0.0.1:7000");
		assert_eq!(s.max_clock_skew_ms, 30_000);
		assert_eq!((s.account_rate, s.address_rate), (600, 1200));
		assert_eq!(s.data_dir, PathBuf::from("data"));
		assert_eq!(s.store, Location::Dir("data".into()), "the store is the data directory");
		assert!(s.cors_origins.is_empty(), "any origin by default");
	}

	#[test]
	fn cors_origins_come_from_flags_or_the_file() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("gateway.toml");
		std::fs::write(&path, "cors_origins = [\"https://portal.example\"]\n").unwrap();
		let from_file =
			Settings::resolve(Flags { config: Some(path.clone()), ..Default::default() }).unwrap();
		assert_eq!(from_file.cors_origins, ["https://portal.example"]);
		let flags = Flags {
			config: Some(path),
			cors_origins: vec!["https://gis.example".into()],
			..Default::default()
		};
		assert_eq!(Settings::resolve(flags).unwrap().cors_origins, ["https://gis.example"]);
	}

	#[test]
	fn the_store_may_be_a_bucket() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("gateway.toml");
		std::fs::write(&path, "data_dir = \"/var/lib/gw\"\nstore = \"s3://city/transport\"\n")
			.unwrap();
		let s = Settings::resolve(Flags { config: Some(path), ..Default::default() }).unwrap();
		assert_eq!(s.data_dir, PathBuf::from("/var/lib/gw"));
		assert_eq!(s.store, Location::Bucket { bucket: "city".into(), prefix: "transport".into() });
		let refused = Flags { store: Some("ftp://x".into()), ..Default::default() };
		assert!(Settings::resolve(refused).is_err());
	}

	#[test]
	fn tls_files_come_as_a_pair_and_make_the_public_url_https() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("gateway.toml");
		std::fs::write(
			&path,
			"tls_cert = \"/etc/gw/cert.pem\"\nmetrics_listen = \"127.0.0.1:9616\"\n",
		)
		.unwrap();
		let half = Flags { config: Some(path.clone()), ..Default::default() };
		assert!(Settings::resolve(half).is_err(), "a certificate without its key");
		let s = Settings::resolve(Flags {
			config: Some(path),
			tls_key: Some("/etc/gw/key.pem".into()),
			..Default::default()
		})
		.unwrap();
		let tls = s.tls.expect("TLS on");
		assert_eq!(
			(tls.cert.to_str(), tls.key.to_str()),
			(Some("/etc/gw/cert.pem"), Some("/etc/gw/key.pem"))
		);
		assert_eq!(s.public_url, "https://127.0.0.1:8080");
		assert_eq!(s.metrics_listen, Some("127.0.0.1:9616".parse().unwrap()));
		let plain = Settings::resolve(Flags::default()).unwrap();
		assert!(plain.tls.is_none() && plain.metrics_listen.is_none(), "both off by default");
	}

	#[test]
	fn unknown_settings_are_refused() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("gateway.toml");
		std::fs::write(&path, "nodes = \"ws://x\"\n").unwrap();
		assert!(Settings::resolve(Flags { config: Some(path), ..Default::default() }).is_err());
	}
}
