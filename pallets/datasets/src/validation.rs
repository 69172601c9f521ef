//! The checks of a call's input, each refusing with a named error: texts
//! and their bounds, the license, keywords, the description and the
//! content (extent, hash, media type).

use crate::*;
use alloc::vec::Vec;
use citychain_primitives::{
	datasets::{is_web_url, MAX_KEYWORDS},
	geometry::BoundingBoxError,
	license::LicenseError,
	time::TimeRangeError,
};
use frame_support::pallet_prelude::*;

/// The descriptive fields of a call, checked and bounded.
pub(crate) struct CheckedDescription {
	title: BoundedBytes<MAX_TITLE_LEN>,
	description: BoundedBytes<MAX_DESCRIPTION_LEN>,
	topic: TopicCategory,
	keywords: Keywords,
	uri: BoundedBytes<MAX_URI_LEN>,
	license: License,
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
	bbox: BoundingBox,
	crs: u32,
	time: TimeRange,
	format: BoundedBytes<MAX_FORMAT_LEN>,
	hash: ContentHash,
	size: u64,
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

impl<T: Config> Pallet<T> {
	pub(crate) fn check_title(
		title: Vec<u8>,
	) -> Result<BoundedBytes<MAX_TITLE_LEN>, DispatchError> {
		ensure!(!title.is_empty(), Error::<T>::EmptyTitle);
		title.try_into().map_err(|_| Error::<T>::TitleTooLong.into())
	}

	pub(crate) fn check_uri(uri: Vec<u8>) -> Result<BoundedBytes<MAX_URI_LEN>, DispatchError> {
		ensure!(!uri.is_empty(), Error::<T>::EmptyUri);
		ensure!(uri.len() <= MAX_URI_LEN as usize, Error::<T>::UriTooLong);
		ensure!(is_web_url(&uri), Error::<T>::InvalidUri);
		uri.try_into().map_err(|_| Error::<T>::UriTooLong.into())
	}

	pub(crate) fn check_license(license: LicenseInput) -> Result<License, DispatchError> {
		License::new(license).map_err(|e| {
			match e {
				LicenseError::Invalid => Error::<T>::InvalidLicense,
				LicenseError::TooLong => Error::<T>::LicenseTooLong,
				LicenseError::UrlMissing => Error::<T>::LicenseUrlMissing,
				LicenseError::EmptyUrl => Error::<T>::EmptyLicenseUrl,
				LicenseError::UrlTooLong => Error::<T>::LicenseUrlTooLong,
				LicenseError::UrlNotWeb => Error::<T>::InvalidLicenseUrl,
			}
			.into()
		})
	}

	pub(crate) fn check_keywords(keywords: Vec<Vec<u8>>) -> Result<Keywords, DispatchError> {
		ensure!(keywords.len() <= MAX_KEYWORDS as usize, Error::<T>::TooManyKeywords);
		let keywords = keywords
			.into_iter()
			.map(|k| {
				ensure!(!k.is_empty(), Error::<T>::EmptyKeyword);
				BoundedBytes::<MAX_KEYWORD_LEN>::try_from(k)
					.map_err(|_| Error::<T>::KeywordTooLong.into())
			})
			.collect::<Result<Vec<_>, DispatchError>>()?;
		Ok(BoundedVec::truncate_from(keywords))
	}

	pub(crate) fn check_description(
		d: DatasetDescription,
	) -> Result<CheckedDescription, DispatchError> {
		Ok(CheckedDescription {
			title: Self::check_title(d.title)?,
			description: d.description.try_into().map_err(|_| Error::<T>::DescriptionTooLong)?,
			topic: d.topic,
			keywords: Self::check_keywords(d.keywords)?,
			uri: Self::check_uri(d.uri)?,
			license: Self::check_license(d.license)?,
		})
	}

	pub(crate) fn check_content(c: DatasetContent) -> Result<CheckedContent, DispatchError> {
		let bbox = c.bbox.validate().map_err(|e| match e {
			BoundingBoxError::LatitudeOutOfRange => Error::<T>::InvalidLatitude,
			BoundingBoxError::LongitudeOutOfRange => Error::<T>::InvalidLongitude,
			BoundingBoxError::SouthAboveNorth => Error::<T>::InvalidBoundingBox,
		})?;
		ensure!((1024..=32767).contains(&c.crs), Error::<T>::InvalidCrs);
		let time = c.time.validate().map_err(|e| match e {
			TimeRangeError::OutOfRange => Error::<T>::TimeOutOfRange,
			TimeRangeError::EndBeforeStart => Error::<T>::EndBeforeStart,
		})?;
		ensure!(Self::is_media_type(&c.format), Error::<T>::InvalidMediaType);
		let format = c.format.try_into().map_err(|_| Error::<T>::FormatTooLong)?;
		let function =
			HashFunction::from_code(c.hash_code).ok_or(Error::<T>::UnknownHashFunction)?;
		ensure!(c.digest.len() == function.digest_len(), Error::<T>::WrongDigestLength);
		ensure!(c.size > 0, Error::<T>::EmptyContent);
		let hash = ContentHash { code: c.hash_code, digest: BoundedVec::truncate_from(c.digest) };
		Ok(CheckedContent { bbox, crs: c.crs, time, format, hash, size: c.size })
	}

	/// `type/subtype`, both parts non-empty, no spaces (parameters after
	/// `;` allowed).
	pub(crate) fn is_media_type(format: &[u8]) -> bool {
		let essence = format.split(|b| *b == b';').next().unwrap_or_default();
		let mut parts = essence.split(|b| *b == b'/');
		let ok = |p: Option<&[u8]>| {
			p.is_some_and(|p| !p.is_empty() && p.iter().all(|b| b.is_ascii_graphic()))
		};
		ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
	}
}
