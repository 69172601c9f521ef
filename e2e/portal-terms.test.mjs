// Contracts with terms in the portal (issue #41, docs/explorer.md "Access
// rules"): Alice, a data officer of the Natural Resources and Planning
// Bureau, writes her dataset's policy in the portal's editor without JSON —
// Transport-kind departments have it at once for planning inside the 4th
// Ring Road (at most 10 downloads); anyone else asks the provider, for at
// most a year — and the chain's named errors show when it refuses. Bob
// (Transport) then sees, before sending anything, what the chain would
// decide as he changes the purpose and the term: granted at once for
// planning; for research the first rule's purpose ✗ and the second rule
// deciding; for 400 days refused, with the failing constraint named and
// the Request button disabled. He sends the planning request and his
// contract is approved at once, its terms on its page; Charlie
// (Environment) asks for research and waits for the provider.
//
// The publish form writes rules with the same editor: Alice registers a
// dataset with two rules (Transport at once for planning; anyone else asks
// the provider), which the chain takes as two transactions — registered
// Restricted, then its rules set on the id the chain gave it — and Bob sees
// their verdict before sending; one rule without conditions is one
// transaction with the matching fixed policy; a rule the chain would refuse
// stops the form before anything is signed; and rules the chain refuses
// after the registration (a purpose governance removed meanwhile) leave the
// dataset Restricted, the form saying so and linking its page.
//
// Needs CITYCHAIN_NODE, CITYCHAIN_GATEWAY, Chromium (CITYCHAIN_CHROMIUM,
// default /usr/bin/chromium) and the portal built (npm run build in web/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { chromium } from 'playwright-core';
import { connect, httpRpc, sampleContent, startNode, submit } from './lib/node.mjs';
import { startGateway } from './lib/gateway.mjs';
import { teardown } from './lib/teardown.mjs';
import { noAxeViolations } from './lib/axe.mjs';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');
const CHROMIUM = process.env.CITYCHAIN_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];

let node; let api; let gateway; let browser; let dir; let dataset; let alice;
const users = {};

/** An RPC method's answer, read over HTTP as the node writes it (polkadot.js's Json type makes a list an object). */
async function rpc(method, params = []) {
  return (await (await httpRpc(node.endpoint.replace('ws://', 'http://'), method, params)).json()).result;
}

/** A page signed in as development account `name`, its console errors collected. */
async function open(name) {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${gateway.url}/`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.selectOption('#account', { label: `${name} (development)` });
  await page.waitForFunction(() => document.body.dataset.session === 'member', null, { timeout: 60_000 });
  return { page, errors };
}

/** Opens page `hash` and waits until it is drawn. */
async function go(page, hash) {
  await page.goto(`${gateway.url}/explorer/${hash}`);
  await page.waitForSelector(`#side[data-page="${hash}"]:not([aria-busy])`, { state: 'attached', timeout: 60_000 });
}

/** Waits until the request form's verdict answers what the form now says; returns its outcome. */
async function verdict(page, outcome) {
  await page.waitForSelector(`form.request .verdict[data-state=done][data-outcome=${outcome}]`, { timeout: 30_000 });
  return page.locator('form.request .verdict');
}

/** The constraints of rule `i` in the verdict: `{ constraint: holds }`. */
async function constraints(page, i) {
  const items = page.locator(`form.request .rule-verdict[data-rule="${i}"] li[data-constraint]`);
  const all = {};
  for (const li of await items.all()) all[await li.getAttribute('data-constraint')] = (await li.getAttribute('data-holds')) === 'true';
  return all;
}

/**
 * Sends the request form; resolves with the new contract as the chain has
 * it (the page goes to it once the request is finalized).
 */
async function request(page) {
  await page.click('form.request button[type=submit]');
  await page.waitForFunction(() => /^#\/contract\/\d+$/.test(location.hash), null, { timeout: 60_000 });
  const id = Number((await page.evaluate(() => location.hash)).split('/')[2]);
  return (await api.rpc.access.get(id, await api.rpc.chain.getFinalizedHead())).toJSON();
}

/**
 * Opens the publish form of `page` and fills it for a small CSV file titled
 * `title`, its extent the map's view; the rules are left as they are (one:
 * the provider's approval).
 */
async function fillPublish(page, title) {
  // A fresh form, even if the page shows one already.
  if (await page.evaluate(() => location.hash === '#/publish')) await go(page, '#/');
  await go(page, '#/publish');
  await page.setInputFiles('form.publish input[name=file]', { name: 'data.csv', mimeType: 'text/csv', buffer: Buffer.from(`${title}\na,b\n1,2\n`) });
  await page.waitForSelector('.hash-info:has-text("blake2b-256")');
  await page.click('#extent-view');
  await page.fill('form.publish input[name=title]', title);
}

/** Rule `i`'s fieldset in the publish form. */
const publishRule = (page, i) => page.locator('form.publish fieldset.rule').nth(i);

/** Sends the publish form; resolves with the new dataset's id once the page shows it. */
async function register(page) {
  await page.click('form.publish button[type=submit]');
  await page.waitForFunction(() => /^#\/dataset\/\d+$/.test(location.hash), null, { timeout: 90_000 });
  return Number((await page.evaluate(() => location.hash)).split('/')[2]);
}

/** The audit trail of dataset `id`: each entry's action name and block. */
async function trail(id) {
  const { items } = (await api.rpc.audit.entries({ subject: { dataset: id }, limit: 10 })).toJSON();
  return items.map(({ action, block }) => ({ action: typeof action === 'string' ? action : Object.keys(action)[0], block }));
}

/** The value of the contract page's fact `term`. */
const fact = (page, term) => page.locator(`.facts dt:text-is("${term}") + dd`).textContent();

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), 'the portal is built: npm run build in web/');
  await cryptoWaitReady();
  dir = mkdtempSync(join(tmpdir(), 'citychain-portal-terms-'));
  node = await startNode();
  api = await connect(node.endpoint);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: dir, extraArgs: [`--explorer-dir=${DIST}`, '--searches-per-address=16'] });
  // Inside the 4th Ring Road (jurisdiction 0 of the dev chain), not inside the 2nd.
  alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const { events } = await submit(api, api.tx.datasets.registerDataset(
    { title: 'Land use survey 2025', description: 'Land use by parcel.', topic: 'PlanningCadastre', keywords: [], uri: 'https://nrp.city.example/land-use.csv', license: { expression: 'CC-BY-4.0', url: null } },
    sampleContent([116.30, 39.86, 116.46, 39.96], 2025), 'ApprovalRequired', 'Public'), alice);
  dataset = events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  for (const name of ['Alice', 'Bob', 'Charlie']) users[name] = await open(name);
});

after(() => teardown([browser, gateway, api, node], dir));

test('a data officer writes a two-rule policy in the portal, without JSON', { timeout: 180_000 }, async () => {
  const { page } = users.Alice;
  await go(page, `#/dataset/${dataset}`);
  // The policy registered: one rule, in words.
  await page.waitForSelector('.policy ol.rules li');
  assert.deepEqual(await page.locator('.policy ol.rules li').allTextContents(), ['Needs the provider\'s approval for every request']);

  await page.click('details.policy-editor summary');
  const rule = (i) => page.locator('form.policy-editor fieldset.rule').nth(i);
  // Anyone else asks the provider, for at most a year: the rule there already.
  await rule(0).locator('input[name=maxDays]').fill('365');
  // A second rule, written and then moved up to be tried first.
  await page.click('form.policy-editor button.add-rule');
  await rule(1).locator('select[name=outcome]').selectOption('grant');
  await rule(1).locator('select[name=consumer]').selectOption('kinds');
  await rule(1).locator('fieldset.kind label:has-text("Transport") input').check();
  await rule(1).locator('fieldset.purpose label:has-text("Urban and transport planning") input').check();
  await rule(1).locator('select[name=area]').selectOption('jurisdictions');
  await rule(1).locator('fieldset.jurisdiction label:has-text("Inside the 4th Ring Road") input').check();
  // The jurisdiction picked is drawn on the map.
  await page.waitForSelector('#map[data-areas="0"]', { state: 'attached' });
  await rule(1).locator('input[name=uses]').fill('10');
  await page.click('button[aria-label="Move up rule 2"]');
  assert.equal(await rule(0).locator('select[name=outcome]').inputValue(), 'grant');
  assert.equal(await rule(1).locator('input[name=maxDays]').inputValue(), '365');
  assert.deepEqual(await page.locator('form.policy-editor fieldset.rule > legend').allTextContents(), ['Rule 1', 'Rule 2']);

  // Checked as the chain checks it, before anything is signed.
  const txs = await page.locator('.tx').count();
  await page.selectOption('form.policy-editor select[name=sensitivity]', 'Confidential');
  await page.click('form.policy-editor button[type=submit]');
  await page.waitForSelector('form.policy-editor .note.error:has-text("datasets.PolicyTooPermissive")');
  await rule(1).locator('input[name=uses]').fill('0');
  await page.selectOption('form.policy-editor select[name=sensitivity]', 'Public');
  await page.click('form.policy-editor button[type=submit]');
  await page.waitForSelector('form.policy-editor .problem:has-text("datasets.ZeroLimit")');
  assert.equal(await page.locator('.tx').count(), txs, 'nothing was sent');
  await rule(1).locator('input[name=uses]').fill('');

  await page.click('form.policy-editor button[type=submit]');
  await page.waitForSelector('.flash:has-text("now has 2 rules")', { timeout: 60_000 });
  assert.deepEqual(await rpc('access_rules', [dataset]), [
    { outcome: 'grant', kinds: ['Transport'], purposes: ['planning'], jurisdictions: [0], uses: 10 },
    { outcome: 'provider', maxDays: 365 },
  ]);
  // The page reads them in words, the jurisdiction on the map, and links the ODRL Offer.
  await page.waitForSelector('.policy ol.rules li >> nth=1');
  const words = await page.locator('.policy ol.rules li').allTextContents();
  assert.equal(words[0], 'Granted at once if the consumer is a department of kind Transport; and the purpose is Urban and transport planning (planning); '
    + 'and the area asked for (the dataset\'s whole extent if none is drawn) lies inside Inside the 4th Ring Road; and at most 10 downloads under the contract (counted at each download)');
  assert.equal(words[1], 'Needs the provider\'s approval if the term is at most 365 days');
  assert.equal(await page.getAttribute('#map', 'data-areas'), '0');
  const odrl = await page.getAttribute('.policy a.odrl', 'href');
  assert.match(odrl, new RegExp(`/items/${dataset}/policy$`));
  const offer = await (await fetch(odrl)).json();
  assert.equal(offer['@type'], 'Offer');
  assert.equal(offer.permission.length, 2);

  // The same policy again: the chain's named error, shown.
  await page.click('details.policy-editor summary');
  await page.click('form.policy-editor button[type=submit]');
  await page.waitForSelector('form.policy-editor .note.error:has-text("datasets.NothingToUpdate")', { timeout: 60_000 });
  assert.deepEqual(users.Alice.errors, []);
});

test('a requester sees the verdict before sending, and sends what the rules grant', { timeout: 180_000 }, async () => {
  const { page } = users.Bob;
  await go(page, `#/dataset/${dataset}`);
  await page.waitForSelector('form.request');
  // Planning, by a Transport department, inside the 4th Ring: rule 1 grants at once.
  await page.selectOption('form.request select[name=purpose-code]', 'planning');
  let pane = await verdict(page, 'grant');
  assert.equal(await pane.locator('.decision').textContent(), 'Rule 1 decides: granted at once.');
  assert.deepEqual(await constraints(page, 0), { consumer: true, purpose: true, scope: true, uses: true });
  assert.match(await pane.locator('.rule-verdict[data-rule="0"] li[data-constraint=purpose]').textContent(), /^✓ the purpose is Urban and transport planning/);
  assert.equal(await page.isDisabled('form.request button[type=submit]'), false);

  // Research: rule 1's purpose fails, rule 2 decides.
  await page.selectOption('form.request select[name=purpose-code]', 'research');
  pane = await verdict(page, 'provider');
  assert.equal(await pane.locator('.decision').textContent(), 'Rule 2 decides: needs the provider\'s approval.');
  assert.deepEqual(await constraints(page, 0), { consumer: true, purpose: false, scope: true, uses: true });
  assert.match(await pane.locator('.rule-verdict[data-rule="0"] li[data-constraint=purpose]').textContent(), /^✗ the purpose is Urban and transport planning/);
  assert.deepEqual(await constraints(page, 1), { term: true });

  // Research for 400 days: no rule holds; the failing constraint is named and the request cannot be sent.
  await page.fill('form.request input[name=days]', '400');
  pane = await verdict(page, 'refuse');
  assert.match(await pane.locator('.decision').textContent(), /^Refused: no rule's conditions all hold\. The first that fails is rule 1's “the purpose is Urban and transport planning \(planning\)” \(access\.RefusedByPurpose\)\.$/);
  assert.deepEqual(await constraints(page, 1), { term: false });
  assert.equal(await page.isDisabled('form.request button[type=submit]'), true);

  // Planning for 30 days, with a statement: granted at once on sending.
  await page.fill('form.request input[name=days]', '30');
  await page.selectOption('form.request select[name=purpose-code]', 'planning');
  await page.fill('form.request textarea[name=purpose]', 'the 2027 bus network');
  await verdict(page, 'grant');
  const c = await request(page);
  assert.equal(c.state, 'approved', 'granted at once');
  assert.equal(c.purpose, 'planning: the 2027 bus network');
  const { purpose, rule, uses, used, usesLeft } = (await api.rpc.access.terms(c.id)).toJSON();
  assert.deepEqual({ purpose, rule, uses, used, usesLeft }, { purpose: 'planning', rule: 0, uses: 10, used: 0, usesLeft: 10 });
  await page.waitForSelector('.facts .state:text-is("Approved")');
  assert.equal(await fact(page, 'Purpose code'), 'Urban and transport planning (planning)');
  assert.match(await fact(page, 'Decided by'), /^rule 1: granted at once if the consumer is a department of kind Transport/);
  assert.equal(await fact(page, 'Deliveries'), '0 of 10 used, 10 left');
  assert.equal(await fact(page, 'Provider approval'), 'not needed: a rule granted it at once');
  assert.deepEqual(users.Bob.errors, []);
});

test('another department is told the provider decides, and its request waits for the provider', { timeout: 180_000 }, async () => {
  const { page } = users.Charlie;
  await go(page, `#/dataset/${dataset}`);
  await page.waitForSelector('form.request');
  await page.selectOption('form.request select[name=purpose-code]', 'research');
  await page.fill('form.request input[name=days]', '60');
  const pane = await verdict(page, 'provider');
  assert.equal(await pane.locator('.decision').textContent(), 'Rule 2 decides: needs the provider\'s approval.');
  assert.deepEqual(await constraints(page, 0), { consumer: false, purpose: false, scope: true, uses: true });
  const c = await request(page);
  assert.equal(c.state, 'requested');
  assert.equal(c.policy, 'approvalRequired', 'the provider\'s approval');
  await page.waitForSelector('.facts .state:text-is("Requested")');
  assert.equal(await fact(page, 'Purpose code'), 'Research and studies (research)');
  assert.equal(await fact(page, 'Decided by'), 'rule 2: needs the provider\'s approval if the term is at most 365 days');
  assert.equal(await fact(page, 'Deliveries'), '0 so far (no limit)');
  assert.deepEqual(users.Charlie.errors, []);
});

test('a data officer publishes a dataset with two rules: registered Restricted, then its rules set on the id the chain gave', { timeout: 240_000 }, async () => {
  const { page } = users.Alice;
  await fillPublish(page, 'Traffic signal plans 2025');
  // The rule there by default: the provider's approval, as the policy ApprovalRequired.
  assert.equal(await publishRule(page, 0).locator('select[name=outcome]').inputValue(), 'provider');
  await publishRule(page, 0).locator('select[name=outcome]').selectOption('grant');
  await publishRule(page, 0).locator('select[name=consumer]').selectOption('kinds');
  await publishRule(page, 0).locator('fieldset.kind label:has-text("Transport") input').check();
  await publishRule(page, 0).locator('fieldset.purpose label:has-text("Urban and transport planning") input').check();
  // Each rule reads back in words as it is written.
  assert.equal(await publishRule(page, 0).locator('.rule-words').textContent(),
    'In words: Granted at once if the consumer is a department of kind Transport; and the purpose is Urban and transport planning (planning).');
  await page.click('form.publish button.add-rule');
  assert.equal(await publishRule(page, 1).locator('select[name=outcome]').inputValue(), 'provider');
  assert.equal(await publishRule(page, 1).locator('.rule-words').textContent(), 'In words: Needs the provider\'s approval for every request.');
  assert.deepEqual(await page.locator('form.publish fieldset.rule > legend').allTextContents(), ['Rule 1', 'Rule 2']);
  await noAxeViolations(page, 'the publish form with two rules');

  const id = await register(page);
  await page.waitForSelector('.flash:has-text("with its 2 access rules")');
  assert.deepEqual(await rpc('access_rules', [id]), [
    { outcome: 'grant', kinds: ['Transport'], purposes: ['planning'] },
    { outcome: 'provider' },
  ]);
  // Two transactions: registered Restricted, then the rules set in a later block.
  const [registered, changed, ...more] = await trail(id);
  assert.deepEqual([registered.action, changed.action, more], ['datasetRegistered', 'accessPolicyChanged', []]);
  assert.ok(changed.block > registered.block, `the rules came after the registration: ${JSON.stringify([registered, changed])}`);
  const then = (await api.rpc.datasets.get(id, await api.rpc.chain.getBlockHash(registered.block))).toJSON();
  assert.equal(then.policy, 'restricted', 'nobody had it at once while its rules were not on chain');
  assert.equal((await api.rpc.datasets.get(id)).toJSON().policy, 'approvalRequired', 'the catalogue\'s summary of the rules');
  // The dataset's page reads them in words.
  await page.waitForSelector('.policy ol.rules li >> nth=1');
  assert.deepEqual(await page.locator('.policy ol.rules li').allTextContents(), [
    'Granted at once if the consumer is a department of kind Transport; and the purpose is Urban and transport planning (planning)',
    'Needs the provider\'s approval for every request',
  ]);
  assert.deepEqual(users.Alice.errors, []);
});

test('a requester of another department sees the published rules\' verdict before sending', { timeout: 180_000 }, async () => {
  const { page } = users.Bob;
  const id = (await api.rpc.datasets.search({ q: 'Traffic signal plans', limit: 1 })).toJSON().items[0].id;
  await go(page, `#/dataset/${id}`);
  await page.waitForSelector('form.request');
  await page.selectOption('form.request select[name=purpose-code]', 'planning');
  let pane = await verdict(page, 'grant');
  assert.equal(await pane.locator('.decision').textContent(), 'Rule 1 decides: granted at once.');
  assert.deepEqual(await constraints(page, 0), { consumer: true, purpose: true });
  await page.selectOption('form.request select[name=purpose-code]', 'research');
  pane = await verdict(page, 'provider');
  assert.equal(await pane.locator('.decision').textContent(), 'Rule 2 decides: needs the provider\'s approval.');
  assert.deepEqual(await constraints(page, 0), { consumer: true, purpose: false });
  assert.deepEqual(await constraints(page, 1), {});
  assert.equal(await page.isDisabled('form.request button[type=submit]'), false);
  assert.deepEqual(users.Bob.errors, []);
});

test('one rule without conditions is registered in one transaction, as the matching fixed policy', { timeout: 180_000 }, async () => {
  const { page } = users.Alice;
  await fillPublish(page, 'Bus stops 2025');
  await publishRule(page, 0).locator('select[name=outcome]').selectOption('grant');
  const id = await register(page);
  assert.equal((await api.rpc.datasets.get(id)).toJSON().policy, 'open');
  assert.deepEqual(await rpc('access_rules', [id]), [{ outcome: 'grant' }]);
  assert.deepEqual((await trail(id)).map((e) => e.action), ['datasetRegistered'], 'one transaction');
  assert.doesNotMatch(await page.textContent('.flash'), /access rule/);
  assert.deepEqual(users.Alice.errors, []);
});

test('a rule the chain would refuse stops the publish form before anything is signed', { timeout: 180_000 }, async () => {
  const { page } = users.Alice;
  await fillPublish(page, 'Noise map 2025');
  // Nothing signed: Alice's nonce and the next dataset id stay (the panel's
  // transactions of earlier tests may still change meanwhile).
  const nonce = async () => (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
  const signed = await nonce();
  const next = (await api.query.datasets.nextDatasetId()).toNumber();
  const error = page.locator('form.publish > .note.error');
  // A limit of 0 days, and a rule naming departments with none ticked.
  await publishRule(page, 0).locator('input[name=maxDays]').fill('0');
  await page.click('form.publish button.add-rule');
  await publishRule(page, 1).locator('select[name=consumer]').selectOption('departments');
  // Said as it is written, marked once Register is pressed.
  assert.match(await publishRule(page, 1).locator('.rule-words').textContent(), /^Not yet a rule the chain takes: Tick at least one of the departments.*\(datasets\.EmptyConstraint\)\.$/);
  await page.click('form.publish button[type=submit]');
  await page.waitForSelector('form.publish fieldset.rule .problem:has-text("datasets.ZeroLimit")');
  await page.waitForSelector('form.publish fieldset.rule .problem:has-text("datasets.EmptyConstraint")');
  assert.equal(await error.textContent(), 'Some rules would be refused by the chain: see the messages under them. Nothing was signed.');
  await noAxeViolations(page, 'the publish form with its rules\' problems marked');
  // A field and a policy problem at once: both said.
  await publishRule(page, 0).locator('input[name=maxDays]').fill('');
  await page.click('button[aria-label="Remove rule 2"]');
  await publishRule(page, 0).locator('select[name=outcome]').selectOption('grant');
  await page.selectOption('form.publish select[name=sensitivity]', 'Confidential');
  await page.fill('form.publish input[name=title]', '');
  await page.click('form.publish button[type=submit]');
  await page.waitForSelector('form.publish > .note.error:has-text("datasets.PolicyTooPermissive")');
  assert.match(await error.textContent(), /^Some fields would be refused by the chain: see the messages under them\. Confidential and secret data .*\(datasets\.PolicyTooPermissive\)\. Nothing was signed\.$/);
  assert.equal(await page.locator('form.publish fieldset.rule .problem').count(), 0, 'the rule itself is fine');
  assert.equal(await nonce(), signed, 'nothing was signed');
  assert.equal((await api.query.datasets.nextDatasetId()).toNumber(), next);
  assert.deepEqual(users.Alice.errors, []);
});

test('rules the chain refuses once the dataset is registered: it stays Restricted, the form says so and links its page', { timeout: 240_000 }, async () => {
  const { page } = users.Alice;
  const statistics = (await rpc('access_purposes')).find((p) => p.code === 'statistics');
  await fillPublish(page, 'Census blocks 2020');
  await publishRule(page, 0).locator('select[name=outcome]').selectOption('grant');
  await publishRule(page, 0).locator(`fieldset.purpose label:has-text("${statistics.label}") input`).check();
  await page.click('form.publish button.add-rule');
  // Governance removes the purpose the first rule names while the form is open.
  await submit(api, api.tx.sudo.sudo(api.tx.access.removePurpose('statistics')), alice);
  try {
    await page.click('form.publish button[type=submit]');
    const unset = page.locator('form.publish .rules-unset');
    await unset.waitFor({ timeout: 90_000 });
    const text = await unset.textContent();
    assert.match(text, /“Census blocks 2020” is registered as dataset \d+, but its access rules were not set: datasets\.UnknownTerms/);
    assert.match(text, /Until they are, it is Restricted/);
    const link = unset.locator('a');
    const id = Number((await link.getAttribute('href')).split('/')[2]);
    assert.equal((await api.rpc.datasets.get(id)).toJSON().policy, 'restricted');
    assert.deepEqual(await rpc('access_rules', [id]), [{ outcome: 'providerAndRegulator' }]);
    // The file is stored all the same; the form cannot register it twice.
    await page.waitForSelector('form.publish .upload-status:has-text("stored and checked")', { timeout: 60_000 });
    assert.equal(await page.isDisabled('form.publish button[type=submit]'), true);
    assert.equal(await page.evaluate(() => location.hash), '#/publish');
    await noAxeViolations(page, 'the publish form saying the rules were not set');
    await link.click();
    await page.waitForSelector(`#side[data-page="#/dataset/${id}"] details.policy-editor`, { timeout: 60_000 });
  } finally {
    await submit(api, api.tx.sudo.sudo(api.tx.access.setPurpose('statistics', statistics.label)), alice);
  }
  assert.deepEqual(users.Alice.errors, []);
});
