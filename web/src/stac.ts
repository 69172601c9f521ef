// The catalogue as everyone reads it: the gateway's STAC API (`POST
// /search`, `POST /aggregate`, `/collections`, `/queryables`, an item's
// `record`, `versions` and `audit`). A signed-in member's requests carry
// its read token (`Authorization: Bearer …`), so the gateway answers with
// what the member may see; anyone else reads the public catalogue. No
// WebSocket.
import { config } from './chain';
import type { Dataset } from '@citychain/api/rpc';

export interface Link { rel: string; href: string; type?: string; title?: string; method?: string; body?: Record<string, unknown> }
export interface Asset { href: string; type?: string; title?: string; roles?: string[] }
export interface Item {
  type: 'Feature'; id: string; collection: string; bbox: number[];
  properties: Record<string, any>; links: Link[]; assets?: Record<string, Asset>;
}
export interface ItemCollection { type: 'FeatureCollection'; features: Item[]; links: Link[]; numberReturned: number }

/** A gateway's refusal: its status and its reason. */
export class GatewayError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

let readToken: (() => Promise<string | null>) | null = null;

/** Who the catalogue is read as: a function giving the signed-in member's read token, or null for anonymous. */
export function readAs(token: (() => Promise<string | null>) | null): void {
  readToken = token;
  names = null;
}

/** The signed-in member's read token, or null when reading anonymously. */
export async function currentToken(): Promise<string | null> {
  return readToken ? readToken() : null;
}

/**
 * Catalogue reads this page has in progress at once, at most: the gateway
 * lets one network address run only a few at once (and answers 429 to
 * more), so the page queues its own rather than being refused.
 */
const AT_ONCE = 2;
/**
 * How long a read the gateway found too many waits before it is asked again,
 * each time (about 24 s in all): other pages or people behind the same
 * address may hold its reads for seconds, and a page that waits is better
 * than one that says the gateway refused.
 */
const RETRY_MS = [250, 500, 1000, 2000, 4000, 8000, 8000];
let running = 0;
const waiting: (() => void)[] = [];

/**
 * Runs `f` when one of the page's `AT_ONCE` slots is free, unless `signal`
 * was aborted meanwhile (a read no longer wanted gives its turn away).
 */
async function inTurn<T>(f: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (running < AT_ONCE) running += 1;
  else await new Promise<void>((resume) => waiting.push(resume)); // the slot is handed over
  try {
    signal?.throwIfAborted();
    return await f();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

/**
 * A JSON answer of the gateway at `path` (a GET, or a POST of `body`);
 * `signal` abandons it.
 */
export async function gateway<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = readToken ? await readToken() : null;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const ask = () => fetch(`${config.gateway}${path}`, {
    method: body === undefined ? 'GET' : 'POST', headers, cache: 'no-store', signal,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const r = await inTurn(async () => {
    let answer = await ask();
    // Too many reads from this address (other pages or people behind it): a little later.
    for (const wait of RETRY_MS) {
      if (answer.status !== 429) break;
      await new Promise((resume) => setTimeout(resume, wait));
      signal?.throwIfAborted();
      answer = await ask();
    }
    return answer;
  }, signal);
  if (!r.ok) {
    const reason = await r.json().then((e) => e?.description, () => null);
    throw new GatewayError(r.status, typeof reason === 'string' ? reason : `${r.status} ${r.statusText}`);
  }
  return r.json() as Promise<T>;
}

/** `POST /search`. */
export function search(body: Record<string, unknown>): Promise<ItemCollection> {
  return gateway<ItemCollection>('/search', body);
}

/** One aggregation of an `AggregationCollection`: a value, or buckets and how many records fell beyond them. */
export interface Aggregation {
  name: string; data_type: string; value?: unknown;
  buckets?: { key: string; data_type: string; frequency: number }[]; overflow?: number;
}

/**
 * `POST /aggregate`: the `aggregations` of what the search filters `body`
 * match, of what the reader may see (the STAC Aggregation extension).
 */
export async function aggregate(body: Record<string, unknown>, aggregations: string[], signal?: AbortSignal): Promise<Map<string, Aggregation>> {
  const found = await gateway<{ aggregations: Aggregation[] }>('/aggregate', { ...body, aggregations }, signal);
  return new Map(found.aggregations.map((a) => [a.name, a]));
}

/** The token of a search answer's next page, or null on the last page. */
export function nextToken(page: { links: Link[] }): string | null {
  const next = page.links.find((l) => l.rel === 'next');
  const token = next?.body?.token ?? (next ? new URL(next.href, config.gateway).searchParams.get('token') : null);
  return typeof token === 'string' && token !== '' ? token : null;
}

/** The department id of a collection id `department-<id>`, or null. */
export function departmentOf(collection: string): number | null {
  const m = /^department-(\d{1,10})$/.exec(collection);
  return m ? Number(m[1]) : null;
}

let names: Promise<Map<number, string>> | null = null;

/** Every department's name by id, from the collections (`GET /collections`); cached until `forgetNames`. */
export function departmentNames(): Promise<Map<number, string>> {
  names ??= (async () => {
    const found = new Map<number, string>();
    let token: string | null = null;
    for (let pages = 0; pages < 100; pages += 1) {
      const page: { collections: { id: string; title?: string }[]; links: Link[] } =
        await gateway(`/collections?limit=100${token ? `&token=${encodeURIComponent(token)}` : ''}`);
      for (const c of page.collections) {
        const id = departmentOf(c.id);
        if (id !== null) found.set(id, typeof c.title === 'string' ? c.title : `department ${id}`);
      }
      token = nextToken(page);
      if (!token) break;
    }
    return found;
  })();
  names.catch(() => { names = null; });
  return names;
}

export function forgetNames(): void {
  names = null;
}

export async function departmentName(id: number): Promise<string> {
  return (await departmentNames()).get(id) ?? `department ${id}`;
}

/** The topics a dataset may have (`GET /queryables`). */
export async function topics(): Promise<string[]> {
  const schema = await gateway<{ properties: Record<string, { enum?: string[] }> }>('/queryables');
  return schema.properties['citychain:topic']?.enum ?? [];
}

/** Dataset `id`'s STAC Item, if the reader may see it. */
export async function findItem(id: number): Promise<Item | null> {
  if (!Number.isSafeInteger(id) || id < 0) return null;
  const found = await search({ ids: [String(id)], limit: 1 });
  return found.features.find((f) => f.id === String(id)) ?? null;
}

function itemPath(item: Item): string {
  return `/collections/${encodeURIComponent(item.collection)}/items/${encodeURIComponent(item.id)}`;
}

/** The item's record on chain (what `datasets_get` answers), to a reader who may see it. */
export async function record(item: Item): Promise<Dataset | null> {
  try {
    return await gateway<Dataset | null>(`${itemPath(item)}/record`);
  } catch (e) {
    if (e instanceof GatewayError && e.status === 404) return null;
    throw e;
  }
}

/** Dataset `id`'s Item and record, or null if there is none the reader may see. */
export async function dataset(id: number): Promise<{ item: Item; record: Dataset } | null> {
  const item = await findItem(id);
  const found = item ? await record(item) : null;
  return item && found ? { item, record: found } : null;
}

/** The records of datasets `ids` the reader may see, by id (one search, at most 100). */
export async function titles(ids: number[]): Promise<Map<number, string>> {
  const unique = [...new Set(ids)].slice(0, 100);
  if (unique.length === 0) return new Map();
  const found = await search({ ids: unique.map(String), limit: unique.length, fields: { include: ['properties.title'] } });
  return new Map(found.features.map((f) => [Number(f.id), String(f.properties?.title ?? `dataset ${f.id}`)]));
}

/** Every version of the item's dataset the reader may see, newest first. */
export async function versions(item: Item): Promise<Item[]> {
  const page = await gateway<ItemCollection>(`${itemPath(item)}/versions?limit=100`);
  return page.features;
}

/** The audit log's entries about the item's dataset, oldest first, at most `max`. */
export async function auditEntries<T>(item: Item, max = 500): Promise<T[]> {
  const out: T[] = [];
  let token: string | null = null;
  do {
    const page: { items: T[]; links: Link[] } = await gateway(`${itemPath(item)}/audit?limit=100${token ? `&token=${encodeURIComponent(token)}` : ''}`);
    out.push(...page.items);
    token = nextToken(page);
  } while (token && out.length < max);
  return out;
}
