// The catalogue: search by the map's view or a drawn box, a time range,
// topic, owner, policy and free text; a result list in sync with the
// footprints on the map; more results as the list scrolls.
import { call, departments, onFinalizedEvents } from './chain';
import { current } from './state';
import { drawBox, highlight, map, showBox, showFootprints, viewBox } from './map';
import type { MapLayerMouseEvent } from 'maplibre-gl';
import { h, field, select, show } from './ui';
import { date, parseDate, words, type Bbox } from './units';

interface Item {
  id: number; title: string; owner: number; topic: string; bbox: Bbox;
  time: { start: number; end: number | null }; policy: string; status: string; sensitivity: string;
}
interface Page { items: Item[]; next: string | null; at: { number: number; hash: string } }

const FIELDS = ['title', 'owner', 'topic', 'bbox', 'time', 'policy', 'status', 'sensitivity'];
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

function params(): Record<string, unknown> {
  const f = new FormData(state.form!);
  const from = parseDate(String(f.get('from') ?? ''));
  const to = parseDate(String(f.get('to') ?? ''));
  const p: Record<string, unknown> = {
    bbox: state.drawn ?? viewBox(), fields: FIELDS, limit: PAGE,
    reader: current.account?.address ?? 'anonymous',
  };
  if (from !== null || to !== null) {
    p.datetime = `${from !== null ? new Date(from).toISOString() : '..'}/${to !== null ? new Date(to + DAY - 1).toISOString() : '..'}`;
  }
  const text = String(f.get('q') ?? '').trim();
  if (text) p.q = text;
  for (const [name, key] of [['topic', 'topics'], ['policy', 'policies']] as const) {
    const v = String(f.get(name) ?? '');
    if (v) p[key] = [v];
  }
  const owner = String(f.get('owner') ?? '');
  if (owner) p.owners = [Number(owner)];
  if (!f.get('withdrawn')) p.filter = "\"citychain:status\" <> 'withdrawn'";
  return p;
}

function row(d: Item, owners: Map<number, string>): HTMLElement {
  const li = h('li', { class: 'result', 'data-id': d.id, tabindex: 0 },
    h('a', { href: `#/dataset/${d.id}` }, d.title),
    h('div', { class: 'meta' },
      owners.get(d.owner) ?? `department ${d.owner}`, ' · ', words(d.topic), ' · ',
      `${date(d.time.start)} – ${date(d.time.end)}`),
    h('div', { class: 'badges' },
      h('span', { class: `badge policy-${d.policy}` }, words(d.policy)),
      h('span', { class: 'badge' }, words(d.sensitivity)),
      d.status !== 'active' ? h('span', { class: `badge status-${d.status}` }, words(d.status)) : null));
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
  const started = performance.now();
  const asked = params();
  if (refresh) asked.limit = Math.max(PAGE, state.shown.length);
  let page: Page;
  try {
    page = await call<Page>('datasets_search', asked);
  } catch (e) {
    if (generation === state.generation) state.summary!.textContent = `The search failed: ${(e as Error).message}`;
    return;
  }
  if (generation !== state.generation) return;
  state.shown = page.items;
  state.params = asked;
  state.next = page.next;
  await render(page, started);
}

/** Appends the next page; new finalized datasets refresh the list after it. */
async function more(): Promise<void> {
  if (!state.next || !state.active || state.loading) return;
  const generation = state.generation;
  state.loading = true;
  try {
    const page = await call<Page>('datasets_search', { ...state.params, cursor: state.next });
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

async function render(page: Page, started: number | null): Promise<void> {
  const owners = new Map((await departments()).map((d) => [d.id, d.name]));
  state.list!.replaceChildren(...state.shown.map((d) => row(d, owners)));
  if (state.next) state.list!.append(h('li', { class: 'more' }, 'loading more…'));
  showFootprints(state.shown);
  state.summary!.textContent = `${state.shown.length}${state.next ? '+' : ''} datasets${state.drawn ? ' in the drawn box' : ' in view'} · finalized block #${page.at.number}`;
  const side = document.getElementById('side')!;
  side.dataset.results = String(state.shown.length);
  side.dataset.at = String(page.at.number);
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
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const a = h('input', { type: 'range', min: 0, max: days, value: 0, 'aria-label': 'from' });
  const b = h('input', { type: 'range', min: 0, max: days, value: days, 'aria-label': 'to' });
  const toDate = (v: string) => new Date(SLIDER_START + Number(v) * DAY).toISOString().slice(0, 10);
  const fromDate = (v: string, fallback: number) => (v ? Math.round((Date.parse(v) - SLIDER_START) / DAY) : fallback);
  const sync = () => form.dispatchEvent(new Event('change'));
  a.addEventListener('input', () => { from.value = Number(a.value) > 0 ? toDate(a.value) : ''; });
  b.addEventListener('input', () => { to.value = Number(b.value) < days ? toDate(b.value) : ''; });
  a.addEventListener('change', sync);
  b.addEventListener('change', sync);
  from.addEventListener('change', () => { a.value = String(fromDate(from.value, 0)); });
  to.addEventListener('change', () => { b.value = String(fromDate(to.value, days)); });
  return h('fieldset', { class: 'time' }, h('legend', {}, 'Time range'), h('div', { class: 'sliders' }, a, b), h('div', { class: 'dates' }, from, ' – ', to));
}

/** Reads what the search form offers (topics, departments): call it as soon as the node answers. */
export async function prefetch(): Promise<void> {
  if (topics.length === 0) {
    const [schema] = await Promise.all([
      call<{ properties: Record<string, { enum?: string[] }> }>('datasets_queryables'),
      departments(),
    ]);
    topics = schema.properties['citychain:topic']?.enum ?? [];
  }
}

/**
 * Puts values entered in an earlier form into a new one; a date also moves
 * its slider (its own `change`, which does not bubble to the form).
 */
function restore(form: HTMLFormElement, entered: FormData): void {
  for (const el of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input[name], select[name]')) {
    const value = entered.get(el.name);
    if (el instanceof HTMLInputElement && el.type === 'checkbox') {
      el.checked = value !== null;
    } else if (typeof value === 'string') {
      // A select keeps its first option when the value is no longer offered.
      if (el instanceof HTMLSelectElement && ![...el.options].some((o) => o.value === value)) continue;
      el.value = value;
      el.dispatchEvent(new Event('change'));
    }
  }
}

/** Shows the catalogue in the side pane and searches. */
export async function openCatalogue(): Promise<void> {
  await prefetch();
  const owners = await departments();
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
    h('div', { class: 'row' },
      h('button', { type: 'button', id: 'draw-box', onclick: async () => {
        state.drawn = await drawBox();
        clearBox.hidden = false;
        void search();
      } }, 'Draw a box'),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'withdrawn' }), 'show withdrawn')));
  const clearBox = h('button', { type: 'button', hidden: state.drawn === null, onclick: () => {
    state.drawn = null;
    showBox(null);
    clearBox.hidden = true;
    void search();
  } }, 'Search the map view');
  form.querySelector('.row:last-child')!.append(clearBox);
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
  show(h('h2', {}, 'Catalogue'), form, state.summary, state.list);
  showBox(state.drawn);
  await search();
}

export function closeCatalogue(): void {
  state.active = false;
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
