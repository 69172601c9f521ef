// The catalogue: search by the map's view or a drawn box, a time range,
// topic, owner, policy and free text, and for a member the datasets its
// department may have at once for a purpose; a result list in sync with the
// footprints on the map; more results as the list scrolls; how many each
// filter's options would find (facets.ts). It reads the gateway's STAC API
// (`POST /search`, `POST /aggregate`), as the signed-in member (its read
// token) or anonymously: one way for everyone, no node connection (a
// member's purposes come through the relay).
import type { Purpose } from '@citychain/api/rpc';
import { allPages, call, heads, onFinalizedEvents, signedIn } from './chain';
import { current } from './state';
import { departmentNames, nextToken, search as stacSearch, topics as stacTopics, type Item as StacItem } from './stac';
import { countSoon, stopCounting, type Chosen, type Withdrawn } from './facets';
import { drawBox, highlight, map, showBox, showFootprints, viewBox } from './map';
import type { MapLayerMouseEvent } from 'maplibre-gl';
import { h, dateInput, field, restore, select, show, showTab } from './ui';
import { NOT_A_BOX, bboxText, date, parseBox, parseDate, words, type Bbox } from './units';

interface Item {
  id: number; title: string; owner: number; topic: string; bbox: Bbox;
  time: { start: number; end: number | null }; policy: string; status: string; sensitivity: string;
}
interface Page { items: Item[]; next: string | null; at: number | null }

/** What a result row needs of each Item (the STAC fields extension). */
const FIELDS = ['bbox', 'properties.title', 'properties.datetime', 'properties.start_datetime', 'properties.end_datetime',
  'properties.citychain:owner', 'properties.citychain:topic', 'properties.citychain:access_policy',
  'properties.citychain:sensitivity', 'properties.citychain:status', 'properties.citychain:ongoing'];
const PAGE = 25;
const DAY = 86_400_000;
const SLIDER_START = Date.parse('2000-01-01T00:00:00Z');

const state = {
  drawn: null as Bbox | null,
  form: null as HTMLFormElement | null,
  list: null as HTMLElement | null,
  summary: null as HTMLElement | null,
  shown: [] as Item[],
  /** The search the list shows: its next page continues it with `next`. */
  params: {} as Record<string, unknown>,
  next: null as string | null,
  /** The purpose label the list's datasets were found obtainable at once for (null: not asked). */
  atOnceFor: null as string | null,
  /** Increases with every new search, so a late answer of an older one is dropped. */
  generation: 0,
  active: false,
  /** A next page is being read: a refresh waits for it (`stale`). */
  loading: false,
  stale: false,
};
/** How long a next page that could not be read waits before it is asked again. */
const RETRY_MS = 1000;
let topics: string[] = [];
/** The purpose vocabulary, as the form offered it last. */
let purposes: Purpose[] = [];

/** A CQL2 text string literal. */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** What the form's facets choose (an empty string: any). */
function chosen(): Chosen {
  const f = new FormData(state.form!);
  const value = (name: string) => String(f.get(name) ?? '');
  return { topic: value('topic'), owner: value('owner'), policy: value('policy'), purpose: value('purpose'), withdrawn: f.get('withdrawn') !== null };
}

/** The department whose requests "Obtainable at once for" is about: the signed-in member's, if active; else null. */
function requester(): number | null {
  const m = current.membership;
  return signedIn() && m && m.department.status === 'Active' ? m.department.id : null;
}

/**
 * The filters of a search: the drawn box or the map's view, the form's time
 * range and text, the facets `c` (a purpose: what the member's department
 * would be granted at once, for a day, asked now, docs/terms.md), and
 * withdrawn datasets `withdrawn` (left out, shown too, or alone).
 */
function filters(c: Chosen, withdrawn: Withdrawn): Record<string, unknown> {
  const f = new FormData(state.form!);
  const from = parseDate(String(f.get('from') ?? ''));
  const to = parseDate(String(f.get('to') ?? ''));
  const p: Record<string, unknown> = { bbox: state.drawn ?? viewBox() };
  if (from !== null || to !== null) {
    p.datetime = `${from !== null ? new Date(from).toISOString() : '..'}/${to !== null ? new Date(to + DAY - 1).toISOString() : '..'}`;
  }
  const text = String(f.get('q') ?? '').trim();
  if (text) p.q = text;
  const cql: string[] = [];
  if (c.topic) cql.push(`"citychain:topic" = ${literal(c.topic)}`);
  if (c.policy) cql.push(`"citychain:access_policy" = ${literal(c.policy)}`);
  if (/^\d+$/.test(c.owner)) p.collections = [`department-${c.owner}`];
  const own = requester();
  if (c.purpose && own !== null) cql.push(`citychain:outcome(${own}, ${literal(c.purpose)}) = 'grant'`);
  if (withdrawn === 'hidden') cql.push("\"citychain:status\" <> 'withdrawn'");
  if (withdrawn === 'only') cql.push("\"citychain:status\" = 'withdrawn'");
  if (cql.length) {
    p.filter = cql.join(' AND ');
    p['filter-lang'] = 'cql2-text';
  }
  return p;
}

/** The vocabulary's label of the purpose `c` asks datasets to be obtainable at once for, or null if it asks none. */
function atOnceFor(c: Chosen): string | null {
  if (!c.purpose || requester() === null) return null;
  return purposes.find((p) => p.code === c.purpose)?.label ?? c.purpose;
}

/** The body of a `POST /search` for what the form and the map say. */
function params(): Record<string, unknown> {
  const c = chosen();
  return { ...filters(c, c.withdrawn ? 'shown' : 'hidden'), fields: { include: FIELDS }, limit: PAGE };
}

/** A result row's fields from its STAC Item. */
function fromItem(f: StacItem): Item {
  const p = f.properties ?? {};
  const time = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : NaN);
  const start = time(p.start_datetime ?? p.datetime);
  const end = p['citychain:ongoing'] === true ? null : time(p.end_datetime ?? p.datetime);
  return {
    id: Number(f.id), title: String(p.title ?? `dataset ${f.id}`), owner: Number(p['citychain:owner']),
    topic: String(p['citychain:topic'] ?? ''), bbox: f.bbox as Bbox,
    time: { start, end: end === null || Number.isNaN(end) ? null : end },
    policy: String(p['citychain:access_policy'] ?? ''), status: String(p['citychain:status'] ?? ''),
    sensitivity: String(p['citychain:sensitivity'] ?? ''),
  };
}

/** A page of results: `POST /search` with `body`. */
async function read(body: Record<string, unknown>): Promise<Page> {
  const found = await stacSearch(body);
  return { items: found.features.map(fromItem), next: nextToken(found), at: heads.finalized?.number ?? null };
}

/**
 * The datasets the signed-in member's department may download now: its own,
 * and those of its approved contracts (empty for anyone else).
 */
async function accessible(): Promise<{ own: number | null; granted: Set<number> }> {
  const m = current.membership;
  if (!signedIn() || !m) return { own: null, granted: new Set() };
  const approved = await allPages('access_contracts', { consumer: m.department.id, state: 'approved' }, 1000).catch(() => []);
  return { own: m.department.id, granted: new Set(approved.map((c) => c.dataset)) };
}

/**
 * A result row; `atOnceFor` names the purpose for which the search found the
 * dataset obtainable at once by the member's department.
 */
function row(d: Item, owners: Map<number, string>, access: { own: number | null; granted: Set<number> }, atOnceFor: string | null): HTMLElement {
  const open = () => { location.hash = `#/dataset/${d.id}`; };
  const li = h('li', { class: 'result', 'data-id': d.id, tabindex: 0, onclick: (e: Event) => { if (!(e.target as HTMLElement).closest('a')) open(); },
    onkeydown: (e: Event) => { if ((e as KeyboardEvent).key === 'Enter' && e.target === li) open(); } },
    h('a', { href: `#/dataset/${d.id}` }, d.title),
    h('div', { class: 'meta' },
      owners.get(d.owner) ?? `department ${d.owner}`, ' · ', words(d.topic), ' · ',
      `${date(d.time.start)} – ${date(d.time.end)}`),
    h('div', { class: 'badges' },
      h('span', { class: `badge policy-${d.policy}` }, words(d.policy)),
      h('span', { class: 'badge' }, words(d.sensitivity)),
      d.status !== 'active' ? h('span', { class: `badge status-${d.status}` }, words(d.status)) : null,
      access.own === d.owner ? h('span', { class: 'badge access', title: 'your department\'s dataset' }, 'yours')
        : access.granted.has(d.id) ? h('span', { class: 'badge access', title: 'your department holds an approved contract for it' }, 'access') : null,
      atOnceFor !== null ? h('span', { class: 'badge at-once' }, `granted at once for ${atOnceFor}`) : null));
  li.addEventListener('mouseenter', () => highlight(d.id, true));
  li.addEventListener('mouseleave', () => highlight(d.id, false));
  return li;
}

/**
 * Runs the search again from its first page. A `refresh` (new finalized
 * datasets) asks for as many results as the list already shows, so a reader
 * who scrolled does not lose their place; the node clamps the limit.
 */
export async function search(refresh = false): Promise<void> {
  if (!state.active) return;
  if (refresh && state.loading) {
    state.stale = true;
    return;
  }
  const generation = ++state.generation;
  countSoon(state.form!, chosen, filters);
  const started = performance.now();
  const asked = params();
  const why = atOnceFor(chosen());
  if (refresh) asked.limit = Math.max(PAGE, state.shown.length);
  let page: Page;
  try {
    page = await read(asked);
  } catch (e) {
    if (generation === state.generation) state.summary!.textContent = `The search failed: ${(e as Error).message}`;
    return;
  }
  if (generation !== state.generation) return;
  // A refresh that finds what the list shows changes only the block it names.
  if (refresh && page.next === state.next && JSON.stringify(page.items) === JSON.stringify(state.shown)) {
    state.params = asked;
    state.atOnceFor = why;
    summarize(page.at);
    return;
  }
  state.shown = page.items;
  state.params = asked;
  state.atOnceFor = why;
  state.next = page.next;
  await render(page, started);
}

/** Appends the next page; new finalized datasets refresh the list after it. */
async function more(): Promise<void> {
  if (!state.next || !state.active || state.loading) return;
  const generation = state.generation;
  state.loading = true;
  try {
    const page = await read({ ...state.params, token: state.next });
    if (generation === state.generation) {
      state.shown = state.shown.concat(page.items);
      state.next = page.next;
      await render(page, null);
    }
  } catch (e) {
    if (generation === state.generation) {
      state.summary!.textContent = `More results could not be read: ${(e as Error).message}`;
      window.setTimeout(observeSentinel, RETRY_MS);
    }
  } finally {
    state.loading = false;
  }
  if (state.stale) {
    state.stale = false;
    void search(true);
  }
}

/** The summary line: how many, where, and the finalized block the answer is of. */
function summarize(at: number | null): void {
  state.summary!.textContent = `${state.shown.length}${state.next ? '+' : ''} datasets${state.drawn ? ' in the drawn box' : ' in view'}${at !== null ? ` · finalized block #${at}` : ''}`;
  if (!signedIn()) state.summary!.append(h('span', { class: 'members-see-more' }, ' · public datasets only: members of a department who sign in see their own and internal ones too'));
  const side = document.getElementById('side')!;
  side.dataset.results = String(state.shown.length);
  if (at !== null) side.dataset.at = String(at);
}

async function render(page: Page, started: number | null): Promise<void> {
  const [owners, access] = await Promise.all([departmentNames().catch(() => new Map<number, string>()), accessible()]);
  // Another page was opened while this answer was read.
  if (!state.active) return;
  // A row with the keyboard's focus keeps it when the list is drawn again.
  const focused = document.activeElement instanceof HTMLElement && document.activeElement.matches('.result') ? document.activeElement.dataset.id : null;
  state.list!.replaceChildren(...state.shown.map((d) => row(d, owners, access, state.atOnceFor)));
  if (focused) state.list!.querySelector<HTMLElement>(`.result[data-id="${focused}"]`)?.focus();
  if (state.next) state.list!.append(h('li', { class: 'more' }, 'loading more…'));
  showFootprints(state.shown);
  summarize(page.at);
  const side = document.getElementById('side')!;
  side.dataset.generation = String(state.generation);
  if (started !== null) side.dataset.searchMs = String(Math.round(performance.now() - started));
  if (performance.getEntriesByName('results shown').length === 0) performance.mark('results shown');
  observeSentinel();
}

/** Reads the next page once the list's last line scrolls into view. */
function observeSentinel(): void {
  const sentinel = state.list?.querySelector('.more');
  if (!sentinel) return;
  const io = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) {
      io.disconnect();
      void more();
    }
  }, { root: document.getElementById('side') });
  io.observe(sentinel);
}

function timeSlider(form: HTMLFormElement): HTMLElement {
  const days = Math.ceil((Date.now() - SLIDER_START) / DAY);
  const from = dateInput('from');
  const to = dateInput('to');
  const toDate = (v: string) => new Date(SLIDER_START + Number(v) * DAY).toISOString().slice(0, 10);
  const slider = (label: string, value: number) => h('input', { type: 'range', min: 0, max: days, value, 'aria-label': label });
  const a = slider('from (slider)', 0);
  const b = slider('to (slider)', days);
  // Each slider says its date, to the eye and to a screen reader.
  const said = (el: HTMLInputElement, open: string) => {
    const text = Number(el.value) === (el === a ? 0 : days) ? open : toDate(el.value);
    el.setAttribute('aria-valuetext', text);
    el.title = text;
  };
  const sync = () => form.dispatchEvent(new Event('change'));
  a.addEventListener('input', () => { from.value = Number(a.value) > 0 ? toDate(a.value) : ''; said(a, 'any start'); });
  b.addEventListener('input', () => { to.value = Number(b.value) < days ? toDate(b.value) : ''; said(b, 'any end'); });
  a.addEventListener('change', sync);
  b.addEventListener('change', sync);
  const fromDate = (v: string, fallback: number) => { const ms = parseDate(v); return ms === null ? fallback : Math.round((ms - SLIDER_START) / DAY); };
  from.addEventListener('change', () => { a.value = String(fromDate(from.value, 0)); said(a, 'any start'); });
  to.addEventListener('change', () => { b.value = String(fromDate(to.value, days)); said(b, 'any end'); });
  said(a, 'any start');
  said(b, 'any end');
  return h('fieldset', { class: 'time' }, h('legend', {}, 'Time range'), h('div', { class: 'sliders' }, a, b),
    h('div', { class: 'dates' }, field('From (YYYY-MM-DD)', from), field('To (YYYY-MM-DD)', to)));
}

/** Reads what the search form offers (topics, departments) from the gateway. */
export async function prefetch(): Promise<void> {
  if (topics.length === 0) {
    const [found] = await Promise.all([stacTopics(), departmentNames()]);
    topics = found;
  }
}

/** Shows the catalogue in the side pane and searches. */
export async function openCatalogue(): Promise<void> {
  await prefetch();
  const member = requester() !== null ? current.membership!.department.name : null;
  const [names, offered] = await Promise.all([departmentNames(), member !== null ? call('access_purposes').catch(() => null) : null]);
  const owners = [...names].map(([id, name]) => ({ id, name }));
  // Without an answer the vocabulary read last is offered.
  purposes = offered ?? purposes;
  // Drawn again (an account chosen, a reconnection): what the reader has
  // entered so far stays, also what they typed while the lines above waited
  // (nothing waits from here until the new form replaces the old one).
  const entered = state.form ? new FormData(state.form) : null;
  const form = h('form', { class: 'search', onsubmit: (e: Event) => e.preventDefault() },
    field('Text', h('input', { type: 'search', name: 'q', placeholder: 'words in title, description, keywords' })),
    h('div', { class: 'row' },
      field('Topic', select('topic', [['', 'any'], ...topics.map((t): [string, string] => [t, words(t)])])),
      field('Owner', select('owner', [['', 'any'], ...owners.map((d): [string, string] => [String(d.id), d.name])])),
      field('Policy', select('policy', [['', 'any'], ['open', 'Open'], ['approvalRequired', 'Approval required'], ['restricted', 'Restricted']]))),
    member !== null && purposes.length > 0 ? h('div', { class: 'row' },
      field('Obtainable at once for', select('purpose', [['', 'any'], ...purposes.map((p): [string, string] => [p.code, p.label])]),
        `datasets whose rules grant ${member} a request for this purpose at once (for a day, asked now)`)) : null,
    h('div', { class: 'row' },
      h('button', { type: 'button', id: 'draw-box', onclick: async () => {
        // On a phone the map shows while the box is drawn, the list with what it found.
        showTab('map');
        const drawn = await drawBox();
        showTab('list');
        if (drawn) setDrawn(drawn);
      } }, 'Draw a box'),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'withdrawn' }), h('span', { class: 'withdrawn-label' }, 'show withdrawn'))));
  const clearBox = h('button', { type: 'button', hidden: state.drawn === null, onclick: () => setDrawn(null) }, 'Search the map view');
  form.querySelector('.row:last-child')!.append(clearBox);
  // The box, drawn or typed: west, south, east, north in degrees.
  const boxInput = h('input', { name: 'box', inputmode: 'decimal', autocomplete: 'off', placeholder: 'west, south, east, north (degrees)', value: state.drawn ? state.drawn.join(', ') : '' });
  const boxSaid = h('small', { class: 'box-text' }, state.drawn ? bboxText(state.drawn) : 'none: the map view is searched');
  function setDrawn(b: Bbox | null): void {
    state.drawn = b;
    showBox(b);
    clearBox.hidden = b === null;
    boxInput.value = b ? b.join(', ') : '';
    boxInput.removeAttribute('aria-invalid');
    boxSaid.textContent = b ? bboxText(b) : 'none: the map view is searched';
    void search();
  }
  boxInput.addEventListener('change', (e) => {
    e.stopPropagation();
    if (boxInput.value.trim() === '') return setDrawn(null);
    const v = parseBox(boxInput.value);
    if (!v) {
      boxInput.setAttribute('aria-invalid', 'true');
      boxSaid.textContent = NOT_A_BOX;
      return;
    }
    // Restored as it was (the page drawn again): nothing changed.
    if (state.drawn?.join() !== v.join()) setDrawn(v);
  });
  form.append(h('div', { class: 'box-entry' }, field('Box (west, south, east, north)', boxInput), boxSaid));
  form.insertBefore(timeSlider(form), form.lastElementChild);
  if (entered) restore(form, entered);
  form.addEventListener('change', () => void search());
  let typing = 0;
  form.addEventListener('input', (e) => {
    if ((e.target as HTMLElement).getAttribute('name') !== 'q') return;
    clearTimeout(typing);
    typing = window.setTimeout(() => void search(), 250);
  });
  state.form = form;
  state.summary = h('p', { class: 'summary' }, 'searching…');
  state.list = h('ol', { class: 'results' });
  state.active = true;
  show(h('h2', {}, 'Catalogue'), form, saveSearch(), state.summary, state.list);
  showBox(state.drawn);
  await search();
}

/**
 * For a member: saves the search the form and the map say, to be told of
 * each new dataset that matches it (the notifications page, docs/feed.md).
 */
function saveSearch(): HTMLElement | null {
  if (!current.membership) return null;
  const name = h('input', { type: 'text', name: 'save-name', maxlength: '100', placeholder: 'e.g. traffic counts near the site' });
  const said = h('span', { class: 'save-said', role: 'status' });
  const button = h('button', { type: 'button', id: 'save-search', onclick: async () => {
    button.disabled = true;
    said.textContent = 'saving…';
    try {
      await (await import('./notifications')).saveSearch(params(), name.value.trim() || 'saved search');
      said.textContent = 'Saved: new datasets that match it will show in Notifications.';
    } catch (e) {
      said.textContent = `Not saved: ${(e as Error).message}`;
    } finally {
      button.disabled = false;
    }
  } }, 'Save this search');
  return h('div', { class: 'save-search' }, field('Save this search as', name), button, said);
}

/** Leaves the catalogue: its footprints leave the map, so another page's own box reads alone. */
export function closeCatalogue(): void {
  state.active = false;
  stopCounting();
  showFootprints([]);
}

/** Wires the map to the catalogue: moves search again, hover and click reach the list. */
export function wireMap(): void {
  map.on('moveend', () => { if (!state.drawn) void search(); });
  let hovered: number | null = null;
  map.on('mousemove', 'footprints-fill', (e: MapLayerMouseEvent) => {
    const id = Number(e.features?.[0]?.id);
    if (hovered === id) return;
    if (hovered !== null) highlight(hovered, false);
    hovered = id;
    highlight(id, true);
    document.querySelectorAll('.result.hover').forEach((el) => el.classList.remove('hover'));
    document.querySelector(`.result[data-id="${id}"]`)?.classList.add('hover');
  });
  map.on('mouseleave', 'footprints-fill', () => {
    if (hovered !== null) highlight(hovered, false);
    hovered = null;
    document.querySelectorAll('.result.hover').forEach((el) => el.classList.remove('hover'));
  });
  map.on('click', 'footprints-fill', (e: MapLayerMouseEvent) => {
    if (!map.dragPan.isEnabled()) return;
    const ids = (e.features ?? []).map((f: { id?: string | number }) => Number(f.id));
    // The smallest footprint under the pointer: the one the user most likely means.
    const id = ids.length ? ids[ids.length - 1] : null;
    if (id !== null) location.hash = `#/dataset/${id}`;
  });
  onFinalizedEvents(['datasets'], () => { if (state.active) void search(true); });
}
