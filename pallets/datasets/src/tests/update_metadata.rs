//! Tests of `update_metadata`.

use super::*;

#[test]
fn update_metadata_changes_descriptive_fields_only() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		let before = record(id);
		System::set_block_number(3);
		let update = MetadataUpdate {
			title: Some(b"Junction counts".to_vec()),
			keywords: Some(vec![b"mobility".to_vec()]),
			topic: Some(TopicCategory::Society),
			..Default::default()
		};
		assert_ok!(Datasets::update_metadata(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			update
		));
		System::assert_last_event(Event::MetadataUpdated { dataset: id }.into());
		let after = record(id);
		assert_eq!(after.title.to_vec(), b"Junction counts".to_vec());
		assert_eq!(after.keywords.len(), 1);
		assert_eq!(after.topic, TopicCategory::Society);
		assert_eq!(after.description, before.description);
		assert_eq!((after.content_hash.clone(), after.bbox), (before.content_hash, before.bbox));
		assert_eq!(after.updated.block, 3);
		assert_eq!(after.license, before.license);
		let relicense = MetadataUpdate {
			license: Some(license("LicenseRef-Transport-1", Some("https://transport.example/t"))),
			..Default::default()
		};
		assert_ok!(Datasets::update_metadata(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			relicense
		));
		let license = record(id).license.unwrap();
		assert_eq!(license.expression.to_vec(), b"LicenseRef-Transport-1".to_vec());
		assert_eq!(license.url.map(|u| u.to_vec()), Some(b"https://transport.example/t".to_vec()));
	});
}

#[test]
fn update_metadata_refuses_empty_invalid_and_unauthorised_updates() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		let update = |who, u| Datasets::update_metadata(RuntimeOrigin::signed(who), id, u);
		assert_noop!(
			update(TRANSPORT_PUBLISHER, MetadataUpdate::default()),
			Error::<Test>::NothingToUpdate
		);
		let empty_title = MetadataUpdate { title: Some(Vec::new()), ..Default::default() };
		assert_noop!(update(TRANSPORT_PUBLISHER, empty_title), Error::<Test>::EmptyTitle);
		let long_uri = MetadataUpdate {
			uri: Some(vec![b'u'; MAX_URI_LEN as usize + 1]),
			..Default::default()
		};
		assert_noop!(update(TRANSPORT_PUBLISHER, long_uri), Error::<Test>::UriTooLong);
		let script_uri =
			MetadataUpdate { uri: Some(b"javascript:alert(1)".to_vec()), ..Default::default() };
		assert_noop!(update(TRANSPORT_PUBLISHER, script_uri), Error::<Test>::InvalidUri);
		let long_desc = MetadataUpdate {
			description: Some(vec![b'd'; MAX_DESCRIPTION_LEN as usize + 1]),
			..Default::default()
		};
		assert_noop!(update(TRANSPORT_PUBLISHER, long_desc), Error::<Test>::DescriptionTooLong);
		let many = MetadataUpdate {
			keywords: Some(vec![b"k".to_vec(); MAX_KEYWORDS as usize + 1]),
			..Default::default()
		};
		assert_noop!(update(TRANSPORT_PUBLISHER, many), Error::<Test>::TooManyKeywords);
		let custom = MetadataUpdate { license: Some(license("other", None)), ..Default::default() };
		assert_noop!(update(TRANSPORT_PUBLISHER, custom), Error::<Test>::LicenseUrlMissing);
		let title = MetadataUpdate { title: Some(b"New".to_vec()), ..Default::default() };
		assert_noop!(update(PLANNING_PUBLISHER, title.clone()), Error::<Test>::NotOwner);
		assert_ok!(Datasets::withdraw_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), id));
		assert_noop!(update(TRANSPORT_PUBLISHER, title), Error::<Test>::DatasetWithdrawn);
	});
}
