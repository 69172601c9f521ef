//! Tests of `register_dataset`.

use super::*;

#[test]
fn register_dataset_files_the_record_with_owner_publisher_and_stamps() {
	new_test_ext().execute_with(|| {
		System::set_block_number(7);
		let id = register("Junction counts 2024");
		let d = record(id);
		assert_eq!((d.owner, d.publisher), (TRANSPORT, TRANSPORT_PUBLISHER));
		assert_eq!(d.title.to_vec(), b"Junction counts 2024".to_vec());
		assert_eq!((d.version, d.predecessor, d.successor), (1, None, None));
		assert_eq!(d.status, DatasetStatus::Active);
		assert_eq!(d.content_hash.code, 0xb220);
		let license = d.license.expect("a new record states its licence");
		assert_eq!((&license.expression[..], license.url), (&b"CC-BY-4.0"[..], None));
		assert_eq!(d.created, Stamp { block: 7, time: 1_700_000_000_000 });
		assert_eq!(d.updated, d.created);
		assert_eq!(NextDatasetId::<Test>::get(), 1);
		System::assert_last_event(
			Event::DatasetRegistered {
				dataset: 0,
				owner: TRANSPORT,
				publisher: TRANSPORT_PUBLISHER,
			}
			.into(),
		);
		Datasets::do_try_state().unwrap();
	});
}

#[test]
fn register_dataset_requires_a_publisher_of_an_active_department() {
	new_test_ext().execute_with(|| {
		let call = |who| {
			Datasets::register_dataset(
				RuntimeOrigin::signed(who),
				description("Counts"),
				content(city(), year_2024()),
				AccessPolicy::Open,
				Sensitivity::Public,
			)
		};
		assert_noop!(call(OUTSIDER), Error::<Test>::NotMember);
		assert_noop!(call(TRANSPORT_CLERK), Error::<Test>::NotPublisher);
		Directory::set_status(TRANSPORT, DepartmentStatus::Suspended);
		assert_noop!(call(TRANSPORT_PUBLISHER), Error::<Test>::DepartmentNotActive);
		assert_noop!(
			Datasets::register_dataset(
				RuntimeOrigin::none(),
				description("Counts"),
				content(city(), year_2024()),
				AccessPolicy::Open,
				Sensitivity::Public,
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn register_dataset_refuses_bad_descriptions() {
	new_test_ext().execute_with(|| {
		let with = |f: fn(&mut DatasetDescription)| {
			let mut d = description("Counts");
			f(&mut d);
			register_description(d)
		};
		assert_noop!(with(|d| d.title.clear()), Error::<Test>::EmptyTitle);
		assert_noop!(
			with(|d| d.title = vec![b't'; MAX_TITLE_LEN as usize + 1]),
			Error::<Test>::TitleTooLong
		);
		assert_noop!(
			with(|d| d.description = vec![b'd'; MAX_DESCRIPTION_LEN as usize + 1]),
			Error::<Test>::DescriptionTooLong
		);
		assert_noop!(
			with(|d| d.keywords = vec![b"k".to_vec(); MAX_KEYWORDS as usize + 1]),
			Error::<Test>::TooManyKeywords
		);
		assert_noop!(with(|d| d.keywords.push(Vec::new())), Error::<Test>::EmptyKeyword);
		assert_noop!(
			with(|d| d.keywords.push(vec![b'k'; MAX_KEYWORD_LEN as usize + 1])),
			Error::<Test>::KeywordTooLong
		);
		assert_noop!(with(|d| d.uri.clear()), Error::<Test>::EmptyUri);
		assert_noop!(
			with(|d| d.uri = vec![b'u'; MAX_URI_LEN as usize + 1]),
			Error::<Test>::UriTooLong
		);
		assert_noop!(
			with(|d| d.uri = b"javascript:alert(document.cookie)".to_vec()),
			Error::<Test>::InvalidUri
		);
		assert_noop!(with(|d| d.uri = b"data:text/html,x".to_vec()), Error::<Test>::InvalidUri);
		assert_noop!(with(|d| d.uri = b"file:///etc/passwd".to_vec()), Error::<Test>::InvalidUri);
		assert_ok!(with(|d| {
			d.title = vec![b't'; MAX_TITLE_LEN as usize];
			d.keywords = vec![vec![b'k'; MAX_KEYWORD_LEN as usize]; MAX_KEYWORDS as usize];
		}));
	});
}

#[test]
fn register_dataset_refuses_bad_licences() {
	new_test_ext().execute_with(|| {
		let with = |expression: &str, url: Option<&str>| {
			let mut d = description("Counts");
			d.license = license(expression, url);
			register_description(d)
		};
		assert_noop!(with("CC BY 4.0", None), Error::<Test>::InvalidLicense);
		assert_noop!(with("", None), Error::<Test>::InvalidLicense);
		assert_noop!(
			with(&"A".repeat(MAX_LICENSE_LEN as usize + 1), None),
			Error::<Test>::LicenseTooLong
		);
		assert_noop!(with("other", None), Error::<Test>::LicenseUrlMissing);
		assert_noop!(with("LicenseRef-City-Terms", None), Error::<Test>::LicenseUrlMissing);
		assert_noop!(with("MIT", Some("")), Error::<Test>::EmptyLicenseUrl);
		let long = "u".repeat(MAX_URI_LEN as usize + 1);
		assert_noop!(with("MIT", Some(&long)), Error::<Test>::LicenseUrlTooLong);
		assert_noop!(
			with("other", Some("javascript:alert(document.cookie)")),
			Error::<Test>::InvalidLicenseUrl
		);
		assert_ok!(with("other", Some("https://city.example/terms")));
		assert_ok!(with("ODbL-1.0 OR CC-BY-SA-4.0", None));
	});
}

#[test]
fn register_dataset_refuses_bad_extents() {
	new_test_ext().execute_with(|| {
		let with_box = |b| register_content(content(b, year_2024()));
		assert_noop!(with_box(bbox(116.0, 39.0, 117.0, 90.5)), Error::<Test>::InvalidLatitude);
		assert_noop!(with_box(bbox(116.0, -91.0, 117.0, 40.0)), Error::<Test>::InvalidLatitude);
		assert_noop!(with_box(bbox(180.5, 39.0, 117.0, 40.0)), Error::<Test>::InvalidLongitude);
		assert_noop!(with_box(bbox(116.0, 41.0, 117.0, 40.0)), Error::<Test>::InvalidBoundingBox);
		let with_time = |t| register_content(content(city(), t));
		assert_noop!(
			with_time(TimeRange { start: JAN_2024, end: Some(JAN_2024 - 1) }),
			Error::<Test>::EndBeforeStart
		);
		assert_noop!(
			with_time(TimeRange { start: JAN_2024, end: Some(MAX_TIME + 1) }),
			Error::<Test>::TimeOutOfRange
		);
		// Across the antimeridian, a point, an instant and an ongoing range are fine.
		assert_ok!(with_box(bbox(179.0, -18.0, -179.0, -16.0)));
		assert_ok!(with_box(bbox(116.4, 39.9, 116.4, 39.9)));
		assert_ok!(with_time(TimeRange { start: JAN_2024, end: Some(JAN_2024) }));
		assert_ok!(with_time(TimeRange { start: JAN_2024, end: None }));
		Datasets::do_try_state().unwrap();
	});
}

#[test]
fn register_dataset_refuses_bad_content_fields() {
	new_test_ext().execute_with(|| {
		let with = |f: fn(&mut DatasetContent)| {
			let mut c = content(city(), year_2024());
			f(&mut c);
			register_content(c)
		};
		assert_noop!(with(|c| c.crs = 0), Error::<Test>::InvalidCrs);
		assert_noop!(with(|c| c.crs = 102_100), Error::<Test>::InvalidCrs);
		assert_noop!(with(|c| c.format = b"parquet".to_vec()), Error::<Test>::InvalidMediaType);
		assert_noop!(with(|c| c.format = b"text/".to_vec()), Error::<Test>::InvalidMediaType);
		assert_noop!(with(|c| c.format = b"a/b/c".to_vec()), Error::<Test>::InvalidMediaType);
		assert_noop!(
			with(|c| {
				c.format = b"application/".to_vec();
				c.format.resize(MAX_FORMAT_LEN as usize + 1, b'x');
			}),
			Error::<Test>::FormatTooLong
		);
		assert_noop!(with(|c| c.hash_code = 0x11), Error::<Test>::UnknownHashFunction);
		assert_noop!(with(|c| c.digest.pop().map(drop).unwrap()), Error::<Test>::WrongDigestLength);
		assert_noop!(
			with(|c| {
				c.hash_code = 0x12;
				c.digest = vec![1; 64];
			}),
			Error::<Test>::WrongDigestLength
		);
		assert_noop!(with(|c| c.size = 0), Error::<Test>::EmptyContent);
		assert_ok!(with(|c| {
			c.hash_code = 0x12;
			c.format = b"application/geo+json; charset=utf-8".to_vec();
		}));
	});
}

#[test]
fn register_dataset_takes_a_blake3_content_hash() {
	new_test_ext().execute_with(|| {
		let mut c = content(city(), year_2024());
		c.hash_code = 0x1e;
		assert_noop!(
			register_content(DatasetContent { digest: vec![1; 64], ..c.clone() }),
			Error::<Test>::WrongDigestLength
		);
		c.digest = vec![1; 32];
		assert_ok!(register_content(c));
		assert_eq!(record(0).content_hash.code, 0x1e);
	});
}

#[test]
fn confidential_data_cannot_be_open() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Datasets::register_dataset(
				RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
				description("Camera locations"),
				content(city(), year_2024()),
				AccessPolicy::Open,
				Sensitivity::Confidential,
			),
			Error::<Test>::PolicyTooPermissive
		);
	});
}
