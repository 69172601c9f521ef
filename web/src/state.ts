// The signed-in account and what it may do: read by every page, set by the
// session (session.ts, loaded once the catalogue shows).
import type { Account, Membership } from './accounts';
import { h } from './ui';
import { words } from './units';

export const current = {
  account: null as Account | null,
  membership: null as Membership | null,
  /**
   * How the account's sign-in went: the relay let it in (`connected`), the
   * gateway refused it (`refused`: not a member of an active department),
   * could not be reached, has no relay, or the wallet did not sign; null
   * before it is tried.
   */
  signIn: null as 'connected' | 'refused' | 'unreachable' | 'unavailable' | 'declined' | null,
};

/** Why the account cannot act, or null if it may. */
function cannotAct(role?: 'publisher' | 'approver' | 'auditor' | 'admin'): string | null {
  if (!current.account) return 'Choose an account in the header to act; without one the portal is read-only.';
  const m = current.membership;
  const name = current.account.name;
  if (current.signIn === 'unreachable') {
    return `${name} could not be signed in: the gateway or its node cannot be reached. Choose the account again once it is back; until then the portal is read-only.`;
  }
  if (current.signIn === 'unavailable') return `This gateway offers no sign-in (no relay to the node): the portal is read-only here.`;
  if (current.signIn === 'declined') return `${name} did not sign the sign-in (the wallet declined): the portal is read-only. Choose the account again to sign in.`;
  if (!m) {
    return `${name} is not a member of any department (or its department is not active): the gateway does not sign it in and the chain refuses its transactions, so it can read the public catalogue but not act. A department's Admin can add it.`;
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

