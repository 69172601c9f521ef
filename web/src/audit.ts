// The audit log: trails of a dataset, a contract or a department with the
// actors and their departments; the hash chain verified in the browser
// from the entries' SCALE bodies, beside the node's `audit_verify`;
// disputes and flags in one list; flagging a subject. The log is read
// through the relay by signed-in members; a dataset's trail also through
// the gateway's STAC API (its item's `audit`), by anyone who may see it.
import { blake2AsU8a } from '@polkadot/util-crypto';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { allPages, call } from './chain';
import { departmentName, departmentNames } from './stac';
import { current, refusal } from './state';
import { send, failure } from './tx';
import { h, field, note, select, show } from './ui';
import { dateTime, short, words } from './units';

export interface Entry {
  index: number; block: number; time: number; actor: string; department: number | null;
  action: string | Record<string, Record<string, boolean>>; subject: Record<string, number> | string;
  digest: string | null; hash: string; body: string;
}
type Query = Record<string, unknown>;

function actionText(action: Entry['action']): string {
  if (typeof action === 'string') return words(action);
  const [name, fields] = Object.entries(action)[0];
  return `${words(name)} (${Object.entries(fields).map(([k, v]) => `${k}: ${v ? 'yes' : 'no'}`).join(', ')})`;
}

function subjectLink(subject: Entry['subject'] | string): HTMLElement {
  if (typeof subject === 'string') return h('span', {}, subject === 'chain' ? 'the consortium' : subject);
  const [kind, id] = Object.entries(subject)[0];
  const href = kind === 'dataset' ? `#/dataset/${id}` : kind === 'contract' ? `#/contract/${id}` : `#/audit/department/${id}`;
  return h('a', { href }, `${kind} ${id}`);
}

/** Entries matching `query`, following the cursor (at most `max`). */
export function entries(query: Query, max = 500): Promise<Entry[]> {
  return allPages<Entry>('audit_entries', query, max);
}

/** A table of `items` (audit entries). */
export async function trail(items: Entry[]): Promise<HTMLElement> {
  if (items.length === 0) return h('p', {}, 'no entries');
  const names = await departmentNames();
  return h('table', { class: 'trail' },
    h('thead', {}, h('tr', {}, ['#', 'time', 'action', 'subject', 'actor', 'department'].map((c) => h('th', {}, c)))),
    h('tbody', {}, items.map((e) => h('tr', { 'data-index': e.index },
      h('td', {}, e.index), h('td', {}, dateTime(e.time)), h('td', {}, actionText(e.action)), h('td', {}, subjectLink(e.subject)),
      h('td', { title: e.actor }, short(e.actor)), h('td', {}, e.department === null ? '—' : names.get(e.department) ?? String(e.department))))));
}

/**
 * Recomputes `hash = blake2_256(previous hash ++ body)` over every entry from
 * the first, in the browser; the index of the first entry whose hash does
 * not match, or null.
 */
async function verifyInBrowser(): Promise<{ count: number; head: string | null; firstBad: number | null }> {
  let previous: Uint8Array = new Uint8Array(32);
  let count = 0;
  let head: string | null = null;
  for (const e of await entries({ fromIndex: 0 }, 100_000)) {
    const hash = blake2AsU8a(u8aConcat(previous, hexToU8a(e.body)), 256);
    if (u8aToHex(hash) !== e.hash) return { count, head, firstBad: e.index };
    previous = hash;
    head = e.hash;
    count += 1;
  }
  return { count, head, firstBad: null };
}

function flagForm(): HTMLElement {
  const form = h('form', { class: 'flag' }, h('h3', {}, 'Flag a subject'),
    h('div', { class: 'row' },
      field('Kind', select('kind', [['Contract', 'contract'], ['Dataset', 'dataset'], ['Department', 'department']])),
      field('Id', h('input', { type: 'number', name: 'id', min: 0, required: true }))),
    field('Note', h('textarea', { name: 'note', required: true, maxlength: 256, rows: 2 })),
    h('button', { type: 'submit' }, 'Flag'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    try {
      await send('Flag', (api) => api.tx.audit.flag({ [String(f.get('kind'))]: Number(f.get('id')) }, String(f.get('note'))), current.account!);
      note(form, 'ok', 'Flagged: the entry is in the audit log.');
      void openAudit();
    } catch (err) {
      note(form, 'error', failure(err));
    }
  });
  return form;
}

/** The audit page: verification, disputes and flags, a department's trail (members only). */
export async function openAudit(department?: number): Promise<void> {
  if (!current.membership) {
    show(h('h2', {}, 'Audit'), refusal() ?? h('p', {}, ''),
      h('p', {}, 'The audit log is read through the gateway\'s relay, by members of active departments. Anyone can read a dataset\'s trail on its page.'));
    return;
  }
  const result = h('div', { class: 'verification' });
  const verify = h('button', { id: 'verify', onclick: async () => {
    result.textContent = 'verifying…';
    const [mine, node] = await Promise.all([verifyInBrowser(), call<{ ok: boolean; to: number | null; head: string | null; firstBadIndex: number | null }>('audit_verify', {})]);
    result.replaceChildren(
      h('p', { class: mine.firstBad === null ? 'ok' : 'bad', id: 'browser-verdict' },
        mine.firstBad === null ? `In this browser: ${mine.count} entries, the hash chain holds; head ${mine.head}` : `In this browser: the chain breaks at entry ${mine.firstBad}`),
      h('p', { class: node.ok ? 'ok' : 'bad', id: 'node-verdict' },
        node.ok ? `The node (audit_verify): the chain holds up to entry ${node.to}; head ${node.head}` : `The node (audit_verify): the chain breaks at entry ${node.firstBadIndex}`),
      mine.head !== null && node.head !== null && mine.head !== node.head && mine.firstBad === null
        ? h('p', { class: 'info' }, 'The heads differ because a block arrived between the two reads; verify again.') : '');
  } }, 'Verify the audit chain');
  const disputes = (await entries({ action: { receiptConfirmed: { matched: false } } })).concat(await entries({ action: 'flagged' }))
    .sort((a, b) => b.index - a.index);
  const names = [...(await departmentNames())];
  const pick = select('department', [['', 'choose a department'], ...names.map(([id, name]): [string, string] => [String(id), name])], department === undefined ? '' : String(department));
  pick.addEventListener('change', () => { location.hash = pick.value ? `#/audit/department/${pick.value}` : '#/audit'; });
  show(
    h('h2', {}, 'Audit'),
    h('section', {}, verify, result),
    h('section', {}, h('h3', {}, 'Disputes and flags'),
      disputes.length === 0 ? h('p', {}, 'none') : h('ul', { class: 'disputes' }, await Promise.all(disputes.map(async (e) =>
        h('li', {}, `${dateTime(e.time)} · ${actionText(e.action)} · `, subjectLink(e.subject), ` · by ${e.department === null ? short(e.actor) : await departmentName(e.department)}`))))),
    current.membership?.roles.auditor ? flagForm() : refusal('auditor'),
    h('section', {}, h('h3', {}, 'A department\'s trail'), pick, department === undefined ? null : await trail(await entries({ department }))),
  );
}
