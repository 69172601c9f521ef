// The account menu and signing in: wallet and development accounts; a
// chosen account signs in once — the gateway's relay to the node opens for
// a member of an active department (each connection signed anew), and a
// read token lets the STAC API answer with what the member may see. The
// header shows the account's department and roles, with the chain's best
// and finalized blocks.
import { authorization, listAccounts, membershipOf, mintReadToken, type Account } from './accounts';
import { current } from './state';
import { closeRelay, config, forgetDepartments, heads, onConnection, openRelay } from './chain';
import { forgetNames, readAs } from './stac';
import { h } from './ui';
import { words } from './units';

const ACCOUNT_KEY = 'citychain.account';
const changeListeners: (() => void)[] = [];
/** A read token is minted again this long before it expires. */
const TOKEN_MARGIN_MS = 10 * 60_000;

export function onAccountChange(f: () => void): void {
  changeListeners.push(f);
}

/** Increases with every choice, so that a sign-in finishing late for an earlier choice is dropped. */
let choosing = 0;

function signOut(): void {
  closeRelay();
  readAs(null);
  forgetDepartments();
  forgetNames();
  current.membership = null;
  current.signIn = null;
}

/**
 * Signs `account` in: opens the relay (its signature over `GET /rpc`, made
 * again for each connection) and, once the gateway has let it in, mints a
 * read token for the catalogue. Resolves with what came of it.
 */
async function signIn(account: Account, choice: number): Promise<typeof current.signIn> {
  if (!config.rpc) return 'unavailable';
  const sign = () => authorization(account, 'GET', config.rpc!, config.gateway);
  const opened = await openRelay(sign, () => {
    // The gateway no longer signs the account in (its department was
    // suspended, or the account removed): read-only from here.
    if (choice !== choosing) return;
    signOut();
    current.signIn = 'refused';
    showWho();
    document.body.dataset.session = 'reader';
    changeListeners.forEach((f) => f());
  }, () => choice === choosing);
  if (choice !== choosing) return null;
  if (opened !== 'connected') return opened;
  let token: { token: string; expires: number };
  try {
    token = await mintReadToken(account, config.gateway);
  } catch {
    if (choice === choosing) closeRelay();
    return 'declined';
  }
  if (choice !== choosing) return null;
  // Minted again shortly before it expires, once for all the reads waiting.
  let minting: Promise<{ token: string; expires: number }> | null = null;
  readAs(async () => {
    if (token.expires - Date.now() < TOKEN_MARGIN_MS) {
      minting ??= mintReadToken(account, config.gateway).finally(() => { minting = null; });
      token = await minting.catch(() => token);
    }
    return token.expires > Date.now() ? token.token : null;
  });
  forgetNames();
  return 'connected';
}

function showWho(): void {
  const who = document.getElementById('who')!;
  const { account, membership: m, signIn } = current;
  if (!account) who.textContent = 'read-only';
  else if (signIn === 'unreachable') who.textContent = 'not signed in (the gateway cannot be reached): read-only';
  else if (signIn === 'declined') who.textContent = 'not signed in (no signature): read-only';
  else if (!m) who.textContent = 'not a member: read-only';
  else {
    const roles = Object.entries(m.roles).filter(([, on]) => on).map(([r]) => words(r));
    who.textContent = `${m.department.name} · ${roles.join(', ') || 'no roles'}`;
  }
}

async function choose(account: Account | null): Promise<void> {
  const choice = ++choosing;
  signOut();
  current.account = account;
  if (account) localStorage.setItem(ACCOUNT_KEY, account.address);
  else localStorage.removeItem(ACCOUNT_KEY);
  const who = document.getElementById('who')!;
  document.body.dataset.session = account ? 'signing-in' : 'anonymous';
  if (account) {
    who.textContent = `signing in as ${account.name}…`;
    let outcome: typeof current.signIn;
    try {
      outcome = await signIn(account, choice);
    } catch {
      outcome = 'declined';
    }
    if (choice !== choosing) return;
    current.signIn = outcome;
    if (outcome === 'connected') {
      current.membership = await membershipOf(account.address).catch(() => null);
      if (choice !== choosing) return;
    }
  }
  showWho();
  document.body.dataset.session = !account ? 'anonymous' : current.membership ? 'member' : 'reader';
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

  const status = document.getElementById('chain-status')!;
  const banner = document.getElementById('banner')!;
  setInterval(() => {
    const best = heads.best ? `best #${heads.best.number} · ` : '';
    status.textContent = `${best}finalized #${heads.finalized?.number ?? '…'}`;
  }, 500);
  onConnection((up) => {
    banner.hidden = up;
    banner.textContent = up ? '' : 'The node cannot be reached; reconnecting… (what you see is as of the last block received)';
    document.body.classList.toggle('offline', !up);
  });
  await choose(accounts.find((a) => a.address === menu.value) ?? null);
}
