//! Webhook deliveries: each event a subscription gets is POSTed to its
//! webhook as JSON, signed with the subscription's secret:
//! `X-CityChain-Signature: t=<ms>,v1=<hex>` where the hex is the keyed
//! BLAKE3 hash, under the 32-byte secret, of `<ms>.<body>`. A delivery that
//! does not get a 2xx answer within [`TIMEOUT`] is tried again after
//! `retry_ms`, then twice that, and so on (at most [`MAX_BACKOFF_MS`]
//! apart); after `attempts` tries it goes to the subscription's dead
//! letters. Every try is in the subscription's delivery log (the last
//! [`LOG_LINES`]). The queue, logs and dead letters are kept in the data
//! directory (`webhooks.json`), so deliveries resume after a restart.
//!
//! Webhooks reach only public addresses unless the operator allows private
//! ones (`--webhook-allow-private`): a URL naming a loopback, private,
//! link-local or otherwise special address is refused when it is saved,
//! and the names a webhook's host resolves to are checked again at each
//! try, on the connection made (no redirects are followed).

use super::cursor::Cursor;
use serde::{Deserialize, Serialize};
use std::{
	collections::{BTreeMap, VecDeque},
	io,
	net::{IpAddr, SocketAddr},
	path::{Path, PathBuf},
	sync::{Arc, Mutex},
	time::Duration,
};

const FILE: &str = "webhooks.json";
/// How long one try may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between two tries.
pub const MAX_BACKOFF_MS: u64 = 3_600_000;
/// Tries of a subscription's log kept.
pub const LOG_LINES: usize = 100;
/// Dead letters of a subscription kept.
pub const DEAD_LETTERS: usize = 100;
/// Deliveries waiting in all, at most; beyond, the oldest go to the dead
/// letters unsent.
pub const MAX_PENDING: usize = 100_000;
/// Tries made at once.
const AT_ONCE: usize = 8;
/// The longest webhook URL.
pub const MAX_URL_BYTES: usize = 512;

/// The wait before try `attempt + 1` after `attempt` failed tries.
pub fn backoff(retry_ms: u64, attempt: u32) -> u64 {
	let doublings = attempt.saturating_sub(1).min(32);
	retry_ms.saturating_mul(1u64 << doublings).min(MAX_BACKOFF_MS)
}

/// The `X-CityChain-Signature` of delivery `delivery` (its
/// `X-CityChain-Delivery`) of `body` sent at `time_ms` under `secret`.
pub fn signature(secret: &[u8; 32], time_ms: u64, delivery: &str, body: &[u8]) -> String {
	let mut hasher = blake3::Hasher::new_keyed(secret);
	hasher.update(time_ms.to_string().as_bytes());
	hasher.update(b".");
	hasher.update(delivery.as_bytes());
	hasher.update(b".");
	hasher.update(body);
	format!("t={time_ms},v1={}", hasher.finalize().to_hex())
}

/// Whether `ip` is an address a webhook may reach without the operator's
/// leave: not loopback, private, link-local, shared, unspecified, multicast,
/// broadcast, documentation or reserved.
pub fn is_public(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(v4) => {
			let [a, b, ..] = v4.octets();
			!(v4.is_loopback()
				|| v4.is_private()
				|| v4.is_link_local()
				|| v4.is_unspecified()
				|| v4.is_multicast()
				|| v4.is_broadcast()
				|| v4.is_documentation()
				|| a == 0 || (a == 100 && (64..128).contains(&b))
				|| (a == 192 && b == 0)
				|| (a == 192 && b == 88 && v4.octets()[2] == 99)
				|| (a == 198 && (18..20).contains(&b))
				|| a >= 240)
		},
		IpAddr::V6(v6) => {
			if let Some(v4) = v6.to_ipv4_mapped() {
				return is_public(IpAddr::V4(v4));
			}
			let s = v6.segments();
			if s[0] == 0x2002 {
				// 6to4: as public as the IPv4 address it carries.
				let [a, b] = s[1].to_be_bytes();
				let [c, d] = s[2].to_be_bytes();
				return is_public(IpAddr::from([a, b, c, d]));
			}
			!(v6.is_loopback()
				|| v6.is_unspecified()
				|| v6.is_multicast()
				|| s[..6] == [0; 6]
				|| (s[0] & 0xfe00) == 0xfc00
				|| (s[0] & 0xffc0) == 0xfe80
				|| (s[0] & 0xffc0) == 0xfec0
				|| s[0] == 0x2001 && (s[1] == 0x0db8 || s[1] == 0)
				|| s[..4] == [0x0100, 0, 0, 0]
				|| s[0] == 0x0064)
		},
	}
}

/// A webhook URL as given: `http` or `https`, a host, no user or password,
/// at most [`MAX_URL_BYTES`]; an address it names outright must be public
/// unless `allow_private`.
pub fn check_url(text: &str, allow_private: bool) -> Result<url::Url, String> {
	if text.len() > MAX_URL_BYTES {
		return Err(format!("webhook: at most {MAX_URL_BYTES} bytes"));
	}
	let url = url::Url::parse(text).map_err(|e| format!("webhook: {e}"))?;
	if !matches!(url.scheme(), "http" | "https") {
		return Err("webhook: an http or https URL".into());
	}
	if !url.username().is_empty() || url.password().is_some() {
		return Err("webhook: no user or password in the URL".into());
	}
	let named = match url.host() {
		None => return Err("webhook: the URL names no host".into()),
		Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
		Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
		Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
			Some(IpAddr::from([127, 0, 0, 1]))
		},
		Some(url::Host::Domain(_)) => None,
	};
	if !allow_private && !matches!(url.port_or_known_default(), Some(80 | 443)) {
		return Err("webhook: port 80 or 443 (the gateway's operator may allow others)".into());
	}
	if let Some(ip) = named.filter(|ip| !allow_private && !is_public(*ip)) {
		return Err(format!(
			"webhook: {ip} is not a public address (the gateway's operator may allow private ones)"
		));
	}
	Ok(url)
}

/// Resolves a webhook's host to its public addresses only (all of them, if
/// the operator allows private ones): the check is made on the addresses
/// the connection uses, so a name cannot change its answer between the
/// check and the connection.
struct PublicOnly {
	allow_private: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
	fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
		let allow_private = self.allow_private;
		Box::pin(async move {
			let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
			let kept: Vec<SocketAddr> =
				found.filter(|a| allow_private || is_public(a.ip())).collect();
			if kept.is_empty() {
				return Err(format!("{} has no public address", name.as_str()).into());
			}
			Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
		})
	}
}

/// The class of a try that got no answer, as the delivery log says it:
/// `dns` (the host has no public address, or none), `refused`, `timeout`,
/// `tls`, else `connect` or `request`. Never the error's text, which names
/// the URL with its query.
fn failure(e: &reqwest::Error) -> &'static str {
	use std::error::Error;
	let mut chain = std::iter::successors(e.source(), |&s| s.source());
	let class = chain.find_map(|s| {
		if let Some(io) = s.downcast_ref::<io::Error>() {
			match io.kind() {
				io::ErrorKind::ConnectionRefused => return Some("refused"),
				io::ErrorKind::TimedOut => return Some("timeout"),
				_ => {},
			}
		}
		if s.downcast_ref::<rustls::Error>().is_some() {
			return Some("tls");
		}
		let text = s.to_string();
		if text.contains("dns error") || text.contains("no public address") {
			return Some("dns");
		}
		None
	});
	match class {
		Some(class) => class,
		None if e.is_timeout() => "timeout",
		None if e.is_connect() => "connect",
		None => "request",
	}
}

/// A delivery waiting for its next try.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pending {
	pub subscription: String,
	pub cursor: Cursor,
	/// The JSON body.
	pub body: String,
	/// Tries made so far.
	pub attempts: u32,
	/// When the next try is due, ms since the epoch.
	pub due: u64,
}

/// One try, as the delivery log shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Try {
	pub cursor: Cursor,
	pub attempt: u32,
	pub time: u64,
	pub delivered: bool,
	/// `HTTP 204`, or why no answer came.
	pub outcome: String,
}

/// A delivery given up on.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dead {
	pub cursor: Cursor,
	pub attempts: u32,
	pub last: String,
	pub body: String,
}

#[derive(Default, Serialize, Deserialize)]
struct Queue {
	pending: Vec<Pending>,
	log: BTreeMap<String, VecDeque<Try>>,
	dead: BTreeMap<String, VecDeque<Dead>>,
	/// Per subscription, the last event queued: an event followed again
	/// after a restart is not queued twice.
	through: BTreeMap<String, Cursor>,
}

fn push_bounded<T>(list: &mut VecDeque<T>, item: T, most: usize) {
	if list.len() >= most {
		list.pop_front();
	}
	list.push_back(item);
}

impl Queue {
	fn bury(&mut self, p: Pending, last: String) {
		let dead = Dead { cursor: p.cursor, attempts: p.attempts, last, body: p.body };
		push_bounded(self.dead.entry(p.subscription).or_default(), dead, DEAD_LETTERS);
	}
}

/// Where deliveries stand, and how to make them.
pub struct Webhooks {
	path: PathBuf,
	queue: Mutex<Queue>,
	wake: tokio::sync::Notify,
	http: reqwest::Client,
	pub retry_ms: u64,
	pub attempts: u32,
	pub allow_private: bool,
}

/// What one try came to.
enum Outcome {
	Delivered(String),
	Failed(String),
	/// The subscription (or its webhook) is gone.
	Gone,
}

impl Webhooks {
	pub fn open(dir: &Path, retry_ms: u64, attempts: u32, allow_private: bool) -> io::Result<Self> {
		let path = dir.join(FILE);
		let queue = match std::fs::read(&path) {
			Ok(bytes) => serde_json::from_slice(&bytes)?,
			Err(e) if e.kind() == io::ErrorKind::NotFound => Queue::default(),
			Err(e) => return Err(e),
		};
		let http = reqwest::Client::builder()
			.no_proxy()
			.redirect(reqwest::redirect::Policy::none())
			.timeout(TIMEOUT)
			.connect_timeout(TIMEOUT / 2)
			.user_agent(concat!("citychain-gateway/", env!("CARGO_PKG_VERSION")))
			.dns_resolver(Arc::new(PublicOnly { allow_private }))
			.build()
			.map_err(io::Error::other)?;
		Ok(Self {
			path,
			queue: Mutex::new(queue),
			wake: Default::default(),
			http,
			retry_ms: retry_ms.max(1),
			attempts: attempts.max(1),
			allow_private,
		})
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
		self.queue.lock().unwrap_or_else(|p| p.into_inner())
	}

	fn save(&self, queue: &Queue) -> io::Result<()> {
		super::replace_file(&self.path, &serde_json::to_vec(queue)?)
	}

	/// Queues `(subscription, cursor, body)` deliveries, due now; those at or
	/// before a subscription's last queued event are left out.
	pub fn enqueue(&self, deliveries: Vec<(String, Cursor, String)>, now: u64) -> io::Result<()> {
		if deliveries.is_empty() {
			return Ok(());
		}
		let mut queue = self.lock();
		for (subscription, cursor, body) in deliveries {
			let through = queue.through.entry(subscription.clone()).or_default();
			if cursor <= *through {
				continue;
			}
			*through = cursor;
			if queue.pending.len() >= MAX_PENDING {
				let oldest = queue.pending.remove(0);
				queue.bury(oldest, "not sent: too many deliveries waiting".into());
			}
			queue
				.pending
				.push(Pending { subscription, cursor, body, attempts: 0, due: now });
		}
		self.save(&queue)?;
		drop(queue);
		self.wake.notify_one();
		Ok(())
	}

	/// Subscription `id`'s delivery log, dead letters and deliveries waiting.
	pub fn report(&self, id: &str) -> serde_json::Value {
		let queue = self.lock();
		let waiting: Vec<_> = queue
			.pending
			.iter()
			.filter(|p| p.subscription == id)
			.map(
				|p| serde_json::json!({ "cursor": p.cursor, "attempts": p.attempts, "due": p.due }),
			)
			.collect();
		serde_json::json!({
			"log": queue.log.get(id).cloned().unwrap_or_default(),
			"deadLetters": queue.dead.get(id).cloned().unwrap_or_default(),
			"pending": waiting,
		})
	}

	/// Forgets subscription `id`'s deliveries.
	pub fn forget(&self, id: &str) -> io::Result<()> {
		let mut queue = self.lock();
		queue.pending.retain(|p| p.subscription != id);
		queue.log.remove(id);
		queue.dead.remove(id);
		queue.through.remove(id);
		self.save(&queue)
	}

	async fn attempt(&self, subscriptions: &super::Subscriptions, p: &Pending) -> Outcome {
		let Some(sub) = subscriptions.get(&p.subscription) else { return Outcome::Gone };
		let (Some(webhook), Some(secret)) = (sub.webhook.as_deref(), sub.secret.as_deref()) else {
			return Outcome::Gone;
		};
		let Some(key) = hex::decode(secret).ok().and_then(|k| <[u8; 32]>::try_from(k).ok()) else {
			return Outcome::Failed("the subscription's secret is unreadable".into());
		};
		let url = match check_url(webhook, self.allow_private) {
			Ok(url) => url,
			Err(e) => return Outcome::Failed(e),
		};
		let time = citychain_client::auth::now_ms();
		let delivery = format!("{}/{}", p.subscription, p.cursor);
		let sent = self
			.http
			.post(url)
			.header(reqwest::header::CONTENT_TYPE, "application/json")
			.header("x-citychain-signature", signature(&key, time, &delivery, p.body.as_bytes()))
			.header("x-citychain-delivery", delivery)
			.header("x-citychain-attempt", (p.attempts + 1).to_string())
			.body(p.body.clone())
			.send()
			.await;
		match sent {
			Ok(r) if r.status().is_success() => Outcome::Delivered(format!("HTTP {}", r.status())),
			Ok(r) => Outcome::Failed(format!("HTTP {}", r.status())),
			Err(e) => Outcome::Failed(failure(&e).into()),
		}
	}

	/// Makes the deliveries as they fall due, for as long as the gateway
	/// runs.
	pub async fn run(self: Arc<Self>, subscriptions: Arc<super::Subscriptions>) {
		loop {
			let now = citychain_client::auth::now_ms();
			let (due, next) = {
				let mut queue = self.lock();
				queue.pending.sort_by_key(|p| (p.due, p.cursor));
				let ready = queue.pending.iter().take_while(|p| p.due <= now).count().min(AT_ONCE);
				let due: Vec<Pending> = queue.pending.drain(..ready).collect();
				(due, queue.pending.first().map(|p| p.due))
			};
			if due.is_empty() {
				let wait = next.map_or(1000, |n| n.saturating_sub(now).min(1000));
				let _ =
					tokio::time::timeout(Duration::from_millis(wait), self.wake.notified()).await;
				continue;
			}
			let outcomes =
				futures::future::join_all(due.iter().map(|p| self.attempt(&subscriptions, p)))
					.await;
			let now = citychain_client::auth::now_ms();
			let mut queue = self.lock();
			for (mut p, outcome) in due.into_iter().zip(outcomes) {
				p.attempts += 1;
				let (delivered, said) = match outcome {
					Outcome::Gone => continue,
					Outcome::Delivered(said) => (true, said),
					Outcome::Failed(said) => (false, said),
				};
				tracing::info!(
					target: "webhook",
					subscription = %p.subscription,
					cursor = %p.cursor,
					attempt = p.attempts,
					delivered,
					outcome = %said,
					"webhook try"
				);
				let tried = Try {
					cursor: p.cursor,
					attempt: p.attempts,
					time: now,
					delivered,
					outcome: said.clone(),
				};
				push_bounded(
					queue.log.entry(p.subscription.clone()).or_default(),
					tried,
					LOG_LINES,
				);
				if delivered {
					continue;
				}
				if p.attempts >= self.attempts {
					queue.bury(p, said);
				} else {
					p.due = now + backoff(self.retry_ms, p.attempts);
					queue.pending.push(p);
				}
			}
			if let Err(e) = self.save(&queue) {
				tracing::error!("cannot record the webhook deliveries: {e}");
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn tries_wait_twice_as_long_each_time_up_to_the_most() {
		assert_eq!([1, 2, 3, 4].map(|a| backoff(500, a)), [500, 1000, 2000, 4000]);
		assert_eq!(backoff(500, 40), MAX_BACKOFF_MS);
		assert_eq!(backoff(u64::MAX, 3), MAX_BACKOFF_MS);
	}

	#[test]
	fn the_signature_is_the_keyed_blake3_of_time_delivery_and_body() {
		let key = [7u8; 32];
		let (t, d, body) = (1_700_000_000_000, "s1/12-3", b"{\"a\":1}");
		let sig = signature(&key, t, d, body);
		let expected = blake3::keyed_hash(&key, b"1700000000000.s1/12-3.{\"a\":1}").to_hex();
		assert_eq!(sig, format!("t=1700000000000,v1={expected}"));
		assert_ne!(sig, signature(&[8u8; 32], t, d, body), "another key");
		assert_ne!(sig, signature(&key, t + 1, d, body), "another time");
		assert_ne!(sig, signature(&key, t, "s1/12-4", body), "another delivery");
	}

	#[tokio::test]
	async fn a_failed_try_is_logged_by_its_class_without_the_url() {
		let hooks = Webhooks::open(tempfile::tempdir().unwrap().path(), 100, 1, true).unwrap();
		let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
		let url = format!("http://{closed}/hook?token=secret");
		let refused = hooks.http.post(&url).send().await.unwrap_err();
		assert_eq!(failure(&refused), "refused");
		let strict = Webhooks::open(tempfile::tempdir().unwrap().path(), 100, 1, false).unwrap();
		let private = strict.http.post(url.replace(&closed.ip().to_string(), "localhost")).send();
		assert_eq!(failure(&private.await.unwrap_err()), "dns");
	}

	#[test]
	fn webhooks_reach_public_addresses_unless_the_operator_allows_private_ones() {
		for private in [
			"http://127.0.0.1:9000/hook",
			"http://localhost/hook",
			"http://10.1.2.3/",
			"http://172.16.0.1/",
			"http://192.168.1.1/",
			"http://169.254.169.254/latest/meta-data",
			"http://100.64.0.1/",
			"http://0.0.0.0/",
			"http://[::1]/",
			"http://[fd00::1]/",
			"http://[fe80::1]/",
			"http://[::ffff:127.0.0.1]/",
			"http://[::127.0.0.1]/",
			"http://[::a00:1]/",
			"http://[2002:7f00:1::]/",
			"http://[2002:a9fe:a9fe::1]/",
			"http://[2001:0:4136:e378::1]/",
			"http://[fec0::1]/",
			"http://[100::1]/",
			"http://192.88.99.1/",
			"https://hooks.example.org:22/x",
			"http://hooks.example.org:6379/",
		] {
			assert!(check_url(private, false).is_err(), "{private}");
			assert!(check_url(private, true).is_ok(), "{private} allowed");
		}
		for public in [
			"https://hooks.example.org/x",
			"http://8.8.8.8/",
			"https://[2606:4700::1111]/",
			"https://[2002:808:808::1]/",
			"http://hooks.example.org:443/",
		] {
			assert!(check_url(public, false).is_ok(), "{public}");
		}
		for bad in [
			"ftp://hooks.example/x",
			"https://user:pw@hooks.example/",
			"not a url",
			"file:///etc/passwd",
		] {
			assert!(check_url(bad, true).is_err(), "{bad}");
		}
		let long = format!("https://hooks.example/{}", "a".repeat(MAX_URL_BYTES));
		assert!(check_url(&long, true).is_err(), "too long");
	}

	#[test]
	fn an_event_is_queued_once_per_subscription_even_when_followed_again() {
		let dir = tempfile::tempdir().unwrap();
		let hooks = Webhooks::open(dir.path(), 100, 4, false).unwrap();
		let c = |block| Cursor { block, index: 0 };
		hooks
			.enqueue(vec![("s".into(), c(5), "{}".into()), ("t".into(), c(5), "{}".into())], 0)
			.unwrap();
		drop(hooks);
		let again = Webhooks::open(dir.path(), 100, 4, false).unwrap();
		again
			.enqueue(vec![("s".into(), c(5), "{}".into()), ("s".into(), c(6), "{}".into())], 0)
			.unwrap();
		let cursors: Vec<_> = again
			.lock()
			.pending
			.iter()
			.map(|p| (p.subscription.clone(), p.cursor.block))
			.collect();
		assert_eq!(cursors, [("s".into(), 5), ("t".into(), 5), ("s".into(), 6)]);
	}
}
