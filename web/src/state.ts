// The signed-in account and what it may do: read by every page, set by the
// session (session.ts, loaded once the catalogue shows).
import type { Account, Membership } from './accounts';
import { h } from './ui';
import { words } from './units';

export const current = {
  account: null as Account | null,
  membership: null as Membership | null,
};

/** Why the account cannot act, or null if it may. */
function cannotAct(role?: 'publisher' | 'approver' | 'auditor' | 'admin'): string | null {
  if (!current.account) return 'Choose an account in the header to act; without one the portal is read-only.';
  const m = current.membership;
  if (!m) {
    return `${current.account.name} is not a member of any department: the chain refuses its transactions, so it can read the catalogue but not act. A department's Admin can add it.`;
  }
  if (m.department.status !== 'Active') {
    return `${m.department.name} is ${m.department.status.toLowerCase()}: its members cannot act until governance reactivates it.`;
  }
  if (role && !m.roles[role]) return `${current.account.name} does not hold the ${words(role)} role in ${m.department.name}.`;
  return null;
}

/** A paragraph saying why the account cannot act with `role`, or null. */
export function refusal(role?: 'publisher' | 'approver' | 'auditor' | 'admin'): HTMLElement | null {
  const why = cannotAct(role);
  return why ? h('p', { class: 'note readonly', role: 'note' }, why) : null;
}

