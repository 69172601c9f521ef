// The regulator's page: who obtained data about a place and time, and for
// what. An area (a box dragged or typed, a polygon clicked, or a
// jurisdiction), a data time and an access time, and the filters of
// `audit_accessSearch` (consumer, provider, purpose, outcome); every
// matching contract's extent on the map and in a table grouped by consumer
// department and purpose, each row opening its audit trail; CSV and JSON of
// exactly what is shown. Read through the relay (members), every page at
// the finalized block the first one answered at.
import type { AccessItem, At, Outcome } from '@citychain/api/rpc';
import { call, departments } from './chain';
import * as stac from './stac';
import { entries, trail } from './audit';
import { drawBox, drawPolygon, highlightAccess, map, showAccesses, showBox, showShape } from './map';
import type { MapLayerMouseEvent } from 'maplibre-gl';
import { current, refusal } from './state';
import { h, dateInput, field, mark, note, restore, select, show, showTab } from './ui';
import { NOT_A_BOX, bboxText, date, geojsonBbox, parseBox, parseDate, words, type Bbox } from './units';

/** The page's address. */
const HASH = '#/audit/accesses';

/**
 * Most accesses one reading fetches (ten pages of 100): a search that finds
 * more stops there and says so, and the regulator reads on (another as many)
 * or narrows the search. The page, the map and the exports stay small
 * enough for a browser, and one click cannot make the node page through
 * everything.
 */
const BOUND = 1000;
const PAGE = 100;
const DAY = 86_400_000;
const OUTCOMES: Outcome[] = ['granted', 'expired', 'refused', 'revoked', 'relinquished', 'cancelled', 'lapsed', 'pending', 'disputed'];
/** The first year the data time's year menu offers. */
const FIRST_YEAR = 2000;

/** The area searched: a box, or a polygon (drawn, or a jurisdiction's boundary). */
type Area = { bbox: Bbox } | { intersects: GeoJSON.Polygon; label: string };

/** What a reading found: the query, the block every page answered at, the items in contract order, where to read on. */
interface Found {
  query: Record<string, unknown>;
  at: At;
  items: AccessItem[];
  next: string | null;
}

/** Names the table shows for ids: departments, purpose codes, dataset titles (those the reader may see). */
interface Names {
  departments: Map<number, string>;
  purposes: Map<string, string>;
  titles: Map<number, string>;
}

/** Kept while the portal is open, so that the page drawn again (another account, a reconnection) shows what it showed. */
const state = {
  area: null as Area | null,
  entered: null as FormData | null,
  found: null as Found | null,
  /** Increases with every reading, so that a late answer of an older one is dropped. */
  generation: 0,
};

const CSV_COLUMNS = [
  'contract', 'dataset', 'version', 'consumer', 'provider', 'purpose_code', 'purpose', 'outcome', 'state', 'disputed',
  'requested', 'decided', 'expires', 'ended', 'estimated', 'west', 'south', 'east', 'north', 'data_start', 'data_end',
  'scoped', 'accessed_from', 'accessed_to', 'deliveries_used', 'deliveries_allowed', 'audit_count', 'audit_entries',
  'requested_block', 'decided_block', 'ended_block', 'consumer_name', 'provider_name', 'dataset_title',
];

type Cell = string | number | boolean | null;

/**
 * One CSV cell. Text a spreadsheet would take for a formula (starting with
 * `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`, so
 * that a purpose or a name typed by a department never runs in the
 * regulator's spreadsheet; a cell with a comma, a quote or a line break is
 * quoted, its quotes doubled (RFC 4180). Numbers (a negative longitude) and
 * booleans are written as they are.
 */
function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** An item's CSV row, in `CSV_COLUMNS`' order: the CLI's columns (`citychain audit accesses --format csv`), then the names shown. */
function csvRow(a: AccessItem, names: Names): Cell[] {
  const moments = { requested: a.requested, decided: a.decided, expires: a.expires, ended: a.ended };
  const estimated = Object.entries(moments).filter(([, m]) => m?.estimated).map(([k]) => k).join(';');
  return [
    a.contract, a.dataset, a.version, a.consumer, a.provider, a.purposeCode, a.purpose, a.outcome, a.state, a.disputed,
    iso(a.requested.time), iso(a.decided?.time), iso(a.expires?.time), iso(a.ended?.time), estimated, ...a.bbox,
    iso(a.datetime.start), iso(a.datetime.end), a.scoped, iso(a.accessed.start), iso(a.accessed.end),
    a.deliveries.used, a.deliveries.allowed, a.auditCount, a.auditEntries.join(';'),
    a.requested.block, a.decided?.block ?? null, a.ended?.block ?? null,
    names.departments.get(a.consumer) ?? null, names.departments.get(a.provider) ?? null, names.titles.get(a.dataset) ?? null,
  ];
}

/** The CSV of `items` (a header line, then a row each; CRLF line ends, with a byte order mark for spreadsheets). */
function csv(items: AccessItem[], names: Names): string {
  return `\ufeff${[CSV_COLUMNS, ...items.map((a) => csvRow(a, names))].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** The JSON export: the query, the block, whether it is all, the items as the node answered them (in the table's order) and the names shown. */
function json(found: Found, shown: AccessItem[], names: Names): string {
  const record = <K, V>(m: Map<K, V>) => Object.fromEntries([...m].map(([k, v]) => [String(k), v]));
  return JSON.stringify({
    query: found.query, at: found.at, complete: found.next === null, count: shown.length, items: shown,
    names: { departments: record(names.departments), purposes: record(names.purposes), datasets: record(names.titles) },
  }, null, 2);
}

/** Offers `text` as a file the browser downloads (made here, nothing is sent anywhere). */
function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Reads pages of `query` from `cursor` (the first page if null) until `BOUND` more items or the end. */
async function read(query: Record<string, unknown>, cursor: string | null, progress: (n: number) => void): Promise<Omit<Found, 'query'>> {
  const items: AccessItem[] = [];
  let at: At | null = null;
  let next = cursor;
  do {
    const page = await call('audit_accessSearch', { ...query, limit: PAGE, ...(next === null ? {} : { cursor: next }) });
    at ??= page.at;
    items.push(...page.items);
    next = page.next;
    progress(items.length);
  } while (next !== null && items.length < BOUND);
  return { at: at!, items, next };
}

/** The purpose group an access falls in: its vocabulary code, or none. */
const purposeLabel = (a: AccessItem, names: Names) =>
  (a.purposeCode === null ? 'no purpose code' : names.purposes.get(a.purposeCode) ?? a.purposeCode);

/** Accesses of one consumer department, by purpose. */
interface Group { department: number; name: string; purposes: { label: string; items: AccessItem[] }[] }

/** `items` grouped by consumer department, then purpose, each by name; items in contract order within a group. */
function grouped(items: AccessItem[], names: Names): Group[] {
  const byDepartment = new Map<number, Map<string, AccessItem[]>>();
  for (const a of [...items].sort((x, y) => x.contract - y.contract)) {
    const purposes = byDepartment.get(a.consumer) ?? new Map<string, AccessItem[]>();
    const label = purposeLabel(a, names);
    purposes.set(label, [...(purposes.get(label) ?? []), a]);
    byDepartment.set(a.consumer, purposes);
  }
  return [...byDepartment].map(([department, purposes]) => ({
    department,
    name: names.departments.get(department) ?? `department ${department}`,
    purposes: [...purposes].map(([label, list]) => ({ label, items: list })).sort((x, y) => x.label.localeCompare(y.label)),
  })).sort((x, y) => x.name.localeCompare(y.name));
}

const count = (n: number) => `${n} ${n === 1 ? 'access' : 'accesses'}`;
const COLUMNS = ['#', 'dataset', 'provider', 'purpose', 'outcome', 'accessed', 'data time', 'audit'];

/** A period in a cell, its end under its start; `open` names a missing end. */
const span = (start: number, end: number | null, open: string) => [`${date(start)} –`, h('br'), end === null ? open : date(end)];

/** A row's audit entries, read when first opened, under the row. */
function trailToggle(a: AccessItem, row: HTMLTableRowElement): HTMLButtonElement {
  const id = `trail-${a.contract}`;
  const button = h('button', { type: 'button', class: 'trail-toggle', 'aria-expanded': 'false', 'aria-controls': id }, `${a.auditCount} ${a.auditCount === 1 ? 'entry' : 'entries'}`);
  button.addEventListener('click', async () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    const shown = document.getElementById(id);
    if (shown) {
      shown.hidden = !open;
      return;
    }
    // The entries take the row's width and scroll within it rather than widen the table (style.css).
    const box = h('div', { class: 'trail-box' }, 'reading the audit entries…');
    row.after(h('tr', { class: 'trail-row', id }, h('td', { colspan: COLUMNS.length }, box)));
    try {
      box.replaceChildren(await trail(await entries({ subject: { contract: a.contract } })));
    } catch (e) {
      box.replaceChildren(h('p', { class: 'note error', role: 'alert' }, `The audit entries could not be read: ${(e as Error).message}`));
    }
  });
  return button;
}

function accessRow(a: AccessItem, names: Names): HTMLTableRowElement {
  const row = h('tr', { class: 'access', 'data-contract': a.contract, 'data-consumer': a.consumer });
  const title = names.titles.get(a.dataset) ?? `dataset ${a.dataset}`;
  // The toggle opens its entries under this row: the row is made first.
  row.append(
    h('td', {}, h('a', { href: `#/contract/${a.contract}` }, a.contract)),
    h('td', {}, h('a', { href: `#/dataset/${a.dataset}` }, title), h('small', { class: 'version' }, ` v${a.version}`)),
    h('td', {}, names.departments.get(a.provider) ?? `department ${a.provider}`),
    h('td', { class: 'purpose' }, a.purpose),
    h('td', {}, h('span', { class: `outcome outcome-${a.outcome}` }, words(a.outcome)),
      a.state === 'expired' ? ' (expired)' : null, a.disputed ? h('span', { class: 'badge disputed' }, 'disputed') : null),
    h('td', { class: 'when', title: `requested in block #${a.requested.block}` }, span(a.accessed.start, a.accessed.end, 'open')),
    h('td', { class: 'when' }, span(a.datetime.start, a.datetime.end, 'ongoing'),
      a.scoped ? [h('br'), h('small', { title: 'the contract\'s scope, not the whole dataset' }, 'scope')] : null),
    h('td', {}, trailToggle(a, row)));
  row.addEventListener('mouseenter', () => highlightAccess(a.contract, true));
  row.addEventListener('mouseleave', () => highlightAccess(a.contract, false));
  return row;
}

/** The table: a body per consumer department, a header row for it and for each of its purposes, with their counts. */
function table(groups: Group[], names: Names): HTMLElement {
  if (groups.length === 0) return h('p', { class: 'none' }, 'No access matches.');
  // Wider than the side pane on a small screen: it scrolls, the page does not.
  return h('div', { class: 'table-scroll' }, h('table', { class: 'accesses' },
    h('thead', {}, h('tr', {}, COLUMNS.map((c) => h('th', { scope: 'col' }, c)))),
    groups.map((g) => h('tbody', { 'data-department': g.department },
      h('tr', { class: 'group' }, h('th', { scope: 'rowgroup', colspan: COLUMNS.length },
        `${g.name}: ${count(g.purposes.reduce((n, p) => n + p.items.length, 0))}`)),
      g.purposes.flatMap((p) => [
        h('tr', { class: 'purpose-group' }, h('th', { colspan: COLUMNS.length }, `${p.label}: ${count(p.items.length)}`)),
        ...p.items.map((a) => accessRow(a, names)),
      ])))));
}

/** The names of the ids in `items` the table shows (titles only of the datasets the reader may see). */
async function namesOf(items: AccessItem[]): Promise<Names> {
  const [all, purposes] = await Promise.all([departments(), call('access_purposes')]);
  const titles = new Map<number, string>();
  const ids = [...new Set(items.map((a) => a.dataset))];
  for (let i = 0; i < ids.length; i += 100) for (const [id, t] of await stac.titles(ids.slice(i, i + 100))) titles.set(id, t);
  return { departments: new Map(all.map((d) => [d.id, d.name])), purposes: new Map(purposes.map((p) => [p.code, p.label])), titles };
}

/** Shows what was found in `out`, on the map, and offers its exports and (if it stopped) to read on. */
async function showFound(out: HTMLElement, found: Found, readOn: () => void): Promise<void> {
  const names = await namesOf(found.items);
  const groups = grouped(found.items, names);
  const shown = groups.flatMap((g) => g.purposes.flatMap((p) => p.items));
  const stopped = found.next !== null;
  const summary = h('p', { class: 'summary', id: 'accesses-summary', 'data-count': shown.length, 'data-at': found.at.number, 'data-complete': String(!stopped) },
    `${count(shown.length)} at finalized block #${found.at.number}`,
    stopped ? ` · stopped after ${shown.length}: more match. Read on, or narrow the area, the period or the filters.` : ' · all that match');
  const file = `accesses-block-${found.at.number}`;
  const exports = h('div', { class: 'exports' },
    h('button', { type: 'button', id: 'export-csv', disabled: shown.length === 0, onclick: () => download(`${file}.csv`, 'text/csv;charset=utf-8', csv(shown, names)) }, 'Export CSV'),
    h('button', { type: 'button', id: 'export-json', disabled: shown.length === 0, onclick: () => download(`${file}.json`, 'application/json', json(found, shown, names)) }, 'Export JSON'),
    stopped ? h('button', { type: 'button', id: 'read-on', onclick: readOn }, `Read ${BOUND} more`) : null);
  out.replaceChildren(summary, exports, table(groups, names));
  showAccesses(shown.map((a) => ({ contract: a.contract, bbox: a.bbox, outcome: a.outcome, title: `contract ${a.contract}: ${names.titles.get(a.dataset) ?? `dataset ${a.dataset}`}` })));
}

/** The area in words. */
function areaText(area: Area | null): string {
  if (!area) return 'none yet: draw one, type a box or choose a jurisdiction';
  if ('bbox' in area) return bboxText(area.bbox);
  return `${area.label} (a polygon of ${area.intersects.coordinates[0].length - 1} corners)`;
}

let mapWired = false;

/** Hovering an extent marks its rows; clicking it brings its first row into view. */
function wireMap(): void {
  if (mapWired) return;
  mapWired = true;
  let hovered: number | null = null;
  const hover = (id: number | null) => {
    if (hovered !== null) highlightAccess(hovered, false);
    document.querySelectorAll('tr.access.hover').forEach((el) => el.classList.remove('hover'));
    hovered = id;
    if (id === null) return;
    highlightAccess(id, true);
    document.querySelectorAll(`tr.access[data-contract="${id}"]`).forEach((el) => el.classList.add('hover'));
  };
  const under = (e: MapLayerMouseEvent) => {
    const ids = (e.features ?? []).map((f) => Number(f.properties?.contract));
    // The last drawn under the pointer, as the catalogue takes it.
    return ids.length ? ids[ids.length - 1] : null;
  };
  map.on('mousemove', 'accesses-fill', (e: MapLayerMouseEvent) => { const id = under(e); if (id !== hovered) hover(id); });
  map.on('mouseleave', 'accesses-fill', () => hover(null));
  map.on('click', 'accesses-fill', (e: MapLayerMouseEvent) => {
    if (!map.dragPan.isEnabled()) return;
    const id = under(e);
    if (id !== null) document.querySelector(`tr.access[data-contract="${id}"]`)?.scrollIntoView({ block: 'center' });
  });
}

/** Moves the map to `area`. */
function fit(area: Area): void {
  const b = 'bbox' in area ? area.bbox : geojsonBbox(area.intersects);
  if (b) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 60, maxZoom: 14, duration: 0 });
}

/** A date field's value (ms at 00:00 UTC), null if empty; marks a value that is not a date and answers undefined. */
function dateOf(form: HTMLFormElement, name: string): number | null | undefined {
  const input = form.elements.namedItem(name) as HTMLInputElement;
  const text = input.value.trim();
  const ms = parseDate(text);
  if (text !== '' && (ms === null || !/^\d{4}-\d{2}-\d{2}$/.test(text))) {
    mark(input, 'a date as YYYY-MM-DD');
    return undefined;
  }
  mark(input, null);
  return ms;
}

/** A period's `[from, to]` from two date fields (to its last ms); undefined (marked) if a date is wrong or they are reversed. */
function period(form: HTMLFormElement, from: string, to: string): [number | null, number | null] | undefined {
  const a = dateOf(form, from);
  const b = dateOf(form, to);
  if (a === undefined || b === undefined) return undefined;
  if (a !== null && b !== null && b < a) {
    mark(form.elements.namedItem(to) as HTMLInputElement, 'before the start');
    return undefined;
  }
  return [a, b === null ? null : b + DAY - 1];
}

/** The query the form and the area say, or null (with the problems marked). */
function queryOf(form: HTMLFormElement, areaInput: HTMLInputElement): Record<string, unknown> | null {
  const data = period(form, 'data-from', 'data-to');
  const accessed = period(form, 'accessed-from', 'accessed-to');
  if (!mark(areaInput, state.area ? null : 'Draw an area, type a box or choose a jurisdiction first.') || !data || !accessed) return null;
  const area = state.area!;
  const q: Record<string, unknown> = 'bbox' in area ? { bbox: area.bbox } : { intersects: area.intersects };
  if (data[0] !== null || data[1] !== null) q.datetime = `${iso(data[0]) ?? '..'}/${iso(data[1]) ?? '..'}`;
  if (accessed[0] !== null) q.accessedFrom = accessed[0];
  if (accessed[1] !== null) q.accessedTo = accessed[1];
  const f = new FormData(form);
  for (const party of ['consumer', 'provider']) if (f.get(party)) q[party] = [Number(f.get(party))];
  if (f.get('purpose')) q.purpose = String(f.get('purpose'));
  const outcomes = f.getAll('outcome').map(String);
  if (outcomes.length) q.outcome = outcomes;
  return q;
}

/** The regulator's page (members: the node is read through the relay). */
export async function openAccesses(): Promise<void> {
  if (!current.membership) {
    show(h('h2', {}, 'Who obtained data about a place and time'), refusal() ?? h('p', {}, ''),
      h('p', {}, 'The accesses are read through the gateway\'s relay, by members of active departments.'));
    return;
  }
  const [all, purposes, jurisdictions] = await Promise.all([departments(), call('access_purposes'), call('access_jurisdictions')]);
  wireMap();
  const parties: [string, string][] = [['', 'any'], ...all.map((d): [string, string] => [String(d.id), d.name])];
  const areaInput = h('input', { name: 'box', inputmode: 'decimal', autocomplete: 'off', placeholder: 'west, south, east, north (degrees)' });
  const areaSaid = h('small', { class: 'area-text', id: 'area-text' }, areaText(state.area));
  const place = select('jurisdiction', [['', 'choose a jurisdiction'], ...jurisdictions.map((j): [string, string] => [String(j.id), j.label])]);
  function setArea(area: Area, move = true): void {
    state.area = area;
    if ('bbox' in area) showBox(area.bbox);
    else showShape(area.intersects);
    areaInput.value = 'bbox' in area ? area.bbox.join(', ') : '';
    mark(areaInput, null);
    areaSaid.textContent = areaText(area);
    if (move) fit(area);
  }
  const drawing = async <T>(draw: () => Promise<T | null>, take: (shape: T) => Area) => {
    // On a phone the map shows while the area is drawn, the list with what it found.
    showTab('map');
    const shape = await draw();
    showTab('list');
    if (shape) {
      place.value = '';
      setArea(take(shape), false);
    } else if (state.area) {
      setArea(state.area, false);
    }
  };
  const year = select('year', [['', 'a year…'], ...Array.from({ length: new Date().getUTCFullYear() - FIRST_YEAR + 1 }, (_, i): [string, string] => {
    const y = String(new Date().getUTCFullYear() - i);
    return [y, y];
  })]);
  const dataFrom = dateInput('data-from');
  const dataTo = dateInput('data-to');
  const search = h('button', { type: 'submit', id: 'search-accesses' }, 'Search');
  const form = h('form', { class: 'accesses-search' },
    h('fieldset', { class: 'area' }, h('legend', {}, 'Area'),
      h('div', { class: 'row' },
        h('button', { type: 'button', id: 'draw-area-box', onclick: () => void drawing(drawBox, (bbox) => ({ bbox })) }, 'Draw a box'),
        h('button', { type: 'button', id: 'draw-area-polygon', onclick: () => void drawing(drawPolygon, (intersects) => ({ intersects, label: 'the polygon drawn' })) }, 'Draw a polygon'),
        field('or a jurisdiction', place)),
      field('or a box (west, south, east, north)', areaInput), areaSaid),
    h('fieldset', { class: 'period' }, h('legend', {}, 'Period'),
      h('div', { class: 'row' }, field('Data time from', dataFrom), field('to', dataTo), field('Year', year)),
      h('div', { class: 'row' }, field('Accessed from', dateInput('accessed-from')), field('to', dateInput('accessed-to'))),
      h('small', {}, 'The data time is the time the data covers (the contract\'s scope, else its dataset\'s); the access time runs from the request to its end or expiry. Dates are UTC, both ends included.')),
    h('div', { class: 'row' },
      field('Consumer', select('consumer', parties)), field('Provider', select('provider', parties)),
      field('Purpose', select('purpose', [['', 'any'], ...purposes.map((p): [string, string] => [p.code, p.label])]))),
    h('fieldset', { class: 'picks outcomes' }, h('legend', {}, 'Outcome (any of those ticked; none: every outcome)'),
      OUTCOMES.map((o) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'outcome', value: o }), h('span', { class: `outcome outcome-${o}` }, words(o))))),
    search);
  const out = h('section', { class: 'found', 'aria-live': 'polite' });
  // What was entered comes back before the fields listen: restored, nothing moves.
  if (state.entered) restore(form, state.entered);
  areaInput.addEventListener('change', () => {
    if (areaInput.value.trim() === '') return;
    const box = parseBox(areaInput.value);
    if (!box) {
      mark(areaInput, NOT_A_BOX);
      return;
    }
    place.value = '';
    setArea({ bbox: box });
  });
  place.addEventListener('change', () => {
    const j = jurisdictions.find((x) => String(x.id) === place.value);
    if (j) setArea({ intersects: j.geometry as GeoJSON.Polygon, label: j.label });
  });
  year.addEventListener('change', () => {
    if (!year.value) return;
    dataFrom.value = `${year.value}-01-01`;
    dataTo.value = `${year.value}-12-31`;
  });
  for (const d of [dataFrom, dataTo]) d.addEventListener('input', () => { year.value = ''; });
  form.addEventListener('input', () => { state.entered = new FormData(form); });
  form.addEventListener('change', () => { state.entered = new FormData(form); });

  const run = async (query: Record<string, unknown>, from: Found | null) => {
    const generation = ++state.generation;
    const here = () => generation === state.generation && location.hash === HASH;
    search.disabled = true;
    out.querySelector('#read-on')?.setAttribute('disabled', '');
    const progress = h('p', { class: 'summary', role: 'status' }, 'searching…');
    if (from) out.prepend(progress);
    else out.replaceChildren(progress);
    try {
      const got = await read(query, from?.next ?? null, (n) => { progress.textContent = `read ${(from?.items.length ?? 0) + n} accesses…`; });
      if (!here()) return;
      const found: Found = { query, at: from?.at ?? got.at, items: [...(from?.items ?? []), ...got.items], next: got.next };
      state.found = found;
      await showFound(out, found, () => void run(query, state.found));
    } catch (e) {
      if (here()) {
        progress.remove();
        note(out, 'error', `The search failed: ${(e as Error).message}`);
      }
    } finally {
      if (generation === state.generation) {
        search.disabled = false;
        out.querySelector('#read-on')?.removeAttribute('disabled');
      }
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const query = queryOf(form, areaInput);
    if (query) void run(query, null);
  });

  show(h('h2', {}, 'Who obtained data about a place and time'),
    h('p', {}, 'Every access contract whose extent meets the area and the period, with its parties, purpose and outcome, from the node\'s index at a finalized block (', h('a', { href: '#/audit' }, 'the audit log'), ' has every entry).'),
    form, out);
  if (state.area) setArea(state.area, false);
  else showShape(null);
  if (state.found) await showFound(out, state.found, () => void run(state.found!.query, state.found));
  else showAccesses([]);
}
