//! Who may see which dataset records in the catalogue: anyone the `public`
//! ones; a member of an active department also the `internal` and
//! `confidential` ones, its own department's (`secret` included), and
//! those it holds a live contract for; a member of an active regulator
//! every one. The rule as pure functions: the node computes a reader's
//! [`Visibility`] once per finalized block from state, and every search,
//! record and history it serves applies [`Visibility::admits`].

use alloc::vec::Vec;

use crate::{
	datasets::DatasetId,
	departments::{DepartmentId, Membership},
	vocabulary::Sensitivity,
};

/// What one reader may see; `None` where a function returns
/// `Option<Visibility>` means every record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Visibility {
	/// Sensitivities the reader may see of any department.
	pub sensitivities: Vec<Sensitivity>,
	/// The reader's department, all of whose records it may see.
	pub department: Option<DepartmentId>,
	/// The datasets the reader holds a live contract for, sorted (kept so by
	/// `new`, since `admits` searches it).
	contracted: Vec<DatasetId>,
}

impl Visibility {
	/// What a reader of `sensitivities`, `department` and `contracted` sees.
	pub fn new(
		sensitivities: Vec<Sensitivity>,
		department: Option<DepartmentId>,
		mut contracted: Vec<DatasetId>,
	) -> Self {
		contracted.sort_unstable();
		contracted.dedup();
		Self { sensitivities, department, contracted }
	}

	/// The datasets the reader holds a live contract for, in ascending order.
	pub fn contracted(&self) -> &[DatasetId] {
		&self.contracted
	}

	/// The public records only: what an anonymous reader, or an account of
	/// no active department, may see.
	pub fn public() -> Self {
		Self { sensitivities: Vec::from([Sensitivity::Public]), ..Default::default() }
	}

	/// What an account with `membership` (if any) may see, given the
	/// datasets its department holds a live contract for (`contracted`,
	/// asked only of a member of an active department that is not a
	/// regulator; its error is returned); `None`: every record.
	pub fn of<E>(
		membership: Option<&Membership>,
		contracted: impl FnOnce(DepartmentId) -> Result<Vec<DatasetId>, E>,
	) -> Result<Option<Self>, E> {
		let Some(member) = membership.filter(|m| m.status.is_active()) else {
			return Ok(Some(Self::public()));
		};
		if member.kind.is_regulator() {
			return Ok(None);
		}
		let sensitivities =
			Vec::from([Sensitivity::Public, Sensitivity::Internal, Sensitivity::Confidential]);
		Ok(Some(Self::new(sensitivities, Some(member.department), contracted(member.department)?)))
	}

	/// Whether the reader may see dataset `id`, of `sensitivity`, owned by
	/// department `owner`.
	pub fn admits(&self, id: DatasetId, sensitivity: Sensitivity, owner: DepartmentId) -> bool {
		self.sensitivities.contains(&sensitivity)
			|| self.department == Some(owner)
			|| self.contracted.binary_search(&id).is_ok()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::departments::{DepartmentKind, DepartmentStatus, Roles};

	fn member(kind: DepartmentKind, status: DepartmentStatus) -> Membership {
		Membership { department: 3, kind, status, roles: Roles::default() }
	}

	#[test]
	fn each_reader_sees_what_the_rule_says() {
		use Sensitivity::*;
		let transport = member(DepartmentKind::Transport, DepartmentStatus::Active);
		let seen = |v: &Option<Visibility>, id, sensitivity, owner| {
			v.as_ref().is_none_or(|v| v.admits(id, sensitivity, owner))
		};
		let of = |m: Option<&Membership>, contracted: Vec<DatasetId>| {
			Visibility::of(m, |_| Ok::<_, ()>(contracted)).unwrap()
		};
		let anonymous = of(None, Vec::new());
		assert_eq!(anonymous, Some(Visibility::public()));
		assert!(seen(&anonymous, 1, Public, 1));
		assert!(!seen(&anonymous, 1, Internal, 1));
		let of_transport = of(Some(&transport), vec![9, 7, 9]);
		assert!(seen(&of_transport, 1, Confidential, 1));
		assert!(!seen(&of_transport, 1, Secret, 1), "another department's secret record");
		assert!(seen(&of_transport, 1, Secret, 3), "its own department's");
		assert!(seen(&of_transport, 7, Secret, 1), "one it holds a contract for");
		assert_eq!(of_transport.as_ref().unwrap().contracted(), [7, 9]);
		let suspended = member(DepartmentKind::Transport, DepartmentStatus::Suspended);
		let unread = |_| -> Result<Vec<DatasetId>, ()> { unreachable!("no contracts are read") };
		assert_eq!(Visibility::of(Some(&suspended), unread), Ok(Some(Visibility::public())));
		let regulator = member(DepartmentKind::Regulator, DepartmentStatus::Active);
		assert_eq!(Visibility::of(Some(&regulator), unread), Ok(None));
	}
}
