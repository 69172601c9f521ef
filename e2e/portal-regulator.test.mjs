// The regulator's page in a browser: datasets over two districts and two
// years, requests by three departments (one with a purpose that is a
// spreadsheet formula and HTML), then Dave, the regulator, in Chromium
// types the centre district's box and picks 2024; the page shows exactly
// the accesses `audit_accessSearch` answers for that query at the page's
// block (the other district's and 2023's are not there), grouped by
// department and purpose, each row opening its audit entries, and its CSV
// and JSON exports hold those rows (the formula made inert, the HTML never
// markup), and axe-core finds no critical or serious violation on the
// page. A polygon clicked on the map inside the other district finds
// its access alone, as the RPC does for that polygon.
//
// Needs CITYCHAIN_NODE, CITYCHAIN_GATEWAY, Chromium (CITYCHAIN_CHROMIUM,
// default /usr/bin/chromium) and the portal built (npm run build in web/).
// The page's screenshot goes to $CITYCHAIN_SCREENSHOTS (default
// web/test-results); docs/explorer/7-accesses.png is a copy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { chromium } from 'playwright-core';
import { connect, finalizedAtLeast, httpRpc, sampleContent, startNode, submit } from './lib/node.mjs';
import { startGateway } from './lib/gateway.mjs';
import { noAxeViolations } from './lib/axe.mjs';
import { teardown } from './lib/teardown.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DIST = join(here, '..', 'web', 'dist');
const SHOTS = process.env.CITYCHAIN_SCREENSHOTS ?? join(here, '..', 'web', 'test-results');
const CHROMIUM = process.env.CITYCHAIN_CHROMIUM ?? '/usr/bin/chromium';
const DAY = 28_800; // blocks of 3 s

const CENTRE = [116.3, 39.9, 116.35, 39.95];
const EAST = [116.4, 39.9, 116.45, 39.95];
const CITY = [116.2, 39.85, 116.5, 40.0];
/** 2024 as the page asks for it (its year, UTC, both ends included). */
const YEAR_2024 = '2024-01-01T00:00:00.000Z/2024-12-31T23:59:59.999Z';
/** A purpose a spreadsheet would run and a page would parse, were either careless. */
const HOSTILE = '=HYPERLINK("https://evil.example/","<img src=x onerror=window.pwned=1>")';

let node; let api; let url; let gateway; let browser; let dir;
const contracts = {};

/** A JSON-RPC call to the node; its result, or throws its error. */
async function rpc(method, ...params) {
  const body = await (await httpRpc(url, method, params)).json();
  if (body.error) throw new Error(`${method}: ${body.error.message} ${JSON.stringify(body.error.data ?? '')}`);
  return body.result;
}

/** Every item `audit_accessSearch` answers for `query` at block `at`, page after page. */
async function searched(query, at) {
  const items = [];
  let cursor = null;
  do {
    const page = await rpc('audit_accessSearch', { ...query, limit: 2, ...(cursor ? { cursor } : {}) }, at);
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return items;
}

async function register(who, name, box, year) {
  const { events } = await submit(api, api.tx.datasets.registerDataset(
    { title: name, description: `${name} counts`, topic: 'Transportation', keywords: [], uri: `https://city.example/${name}.csv`, license: { expression: 'CC-BY-4.0', url: null } },
    sampleContent(box, year), 'ApprovalRequired', 'Internal'), who);
  return events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
}

async function request(who, dataset, purpose) {
  const { events } = await submit(api, api.tx.access.requestAccess(dataset, purpose, 10 * DAY, null), who);
  return events.find((e) => api.events.access.AccessRequested.is(e)).data.contract.toNumber();
}

/** RFC 4180 rows of `text` (quoted fields with doubled quotes, CRLF line ends). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell); rows.push(row); row = []; cell = ''; i += 1;
    } else cell += c;
  }
  assert.equal(cell + row.join(''), '', 'the CSV ends with a line end');
  return rows;
}

/** The file a click on `selector` downloads, as text. */
async function downloaded(page, selector) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
}

/** The contract ids the page's table and map show. */
async function shown(page) {
  const rows = await page.$$eval('table.accesses tr.access', (trs) => trs.map((tr) => Number(tr.dataset.contract)));
  const onMap = await page.$eval('#map', (m) => (m.dataset.accesses ? m.dataset.accesses.split(',').map(Number) : []));
  return { rows: [...rows].sort((a, b) => a - b), onMap: [...onMap].sort((a, b) => a - b) };
}

/** Runs the page's search and waits for its answer (the last one's summary gone first). */
async function search(page) {
  await page.evaluate(() => document.querySelector('#accesses-summary')?.remove());
  await page.click('#search-accesses');
  await page.waitForSelector('#accesses-summary', { timeout: 60_000 });
}

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), 'the portal is built: npm run build in web/');
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((u) => keyring.addFromUri(u));
  dir = mkdtempSync(join(tmpdir(), 'citychain-portal-regulator-'));
  node = await startNode();
  url = node.endpoint.replace(/^ws/, 'http');
  api = await connect(node.endpoint);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: dir, extraArgs: [`--explorer-dir=${DIST}`] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });

  // Alice's bureau (0) publishes the centre for 2023 and 2024, the east for 2024.
  const centre2023 = await register(alice, 'centre-2023', CENTRE, 2023);
  const centre2024 = await register(alice, 'centre-2024', CENTRE, 2024);
  const east2024 = await register(alice, 'east-2024', EAST, 2024);
  await Promise.all([
    (async () => { contracts.bobCentre = await request(bob, centre2024, 'planning: cycle paths'); })(),
    (async () => {
      contracts.charlieCentre = await request(charlie, centre2024, HOSTILE);
      contracts.charlieEast = await request(charlie, east2024, 'emergency: flood');
    })(),
    (async () => { contracts.daveCentre2023 = await request(dave, centre2023, 'supervision'); })(),
  ]);
  await submit(api, api.tx.access.approveRequest(contracts.bobCentre, null), alice);
  await submit(api, api.tx.access.approveRequest(contracts.charlieEast, null), alice);
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
});

after(() => teardown([browser, gateway, api, node], dir));

test('the regulator reads who obtained data about a district and a year, as audit_accessSearch answers, and exports it', { timeout: 180_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${gateway.url}/explorer/`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.selectOption('#account', { label: 'Dave (development)' });
  await page.waitForFunction(() => document.body.dataset.session === 'member', null, { timeout: 60_000 });
  // From the audit page to the regulator's.
  await page.goto(`${gateway.url}/explorer/#/audit`);
  await page.click('#to-accesses', { timeout: 60_000 });
  await page.waitForSelector('#side[data-page="#/audit/accesses"]:not([aria-busy]) #search-accesses', { timeout: 60_000 });

  // No area yet: the page asks for one and searches nothing.
  await page.click('#search-accesses');
  await page.waitForSelector('input[name=box][aria-invalid=true]');
  assert.equal(await page.$('#accesses-summary'), null);

  // The centre district's box, typed; 2024.
  await page.fill('input[name=box]', CENTRE.join(', '));
  await page.press('input[name=box]', 'Tab');
  await page.waitForSelector('input[name=box]:not([aria-invalid])');
  await page.selectOption('select[name=year]', '2024');
  assert.equal(await page.inputValue('input[name=data-from]'), '2024-01-01');
  assert.equal(await page.inputValue('input[name=data-to]'), '2024-12-31');
  await search(page);
  const summary = await page.$eval('#accesses-summary', (s) => ({ ...s.dataset }));
  assert.equal(summary.complete, 'true');
  const at = await rpc('chain_getBlockHash', Number(summary.at));
  const expected = await searched({ bbox: CENTRE, datetime: YEAR_2024 }, at);
  const ids = expected.map((i) => i.contract).sort((a, b) => a - b);
  assert.deepEqual(ids, [contracts.bobCentre, contracts.charlieCentre].sort((a, b) => a - b), 'what the RPC answers, by name');
  assert.deepEqual(await shown(page), { rows: ids, onMap: ids }, 'the table and the map show exactly what the RPC answers');
  assert.equal(Number(summary.count), ids.length);
  for (const other of [contracts.charlieEast, contracts.daveCentre2023]) assert.equal(await page.$(`tr.access[data-contract="${other}"]`), null);

  // Grouped by consumer department and purpose, with counts.
  const groups = await page.$$eval('table.accesses tbody', (bodies) => bodies.map((b) => ({
    department: Number(b.dataset.department),
    heads: [...b.querySelectorAll('tr.group th, tr.purpose-group th')].map((th) => th.textContent),
  })));
  assert.deepEqual(groups.map((g) => g.department).sort(), [1, 2]);
  const transport = groups.find((g) => g.department === 1).heads;
  assert.match(transport[0], /^Transport Bureau: 1 access$/);
  assert.match(transport[1], /: 1 access$/);
  assert.match(groups.find((g) => g.department === 2).heads[1], /^no purpose code: 1 access$/);

  // Stored text is text: the hostile purpose shows as typed, nothing of it runs.
  assert.equal(await page.textContent(`tr.access[data-contract="${contracts.charlieCentre}"] td.purpose`), HOSTILE);
  assert.equal(await page.$$eval('#side img', (imgs) => imgs.length), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);

  // Rows link to the contract and the dataset; a row opens its audit entries.
  const bob = expected.find((i) => i.contract === contracts.bobCentre);
  const row = `tr.access[data-contract="${bob.contract}"]`;
  assert.equal(await page.getAttribute(`${row} a[href="#/contract/${bob.contract}"]`, 'href'), `#/contract/${bob.contract}`);
  assert.equal(await page.textContent(`${row} a[href="#/dataset/${bob.dataset}"]`), 'centre-2024');
  await page.click(`${row} .trail-toggle`);
  await page.waitForSelector(`#trail-${bob.contract} .trail tbody tr`, { timeout: 30_000 });
  const trail = await page.$$eval(`#trail-${bob.contract} .trail tbody tr`, (trs) => trs.map((tr) => Number(tr.dataset.index)));
  assert.deepEqual(trail, bob.auditEntries);
  assert.equal(await page.getAttribute(`${row} .trail-toggle`, 'aria-expanded'), 'true');
  mkdirSync(SHOTS, { recursive: true });
  await page.$eval('#accesses-summary', (s) => s.scrollIntoView());
  await page.screenshot({ path: join(SHOTS, '7-accesses.png') });
  await noAxeViolations(page, 'the regulator\'s page with its accesses and a trail open');

  // The exports hold exactly those rows.
  const csv = await downloaded(page, '#export-csv');
  assert.equal(csv.name, `accesses-block-${summary.at}.csv`);
  assert.ok(csv.text.startsWith('\ufeff'), 'a byte order mark for spreadsheets');
  const [header, ...lines] = parseCsv(csv.text.slice(1));
  assert.deepEqual(header.slice(0, 4), ['contract', 'dataset', 'version', 'consumer']);
  const column = (name) => header.indexOf(name);
  assert.deepEqual(lines.map((l) => Number(l[column('contract')])).sort((a, b) => a - b), ids);
  const hostile = lines.find((l) => Number(l[column('contract')]) === contracts.charlieCentre);
  assert.equal(hostile[column('purpose')], `'${HOSTILE}`, 'a formula is made text');
  assert.ok(csv.text.includes(`"'${HOSTILE.replace(/"/g, '""')}"`), 'quoted, its quotes doubled');
  assert.equal(hostile[column('west')], String(CENTRE[0]));
  assert.equal(hostile[column('consumer_name')], 'Ecology and Environment Bureau');
  for (const l of lines) {
    const item = expected.find((i) => i.contract === Number(l[column('contract')]));
    assert.equal(l[column('outcome')], item.outcome);
    assert.equal(l[column('audit_entries')], item.auditEntries.join(';'));
    assert.equal(l[column('requested')], new Date(item.requested.time).toISOString());
  }
  const json = JSON.parse((await downloaded(page, '#export-json')).text);
  assert.deepEqual(json.at.number, Number(summary.at));
  assert.equal(json.complete, true);
  assert.deepEqual(json.query, { bbox: CENTRE, datetime: YEAR_2024 });
  assert.deepEqual([...json.items].sort((a, b) => a.contract - b.contract), [...expected].sort((a, b) => a.contract - b.contract));

  // The filters narrow as the RPC does: a consumer and an outcome; a purpose and an access time.
  const narrowed = async (query, expectedIds) => {
    await search(page);
    const found = JSON.parse((await downloaded(page, '#export-json')).text);
    assert.deepEqual(found.query, query);
    assert.deepEqual((await searched(query, found.at.hash)).map((i) => i.contract), expectedIds);
    assert.deepEqual(await shown(page), { rows: expectedIds, onMap: expectedIds });
  };
  await page.selectOption('select[name=consumer]', '2');
  await page.check('input[name=outcome][value=pending]');
  await narrowed({ bbox: CENTRE, datetime: YEAR_2024, consumer: [2], outcome: ['pending'] }, [contracts.charlieCentre]);
  await page.selectOption('select[name=consumer]', '');
  await page.uncheck('input[name=outcome][value=pending]');
  await page.selectOption('select[name=purpose]', 'planning');
  const today = new Date().toISOString().slice(0, 10);
  await page.fill('input[name=accessed-to]', today);
  const endOfToday = Date.parse(`${today}T00:00:00Z`) + 86_400_000 - 1;
  await narrowed({ bbox: CENTRE, datetime: YEAR_2024, purpose: 'planning', accessedTo: endOfToday }, [contracts.bobCentre]);
  // Accessed by yesterday: nothing (every request here was made today), and nothing to export.
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  await page.fill('input[name=accessed-to]', yesterday);
  await search(page);
  await page.waitForSelector('.found p.none');
  assert.equal(await page.$eval('#accesses-summary', (s) => s.dataset.count), '0');
  assert.equal(await page.isDisabled('#export-csv'), true);
  const at0 = await rpc('chain_getBlockHash', Number(await page.$eval('#accesses-summary', (s) => s.dataset.at)));
  assert.deepEqual(await searched({ bbox: CENTRE, datetime: YEAR_2024, purpose: 'planning', accessedTo: endOfToday - 86_400_000 }, at0), []);
  await page.selectOption('select[name=purpose]', '');
  await page.fill('input[name=accessed-to]', '');

  // A polygon clicked inside the east district: its access alone, as the RPC finds for that polygon.
  await page.fill('input[name=box]', CITY.join(', '));
  await page.press('input[name=box]', 'Tab');
  await page.waitForFunction((w) => Number(document.getElementById('map').dataset.view?.split(',')[0]) <= w, CITY[0]);
  const view = (await page.getAttribute('#map', 'data-view')).split(',').map(Number);
  const canvas = await page.locator('#map canvas').boundingBox();
  const mercator = (lat) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  const pixel = ([lon, lat]) => [
    canvas.x + ((lon - view[0]) / (view[2] - view[0])) * canvas.width,
    canvas.y + ((mercator(view[3]) - mercator(lat)) / (mercator(view[3]) - mercator(view[1]))) * canvas.height,
  ];
  await page.click('#draw-area-polygon');
  await page.waitForSelector('.draw-hint');
  for (const corner of [[116.41, 39.91], [116.44, 39.91], [116.44, 39.94], [116.41, 39.94]]) {
    await page.mouse.click(...pixel(corner));
    await page.waitForTimeout(350);
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('.draw-hint', { state: 'detached' });
  assert.match(await page.textContent('#area-text'), /the polygon drawn \(a polygon of 4 corners\)/);
  await search(page);
  const drawn = JSON.parse((await downloaded(page, '#export-json')).text);
  assert.equal(drawn.query.intersects.type, 'Polygon');
  for (const [lon, lat] of drawn.query.intersects.coordinates[0]) {
    assert.ok(lon > EAST[0] && lon < EAST[2] && lat > EAST[1] && lat < EAST[3], `corner ${lon},${lat} inside the east district`);
  }
  const inEast = await searched(drawn.query, drawn.at.hash);
  assert.deepEqual(inEast.map((i) => i.contract), [contracts.charlieEast]);
  assert.deepEqual(await shown(page), { rows: [contracts.charlieEast], onMap: [contracts.charlieEast] });
  assert.deepEqual(drawn.items, inEast);

  assert.deepEqual(errors, []);
  await context.close();
});
