// A dataset's page: every field of the record, its access rules in words
// and as ODRL, its versions as a timeline, its STAC Item, its contracts, its
// audit trail; and what the account may do with it: request access (with
// the chain's verdict before sending), download, publish a version, set the
// access policy, deprecate, withdraw.
// The record, versions and trail come from the gateway's STAC API (what the
// reader may see); contracts and actions, for a signed-in member, through
// the relay. URLs in the record are links only if they are http(s) ones.
import type { Contract, Dataset, Entry, Rule } from '@citychain/api/rpc';
import { allPages, call, heads } from './chain';
import * as stac from './stac';
import { current, refusal } from './state';
import { send, type Build, failure } from './tx';
import { drawBox, map, showAreas, showBox } from './map';
import { trail } from './audit';
import { downloadPanel } from './download';
import { linkPanel } from './links';
import { accountLabel } from './accounts';
import { h, dateInput, facts, field, note, select, show, webLink } from './ui';
import { type Asked, type Names, areasOf, policyEditor, policyOf, policySection, verdictPane } from './terms';
import { BLOCKS_PER_DAY, bboxText, bytes, date, dateTime, parseDate, toChainBox, words, type Bbox } from './units';

/** A dataset's rules and the names they use. */
type Policy = { rules: Rule[]; names: Names };

/** The relation of a STAC Item's link to its access policy (ODRL's `hasPolicy`). */
const ODRL_HAS_POLICY = 'http://www.w3.org/ns/odrl/2/hasPolicy';

/** Every contract matching `query`, following the cursor (at most `max`). */
export function allContracts(query: Record<string, unknown>, max = 1000): Promise<Contract[]> {
  return allPages('access_contracts', query, max);
}

/** A block number as the date it falls on, counted from the best block. */
export function blockDate(block: number): string {
  return date(Date.now() + (block - (heads.best?.number ?? block)) * 3000);
}

/** The versions the reader may see, oldest first (the gateway lists them newest first). */
async function versions(d: Dataset, item: stac.Item): Promise<HTMLElement> {
  const found = (await stac.versions(item)).slice().reverse();
  return h('ol', { class: 'timeline' }, found.map((v) => {
    const id = Number(v.id);
    const p = v.properties ?? {};
    return h('li', { class: id === d.id ? 'this' : '' },
      h('a', { href: `#/dataset/${id}` }, `version ${p.version ?? '?'}`), ' · ', words(String(p['citychain:status'] ?? '')),
      typeof p.created === 'string' ? [' · ', dateTime(p.created)] : null);
  }));
}

/** The contracts of the dataset: for a signed-in member (through the relay), else nothing. */
async function contractsSection(d: Dataset): Promise<HTMLElement | null> {
  if (!current.membership) return null;
  const contracts = await allContracts({ dataset: d.id });
  const counts = new Map<string, number>();
  for (const c of contracts) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  const mine = current.membership?.department;
  const sees = mine && (mine.id === d.owner || mine.kind === 'Regulator');
  const list = sees
    ? h('ul', { class: 'contracts' }, await Promise.all(contracts.map(async (c) =>
      h('li', {}, h('a', { href: `#/contract/${c.id}` }, `contract ${c.id}`), ` · ${words(c.state)} · ${await stac.departmentName(c.consumer)} · “${c.purpose}”`))))
    : null;
  return h('section', {}, h('h3', {}, 'Contracts'),
    h('p', {}, contracts.length === 0 ? 'none' : [...counts].map(([s, n]) => `${n} ${words(s).toLowerCase()}`).join(', ')), list);
}

/**
 * The request form: a purpose of the vocabulary and a statement, a term, a
 * scope; as they change, the chain's verdict for the request (terms.ts),
 * before anything is sent. A request the rules would refuse cannot be sent.
 */
function requestForm(d: Dataset, policy: Policy): HTMLElement {
  let scope: Bbox | null = null;
  const term = h('input', { type: 'number', name: 'days', min: 1, max: 3650, value: 90, required: true });
  const until = h('small', { class: 'until' });
  const showUntil = () => { until.textContent = `until about ${date(Date.now() + Number(term.value) * 86_400_000)}`; };
  term.addEventListener('input', showUntil);
  showUntil();
  const code = select('purpose-code', [['', 'none of these: the statement says it'], ...policy.names.purposes.map((p): [string, string] => [p.code, p.label])]);
  const statement = h('textarea', { name: 'purpose', required: true, maxlength: 256, rows: 2 });
  const scopeText = h('span', {}, 'the whole dataset');
  const submit = h('button', { type: 'submit' }, 'Request');
  const verdict = verdictPane(d, policy.rules, policy.names, (refused) => { submit.disabled = refused; });
  const form = h('form', { class: 'request' },
    h('h3', {}, 'Request access'),
    field('Purpose', code, 'the rules name purposes of this vocabulary'),
    field('Statement', statement, 'what the data is for; optional with a purpose chosen above'),
    field('Term (days)', term), until,
    h('div', { class: 'row' }, 'Area: ', scopeText, h('button', { type: 'button', onclick: async () => {
      const box = await drawBox();
      if (!box) return;
      const [w, s, e, n] = d.bbox;
      const inside: Bbox = [Math.max(w, box[0]), Math.max(s, box[1]), Math.min(e, box[2]), Math.min(n, box[3])];
      if (inside[0] >= inside[2] || inside[1] >= inside[3]) {
        note(form, 'error', 'The drawn area does not overlap the dataset\'s extent.');
        showBox(d.bbox);
        return;
      }
      scope = inside;
      showBox(scope);
      scopeText.textContent = bboxText(scope);
      verdict.ask(asked());
    } }, 'Draw a scope')),
    h('div', { class: 'row' }, field('Scope from (YYYY-MM-DD)', dateInput('from')), field('to (YYYY-MM-DD)', dateInput('to'))),
    verdict.element,
    submit);
  /** The request the form says: its purpose text (the code, then ": " and the statement), term and scope; or why it says none yet. */
  const asked = (): Asked | string => {
    const f = new FormData(form);
    const said = String(f.get('purpose')).trim();
    const purpose = code.value && said ? `${code.value}: ${said}` : code.value || said;
    const days = Number(f.get('days'));
    const from = parseDate(String(f.get('from')));
    const to = parseDate(String(f.get('to')));
    if (!Number.isInteger(days) || days < 1) return 'Give the term in whole days to see what the chain would decide.';
    return { purpose, term: days * BLOCKS_PER_DAY, bbox: scope, time: from !== null || to !== null ? { start: from, end: to } : null };
  };
  code.addEventListener('change', () => { statement.required = code.value === ''; });
  form.addEventListener('input', () => verdict.ask(asked()));
  form.addEventListener('change', () => verdict.ask(asked()));
  verdict.ask(asked());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const a = asked();
    if (typeof a === 'string') return void note(form, 'error', a);
    const chainScope = a.bbox || a.time ? { bbox: a.bbox ? toChainBox(a.bbox) : null, time: a.time } : null;
    try {
      const r = await send(`Request dataset ${d.id}`,
        (api) => api.tx.access.requestAccess(d.id, a.purpose, a.term, chainScope), current.account!);
      const ev = r.events.find(({ event }) => event.section === 'access' && event.method === 'AccessRequested');
      const id = (ev!.event.data as any).contract.toNumber();
      location.hash = `#/contract/${id}`;
    } catch (err) {
      note(form, 'error', failure(err));
    }
  });
  return form;
}

function ownerActions(d: Dataset, policy: Policy): HTMLElement {
  const box = h('section', { class: 'actions' }, h('h3', {}, 'Your dataset'));
  const act = async (label: string, build: Build) => {
    try {
      await send(label, build, current.account!);
      void openDataset(d.id);
    } catch (err) {
      note(box, 'error', failure(err));
    }
  };
  if (d.status === 'active' || d.status === 'deprecated') {
    box.append(h('a', { class: 'button', href: `#/publish/${d.id}` }, 'Publish a new version'));
  }
  if (d.status === 'active') box.append(h('button', { onclick: () => act(`Deprecate dataset ${d.id}`, (api) => api.tx.datasets.deprecateDataset(d.id)) }, 'Deprecate'));
  if (d.status === 'active' || d.status === 'deprecated') {
    box.append(h('button', { class: 'danger', onclick: () => {
      if (confirm(`Withdraw “${d.title}” and its earlier versions? Their contracts are revoked and they can no longer be requested.`)) void act(`Withdraw dataset ${d.id}`, (api) => api.tx.datasets.withdrawDataset(d.id));
    } }, 'Withdraw'));
  }
  // Only the current version's policy can be set (every earlier one takes it).
  if (d.successor === null && d.status !== 'withdrawn') box.append(policyEditor(d, policy.rules, policy.names, () => void openDataset(d.id)));
  return box;
}

async function actions(d: Dataset, policy: Policy | null): Promise<HTMLElement | null> {
  const why = refusal();
  if (why || !policy) return why;
  const mine = current.membership!.department.id === d.owner;
  const check = await call('access_check', current.account!.address, d.id);
  const download = check.allowed ? h('div', {}, await downloadPanel(d, check.contract), await linkPanel(d, check.contract)) : null;
  if (mine && current.membership!.roles.publisher) return h('div', {}, ownerActions(d, policy), download);
  if (download) return download;
  if (check.basis === 'pending') return h('p', {}, 'Your department\'s request is waiting for approval: ', h('a', { href: `#/contract/${check.contract}` }, `contract ${check.contract}`));
  if (check.basis === 'withdrawn') return h('p', {}, 'The dataset is withdrawn: it can no longer be requested.');
  if (d.successor !== null) return h('p', {}, 'A newer version exists: ', h('a', { href: `#/dataset/${d.successor}` }, 'request that one'), '.');
  return requestForm(d, policy);
}

/** The Item's assets: each href a link only if it is an http(s) URL. */
function assetsList(item: stac.Item): HTMLElement | null {
  const assets = Object.entries(item.assets ?? {});
  if (assets.length === 0) return null;
  return h('ul', { class: 'assets' }, assets.map(([key, a]) =>
    h('li', {}, webLink(a?.href, typeof a?.title === 'string' && a.title ? a.title : key, { class: 'asset' }),
      typeof a?.type === 'string' ? ` (${a.type})` : null)));
}

/** Shows dataset `id`. */
export async function openDataset(id: number): Promise<void> {
  const found = await stac.dataset(id);
  if (!found) {
    show(h('h2', {}, `Dataset ${id}`), h('p', {}, current.membership
      ? 'There is no dataset with this id that you may see.'
      : 'There is no public dataset with this id. A member who signs in sees more.'));
    return;
  }
  const { item, record: d } = found;
  showBox(d.bbox);
  // Drawn again (a new block): the map stays where the reader moved it.
  const side = document.getElementById('side')!;
  if (side.dataset.page !== location.hash || side.dataset.dataset !== String(d.id)) map.fitBounds([[d.bbox[0], d.bbox[1]], [d.bbox[2], d.bbox[3]]], { padding: 60, maxZoom: 14, duration: 0 });
  const owners = await stac.departmentNames();
  const self = item.links.find((l) => l.rel === 'self')?.href;
  // The rules, in words, for a member (read through the relay).
  const read = current.membership ? await policyOf(d.id) : null;
  const policy = read?.rules ? { rules: read.rules, names: read.names } : null;
  showAreas(policy ? areasOf(policy.rules, policy.names) : []);
  const [todo, timeline, contracts, entries] = await Promise.all([
    actions(d, policy), versions(d, item), contractsSection(d), stac.auditEntries<Entry>(item),
  ]);
  const page = show(
    h('p', {}, h('a', { href: '#/' }, '← catalogue')),
    h('h2', { class: 'title' }, d.title),
    h('p', {}, d.description),
    facts([
      ['Dataset', `${d.id} (version ${d.version})`],
      ['Status', words(d.status)],
      ['Owner', owners.get(d.owner) ?? String(d.owner)],
      ['Publisher', await accountLabel(d.publisher)],
      ['Topic', words(d.topic)],
      ['Keywords', d.keywords.join(', ') || '—'],
      ['Extent', bboxText(d.bbox)],
      ['CRS', `EPSG:${d.crs}`],
      ['Time', `${date(d.time.start)} – ${date(d.time.end)}`],
      ['Format', d.format],
      ['Size', bytes(d.size)],
      ['Content hash', h('code', { class: 'hash' }, `${d.contentHash.function} ${d.contentHash.digest}`)],
      ['Location', d.uri ? webLink(d.uri, h('code', {}, d.uri), { class: 'location' }) : '—'],
      ['Licence', d.license
        ? [d.license.expression, d.license.url ? ' · ' : '', d.license.url ? webLink(d.license.url, 'terms', { rel: 'license', class: 'terms' }) : '']
        : 'not stated'],
      ['Access policy', words(d.policy)],
      ['Sensitivity', words(d.sensitivity)],
      ['Registered', `${dateTime(d.created.time)} (block #${d.created.block})`],
      ['Updated', `${dateTime(d.updated.time)} (block #${d.updated.block})`],
    ]),
    policySection(item.links.find((l) => l.rel === ODRL_HAS_POLICY)?.href, policy),
    todo,
    h('section', {}, h('h3', {}, 'Versions'), timeline),
    h('section', {}, h('h3', {}, 'STAC Item'), self ? h('p', {}, webLink(self, undefined, { class: 'stac-item' })) : null, assetsList(item),
      h('details', {}, h('summary', {}, 'JSON'), h('pre', { class: 'json' }, JSON.stringify(item, null, 2)))),
    contracts,
    h('section', {}, h('h3', {}, 'Audit trail'), await trail(entries)),
  );
  page.dataset.dataset = String(d.id);
}
