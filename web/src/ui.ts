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

/** A labelled form field. */
export function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', {}, hint) : null);
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
 * Replaces the side pane's content (a new page the user has not touched
 * yet). The same page drawn again with nothing changed is left as it is, so
 * following new blocks moves nothing under the pointer.
 */
export function show(...content: Child[]): HTMLElement {
  const side = document.getElementById('side')!;
  const page = h('div', {}, ...content);
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
