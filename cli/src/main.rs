//! `citychain`: the data officer's command line for CityChain.
//!
//! Register datasets from files, search the registry, request, approve
//! (encrypting the file for the consumer and sealing its key), reject and
//! revoke access, fetch a dataset through a provider's gateway (decrypt,
//! verify the hash, confirm receipt on chain), and read and verify the
//! audit log. Every state change is a signed transaction that the command
//! waits to see finalized.

mod accesses;
mod common;
mod exchange;
mod extent;
mod failure;
mod light;
mod migrate;
mod report;
mod terms;
mod verified;

use citychain_client::{
	chain::api::{self, access::events::AccessRequested},
	checkpoint, keys,
	primitives::audit::Subject,
	primitives::{access::ContractState, DatasetStatus, Sensitivity, TopicCategory},
	proven,
	rpc::{
		api::{
			access::ContractsParams,
			audit::{EntriesParams, VerifyParams},
			datasets::{BboxParam, QParam, SearchParams, SortbyParam},
			json_name,
			terms::EvaluateParams,
			AccessApiClient, AuditApiClient, DatasetsApiClient,
		},
		Node,
	},
};
use clap::{Args, Parser, Subcommand};
use common::{one_of, Context};
use exchange::found;
use failure::Failure;
use serde::Serialize;
use std::{path::PathBuf, process::ExitCode};

#[derive(Parser)]
#[command(name = "citychain", version, about = "The data officer's command line for CityChain")]
struct Cli {
	/// The node's JSON-RPC WebSocket URL.
	#[arg(long, global = true, env = "CITYCHAIN_NODE_URL", default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// The signing account's key file (from `citychain key account`).
	#[arg(long, global = true, env = "CITYCHAIN_KEY", value_name = "FILE")]
	key: Option<PathBuf>,
	/// Refused: a secret on the command line shows in `ps` and the shell's
	/// history. Give the key file (`--key`), or the secret URI in the
	/// environment variable CITYCHAIN_SURI (`//Alice` on a dev chain).
	#[arg(long, global = true, hide = true, value_name = "SECRET")]
	suri: Option<String>,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Make key files (owner-only permissions).
	#[command(subcommand)]
	Key(KeyCommand),
	/// Publish your department's x25519 public key, from its key file.
	SetEncryptionKey {
		#[arg(long, value_name = "FILE")]
		encryption_key: PathBuf,
	},
	/// Register a dataset from a file: hash and size are computed, the extent
	/// comes from flags or a GeoJSON file's features.
	Register(Box<exchange::RegisterArgs>),
	/// Search the registry (`datasets_search`).
	Search(SearchArgs),
	/// One dataset's record.
	Show { dataset: u64 },
	/// Ask for access to a dataset for your department.
	Request {
		dataset: u64,
		/// A purpose code (`citychain purposes`), optionally followed by ": "
		/// and a statement: "planning: the 2027 bus network".
		#[arg(long)]
		purpose: String,
		/// Blocks of access once approved.
		#[arg(long)]
		term: u32,
	},
	/// Approve a request; with `--store`, deliver it encrypted: the data key
	/// sealed to the consumer department is attached (the dataset is
	/// encrypted once into the store at its first such approval).
	Approve(exchange::ApproveArgs),
	/// Refuse a request.
	Reject {
		contract: u64,
		#[arg(long)]
		reason: String,
	},
	/// End an approved contract.
	Revoke {
		contract: u64,
		#[arg(long)]
		reason: String,
	},
	/// Give up your department's approved contract: its downloads stop.
	Relinquish { contract: u64 },
	/// A dataset's rules: show them, or set them (a Publisher of its owner).
	#[command(subcommand)]
	Policy(PolicyCommand),
	/// What a request would meet, before it is sent: the rule that decides
	/// and every rule's constraints (exit 1 if refused).
	Evaluate {
		dataset: u64,
		/// A purpose code, optionally followed by ": " and a statement.
		#[arg(long)]
		purpose: String,
		/// Blocks of access asked for.
		#[arg(long)]
		term: u32,
		/// The scope: west,south,east,north in degrees.
		#[arg(long, value_parser = parse_bbox)]
		bbox: Option<[f64; 4]>,
		/// The account asking [default: the signing account].
		#[arg(long)]
		account: Option<String>,
	},
	/// The purpose vocabulary.
	Purposes,
	/// The jurisdictions, as GeoJSON.
	Jurisdictions,
	/// One contract.
	Contract { contract: u64 },
	/// Contracts by department, dataset or state (`access_contracts`).
	Contracts(ContractsArgs),
	/// Download a dataset through its provider's gateway, decrypt, verify the
	/// hash and confirm receipt on chain.
	Fetch(exchange::FetchArgs),
	/// A read token for a gateway's STAC API: STAC clients that send it
	/// (`Authorization: Bearer <token>`) see the catalogue as your account
	/// may, until it expires. Prints the token.
	Token {
		/// The gateway as it publishes its URL, e.g. http://127.0.0.1:8080.
		#[arg(long, env = "CITYCHAIN_GATEWAY")]
		gateway: String,
		/// Hours until it expires (at most 720).
		#[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=720))]
		hours: u64,
	},
	/// A short-lived link to a dataset's file for tools that cannot sign a
	/// request (GDAL's /vsicurl/, rasterio, pyogrio, QGIS): anyone holding
	/// it reads the file, with range requests, until it expires or your
	/// access ends. Plain deliveries only. Prints the link.
	Presign {
		dataset: u64,
		/// The provider's gateway as it publishes its URL.
		#[arg(long, env = "CITYCHAIN_GATEWAY")]
		gateway: String,
		/// Minutes until it expires (at most 60).
		#[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=60))]
		minutes: u64,
	},
	/// The audit log.
	#[command(subcommand)]
	Audit(AuditCommand),
	/// A gateway's data store.
	#[command(subcommand)]
	Store(StoreCommand),
}

#[derive(Subcommand)]
enum StoreCommand {
	/// Turn copies encrypted one per contract into one encryption per
	/// dataset: encrypt each dataset once from the store's copy, seal its
	/// key anew to each live contract's consumer on chain (as an Approver of
	/// the provider), and remove the copies.
	Migrate {
		/// The store, a directory or `s3://bucket/prefix`.
		#[arg(long, value_name = "DIR|URL")]
		store: String,
		/// Your department's x25519 key file, if the store holds a dataset's
		/// encryption already (a migration run again).
		#[arg(long, value_name = "FILE")]
		encryption_key: Option<PathBuf>,
	},
}

#[derive(Subcommand)]
enum KeyCommand {
	/// A new account (a mnemonic) in a key file; prints its SS58 address.
	Account {
		#[arg(long, value_name = "FILE")]
		out: PathBuf,
	},
	/// A new department encryption key (x25519) in a key file; prints the
	/// public key.
	Encryption {
		#[arg(long, value_name = "FILE")]
		out: PathBuf,
	},
}

#[derive(Args)]
struct SearchArgs {
	/// west,south,east,north in degrees.
	#[arg(long)]
	bbox: Option<String>,
	/// An RFC 3339 instant or interval `a/b` (`..` for open).
	#[arg(long)]
	datetime: Option<String>,
	/// Occurs, case-insensitively, in the title or a keyword (also within words).
	#[arg(long)]
	text: Option<String>,
	/// Free text: comma-separated words or phrases, any of which occurs in the
	/// title, description or keywords; best matches first unless `--sortby`.
	#[arg(long)]
	q: Option<String>,
	#[arg(long)]
	owner: Option<u32>,
	#[arg(long, value_parser = one_of(TopicCategory::ALL, TopicCategory::as_str))]
	topic: Vec<TopicCategory>,
	#[arg(long, value_parser = one_of(DatasetStatus::ALL, DatasetStatus::as_str))]
	status: Option<DatasetStatus>,
	/// Sort order, e.g. `-updated,+title` (the id ends every order).
	#[arg(long)]
	sortby: Option<String>,
	/// The `next` of the previous page.
	#[arg(long)]
	cursor: Option<String>,
	#[arg(long, default_value_t = 10)]
	limit: u32,
}

#[derive(Args)]
struct ContractsArgs {
	#[arg(long)]
	consumer: Option<u32>,
	#[arg(long)]
	provider: Option<u32>,
	#[arg(long)]
	dataset: Option<u64>,
	#[arg(long, value_parser = one_of(ContractState::ALL, ContractState::as_str))]
	state: Option<ContractState>,
	#[arg(long)]
	cursor: Option<u64>,
	#[arg(long, default_value_t = 10)]
	limit: u32,
}

#[derive(Subcommand)]
enum PolicyCommand {
	/// The rules, in the order they are tried.
	Show { dataset: u64 },
	/// Replace the rules: each `--rule` is an outcome (grant, provider,
	/// provider+regulator, refuse) and constraints, e.g. "grant
	/// kind=Transport purpose=planning within=0 days=365 uses=10";
	/// constraints: department=IDS kind=KINDS purpose=CODES days=N
	/// within=IDS|extent from=DATE to=DATE uses=N. The first rule whose
	/// constraints hold decides; none: refused.
	Set {
		dataset: u64,
		#[arg(long = "rule", required = true)]
		rules: Vec<String>,
		/// Who may see the record.
		#[arg(long, default_value = "internal", value_parser = one_of(Sensitivity::ALL, Sensitivity::as_str))]
		sensitivity: Sensitivity,
	},
}

fn parse_bbox(text: &str) -> Result<[f64; 4], String> {
	let numbers: Vec<f64> = text
		.split(',')
		.map(|n| n.trim().parse().map_err(|_| format!("{n:?} is not a number")))
		.collect::<Result<_, _>>()?;
	numbers
		.try_into()
		.map_err(|_| "west,south,east,north: four numbers".to_string())
}

/// Which entries an `audit` command reads: by actor, or by subject.
#[derive(clap::Args)]
struct EntryFilter {
	/// The acting department.
	#[arg(long)]
	department: Option<u32>,
	#[arg(long, conflicts_with_all = ["contract", "about_department"])]
	dataset: Option<u64>,
	#[arg(long, conflicts_with = "about_department")]
	contract: Option<u64>,
	/// Entries whose subject is this department.
	#[arg(long)]
	about_department: Option<u32>,
}

impl EntryFilter {
	/// The subject it names, if any.
	fn subject(&self) -> Option<Subject> {
		match (self.dataset, self.contract, self.about_department) {
			(Some(d), _, _) => Some(Subject::Dataset(d)),
			(_, Some(c), _) => Some(Subject::Contract(c)),
			(_, _, Some(d)) => Some(Subject::Department(d)),
			_ => None,
		}
	}
}

#[derive(Subcommand)]
enum AuditCommand {
	/// Entries, filtered (`audit_entries`).
	Entries {
		#[command(flatten)]
		filter: EntryFilter,
		#[arg(long)]
		cursor: Option<u64>,
		#[arg(long, default_value_t = 10)]
		limit: u32,
	},
	/// Re-verify the hash chain (`audit_verify`); with `--checkpoint`, that
	/// the log only grew since a checkpoint; with `--light`, the stored log
	/// (or entries --from..--to) from the chain spec alone, trusting no node:
	/// GRANDPA finality followed from genesis, the log's root read with a
	/// storage proof, every entry checked with its inclusion proof and the
	/// hash chain recomputed.
	Verify {
		#[arg(long)]
		from: Option<u64>,
		#[arg(long)]
		to: Option<u64>,
		/// A checkpoint file written by `audit checkpoint`.
		#[arg(long, conflicts_with_all = ["from", "to", "light"])]
		checkpoint: Option<PathBuf>,
		/// Verify as a light client: needs --chain-spec.
		#[arg(long, requires = "chain_spec")]
		light: bool,
		/// The raw chain spec (`citychain-node build-spec --chain <chain> --raw`).
		#[arg(long, requires = "light")]
		chain_spec: Option<PathBuf>,
		/// Most entries a light verification checks.
		#[arg(long, default_value_t = 100_000, requires = "light")]
		max: u64,
	},
	/// Entries, filtered as `entries` does, each checked with its inclusion
	/// proof against the log's root read with a storage proof at the
	/// finalized head: an entry the node altered or invented is named, and
	/// the command fails.
	Prove {
		#[command(flatten)]
		filter: EntryFilter,
		#[arg(long)]
		from_index: Option<u64>,
		#[arg(long)]
		to_index: Option<u64>,
		/// Most entries to prove.
		#[arg(long, default_value_t = 1000)]
		max: usize,
	},
	/// Write a department's entries (as actor) in a time range into one file
	/// that proves itself: the entries, their inclusion proofs, the log's
	/// root with its storage proof, a finalized header and its GRANDPA
	/// justification, and every authority set's handover since genesis.
	Report {
		/// The acting department.
		#[arg(long)]
		department: u32,
		/// From this time (RFC 3339 or YYYY-MM-DD).
		#[arg(long)]
		from: Option<String>,
		/// Up to this time (RFC 3339 or YYYY-MM-DD).
		#[arg(long)]
		to: Option<String>,
		/// Most entries.
		#[arg(long, default_value_t = 10_000)]
		max: usize,
		/// Where to write it (refuses to overwrite).
		#[arg(long)]
		out: PathBuf,
	},
	/// Check a report with no network, against the chain spec alone
	/// (`citychain-node build-spec --chain <chain> --raw`).
	Check {
		/// The report `audit report` wrote.
		file: PathBuf,
		#[arg(long)]
		chain_spec: PathBuf,
	},
	/// Sign the finalized log's last entry hash, and the log's size and
	/// root, into a checkpoint file, to keep outside the chain.
	Checkpoint {
		/// Where to write it (refuses to overwrite).
		#[arg(long)]
		out: PathBuf,
	},
	/// Who obtained data about a place and time, and for what
	/// (`audit_accessSearch`): JSON, or CSV (columns in docs/audit.md).
	Accesses(Box<accesses::AccessesArgs>),
}

fn read_text(path: &std::path::Path) -> Result<String, Failure> {
	std::fs::read_to_string(path)
		.map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
}

fn read_chain_spec(path: &std::path::Path) -> Result<serde_json::Value, Failure> {
	serde_json::from_str(&read_text(path)?)
		.map_err(|e| Failure::Usage(format!("{} is not a chain spec: {e}", path.display())))
}

/// Writes `text` and a line break to a new file at `path`.
fn write_new(path: &std::path::Path, text: &str) -> Result<(), Failure> {
	std::fs::OpenOptions::new()
		.write(true)
		.create_new(true)
		.open(path)
		.and_then(|mut f| std::io::Write::write_all(&mut f, format!("{text}\n").as_bytes()))
		.map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))
}

fn print(value: &impl Serialize) {
	println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

async fn run(cli: Cli) -> Result<(), Failure> {
	if cli.suri.is_some() {
		return Err(Failure::Usage(
			"--suri is not accepted: a secret on the command line shows in `ps` and the shell history; \
			 use --key FILE, or set CITYCHAIN_SURI"
				.into(),
		));
	}
	let suri = std::env::var("CITYCHAIN_SURI").ok().filter(|s| !s.is_empty());
	let url = cli.node.clone();
	let ctx = Context { node: Node::new(cli.node), key: cli.key, suri };
	match cli.command {
		Command::Key(KeyCommand::Account { out }) => {
			let (pair, phrase, _) =
				<sp_core::sr25519::Pair as sp_core::Pair>::generate_with_phrase(None);
			keys::write_secret(&out, &phrase)?;
			println!("{}", sp_core::crypto::Ss58Codec::to_ss58check(&sp_core::Pair::public(&pair)));
		},
		Command::Key(KeyCommand::Encryption { out }) => {
			let secret = keys::write_encryption_key(&out)?;
			println!("0x{}", hex::encode(secret.public_key().as_bytes()));
		},
		Command::SetEncryptionKey { encryption_key } => {
			let public = keys::read_encryption_key(&encryption_key)?.public_key().to_bytes();
			ctx.submit(&api::tx().departments().set_encryption_key(public)).await?;
			println!("0x{}", hex::encode(public));
		},
		Command::Register(args) => exchange::register(&ctx, *args).await?,
		Command::Search(a) => {
			let params = SearchParams {
				bbox: a.bbox.map(|b| BboxParam(b.into())),
				datetime: a.datetime,
				text: a.text,
				q: a.q.map(QParam::Text),
				owner: a.owner,
				status: a.status,
				sortby: a.sortby.map(SortbyParam::Text),
				cursor: a.cursor,
				topics: a.topic,
				limit: Some(a.limit),
				..Default::default()
			};
			print(&ctx.node.search(params, None).await?);
		},
		Command::Show { dataset } => {
			print(&found(ctx.node.dataset(dataset, None, None).await?, "dataset", dataset)?);
		},
		Command::Request { dataset, purpose, term } => {
			let call = api::tx().access().request_access(dataset, purpose.into_bytes(), term, None);
			let included = ctx.submit(&call).await?;
			let contract = included.first::<AccessRequested>("AccessRequested")?.contract;
			let state = found(
				ctx.node.contract(contract, Some(included.block)).await?,
				"contract",
				contract,
			)?
			.state;
			eprintln!("contract {contract}: {}", json_name(&state));
			println!("{contract}");
		},
		Command::Approve(args) => exchange::approve(&ctx, args).await?,
		Command::Store(StoreCommand::Migrate { store, encryption_key }) => {
			migrate::migrate(&ctx, &store, encryption_key.as_deref()).await?
		},
		Command::Reject { contract, reason } => {
			ctx.submit(&api::tx().access().reject_request(contract, reason.into_bytes()))
				.await?;
			println!("contract {contract} rejected");
		},
		Command::Revoke { contract, reason } => {
			ctx.submit(&api::tx().access().revoke_access(contract, reason.into_bytes()))
				.await?;
			println!("contract {contract} revoked");
		},
		Command::Relinquish { contract } => {
			ctx.submit(&api::tx().access().relinquish_access(contract)).await?;
			println!("contract {contract} relinquished");
		},
		Command::Policy(PolicyCommand::Show { dataset }) => {
			print(&found(ctx.node.rules(dataset, None).await?, "dataset", dataset)?);
		},
		Command::Policy(PolicyCommand::Set { dataset, rules, sensitivity }) => {
			terms::set_policy(&ctx, dataset, &rules, sensitivity).await?
		},
		Command::Evaluate { dataset, purpose, term, bbox, account } => {
			let account = match account {
				Some(a) => sp_core::crypto::Ss58Codec::from_ss58check(&a)
					.map_err(|_| Failure::Usage(format!("{a:?} is not an SS58 address")))?,
				None => ctx.signer()?.account(),
			};
			let params = EvaluateParams { account, dataset, purpose, term, bbox, time: None };
			terms::evaluate(&ctx, params).await?
		},
		Command::Purposes => print(&ctx.node.purposes(None).await?),
		Command::Jurisdictions => print(&ctx.node.jurisdictions(None).await?),
		Command::Contract { contract } => {
			print(&found(ctx.node.contract(contract, None).await?, "contract", contract)?);
		},
		Command::Contracts(a) => {
			let params = ContractsParams {
				consumer: a.consumer,
				provider: a.provider,
				dataset: a.dataset,
				state: a.state,
				cursor: a.cursor,
				limit: Some(a.limit),
			};
			print(&ctx.node.contracts(params, None).await?);
		},
		Command::Fetch(args) => exchange::fetch(&ctx, args).await?,
		Command::Token { gateway, hours } => {
			let expires = citychain_client::auth::now_ms() + hours * 3600 * 1000;
			println!("{}", citychain_client::auth::mint_token(&ctx.signer()?, &gateway, expires));
		},
		Command::Presign { dataset, gateway, minutes } => {
			let path = format!("/data/{dataset}/presign?minutes={minutes}");
			let response =
				exchange::signed(&ctx.signer()?, &gateway, reqwest::Method::POST, &path).await?;
			let answer = response.bytes().await.unwrap_or_default();
			let link: serde_json::Value = serde_json::from_slice(&answer).unwrap_or_default();
			let (Some(href), Some(expires)) = (link["href"].as_str(), link["expires"].as_str())
			else {
				return Err(Failure::Refused("the gateway's answer is not a link".into()));
			};
			eprintln!("expires {expires}");
			println!("{href}");
		},
		Command::Audit(AuditCommand::Entries { filter, cursor, limit }) => {
			let params = EntriesParams {
				department: filter.department,
				subject: filter.subject(),
				cursor,
				limit: Some(limit),
				..Default::default()
			};
			print(&ctx.node.entries(params, None).await?);
		},
		Command::Audit(AuditCommand::Prove { filter, from_index, to_index, max }) => {
			let at = ctx.node.finalized_head().await?;
			let root = proven::root_at(&ctx.node, at).await?;
			let filter = EntriesParams {
				department: filter.department,
				subject: filter.subject(),
				from_index,
				to_index,
				..Default::default()
			};
			let entries = proven::entries(&ctx.node, &root, filter, max)
				.await
				.map_err(|e| Failure::Refused(e.to_string()))?;
			print(&serde_json::json!({
				"ok": true,
				"root": root,
				"proven": entries.len(),
				"entries": entries,
			}));
		},
		Command::Audit(AuditCommand::Verify {
			light: true,
			chain_spec: Some(path),
			from,
			to,
			max,
			..
		}) => {
			let spec = read_chain_spec(&path)?;
			print(&light::verify(&ctx.node, &url, &spec, (from, to), max).await?);
		},
		Command::Audit(AuditCommand::Verify { checkpoint: Some(path), .. }) => {
			let checkpoint: checkpoint::Checkpoint = serde_json::from_str(&read_text(&path)?)
				.map_err(|e| {
					Failure::Usage(format!("{} is not a checkpoint: {e}", path.display()))
				})?;
			print(&checkpoint::verify(&ctx.node, &checkpoint).await?);
		},
		Command::Audit(AuditCommand::Report { department, from, to, max, out }) => {
			let ms = |t: &str| {
				extent::parse_time(t)
					.and_then(|ms| u64::try_from(ms).ok())
					.ok_or_else(|| Failure::Usage(format!("{t:?} is not a time after 1970")))
			};
			let range = (from.as_deref().map(ms).transpose()?, to.as_deref().map(ms).transpose()?);
			let report = report::take(&ctx.node, department, range, max).await?;
			let text = serde_json::to_string_pretty(&report).expect("a report serializes");
			write_new(&out, &text)?;
			eprintln!(
				"{} entries of department {department} written to {}",
				report.entries.len(),
				out.display()
			);
		},
		Command::Audit(AuditCommand::Check { file, chain_spec }) => {
			let report: report::Report = serde_json::from_str(&read_text(&file)?).map_err(|e| {
				Failure::Refused(format!("{} is not an audit report: {e}", file.display()))
			})?;
			print(&report::check(&report, &read_chain_spec(&chain_spec)?)?);
		},
		Command::Audit(AuditCommand::Checkpoint { out }) => {
			let checkpoint = checkpoint::take(&ctx.node, &ctx.signer()?).await?;
			let text = serde_json::to_string_pretty(&checkpoint).expect("a checkpoint serializes");
			write_new(&out, &text)?;
			eprintln!("checkpoint of entry {} written to {}", checkpoint.index, out.display());
			print(&serde_json::to_value(&checkpoint).expect("a checkpoint serializes"));
		},
		Command::Audit(AuditCommand::Accesses(args)) => accesses::run(&ctx, *args).await?,
		Command::Audit(AuditCommand::Verify { from, to, checkpoint: None, .. }) => {
			let result = ctx.node.verify(Some(VerifyParams { from, to }), None).await?;
			print(&result);
			if !result.ok {
				return Err(Failure::Refused("the audit log's hash chain is broken".into()));
			}
		},
	}
	Ok(())
}

/// Exit codes: 0 done, then as [`Failure::exit_code`] says: 1 refused or
/// failed, 2 a usage error, 3 the fetched data does not match its hash, 4
/// not found.
#[tokio::main]
async fn main() -> ExitCode {
	match run(Cli::parse()).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(failure) => {
			eprintln!("citychain: {failure}");
			ExitCode::from(failure.exit_code())
		},
	}
}
