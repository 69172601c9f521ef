// The catalogue's "Obtainable at once for" (docs/explorer.md, docs/terms.md
// "Finding datasets by their terms"): Bob, a data officer of the Transport
// Bureau, chooses a purpose and the list holds exactly the datasets whose
// rules would grant his department a request for it at once, as
// `access_evaluate` decides for him: of two datasets of the Natural
// Resources and Planning Bureau, one granting Transport-kind departments at
// once for planning and one needing the provider's approval, the first for
// planning, neither for research, both for any purpose. The other facets
// count within the purpose, the choice stays when the page is drawn again,
// the rows say why they are listed, and an anonymous reader has no such
// field.
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
import { connect, finalizedAtLeast, httpRpc, sampleContent, startNode, submit } from './lib/node.mjs';
import { startGateway } from './lib/gateway.mjs';
import { teardown } from './lib/teardown.mjs';
import { noAxeViolations } from './lib/axe.mjs';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');
const CHROMIUM = process.env.CITYCHAIN_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
/** The box the catalogue searches: both datasets lie in it. */
const BOX = [116.25, 39.8, 116.5, 40.0];
const DAY = 28_800; // blocks of 3 s

let node; let api; let gateway; let browser; let dir; let alice; let bob;
/** The datasets: granted at once to Transport for planning, and asking the provider. */
let atOnce; let asking;

/** An RPC method's answer, read over HTTP as the node writes it. */
async function rpc(method, params = []) {
  return (await (await httpRpc(node.endpoint.replace('ws://', 'http://'), method, params)).json()).result;
}

/** Rule `outcome` with `constraints` (polkadot.js names; absent ones null). */
const rule = (outcome, constraints = {}) => ({
  outcome, consumer: null, purpose: null, maxDays: null, scope: null, window: null, uses: null, ...constraints,
});

/**
 * Registers a public dataset of Alice's titled `title`, then sets its
 * `rules` (registered Restricted meanwhile, as the publish form does).
 */
async function register(title, rules) {
  const { events } = await submit(api, api.tx.datasets.registerDataset(
    { title, description: `${title}.`, topic: 'PlanningCadastre', keywords: [], uri: 'https://nrp.city.example/data.csv', license: { expression: 'CC-BY-4.0', url: null } },
    sampleContent([116.32, 39.88, 116.42, 39.94], 2025), 'Restricted', 'Public'), alice);
  const id = events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
  await submit(api, api.tx.datasets.setAccessPolicy(id, rules, 'Public'), alice);
  return id;
}

/** Runs `change` (a change of the search) and waits for the list it searches for; resolves with the ids listed. */
async function changed(page, change) {
  const before = Number(await page.getAttribute('#side', 'data-generation'));
  await change();
  await page.waitForFunction((g) => Number(document.getElementById('side').dataset.generation) > g, before, { timeout: 30_000 });
  return listed(page);
}

/** The ids of the datasets the list shows, in ascending order. */
async function listed(page) {
  return (await page.locator('ol.results li.result').evaluateAll((rows) => rows.map((r) => Number(r.dataset.id)))).sort((a, b) => a - b);
}

/** The datasets of `ids` for which `access_evaluate` grants Bob a request for `purpose` for a day at once. */
async function granted(ids, purpose) {
  const out = [];
  for (const dataset of ids) {
    const verdict = await rpc('access_evaluate', [{ account: bob.address, dataset, purpose, term: DAY }]);
    if (verdict?.outcome === 'grant') out.push(dataset);
  }
  return out;
}

/**
 * Checks that the Owner facet, once its counts are those of the search
 * shown, counts `n` for any owner and for Alice's department, none for the
 * others.
 */
async function ownersCount(page, n, what) {
  await page.waitForSelector('form.search[data-counts=ok]:not([data-counting])', { state: 'attached', timeout: 30_000 });
  const counts = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('select[name=owner] option')].map((o) => [o.value, Number(o.dataset.count)])));
  const nrp = String((await api.query.departments.members(alice.address)).toJSON().department);
  assert.ok(nrp in counts && Object.keys(counts).length > 2, JSON.stringify(counts));
  assert.deepEqual(counts, Object.fromEntries(Object.keys(counts).map((v) => [v, v === '' || v === nrp ? n : 0])), what);
}

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), 'the portal is built: npm run build in web/');
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  [alice, bob] = ['//Alice', '//Bob'].map((u) => keyring.addFromUri(u));
  dir = mkdtempSync(join(tmpdir(), 'citychain-portal-catalogue-terms-'));
  node = await startNode();
  api = await connect(node.endpoint);
  // The test's own reads come from the page's address too.
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: dir, extraArgs: [`--explorer-dir=${DIST}`, '--searches-per-address=16'] });
  atOnce = await register('Road network plan 2025', [
    rule('Grant', { consumer: { Kinds: ['Transport'] }, purpose: ['planning'] }),
    rule('Provider'),
  ]);
  asking = await register('Parcel survey 2025', [rule('Provider')]);
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

after(() => teardown([browser, gateway, api, node], dir));

test('Bob finds the datasets his department may have at once for a purpose, as access_evaluate decides', { timeout: 240_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const filters = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/search') filters.push(JSON.parse(r.postData()).filter ?? '');
  });
  await page.goto(`${gateway.url}/`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.waitForSelector('#side[data-results]');
  await changed(page, async () => {
    await page.fill('input[name=box]', BOX.join(', '));
    await page.dispatchEvent('input[name=box]', 'change');
  });
  assert.equal(await page.locator('select[name=purpose]').count(), 0, 'an anonymous reader has no "Obtainable at once for"');

  await page.selectOption('#account', { label: 'Bob (development)' });
  await page.waitForFunction(() => document.body.dataset.session === 'member', null, { timeout: 60_000 });
  const purpose = page.getByLabel('Obtainable at once for');
  await purpose.waitFor();
  // The list drawn with the field (empty until its search answers) holds both datasets.
  await page.waitForFunction(() => document.querySelectorAll('ol.results li.result').length === 2, null, { timeout: 30_000 });
  // The vocabulary's purposes by their labels, after "any".
  const vocabulary = await rpc('access_purposes');
  assert.deepEqual(await purpose.locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent])),
    [['', 'any'], ...vocabulary.map((p) => [p.code, p.label])]);
  const all = await listed(page);
  assert.deepEqual(all, [atOnce, asking].sort((a, b) => a - b), 'the box holds both datasets');

  // Planning: the dataset whose first rule grants Transport at once.
  const planning = await changed(page, () => purpose.selectOption('planning'));
  assert.deepEqual(planning, await granted(all, 'planning'), 'as access_evaluate decides for Bob, planning');
  assert.deepEqual(planning, [atOnce]);
  const { department } = (await api.query.departments.members(bob.address)).toJSON();
  assert.ok(filters.at(-1).includes(`citychain:outcome(${department}, 'planning') = 'grant'`), filters.at(-1));
  const label = vocabulary.find((p) => p.code === 'planning').label;
  assert.equal(await page.locator(`li.result[data-id="${atOnce}"] .badge.at-once`).textContent(), `granted at once for ${label}`);
  // The other facets count within the purpose.
  await ownersCount(page, 1, 'the owners counted within planning');
  await noAxeViolations(page, 'the catalogue with "Obtainable at once for" chosen');

  // The choice stays when the page is drawn again (back from a dataset's page).
  await page.click(`li.result[data-id="${atOnce}"] a`);
  await page.waitForSelector(`#side[data-page="#/dataset/${atOnce}"]:not([aria-busy])`, { state: 'attached' });
  await page.goBack();
  await page.waitForSelector('#side[data-page=""]:not([aria-busy]), #side[data-page="#/"]:not([aria-busy])', { state: 'attached' });
  await page.waitForFunction((id) => [...document.querySelectorAll('ol.results li.result')].map((r) => r.dataset.id).join() === String(id), atOnce);
  assert.equal(await purpose.inputValue(), 'planning');

  // Research: neither (the first rule's purpose does not hold, the second asks the provider).
  const research = await changed(page, () => purpose.selectOption('research'));
  assert.deepEqual(research, await granted(all, 'research'), 'as access_evaluate decides for Bob, research');
  assert.deepEqual(research, []);
  assert.equal(await page.getAttribute('#side', 'data-results'), '0');
  await ownersCount(page, 0, 'the owners counted within research');

  // Any purpose: both, and no row says it was granted.
  assert.deepEqual(await changed(page, () => purpose.selectOption('')), all);
  assert.equal(await page.locator('.badge.at-once').count(), 0);
  assert.ok(!filters.at(-1).includes('citychain:outcome'), filters.at(-1));
  await ownersCount(page, 2, 'the owners counted for any purpose');
  assert.deepEqual(errors, []);
  await context.close();
});
