// The connection to the node: @polkadot/api with CityChain's definitions
// (clients/js), the gateway's settings, and plain-JSON calls of the custom
// RPC methods.
import type { ApiPromise } from '@polkadot/api';
import { WsProvider } from '@polkadot/rpc-provider/ws';
import { rpc, signedExtensions } from '@citychain/api/definitions.mjs';

export interface Config {
  /** The node's WebSocket URL. */
  node: string;
  /** The gateway's URL, without a trailing slash. */
  gateway: string;
  /** An XYZ raster tile URL template, or null for the offline graticule. */
  tiles: string | null;
}

const SETTINGS_KEY = 'citychain.settings';

/** The gateway's `/explorer/config.json`, overridden by the user's settings. */
export async function loadConfig(): Promise<Config> {
  let served: Partial<Config> = {};
  try {
    const r = await fetch(`${import.meta.env.BASE_URL}config.json`);
    if (r.ok) served = await r.json();
  } catch {
    // Opened without the gateway (e.g. `vite dev`): the defaults below.
  }
  const saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}') as Partial<Config>;
  const params = new URLSearchParams(location.search);
  return {
    node: params.get('node') ?? saved.node ?? served.node ?? 'ws://127.0.0.1:9944',
    gateway: (saved.gateway ?? served.gateway ?? location.origin).replace(/\/$/, ''),
    tiles: saved.tiles !== undefined ? saved.tiles || null : served.tiles ?? null,
  };
}

export function saveSettings(settings: Partial<Config>): void {
  localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
}

export let config: Config;
let provider: WsProvider;
let apiPromise: Promise<ApiPromise>;

/** The full API (with the runtime's metadata), for transactions and events; it loads in the background. */
export function chainApi(): Promise<ApiPromise> {
  return apiPromise;
}

interface Head { number: number; hash: string }
export const heads = { best: null as Head | null, finalized: null as Head | null };
const finalizedListeners: ((h: Head) => void)[] = [];
const connectionListeners: ((up: boolean) => void)[] = [];

/** Calls `f` with every new finalized head. */
function onFinalized(f: (h: Head) => void): void {
  finalizedListeners.push(f);
}

/** Calls `f` when the node connection drops (false) or returns (true). */
export function onConnection(f: (up: boolean) => void): void {
  connectionListeners.push(f);
}

/**
 * Connects (retrying every second while the node is down) and follows the
 * heads. Reading needs only the connection: the catalogue shows while the
 * runtime's metadata, which transactions need, still loads.
 */
export async function connect(c: Config): Promise<void> {
  config = c;
  provider = new WsProvider(c.node, 1000);
  provider.on('disconnected', () => connectionListeners.forEach((f) => f(false)));
  provider.on('connected', () => connectionListeners.forEach((f) => f(true)));
  await provider.isReady;
  // The full API is a large module: it loads while the catalogue is drawn.
  apiPromise = import('@polkadot/api').then(({ ApiPromise }) =>
    ApiPromise.create({ provider, rpc, signedExtensions, noInitWarn: true, throwOnConnect: false }));
  const follow = (kind: 'best' | 'finalized', type: string, method: string) =>
    provider.subscribe(type, method, [], (error: Error | null, header: { number: string }) => {
      if (error) return;
      const number = Number(header.number);
      void hashOf(number).then((hash) => {
        const head = { number, hash };
        heads[kind] = head;
        if (kind === 'finalized') finalizedListeners.forEach((f) => f(head));
      });
    });
  await Promise.all([
    follow('best', 'chain_newHead', 'chain_subscribeNewHeads'),
    follow('finalized', 'chain_finalizedHead', 'chain_subscribeFinalizedHeads'),
  ]);
}

/** The hash of block `number` of the best chain. */
function hashOf(number: number): Promise<string> {
  return call<string>('chain_getBlockHash', number);
}

/** A custom RPC method's answer as plain JSON (null stays null). */
export async function call<T = any>(method: string, ...params: unknown[]): Promise<T> {
  return (await provider.send(method, params)) as T;
}

export interface Department {
  id: number; name: string; kind: string; status: string; encryptionKey: string | null;
  members: { account: string; roles: Record<'admin' | 'publisher' | 'approver' | 'auditor', boolean> }[];
}

let departmentsCache: Promise<Department[]> | null = null;

/** Every department, in id order (cached until `forgetDepartments`). */
export function departments(): Promise<Department[]> {
  departmentsCache ??= (async () => {
    const found: Department[] = [];
    // Ids are given out in order and departments are never deleted: read
    // them 16 at a time until the first id without one.
    for (let first = 0; first < 1024; first += 16) {
      const batch = await Promise.all(Array.from({ length: 16 }, (_, i) => call<Department | null>('departments_get', first + i)));
      const end = batch.indexOf(null);
      found.push(...(end < 0 ? batch : batch.slice(0, end)) as Department[]);
      if (end >= 0) break;
    }
    return found;
  })();
  return departmentsCache;
}

export function forgetDepartments(): void {
  departmentsCache = null;
}

export async function departmentName(id: number): Promise<string> {
  return (await departments()).find((d) => d.id === id)?.name ?? `department ${id}`;
}

/**
 * Calls `f` after each new finalized head that finalized at least one
 * event of a pallet in `sections` (looking at up to 32 blocks finalized at
 * once).
 */
export function onFinalizedEvents(sections: string[], f: () => void): void {
  let last: number | null = null;
  onFinalized(async (head) => {
    const from = last === null ? head.number : Math.max(last + 1, head.number - 31);
    last = head.number;
    const api = await chainApi();
    for (let n = from; n <= head.number; n += 1) {
      const hash = n === head.number ? head.hash : await hashOf(n);
      const events = (await api.query.system.events.at(hash)) as unknown as { event: { section: string } }[];
      if (events.some(({ event }) => sections.includes(event.section))) {
        f();
        return;
      }
    }
  });
}

/**
 * Every item of a paged method (`access_contracts`, `audit_entries`:
 * `{ items, next }` pages read with `cursor`) matching `query`, at most `max`.
 */
export async function allPages<T>(method: string, query: Record<string, unknown>, max: number): Promise<T[]> {
  const out: T[] = [];
  let cursor: number | null = null;
  do {
    const page: { items: T[]; next: number | null } = await call(method, { ...query, limit: 100, ...(cursor !== null ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.next;
  } while (cursor !== null && out.length < max);
  return out;
}
