// The portal (web/) in a real browser: Debian's chromium driven by
// playwright-core, against a dev node with the sample data and a gateway
// serving the built portal. An anonymous visitor reads the public catalogue
// through the gateway's STAC API and never opens a WebSocket; a planted
// `javascript:` link is refused on chain and inert in the page. Three
// members, signed in through the gateway's relay, in three browser contexts
// go through the five sharing steps; then a tampered delivery, a wrong key
// file, a non-member, and the node restarting under an open page.
//
// Needs the built portal (web/dist: `npm run build` in web/) and chromium
// (CITYCHAIN_CHROMIUM, default /usr/bin/chromium). Screenshots go to
// $CITYCHAIN_SCREENSHOTS (default web/test-results).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { Keyring } from '@polkadot/keyring';
import { hexToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { seed } from '@citychain/api/seed.mjs';
import { connect, startNode, submit } from './lib/node.mjs';
import { startGateway } from './lib/gateway.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DIST = join(here, '..', 'web', 'dist');
const SHOTS = process.env.CITYCHAIN_SCREENSHOTS ?? join(here, '..', 'web', 'test-results');
const CHROMIUM = process.env.CITYCHAIN_CHROMIUM ?? '/usr/bin/chromium';
// Chromium as root, headless, without the background connections this
// machine's closed network refuses.
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-gl=swiftshader',
  '--enable-unsafe-swiftshader'];
// The Transport department's x25519 secret, as clients/js/seed.mjs derives it.
const TRANSPORT_KEY = new TextEncoder().encode('citychain dev transport key'.padEnd(32, '.')).slice(0, 32);
const DAY = 28_800;

let node;
let gateway;
let api;
let browser;
let dataDir;
const metrics = {};
const users = {};

/**
 * A page signed in as `name` (a development account), its console errors
 * and the URLs of the WebSockets it opened collected.
 */
async function open(name) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  const sockets = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('websocket', (ws) => sockets.push(ws.url()));
  const opened = Date.now();
  await page.goto(`${gateway.url}/`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.waitForSelector('#side[data-results]');
  const shown = Date.now() - opened;
  const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)])));
  (metrics.startup ??= {})[name ?? 'anonymous'] = marks;
  if (name) await signIn(page, { label: `${name} (development)` });
  return { page, context, errors, sockets, shown };
}

/** Chooses `option` in the account menu and waits until the sign-in is done (as a member, or read-only). */
async function signIn(page, option) {
  await page.selectOption('#account', option);
  await page.waitForFunction(() => ['member', 'reader', 'anonymous'].includes(document.body.dataset.session), null, { timeout: 60_000 });
}

/** The relay's WebSocket URL prefix at the gateway (`ws://…/rpc?auth=`). */
const relayPrefix = () => `${gateway.url.replace(/^http/, 'ws')}/rpc?auth=`;

/** Registers a dataset signed by `who` (a keyring pair); resolves with its id. */
async function register(who, { title, uri = 'https://city.example/data.csv', license = { expression: 'CC0-1.0', url: null }, policy = 'Open', sensitivity = 'Public', keywords = [] }) {
  const content = `${title}\n${uri}\n`;
  const events = (await submit(api, api.tx.datasets.registerDataset(
    { title, description: `${title}.`, topic: 'UtilitiesCommunication', keywords, uri, license },
    { bbox: { west: 1163500000, south: 398500000, east: 1164500000, north: 399500000 }, crs: 4326, time: { start: Date.parse('2020-01-01'), end: Date.parse('2021-01-01') }, format: 'text/csv', hashCode: 0xb220, digest: blake2AsHex(content, 256), size: content.length },
    policy, sensitivity), who)).events;
  return events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
}

/** Waits until the finalized head has reached the best block of now (which the gateway then reads). */
async function finalized() {
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  while ((await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber() < head) await new Promise((r) => setTimeout(r, 500));
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Drags a box on the map from (x1, y1) to (x2, y2), fractions of the map's size. */
async function drag(page, [x1, y1], [x2, y2]) {
  const box = await page.locator('#map canvas').boundingBox();
  const at = (fx, fy) => [box.x + box.width * fx, box.y + box.height * fy];
  await page.mouse.move(...at(x1, y1));
  await page.mouse.down();
  await page.mouse.move(...at(x2, y2), { steps: 8 });
  await page.mouse.up();
}

async function hashChange(page, pattern) {
  await page.waitForFunction((p) => new RegExp(p).test(location.hash), pattern.source, { timeout: 60_000 });
  return page.evaluate(() => location.hash);
}

/** Waits until contract `id` is in `state` at the finalized block (which the gateway reads). */
async function contractState(id, state) {
  for (let i = 0; i < 120; i += 1) {
    const c = (await api.rpc.access.get(id, await api.rpc.chain.getFinalizedHead())).toJSON();
    if (c?.state === state) return c;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`contract ${id} did not become ${state}`);
}

/** Clicks Download on `page` and returns the first note its panel shows: its kind (ok, error, info) and text. */
async function downloadNote(page) {
  await page.click('#download');
  const note = page.locator('.download .note').first();
  await note.waitFor({ timeout: 60_000 });
  return { kind: (await note.getAttribute('class')).replace('note', '').trim(), text: await note.textContent() };
}

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), 'the portal is built: npm run build in web/');
  mkdirSync(SHOTS, { recursive: true });
  await cryptoWaitReady();
  node = await startNode();
  await seed(node.endpoint);
  api = await connect(node.endpoint);
  dataDir = mkdtempSync(join(tmpdir(), 'citychain-portal-'));
  // The browsers of three departments all reach the gateway from this
  // machine's one address, which the gateway lets run only a few catalogue
  // reads at once (a portal queues its own, two at a time): room for them.
  gateway = await startGateway({ endpoint: node.endpoint, dataDir, extraArgs: [`--explorer-dir=${DIST}`, '--searches-per-address=8'] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  for (const name of ['Alice', 'Bob', 'Dave']) users[name] = await open(name);
  metrics.catalogueShownMs = Math.max(...Object.values(users).map((u) => u.shown));
});

after(async () => {
  await browser?.close();
  await api?.disconnect();
  await gateway?.stop();
  await node?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  const gz = readdirSync(join(DIST, 'assets')).reduce((n, f) => n + gzipSync(readFileSync(join(DIST, 'assets', f))).length, 0);
  metrics.appGzipKiB = Math.round(gz / 1024);
  console.log(`portal metrics: ${JSON.stringify(metrics)}`);
});

test('a browser opening / is sent to the portal; STAC clients get the landing page', async () => {
  const { page } = users.Alice;
  assert.match(page.url(), /\/explorer\/$/);
  const landing = await (await fetch(`${gateway.url}/`, { headers: { accept: 'application/json' } })).json();
  assert.equal(landing.type, 'Catalog');
  assert.ok(landing.links.some((l) => l.rel === 'alternate' && l.href.endsWith('/explorer/')));
  // The portal is told where the gateway and its relay are, never the node.
  const config = await (await fetch(`${gateway.url}/explorer/config.json`)).json();
  assert.equal(config.node, undefined);
  assert.equal(config.gateway, gateway.url);
  assert.equal(config.rpc, `${gateway.url.replace(/^http/, 'ws')}/rpc`);
  assert.equal(config.tiles, null);
  assert.ok(!JSON.stringify(config).includes(node.endpoint), 'the node\'s URL');
});

test('an anonymous visitor reads the public catalogue through the gateway and never opens a WebSocket', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const charlie = keyring.addFromUri('//Charlie');
  const secret = await register(charlie, { title: 'Water mains under the old town', policy: 'Restricted', sensitivity: 'Secret' });
  await finalized();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const sockets = [];
  const errors = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const response = await page.goto(`${gateway.url}/`);
  // Served with a strict Content-Security-Policy: its own scripts only, no inline script, no framing.
  const csp = response.headers()['content-security-policy'] ?? '';
  const directive = (name) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? '';
  assert.equal(directive('script-src'), "script-src 'self' 'wasm-unsafe-eval'", csp);
  assert.match(directive('frame-ancestors'), /'none'/);
  assert.ok(!directive('connect-src').includes(node.endpoint), `connect-src names the node: ${csp}`);
  const html = await (await fetch(`${gateway.url}/explorer/`)).text();
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), 'no inline script in the page');
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.waitForSelector('#side[data-results]');
  assert.equal(await page.textContent('#who'), 'read-only');
  const titles = async () => page.$$eval('.result a', (as) => as.map((a) => a.textContent));
  await page.waitForFunction(() => [...document.querySelectorAll('.result a')].some((a) => a.textContent === 'Road network'));
  const listed = await titles();
  for (const t of ['Road network', 'Orthophoto base map 2023', 'Air quality stations, hourly']) assert.ok(listed.includes(t), `public ${t}: ${listed}`);
  for (const t of ['Cadastral parcels', 'Land use plan 2024', 'Water mains under the old town']) assert.ok(!listed.includes(t), `not public ${t}: ${listed}`);
  // The text search, and a page of one public dataset with its versions and trail.
  await page.fill('input[name=q]', 'parcels');
  await page.waitForFunction(() => document.querySelector('.summary')?.textContent?.startsWith('0 datasets'));
  await page.fill('input[name=q]', '');
  await page.click('.result a:has-text("Road network")');
  await page.waitForSelector('h2.title:has-text("Road network")');
  await page.waitForSelector('.timeline li.this');
  await page.waitForSelector('.trail tbody tr');
  await page.waitForSelector('.note.readonly:has-text("Choose an account")');
  // The secret dataset is not there for a visitor, by its id either.
  await page.goto(`${gateway.url}/explorer/#/dataset/${secret}`);
  await page.waitForSelector('#side p:has-text("no public dataset with this id")');
  // Pages that need the node say why instead.
  for (const hash of ['#/audit', '#/contracts', '#/inbox', '#/publish', '#/contract/0']) {
    await page.goto(`${gateway.url}/explorer/${hash}`);
    await page.waitForSelector('.note.readonly:has-text("Choose an account")');
  }
  // The list follows new finalized blocks (the gateway's finalized head, polled).
  await page.goto(`${gateway.url}/explorer/#/`);
  await page.waitForSelector('.result a:has-text("Road network")');
  await register(charlie, { title: 'Bicycle lanes 2020' });
  await page.waitForSelector('.result a:has-text("Bicycle lanes 2020")', { timeout: 60_000 });
  await shot(page, '0-anonymous');
  assert.deepEqual(sockets, [], 'an anonymous visitor opened a WebSocket');
  assert.deepEqual(errors, []);
  await context.close();
  // A member of another department sees internal data but not the secret dataset; its owner does.
  const { page: bob } = users.Bob;
  await bob.goto(`${gateway.url}/explorer/#/dataset/${secret}`);
  await bob.waitForSelector('#side p:has-text("no dataset with this id that you may see")');
  const { page: charliePage, context: charlieContext } = await open('Charlie');
  await charliePage.goto(`${gateway.url}/explorer/#/dataset/${secret}`);
  await charliePage.waitForSelector('h2.title:has-text("Water mains under the old town")');
  await charlieContext.close();
  await bob.goto(`${gateway.url}/explorer/#/`);
  await bob.waitForSelector('.result a:has-text("Road network")');
});

test('a planted javascript: link is refused on chain and inert in the page', async () => {
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const planted = 'javascript:window.__pwned=1';
  await assert.rejects(register(alice, { title: 'Planted location', uri: planted }), /datasets\.InvalidUri/);
  await assert.rejects(register(alice, { title: 'Planted terms', license: { expression: 'other', url: planted } }), /datasets\.InvalidLicenseUrl/);
  // A gateway (or a record filed before the chain checked) that serves one anyway.
  const roads = (await api.rpc.datasets.search({ q: 'Road network', limit: 1 })).toJSON().items[0];
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route(/\/collections\/[^/]+\/items\/\d+\/record$/, async (route) => {
    const record = await (await route.fetch()).json();
    record.uri = planted;
    record.license = { expression: 'other', url: planted };
    await route.fulfill({ json: record });
  });
  await page.route(/\/search$/, async (route) => {
    const found = await (await route.fetch()).json();
    for (const f of found.features ?? []) {
      f.assets = { data: { href: planted, title: 'Data file', type: 'text/csv' }, other: { href: 'data:text/html,<script>parent.__pwned=1</script>' } };
      f.links = [...(f.links ?? []), { rel: 'license', href: planted, title: 'Terms of use' }];
    }
    await route.fulfill({ json: found });
  });
  await page.goto(`${gateway.url}/explorer/#/dataset/${roads.id}`);
  await page.waitForSelector('h2.title:has-text("Road network")', { timeout: 60_000 });
  for (const selector of ['.terms', '.location', '.asset']) {
    const el = page.locator(selector).first();
    await el.waitFor();
    assert.equal(await el.evaluate((e) => e.tagName), 'SPAN', `${selector} is not a link`);
    assert.equal(await el.getAttribute('href'), null);
    await el.click();
  }
  assert.match(await page.textContent('.terms'), /javascript:window\.__pwned=1/, 'shown as text');
  assert.equal(await page.locator('a[href^="javascript:"], a[href^="data:"]').count(), 0);
  // A real web URL stays a link.
  assert.equal(await page.getAttribute('.stac-item', 'href'), `${gateway.url}/collections/${`department-${roads.owner}`}/items/${roads.id}`);
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.evaluate(() => location.hash), `#/dataset/${roads.id}`, 'nothing navigated');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the catalogue shows the seeded datasets on the map and follows map moves', async () => {
  const { page } = users.Bob;
  const count = Number(await page.getAttribute('#side', 'data-results'));
  assert.ok(count >= 7, `seeded datasets listed: ${count}`);
  assert.ok(await page.locator('.result', { hasText: 'Road network' }).count() === 1);
  await shot(page, '1-catalogue');
  // A map move searches again: the time until the list is updated.
  const generation = Number(await page.getAttribute('#side', 'data-generation'));
  const moved = await (async () => {
    const box = await page.locator('#map canvas').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 200, box.y + box.height / 2 + 50, { steps: 5 });
    const t0 = Date.now();
    await page.mouse.up();
    await page.waitForFunction((g) => Number(document.getElementById('side').dataset.generation) > g, generation);
    return Date.now() - t0;
  })();
  metrics.mapMoveToResultsMs = moved;
  // Filters: a topic narrows the list to it.
  await page.selectOption('select[name=topic]', 'transportation');
  const narrowed = () => document.querySelectorAll('.result').length > 0
    && [...document.querySelectorAll('.result .meta')].every((m) => m.textContent.includes('Transportation'));
  await page.waitForFunction(narrowed);
  // Choosing another account draws the page again: what was entered stays.
  await page.fill('input[name=q]', 'road');
  for (const account of [{ index: 0 }, { label: 'Bob (development)' }]) {
    const form = await page.$('form.search');
    await page.selectOption('#account', account);
    await page.waitForFunction((f) => !f.isConnected, form);
    assert.equal(await page.inputValue('select[name=topic]'), 'transportation');
    assert.equal(await page.inputValue('input[name=q]'), 'road');
    await page.waitForFunction(narrowed);
  }
  await page.fill('input[name=q]', '');
  await page.selectOption('select[name=topic]', '');
});

test('the result list loads more as it scrolls', async () => {
  // 30 more public datasets in view, 10 from each of three departments.
  const keyring = new Keyring({ type: 'sr25519' });
  await Promise.all(['//Alice', '//Bob', '//Charlie'].map(async (uri, d) => {
    const who = keyring.addFromUri(uri);
    for (let i = 0; i < 10; i += 1) {
      const content = `station ${d}-${i}`;
      const west = 1163000000 + i * 1000000;
      await submit(api, api.tx.datasets.registerDataset(
        { title: `Weather station ${d}-${i}`, description: 'Hourly readings.', topic: 'ClimatologyMeteorologyAtmosphere', keywords: ['weather'], uri: 'https://city.example/station.csv', license: { expression: 'CC0-1.0', url: null } },
        { bbox: { west, south: 399000000, east: west + 100000, north: 399100000 }, crs: 4326, time: { start: Date.parse('2025-01-01'), end: null }, format: 'text/csv', hashCode: 0xb220, digest: blake2AsHex(content, 256), size: content.length },
        'Open', 'Public'), who);
    }
  }));
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  while ((await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber() < head) await new Promise((r) => setTimeout(r, 500));
  const { page } = users.Bob;
  await page.goto(`${gateway.url}/explorer/#/`);
  await page.fill('input[name=q]', 'weather');
  // The first page of the weather stations (the list before the text also
  // had 25 and more).
  await page.waitForFunction(() => {
    const titles = [...document.querySelectorAll('.result a')].map((a) => a.textContent);
    return titles.length === 25 && titles.every((t) => t.startsWith('Weather')) && document.querySelector('.results .more');
  });
  // Scrolls to the end of the list until it has grown; a block finalized
  // meanwhile may render the list again, so the scroll repeats.
  await page.waitForFunction(() => {
    document.querySelector('.results .more')?.scrollIntoView();
    return document.querySelectorAll('.result').length === 30 && !document.querySelector('.results .more');
  }, null, { polling: 250 }).catch(async (e) => {
    const seen = await page.evaluate(() => ({
      results: document.querySelectorAll('.result').length,
      more: Boolean(document.querySelector('.results .more')),
      summary: document.querySelector('.summary')?.textContent,
      searches: document.getElementById('side').dataset.generation,
    }));
    throw new Error(`the list did not grow to 30: ${JSON.stringify(seen)}`, { cause: e });
  });
  assert.match(await page.textContent('.summary'), /^30 datasets in view/);
  // Without the text, a first page of all 39 again.
  await page.fill('input[name=q]', '');
  await page.waitForFunction(() => document.querySelectorAll('.result').length === 25 && !document.querySelector('.result a')?.textContent?.startsWith('Weather'));
});

test('the five sharing steps, by three departments in three browsers', async () => {
  const { Alice, Bob, Dave } = users;
  // Step 1: Alice publishes a GeoJSON file; its extent is drawn on the map.
  const geojson = Buffer.from(JSON.stringify({
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { name: 'Temple of Heaven park' }, geometry: { type: 'Polygon', coordinates: [[[116.40, 39.87], [116.42, 39.87], [116.42, 39.89], [116.40, 39.89], [116.40, 39.87]]] } }],
  }));
  const digest = blake2AsHex(geojson, 256);
  await Alice.page.goto(`${gateway.url}/explorer/#/publish`);
  await Alice.page.setInputFiles('input[name=file]', { name: 'parks-2024.geojson', mimeType: 'application/geo+json', buffer: geojson });
  await Alice.page.waitForSelector(`.hash-info:has-text("${digest}")`);
  await Alice.page.click('#extent-draw');
  await drag(Alice.page, [0.45, 0.45], [0.55, 0.55]);
  await Alice.page.fill('input[name=title]', 'Parks 2024');
  await Alice.page.fill('textarea[name=description]', 'Park boundaries of the central districts.');
  await Alice.page.fill('input[name=keywords]', 'parks, green space');
  await Alice.page.fill('input[name=start]', '2024-01-01');
  await Alice.page.fill('input[name=end]', '2024-12-31');
  await Alice.page.selectOption('select[name=policy]', 'Restricted');
  await Alice.page.selectOption('select[name=sensitivity]', 'Confidential');
  await shot(Alice.page, '2-publish');
  await Alice.page.click('form.publish button[type=submit]');
  const datasetHash = await hashChange(Alice.page, /^#\/dataset\/\d+$/);
  const dataset = Number(datasetHash.split('/')[2]);
  await Alice.page.waitForSelector('h2.title:has-text("Parks 2024")');
  const record = (await api.rpc.datasets.get(dataset)).toJSON();
  assert.equal(record.contentHash.digest, digest);
  assert.equal(record.size, geojson.length);
  assert.equal(record.policy, 'restricted');
  assert.deepEqual(readFileSync(join(dataDir, String(dataset), 'data')), geojson, 'stored at the gateway');
  await Alice.page.waitForSelector('.tx[data-state=finalized]');

  // Step 2: Bob finds it by a drawn box and a time range, and requests it.
  await Bob.page.goto(`${gateway.url}/explorer/#/`);
  await Bob.page.waitForSelector('#side[data-results]');
  await Bob.page.fill('input[name=from]', '2024-06-01');
  await Bob.page.fill('input[name=to]', '2024-06-30');
  await Bob.page.dispatchEvent('form.search', 'change');
  await Bob.page.click('#draw-box');
  await drag(Bob.page, [0.3, 0.3], [0.7, 0.7]);
  await Bob.page.waitForSelector('.result:has-text("Parks 2024")');
  assert.equal(await Bob.page.locator('.result', { hasText: 'Orthophoto base map 2023' }).count(), 0, 'outside the time range');
  await shot(Bob.page, '3-find');
  await Bob.page.click('.result a:has-text("Parks 2024")');
  await Bob.page.waitForSelector('form.request');
  await Bob.page.fill('textarea[name=purpose]', 'Cycle route planning along park edges');
  await Bob.page.fill('input[name=days]', '30');
  await Bob.page.click('form.request button[type=submit]');
  const contract = Number((await hashChange(Bob.page, /^#\/contract\/\d+$/)).split('/')[2]);
  await Bob.page.waitForSelector('.facts >> text=Requested');

  // Step 3: Alice approves with a key envelope; the regulator's approval is still missing.
  await Alice.page.goto(`${gateway.url}/explorer/#/inbox`);
  await Alice.page.click(`tr[data-contract="${contract}"] a >> nth=0`);
  await Alice.page.waitForSelector('form.decide');
  assert.ok(await Alice.page.isChecked('input[name=sealed]'), 'a confidential dataset is delivered encrypted');
  await Alice.page.setInputFiles('input[name=data]', { name: 'parks-2024.geojson', mimeType: 'application/geo+json', buffer: geojson });
  await shot(Alice.page, '4-decide');
  await Alice.page.click('form.decide button[type=submit]');
  await Alice.page.waitForFunction(() => [...document.querySelectorAll('dd')].some((d) => d.textContent === 'the regulator\'s approval'), null, { timeout: 60_000 });
  assert.ok(existsSync(join(dataDir, String(dataset), `contract-${contract}.enc`)), 'the encrypted delivery is stored');

  // The regulator approves from its inbox.
  await Dave.page.goto(`${gateway.url}/explorer/#/inbox`);
  await Dave.page.click(`tr[data-contract="${contract}"] a >> nth=0`);
  await Dave.page.waitForSelector('form.decide');
  await Dave.page.click('form.decide button[type=submit]');
  await contractState(contract, 'approved');

  // Step 4: Bob downloads; a wrong key file is refused clearly, the right one decrypts and verifies.
  await Bob.page.goto(`${gateway.url}/explorer/#/contract/${contract}`);
  await Bob.page.waitForSelector('.download input[name=key]:visible');
  await Bob.page.setInputFiles('.download input[name=key]', { name: 'wrong.key', mimeType: 'text/plain', buffer: Buffer.from(`${'ab'.repeat(32)}\n`) });
  const refused = await downloadNote(Bob.page);
  assert.equal(refused.kind, 'error');
  assert.match(refused.text, /does not open the contract's key envelope/);
  await Bob.page.setInputFiles('.download input[name=key]', { name: 'transport.key', mimeType: 'text/plain', buffer: Buffer.from(`${u8aToHex(TRANSPORT_KEY).slice(2)}\n`) });
  assert.match((await downloadNote(Bob.page)).text, /^Verified/);
  await Bob.page.waitForSelector('.download .note.info:has-text("receipt is confirmed")', { timeout: 60_000 });
  const [download] = await Promise.all([Bob.page.waitForEvent('download'), Bob.page.click('a.save')]);
  assert.deepEqual(readFileSync(await download.path()), geojson, 'the saved file is the registered one');
  await shot(Bob.page, '5-verified');
  assert.equal((await contractState(contract, 'approved')).receipt.status, 'verified');

  // Step 5: the regulator verifies the audit chain and flags the contract.
  await Dave.page.goto(`${gateway.url}/explorer/#/audit`);
  await Dave.page.click('#verify');
  await Dave.page.waitForSelector('#browser-verdict.ok');
  await Dave.page.waitForSelector('#node-verdict.ok');
  await Dave.page.selectOption('form.flag select[name=kind]', 'Contract');
  await Dave.page.fill('form.flag input[name=id]', String(contract));
  await Dave.page.fill('form.flag textarea[name=note]', 'Confidential parks data shared for cycle routes: reviewed.');
  await Dave.page.click('form.flag button[type=submit]');
  await Dave.page.waitForSelector(`.disputes li:has-text("contract ${contract}")`, { timeout: 60_000 });
  await shot(Dave.page, '6-audit');

  for (const [name, u] of Object.entries(users)) assert.deepEqual(u.errors, [], `${name}'s console`);
  // Every member reached the node through the gateway's relay only.
  for (const [name, u] of Object.entries(users)) {
    assert.ok(u.sockets.length > 0 && u.sockets.every((url) => url.startsWith(relayPrefix())), `${name}: ${u.sockets}`);
  }
});

test('an owner publishes a new version, deprecates and withdraws it; a request is rejected with a reason', async () => {
  const { page } = users.Alice;
  const parks = (await api.rpc.datasets.search({ q: 'Parks 2024', limit: 1 })).toJSON().items[0];
  await page.goto(`${gateway.url}/explorer/#/dataset/${parks.id}`);
  await page.click('a.button:has-text("Publish a new version")');
  await page.waitForSelector('form.publish');
  assert.equal(await page.inputValue('input[name=title]'), 'Parks 2024', 'the form starts from the current version');
  const v2 = Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [] }));
  await page.setInputFiles('input[name=file]', { name: 'parks-2024-v2.geojson', mimeType: 'application/geo+json', buffer: v2 });
  await page.waitForSelector(`.hash-info:has-text("${blake2AsHex(v2, 256)}")`);
  await page.click('form.publish button[type=submit]');
  const next = Number((await hashChange(page, new RegExp(`^#/dataset/(?!${parks.id}$)\\d+$`))).split('/')[2]);
  await page.waitForSelector('.timeline li.this:has-text("version 2")');
  assert.equal(await page.locator('.timeline li').count(), 2);
  await page.click('button:has-text("Deprecate")');
  await page.waitForSelector('.facts dd:text-is("Deprecated")', { timeout: 60_000 });
  assert.equal((await api.rpc.datasets.get(next)).toJSON().status, 'deprecated');
  page.once('dialog', (d) => d.accept());
  await page.click('button.danger:has-text("Withdraw")');
  await page.waitForSelector('.facts dd:text-is("Withdrawn")', { timeout: 60_000 });
  assert.equal((await api.rpc.datasets.get(parks.id)).toJSON().status, 'withdrawn', 'with its earlier version');

  // Charlie's department asks for the noise map's owner's other data; Charlie rejects Alice's request with a reason.
  const keyring = new Keyring({ type: 'sr25519' });
  const noise = (await api.rpc.datasets.search({ q: 'Road traffic noise map', limit: 1 })).toJSON().items[0];
  const charlie = await open('Charlie');
  const requested = (await submit(api, api.tx.access.requestAccess(noise.id, 'Noise along the new parks', 10 * DAY, null), keyring.addFromUri('//Alice'))).events;
  const contract = requested.find((e) => api.events.access.AccessRequested.is(e)).data.contract.toNumber();
  await contractState(contract, 'requested');
  await charlie.page.goto(`${gateway.url}/explorer/#/inbox`);
  await charlie.page.click(`tr[data-contract="${contract}"] a >> nth=0`);
  await charlie.page.fill('textarea[name=reason]', 'The 2024 map is not final yet.');
  await charlie.page.click('form.decide button.danger');
  await charlie.page.waitForSelector('.facts strong.state:text-is("Rejected")', { timeout: 60_000 });
  assert.equal((await api.rpc.access.get(contract)).toJSON().reason, 'The 2024 map is not final yet.');
  assert.deepEqual(charlie.errors, []);
  await charlie.context.close();
});

test('a tampered delivery shows a mismatch and reports it on chain', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob] = ['//Alice', '//Bob'].map((u) => keyring.addFromUri(u));
  const content = Buffer.from('id,noise\n1,55\n');
  const ev = (await submit(api, api.tx.datasets.registerDataset(
    { title: 'Noise samples', description: 'x', topic: 'Environment', keywords: [], uri: 'https://nrp.example/noise.csv', license: { expression: 'CC0-1.0', url: null } },
    { bbox: { west: 1163000000, south: 398000000, east: 1165000000, north: 400000000 }, crs: 4326, time: { start: Date.parse('2024-01-01'), end: null }, format: 'text/csv', hashCode: 0xb220, digest: blake2AsHex(content, 256), size: content.length },
    'ApprovalRequired', 'Internal'), alice)).events;
  const dataset = ev.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
  mkdirSync(join(dataDir, String(dataset)), { recursive: true });
  writeFileSync(join(dataDir, String(dataset), 'data'), Buffer.from('id,noise\n1,35\n')); // altered after registration
  const requested = (await submit(api, api.tx.access.requestAccess(dataset, 'check', 10 * DAY, null), bob)).events;
  const contract = requested.find((e) => api.events.access.AccessRequested.is(e)).data.contract.toNumber();
  await submit(api, api.tx.access.approveRequest(contract, null), alice);
  await contractState(contract, 'approved');

  const { page } = users.Bob;
  await page.goto(`${gateway.url}/explorer/#/contract/${contract}`);
  await page.waitForSelector('#download');
  const mismatch = await downloadNote(page);
  assert.equal(mismatch.kind, 'error');
  assert.match(mismatch.text, /^Mismatch/);
  await page.waitForSelector('.download .note.info:has-text("mismatch is reported")', { timeout: 60_000 });
  await shot(page, '7-mismatch');
  assert.equal((await api.rpc.access.get(contract)).toJSON().receipt.status, 'mismatch');
  // The regulator sees it as a dispute.
  await users.Dave.page.goto(`${gateway.url}/explorer/#/audit`);
  await users.Dave.page.waitForSelector(`.disputes li:has-text("contract ${contract}")`);
});

test('a failed transaction shows the error\'s name and its documentation', async () => {
  const { page } = users.Alice;
  await page.goto(`${gateway.url}/explorer/#/publish`);
  await page.setInputFiles('input[name=file]', { name: 'notes.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n') });
  await page.waitForSelector('.hash-info:has-text("blake2b-256")');
  await page.click('#extent-view');
  await page.fill('input[name=start]', '2024-01-01');
  await page.fill('input[name=license]', 'not a licence');
  await page.click('form.publish button[type=submit]');
  const failed = page.locator('.tx[data-state=failed]', { hasText: 'datasets.InvalidLicense' });
  await failed.waitFor({ timeout: 60_000 });
  assert.match(await failed.textContent(), /neither an SPDX licence expression nor `other`/);
  await page.waitForSelector('form.publish .note.error:has-text("datasets.InvalidLicense")');
  assert.match(await page.evaluate(() => location.hash), /^#\/publish$/, 'the form stays, filled, to be corrected');
  assert.deepEqual(users.Alice.errors, []);
});

test('a wallet account (polkadot{.js} extension protocol) signs transactions and gateway requests', async () => {
  // A stand-in extension in the page; it signs with Charlie's key here, in the test.
  const charlie = new Keyring({ type: 'sr25519' }).addFromUri('//Charlie');
  const signed = { payloads: 0, raws: 0 };
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.exposeFunction('walletSignPayload', (payload) => {
    signed.payloads += 1;
    return api.registry.createType('ExtrinsicPayload', payload, { version: payload.version }).sign(charlie).signature;
  });
  await context.exposeFunction('walletSignRaw', (data) => {
    signed.raws += 1;
    return u8aToHex(charlie.sign(u8aWrapBytes(hexToU8a(data))));
  });
  await context.addInitScript((address) => {
    window.injectedWeb3 = {
      'test-wallet': {
        version: '1.0.0',
        enable: async () => ({
          accounts: { get: async () => [{ address, name: 'Charlie in a wallet', type: 'sr25519' }], subscribe: (cb) => { cb([{ address, name: 'Charlie in a wallet', type: 'sr25519' }]); return () => {}; } },
          signer: {
            signPayload: async (payload) => ({ id: 1, signature: await window.walletSignPayload(payload) }),
            signRaw: async ({ data }) => ({ id: 2, signature: await window.walletSignRaw(data) }),
          },
        }),
      },
    };
  }, charlie.address);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${gateway.url}/explorer/`);
  await page.waitForSelector('body[data-ready=true]');
  await signIn(page, { label: 'Charlie in a wallet (test-wallet)' });
  await page.waitForFunction(() => /Ecology and Environment/.test(document.getElementById('who').textContent));
  // Signing in: the relay's connection and the catalogue's read token, each signed by the wallet.
  assert.equal(signed.raws, 2);

  // A download of open data, signed by the wallet over the <Bytes>-wrapped message.
  const roads = (await api.rpc.datasets.search({ q: 'Road network', limit: 1 })).toJSON().items[0];
  mkdirSync(join(dataDir, String(roads.id)), { recursive: true });
  writeFileSync(join(dataDir, String(roads.id), 'data'), `${roads.title}\n${roads.uri}\n`); // as clients/js/seed.mjs registered it
  await page.goto(`${gateway.url}/explorer/#/dataset/${roads.id}`);
  assert.match((await downloadNote(page)).text, /^Verified/);
  assert.equal(signed.raws, 3);

  // A request, signed by the wallet from the transaction's payload.
  const parcels = (await api.rpc.datasets.search({ q: 'Cadastral parcels', limit: 1 })).toJSON().items[0];
  await page.goto(`${gateway.url}/explorer/#/dataset/${parcels.id}`);
  await page.fill('textarea[name=purpose]', 'Flood risk by parcel');
  await page.click('form.request button[type=submit]');
  const contract = Number((await hashChange(page, /^#\/contract\/\d+$/)).split('/')[2]);
  const c = (await api.rpc.access.get(contract)).toJSON();
  assert.equal(c.requester, charlie.address);
  assert.equal(signed.payloads, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a non-member reads the catalogue and is told why it cannot act', async () => {
  const ferdie = await open('Ferdie');
  assert.match(await ferdie.page.textContent('#who'), /not a member/);
  // Its one sign-in was refused before the upgrade: the relay is for members only.
  assert.equal(ferdie.sockets.length, 1);
  assert.ok(ferdie.sockets[0].startsWith(relayPrefix()), ferdie.sockets[0]);
  const refusedUpgrade = (e) => /WebSocket connection to '.*\/rpc\?auth=.*' failed/.test(e);
  assert.ok(ferdie.errors.length <= 1 && ferdie.errors.every(refusedUpgrade), ferdie.errors.join('\n'));
  ferdie.errors.length = 0;
  await ferdie.page.goto(`${gateway.url}/explorer/#/publish`);
  await ferdie.page.waitForSelector('.note.readonly:has-text("not a member of any department")');
  // It reads what anyone may: a public dataset, not a confidential one (dataset 0).
  await ferdie.page.goto(`${gateway.url}/explorer/#/dataset/0`);
  await ferdie.page.waitForSelector('#side p:has-text("no public dataset with this id")');
  const roads = (await api.rpc.datasets.search({ q: 'Road network', limit: 1 })).toJSON().items[0];
  await ferdie.page.goto(`${gateway.url}/explorer/#/dataset/${roads.id}`);
  await ferdie.page.waitForSelector('.note.readonly:has-text("the chain refuses its transactions")');
  await shot(ferdie.page, '8-non-member');
  assert.deepEqual(ferdie.errors, []);
  await ferdie.context.close();
});

test('the page says when the node is down and recovers when it is back', async () => {
  const watcher = await open('Charlie');
  const before = Number(await watcher.page.getAttribute('#side', 'data-at'));
  await node.restart(async () => {
    await watcher.page.waitForSelector('#banner:not([hidden])', { timeout: 30_000 });
    assert.match(await watcher.page.textContent('#banner'), /cannot be reached/);
    await shot(watcher.page, '9-node-down');
  });
  await watcher.page.waitForSelector('#banner[hidden]', { state: 'attached', timeout: 60_000 });
  await watcher.page.waitForFunction((b) => Number(document.getElementById('side').dataset.at) >= b && document.querySelectorAll('.result').length > 0, before, { timeout: 60_000 });
  // Only the lost connection was reported while the node was down: the
  // relay's WebSocket, and the gateway's answers without its node (5xx).
  const unexpected = watcher.errors.filter((e) => !/WebSocket|API-WS|disconnected|ERR_CONNECTION_REFUSED|1006|status of 5\d\d/.test(e));
  assert.deepEqual(unexpected, []);
  // The relay's connection was signed anew to reconnect (a signature is good for one connection).
  assert.ok(watcher.sockets.length >= 2, `reconnected: ${watcher.sockets.length} connections`);
  assert.ok(watcher.sockets.every((url) => url.startsWith(relayPrefix())), watcher.sockets.join('\n'));
  assert.equal(new Set(watcher.sockets).size, watcher.sockets.length, 'each connection has its own signature');
  await watcher.context.close();
});
