// Access contracts: one contract's page with what is still missing and what
// the account may do; "my contracts" of the consumer department; the inbox
// of requests for the department's datasets, with approve (optionally with
// a key envelope, its encrypted delivery stored at the gateway) and reject.
// Contracts are read through the relay (members only); the datasets they
// name from the gateway's STAC API.
import { call, config, departments } from './chain';
import * as stac from './stac';
import { departmentName } from './stac';
import { storeAtGateway } from './accounts';
import { current, refusal } from './state';
import { send, type Build, failure } from './tx';
import { encryptFile, hashFile, readKeyFile, sealKey } from './crypto';
import { allContracts, blockDate, type Contract, type Dataset } from './dataset';
import { downloadPanel } from './download';
import { entries, trail } from './audit';
import { h, facts, field, note, show } from './ui';
import { bboxText, date, short, words } from './units';
import { u8aToHex } from '@polkadot/util';

/** What a requested contract still waits for. */
function missing(c: Contract): string {
  if (c.state !== 'requested') return '—';
  const want = [];
  if (!c.providerApproval) want.push('the provider\'s approval');
  if (c.policy === 'restricted' && !c.regulatorApproval) want.push('the regulator\'s approval');
  return want.join(' and ') || '—';
}

async function row(c: Contract, other: 'consumer' | 'provider', titles: Map<number, string>): Promise<HTMLElement> {
  return h('tr', { 'data-contract': c.id },
    h('td', {}, h('a', { href: `#/contract/${c.id}` }, c.id)),
    h('td', {}, h('a', { href: `#/dataset/${c.dataset}` }, titles.get(c.dataset) ?? `dataset ${c.dataset}`)),
    h('td', {}, await departmentName(c[other])),
    h('td', {}, words(c.state)),
    h('td', {}, c.state === 'requested' ? `lapses ${blockDate(c.lapsesAt)}` : c.expiresAt ? `until ${blockDate(c.expiresAt)}` : '—'),
    h('td', {}, missing(c)));
}

async function table(contracts: Contract[], other: 'consumer' | 'provider'): Promise<HTMLElement> {
  if (contracts.length === 0) return h('p', {}, 'none');
  const titles = new Map<number, string>();
  const ids = [...new Set(contracts.map((c) => c.dataset))];
  for (let i = 0; i < ids.length; i += 100) {
    for (const [id, title] of await stac.titles(ids.slice(i, i + 100))) titles.set(id, title);
  }
  return h('table', { class: 'contracts' },
    h('thead', {}, h('tr', {}, ['#', 'dataset', other === 'consumer' ? 'requester' : 'provider', 'state', 'deadline', 'still missing'].map((t) => h('th', {}, t)))),
    h('tbody', {}, await Promise.all(contracts.map((c) => row(c, other, titles)))));
}

export async function openMyContracts(): Promise<void> {
  const why = refusal();
  if (why) return void show(h('h2', {}, 'My contracts'), why);
  const dept = current.membership!.department;
  const mine = (await allContracts({ consumer: dept.id })).reverse();
  show(h('h2', {}, `My contracts · ${dept.name}`), await table(mine, 'provider'));
}

export async function openInbox(): Promise<void> {
  const why = refusal('approver');
  if (why) return void show(h('h2', {}, 'Inbox'), why);
  const dept = current.membership!.department;
  const waiting = dept.kind === 'Regulator'
    ? (await allContracts({ state: 'requested' })).filter((c) => c.policy === 'restricted' && !c.regulatorApproval)
    : (await allContracts({ provider: dept.id, state: 'requested' })).filter((c) => !c.providerApproval);
  show(h('h2', {}, `Inbox · ${dept.name}`), h('p', {}, dept.kind === 'Regulator' ? 'Requests for restricted datasets awaiting the regulator.' : 'Requests for your department\'s datasets.'),
    await table(waiting.reverse(), 'consumer'));
}

function approveForm(c: Contract, d: Dataset): HTMLElement {
  // Only the provider holds the file and its key: the regulator approves without an envelope.
  const isProvider = current.membership!.department.id === c.provider;
  const sealed = h('input', { type: 'checkbox', name: 'sealed', checked: isProvider && (d.sensitivity === 'confidential' || d.sensitivity === 'secret') });
  const keyFile = h('input', { type: 'file', name: 'datakey' });
  const dataFile = h('input', { type: 'file', name: 'data' });
  const extra = h('div', { class: 'sealed' },
    field('Data key file (optional)', keyFile, '64 hex digits; without one, a new random key is made'),
    field('The dataset\'s file', dataFile, 'encrypted in this browser for the consumer and stored at your gateway'));
  const progress = h('progress', { hidden: true, max: d.size, value: 0 });
  const syncExtra = () => { extra.hidden = !sealed.checked; };
  sealed.addEventListener('change', syncExtra);
  syncExtra();
  const form = h('form', { class: 'decide' }, h('h3', {}, 'Decide'),
    c.policy === 'restricted' ? h('p', {}, `Restricted: ${missing(c)} still needed.`) : null,
    isProvider ? h('label', { class: 'check' }, sealed, 'attach a key envelope (deliver encrypted)') : null, extra, progress,
    h('div', { class: 'row' }, h('button', { type: 'submit', name: 'approve' }, 'Approve')),
    field('Reason for a rejection', h('textarea', { name: 'reason', rows: 2, maxlength: 256 })),
    h('button', { type: 'button', class: 'danger', onclick: async () => {
      const reason = String(new FormData(form).get('reason') ?? '').trim();
      if (!reason) return void note(form, 'error', 'Say why, for the requester and the audit log.');
      try {
        await send(`Reject contract ${c.id}`, (api) => api.tx.access.rejectRequest(c.id, reason), current.account!);
        void openContract(c.id);
      } catch (err) {
        note(form, 'error', failure(err));
      }
    } }, 'Reject'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      if (!sealed.checked) {
        await send(`Approve contract ${c.id}`, (api) => api.tx.access.approveRequest(c.id, null), current.account!);
        return void openContract(c.id);
      }
      const consumer = (await departments()).find((x) => x.id === c.consumer);
      const consumerKey = consumer?.encryptionKey;
      if (!consumerKey) throw new Error(`${consumer?.name ?? 'The consumer'} has published no encryption key: approve without an envelope, or ask it to set one.`);
      const file = dataFile.files?.[0];
      if (!file) throw new Error('Choose the dataset\'s file: it is encrypted here for the consumer.');
      progress.hidden = false;
      const digest = u8aToHex(await hashFile(file, d.contentHash.code, (n) => { progress.value = n / 2; }));
      if (digest !== d.contentHash.digest || file.size !== d.size) throw new Error('This is not the registered file: its hash or size differs from the record.');
      const key = keyFile.files?.[0] ? await readKeyFile(keyFile.files[0], 'the data key file') : crypto.getRandomValues(new Uint8Array(32));
      const encrypted = await encryptFile(file, key, (n) => { progress.value = d.size / 2 + n / 2; });
      await send(`Approve contract ${c.id} with an envelope`, (api) => api.tx.access.approveRequest(c.id, sealKey(key, consumerKey)), current.account!);
      await storeAtGateway(current.account!, config.gateway, `/data/${d.id}?contract=${c.id}`, encrypted)
        .catch((e: Error) => { throw new Error(`Approved, but the gateway did not store the encrypted file: ${e.message}`); });
      void openContract(c.id);
    } catch (err) {
      note(form, 'error', failure(err));
    }
  });
  return form;
}

function simpleAction(label: string, title: string, build: Build, id: number): HTMLElement {
  const b: HTMLButtonElement = h('button', { onclick: async () => {
    try {
      await send(title, build, current.account!);
      void openContract(id);
    } catch (err) {
      note(b.parentElement!, 'error', failure(err));
    }
  } }, label);
  return b;
}

async function actions(c: Contract, d: Dataset): Promise<HTMLElement | null> {
  const why = refusal();
  if (why) return why;
  const m = current.membership!;
  const box = h('section', { class: 'actions' });
  const decides = m.roles.approver && ((m.department.id === c.provider && !c.providerApproval) || (m.department.kind === 'Regulator' && c.policy === 'restricted' && !c.regulatorApproval));
  if (c.state === 'requested' && decides) box.append(approveForm(c, d));
  if (m.department.id === c.consumer) {
    if (c.state === 'requested') box.append(simpleAction('Cancel the request', `Cancel contract ${c.id}`, (api) => api.tx.access.cancelRequest(c.id), c.id));
    if (c.state === 'approved') {
      box.append(await downloadPanel(d, c.id));
      box.append(simpleAction('Relinquish', `Relinquish contract ${c.id}`, (api) => api.tx.access.relinquishAccess(c.id), c.id));
    }
  }
  if (c.state === 'approved' && m.roles.approver && (m.department.id === c.provider || m.department.kind === 'Regulator')) {
    const reason = h('input', { name: 'reason', placeholder: 'reason', maxlength: 256 });
    box.append(h('div', { class: 'row' }, reason, simpleAction('Revoke', `Revoke contract ${c.id}`, (api) => api.tx.access.revokeAccess(c.id, reason.value || 'revoked'), c.id)));
  }
  return box.childElementCount ? box : null;
}

export async function openContract(id: number): Promise<void> {
  if (!current.membership) return void show(h('h2', {}, `Contract ${id}`), refusal() ?? h('p', {}, ''));
  const c = await call<Contract | null>('access_get', id);
  if (!c) return void show(h('h2', {}, `Contract ${id}`), h('p', {}, 'There is no contract with this id.'));
  const found = await stac.dataset(c.dataset);
  if (!found) return void show(h('h2', {}, `Contract ${id}`), h('p', {}, `Its dataset ${c.dataset} is not one you may see.`));
  const d = found.record;
  const page = show(
    h('p', {}, h('a', { href: `#/dataset/${d.id}` }, `← ${d.title}`)),
    h('h2', {}, `Contract ${c.id}`),
    facts([
      ['State', h('strong', { class: 'state' }, words(c.state))],
      ['Dataset', h('a', { href: `#/dataset/${d.id}` }, `${d.title} (version ${c.version})`)],
      ['Provider', await departmentName(c.provider)],
      ['Consumer', await departmentName(c.consumer)],
      ['Requester', h('span', { title: c.requester }, short(c.requester))],
      ['Purpose', c.purpose],
      ['Term', `${Math.round(c.term / 28_800)} days`],
      ['Scope', [c.scopeBbox ? bboxText(c.scopeBbox) : 'the whole extent', c.scopeTime ? `, ${date(c.scopeTime.start)} – ${date(c.scopeTime.end)}` : '']],
      ['Policy', words(c.policy)],
      ['Provider approval', c.providerApproval ? short(c.providerApproval) : '—'],
      ['Regulator approval', c.policy === 'restricted' ? (c.regulatorApproval ? short(c.regulatorApproval) : '—') : 'not needed'],
      ['Still missing', missing(c)],
      ['Requested', `block #${c.requestedAt}`],
      [c.state === 'requested' ? 'Lapses' : 'Expires', c.state === 'requested' ? blockDate(c.lapsesAt) : c.expiresAt ? blockDate(c.expiresAt) : '—'],
      ['Key envelope', c.envelope ? 'attached (delivered encrypted)' : 'none'],
      ['Receipt', words(c.receipt.status)],
      ['Reason', c.reason ?? '—'],
    ]),
    await actions(c, d),
    h('section', {}, h('h3', {}, 'Audit trail'), await trail(await entries({ subject: { contract: c.id } }))));
  page.dataset.contract = String(c.id);
}
