// The catalogue's filters show counts (docs/explorer.md): in Chromium, each
// option of Topic, Owner and Policy, and "show withdrawn", shows how many
// datasets the search would find with it, counted as a faceted search does
// (a facet's own choice left out), and these equal what `/search` returns
// to the same reader: anonymous, then Bob, who sees more. Choosing an
// option, typing words and typing another box count again; options that
// would find nothing are dimmed yet can be chosen; an answer for an older
// search never replaces a newer one.
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
import { connect, finalizedAtLeast, startNode, submit } from './lib/node.mjs';
import { authorization, startGateway } from './lib/gateway.mjs';
import { teardown } from './lib/teardown.mjs';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');
const CHROMIUM = process.env.CITYCHAIN_CHROMIUM ?? '/usr/bin/chromium';
const DEG = 10_000_000;
const TOPICS = ['Transportation', 'Environment', 'Economy'];
/** Both clusters of datasets, and the western one alone. */
const BOTH = [116.25, 39.85, 116.6, 39.97];
const WEST = [116.25, 39.85, 116.4, 39.97];
/** Each facet's value of an Item, as the form's options name them. */
const FACETS = {
  topic: (i) => i.properties['citychain:topic'],
  owner: (i) => i.collection.replace('department-', ''),
  policy: (i) => i.properties['citychain:access_policy'],
};

let node; let api; let gateway; let browser; let dir; let k;

/** Every Item `/search` returns to `pair` (or anonymously) in `bbox` with `extra` parameters, withdrawn ones too. */
async function visible(pair, bbox, extra = '') {
  const items = [];
  let url = `${gateway.url}/search?limit=100&bbox=${bbox.join(',')}${extra}`;
  while (url) {
    const r = await fetch(url, { headers: pair ? { authorization: authorization(pair, 'GET', url) } : {} });
    assert.equal(r.status, 200, await r.clone().text());
    const page = await r.json();
    items.push(...page.features);
    url = page.links.find((l) => l.rel === 'next')?.href ?? null;
  }
  return items;
}

/**
 * What the form should show for choices `c` over `items` (what the reader
 * may see of the search without facets): for each facet's options
 * (`options`), the datasets matching the other facets and that option
 * ('' for any); for "show withdrawn", the withdrawn ones matching every facet.
 */
function expected(items, c, options) {
  const withdrawn = (i) => i.properties['citychain:status'] === 'withdrawn';
  const keep = (i, skip) => Object.entries(FACETS).every(([f, value]) => f === skip || !c[f] || value(i) === c[f]);
  const out = {};
  for (const [f, value] of Object.entries(FACETS)) {
    const found = items.filter((i) => keep(i, f) && (c.withdrawn || !withdrawn(i)));
    out[f] = Object.fromEntries(options[f].map((v) => [v, found.filter((i) => v === '' || value(i) === v).length]));
  }
  out.withdrawn = items.filter((i) => keep(i, null) && withdrawn(i)).length;
  return out;
}

/** The counts the page shows once they are up to date with the search it shows. */
async function shown(page) {
  await page.waitForSelector('form.search[data-counts=ok]:not([data-counting])', { state: 'attached', timeout: 30_000 });
  return page.evaluate(() => {
    const out = {};
    for (const name of ['topic', 'owner', 'policy']) {
      out[name] = Object.fromEntries([...document.querySelectorAll(`select[name=${name}] option`)].map((o) => [o.value, Number(o.dataset.count)]));
    }
    out.withdrawn = Number(document.querySelector('.withdrawn-label').dataset.count);
    return out;
  });
}

/** The options each facet offers, by value. */
const offered = (counts) => Object.fromEntries(Object.keys(FACETS).map((f) => [f, Object.keys(counts[f])]));

/** Runs `change` (a change of the search) and waits for the list it searches for. */
async function changed(page, change) {
  const before = Number(await page.getAttribute('#side', 'data-generation'));
  await change();
  await page.waitForFunction((g) => Number(document.getElementById('side').dataset.generation) > g, before, { timeout: 30_000 });
}

async function typeBox(page, box) {
  await changed(page, async () => {
    await page.fill('input[name=box]', box.join(', '));
    await page.dispatchEvent('input[name=box]', 'change');
  });
}

/** Checks the page's counts for choices `c`, the box and `extra` search parameters against `/search` as `pair`; returns them. */
async function agrees(page, pair, c, box, extra = '', what = '') {
  const counts = await shown(page);
  const items = await visible(pair, box, extra);
  assert.deepEqual(counts, expected(items, c, offered(counts)), what);
  return counts;
}

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), 'the portal is built: npm run build in web/');
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  k = Object.fromEntries(['Alice', 'Bob', 'Charlie', 'Dave'].map((n) => [n.toLowerCase(), keyring.addFromUri(`//${n}`)]));
  dir = mkdtempSync(join(tmpdir(), 'citychain-portal-counts-'));
  node = await startNode();
  api = await connect(node.endpoint);
  // The test's own /search reads, to compare with the page's counts, come
  // from the page's address: room for them beside the page's two at a time
  // (a read the page abandoned keeps its slot until the node answers).
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: dir, extraArgs: [`--explorer-dir=${DIST}`, '--searches-per-address=6'] });
  // Fifteen datasets of three departments in two clusters (ten west, five
  // east), of three topics and policies; six internal and one of Bob's
  // secret, the rest public. Sent without waiting.
  const signers = [k.alice, k.bob, k.charlie];
  const nonces = await Promise.all(signers.map(async (s) => (await api.rpc.system.accountNextIndex(s.address)).toNumber()));
  for (let n = 0; n < 15; n += 1) {
    const west = (n < 10 ? 116.3 : 116.5) + (n % 5) * 0.01;
    const south = 39.9 + (n % 3) * 0.01;
    const title = `Counts ${n} ${n % 2 ? 'river' : 'street'}`;
    const policy = n % 4 === 0 ? 'Open' : n % 4 === 3 ? 'Restricted' : 'ApprovalRequired';
    const sensitivity = n === 7 ? 'Secret' : [1, 3].includes(n % 5) ? 'Internal' : 'Public';
    await api.tx.datasets.registerDataset(
      { title, description: title, topic: TOPICS[(n >> 1) % 3], keywords: [], uri: `https://data.city.example/c${n}`, license: { expression: 'CC0-1.0', url: null } },
      { bbox: { west: Math.round(west * DEG), south: Math.round(south * DEG), east: Math.round((west + 0.005) * DEG), north: Math.round((south + 0.005) * DEG) }, crs: 4326, time: { start: Date.UTC(2020 + (n % 4), 0, 1), end: Date.UTC(2020 + (n % 4), 11, 31) }, format: 'text/csv', hashCode: 0xb220, digest: `0x${'ab'.repeat(32)}`, size: 100 + n },
      policy, sensitivity,
    ).signAndSend(signers[n % 3], { nonce: nonces[n % 3]++ });
  }
  const deadline = Date.now() + 60_000;
  while ((await api.query.datasets.nextDatasetId()).toNumber() < 15) {
    assert.ok(Date.now() < deadline, 'the registrations were included');
    await new Promise((r) => setTimeout(r, 500));
  }
  // Counts 2 (Charlie's, public) and Counts 3 (Alice's, internal) withdrawn.
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
  const all = await visible(k.dave, BOTH);
  assert.equal(all.length, 15, 'the regulator sees every dataset');
  const id = (title) => Number(all.find((i) => i.properties.title === title).id);
  await submit(api, api.tx.datasets.withdrawDataset(id('Counts 2 street')), k.charlie);
  const { blockHash } = await submit(api, api.tx.datasets.withdrawDataset(id('Counts 3 river')), k.alice);
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader(blockHash)).number.toNumber());
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});

after(() => teardown([browser, gateway, api, node], dir));

test("the filters' counts equal what /search finds for that reader, and follow the search", { timeout: 240_000 }, async () => {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  // The bodies of the page's count requests.
  let asked = [];
  page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/aggregate') asked.push(r.postData()); });
  await page.goto(`${gateway.url}/`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.waitForSelector('#side[data-results]');
  await typeBox(page, BOTH);

  // Anonymous: the public datasets.
  const none = { topic: '', owner: '', policy: '', withdrawn: false };
  const anonymous = await agrees(page, null, none, BOTH, '', 'anonymous, nothing chosen');
  assert.equal(anonymous.topic[''], 7, 'eight public datasets, one withdrawn');
  assert.equal(anonymous.withdrawn, 1);
  assert.equal(anonymous.owner['3'], 0, 'the regulator owns none');
  // Nothing chosen: one request counts every facet, one the withdrawn (as
  // the page counts again at the next finalized block, on a busy machine
  // too).
  asked = [];
  for (const deadline = Date.now() + 30_000; asked.length < 2 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(new Set(asked).size, 2, asked.join('\n'));

  // Options that would find nothing are dimmed, yet may be chosen.
  const looks = await page.evaluate(() => [...document.querySelectorAll('select option')].map((o) => ({
    count: Number(o.dataset.count), dimmed: o.classList.contains('none'), disabled: o.disabled, color: getComputedStyle(o).color,
  })));
  assert.ok(looks.some((o) => o.count === 0) && looks.some((o) => o.count > 0));
  for (const o of looks) {
    assert.equal(o.dimmed, o.count === 0);
    assert.equal(o.disabled, false);
  }
  assert.notEqual(looks.find((o) => o.dimmed).color, looks.find((o) => !o.dimmed).color);
  assert.match(await page.textContent('select[name=owner] option[value="3"]'), /^City Data Regulator \(0\)$/);

  // A topic chosen: the other facets count within it; its own options do not change.
  const topic = Object.entries(anonymous.topic).find(([v, n]) => v !== '' && n > 0 && n < anonymous.topic[''])[0];
  asked = [];
  await changed(page, () => page.selectOption('select[name=topic]', topic));
  const withTopic = await agrees(page, null, { ...none, topic }, BOTH, '', `anonymous, topic ${topic}`);
  assert.deepEqual(withTopic.topic, anonymous.topic, "a facet's own options count without its choice");
  assert.notDeepEqual(withTopic.owner, anonymous.owner, 'the owners counted again within the topic');
  assert.ok(withTopic.owner[''] < anonymous.owner['']);
  assert.equal(new Set(asked).size, 3, 'the search, the search without its topic, the withdrawn');
  const results = Number(await page.getAttribute('#side', 'data-results'));
  assert.equal(results, withTopic.owner[''], 'the list holds what "any" owner counts');

  // Then a policy and the withdrawn ones too.
  const policy = Object.entries(withTopic.policy).find(([v, n]) => v !== '' && n > 0)[0];
  await changed(page, () => page.selectOption('select[name=policy]', policy));
  await agrees(page, null, { ...none, topic, policy }, BOTH, '', 'anonymous, topic and policy');
  await changed(page, () => page.check('input[name=withdrawn]'));
  await agrees(page, null, { ...none, topic, policy, withdrawn: true }, BOTH, '', 'anonymous, withdrawn shown');
  // An option that finds nothing can be chosen: the list is empty, the counts agree.
  await changed(page, () => page.selectOption('select[name=owner]', '3'));
  const empty = await agrees(page, null, { topic, owner: '3', policy, withdrawn: true }, BOTH, '', 'anonymous, an empty owner');
  assert.equal(await page.getAttribute('#side', 'data-results'), '0');
  assert.equal(empty.owner['3'], 0);
  for (const [name, value] of [['owner', ''], ['policy', ''], ['topic', '']]) await changed(page, () => page.selectOption(`select[name=${name}]`, value));
  await changed(page, () => page.uncheck('input[name=withdrawn]'));
  assert.deepEqual(await shown(page), anonymous, 'back to the first counts');

  // Words and another box count again.
  await changed(page, () => page.fill('input[name=q]', 'river'));
  const river = await agrees(page, null, none, BOTH, '&q=river', 'anonymous, river');
  assert.ok(river.topic[''] < anonymous.topic['']);
  await changed(page, () => page.fill('input[name=q]', ''));
  await typeBox(page, WEST);
  const west = await agrees(page, null, none, WEST, '', 'anonymous, the western box');
  assert.ok(west.topic[''] < anonymous.topic['']);
  await typeBox(page, BOTH);
  assert.deepEqual(await shown(page), anonymous);

  // Bob: his department's secret one and every internal one too.
  await page.selectOption('#account', { label: 'Bob (development)' });
  await page.waitForFunction(() => document.body.dataset.session === 'member', null, { timeout: 60_000 });
  await page.waitForSelector('#save-search');
  const bob = await agrees(page, k.bob, none, BOTH, '', 'Bob, nothing chosen');
  assert.equal(bob.topic[''], 13, 'fifteen datasets, two withdrawn');
  assert.equal(bob.withdrawn, 2);
  assert.ok(bob.policy.restricted > anonymous.policy.restricted, 'Bob counts what the anonymous reader does not see');
  await changed(page, () => page.selectOption('select[name=owner]', '1'));
  const bobs = await agrees(page, k.bob, { ...none, owner: '1' }, BOTH, '', "Bob, his department's");
  assert.notDeepEqual(bobs.topic, bob.topic);
  await changed(page, () => page.selectOption('select[name=policy]', 'restricted'));
  await agrees(page, k.bob, { ...none, owner: '1', policy: 'restricted' }, BOTH, '', "Bob, his department's restricted ones");

  // An answer for an older search does not replace a newer one: the counts
  // of the first change are held back until those of the second are shown.
  let held = null;
  let release;
  const released = new Promise((r) => { release = r; });
  await page.route(/\/aggregate$/, async (route) => {
    if (!held) return route.continue();
    held.push(route);
    await released;
    await route.continue().catch(() => { /* abandoned by the page meanwhile */ });
  });
  held = [];
  await changed(page, () => page.selectOption('select[name=policy]', 'approvalRequired'));
  const deadline = Date.now() + 10_000;
  while (held.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(held.length > 0, 'the first change asked for counts');
  held = null;
  await changed(page, () => page.selectOption('select[name=policy]', ''));
  const newer = await agrees(page, k.bob, { ...none, owner: '1' }, BOTH, '', 'Bob, while an older count is held back');
  release();
  await page.waitForTimeout(1500);
  assert.deepEqual(await shown(page), newer, 'the older answer did not replace the newer');
  assert.deepEqual(errors, []);
});
