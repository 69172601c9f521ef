// Access contracts: one contract's page with its terms (the purpose code,
// the rule that decided, its deliveries), what is still missing and what
// the account may do; "my contracts" of the consumer department; the inbox
// of requests for the department's datasets, with approve (optionally with
// a key envelope, its encrypted delivery stored at the gateway) and reject.
// Contracts are read through the relay (members only); the datasets they
// name from the gateway's STAC API.
import { call, config, departments } from './chain';
import * as stac from './stac';
import { departmentName } from './stac';
import { accountLabel, keyEnvelope, storeAtGateway } from './accounts';
import { uploadInParts, uploadView } from './upload';
import { current, refusal } from './state';
import { send, type Build, failure } from './tx';
import { encryptFile, hashFile, openEnvelope, readKeyFile, sealKey } from './crypto';
import type { Contract, Dataset } from '@citychain/api/rpc';
import { allContracts, blockDate } from './dataset';
import { downloadPanel } from './download';
import { linkPanel } from './links';
import { entries, trail } from './audit';
import { termsFacts } from './terms';
import { h, facts, field, note, show } from './ui';
import { BLOCKS_PER_DAY, bboxText, date, words } from './units';
import { hexToU8a, u8aToHex } from '@polkadot/util';

/** What a requested contract still waits for. */
function missing(c: Contract): string {
  if (c.state !== 'requested') return '—';
  const want = [];
  if (!c.providerApproval) want.push('the provider\'s approval');
  if (c.policy === 'restricted' && !c.regulatorApproval) want.push('the regulator\'s approval');
  return want.join(' and ') || '—';
}

/** What became of the contract's delivery, in words. */
export function receiptText(c: Contract): string {
  if (c.state === 'requested') return 'none yet: the data is delivered once the request is approved';
  if (c.receipt.status === 'verified') return 'confirmed: the consumer\'s file matched the record';
  if (c.receipt.status === 'mismatch') return 'mismatch: the consumer\'s file differs from the record (a dispute for the regulator)';
  return c.state === 'approved' ? 'not yet confirmed: the consumer has not reported a download' : 'none: nothing was confirmed';
}

/** When the contract ends, in words: an undecided request lapses, an approved one expires. */
function deadline(c: Contract): string {
  if (c.state === 'requested') return `lapses ${blockDate(c.lapsesAt)} if not decided by then`;
  return c.expiresAt && c.state === 'approved' ? `expires ${blockDate(c.expiresAt)}` : '—';
}

const termDays = (c: Contract) => `${Math.round(c.term / BLOCKS_PER_DAY)} days`;

/** A contract's row: for the consumer's list (with the receipt) or the provider's inbox (with purpose and term). */
async function row(c: Contract, list: 'mine' | 'inbox', titles: Map<number, string>): Promise<HTMLElement> {
  return h('tr', { 'data-contract': c.id },
    h('td', {}, h('a', { href: `#/contract/${c.id}` }, c.id)),
    h('td', {}, h('a', { href: `#/dataset/${c.dataset}` }, titles.get(c.dataset) ?? `dataset ${c.dataset}`)),
    h('td', {}, list === 'mine' ? await departmentName(c.provider) : [await departmentName(c.consumer), h('br'), await accountLabel(c.requester)]),
    list === 'inbox' ? h('td', { class: 'purpose' }, c.purpose) : null,
    list === 'inbox' ? h('td', {}, termDays(c)) : null,
    h('td', {}, words(c.state)),
    h('td', {}, deadline(c)),
    list === 'mine' ? h('td', { class: 'receipt' }, receiptText(c)) : h('td', {}, missing(c)));
}

async function table(contracts: Contract[], list: 'mine' | 'inbox'): Promise<HTMLElement> {
  if (contracts.length === 0) return h('p', {}, 'none');
  const titles = new Map<number, string>();
  const ids = [...new Set(contracts.map((c) => c.dataset))];
  for (let i = 0; i < ids.length; i += 100) {
    for (const [id, title] of await stac.titles(ids.slice(i, i + 100))) titles.set(id, title);
  }
  const columns = list === 'mine'
    ? ['#', 'dataset', 'provider', 'state', 'deadline', 'receipt']
    : ['#', 'dataset', 'requester', 'purpose', 'term', 'state', 'deadline', 'still missing'];
  return h('table', { class: 'contracts' },
    h('thead', {}, h('tr', {}, columns.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, await Promise.all(contracts.map((c) => row(c, list, titles)))));
}

export async function openMyContracts(): Promise<void> {
  const why = refusal();
  if (why) return void show(h('h2', {}, 'My contracts'), why);
  const dept = current.membership!.department;
  const mine = (await allContracts({ consumer: dept.id })).reverse();
  show(h('h2', {}, `My contracts · ${dept.name}`), await table(mine, 'mine'));
}

export async function openInbox(): Promise<void> {
  const why = refusal('approver');
  if (why) return void show(h('h2', {}, 'Inbox'), why);
  const dept = current.membership!.department;
  const waiting = dept.kind === 'Regulator'
    ? (await allContracts({ state: 'requested' })).filter((c) => c.policy === 'restricted' && !c.regulatorApproval)
    : (await allContracts({ provider: dept.id, state: 'requested' })).filter((c) => !c.providerApproval);
  show(h('h2', {}, `Inbox · ${dept.name}`), h('p', {}, dept.kind === 'Regulator' ? 'Requests for restricted datasets awaiting the regulator.' : 'Requests for your department\'s datasets.'),
    await table(waiting.reverse(), 'inbox'));
}

function approveForm(c: Contract, d: Dataset): HTMLElement {
  // Only the provider holds the file and its key: the regulator approves without an envelope.
  const isProvider = current.membership!.department.id === c.provider;
  const sealed = h('input', { type: 'checkbox', name: 'sealed', checked: isProvider && (d.sensitivity === 'confidential' || d.sensitivity === 'secret') });
  // A dataset is encrypted once, at its first encrypted approval; later ones
  // only seal its data key, which the department's key file opens.
  const keyFile = h('input', { type: 'file', name: 'key' });
  const dataFile = h('input', { type: 'file', name: 'data' });
  const keyField = field('Your department\'s encryption key file', keyFile, 'opens the data key of the dataset\'s encryption at your gateway, to seal it to the consumer');
  const dataField = field('The dataset\'s file', dataFile, 'encrypted once, in this browser, and stored at your gateway for this and every later encrypted delivery');
  const said = h('p', { class: 'hint' }, 'Asking your gateway whether the dataset is encrypted there…');
  const extra = h('div', { class: 'sealed' }, said, keyField, dataField);
  let envelope: Promise<Uint8Array | null> | null = null;
  const ownEnvelope = () => (envelope ??= keyEnvelope(current.account!, config.gateway, d.id));
  const progress = h('progress', { hidden: true, max: d.size, value: 0 });
  const upload = uploadView();
  const syncExtra = async () => {
    extra.hidden = !sealed.checked;
    if (!sealed.checked) return;
    keyField.hidden = dataField.hidden = true;
    try {
      const encrypted = (await ownEnvelope()) !== null;
      keyField.hidden = !encrypted;
      dataField.hidden = encrypted;
      said.textContent = encrypted
        ? 'The dataset is encrypted at your gateway: approving seals its data key to the consumer.'
        : 'The first encrypted delivery of this dataset: it is encrypted once and stored at your gateway.';
    } catch (err) {
      said.textContent = `Your gateway did not say: ${failure(err)}`;
    }
  };
  sealed.addEventListener('change', () => void syncExtra());
  void syncExtra();
  const form = h('form', { class: 'decide' }, h('h3', {}, 'Decide'),
    c.policy === 'restricted' ? h('p', {}, `Restricted: ${missing(c)} still needed.`) : null,
    isProvider ? h('label', { class: 'check' }, sealed, 'attach a key envelope (deliver encrypted)') : null, extra, progress, upload.element,
    field('Reason (needed to reject)', h('textarea', { name: 'reason', rows: 2, maxlength: 256 })),
    h('div', { class: 'choices' }, h('button', { type: 'submit', name: 'approve' }, 'Approve'), h('button', { type: 'button', class: 'danger', onclick: async () => {
      const reason = String(new FormData(form).get('reason') ?? '').trim();
      if (!reason) return void note(form, 'error', 'Say why, for the requester and the audit log.');
      try {
        await send(`Reject contract ${c.id}`, (api) => api.tx.access.rejectRequest(c.id, reason), current.account!);
        void openContract(c.id);
      } catch (err) {
        note(form, 'error', failure(err));
      }
    } }, 'Reject')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      if (!sealed.checked) {
        await send(`Approve contract ${c.id}`, (api) => api.tx.access.approveRequest(c.id, null), current.account!);
        return void openContract(c.id);
      }
      const all = await departments();
      const keyOf = (id: number) => {
        const dept = all.find((x) => x.id === id);
        if (!dept?.encryptionKey) throw new Error(`${dept?.name ?? `Department ${id}`} has published no encryption key: approve without an envelope, or ask it to set one.`);
        return dept.encryptionKey;
      };
      const consumerKey = keyOf(c.consumer);
      const stored = await ownEnvelope();
      let key: Uint8Array;
      if (stored) {
        const secret = keyFile.files?.[0];
        if (!secret) throw new Error('Choose your department\'s encryption key file: it opens the data key.');
        key = openEnvelope(u8aToHex(stored), await readKeyFile(secret, 'the encryption key file'));
      } else {
        const file = dataFile.files?.[0];
        if (!file) throw new Error('Choose the dataset\'s file: it is encrypted here, once.');
        progress.hidden = false;
        const digest = u8aToHex(await hashFile(file, d.contentHash.code, (n) => { progress.value = n / 2; }));
        if (digest !== d.contentHash.digest || file.size !== d.size) throw new Error('This is not the registered file: its hash or size differs from the record.');
        key = crypto.getRandomValues(new Uint8Array(32));
        const encrypted = await encryptFile(file, key, (n) => { progress.value = d.size / 2 + n / 2; });
        const ownKey = hexToU8a(sealKey(key, keyOf(c.provider)));
        // The key's envelope first: the gateway keeps the first one stored,
        // and an encryption only beside it. Another officer's, stored
        // meanwhile, wins: its key is then the one to open and seal.
        try {
          await storeAtGateway(current.account!, config.gateway, `/data/${d.id}?part=key`, new Blob([ownKey as Uint8Array<ArrayBuffer>]));
        } catch (err) {
          envelope = null;
          void syncExtra();
          throw new Error(`The gateway did not take the key: ${(err as Error).message}`);
        }
        envelope = Promise.resolve(ownKey);
        progress.hidden = true;
        await uploadInParts(current.account!, config.gateway, d.id, true, encrypted, upload)
          .catch((err: Error) => { throw new Error(`The gateway did not store the encryption: ${err.message}`); });
      }
      await send(`Approve contract ${c.id} with an envelope`, (api) => api.tx.access.approveRequest(c.id, sealKey(key, consumerKey)), current.account!);
      void openContract(c.id);
    } catch (err) {
      note(form, 'error', failure(err));
    }
  });
  return form;
}

/** A button that, once the user confirms `question`, sends the transaction and draws the contract again. */
function simpleAction(label: string, title: string, question: string, build: Build, id: number, cls?: string): HTMLElement {
  const b: HTMLButtonElement = h('button', { class: cls, onclick: async () => {
    if (!confirm(question)) return;
    try {
      await send(title, build, current.account!);
      void openContract(id);
    } catch (err) {
      note(b.parentElement!, 'error', failure(err));
    }
  } }, label);
  return b;
}

async function actions(c: Contract, d: Dataset, page: HTMLElement): Promise<HTMLElement | null> {
  const why = refusal();
  if (why) return why;
  const m = current.membership!;
  const box = h('section', { class: 'actions' });
  const decides = m.roles.approver && ((m.department.id === c.provider && !c.providerApproval) || (m.department.kind === 'Regulator' && c.policy === 'restricted' && !c.regulatorApproval));
  if (c.state === 'requested' && decides) box.append(approveForm(c, d));
  if (m.department.id === c.consumer) {
    if (c.state === 'requested') box.append(simpleAction('Cancel the request', `Cancel contract ${c.id}`, `Cancel your request for “${d.title}”? It cannot be taken back; you may request again.`, (api) => api.tx.access.cancelRequest(c.id), c.id));
    if (c.state === 'approved') {
      box.append(await downloadPanel(d, c.id, (now) => showReceipt(page, now)));
      const link = await linkPanel(d, c.id);
      if (link) box.append(link);
      box.append(simpleAction('Relinquish', `Relinquish contract ${c.id}`,
        `Give up your department's access to “${d.title}”? The contract ends now and cannot be resumed: a new request would be needed.`,
        (api) => api.tx.access.relinquishAccess(c.id), c.id, 'danger'));
    }
  }
  if (c.state === 'approved' && m.roles.approver && (m.department.id === c.provider || m.department.kind === 'Regulator')) {
    const reason = h('input', { name: 'reason', placeholder: 'reason', 'aria-label': 'reason for revoking', maxlength: 256 });
    box.append(h('div', { class: 'row' }, reason, simpleAction('Revoke', `Revoke contract ${c.id}`,
      `Revoke ${await departmentName(c.consumer)}'s access to “${d.title}”? The contract ends now and cannot be resumed.`,
      (api) => api.tx.access.revokeAccess(c.id, reason.value || 'revoked'), c.id, 'danger')));
  }
  return box.childElementCount ? box : null;
}

/** Shows the contract's receipt as it is now (after the page's own download confirmed it). */
function showReceipt(page: HTMLElement, c: Contract): void {
  page.querySelector('.facts .receipt')!.textContent = receiptText(c);
}

const approval = async (account: string | null) => (account ? accountLabel(account) : 'not yet');

export async function openContract(id: number): Promise<void> {
  if (!current.membership) return void show(h('h2', {}, `Contract ${id}`), refusal() ?? h('p', {}, ''));
  const c = await call('access_get', id);
  if (!c) return void show(h('h2', {}, `Contract ${id}`), h('p', {}, 'There is no contract with this id.'));
  const found = await stac.dataset(c.dataset);
  if (!found) return void show(h('h2', {}, `Contract ${id}`), h('p', {}, `Its dataset ${c.dataset} is not one you may see.`));
  const d = found.record;
  const page = h('div', { class: 'contract' });
  page.append(
    h('p', {}, h('a', { href: `#/dataset/${d.id}` }, `← ${d.title}`)),
    h('h2', {}, `Contract ${c.id}`),
    facts([
      ['State', h('strong', { class: 'state' }, words(c.state))],
      ['Dataset', h('a', { href: `#/dataset/${d.id}` }, `${d.title} (version ${c.version})`)],
      ['Provider', await departmentName(c.provider)],
      ['Consumer', await departmentName(c.consumer)],
      ['Requester', await accountLabel(c.requester)],
      ['Purpose', c.purpose],
      ...await termsFacts(c.id, c.dataset),
      ['Term', `${termDays(c)} from approval`],
      ['Scope', [c.scopeBbox ? bboxText(c.scopeBbox) : 'the whole extent', c.scopeTime ? `, ${date(c.scopeTime.start)} – ${date(c.scopeTime.end)}` : '']],
      ['Policy', words(c.policy)],
      ['Provider approval', c.policy === 'open' ? 'not needed: a rule granted it at once' : await approval(c.providerApproval)],
      ['Regulator approval', c.policy === 'restricted' ? await approval(c.regulatorApproval) : 'not needed'],
      ['Still missing', missing(c)],
      ['Requested', `block #${c.requestedAt}`],
      ['Ends', deadline(c)],
      ['Key envelope', c.envelope ? 'attached (delivered encrypted)' : 'none (delivered as it is)'],
      ['Receipt', h('span', { class: 'receipt' }, receiptText(c))],
      ['Reason', c.reason ?? '—'],
    ]));
  page.append(...[await actions(c, d, page), h('section', {}, h('h3', {}, 'Audit trail'), await trail(await entries({ subject: { contract: c.id } })))].filter((x): x is HTMLElement => x !== null));
  show(page).dataset.contract = String(c.id);
}
