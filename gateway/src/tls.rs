//! HTTPS without a proxy in front: rustls over the public listener, with a
//! PEM certificate chain and private key (`--tls-cert`, `--tls-key`).
//!
//! The files are read again every [`RELOAD_INTERVAL`]; when they changed and
//! make a good pair (the key is the certificate's), new connections get the
//! new certificate and open ones keep theirs. A bad pair (half-copied, the
//! key of another certificate) is logged once and the old pair kept, so a
//! rotation can write the two files in either order.
//!
//! Handshakes run beside the accept loop, each bounded by
//! [`HANDSHAKE_TIMEOUT`] and at most [`MAX_HANDSHAKES`] at once, of which
//! one address (an IPv6 /64) holds at most [`MAX_HANDSHAKES_PER_ADDRESS`]
//! (its next connection is closed at once): a stranger who connects and
//! sends nothing holds no more than its share of slots for that long and
//! never delays the connections behind it; filling every slot takes
//! [`MAX_HANDSHAKES`] / [`MAX_HANDSHAKES_PER_ADDRESS`] networks.

use crate::guard::{InFlight, Peer};
use rustls::{
	pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
	ServerConfig,
};
use std::{io, net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use tokio::{
	net::{TcpListener, TcpStream},
	sync::{mpsc, watch, Semaphore},
};
use tokio_rustls::{server::TlsStream, TlsAcceptor};

/// How often the certificate and key files are read for a change.
pub const RELOAD_INTERVAL: Duration = Duration::from_secs(2);
/// How long a client may take to complete its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at once; further connections wait in the
/// kernel's backlog until one ends.
pub const MAX_HANDSHAKES: usize = 1024;
/// Handshakes in progress at once from one address.
pub const MAX_HANDSHAKES_PER_ADDRESS: usize = 16;
/// Handshaken connections not yet taken by the server.
const READY_QUEUE: usize = 64;

/// The certificate chain and private key files.
#[derive(Clone, Debug)]
pub struct Files {
	pub cert: PathBuf,
	pub key: PathBuf,
}

/// The two files' contents.
#[derive(PartialEq, Eq)]
struct Pair {
	cert: Vec<u8>,
	key: Vec<u8>,
}

impl Files {
	async fn read(&self) -> io::Result<Pair> {
		let cert = tokio::fs::read(&self.cert).await?;
		let key = tokio::fs::read(&self.key).await?;
		Ok(Pair { cert, key })
	}
}

/// A server configuration serving `pair`, if it is a certificate chain and
/// the private key of its first certificate.
fn server_config(pair: &Pair) -> Result<Arc<ServerConfig>, String> {
	let chain = CertificateDer::pem_slice_iter(&pair.cert)
		.collect::<Result<Vec<_>, _>>()
		.map_err(|e| format!("the certificate file: {e}"))?;
	if chain.is_empty() {
		return Err("the certificate file holds no certificate".into());
	}
	let key = PrivateKeyDer::from_pem_slice(&pair.key).map_err(|e| format!("the key file: {e}"))?;
	let mut config =
		ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
			.with_safe_default_protocol_versions()
			.map_err(|e| e.to_string())?
			.with_no_client_auth()
			.with_single_cert(chain, key)
			.map_err(|e| format!("the certificate and key: {e}"))?;
	// HTTP/1.1 only: the gateway's server speaks no HTTP/2, and the relay's
	// WebSocket upgrade is an HTTP/1.1 one.
	config.alpn_protocols = vec![b"http/1.1".to_vec()];
	Ok(Arc::new(config))
}

/// The pair being served, and what the files last held.
pub struct Certificate {
	files: Files,
	config: Arc<ServerConfig>,
	/// The files' contents at the last look, `None` if they could not be
	/// read then: each change is tried, and logged, once.
	seen: Option<Pair>,
}

/// What a look at the files found.
#[derive(Debug, PartialEq, Eq)]
pub enum Reload {
	Unchanged,
	Loaded,
	/// The new contents, or the files, could not be used: the old pair stays.
	Kept(String),
}

impl Certificate {
	/// Reads the pair at start; an error here stops the gateway.
	pub async fn load(files: Files) -> Result<Self, String> {
		let pair = files.read().await.map_err(|e| {
			format!("cannot read {} or {}: {e}", files.cert.display(), files.key.display())
		})?;
		let config = server_config(&pair)?;
		Ok(Self { files, config, seen: Some(pair) })
	}

	/// Reads the files again and serves their pair if it changed and is good.
	pub async fn reload(&mut self) -> Reload {
		let outcome = match self.files.read().await {
			Err(e) if self.seen.is_some() => {
				self.seen = None;
				Reload::Kept(format!("cannot read the certificate or key file: {e}"))
			},
			Err(_) => Reload::Unchanged,
			Ok(pair) if self.seen.as_ref() == Some(&pair) => Reload::Unchanged,
			Ok(pair) => {
				let outcome = match server_config(&pair) {
					Ok(config) => {
						self.config = config;
						Reload::Loaded
					},
					Err(e) => Reload::Kept(e),
				};
				self.seen = Some(pair);
				outcome
			},
		};
		match &outcome {
			Reload::Unchanged => {},
			Reload::Loaded => {
				crate::metrics::get().tls_reload("loaded");
				tracing::info!(target: "tls", cert = %self.files.cert.display(), "new certificate loaded");
			},
			Reload::Kept(e) => {
				crate::metrics::get().tls_reload("kept");
				tracing::warn!(target: "tls", cert = %self.files.cert.display(), "the certificate in use is kept: {e}");
			},
		}
		outcome
	}
}

/// The public listener with TLS: connections come out of it handshaken.
pub struct Listener {
	local: SocketAddr,
	ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
}

impl Listener {
	/// Accepts on `tcp` and serves `certificate`, watching its files.
	pub fn new(tcp: TcpListener, certificate: Certificate) -> io::Result<Self> {
		let local = tcp.local_addr()?;
		let (sender, ready) = mpsc::channel(READY_QUEUE);
		let (serving, config) = watch::channel(certificate.config.clone());
		tokio::spawn(watch_files(certificate, serving));
		tokio::spawn(accept(tcp, config, sender));
		Ok(Self { local, ready })
	}
}

/// Reloads the certificate every [`RELOAD_INTERVAL`] until the accept loop
/// has ended.
async fn watch_files(mut certificate: Certificate, serving: watch::Sender<Arc<ServerConfig>>) {
	let mut reload = tokio::time::interval(RELOAD_INTERVAL);
	reload.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	loop {
		tokio::select! {
			_ = serving.closed() => return,
			_ = reload.tick() => {
				if certificate.reload().await == Reload::Loaded {
					serving.send_replace(certificate.config.clone());
				}
			},
		}
	}
}

/// Accepts connections and starts their handshakes with the certificate
/// served at the time; ends when the server drops the listener.
async fn accept(
	tcp: TcpListener,
	config: watch::Receiver<Arc<ServerConfig>>,
	ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
	let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
	let per_address = Arc::new(InFlight::new(MAX_HANDSHAKES_PER_ADDRESS, MAX_HANDSHAKES));
	loop {
		let slot = tokio::select! {
			_ = ready.closed() => return,
			slot = handshakes.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
		};
		let (stream, peer) = tokio::select! {
			_ = ready.closed() => return,
			accepted = tcp.accept() => match accepted {
				Ok(accepted) => accepted,
				Err(e) => {
					accept_failed(e).await;
					continue;
				},
			},
		};
		let Some(own) = per_address.start(&network(peer.ip())) else {
			crate::metrics::get().tls_handshake_failed("busy");
			tracing::debug!(target: "tls", %peer, "refused: the address has as many handshakes under way as it may");
			continue;
		};
		let acceptor = TlsAcceptor::from(config.borrow().clone());
		let ready = ready.clone();
		tokio::spawn(async move {
			match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
				Ok(Ok(stream)) => {
					drop((slot, own));
					// Only fails once the server has stopped taking connections.
					let _ = ready.send((stream, peer)).await;
				},
				Ok(Err(e)) => {
					crate::metrics::get().tls_handshake_failed("error");
					tracing::debug!(target: "tls", %peer, "handshake failed: {e}");
				},
				Err(_) => {
					crate::metrics::get().tls_handshake_failed("timeout");
					tracing::debug!(target: "tls", %peer, "handshake timed out");
				},
			}
		});
	}
}

/// Whom a connection's handshake counts against: an IPv4 address, or the
/// /64 of an IPv6 address (what one subscriber is usually given, so that a
/// client cannot take a fresh share with each address of its prefix).
pub fn network(ip: std::net::IpAddr) -> String {
	match ip {
		std::net::IpAddr::V4(v4) => v4.to_string(),
		std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
			Some(v4) => v4.to_string(),
			None => {
				let s = v6.segments();
				format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
			},
		},
	}
}

/// A failed `accept`: a connection that went away before it was taken is
/// nothing; anything else (out of file descriptors) is logged and waited
/// out, as axum's own listener does.
async fn accept_failed(e: io::Error) {
	use io::ErrorKind::*;
	if matches!(e.kind(), ConnectionAborted | ConnectionReset | ConnectionRefused) {
		return;
	}
	tracing::error!(target: "tls", "accept failed: {e}");
	tokio::time::sleep(Duration::from_secs(1)).await;
}

impl axum::serve::Listener for Listener {
	type Io = TlsStream<TcpStream>;
	type Addr = SocketAddr;

	async fn accept(&mut self) -> (Self::Io, Self::Addr) {
		match self.ready.recv().await {
			Some(connection) => connection,
			// The accept task ends only after this listener is dropped.
			None => std::future::pending().await,
		}
	}

	fn local_addr(&self) -> io::Result<Self::Addr> {
		Ok(self.local)
	}
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, Listener>> for Peer {
	fn connect_info(stream: axum::serve::IncomingStream<'_, Listener>) -> Self {
		Peer(*stream.remote_addr())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use rustls::pki_types::ServerName;
	use std::time::Instant;
	use tokio::io::{AsyncReadExt, AsyncWriteExt};

	/// A self-signed certificate for `localhost`: its PEM and its key's.
	fn self_signed() -> (String, String) {
		let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
		(made.serialize_pem().unwrap(), made.serialize_private_key_pem())
	}

	fn write(files: &Files, (cert, key): &(String, String)) {
		std::fs::write(&files.cert, cert).unwrap();
		std::fs::write(&files.key, key).unwrap();
	}

	fn files(dir: &tempfile::TempDir) -> Files {
		Files { cert: dir.path().join("cert.pem"), key: dir.path().join("key.pem") }
	}

	/// Two pairs, and files holding the first.
	struct Rotation {
		_dir: tempfile::TempDir,
		files: Files,
		first: (String, String),
		second: (String, String),
	}

	fn rotation() -> Rotation {
		let dir = tempfile::tempdir().unwrap();
		let files = files(&dir);
		let (first, second) = (self_signed(), self_signed());
		write(&files, &first);
		Rotation { _dir: dir, files, first, second }
	}

	#[tokio::test]
	async fn a_changed_pair_is_loaded_and_a_bad_one_leaves_the_old_in_place() {
		let Rotation { files, second, _dir, .. } = rotation();
		let mut certificate = Certificate::load(files.clone()).await.unwrap();
		assert_eq!(certificate.reload().await, Reload::Unchanged);
		// Half a rotation: the new certificate beside the old key.
		std::fs::write(&files.cert, &second.0).unwrap();
		let served = certificate.config.clone();
		assert!(
			matches!(certificate.reload().await, Reload::Kept(e) if e.contains("certificate and key"))
		);
		assert!(Arc::ptr_eq(&served, &certificate.config), "the old pair is kept");
		assert_eq!(certificate.reload().await, Reload::Unchanged, "each change is tried once");
		std::fs::write(&files.key, &second.1).unwrap();
		assert_eq!(certificate.reload().await, Reload::Loaded);
		// Files that vanish keep the pair served, and say so once.
		std::fs::remove_file(&files.key).unwrap();
		assert!(matches!(certificate.reload().await, Reload::Kept(_)));
		assert_eq!(certificate.reload().await, Reload::Unchanged);
		std::fs::write(&files.key, "not a key").unwrap();
		assert!(matches!(certificate.reload().await, Reload::Kept(e) if e.contains("key file")));
	}

	#[tokio::test]
	async fn a_bad_pair_at_start_is_an_error() {
		let dir = tempfile::tempdir().unwrap();
		let files = files(&dir);
		assert!(Certificate::load(files.clone()).await.is_err(), "missing files");
		let (one, other) = (self_signed(), self_signed());
		write(&files, &(one.0, other.1));
		assert!(Certificate::load(files.clone()).await.is_err(), "the key of another certificate");
		std::fs::write(&files.cert, "").unwrap();
		let e = Certificate::load(files).await.err().unwrap();
		assert!(e.contains("no certificate"), "{e}");
	}

	/// The certificate a TLS client trusting `trusted` is served at `address`
	/// when it connects from `from` (a loopback address), after a plain
	/// HTTP/1.1 request over it was answered.
	async fn served_certificate(address: SocketAddr, trusted: &str, from: &str) -> Vec<u8> {
		let mut roots = rustls::RootCertStore::empty();
		for cert in CertificateDer::pem_slice_iter(trusted.as_bytes()) {
			roots.add(cert.unwrap()).unwrap();
		}
		let config = rustls::ClientConfig::builder_with_provider(Arc::new(
			rustls::crypto::ring::default_provider(),
		))
		.with_safe_default_protocol_versions()
		.unwrap()
		.with_root_certificates(roots)
		.with_no_client_auth();
		let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
		let socket = tokio::net::TcpSocket::new_v4().unwrap();
		socket.bind(SocketAddr::new(from.parse().unwrap(), 0)).unwrap();
		let tcp = socket.connect(address).await.unwrap();
		let name = ServerName::try_from("localhost").unwrap();
		let mut tls = connector.connect(name, tcp).await.unwrap();
		tls.write_all(b"GET / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
			.await
			.unwrap();
		let mut answer = Vec::new();
		// The answer, whether or not the server's close is a clean one.
		let _ = tls.read_to_end(&mut answer).await;
		let answer = String::from_utf8(answer).unwrap();
		assert!(
			answer.starts_with("HTTP/1.1 200") && answer.ends_with(&format!("peer {from}")),
			"{answer}"
		);
		tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
	}

	/// Serves, over TLS with the certificate of `files`, a page that names
	/// the client's address; the address served at.
	async fn serve_peer_page(files: &Files) -> SocketAddr {
		let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
		let address = tcp.local_addr().unwrap();
		let listener = Listener::new(tcp, Certificate::load(files.clone()).await.unwrap()).unwrap();
		let app = axum::Router::new().route(
			"/",
			axum::routing::get(
				|axum::extract::ConnectInfo(Peer(peer)): axum::extract::ConnectInfo<Peer>| async move {
					format!("peer {}", peer.ip())
				},
			),
		);
		tokio::spawn(async move {
			axum::serve(listener, app.into_make_service_with_connect_info::<Peer>()).await
		});
		address
	}

	#[tokio::test]
	async fn new_connections_get_a_renewed_certificate_and_a_silent_one_delays_nobody() {
		let Rotation { files, first, second, _dir } = rotation();
		let address = serve_peer_page(&files).await;
		// A stranger who connects and never speaks.
		let _silent = TcpStream::connect(address).await.unwrap();
		let der = |pem: &str| CertificateDer::from_pem_slice(pem.as_bytes()).unwrap().to_vec();
		let served = tokio::time::timeout(
			Duration::from_secs(2),
			served_certificate(address, &first.0, "127.0.0.1"),
		);
		assert_eq!(served.await.expect("not held up by the silent connection"), der(&first.0));
		write(&files, &second);
		let renewed = Instant::now();
		loop {
			let mut roots = first.0.clone();
			roots.push_str(&second.0);
			if served_certificate(address, &roots, "127.0.0.1").await == der(&second.0) {
				break;
			}
			assert!(renewed.elapsed() < RELOAD_INTERVAL * 2, "the new certificate is not served");
			tokio::time::sleep(Duration::from_millis(100)).await;
		}
	}

	#[test]
	fn an_ipv6_client_counts_by_its_64() {
		let key = |ip: &str| network(ip.parse().unwrap());
		assert_eq!(key("2001:db8:1:2:3:4:5:6"), key("2001:db8:1:2:ffff::1"));
		assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
		assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
		assert_eq!(key("192.0.2.7"), "192.0.2.7");
	}

	#[tokio::test]
	async fn one_address_holds_at_most_its_share_of_handshakes() {
		let Rotation { files, first, _dir, .. } = rotation();
		let address = serve_peer_page(&files).await;
		// 127.0.0.1 holds its share with connections that never speak...
		let mut silent = Vec::new();
		for _ in 0..MAX_HANDSHAKES_PER_ADDRESS {
			silent.push(TcpStream::connect(address).await.unwrap());
		}
		// ...so its next one is closed at once, unanswered.
		let mut extra = TcpStream::connect(address).await.unwrap();
		let mut byte = [0u8; 1];
		let closed = tokio::time::timeout(Duration::from_secs(2), extra.read(&mut byte)).await;
		assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "{closed:?}");
		// Another address is served as ever.
		let served = tokio::time::timeout(
			Duration::from_secs(2),
			served_certificate(address, &first.0, "127.0.0.2"),
		);
		let der = CertificateDer::from_pem_slice(first.0.as_bytes()).unwrap().to_vec();
		assert_eq!(served.await.expect("another address is not held up"), der);
		// Once the silent ones go, 127.0.0.1 is served again.
		drop(silent);
		tokio::time::sleep(Duration::from_millis(200)).await;
		assert_eq!(served_certificate(address, &first.0, "127.0.0.1").await, der);
	}
}
