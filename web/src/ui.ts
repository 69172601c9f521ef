// Small DOM helpers: elements from tags, attributes and children; no framework.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

/** `h('button', { class: 'x', onclick: f }, 'Go')`: an element. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/**
 * A URL from data (the chain, the STAC API) as an http(s) URL, or null for
 * anything else: another scheme (`javascript:`, `data:`, …), a relative or
 * malformed URL, an empty one.
 */
export function webUrl(url: unknown): string | null {
  if (typeof url !== 'string' || url.trim() === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
}

/**
 * The one way a URL from data becomes a link: an `<a>` to an http(s) URL,
 * opened apart from the portal (a new tab, no opener, no referrer); any
 * other text as plain text (a `<span>` with the text as it is, never a
 * link), so that stored text can never run as script here. `label` is what
 * the link says (the URL itself by default).
 */
export function webLink(url: unknown, label?: Child, attrs: Record<string, string> = {}): HTMLElement {
  const href = webUrl(url);
  const text = typeof url === 'string' ? url : '';
  if (href) {
    return h('a', { ...attrs, href, target: '_blank', rel: [attrs.rel, 'noopener', 'noreferrer'].filter(Boolean).join(' ') }, label ?? text);
  }
  const { class: cls } = attrs;
  // A word for a label (`terms`) is followed by the text it stood for; an element label already shows it.
  const shown = typeof label === 'string' && text ? [label, ' ', h('code', {}, text)] : label ?? (text || '—');
  return h('span', { class: [cls, 'not-a-link'].filter(Boolean).join(' '), title: 'not an http(s) URL: shown as text, not as a link' }, shown);
}

/**
 * A date field that reads and writes ISO dates (YYYY-MM-DD), as the rest of
 * the portal does, whatever the browser's locale (a `type=date` input shows
 * the locale's format).
 */
export function dateInput(name: string, value = ''): HTMLInputElement {
  return h('input', { type: 'text', name, value, inputmode: 'numeric', pattern: '\\d{4}-\\d{2}-\\d{2}', placeholder: 'YYYY-MM-DD', autocomplete: 'off', size: 10 });
}

/**
 * Puts values entered in an earlier form into a new one (the page drawn
 * again). Each field restored fires its own `change`, which does not bubble
 * to the form: what follows a field (a date's slider) moves with it.
 */
export function restore(form: HTMLFormElement, entered: FormData): void {
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

/** A labelled form field. */
export function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', {}, hint) : null);
}

let problems = 0;

/**
 * Marks `input` with `problem` (a message under it, read out with it), or
 * clears the mark with null; returns whether it is fine.
 */
export function mark(input: HTMLElement, problem: string | null): boolean {
  const id = input.dataset.problem ?? `problem-${(problems += 1)}`;
  input.dataset.problem = id;
  document.getElementById(id)?.remove();
  if (problem === null) {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
    return true;
  }
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', id);
  (input.closest('.field') ?? input).after(h('small', { class: 'problem', id, role: 'alert' }, problem));
  return false;
}

/** A `<select>` of `[value, label]` options. */
export function select(name: string, options: [string, string][], value = ''): HTMLSelectElement {
  const s = h('select', { name });
  for (const [v, l] of options) s.append(h('option', { value: v, selected: v === value }, l));
  return s;
}

/** A definition list of `[term, value]` rows. */
export function facts(rows: [string, Child | Child[]][]): HTMLElement {
  return h('dl', { class: 'facts' }, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, ...(Array.isArray(v) ? v : [v]))]));
}

/**
 * A message for the next page shown (what an action that leads there did),
 * kept while that page is drawn again, gone with the next page.
 */
let flashed: { text: HTMLElement; page: string | null } | null = null;

/** Shows `text` at the top of the next page drawn. */
export function flash(kind: 'ok' | 'info', text: string): void {
  flashed = { text: h('p', { class: `note ${kind} flash`, role: 'status' }, text), page: null };
}

/**
 * Replaces the side pane's content (a new page the user has not touched
 * yet). The same page drawn again with nothing changed is left as it is, so
 * following new blocks moves nothing under the pointer.
 */
export function show(...content: Child[]): HTMLElement {
  const side = document.getElementById('side')!;
  // A redraw that follows the chain gives way to a user who began to work with the page while it was being read.
  if (following > 0 && side.dataset.page === location.hash && engaged()) return side;
  if (flashed && flashed.page !== null && flashed.page !== location.hash) flashed = null;
  if (flashed) flashed.page = location.hash;
  const page = h('div', {}, flashed?.text.cloneNode(true), ...content);
  if (side.dataset.page === location.hash && page.innerHTML === side.innerHTML) return side;
  delete side.dataset.engaged;
  side.dataset.page = location.hash;
  side.replaceChildren(...page.childNodes);
  side.scrollTop = 0;
  return side;
}

/** A message line in `parent`, replacing the previous one of its kind. */
export function note(parent: HTMLElement, kind: 'error' | 'ok' | 'info', text: string): HTMLElement {
  parent.querySelector(`:scope > .note.${kind}`)?.remove();
  const n = h('p', { class: `note ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  parent.append(n);
  return n;
}

/** Redraws of the page shown that follow new blocks, under way. */
let following = 0;

/** Draws the page shown again to follow the chain (`draw`), unless the user starts working with it meanwhile. */
export async function follow(draw: () => Promise<void>): Promise<void> {
  following += 1;
  try {
    await draw();
  } finally {
    following -= 1;
  }
}

/**
 * Whether the user has started working with the side pane's page (typed,
 * chose, clicked): then it is not redrawn under them.
 */
export function engaged(): boolean {
  return document.getElementById('side')!.dataset.engaged === 'true';
}

export function trackEngagement(): void {
  const side = document.getElementById('side')!;
  for (const kind of ['input', 'change', 'click', 'focusin']) {
    side.addEventListener(kind, () => { side.dataset.engaged = 'true'; });
  }
}

/** On a phone, which pane shows: the map or the list (and every other page). Wider screens show both. */
export function showTab(tab: 'map' | 'list'): void {
  document.body.dataset.tab = tab;
  for (const t of ['map', 'list']) document.getElementById(`tab-${t}`)!.setAttribute('aria-selected', String(t === tab));
}

/** Wires the phone's header menu and map/list tabs. */
export function wireLayout(): void {
  const header = document.getElementById('header')!;
  const menu = document.getElementById('menu')!;
  menu.addEventListener('click', () => menu.setAttribute('aria-expanded', String(header.classList.toggle('open'))));
  document.getElementById('tab-map')!.addEventListener('click', () => showTab('map'));
  document.getElementById('tab-list')!.addEventListener('click', () => showTab('list'));
  // A page other than the catalogue is read in the list's place; choosing a page closes the menu.
  window.addEventListener('hashchange', () => {
    showTab('list');
    header.classList.remove('open');
    menu.setAttribute('aria-expanded', 'false');
  });
  showTab('list');
}
