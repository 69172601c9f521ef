// The audit log: trails of a dataset, a contract or a department with the
// actors and their departments; the hash chain verified in the browser
// from the entries' SCALE bodies, beside the node's `audit_verify`;
// disputes and flags in one list; flagging a subject. The log is read
// through the relay by signed-in members; a dataset's trail also through
// the gateway's STAC API (its item's `audit`), by anyone who may see it.
import { blake2AsU8a } from '@polkadot/util-crypto';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import type { Entry } from '@citychain/api/rpc';
import { allPages, call, chainApi, departments } from './chain';
import * as stac from './stac';
import { departmentNames } from './stac';
import { accountLabel } from './accounts';
import { current, refusal } from './state';
import { send, failure } from './tx';
import { h, field, note, select, show } from './ui';
import { dateTime, words } from './units';
import { lightVerifier } from './light';

type Query = Record<string, unknown>;

/** What an action's flag means, in words, for the actions that carry one. */
const FLAGS: Record<string, Record<string, [string, string]>> = {
  accessRequested: { granted: ['open data: access granted at once', 'waiting for approval'] },
  requestApproved: { granted: ['access granted', 'one approval given, the other still needed'] },
  policyApplied: { granted: ['access granted', 'still waiting for approval'] },
  receiptConfirmed: { matched: ['the file matched the record', 'the file did not match the record: a dispute'] },
};

function actionText(action: Entry['action']): string {
  if (typeof action === 'string') return words(action);
  const [name, fields] = Object.entries(action)[0];
  const said = Object.entries(fields).map(([k, v]) => FLAGS[name]?.[k]?.[v ? 0 : 1] ?? `${words(k).toLowerCase()}: ${v ? 'yes' : 'no'}`);
  return `${words(name)}: ${said.join(', ')}`;
}

function subjectLink(subject: Entry['subject'] | string): HTMLElement {
  if (typeof subject === 'string') return h('span', {}, subject === 'chain' ? 'the consortium' : subject);
  const [kind, id] = Object.entries(subject)[0];
  const href = kind === 'dataset' ? `#/dataset/${id}` : kind === 'contract' ? `#/contract/${id}` : `#/audit/department/${id}`;
  return h('a', { href }, `${kind} ${id}`);
}

/** Entries matching `query`, following the cursor (at most `max`). */
export function entries(query: Query, max = 500): Promise<Entry[]> {
  return allPages('audit_entries', query, max);
}

/** A table of `items` (audit entries). */
export async function trail(items: Entry[]): Promise<HTMLElement> {
  if (items.length === 0) return h('p', {}, 'no entries');
  const names = await departmentNames();
  return h('table', { class: 'trail' },
    h('thead', {}, h('tr', {}, ['#', 'time', 'action', 'subject', 'actor', 'department'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, await Promise.all(items.map(async (e) => h('tr', { 'data-index': e.index },
      h('td', {}, e.index), h('td', {}, dateTime(e.time)), h('td', {}, actionText(e.action)), h('td', {}, subjectLink(e.subject)),
      h('td', {}, await accountLabel(e.actor)), h('td', {}, e.department === null ? '—' : names.get(e.department) ?? String(e.department)))))));
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

/** What can be flagged, by kind: each subject's id and what people call it. */
async function subjects(): Promise<Record<'Contract' | 'Dataset' | 'Department', [string, string][]>> {
  const [contracts, depts] = await Promise.all([allPages('access_contracts', {}, 1000), departments()]);
  const ids = [...new Set(contracts.map((c) => c.dataset))];
  const titles = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 100) for (const [id, t] of await stac.titles(ids.slice(i, i + 100))) titles.set(id, t);
  const found = await stac.search({ limit: 100, fields: { include: ['properties.title'] } });
  for (const f of found.features) titles.set(Number(f.id), String(f.properties?.title ?? `dataset ${f.id}`));
  const names = new Map(depts.map((d) => [d.id, d.name]));
  return {
    Contract: contracts.slice().reverse().map((c) => [String(c.id), `contract ${c.id}: ${titles.get(c.dataset) ?? `dataset ${c.dataset}`} for ${names.get(c.consumer) ?? `department ${c.consumer}`} (${words(c.state).toLowerCase()})`]),
    Dataset: [...titles].sort(([a], [b]) => b - a).map(([id, t]) => [String(id), `dataset ${id}: ${t}`]),
    Department: depts.map((d) => [String(d.id), d.name]),
  };
}

async function flagForm(): Promise<HTMLElement> {
  const all = await subjects();
  const kind = select('kind', [['Contract', 'a contract'], ['Dataset', 'a dataset'], ['Department', 'a department']]);
  const subject = select('subject', []);
  const fill = () => subject.replaceChildren(...all[kind.value as keyof typeof all].map(([v, l]) => h('option', { value: v }, l)));
  kind.addEventListener('change', fill);
  fill();
  const form = h('form', { class: 'flag' }, h('h3', {}, 'Flag a subject'),
    h('div', { class: 'row' }, field('Kind', kind), field('Subject', subject)),
    field('Note', h('textarea', { name: 'note', required: true, maxlength: 512, rows: 2 })),
    h('button', { type: 'submit' }, 'Flag'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    try {
      await send('Flag', (api) => api.tx.audit.flag({ [String(f.get('kind'))]: Number(f.get('subject')) }, String(f.get('note'))), current.account!);
      note(form, 'ok', 'Flagged: the entry is in the audit log.');
      void openAudit();
    } catch (err) {
      note(form, 'error', failure(err));
    }
  });
  return form;
}

/**
 * A flag's note: the log keeps only its hash (the entry's digest), so it is
 * read from the `audit.flag` call of the entry's block whose note has that
 * hash; null if the block is no longer kept.
 */
async function flagNote(e: Entry): Promise<string | null> {
  try {
    const api = await chainApi();
    const block = await api.rpc.chain.getBlock(await api.rpc.chain.getBlockHash(e.block));
    for (const x of block.block.extrinsics) {
      if (x.method.section !== 'audit' || x.method.method !== 'flag') continue;
      const text = x.method.args[1] as unknown as { toU8a(bare: boolean): Uint8Array; toUtf8(): string };
      if (u8aToHex(blake2AsU8a(text.toU8a(true), 256)) === e.digest) return text.toUtf8();
    }
  } catch {
    // The block's body is pruned, or the connection dropped: the note is not shown.
  }
  return null;
}

/** `n` entries from the first, as a range of indexes. */
const entriesText = (n: number) => (n === 0 ? 'no entries' : `entries 0–${n - 1} (${n} entries)`);

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
    const [mine, node] = await Promise.all([verifyInBrowser(), call('audit_verify', {})]);
    result.replaceChildren(
      h('p', { class: mine.firstBad === null ? 'ok' : 'bad', id: 'browser-verdict' },
        mine.firstBad === null
          ? `In this browser: the hash chain holds over ${entriesText(mine.count)}; head ${mine.head}`
          : `In this browser: the chain breaks at entry ${mine.firstBad}`),
      h('p', { class: node.ok ? 'ok' : 'bad', id: 'node-verdict' },
        node.ok ? `The node (audit_verify): the hash chain holds over ${entriesText(node.to === null ? 0 : node.to + 1)}; head ${node.head}` : `The node (audit_verify): the chain breaks at entry ${node.firstBadIndex}`),
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
    h('p', {}, h('a', { href: '#/audit/accesses', id: 'to-accesses' }, 'Who obtained data about a place and time'),
      ': every access to data covering an area and a period, on the map and in a table, exported as CSV or JSON.'),
    h('section', {}, verify, result),
    lightVerifier(),
    h('section', {}, h('h3', {}, 'Disputes and flags'),
      disputes.length === 0 ? h('p', {}, 'none') : h('ul', { class: 'disputes' }, await Promise.all(disputes.map(async (e) => {
        const said = e.action === 'flagged' ? await flagNote(e) : null;
        return h('li', {}, `${dateTime(e.time)} · ${actionText(e.action)} · `, subjectLink(e.subject), ' · by ', await accountLabel(e.actor),
          said === null ? null : h('blockquote', { class: 'flag-note' }, said));
      })))),
    current.membership?.roles.auditor ? await flagForm() : refusal('auditor'),
    h('section', {}, h('h3', {}, 'A department\'s trail'), field('Department', pick), department === undefined ? null : await trail(await entries({ department }))),
  );
}
