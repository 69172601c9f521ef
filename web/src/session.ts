// The account menu: wallet and development accounts, the chosen account's
// department and roles in the header, with the chain's best and finalized
// blocks.
import { listAccounts, membershipOf, type Account } from './accounts';
import { current } from './state';
import { heads, onConnection } from './chain';
import { h } from './ui';
import { words } from './units';

const ACCOUNT_KEY = 'citychain.account';
const changeListeners: (() => void)[] = [];

export function onAccountChange(f: () => void): void {
  changeListeners.push(f);
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
