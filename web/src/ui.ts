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
