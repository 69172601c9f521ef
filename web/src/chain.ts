// Where the portal reads and writes: the gateway that serves it (its STAC
// API, for everyone) and, for a signed-in member, the node's JSON-RPC
// through the gateway's relay (`/rpc`): @polkadot/api with CityChain's
// definitions (clients/js), and plain-JSON calls of the custom methods.
// A visitor without an account, or with one that is not a member, never
// opens a WebSocket: the finalized head comes from the gateway's `/health`.
import type { ApiPromise } from '@polkadot/api';
import type { WsProvider } from '@polkadot/rpc-provider/ws';
import { rpc, signedExtensions } from '@citychain/api/definitions.mjs';
import type { Department, Method, Page, Params, Result } from '@citychain/api/rpc';

export interface Config {
  /** The gateway's public URL, without a trailing slash: its STAC API, data files and signatures. */
  gateway: string;
  /** The gateway's relay to the node (`ws(s)://…/rpc`), for signed-in members; null without one. */
  rpc: string | null;
  /** An XYZ raster tile URL template, or null for the offline graticule. */
  tiles: string | null;
  /** Whether the chain is a development chain (its development accounts are offered). */
  development: boolean;
}

/** What older portals saved: a node and gateway URL that a script could rewrite. No longer read. */
const OLD_SETTINGS_KEY = 'citychain.settings';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The gateway's `/explorer/config.json`. Nothing the browser stores or the
 * address bar says can point the portal at another node or gateway.
 */
export async function loadConfig(): Promise<Config> {
  localStorage.removeItem(OLD_SETTINGS_KEY);
  let served: Record<string, unknown> = {};
  try {
    const r = await fetch(`${import.meta.env.BASE_URL}config.json`);
    if (r.ok) served = await r.json();
  } catch {
    // Opened without the gateway (e.g. `vite dev`): the defaults below.
  }
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  const rpcUrl = text(served.rpc);
  return {
    gateway: (text(served.gateway) ?? location.origin).replace(/\/+$/, ''),
    rpc: rpcUrl && /^wss?:\/\//.test(rpcUrl) ? rpcUrl : null,
    tiles: text(served.tiles),
    // A gateway that does not say serves a development chain on this machine only.
    development: typeof served.development === 'boolean' ? served.development : isLoopback(location.hostname),
  };
}

export let config: Config;

export function setConfig(c: Config): void {
  config = c;
}

interface Head { number: number; hash: string }
export const heads = { best: null as Head | null, finalized: null as Head | null };
const finalizedListeners: ((h: Head) => void)[] = [];
const connectionListeners: ((up: boolean) => void)[] = [];
let up: boolean | null = null;

/** Calls `f` with every new finalized head. */
function onFinalized(f: (h: Head) => void): void {
  finalizedListeners.push(f);
}

/** Calls `f` when the chain can no longer be reached (false) or again (true). */
export function onConnection(f: (up: boolean) => void): void {
  connectionListeners.push(f);
}

function setUp(now: boolean): void {
  if (up === now) return;
  const was = up;
  up = now;
  // The first answer is no change.
  if (was !== null) connectionListeners.forEach((f) => f(now));
}

function setFinalized(head: Head): void {
  if (heads.finalized && heads.finalized.number >= head.number && heads.finalized.hash === head.hash) return;
  heads.finalized = head;
  finalizedListeners.forEach((f) => f(head));
}

// ---------------------------------------------------------------------------
// The gateway, for everyone.

/** How often a visitor without a relay session asks the gateway for the finalized head. */
const POLL_MS = 4000;
let pollTimer: number | null = null;

/** The gateway's finalized head (`/health`), or null if the gateway or its node cannot answer. */
export async function gatewayHead(): Promise<Head | null> {
  try {
    const r = await fetch(`${config.gateway}/health`, { cache: 'no-store', signal: AbortSignal.timeout(5000) });
    if (!r.ok) return null;
    const body = await r.json();
    const f = body?.finalized;
    return typeof f?.number === 'number' && typeof f?.hash === 'string' ? { number: f.number, hash: f.hash } : null;
  } catch {
    return null;
  }
}

async function poll(): Promise<void> {
  const head = await gatewayHead();
  if (relay) return; // a session began meanwhile: it follows the heads
  setUp(head !== null);
  if (head) setFinalized(head);
}

/** Follows the finalized head through the gateway, until a relay session follows it. */
function startPolling(): void {
  if (pollTimer !== null) return;
  void poll();
  pollTimer = window.setInterval(() => void poll(), POLL_MS);
}

function stopPolling(): void {
  if (pollTimer !== null) window.clearInterval(pollTimer);
  pollTimer = null;
}

/** Starts following the chain (through the gateway); resolves once the first head is known, or the gateway did not answer. */
export async function start(c: Config): Promise<void> {
  config = c;
  const head = await gatewayHead();
  up = head !== null;
  if (head) heads.finalized = head;
  startPolling();
}

// ---------------------------------------------------------------------------
// The relay, for a signed-in member.

/** The account did not sign a connection (a wallet declined). */
class NotSigned extends Error {}

/**
 * A WsProvider whose every connection is signed anew: the relay takes a
 * signature once (its nonce) and only within a minute of its time, and
 * WsProvider would reconnect with the URL it was given. `sign` makes the
 * `Authorization` value for `GET /rpc`; the signed URL is used for the
 * WebSocket only, never shown in messages. (The provider's module loads
 * with the first sign-in: visitors never need it.)
 */
async function relayProvider(base: string, sign: () => Promise<string>): Promise<WsProvider> {
  const { WsProvider } = await import('@polkadot/rpc-provider/ws');
  class RelayProvider extends WsProvider {
    #signed: string | null = null;

    constructor() {
      // No automatic connection or reconnection: `connect` signs first.
      super(base, false);
    }

    override get endpoint(): string {
      return this.#signed ?? base;
    }

    override async connect(): Promise<void> {
      let auth: string;
      try {
        auth = await sign();
      } catch (e) {
        throw new NotSigned((e as Error).message);
      }
      this.#signed = `${base}?auth=${encodeURIComponent(auth)}`;
      try {
        // WsProvider opens the WebSocket before its first await.
        await super.connect();
      } finally {
        this.#signed = null;
      }
    }

    override clone(): WsProvider {
      throw new Error('a relay session cannot be cloned: sign in again');
    }
  }
  return new RelayProvider();
}

interface Relay {
  provider: WsProvider;
  api: Promise<ApiPromise>;
  closed: boolean;
  /** A reconnection is under way (its failed attempts drop the connection too). */
  reconnecting: boolean;
}
let relay: Relay | null = null;

/** What an attempt to open the relay came to. */
export type Opened = 'connected' | 'refused' | 'unreachable' | 'declined';

/** One connection attempt: connected, failed (the WebSocket closed before it opened), or declined (no signature). */
function attempt(provider: WsProvider): Promise<'connected' | 'failed' | 'declined'> {
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    const done = (r: 'connected' | 'failed' | 'declined') => {
      offs.forEach((off) => off());
      resolve(r);
    };
    offs.push(provider.on('connected', () => done('connected')), provider.on('disconnected', () => done('failed')));
    provider.connect().catch((e: Error) => done(e instanceof NotSigned ? 'declined' : 'failed'));
  });
}

/** Why an attempt failed: the gateway answers its health check (so it refused the sign-in), or not. */
async function failure(): Promise<'refused' | 'unreachable'> {
  return (await gatewayHead()) ? 'refused' : 'unreachable';
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Opens a relay session signed by `sign` (each connection signed anew).
 * The gateway answers the upgrade only for a member of an active
 * department; a refusal (401/403) and a gateway that cannot be reached look
 * alike to a browser, so a failed attempt is told apart by the gateway's
 * health. `lost` is called if the session ends for good (the gateway no
 * longer signs the account in). A session no longer `wanted` once open
 * (another account was chosen meanwhile) is closed at once.
 */
export async function openRelay(sign: () => Promise<string>, lost: () => void, wanted: () => boolean): Promise<Opened> {
  closeRelay();
  if (!config.rpc) return 'unreachable';
  const provider = await relayProvider(config.rpc, sign);
  const outcome = wanted() ? await attempt(provider) : 'declined';
  if (outcome !== 'connected' || !wanted()) {
    void provider.disconnect().catch(() => {});
    return outcome === 'failed' ? failure() : 'declined';
  }
  const session: Relay = { provider, api: null as unknown as Promise<ApiPromise>, closed: false, reconnecting: false };
  relay = session;
  stopPolling();
  setUp(true);
  provider.on('disconnected', () => {
    if (session.closed || session.reconnecting) return;
    setUp(false);
    void reconnect(session, lost);
  });
  // The full API is a large module: it loads while the pages are drawn.
  session.api = import('@polkadot/api').then(({ ApiPromise }) =>
    ApiPromise.create({ provider, rpc, signedExtensions, noInitWarn: true, throwOnConnect: false }));
  session.api.catch(() => {});
  const follow = (kind: 'best' | 'finalized', type: string, method: string) =>
    provider.subscribe(type, method, [], (error: Error | null, header: { number: string }) => {
      if (error || session.closed) return;
      const number = Number(header.number);
      void hashOf(number).then((hash) => {
        const head = { number, hash };
        if (kind === 'finalized') setFinalized(head);
        else heads.best = head;
      }).catch(() => {});
    });
  await Promise.all([
    follow('best', 'chain_newHead', 'chain_subscribeNewHeads'),
    follow('finalized', 'chain_finalizedHead', 'chain_subscribeFinalizedHeads'),
  ]).catch(() => {});
  return 'connected';
}

/**
 * Opens the session's connection again after it dropped, signed anew, once
 * the gateway answers again (so a wallet is asked to sign only when a
 * connection can succeed). Two refusals in a row while the gateway answers
 * end the session.
 */
async function reconnect(session: Relay, lost: () => void): Promise<void> {
  session.reconnecting = true;
  try {
    await reconnectLoop(session, lost);
  } finally {
    session.reconnecting = false;
  }
}

async function reconnectLoop(session: Relay, lost: () => void): Promise<void> {
  let refusals = 0;
  while (!session.closed) {
    await delay(1000);
    if (session.closed) return;
    if (!(await gatewayHead())) continue;
    if (session.closed) return;
    const outcome = await attempt(session.provider);
    if (outcome === 'connected') {
      setUp(true);
      return;
    }
    if (session.closed) return;
    if (outcome === 'declined' || ((await failure()) === 'refused' && ++refusals >= 2)) {
      closeRelay();
      lost();
      return;
    }
  }
}

/** Ends the relay session, if there is one; the gateway's health is followed again. */
export function closeRelay(): void {
  const session = relay;
  if (!session) return;
  session.closed = true;
  relay = null;
  heads.best = null;
  void session.api?.then((api) => api.disconnect()).catch(() => {});
  void session.provider.disconnect().catch(() => {});
  startPolling();
}

/** Whether a member's relay session is open (it may be reconnecting). */
export function signedIn(): boolean {
  return relay !== null;
}

/** The full API (with the runtime's metadata), for transactions and events; it loads in the background. */
export function chainApi(): Promise<ApiPromise> {
  if (!relay) return Promise.reject(new Error('Sign in with a member\'s account: transactions go through the gateway\'s relay.'));
  return relay.api;
}

/** The hash of block `number` of the best chain. */
function hashOf(number: number): Promise<string> {
  return send('chain_getBlockHash', [number]);
}

/** A method's answer as plain JSON (null stays null), through the relay. */
async function send<T>(method: string, params: unknown[]): Promise<T> {
  if (!relay) throw new Error(`Sign in with a member's account to read ${method}: the node is reached through the gateway's relay.`);
  return (await relay.provider.send(method, params)) as T;
}

/** A custom RPC method's answer, with the parameters clients/js defines for it. */
export function call<M extends Method>(method: M, ...params: Params<M>): Promise<Result<M>> {
  return send(method, params);
}

let departmentsCache: Promise<Department[]> | null = null;

/** Every department with its members, in id order (through the relay; cached until `forgetDepartments`). */
export function departments(): Promise<Department[]> {
  departmentsCache ??= call('departments_list');
  departmentsCache.catch(() => { departmentsCache = null; });
  return departmentsCache;
}

export function forgetDepartments(): void {
  departmentsCache = null;
}

/**
 * Calls `f` after each new finalized head that finalized at least one
 * event of a pallet in `sections` (looking at up to 32 blocks finalized at
 * once). Without a relay session the events cannot be read: `f` is called
 * after every new finalized head.
 */
export function onFinalizedEvents(sections: string[], f: () => void): void {
  let last: number | null = null;
  onFinalized(async (head) => {
    const from = last === null ? head.number : Math.max(last + 1, head.number - 31);
    const previous = last;
    last = head.number;
    if (!relay) {
      if (previous !== null && head.number > previous) f();
      return;
    }
    try {
      const api = await chainApi();
      for (let n = from; n <= head.number; n += 1) {
        const hash = n === head.number ? head.hash : await hashOf(n);
        const events = (await api.query.system.events.at(hash)) as unknown as { event: { section: string } }[];
        if (events.some(({ event }) => sections.includes(event.section))) {
          f();
          return;
        }
      }
    } catch {
      // The connection dropped meanwhile: everything is read again when it is back.
    }
  });
}

/** The methods answering `{ items, next }` pages read with `cursor`, and their items. */
type Paged = { [M in Method]: Result<M> extends Page<unknown> ? M : never }[Method];
type Item<M extends Paged> = Result<M> extends Page<infer T> ? T : never;

/** Every item of a paged method (`access_contracts`, `audit_entries`) matching `query`, at most `max`. */
export async function allPages<M extends Paged>(method: M, query: Params<M>[0], max: number): Promise<Item<M>[]> {
  const out: Item<M>[] = [];
  let cursor: number | null = null;
  do {
    const page: Page<Item<M>> = await send(method, [{ ...query, limit: 100, ...(cursor !== null ? { cursor } : {}) }]);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor !== null && out.length < max);
  return out;
}
