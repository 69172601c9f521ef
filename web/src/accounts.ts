// Who is acting: accounts from a browser wallet (the polkadot{.js}
// extension protocol) and, on a development chain, the development accounts;
// the account's department and roles; signing for transactions and for the
// gateway (signed requests, the relay's sign-in, read tokens).
import { web3Accounts, web3Enable, web3FromAddress } from '@polkadot/extension-dapp';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex, hexToU8a, stringToU8a } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import type { Department } from '@citychain/api/rpc';
import { config, departments, signedIn } from './chain';
import { h } from './ui';
import { short } from './units';

export interface Account {
  address: string;
  name: string;
  source: 'dev' | string;
  /** The development account's key pair; wallet accounts sign in the wallet. */
  pair?: KeyringPair;
}

export interface Membership {
  department: Department;
  roles: Department['members'][number]['roles'];
}

const DEV_ACCOUNTS = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];
/** The names of the accounts the menu lists (wallet and development accounts), by address. */
const known = new Map<string, string>();

/** Wallet accounts, then (on a development chain) the development accounts. */
export async function listAccounts(): Promise<Account[]> {
  const found: Account[] = [];
  const extensions = await web3Enable('CityChain portal');
  if (extensions.length > 0) {
    for (const a of await web3Accounts({ ss58Format: 42 })) {
      found.push({ address: a.address, name: a.meta.name ?? a.address, source: a.meta.source });
    }
  }
  if (config.development) {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    for (const name of DEV_ACCOUNTS) {
      const pair = keyring.addFromUri(`//${name}`, { name });
      found.push({ address: pair.address, name, source: 'dev', pair });
    }
  }
  for (const a of found) known.set(a.address, a.name);
  return found;
}

/** The account's department and roles (read through the relay); null if it is in none. */
export async function membershipOf(address: string): Promise<Membership | null> {
  for (const department of await departments()) {
    const m = department.members.find((x) => x.account === address);
    if (m) return { department, roles: m.roles };
  }
  return null;
}

/**
 * An account as people know it: its name (a wallet's or development
 * account) and, for a signed-in member, its department; the shortened
 * address otherwise. The full address is its tooltip.
 */
export async function accountLabel(address: string): Promise<HTMLElement> {
  const name = known.get(address) ?? short(address);
  const department = signedIn() ? (await membershipOf(address).catch(() => null))?.department.name : undefined;
  return h('span', { class: 'account-name', title: address }, department ? `${name} (${department})` : name);
}

/** What `signAndSend` takes for this account: the pair, or the address with the wallet's signer. */
export async function txSigner(account: Account): Promise<[KeyringPair | string, object]> {
  if (account.pair) return [account.pair, {}];
  const injector = await web3FromAddress(account.address);
  return [account.address, { signer: injector.signer }];
}

/**
 * Signs `message` for the gateway. A wallet signs the `<Bytes>`-wrapped
 * message (the gateway accepts both forms); a development account signs it
 * as it is.
 */
async function signMessage(account: Account, message: string): Promise<string> {
  if (account.pair) return u8aToHex(account.pair.sign(stringToU8a(message))).slice(2);
  const injector = await web3FromAddress(account.address);
  if (!injector.signer.signRaw) throw new Error('the wallet cannot sign messages');
  const { signature } = await injector.signer.signRaw({ address: account.address, data: u8aToHex(stringToU8a(message)), type: 'bytes' });
  return u8aToHex(hexToU8a(signature)).slice(2);
}

/** The `Authorization` header of a signed gateway request (citychain_client::auth). */
export async function authorization(account: Account, method: string, url: string, gateway: string): Promise<string> {
  const u = new URL(url);
  const time = Date.now();
  const nonce = u8aToHex(crypto.getRandomValues(new Uint8Array(16))).slice(2);
  const message = `citychain-gateway/2\n${gateway}\n${method}\n${u.pathname}${u.search}\n${time}\n${nonce}`;
  const signature = await signMessage(account, message);
  return `CityChain account=${account.address}, time=${time}, nonce=${nonce}, signature=${signature}`;
}

/** How long a read token is minted for. */
const TOKEN_LIFETIME_MS = 12 * 3600_000;

/**
 * A read token for the gateway's STAC API (citychain_client::auth): the
 * account's signature over `citychain-gateway-token/1`, the gateway, the
 * account and the expiry; sent as `Authorization: Bearer <token>`. It only
 * reads the catalogue as the account (never fetches data files).
 */
export async function mintReadToken(account: Account, gateway: string): Promise<{ token: string; expires: number }> {
  const expires = Date.now() + TOKEN_LIFETIME_MS;
  const message = `citychain-gateway-token/1\n${gateway}\n${account.address}\n${expires}`;
  const signature = await signMessage(account, message);
  return { token: `${account.address}.${expires}.${signature}`, expires };
}

/**
 * Stores `body` at the gateway with a request signed by `account` (`PUT
 * /data/{dataset}[?part=encrypted|key]`); throws with the gateway's reason
 * if it refuses.
 */
export async function storeAtGateway(account: Account, gateway: string, path: string, body: Blob): Promise<void> {
  const url = `${gateway}${path}`;
  const r = await fetch(url, { method: 'PUT', body, headers: { authorization: await authorization(account, 'PUT', url, gateway) } });
  if (!r.ok) throw new Error((await r.json().catch(() => ({ description: r.statusText }))).description);
}

/**
 * Dataset `dataset`'s data key sealed to its owning department
 * (`GET /data/{dataset}/key`, to that department's officers); `null` while
 * the gateway holds no encryption of the dataset.
 */
export async function keyEnvelope(account: Account, gateway: string, dataset: number): Promise<Uint8Array | null> {
  const url = `${gateway}/data/${dataset}/key`;
  const r = await fetch(url, { headers: { authorization: await authorization(account, 'GET', url, gateway) } });
  if (r.status === 204) return null;
  if (!r.ok) throw new Error((await r.json().catch(() => ({ description: r.statusText }))).description);
  return new Uint8Array(await r.arrayBuffer());
}
