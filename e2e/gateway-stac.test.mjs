// citychain-gateway's STAC API read by pystac-client: collections per
// department with their extents, item search with bbox and datetime through
// GET and POST with paging, a collection's items, and the node restarting
// under the gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, submit, finalizedAtLeast, sampleContent } from './lib/node.mjs';
import { startGateway } from './lib/gateway.mjs';

const here = dirname(fileURLToPath(import.meta.url));
let node; let api; let gateway; let dir;
const ids = {};

/** Registers a dataset as `signer` over `[w, s, e, n]` in `year`; its id. */
async function register(signer, title, box, year) {
  const { events } = await submit(api, api.tx.datasets.registerDataset(
    { title, description: `${title} (${year})`, topic: 'Transportation', keywords: [], uri: 'https://gw.example/data', license: { expression: 'CC-BY-4.0', url: null } },
    sampleContent(box, year),
    'ApprovalRequired',
    'Public',
  ), signer);
  return events.find((ev) => api.events.datasets.DatasetRegistered.is(ev)).data.dataset.toString();
}

function pystac(query) {
  const python = process.env.CITYCHAIN_PYTHON || 'python3';
  return new Promise((resolve, reject) => {
    execFile(python, [join(here, 'stac', 'gateway_client.py'), gateway.url, JSON.stringify(query)],
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))));
  });
}

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob] = ['//Alice', '//Bob'].map((u) => keyring.addFromUri(u));
  dir = mkdtempSync(join(tmpdir(), 'citychain-stac-'));
  node = await startNode();
  api = await connect(node.endpoint);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: dir });
  // Five of Alice's in the city centre over three years, one far away, one of Bob's.
  for (let i = 0; i < 5; i += 1) {
    ids[`centre${i}`] = await register(alice, `Centre ${i}`, [116.38 + i * 0.01, 39.90, 116.40 + i * 0.01, 39.92], 2022 + (i % 3));
  }
  ids.far = await register(alice, 'Far', [121.4, 31.1, 121.5, 31.2], 2023);
  ids.bob = await register(bob, 'Bob centre', [116.39, 39.91, 116.41, 39.93], 2023);
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  await finalizedAtLeast(api, best);
});

after(async () => {
  await gateway?.stop();
  await api?.disconnect();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('pystac-client searches with bbox and datetime, pages through GET and POST, and reads collections', async () => {
  const report = await pystac({
    bbox: [116.35, 39.85, 116.45, 39.95], datetime: '2023-01-01T00:00:00Z/2024-12-31T23:59:59Z', limit: 2, collection: 'department-0',
  });
  // Centre datasets of 2023 and 2024 (i = 1, 2, 4) and Bob's of 2023.
  const expected = [ids.centre1, ids.centre2, ids.centre4, ids.bob];
  for (const method of ['GET', 'POST']) {
    assert.deepEqual(report.search[method].ids, expected, method);
    assert.equal(report.search[method].pages, 2, `${method}: two pages of two`);
  }
  const centre = report.collections['department-0'];
  assert.deepEqual(centre.bbox, [116.38, 31.1, 121.5, 39.92]);
  assert.equal(centre.interval[0], '2022-01-01T00:00:00+00:00');
  assert.ok(report.collections['department-1'], 'a collection per department');
  assert.deepEqual(report.collectionItems, [0, 1, 2, 3, 4].map((i) => ids[`centre${i}`]).concat(ids.far).sort());
  assert.ok(report.oneItem);
});

test('item search takes intersects, several collections, and clamps the limit', async () => {
  const centre = { type: 'Point', coordinates: [116.405, 39.915] };
  const get = await (await fetch(`${gateway.url}/search?intersects=${encodeURIComponent(JSON.stringify(centre))}&limit=100`)).json();
  assert.deepEqual(get.features.map((f) => f.id), [ids.centre1, ids.centre2, ids.bob]);
  const post = await (await fetch(`${gateway.url}/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ intersects: centre, collections: ['department-0', 'department-1'], limit: 100 }),
  })).json();
  assert.deepEqual(post.features.map((f) => f.id), [ids.centre1, ids.centre2, ids.bob]);
  const both = await (await fetch(`${gateway.url}/search?collections=department-0,department-1&limit=5000`)).json();
  assert.equal(both.features.length, 7, 'a limit above the maximum is clamped, not refused');
  const filter = encodeURIComponent("title LIKE 'Centre%' AND start_datetime >= TIMESTAMP('2024-01-01T00:00:00Z')");
  const filtered = await (await fetch(`${gateway.url}/search?filter=${filter}&filter-lang=cql2-text&limit=100`)).json();
  assert.deepEqual(filtered.features.map((f) => f.id), [ids.centre2]);
  const huge = await (await fetch(`${gateway.url}/search?limit=100000000000000000000`)).json();
  assert.equal(huge.features.length, 7, 'however large');
});

test('item search sorts (sortby); its next link continues in that order and prev leads back', async () => {
  const newestFirst = Object.values(ids).sort((a, b) => Number(b) - Number(a)).map(String);
  const first = await (await fetch(`${gateway.url}/search?sortby=-id&limit=4`)).json();
  assert.deepEqual(first.features.map((f) => f.id), newestFirst.slice(0, 4));
  const next = first.links.find((l) => l.rel === 'next');
  assert.match(next.href, /sortby=-id/);
  const second = await (await fetch(next.href)).json();
  assert.deepEqual(second.features.map((f) => f.id), newestFirst.slice(4));
  assert.equal(first.links.find((l) => l.rel === 'prev'), undefined, 'the first page has no prev');
  const back = await (await fetch(second.links.find((l) => l.rel === 'prev').href)).json();
  assert.deepEqual(back.features.map((f) => f.id), newestFirst.slice(0, 4), 'prev leads back to the first page');
  assert.equal(back.links.find((l) => l.rel === 'prev'), undefined);
  assert.deepEqual((await (await fetch(back.links.find((l) => l.rel === 'next').href)).json()).features.map((f) => f.id),
    newestFirst.slice(4));
  const posted = await (await fetch(`${gateway.url}/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sortby: [{ field: 'id', direction: 'desc' }], limit: 100 }),
  })).json();
  assert.deepEqual(posted.features.map((f) => f.id), newestFirst);
  const conformance = await (await fetch(`${gateway.url}/conformance`)).json();
  assert.ok(conformance.conformsTo.includes('https://api.stacspec.org/v1.0.0/item-search#sort'));
});

test('item search takes free text (q): words or phrases, best matches first, paged', async () => {
  // "Far" is in one title and its description (4 + 1), "2024" in one description (1).
  const first = await (await fetch(`${gateway.url}/search?q=far,2024&limit=1`)).json();
  assert.deepEqual(first.features.map((f) => f.id), [ids.far]);
  const second = await (await fetch(first.links.find((l) => l.rel === 'next').href)).json();
  assert.deepEqual(second.features.map((f) => f.id), [ids.centre2]);
  assert.equal(second.links.find((l) => l.rel === 'next'), undefined);
  const phrase = await (await fetch(`${gateway.url}/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ q: ['Bob centre'], limit: 10 }),
  })).json();
  assert.deepEqual(phrase.features.map((f) => f.id), [ids.bob]);
  const conformance = await (await fetch(`${gateway.url}/conformance`)).json();
  assert.ok(conformance.conformsTo.includes('https://api.stacspec.org/v1.0.0-rc.1/item-search#free-text'));
});

test('an Item through the gateway is the node\'s Item with absolute links, its licence links included', async () => {
  const fromGateway = await (await fetch(`${gateway.url}/collections/department-0/items/${ids.far}`)).json();
  const fromNode = (await api.rpc.datasets.stacItem(ids.far)).toJSON();
  assert.deepEqual(fromGateway.properties, fromNode.properties);
  const licences = (item) => item.links.filter((l) => l.rel === 'license').map((l) => l.href);
  assert.deepEqual(licences(fromGateway), ['https://spdx.org/licenses/CC-BY-4.0.html']);
  assert.deepEqual(licences(fromGateway), licences(fromNode));
  for (const l of fromGateway.links) assert.match(l.href, /^https?:\/\//, `${l.rel} is absolute`);
  const self = fromGateway.links.find((l) => l.rel === 'self').href;
  assert.equal(self, `${gateway.url}/collections/department-0/items/${ids.far}`);
});

test('bad STAC requests get 400 or 404 with a reason', async () => {
  const cases = [
    ['/search?bbox=1,2,3', 400, /malformed bbox/],
    ['/search?datetime=yesterday', 400, /malformed datetime/],
    ['/search?colour=red', 400, /unsupported parameter "colour"/],
    ['/search?limit=0', 400, /limit: must be at least 1/],
    ['/search?limit=-5', 400, /limit: "-5" is not a positive integer/],
    ['/search?filter=colour%3D1', 400, /filter: "colour" is not queryable/],
    ['/search?filter=title%20%3D', 400, /filter:/],
    ['/search?fields=a..b', 400, /fields: "a..b" is not a dotted path/],
    ['/search?intersects={"type":"Polygon","coordinates":[[[0,0],[1,1]]]}', 400, /intersects: a polygon ring of 2 position/],
    ['/search?bbox=0,0,1,1&intersects={"type":"Point","coordinates":[0,0]}', 400, /bbox and intersects/],
    ['/search?sortby=geometry', 400, /sortby: "geometry" is not sortable/],
    ['/search?intersects={', 400, /intersects: not GeoJSON/],
    ['/search?q=,', 400, /q: the term "" has no word in it/],
    ['/search?collections=department-0,elsewhere', 400, /unknown collection/],
    ['/collections/nowhere', 404, /no collection/],
    ['/collections/department-0/items/999999', 404, /no item/],
    [`/collections/department-1/items/${ids.centre0}`, 404, /no item/],
  ];
  for (const [path, status, reason] of cases) {
    const r = await fetch(`${gateway.url}${path}`);
    assert.equal(r.status, status, path);
    assert.match((await r.json()).description, reason, path);
  }
  const post = await fetch(`${gateway.url}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1]' });
  assert.equal(post.status, 400);
});

test('the gateway reconnects when its node restarts', async () => {
  const before = await (await fetch(`${gateway.url}/health`)).json();
  assert.ok(before.finalized.number > 0);
  await node.restart(async () => {
    const down = await fetch(`${gateway.url}/health`);
    assert.equal(down.status, 503);
  });
  const deadline = Date.now() + 30_000;
  let health;
  while (Date.now() < deadline) {
    health = await fetch(`${gateway.url}/health`);
    if (health.ok) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(health.status, 200);
  const search = await fetch(`${gateway.url}/search?ids=${ids.far}`);
  assert.equal((await search.json()).features[0].id, ids.far);
});
