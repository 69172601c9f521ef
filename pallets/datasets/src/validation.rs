//! The checks of a call's input, each refusing with a named error: texts
//! and their bounds, the license, keywords, the description and the
//! content (extent, hash, media type).

use crate::{
	types::{CheckedContent, CheckedDescription},
	*,
};
use alloc::vec::Vec;
use citychain_primitives::{
	datasets::{is_web_url, MAX_KEYWORDS},
	geometry::BoundingBoxError,
	license::LicenseError,
	time::TimeRangeError,
};
use frame_support::pallet_prelude::*;

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
