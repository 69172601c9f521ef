// Aggregations, the harvestable catalogue and the bulk export against a
// running node and gateway: /aggregate counts exactly what /search pages
// return to an anonymous reader, a member and the regulator; the DCAT-AP 3
// catalogue (every page, Turtle and JSON-LD) passes the official DCAT-AP 3
// SHACL shapes (e2e/harvest/shacl) under pyshacl; owslib's OGC API Records
// client reads the records; a member's stac-geoparquet export holds every
// record the member may see, read back with pyarrow and geopandas.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, finalizedAtLeast } from './lib/node.mjs';
import { startGateway, authorization } from './lib/gateway.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const python = process.env.CITYCHAIN_HARVEST_PYTHON || 'python3';
const DEG = 10_000_000;
const SENSITIVITIES = ['Public', 'Internal', 'Confidential', 'Secret'];
const TOPICS = ['Transportation', 'Environment', 'Economy'];
const LICENCES = [{ expression: 'CC-BY-4.0', url: null }, { expression: 'ODbL-1.0', url: null }, { expression: 'other', url: 'https://city.example/terms' }];
let node; let api; let gateway; let dir; let k;

function runOk(args) {
  return new Promise((resolve, reject) => {
    execFile(python, [join(here, 'harvest', 'check.py'), ...args], { maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`check.py ${args[0]} failed:\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** GET `path` as `pair` (a signed request) or anonymously. */
async function get(path, pair) {
  const url = `${gateway.url}${path}`;
  const headers = pair ? { authorization: authorization(pair, 'GET', url) } : {};
  return fetch(url, { headers });
}

async function json(path, pair) {
  const response = await get(path, pair);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return response.json();
}

/** Every Item `/search` returns to `pair`, following next links. */
async function everything(query, pair) {
  const items = [];
  let path = `/search?limit=100${query}`;
  while (path) {
    const page = await json(path, pair);
    items.push(...page.features);
    const next = page.links.find((l) => l.rel === 'next');
    path = next ? next.href.slice(gateway.url.length) : null;
  }
  return items;
}

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  k = Object.fromEntries(['Alice', 'Bob', 'Charlie', 'Dave', 'Ferdie'].map((n) => [n.toLowerCase(), keyring.addFromUri(`//${n}`)]));
  dir = mkdtempSync(join(tmpdir(), 'citychain-harvest-'));
  node = await startNode();
  api = await connect(node.endpoint);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: dir });
  // Three departments' datasets of every sensitivity, topic and licence,
  // over Beijing and one across the antimeridian, sent without waiting.
  let n = 0;
  for (const signer of [k.alice, k.bob, k.charlie]) {
    let nonce = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
    for (let i = 0; i < 12; i += 1, n += 1) {
      const [w, s] = n === 5 ? [179.5, -17] : [116.2 + (n % 6) * 0.05, 39.8 + (n % 4) * 0.05];
      const e = n === 5 ? -179.5 : w + 0.02;
      const start = Date.UTC(2019 + (n % 4), n % 12, 1);
      const description = { title: `Harvest ${n}`, description: `Dataset ${n} for harvesting`, topic: TOPICS[n % 3], keywords: ['harvest'], uri: `https://data.city.example/h${n}`, license: LICENCES[n % 3] };
      const content = { bbox: { west: Math.round(w * DEG), south: Math.round(s * DEG), east: Math.round(e * DEG), north: Math.round((s + 0.02) * DEG) }, crs: 4326, time: { start, end: n % 5 === 0 ? null : start + 86_400_000 }, format: 'text/csv', hashCode: 0xb220, digest: `0x${'ab'.repeat(32)}`, size: 100 + n };
      await api.tx.datasets.registerDataset(description, content, n % 8 === 0 ? 'Open' : 'ApprovalRequired', SENSITIVITIES[n % 4]).signAndSend(signer, { nonce });
      nonce += 1;
    }
  }
  const deadline = Date.now() + 60_000;
  while ((await api.query.datasets.nextDatasetId()).toNumber() < n) {
    assert.ok(Date.now() < deadline, 'the registrations were included');
    await new Promise((r) => setTimeout(r, 500));
  }
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
  // The index applies a finalized block within a moment; a search waits for it.
  await json('/search?limit=1');
});

after(async () => {
  await api?.disconnect();
  await gateway?.stop();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('aggregations count exactly what /search returns to anonymous, a member and the regulator', async () => {
  const names = 'total_count,collection_frequency,topic_frequency,access_policy_frequency,license_frequency,datetime_frequency,centroid_geohash_grid_frequency,centroid_geotile_grid_frequency';
  const totals = [];
  for (const [reader, pair] of [['anonymous', null], ['Bob', k.bob], ['Dave (regulator)', k.dave]]) {
    for (const filter of ['', '&bbox=116.0,39.0,116.3,41.0', '&datetime=2020-01-01T00:00:00Z/..', '&q=harvest']) {
      const items = await everything(filter, pair);
      const counted = await json(`/aggregate?aggregations=${names}&centroid_geohash_grid_frequency_precision=5&centroid_geotile_grid_frequency_precision=9${filter}`, pair);
      assert.equal(counted.type, 'AggregationCollection');
      const by = (name) => Object.fromEntries(counted.aggregations.find((a) => a.name === name).buckets.map((b) => [b.key, b.frequency]));
      const tally = (key) => items.reduce((t, i) => { const v = key(i); t[v] = (t[v] ?? 0) + 1; return t; }, {});
      const total = counted.aggregations.find((a) => a.name === 'total_count').value;
      assert.equal(total, items.length, `${reader}${filter}: total_count`);
      assert.deepEqual(by('collection_frequency'), tally((i) => i.collection), `${reader}${filter}`);
      assert.deepEqual(by('topic_frequency'), tally((i) => i.properties['citychain:topic']), `${reader}${filter}`);
      assert.deepEqual(by('access_policy_frequency'), tally((i) => i.properties['citychain:access_policy']), `${reader}${filter}`);
      assert.deepEqual(by('license_frequency'), tally((i) => i.properties.license), `${reader}${filter}`);
      assert.deepEqual(by('datetime_frequency'), tally((i) => `${(i.properties.start_datetime ?? i.properties.datetime).slice(0, 4)}-01-01T00:00:00.000Z`), `${reader}${filter}`);
      for (const grid of ['centroid_geohash_grid_frequency', 'centroid_geotile_grid_frequency']) {
        assert.equal(Object.values(by(grid)).reduce((a, b) => a + b, 0), items.length, `${reader}${filter}: ${grid}`);
      }
      if (filter === '') totals.push(total);
    }
  }
  // Each reader sees more than the one before: nothing hidden was counted.
  assert.deepEqual(totals, [9, 9 + 9 + 9 + 3, 36]);
  // One collection's, by POST, and the bounds named.
  const bobs = await fetch(`${gateway.url}/collections/department-1/aggregate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ aggregations: ['total_count'] }) });
  assert.equal((await bobs.json()).aggregations[0].value, 3, "Bob's public datasets");
  const refused = await get('/aggregate?aggregations=centroid_geohash_grid_frequency&centroid_geohash_grid_frequency_precision=7');
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).description, /precision: at most 6/);
  assert.equal((await get('/aggregate?limit=5')).status, 400);
  const landing = await json('/');
  assert.ok(landing.links.some((l) => l.rel === 'aggregate' && l.method === 'POST' && l.aggregations.includes('datetime_frequency')));
  assert.ok(landing.conformsTo.includes('https://api.stacspec.org/v0.3.0/aggregation'));
  assert.equal((await json('/aggregations')).aggregations.length, 10);
});

test('the DCAT-AP 3 catalogue passes the official SHACL shapes on every page and holds the public datasets', async () => {
  const report = await runOk(['dcat', gateway.url, join(here, 'harvest', 'shacl')]);
  assert.deepEqual(report.violations, []);
  assert.equal(report.total, 9);
  assert.equal(report.pages, 2, '9 datasets, 7 a page');
  assert.equal(new Set(report.datasets).size, 9);
  assert.equal(report.jsonld_datasets, 9);
  assert.deepEqual(report.types, ['text/turtle', 'text/turtle', 'application/ld+json', 'text/turtle']);
  const publicIds = (await everything('')).map((i) => `${gateway.url}/collections/${i.collection}/items/${i.id}`).sort();
  assert.deepEqual([...new Set(report.datasets)].sort(), publicIds);
});

test("owslib's OGC API - Records client reads the records", async () => {
  const report = await runOk(['records', gateway.url]);
  assert.deepEqual(report.catalogues, ['catalogue']);
  assert.ok(report.conformance.includes('http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/core'));
  const publicItems = await everything('');
  assert.deepEqual(report.ids.sort(), publicItems.map((i) => i.id).sort());
  const boxed = await everything('&bbox=116.0,39.0,116.45,41.0');
  assert.deepEqual(report.bbox_ids.sort(), boxed.map((i) => i.id).sort());
  assert.equal(report.one.properties.type, 'dataset');
  assert.ok(report.one.links.some((l) => l.rel === 'enclosure' && l.href === `${gateway.url}/data/${report.one.id}`));
  // The STAC API's own collections stay STAC: no record catalogue among them.
  assert.ok((await json('/collections')).collections.every((c) => c.type === 'Collection'));
});

test("a member's stac-geoparquet export round-trips every record it may see, and only members may export", async () => {
  const response = await get('/export', k.bob);
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(response.headers.get('content-type'), 'application/vnd.apache.parquet');
  const file = join(dir, 'bob.parquet');
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  const report = await runOk(['export', file]);
  const visible = (await everything('', k.bob)).map((i) => i.id).sort();
  assert.equal(visible.length, 30);
  assert.deepEqual(report.ids, visible);
  assert.equal(report.geo.primary_column, 'geometry');
  assert.equal(report.stac_geoparquet.version, '1.0.0');
  assert.ok(report.bounds_ok, 'the WKB geometries lie where the bboxes say');
  assert.ok(report.geometry_types.includes('MultiPolygon'), 'the box across the antimeridian');
  for (const column of ['id', 'geometry', 'bbox', 'datetime', 'citychain:sensitivity', 'license']) assert.ok(report.columns.includes(column), column);
  assert.equal((await get('/export')).status, 401, 'anonymous');
  assert.equal((await get('/export', k.ferdie)).status, 403, 'Ferdie belongs to no department');
});
