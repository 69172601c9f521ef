// Notifications: what happened since the member's last visit that concerns
// it — requests to decide, decisions on its department's requests, new
// datasets its saved searches match, disputes for a regulator — from the
// gateway's event feed (`GET /events?concerning=true`, docs/feed.md): read
// once after the last notification marked read, then followed as a
// Server-Sent Events stream. A badge in the header counts them; the
// notifications page lists them, marks them read (`PUT /events/read`,
// signed) and manages the saved searches (`/subscriptions`).
import { config } from './chain';
import { current } from './state';
import { authorization } from './accounts';
import { currentToken, gateway, titles } from './stac';
import { h, flash, note, show } from './ui';
import { words } from './units';

/** An event of the feed, as the gateway renders it for the member. */
export interface FeedEvent {
  cursor: string; block: number; index: number; pallet: string; event: string;
  dataset?: number; contract?: number; owner?: number; consumer?: number;
  concerns?: string[]; matches?: string[];
}
interface FeedPage { events: FeedEvent[]; next: string | null; followed: number }
interface Deliveries {
  log: { cursor: string; attempt: number; delivered: boolean; outcome: string }[];
  deadLetters: { cursor: string; attempts: number; last: string }[];
  pending: { cursor: string; attempts: number }[];
}
interface Subscription { id: string; kind: 'search' | 'inbox'; name: string; webhook?: string; search?: Record<string, unknown> }

/** Notifications kept at most; the badge says "99+" beyond 99. */
const MAX_KEPT = 500;

const state = {
  unread: [] as FeedEvent[],
  source: null as EventSource | null,
  /** Increases with every (re)start, so that a late answer of an earlier one is dropped. */
  generation: 0,
};

function badge(): void {
  const b = document.getElementById('badge');
  if (!b) return;
  const n = state.unread.length;
  b.hidden = n === 0;
  b.textContent = n > 99 ? '99+' : String(n);
  b.setAttribute('aria-label', `${n} unread notification${n === 1 ? '' : 's'}`);
}

function add(e: FeedEvent): void {
  if (state.unread.some((u) => u.cursor === e.cursor)) return;
  state.unread.push(e);
  if (state.unread.length > MAX_KEPT) state.unread.shift();
  badge();
  if (location.hash === '#/notifications') void openNotifications();
}

/** Stops following (the account changed). */
function stop(): void {
  state.generation += 1;
  state.source?.close();
  state.source = null;
  state.unread = [];
  badge();
}

/** Reads the member's unread notifications and follows new ones; for anyone else, none. */
export async function startNotifications(): Promise<void> {
  stop();
  const generation = state.generation;
  const token = await currentToken();
  if (!current.membership || !token) return;
  const { read } = await gateway<{ read: string | null }>('/events/read');
  let after = read;
  const found: FeedEvent[] = [];
  for (;;) {
    const page = await gateway<FeedPage>(`/events?concerning=true&limit=100${after ? `&after=${after}` : ''}`);
    found.push(...page.events);
    if (!page.next || page.next === after || found.length >= MAX_KEPT) break;
    after = page.next;
  }
  if (generation !== state.generation) return;
  found.forEach(add);
  // From where the pages ended; on a reconnection the browser sends the last id it got.
  const query = new URLSearchParams({ concerning: 'true', token });
  if (after) query.set('after', after);
  const source = new EventSource(`${config.gateway}/events?${query}`);
  source.onmessage = (m) => {
    if (generation === state.generation) add(JSON.parse(m.data) as FeedEvent);
  };
  state.source = source;
}

/** A signed change at the gateway (`method` of `path` with `body`); its JSON answer. */
async function signed<T>(method: string, path: string, body?: unknown): Promise<T | null> {
  const url = `${config.gateway}${path}`;
  const r = await fetch(url, {
    method,
    headers: { authorization: await authorization(current.account!, method, url, config.gateway), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error((await r.json().catch(() => null))?.description ?? `${r.status} ${r.statusText}`);
  return r.status === 204 ? null : r.json() as Promise<T>;
}

/** Saves `search` (a `POST /search` body) as `name` under the signed-in member. */
export async function saveSearch(search: Record<string, unknown>, name: string): Promise<void> {
  const saved: Record<string, unknown> = { ...search };
  for (const k of ['limit', 'token', 'sortby', 'fields']) delete saved[k];
  await signed('POST', '/subscriptions', { name, search: saved });
}

/** A webhook's dead letters (deliveries given up on) and what still waits, if any. */
function deadLetters(d: Deliveries | null): HTMLElement | null {
  if (!d || (d.deadLetters.length === 0 && d.pending.length === 0)) return null;
  return h('div', { class: 'deliveries' },
    d.pending.length ? h('p', {}, `${d.pending.length} waiting to be delivered again`) : null,
    d.deadLetters.length ? h('details', { class: 'dead-letters' },
      h('summary', {}, `${d.deadLetters.length} not delivered (dead letters)`),
      h('ul', {}, ...d.deadLetters.map((l) => h('li', {}, `event ${l.cursor}: ${l.attempts} tries, last ${l.last}`)))) : null);
}

/** What the event is, for the member, in words, with a link. */
function describe(e: FeedEvent, named: Map<number, string>): HTMLElement {
  const dataset = e.dataset === undefined ? null : h('a', { href: `#/dataset/${e.dataset}` }, named.get(e.dataset) ?? `dataset ${e.dataset}`);
  const contract = e.contract === undefined ? null : h('a', { href: `#/contract/${e.contract}` }, `contract ${e.contract}`);
  const about = e.concerns ?? [];
  const text: (string | HTMLElement | null)[] = about.includes('decide') ? ['A request for ', dataset, ' awaits your decision (', contract, ')']
    : about.includes('decision') ? ['Your department\'s request for ', dataset, ': ', words(e.event), ' (', contract, ')']
      : about.includes('dispute') ? ['Dispute: ', words(e.event), ' ', contract ?? dataset ?? `department ${e.owner}`]
        : ['New dataset matching your saved search: ', dataset];
  return h('li', { 'data-cursor': e.cursor, class: `notification ${about.join(' ')}` }, ...text, h('span', { class: 'block' }, ` · block #${e.block}`));
}

/** The notifications page: what is unread, and the saved searches. */
export async function openNotifications(): Promise<void> {
  if (!current.membership) {
    show(h('h2', {}, 'Notifications'), h('p', { class: 'note readonly' }, 'Sign in as a member of a department to get notifications.'));
    return;
  }
  const named = await titles(state.unread.flatMap((e) => (e.dataset === undefined ? [] : [e.dataset])));
  const markRead = h('button', { type: 'button', disabled: state.unread.length === 0, onclick: async () => {
    const last = state.unread.at(-1);
    if (!last) return;
    try {
      await signed('PUT', '/events/read', { read: last.cursor });
      state.unread = state.unread.filter((u) => u.block > last.block || (u.block === last.block && u.index > last.index));
      badge();
      flash('ok', 'Marked read.');
      await openNotifications();
    } catch (err) {
      note(document.getElementById('side')!, 'error', `Could not mark them read: ${(err as Error).message}`);
    }
  } }, 'Mark all read');
  const { subscriptions } = await gateway<{ subscriptions: Subscription[] }>('/subscriptions');
  const deliveries = await Promise.all(subscriptions.map((s) => (s.webhook
    ? gateway<Deliveries>(`/subscriptions/${s.id}/deliveries`) : Promise.resolve(null))));
  const saved = h('ul', { class: 'subscriptions' }, ...subscriptions.map((s, i) => h('li', { 'data-subscription': s.id },
    `${s.name} (${s.kind === 'search' ? 'saved search' : 'inbox'}${s.webhook ? `, webhook ${s.webhook}` : ''}) `,
    h('button', { type: 'button', onclick: async () => {
      await signed('DELETE', `/subscriptions/${s.id}`);
      await openNotifications();
    } }, 'Delete'),
    deadLetters(deliveries[i]))));
  show(
    h('h2', {}, 'Notifications'),
    state.unread.length === 0 ? h('p', {}, 'Nothing new since your last visit.')
      : h('ol', { class: 'notifications' }, ...state.unread.map((e) => describe(e, named))),
    markRead,
    h('h3', {}, 'Saved searches'),
    subscriptions.length === 0 ? h('p', {}, 'None yet: save one from the catalogue\'s search.') : saved,
  );
}
