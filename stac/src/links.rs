//! The links of a STAC Item, written once for the node and the gateway.
//!
//! The node's `datasets_stacSearch` renders Items for any client: without a
//! base URL their links are relative to the Item (`..` for its collection,
//! `./<id>` for another version, a sibling in the collection); given the
//! public URL of the API that serves them (the gateway's), every link is
//! absolute and the Item also links to itself, its collection, the API's
//! root, the dataset's record, versions and audit trail, and declares the
//! `citychain` extension served under that URL.

use serde::{Deserialize, Serialize};

/// The STAC version of every Item, ItemCollection and Collection.
pub const STAC_VERSION: &str = "1.1.0";
/// Media type of GeoJSON: Items and ItemCollections.
pub const GEOJSON: &str = "application/geo+json";
/// Media type of JSON: Collections, records, audit entries.
pub const JSON: &str = "application/json";
/// Where an API serves the JSON Schema of the `citychain:*` fields, under
/// its public URL.
pub const EXTENSION_PATH: &str = "/extensions/citychain/v1.0.0/schema.json";

/// A link of a STAC document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
	pub rel: String,
	pub href: String,
	#[serde(rename = "type", skip_serializing_if = "Option::is_none")]
	pub media_type: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub title: Option<String>,
}

impl Link {
	pub fn new(rel: &str, href: String, media_type: &str) -> Self {
		Self { rel: rel.into(), href, media_type: Some(media_type.into()), title: None }
	}

	pub fn titled(mut self, title: &str) -> Self {
		self.title = Some(title.into());
		self
	}
}

/// An Item's place: its collection and id, and the public URL of the API
/// that serves it, if any.
pub struct ItemPlace<'a> {
	pub base: Option<&'a str>,
	pub collection: &'a str,
	pub id: &'a str,
}

impl ItemPlace<'_> {
	/// The URL of item `id` of the same collection.
	fn item(&self, id: &str) -> String {
		match self.base {
			Some(base) => format!("{base}/collections/{}/items/{id}", self.collection),
			None => format!("./{id}"),
		}
	}

	/// The Item's links: to its collection (and, with a base, itself, the
	/// root and the dataset's record, versions and audit trail) and to the
	/// other versions `versions` names by relation (`latest-version`,
	/// `predecessor-version`, `successor-version`).
	pub fn links<'v>(&self, versions: impl IntoIterator<Item = (&'v str, String)>) -> Vec<Link> {
		let versions =
			versions.into_iter().map(|(rel, id)| Link::new(rel, self.item(&id), GEOJSON));
		let Some(base) = self.base else {
			return core::iter::once(Link::new("collection", "..".into(), JSON))
				.chain(versions)
				.collect();
		};
		let collection = format!("{base}/collections/{}", self.collection);
		let this = self.item(self.id);
		[
			Link::new("self", this.clone(), GEOJSON),
			Link::new("parent", collection.clone(), JSON),
			Link::new("collection", collection, JSON),
			Link::new("root", format!("{base}/"), JSON),
		]
		.into_iter()
		.chain(versions)
		.chain([
			Link::new("describedby", format!("{this}/record"), JSON)
				.titled("The dataset's record on chain"),
			Link::new("version-history", format!("{this}/versions"), GEOJSON)
				.titled("Every version, newest first"),
			Link::new("citychain:audit", format!("{this}/audit"), JSON)
				.titled("The audit log's entries about the dataset"),
		])
		.collect()
	}

	/// The URL of the `citychain` extension's schema, if there is a base.
	pub fn extension(&self) -> Option<String> {
		self.base.map(|base| format!("{base}{EXTENSION_PATH}"))
	}
}

/// The id of the item a version link (`*-version`) of an Item points to.
pub fn version_target(link: &Link) -> Option<&str> {
	if !link.rel.ends_with("-version") {
		return None;
	}
	link.href.rsplit_once('/').map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn hrefs(links: &[Link]) -> Vec<(&str, &str)> {
		links.iter().map(|l| (l.rel.as_str(), l.href.as_str())).collect()
	}

	#[test]
	fn without_a_base_links_are_relative_to_the_item() {
		let place = ItemPlace { base: None, collection: "department-0", id: "7" };
		let links = place.links([("latest-version", "9".to_string())]);
		assert_eq!(hrefs(&links), [("collection", ".."), ("latest-version", "./9")]);
		assert_eq!(version_target(&links[1]), Some("9"));
		assert_eq!(version_target(&links[0]), None);
		assert_eq!(place.extension(), None);
	}

	#[test]
	fn with_a_base_every_link_is_absolute() {
		let place =
			ItemPlace { base: Some("https://g.example"), collection: "department-0", id: "7" };
		let links = place.links([("predecessor-version", "6".to_string())]);
		let items = "https://g.example/collections/department-0/items";
		assert_eq!(
			hrefs(&links),
			[
				("self", format!("{items}/7").as_str()),
				("parent", "https://g.example/collections/department-0"),
				("collection", "https://g.example/collections/department-0"),
				("root", "https://g.example/"),
				("predecessor-version", format!("{items}/6").as_str()),
				("describedby", format!("{items}/7/record").as_str()),
				("version-history", format!("{items}/7/versions").as_str()),
				("citychain:audit", format!("{items}/7/audit").as_str()),
			]
		);
		assert_eq!(version_target(&links[4]), Some("6"));
		assert_eq!(
			place.extension().as_deref(),
			Some("https://g.example/extensions/citychain/v1.0.0/schema.json")
		);
	}
}
