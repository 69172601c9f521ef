//! The records a call builds from its checked input: a dataset's
//! descriptive and content fields, bounded and valid, and the record of a
//! first version made of them. The record of a next version is
//! [`Dataset::next_version`].

use crate::*;

/// The descriptive fields of a call, checked and bounded.
pub(crate) struct CheckedDescription {
	pub(crate) title: BoundedBytes<MAX_TITLE_LEN>,
	pub(crate) description: BoundedBytes<MAX_DESCRIPTION_LEN>,
	pub(crate) topic: TopicCategory,
	pub(crate) keywords: Keywords,
	pub(crate) uri: BoundedBytes<MAX_URI_LEN>,
	pub(crate) license: License,
}

impl CheckedDescription {
	/// Puts the descriptive fields into `record`.
	pub(crate) fn write_to<A, B>(self, record: &mut Dataset<A, B>) {
		record.title = self.title;
		record.description = self.description;
		record.topic = self.topic;
		record.keywords = self.keywords;
		record.uri = self.uri;
		record.license = Some(self.license);
	}
}

/// The content fields of a call, checked and bounded.
pub(crate) struct CheckedContent {
	pub(crate) bbox: BoundingBox,
	pub(crate) crs: u32,
	pub(crate) time: TimeRange,
	pub(crate) format: BoundedBytes<MAX_FORMAT_LEN>,
	pub(crate) hash: ContentHash,
	pub(crate) size: u64,
}

impl CheckedContent {
	/// Puts the content fields into `record`.
	pub(crate) fn write_to<A, B>(self, record: &mut Dataset<A, B>) {
		record.bbox = self.bbox;
		record.crs = self.crs;
		record.time = self.time;
		record.format = self.format;
		record.content_hash = self.hash;
		record.size = self.size;
	}

	/// The record of a dataset's first version: these contents described
	/// by `description`, Active, stamped `at`.
	pub(crate) fn first_version<A, B: Copy>(
		self,
		description: CheckedDescription,
		owner: DepartmentId,
		publisher: A,
		(policy, sensitivity): (AccessPolicy, Sensitivity),
		at: Stamp<B>,
	) -> Dataset<A, B> {
		Dataset {
			owner,
			publisher,
			title: description.title,
			description: description.description,
			topic: description.topic,
			keywords: description.keywords,
			bbox: self.bbox,
			crs: self.crs,
			time: self.time,
			format: self.format,
			content_hash: self.hash,
			size: self.size,
			uri: description.uri,
			license: Some(description.license),
			policy,
			sensitivity,
			version: 1,
			predecessor: None,
			successor: None,
			status: DatasetStatus::Active,
			created: at,
			updated: at,
		}
	}
}
