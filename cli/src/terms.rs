//! `citychain policy`, `citychain evaluate`, `citychain purposes` and
//! `citychain jurisdictions`: a dataset's rules written and read in words, a
//! request's verdict before it is sent, and the vocabulary the rules name.
//!
//! A rule on the command line is its outcome and its constraints:
//!
//! ```text
//! grant kind=Transport,Environment purpose=planning within=0 days=365 uses=10
//! provider department=3 from=2027-01-01 to=2027-12-31
//! provider+regulator within=extent
//! refuse purpose=law-enforcement
//! ```

use crate::{common::Context, failure::Failure, print};
use citychain_client::{
	chain::api,
	primitives::{
		terms::{Area, Consumers, Named, Outcome, Policy, PurposeCode, Rule, Window},
		DepartmentKind, Sensitivity,
	},
	rpc::api::{terms::EvaluateParams, AccessApiClient},
};

/// A rule as `--rule` writes it.
pub fn parse_rule(text: &str) -> Result<Rule, String> {
	let mut words = text.split_whitespace();
	let outcome = match words.next() {
		Some("grant") => Outcome::Grant,
		Some("provider") => Outcome::Provider,
		Some("provider+regulator") => Outcome::ProviderAndRegulator,
		Some("refuse") => Outcome::Refuse,
		other => {
			return Err(format!(
				"a rule starts with grant, provider, provider+regulator or refuse, not {:?}",
				other.unwrap_or("")
			))
		},
	};
	let mut rule = Rule::always(outcome);
	let (mut from, mut to) = (None, None);
	for word in words {
		let (key, value) = word
			.split_once('=')
			.ok_or_else(|| format!("{word:?}: a constraint is key=value"))?;
		let list = |parse: &dyn Fn(&str) -> Result<u32, String>| -> Result<Named<u32>, String> {
			let items = value.split(',').map(parse).collect::<Result<Vec<_>, _>>()?;
			Named::try_from(items).map_err(|_| format!("{key}: at most 8"))
		};
		let number =
			|v: &str| v.parse::<u32>().map_err(|_| format!("{key}: {v:?} is not a number"));
		match key {
			"department" => rule.consumer = Some(Consumers::Departments(list(&number)?)),
			"kind" => {
				let kinds = value
					.split(',')
					.map(|k| {
						serde_json::from_value::<DepartmentKind>(serde_json::Value::from(k))
							.map_err(|_| format!("kind: {k:?} is not a department kind"))
					})
					.collect::<Result<Vec<_>, _>>()?;
				rule.consumer = Some(Consumers::Kinds(
					Named::try_from(kinds).map_err(|_| "kind: at most 8".to_string())?,
				));
			},
			"purpose" => {
				let codes = value
					.split(',')
					.map(|c| PurposeCode::try_from(c.as_bytes().to_vec()).map_err(|_| format!("purpose: {c:?} is too long")))
					.collect::<Result<Vec<_>, _>>()?;
				rule.purpose =
					Some(Named::try_from(codes).map_err(|_| "purpose: at most 8".to_string())?);
			},
			"days" => rule.max_days = Some(number(value)?),
			"uses" => rule.uses = Some(number(value)?),
			"within" if value == "extent" => rule.scope = Some(Area::Extent),
			"within" => rule.scope = Some(Area::Jurisdictions(list(&number)?)),
			"from" => from = Some(date(key, value)?),
			// A day names all of it.
			"to" if value.len() == 10 => to = Some(date(key, value)?.saturating_add(86_400_000 - 1)),
			"to" => to = Some(date(key, value)?),
			other => return Err(format!("{other:?} is no constraint (department, kind, purpose, days, within, from, to, uses)")),
		}
	}
	if from.is_some() || to.is_some() {
		rule.window = Some(Window { from: from.unwrap_or(0), to: to.unwrap_or(u64::MAX) });
	}
	Ok(rule)
}

fn date(key: &str, value: &str) -> Result<u64, String> {
	crate::extent::parse_time(value)
		.and_then(|ms| u64::try_from(ms).ok())
		.ok_or_else(|| {
			format!("{key}: {value:?} is not a date (YYYY-MM-DD or RFC 3339) after 1970")
		})
}

/// `citychain policy set`: the dataset's rules, signed by a Publisher of
/// its owner.
pub async fn set_policy(
	ctx: &Context,
	dataset: u64,
	rules: &[String],
	sensitivity: Sensitivity,
) -> Result<(), Failure> {
	let rules = rules
		.iter()
		.map(|r| parse_rule(r).map_err(Failure::Usage))
		.collect::<Result<Vec<_>, _>>()?;
	let policy: Policy = rules.try_into().map_err(|_| Failure::Usage("at most 8 rules".into()))?;
	let call = api::tx().datasets().set_access_policy(
		dataset,
		api::runtime_types::bounded_collections::bounded_vec::BoundedVec(
			policy.into_iter().map(citychain_client::chain::Static).collect(),
		),
		citychain_client::chain::Static(sensitivity),
	);
	ctx.submit(&call).await?;
	print(&ctx.node.rules(dataset, None).await?);
	Ok(())
}

/// `citychain evaluate`: what a request would meet, as the signing account.
pub async fn evaluate(ctx: &Context, params: EvaluateParams) -> Result<(), Failure> {
	let evaluation = ctx.node.evaluate(params, None).await?;
	print(&evaluation);
	if evaluation.outcome == Outcome::Refuse {
		return Err(Failure::Refused("the dataset's rules refuse this request".into()));
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn rules_are_written_in_words() {
		let r = parse_rule(
			"grant kind=Transport,Environment purpose=planning within=0,1 days=365 uses=10",
		)
		.unwrap();
		assert_eq!(r.outcome, Outcome::Grant);
		assert_eq!(
			r.consumer,
			Some(Consumers::Kinds(Named::truncate_from(vec![
				DepartmentKind::Transport,
				DepartmentKind::Environment
			])))
		);
		assert_eq!(r.purpose.unwrap()[0].to_vec(), b"planning".to_vec());
		assert_eq!(r.scope, Some(Area::Jurisdictions(Named::truncate_from(vec![0, 1]))));
		assert_eq!((r.max_days, r.uses), (Some(365), Some(10)));
		let w = parse_rule("provider department=3 from=2027-01-01 to=2027-01-01").unwrap();
		assert_eq!(w.window, Some(Window { from: 1_798_761_600_000, to: 1_798_847_999_999 }));
		assert_eq!(
			parse_rule("provider+regulator within=extent").unwrap().scope,
			Some(Area::Extent)
		);
		assert_eq!(parse_rule("refuse").unwrap(), Rule::always(Outcome::Refuse));
	}

	#[test]
	fn mistakes_are_named() {
		for (bad, says) in [
			("allow", "starts with"),
			("grant kind=Bakery", "not a department kind"),
			("grant days=many", "not a number"),
			("grant colour=red", "no constraint"),
			("grant purpose", "key=value"),
			("grant department=1,2,3,4,5,6,7,8,9", "at most 8"),
			("grant from=yesterday", "not a date"),
		] {
			let e = parse_rule(bad).unwrap_err();
			assert!(e.contains(says), "{bad}: {e}");
		}
	}
}
