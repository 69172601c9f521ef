// The signed-in account and what it may do; the header that shows it with
// the chain's best and finalized blocks.
import { listAccounts, membershipOf, type Account, type Membership } from './accounts';
import { heads, onConnection } from './chain';
import { h } from './ui';
import { words } from './units';

export const current = {
  account: null as Account | null,
  membership: null as Membership | null,
};
const ACCOUNT_KEY = 'citychain.account';
const changeListeners: (() => void)[] = [];

export function onAccountChange(f: () => void): void {
  changeListeners.push(f);
}

/** Why the account cannot act, or null if it may. */
export function cannotAct(role?: 'publisher' | 'approver' | 'auditor' | 'admin'): string | null {
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

async function choose(account: Account | null): Promise<void> {
  current.account = account;
  current.membership = account ? await membershipOf(account.address) : null;
  if (account) localStorage.setItem(ACCOUNT_KEY, account.address);
  else localStorage.removeItem(ACCOUNT_KEY);
  const who = document.getElementById('who')!;
  const m = current.membership;
  if (!account) who.textContent = 'read-only';
  else if (!m) who.textContent = 'not a member: read-only';
  else {
    const roles = Object.entries(m.roles).filter(([, on]) => on).map(([r]) => words(r));
    who.textContent = `${m.department.name} · ${roles.join(', ') || 'no roles'}`;
  }
  changeListeners.forEach((f) => f());
}

/** Fills the account menu and restores the last account. */
export async function setUpSession(): Promise<void> {
  const accounts = await listAccounts();
  const menu = document.getElementById('account') as HTMLSelectElement;
  menu.replaceChildren(h('option', { value: '' }, 'none (read-only)'),
    ...accounts.map((a) => h('option', { value: a.address }, a.source === 'dev' ? `${a.name} (development)` : `${a.name} (${a.source})`)));
  const saved = localStorage.getItem(ACCOUNT_KEY);
  menu.value = accounts.some((a) => a.address === saved) ? saved! : '';
  menu.addEventListener('change', () => void choose(accounts.find((a) => a.address === menu.value) ?? null));
  await choose(accounts.find((a) => a.address === menu.value) ?? null);

  const status = document.getElementById('chain-status')!;
  const banner = document.getElementById('banner')!;
  setInterval(() => {
    status.textContent = `best #${heads.best?.number ?? '…'} · finalized #${heads.finalized?.number ?? '…'}`;
  }, 500);
  onConnection((up) => {
    banner.hidden = up;
    banner.textContent = up ? '' : 'The node cannot be reached; reconnecting… (what you see is as of the last block received)';
    document.body.classList.toggle('offline', !up);
  });
}
