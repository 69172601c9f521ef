//! Vocabulary: the closed lists a dataset record names its topic, access
//! policy, sensitivity and status from, each with the text JSON shows.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

macro_rules! scale_enum {
	($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
		$(#[$meta])*
		#[derive(
			Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode,
			DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Serialize, Deserialize,
		)]
		pub enum $name {
			$($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
		}

		impl $name {
			/// Every value, in declaration order.
			pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

			/// The value's name in the catalogue vocabulary.
			pub fn as_str(&self) -> &'static str {
				match self {
					$(Self::$variant => $text,)+
				}
			}
		}
	};
}

scale_enum! {
	/// The ISO 19115 `MD_TopicCategoryCode`: the main theme of a dataset.
	pub enum TopicCategory {
		Farming => "farming",
		Biota => "biota",
		Boundaries => "boundaries",
		ClimatologyMeteorologyAtmosphere => "climatologyMeteorologyAtmosphere",
		Economy => "economy",
		Elevation => "elevation",
		Environment => "environment",
		GeoscientificInformation => "geoscientificInformation",
		Health => "health",
		ImageryBaseMapsEarthCover => "imageryBaseMapsEarthCover",
		IntelligenceMilitary => "intelligenceMilitary",
		InlandWaters => "inlandWaters",
		Location => "location",
		Oceans => "oceans",
		PlanningCadastre => "planningCadastre",
		Society => "society",
		Structure => "structure",
		Transportation => "transportation",
		UtilitiesCommunication => "utilitiesCommunication",
	}
}

scale_enum! {
	/// Who decides a request for the dataset.
	pub enum AccessPolicy {
		/// Granted at once to any member department.
		Open => "open",
		/// Granted by an Approver of the owning department.
		ApprovalRequired => "approvalRequired",
		/// Granted by an Approver of the owning department and an Approver of
		/// a regulator department.
		Restricted => "restricted",
	}
}

scale_enum! {
	/// How sensitive the content is. Confidential and secret data cannot be
	/// open.
	pub enum Sensitivity {
		Public => "public",
		Internal => "internal",
		Confidential => "confidential",
		Secret => "secret",
	}
}

scale_enum! {
	/// Lifecycle of a dataset record.
	pub enum DatasetStatus {
		/// The current version.
		Active => "active",
		/// A newer version replaced it; it stays readable as history.
		Superseded => "superseded",
		/// Its owner discourages its use; it stays current until a new
		/// version replaces it.
		Deprecated => "deprecated",
		/// Its owner withdrew it; final.
		Withdrawn => "withdrawn",
	}
}

impl Sensitivity {
	/// Whether data this sensitive may be shared under `policy`.
	pub fn allows(&self, policy: AccessPolicy) -> bool {
		policy != AccessPolicy::Open || *self <= Sensitivity::Internal
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_public_and_internal_data_can_be_open() {
		assert!(Sensitivity::Internal.allows(AccessPolicy::Open));
		assert!(!Sensitivity::Confidential.allows(AccessPolicy::Open));
		assert!(Sensitivity::Secret.allows(AccessPolicy::Restricted));
		assert_eq!(TopicCategory::ALL.len(), 19);
	}
}
