// The portal (web/) in a real browser: Debian's chromium driven by
// playwright-core, against a dev node seeded as scripts/run.sh seeds it (the
// files stored at the gateway, the development key files written) and a
// gateway serving the built portal. An anonymous visitor reads the public
// catalogue through the gateway's STAC API and never opens a WebSocket; a
// planted `javascript:` link is refused on chain and inert in the page; the
// map reads without tiles; a phone (390×844) draws a box and opens a
// dataset; axe-core finds no critical or serious violation on any page.
// Three members, signed in through the gateway's relay, in three browser
// contexts go through the five sharing steps, with a new dataset and on the
// sample data alone; then the publish form's checks, a tampered delivery, a
// wrong key file, a non-member, and the node restarting under an open page.
//
// Needs the built portal (web/dist: `npm run build` in web/), chromium
// (CITYCHAIN_CHROMIUM, default /usr/bin/chromium) and the binaries
// (CITYCHAIN_NODE, CITYCHAIN_GATEWAY, CITYCHAIN_CLI). Screenshots go to
// $CITYCHAIN_SCREENSHOTS (default web/test-results); docs/explorer/ keeps
// copies of those docs/explorer.md shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
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
import { cliOk, startGateway } from './lib/gateway.mjs';
import { noAxeViolations } from './lib/axe.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DIST = join(here, '..', 'web', 'dist');
const SHOTS = process.env.CITYCHAIN_SCREENSHOTS ?? join(here, '..', 'web', 'test-results');
const CHROMIUM = process.env.CITYCHAIN_CHROMIUM ?? '/usr/bin/chromium';
// Chromium as root, headless, without the background connections this
// machine's closed network refuses.
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-gl=swiftshader',
  '--enable-unsafe-swiftshader'];
const DAY = 28_800;

let node;
let gateway;
let api;
let browser;
let dataDir;
/** Where the seed writes the development departments' key files (as scripts/run.sh has it). */
let keysDir;
const metrics = {};
const users = {};

/**
 * A page signed in as `name` (a development account), its console errors
 * and the URLs of the WebSockets it opened collected.
 */
async function open(name, viewport = { width: 1400, height: 900 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  // What these tests wait for is what a page shows, not how fast: the file
  // runs beside the rest of the suite and the Rust build on two cores, where
  // a page can take longer than Playwright's 30 s default to get there.
  context.setDefaultTimeout(60_000);
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

/**
 * Chooses `option` in the account menu (on a phone, in the header's menu)
 * and waits until the sign-in is done (as a member, or read-only).
 */
async function signIn(page, option) {
  const phone = await page.isVisible('#menu');
  if (phone) await page.click('#menu');
  await page.selectOption('#account', option);
  if (phone) await page.click('#menu');
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

/**
 * Opens the portal's page `hash` on `page` as a reader following a link
 * does: a page already showing that hash (and perhaps in use, so not
 * redrawn) is left for the catalogue first.
 */
/**
 * Opens the portal's page `hash` and waits until it is drawn: until then the
 * page before it stays in view (inert), and a test must not read or click it.
 */
async function go(page, hash) {
  await page.goto(`${gateway.url}/explorer/${hash}`);
  await page.waitForSelector(`#side[data-page="${hash}"]:not([aria-busy])`, { state: 'attached', timeout: 60_000 });
}

/** Opens page `hash` drawn afresh, even if it is the one shown. */
async function visit(page, hash) {
  if (await page.evaluate((h) => location.hash === h, hash)) await go(page, '#/');
  await go(page, hash);
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

/** Bob's department asks for `dataset` and Alice approves it plain; resolves with the contract once approved. */
async function grantedToBob(dataset, purpose) {
  const keyring = new Keyring({ type: 'sr25519' });
  const requested = (await submit(api, api.tx.access.requestAccess(dataset, purpose, 10 * DAY, null), keyring.addFromUri('//Bob'))).events;
  const contract = requested.find((e) => api.events.access.AccessRequested.is(e)).data.contract.toNumber();
  await submit(api, api.tx.access.approveRequest(contract, null), keyring.addFromUri('//Alice'));
  await contractState(contract, 'approved');
  return contract;
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
  dataDir = mkdtempSync(join(tmpdir(), 'citychain-portal-'));
  keysDir = join(dataDir, 'dev-keys');
  // The browsers of three departments all reach the gateway from this
  // machine's one address, which the gateway lets run only a few catalogue
  // reads at once: room for them. A portal runs two at a time, and a read
  // it abandoned (the map moved on) holds its slot until the node has
  // answered, which on a loaded machine takes seconds: 16, not 8, or the
  // browsers' consoles log the 429s their pages then retry.
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: join(dataDir, 'store'), extraArgs: [`--explorer-dir=${DIST}`, '--searches-per-address=16'] });
  // The sample data as scripts/run.sh seeds it: its files stored at the gateway, the key files written.
  await seed(node.endpoint, { gateway: gateway.url, keys: keysDir });
  api = await connect(node.endpoint);
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
  await page.waitForSelector('.members-see-more:has-text("members of a department who sign in see")');
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
  await go(page, `#/dataset/${secret}`);
  await page.waitForSelector('#side p:has-text("no public dataset with this id")');
  // Pages that need the node say why instead.
  for (const hash of ['#/audit', '#/contracts', '#/inbox', '#/publish', '#/contract/0']) {
    await go(page, hash);
    await page.waitForSelector('.note.readonly:has-text("Choose an account")');
  }
  // The list follows new finalized blocks (the gateway's finalized head, polled).
  await go(page, `#/`);
  await page.waitForSelector('.result a:has-text("Road network")');
  await register(charlie, { title: 'Bicycle lanes 2020' });
  await page.waitForSelector('.result a:has-text("Bicycle lanes 2020")', { timeout: 60_000 });
  await shot(page, '0-anonymous');
  assert.deepEqual(sockets, [], 'an anonymous visitor opened a WebSocket');
  assert.deepEqual(errors, []);
  await context.close();
  // A member of another department sees internal data but not the secret dataset; its owner does.
  const { page: bob } = users.Bob;
  await go(bob, `#/dataset/${secret}`);
  await bob.waitForSelector('#side p:has-text("no dataset with this id that you may see")');
  const { page: charliePage, context: charlieContext } = await open('Charlie');
  await go(charliePage, `#/dataset/${secret}`);
  await charliePage.waitForSelector('h2.title:has-text("Water mains under the old town")');
  await charlieContext.close();
  await go(bob, `#/`);
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
  await go(page, `#/dataset/${roads.id}`);
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

test('the map reads without a tile server: places, a labelled grid, counts, drawing by mouse or keyboard, rows by keyboard, access badges', async () => {
  const { page } = users.Bob;
  await go(page, `#/`);
  await page.reload();
  await page.waitForSelector('body[data-session=member] #side[data-results]', { timeout: 60_000 });
  // The city's name at the first view, the grid's degrees along the edges.
  await page.waitForSelector('.place.city:text-is("Beijing")');
  assert.ok(await page.locator('.grid-label.lon').count() >= 2 && await page.locator('.grid-label.lat').count() >= 2);
  // Datasets with the same extent: one rectangle, with their count.
  // (the count grows as result pages arrive, which takes longer under load)
  const counted = await page.waitForFunction(
    () => [...document.querySelectorAll('.stack-count')].some((e) => Number(e.textContent) >= 4),
    null,
    { timeout: 30_000 },
  ).then(() => true, () => false);
  const stacked = await page.locator('.stack-count').evaluateAll((els) => els.map((e) => Number(e.textContent)));
  assert.ok(counted, `counts: ${stacked}`);
  // Draw mode: a hint, and Escape leaves it without a box.
  await page.click('#draw-box');
  await page.waitForSelector('.draw-hint:has-text("Escape cancels")');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.draw-hint', { state: 'detached' });
  assert.match(await page.textContent('.summary'), /in view/);
  // A box typed in: searched, and its corners shown in degrees.
  await page.fill('input[name=box]', '116.3, 39.85, 116.5, 40');
  await page.press('input[name=box]', 'Tab');
  await page.waitForFunction(() => /in the drawn box/.test(document.querySelector('.summary').textContent));
  assert.equal(await page.textContent('.box-text'), '116.3000° E – 116.5000° E, 39.8500° N – 40.0000° N');
  // Zoomed in, the districts are named.
  await page.click('button:has-text("Search the map view")');
  await page.waitForFunction(() => /in view/.test(document.querySelector('.summary').textContent));
  assert.equal(await page.inputValue('input[name=box]'), '');
  for (let i = 0; i < 2; i += 1) await page.click('.maplibregl-ctrl-zoom-in');
  await page.waitForSelector('.place:text-is("Dongcheng")');
  // Badges: the department's own datasets and those it holds a contract for.
  await page.waitForSelector('.result:has-text("Road network") .badge.access:text-is("yours")');
  await page.waitForSelector('.result:has-text("Land use plan 2024") .badge.access:text-is("access")');
  await shot(page, '3b-map');
  for (let i = 0; i < 2; i += 1) await page.click('.maplibregl-ctrl-zoom-out');
  // Dates are ISO in the fields and on the sliders.
  assert.equal(await page.getAttribute('input[name=from]', 'type'), 'text');
  await page.locator('.sliders input').first().fill('3000');
  assert.match(await page.inputValue('input[name=from]'), /^2008-03-19$/);
  assert.equal(await page.locator('.sliders input').first().getAttribute('aria-valuetext'), '2008-03-19');
  const generation = Number(await page.getAttribute('#side', 'data-generation'));
  await page.fill('input[name=from]', '');
  await page.dispatchEvent('input[name=from]', 'change');
  await page.waitForFunction((g) => Number(document.getElementById('side').dataset.generation) > g, generation);
  // A row opens with Enter.
  await page.focus('.result:has-text("Road network")');
  await page.keyboard.press('Enter');
  await hashChange(page, /^#\/dataset\/\d+$/);
  await page.waitForSelector('h2.title:has-text("Road network")');
  assert.deepEqual(users.Bob.errors, []);
});

test('no page has a critical or serious accessibility violation (axe-core)', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const anonymous = await context.newPage();
  const roads = (await api.rpc.datasets.search({ q: 'Road network', limit: 1 })).toJSON().items[0];
  await anonymous.goto(`${gateway.url}/explorer/`);
  await anonymous.waitForSelector('#side[data-results]', { timeout: 60_000 });
  await noAxeViolations(anonymous, 'the catalogue, anonymous');
  await go(anonymous, `#/dataset/${roads.id}`);
  await anonymous.waitForSelector('h2.title');
  await noAxeViolations(anonymous, 'a dataset, anonymous');
  await context.close();
  const { page } = users.Dave;
  const contract = (await api.rpc.access.contracts({ limit: 1 })).toJSON().items[0];
  const pages = [['#/', '#side[data-results]'], [`#/dataset/${roads.id}`, 'h2.title'], ['#/publish', 'form.publish'], ['#/contracts', 'h2'],
    ['#/inbox', 'h2'], ['#/audit', 'form.flag'], ['#/audit/department/1', '.trail'], [`#/contract/${contract.id}`, '.facts'], ['#/settings', '.settings']];
  for (const [hash, ready] of pages) {
    await go(page, hash);
    await page.waitForSelector(ready, { timeout: 60_000 });
    await noAxeViolations(page, hash);
  }
  // The publish and request forms of another department's member, with their own fields.
  const { page: alice } = users.Alice;
  await go(alice, `#/dataset/${(await api.rpc.datasets.search({ q: 'Traffic counts', limit: 1 })).toJSON().items[0].id}`);
  await alice.waitForSelector('form.request');
  await noAxeViolations(alice, 'a dataset with the request form');
});

test('on a phone (390×844): a short header with a menu, the map and the list as tabs; a box drawn and a dataset opened', async () => {
  const phone = await open('Bob', { width: 390, height: 844 });
  const { page } = phone;
  // The header is one line; its menu opens the pages and the account.
  const header = await page.locator('header').boundingBox();
  assert.ok(header.height <= 60, `header ${header.height} px`);
  assert.equal(await page.isVisible('header nav'), false);
  await page.click('#menu');
  assert.equal(await page.getAttribute('#menu', 'aria-expanded'), 'true');
  assert.ok(await page.isVisible('header nav a:has-text("My contracts")'));
  await page.click('#menu');
  // The list first, the whole width; the map a tab away, the whole width too.
  assert.equal(await page.getAttribute('#tab-list', 'aria-selected'), 'true');
  assert.ok(await page.locator('.result').count() > 0);
  assert.equal(await page.isVisible('#map canvas'), false);
  await page.click('#tab-map');
  const map = await page.locator('#map canvas').boundingBox();
  assert.ok(map.width >= 380 && map.height >= 600, `map ${map.width}×${map.height}`);
  await shot(page, '10-phone-map');
  await page.click('#tab-list');
  await noAxeViolations(page, 'the catalogue on a phone');
  await shot(page, '10-phone');
  // Draw a box: the map shows with the hint; the list shows what the box found.
  await page.click('#draw-box');
  await page.waitForSelector('.draw-hint');
  assert.equal(await page.getAttribute('#tab-map', 'aria-selected'), 'true');
  await drag(page, [0.3, 0.3], [0.7, 0.6]);
  await page.waitForFunction(() => /in the drawn box/.test(document.querySelector('.summary').textContent) && document.querySelectorAll('.result').length > 0);
  assert.equal(await page.getAttribute('#tab-list', 'aria-selected'), 'true');
  assert.match(await page.textContent('.box-text'), /° E – .*° N/);
  const title = await page.textContent('.result a >> nth=0');
  await page.click('.result >> nth=0');
  await page.waitForSelector(`h2.title:text-is("${title}")`);
  assert.ok(await page.isVisible('h2.title'));
  await noAxeViolations(page, 'a dataset on a phone');
  await shot(page, '11-phone-dataset');
  assert.deepEqual(phone.errors, []);
  await phone.context.close();
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
  await go(page, `#/`);
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
  await go(Alice.page, `#/publish`);
  await Alice.page.setInputFiles('input[name=file]', { name: 'parks-2024.geojson', mimeType: 'application/geo+json', buffer: geojson });
  await Alice.page.waitForSelector(`.hash-info:has-text("${digest}")`);
  // The extent comes from the file, and the map zooms to it.
  await Alice.page.waitForSelector('.extent:has-text("parks-2024.geojson")');
  const view = (await Alice.page.getAttribute('#map', 'data-view')).split(',').map(Number);
  assert.ok(view[0] <= 116.40 && view[2] >= 116.42 && view[2] - view[0] < 0.2, `zoomed to the file's extent: ${view}`);
  await Alice.page.click('#extent-draw');
  await drag(Alice.page, [0.45, 0.45], [0.55, 0.55]);
  await Alice.page.fill('input[name=title]', 'Parks 2024');
  await Alice.page.fill('textarea[name=description]', 'Park boundaries of the central districts.');
  await Alice.page.fill('input[name=keywords]', 'parks, green space');
  await Alice.page.fill('input[name=start]', '2024-01-01');
  await Alice.page.fill('input[name=end]', '2024-12-31');
  await Alice.page.fill('input[name=license]', 'LicenseRef-Parks-Terms');
  await Alice.page.fill('input[name=licenseUrl]', 'https://nrp.beijing.example/terms/parks');
  // One rule, the provider's and the regulator's approval: the policy Restricted.
  await Alice.page.selectOption('form.publish fieldset.rule select[name=outcome]', 'providerAndRegulator');
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
  assert.deepEqual(readFileSync(join(dataDir, 'store', String(dataset), 'data')), geojson, 'stored at the gateway');
  assert.equal(record.uri, `${gateway.url}/data/${dataset}`, 'the location is the dataset\'s own at this gateway');
  // The page says what was stored where.
  await Alice.page.waitForSelector('.flash');
  assert.match(await Alice.page.textContent('.flash'), new RegExp(`parks-2024\\.geojson .*${digest}.* is stored at ${gateway.url}/data/${dataset}`));
  // The owner downloads it too.
  assert.match((await downloadNote(Alice.page)).text, /^Verified/);
  await Alice.page.waitForSelector('.tx[data-state=finalized]');

  // Step 2: Bob finds it by a drawn box and a time range, and requests it.
  // A fresh page: the map at its first view of the city (the list and map of the earlier tests moved).
  await go(Bob.page, `#/`);
  await Bob.page.reload();
  await Bob.page.waitForSelector('body[data-session=member] #side[data-results]', { timeout: 60_000 });
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
  // Plain words for an undecided request: no receipt yet, when it lapses, who asked.
  assert.match(await Bob.page.textContent('.facts .receipt'), /^none yet/);
  assert.match(await Bob.page.textContent('.facts'), /lapses \d{4}-\d{2}-\d{2} if not decided by then/);
  assert.equal(await Bob.page.textContent('.facts .account-name'), 'Bob (Transport Bureau)');

  // Step 3: Alice approves with a key envelope; the regulator's approval is still missing.
  await go(Alice.page, `#/inbox`);
  // The inbox says who asks, what for and for how long.
  const inboxRow = Alice.page.locator(`tr[data-contract="${contract}"]`);
  await inboxRow.waitFor();
  for (const text of ['Cycle route planning along park edges', '30 days', 'Bob (Transport Bureau)']) assert.ok((await inboxRow.textContent()).includes(text), text);
  await Alice.page.click(`tr[data-contract="${contract}"] a >> nth=0`);
  await Alice.page.waitForSelector('form.decide');
  // Approve and Reject are buttons of one size, side by side.
  const [approveBox, rejectBox] = await Promise.all(['form.decide button[type=submit]', 'form.decide button.danger'].map((b) => Alice.page.locator(b).boundingBox()));
  assert.ok(Math.abs(approveBox.width - rejectBox.width) < 2 && approveBox.height === rejectBox.height && approveBox.y === rejectBox.y, JSON.stringify([approveBox, rejectBox]));
  assert.ok(await Alice.page.isChecked('input[name=sealed]'), 'a confidential dataset is delivered encrypted');
  await Alice.page.setInputFiles('input[name=data]', { name: 'parks-2024.geojson', mimeType: 'application/geo+json', buffer: geojson });
  await shot(Alice.page, '4-decide');
  await Alice.page.click('form.decide button[type=submit]');
  await Alice.page.waitForFunction(() => [...document.querySelectorAll('dd')].some((d) => d.textContent === 'the regulator\'s approval'), null, { timeout: 60_000 });
  // The trail says the approval did not yet grant access, in words.
  await Alice.page.waitForSelector('.trail td:has-text("Request approved: one approval given, the other still needed")');
  assert.ok(existsSync(join(dataDir, 'store', String(dataset), 'data.enc')), 'the dataset is encrypted once, at the gateway');

  // The regulator approves from its inbox.
  await go(Dave.page, `#/inbox`);
  await Dave.page.click(`tr[data-contract="${contract}"] a >> nth=0`);
  await Dave.page.waitForSelector('form.decide');
  await Dave.page.click('form.decide button[type=submit]');
  await contractState(contract, 'approved');

  // Step 4: Bob downloads; a wrong key file is refused clearly, the right one decrypts and verifies.
  await go(Bob.page, `#/contract/${contract}`);
  await Bob.page.waitForSelector('.download input[name=key]:visible');
  await Bob.page.setInputFiles('.download input[name=key]', { name: 'wrong.key', mimeType: 'text/plain', buffer: Buffer.from(`${'ab'.repeat(32)}\n`) });
  const refused = await downloadNote(Bob.page);
  assert.equal(refused.kind, 'error');
  assert.match(refused.text, /does not open the contract's key envelope/);
  await Bob.page.setInputFiles('.download input[name=key]', { name: 'transport.key', mimeType: 'text/plain', buffer: readFileSync(join(keysDir, 'transport.key')) });
  // The file goes to the browser's downloads as it arrives.
  const [download, verified] = await Promise.all([Bob.page.waitForEvent('download'), downloadNote(Bob.page)]);
  assert.match(verified.text, /^Verified/);
  await Bob.page.waitForSelector('.download .note.info:has-text("receipt is confirmed")', { timeout: 60_000 });
  assert.deepEqual(readFileSync(await download.path()), geojson, 'the saved file is the registered one');
  await shot(Bob.page, '5-verified');
  assert.equal((await contractState(contract, 'approved')).receipt.status, 'verified');

  // Step 5: the regulator verifies the audit chain and flags the contract.
  await visit(Dave.page, '#/audit');
  await Dave.page.click('#verify');
  // The browser recomputes the whole hash chain: slower under the other suites' load.
  await Dave.page.waitForSelector('#browser-verdict.ok', { timeout: 90_000 });
  await Dave.page.waitForSelector('#node-verdict.ok');
  // The browser's count and the node's name the same entries.
  const counted = await Promise.all(['#browser-verdict', '#node-verdict'].map(async (v) => /entries 0–\d+ \(\d+ entries\)/.exec(await Dave.page.textContent(v))?.[0]));
  assert.ok(counted[0] && counted[0] === counted[1], JSON.stringify(counted));
  await Dave.page.selectOption('form.flag select[name=kind]', 'Contract');
  await Dave.page.selectOption('form.flag select[name=subject]', { label: `contract ${contract}: Parks 2024 for Transport Bureau (approved)` });
  await Dave.page.fill('form.flag textarea[name=note]', 'Confidential parks data shared for cycle routes: reviewed.');
  await Dave.page.click('form.flag button[type=submit]');
  await Dave.page.waitForSelector(`.disputes li:has-text("contract ${contract}") .flag-note:has-text("Confidential parks data shared for cycle routes: reviewed.")`, { timeout: 60_000 });
  await Dave.page.click('#verify');
  await Dave.page.waitForSelector('#node-verdict.ok');
  await shot(Dave.page, '6-audit');

  for (const [name, u] of Object.entries(users)) assert.deepEqual(u.errors, [], `${name}'s console`);
  // Every member reached the node through the gateway's relay only.
  for (const [name, u] of Object.entries(users)) {
    assert.ok(u.sockets.length > 0 && u.sockets.every((url) => url.startsWith(relayPrefix())), `${name}: ${u.sockets}`);
  }
});

test('docs/explorer.md\'s five steps on the sample data alone, by three departments, with a shipped key file', async () => {
  // Charlie (Ecology and Environment) provides, Bob (Transport) consumes, Dave (the regulator) audits.
  const { Bob, Dave } = users;
  const Charlie = await open('Charlie');
  // Step 1, published by the seed: the provider's own page downloads and verifies the stored file.
  const trees = (await api.rpc.datasets.search({ q: 'Street trees inventory 2024', limit: 1 })).toJSON().items[0];
  await go(Charlie.page, `#/dataset/${trees.id}`);
  await Charlie.page.waitForSelector('h2.title:text-is("Street trees inventory 2024")');
  assert.match((await downloadNote(Charlie.page)).text, /^Verified/);

  // Step 2: Bob finds it by its words and requests it.
  await go(Bob.page, `#/`);
  await Bob.page.waitForSelector('#side[data-results]');
  await Bob.page.fill('input[name=q]', 'street trees');
  await Bob.page.click('.result a:text-is("Street trees inventory 2024")');
  await Bob.page.waitForSelector('form.request');
  await Bob.page.fill('form.request textarea[name=purpose]', 'Shade along cycle routes');
  await Bob.page.fill('form.request input[name=days]', '60');
  await Bob.page.click('form.request button[type=submit]');
  const contract = Number((await hashChange(Bob.page, /^#\/contract\/\d+$/)).split('/')[2]);
  await contractState(contract, 'requested');

  // Step 3: Charlie approves it from the inbox (internal data: delivered as it is).
  await go(Charlie.page, `#/inbox`);
  const request = Charlie.page.locator(`tr[data-contract="${contract}"]`);
  await request.waitFor();
  assert.match(await request.textContent(), /Shade along cycle routes.*60 days/);
  await Charlie.page.click(`tr[data-contract="${contract}"] a >> nth=0`);
  await Charlie.page.waitForSelector('form.decide');
  assert.equal(await Charlie.page.isChecked('input[name=sealed]'), false);
  await Charlie.page.click('form.decide button[type=submit]');
  await Charlie.page.waitForSelector('.facts strong.state:text-is("Approved")', { timeout: 60_000 });
  await noAxeViolations(Charlie.page, 'an approved contract, its provider');

  // Step 4: Bob downloads and verifies it; the receipt shows on the page at once.
  await go(Bob.page, `#/contract/${contract}`);
  await Bob.page.waitForSelector('#download');
  assert.equal(await Bob.page.isVisible('.download input[name=key]'), false, 'no key file without an envelope');
  assert.match((await downloadNote(Bob.page)).text, /^Verified/);
  await Bob.page.waitForSelector('.download .note.info:has-text("receipt is confirmed")', { timeout: 60_000 });
  assert.match(await Bob.page.textContent('.facts .receipt'), /^confirmed/);
  // … and the seeded encrypted delivery, with the key file the seed wrote where run.sh says.
  const landUse = (await api.rpc.datasets.search({ q: 'Land use plan 2024', limit: 1 })).toJSON().items[0];
  const sealed = (await api.rpc.access.contracts({ dataset: landUse.id, limit: 10 })).toJSON().items.find((c) => c.envelope !== null);
  await go(Bob.page, `#/contract/${sealed.id}`);
  await Bob.page.waitForSelector('.download input[name=key]:visible');
  await Bob.page.setInputFiles('.download input[name=key]', join(keysDir, 'transport.key'));
  const verified = await downloadNote(Bob.page);
  assert.equal(verified.kind, 'ok', verified.text);
  assert.match(verified.text, /^Verified/);
  await Bob.page.waitForSelector('.download .note.info:has-text("receipt is confirmed")', { timeout: 60_000 });
  assert.match(await Bob.page.textContent('.facts .receipt'), /^confirmed/);
  // My contracts lists both receipts.
  await go(Bob.page, `#/contracts`);
  for (const id of [contract, sealed.id]) {
    await Bob.page.waitForSelector(`tr[data-contract="${id}"] .receipt:has-text("confirmed")`);
  }

  // Step 5: the regulator verifies the audit chain and flags Bob's contract, with a note it then reads.
  await visit(Dave.page, '#/audit');
  await Dave.page.click('#verify');
  // The browser recomputes the whole hash chain: slower under the other suites' load.
  await Dave.page.waitForSelector('#browser-verdict.ok', { timeout: 90_000 });
  await Dave.page.waitForSelector('#node-verdict.ok');
  await Dave.page.selectOption('form.flag select[name=subject]', String(contract));
  await Dave.page.fill('form.flag textarea[name=note]', 'Street tree data for cycle routes: in order.');
  await Dave.page.click('form.flag button[type=submit]');
  await Dave.page.waitForSelector(`.disputes li:has-text("contract ${contract}") .flag-note:text-is("Street tree data for cycle routes: in order.")`, { timeout: 60_000 });
  assert.equal((await api.rpc.audit.verify()).toJSON().ok, true);
  for (const [name, u] of Object.entries({ Bob, Dave, Charlie })) assert.deepEqual(u.errors, [], `${name}'s console`);
  await Charlie.context.close();
});

test('irreversible contract actions ask first', async () => {
  const { page } = users.Bob;
  const parcels = (await api.rpc.datasets.search({ q: 'Cadastral parcels', limit: 1 })).toJSON().items[0];
  const contract = (await api.rpc.access.contracts({ dataset: parcels.id, limit: 10 })).toJSON().items.find((c) => c.state === 'approved');
  await go(page, `#/contract/${contract.id}`);
  const asked = [];
  page.once('dialog', (d) => { asked.push(d.message()); d.dismiss(); });
  await page.click('button:has-text("Relinquish")');
  await page.waitForTimeout(3000);
  assert.match(asked[0], /Give up your department's access to “Cadastral parcels”/);
  assert.equal((await api.rpc.access.get(contract.id)).toJSON().state, 'approved', 'dismissed: nothing sent');
  page.once('dialog', (d) => d.accept());
  await page.click('button:has-text("Relinquish")');
  await page.waitForSelector('.facts strong.state:text-is("Relinquished")', { timeout: 60_000 });
});

test('an owner publishes a new version, deprecates and withdraws it; a request is rejected with a reason', async () => {
  const { page } = users.Alice;
  const parks = (await api.rpc.datasets.search({ q: 'Parks 2024', limit: 1 })).toJSON().items[0];
  await go(page, `#/dataset/${parks.id}`);
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
  await go(charlie.page, `#/inbox`);
  await charlie.page.click(`tr[data-contract="${contract}"] a >> nth=0`);
  await charlie.page.fill('textarea[name=reason]', 'The 2024 map is not final yet.');
  await charlie.page.click('form.decide button.danger');
  await charlie.page.waitForSelector('.facts strong.state:text-is("Rejected")', { timeout: 60_000 });
  assert.equal((await api.rpc.access.get(contract)).toJSON().reason, 'The 2024 map is not final yet.');
  assert.deepEqual(charlie.errors, []);
  await charlie.context.close();
});

test('a tampered delivery shows a mismatch and reports it on chain', async () => {
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const content = Buffer.from('id,noise\n1,55\n');
  const ev = (await submit(api, api.tx.datasets.registerDataset(
    { title: 'Noise samples', description: 'x', topic: 'Environment', keywords: [], uri: 'https://nrp.example/noise.csv', license: { expression: 'CC0-1.0', url: null } },
    { bbox: { west: 1163000000, south: 398000000, east: 1165000000, north: 400000000 }, crs: 4326, time: { start: Date.parse('2024-01-01'), end: null }, format: 'text/csv', hashCode: 0xb220, digest: blake2AsHex(content, 256), size: content.length },
    'ApprovalRequired', 'Internal'), alice)).events;
  const dataset = ev.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
  mkdirSync(join(dataDir, 'store', String(dataset)), { recursive: true });
  writeFileSync(join(dataDir, 'store', String(dataset), 'data'), Buffer.from('id,noise\n1,35\n')); // altered after registration
  const contract = await grantedToBob(dataset, 'check');

  const { page } = users.Bob;
  await go(page, `#/contract/${contract}`);
  await page.waitForSelector('#download');
  assert.equal(await page.isVisible('.download input[name=key]'), false, 'no key file for a delivery without an envelope');
  const [download, mismatch] = await Promise.all([page.waitForEvent('download'), downloadNote(page)]);
  assert.equal(mismatch.kind, 'error');
  assert.match(mismatch.text, /^Mismatch/);
  assert.ok(await download.failure(), 'the mismatching file is not saved');
  await page.waitForSelector('.download .note.info:has-text("mismatch is reported")', { timeout: 60_000 });
  await shot(page, '7-mismatch');
  assert.equal((await api.rpc.access.get(contract)).toJSON().receipt.status, 'mismatch');
  // The regulator sees it as a dispute.
  await visit(users.Dave.page, '#/audit');
  await users.Dave.page.waitForSelector(`.disputes li:has-text("contract ${contract}")`);
});

test('a BLAKE3 delivery is checked 16 KiB by 16 KiB as it arrives, and stops at a tampered group', async () => {
  const file = join(dataDir, 'lidar.bin');
  writeFileSync(file, randomBytes(300_000));
  const dataset = Number(await cliOk(node.endpoint, ['register', file, '--title', 'Lidar strips', '--topic', 'elevation',
    '--license', 'CC-BY-4.0', '--uri', `${gateway.url}/data/lidar.bin`, '--bbox', '116.3,39.8,116.5,40.0', '--start', '2024-01-01',
    '--hash', 'blake3', '--store', join(dataDir, 'store')], { suri: '//Alice' }));
  const contract = await grantedToBob(dataset, 'flood model');

  const { page } = users.Bob;
  await go(page, `#/contract/${contract}`);
  await page.uncheck('.download input[name=report]');
  const [download, verified] = await Promise.all([page.waitForEvent('download'), downloadNote(page)]);
  assert.equal(verified.kind, 'ok', verified.text);
  assert.match(verified.text, /^Verified: .*blake3 .* as on chain, every 16 KiB checked as it arrived\.$/);
  assert.ok(readFileSync(await download.path()).equals(readFileSync(file)));
  const routes = gateway.deliveries().filter((d) => d.dataset === dataset).map((d) => d.verified === true);
  assert.deepEqual(routes, [true], 'the page asked the verified route once');

  // A byte of the fifth group changed in the store: the page stops there.
  const stored = join(dataDir, 'store', String(dataset), 'data');
  const bytes = readFileSync(stored);
  bytes[4 * 16384 + 100] ^= 1;
  writeFileSync(stored, bytes);
  const [failed, mismatch] = await Promise.all([page.waitForEvent('download'), downloadNote(page)]);
  assert.equal(mismatch.kind, 'error');
  assert.match(mismatch.text, /^Mismatch: the chunk group at byte offset 65536 is not the registered data\. The download stopped there and nothing was saved\.$/);
  assert.ok(await failed.failure(), 'nothing is saved');
});

test('a consumer makes a link for GIS tools, which reads the file without signing', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob] = ['//Alice', '//Bob'].map((u) => keyring.addFromUri(u));
  const title = 'Tree heights';
  const dataset = await register(alice, { title, policy: 'ApprovalRequired', sensitivity: 'Internal' });
  mkdirSync(join(dataDir, 'store', String(dataset)), { recursive: true });
  writeFileSync(join(dataDir, 'store', String(dataset), 'data'), `${title}\nhttps://city.example/data.csv\n`);
  const contract = await grantedToBob(dataset, 'canopy map');

  const { page } = users.Bob;
  await go(page, `#/contract/${contract}`);
  await page.click('.gis-link .make-link');
  const field = page.locator('.gis-link input[name=href]');
  await field.waitFor();
  const href = await field.inputValue();
  assert.match(href, new RegExp(`/data/${dataset}/presigned\\?account=${bob.address}&contract=${contract}&expires=\\d+&signature=[0-9a-f]{64}$`));
  assert.equal(await page.textContent('.gis-link .usage'), `gdalinfo "/vsicurl/${href}"`);
  // No header: the link alone reads the file, by ranges.
  const part = await fetch(href, { headers: { range: 'bytes=0-3' } });
  assert.equal(part.status, 206);
  assert.equal(await part.text(), 'Tree');
  await shot(page, '7-gis-link');
});

test('a later encrypted approval seals the dataset\'s one encryption key anew, and encrypts nothing', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const parcels = (await api.rpc.datasets.search({ q: 'Cadastral parcels', limit: 1 })).toJSON().items[0];
  const encryption = join(dataDir, 'store', String(parcels.id), 'data.enc');
  const before = readFileSync(encryption);
  const charlieKey = keyring.addFromUri('//Charlie');
  const requested = (await submit(api, api.tx.access.requestAccess(parcels.id, 'Flood risk by parcel', 10 * DAY, null), charlieKey)).events;
  const contract = requested.find((e) => api.events.access.AccessRequested.is(e)).data.contract.toNumber();
  await contractState(contract, 'requested');

  const { page } = users.Alice;
  await go(page, `#/contract/${contract}`);
  await page.check('form.decide input[name=sealed]');
  await page.waitForSelector('form.decide .hint:has-text("encrypted at your gateway")');
  assert.equal(await page.isVisible('form.decide input[name=data]'), false, 'no file to choose');
  await page.setInputFiles('form.decide input[name=key]', join(keysDir, 'nrp.key'));
  await page.click('form.decide button[type=submit]');
  assert.ok((await contractState(contract, 'approved')).envelope, 'approved with an envelope');
  assert.deepEqual(readFileSync(encryption), before, 'the one encryption, unchanged');

  // The new consumer opens that encryption with its own key file.
  const charlie = await open('Charlie');
  await go(charlie.page, `#/contract/${contract}`);
  await charlie.page.setInputFiles('.download input[name=key]', join(keysDir, 'environment.key'));
  const verified = await downloadNote(charlie.page);
  assert.equal(verified.kind, 'ok', verified.text);
  // The page reports the receipt on chain (Charlie's next transaction waits for it).
  await charlie.page.waitForSelector('.download .note.info:has-text("receipt is confirmed")', { timeout: 60_000 });
  assert.deepEqual(charlie.errors, []);
  await charlie.context.close();
  // Given up again: the wallet test below requests the same dataset for the same department.
  await submit(api, api.tx.access.relinquishAccess(contract), charlieKey);
  await contractState(contract, 'relinquished');
});

test('the publish form checks every field with the chain\'s rules before signing', async () => {
  const { page } = users.Alice;
  await go(page, `#/publish`);
  // Every required field has a default: the start date today, the location this gateway's URL for the new id.
  const today = new Date().toISOString().slice(0, 10);
  assert.equal(await page.inputValue('input[name=start]'), today);
  const next = (await api.query.datasets.nextDatasetId()).toNumber();
  await page.waitForFunction((u) => document.querySelector('input[name=uri]').value === u, `${gateway.url}/data/${next}`);
  await page.setInputFiles('input[name=file]', { name: 'notes.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n') });
  await page.waitForSelector('.hash-info:has-text("blake2b-256")');
  assert.equal(await page.inputValue('input[name=format]'), 'text/csv');
  const txs = await page.locator('.tx').count();
  const problem = async (name) => page.locator(`[name=${name}][aria-invalid=true]`).evaluate((el) => document.getElementById(el.getAttribute('aria-describedby')).textContent);
  // A licence that is no SPDX expression is refused as it is typed, and on Register nothing is signed.
  await page.fill('input[name=license]', 'Open Government Licence v3');
  assert.match(await problem('license'), /not an SPDX licence expression.*datasets\.InvalidLicense/);
  await page.fill('input[name=uri]', 'javascript:alert(1)');
  await page.fill('input[name=crs]', '4');
  await page.click('form.publish button[type=submit]');
  await page.waitForSelector('form.publish .note.error:has-text("Nothing was signed")');
  assert.match(await problem('uri'), /http\(s\) URL.*datasets\.InvalidUri/);
  assert.match(await problem('crs'), /datasets\.InvalidCrs/);
  assert.match(await problem('extentFile'), /Set the extent/);
  await page.fill('input[name=license]', 'other');
  assert.match(await problem('license'), /datasets\.LicenseUrlMissing/);
  await page.fill('input[name=licenseUrl]', 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/');
  assert.equal(await page.locator('[name=license][aria-invalid]').count(), 0);
  await page.fill('input[name=license]', 'MIT OR (Apache-2.0 WITH LLVM-exception)');
  assert.equal(await page.locator('[name=license][aria-invalid]').count(), 0);
  assert.equal(await page.locator('.tx').count(), txs, 'no transaction was sent');
  assert.equal((await api.query.datasets.nextDatasetId()).toNumber(), next);
  assert.deepEqual(users.Alice.errors, []);
});

test('a failed transaction shows the error\'s name and its documentation', async () => {
  // A request whose scope ends before it starts: the chain refuses it.
  const { page } = users.Alice;
  const gps = (await api.rpc.datasets.search({ q: 'Bus GPS traces', limit: 1 })).toJSON().items[0];
  await go(page, `#/dataset/${gps.id}`);
  await page.fill('form.request textarea[name=purpose]', 'Commuter flows across the zoning plan');
  await page.fill('form.request input[name=from]', '2024-03-20');
  await page.fill('form.request input[name=to]', '2024-03-10');
  await page.click('form.request button[type=submit]');
  const failed = page.locator('.tx[data-state=failed]', { hasText: 'access.InvalidScope' });
  await failed.waitFor({ timeout: 60_000 });
  assert.match(await failed.textContent(), /scope's box or interval is not valid/);
  await page.waitForSelector('form.request .note.error:has-text("access.InvalidScope")');
  assert.equal(await page.evaluate(() => location.hash), `#/dataset/${gps.id}`, 'the form stays, filled, to be corrected');
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
  // The seed stored its file at the gateway.
  await go(page, `#/dataset/${roads.id}`);
  assert.match((await downloadNote(page)).text, /^Verified/);
  assert.equal(signed.raws, 3);

  // A request, signed by the wallet from the transaction's payload.
  const parcels = (await api.rpc.datasets.search({ q: 'Cadastral parcels', limit: 1 })).toJSON().items[0];
  await go(page, `#/dataset/${parcels.id}`);
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
  await go(ferdie.page, `#/publish`);
  await ferdie.page.waitForSelector('.note.readonly:has-text("not a member of any department")');
  // It reads what anyone may: a public dataset, not a confidential one (dataset 0).
  await go(ferdie.page, `#/dataset/0`);
  await ferdie.page.waitForSelector('#side p:has-text("no public dataset with this id")').catch(async (e) => {
    throw new Error(`${e.message}\nthe page said: ${await ferdie.page.textContent('#side')}`);
  });
  const roads = (await api.rpc.datasets.search({ q: 'Road network', limit: 1 })).toJSON().items[0];
  await go(ferdie.page, `#/dataset/${roads.id}`);
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
  // The relay's connection was signed anew to reconnect (a signature is good
  // for one connection); the catalogue, read over HTTP, may be back first.
  const deadline = Date.now() + 60_000;
  while (watcher.sockets.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  assert.ok(watcher.sockets.length >= 2, `reconnected: ${watcher.sockets.length} connections`);
  assert.ok(watcher.sockets.every((url) => url.startsWith(relayPrefix())), watcher.sockets.join('\n'));
  assert.equal(new Set(watcher.sockets).size, watcher.sockets.length, 'each connection has its own signature');
  await watcher.context.close();
});
