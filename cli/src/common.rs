//! What the commands share: the node and the signer, waiting for a
//! transaction's finality, progress bars, and parsing the chain's
//! vocabulary, coordinates and registrations.

use crate::failure::Failure;
use citychain_client::{
	chain::{
		api::{self, runtime_types::pallet_datasets::pallet::Call as DatasetsCall},
		Static,
	},
	keys,
	primitives::{
		datasets::{DatasetContent, DatasetDescription},
		vocabulary::{AccessPolicy, Sensitivity},
		BoundingBox,
	},
	rpc::Node,
	tx::{self, Included, Payload, Signer},
};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// What commands share: the node, and the signer once one is needed.
pub struct Context {
	pub node: Node,
	pub key: Option<PathBuf>,
	pub suri: Option<String>,
}

impl Context {
	pub fn signer(&self) -> Result<Signer, Failure> {
		match (&self.key, &self.suri) {
			(Some(path), _) => Ok(keys::read_account(path)?),
			(None, Some(suri)) => Ok(Signer::from_suri(suri)?),
			(None, None) => Err(Failure::Usage(
				"this command signs: give --key FILE, or the secret URI in CITYCHAIN_SURI".into(),
			)),
		}
	}

	/// Signs and submits `call`, waiting for finality; prints where it landed.
	pub async fn submit(&self, call: &impl Payload) -> Result<Included, Failure> {
		let signer = self.signer()?;
		let spinner = ProgressBar::new_spinner().with_message("waiting for finality");
		spinner.enable_steady_tick(std::time::Duration::from_millis(120));
		let included = tx::submit(&self.node, &signer, call).await;
		spinner.finish_and_clear();
		let included = included?;
		let number = self.node.block_number(included.block).await?;
		eprintln!("finalized in block #{number} ({:?})", included.block);
		Ok(included)
	}
}

/// A progress bar over `len` bytes, on stderr (hidden when not a terminal).
pub fn bytes_bar(len: u64, what: &str) -> ProgressBar {
	let bar = ProgressBar::new(len).with_message(what.to_string());
	bar.set_style(
		ProgressStyle::with_template(
			"{msg:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
		)
		.expect("a valid template")
		.progress_chars("=> "),
	);
	bar
}

/// One of the chain's closed lists (`TopicCategory::ALL`, …) as values of
/// an option: clap lists them in `--help` and refuses any other before the
/// command runs.
pub fn one_of<T: Copy + Send + Sync + 'static>(
	all: &'static [T],
	name: fn(&T) -> &'static str,
) -> impl TypedValueParser<Value = T> {
	PossibleValuesParser::new(all.iter().map(name)).try_map(move |text| {
		all.iter()
			.copied()
			.find(|v| name(v) == text)
			.ok_or_else(|| format!("unknown {text:?}"))
	})
}

/// A bounding box from `west,south,east,north` in degrees.
pub fn parse_bbox(text: &str) -> Result<BoundingBox, Failure> {
	BoundingBox::parse_degrees(text).map_err(|e| Failure::Usage(format!("{e}: {text:?}")))
}

/// Parts of a registration the chain needs, gathered by `register`.
#[derive(Clone)]
pub struct Registration {
	pub description: DatasetDescription,
	pub content: DatasetContent,
	pub policy: AccessPolicy,
	pub sensitivity: Sensitivity,
}

impl Registration {
	/// `register_dataset`, to submit on its own.
	pub fn transaction(self) -> impl Payload {
		api::tx().datasets().register_dataset(
			Static(self.description),
			Static(self.content),
			Static(self.policy),
			Static(self.sensitivity),
		)
	}

	/// `register_dataset`, to put in a batch.
	pub fn call(self) -> DatasetsCall {
		DatasetsCall::register_dataset {
			description: Static(self.description),
			content: Static(self.content),
			policy: Static(self.policy),
			sensitivity: Static(self.sensitivity),
		}
	}
}
