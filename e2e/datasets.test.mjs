// The dataset registry through a running node: department publishers register
// datasets, anyone finds them with datasets_search and datasets_stacSearch
// (the node's search index, at the finalized head),
// the STAC output validates with pystac and stac-pydantic, and bad queries get
// clear errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, submit, finalizedAtLeast } from './lib/node.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DEG = 10_000_000;
const fixed = (d) => Math.round(d * DEG);
const box = (w, s, e, n) => ({ west: fixed(w), south: fixed(s), east: fixed(e), north: fixed(n) });
const ms = (iso) => Date.parse(iso);

let node;
let api;
let alice; // Natural Resources and Planning Bureau: all roles
let bob; // Transport Bureau: all roles
const ids = {};

function description(title, topic, keywords) {
  return {
    title,
    description: `${title}, published by a CityChain department`,
    topic,
    keywords,
    uri: `https://data.city.example/${encodeURIComponent(title)}.geojson`,
    license: { expression: 'CC-BY-4.0', url: null },
  };
}

function content(bbox, start, end, bytes) {
  return {
    bbox,
    crs: 4326,
    time: { start: ms(start), end: end ? ms(end) : null },
    format: 'application/geo+json',
    hashCode: 0xb220,
    digest: blake2AsHex(bytes, 256),
    size: bytes.length,
  };
}

/** Resolves once the block that included `submitted` (a `submit` result) is finalized. */
async function finalized(submitted) {
  const { number } = await api.rpc.chain.getHeader(submitted.blockHash);
  return finalizedAtLeast(api, number.toNumber());
}

async function register(signer, desc, cont, policy = 'ApprovalRequired', sensitivity = 'Internal') {
  const submitted = await submit(
    api,
    api.tx.datasets.registerDataset(desc, cont, policy, sensitivity),
    signer,
  );
  await finalized(submitted);
  const registered = submitted.events.find((e) => api.events.datasets.DatasetRegistered.is(e));
  assert.ok(registered, 'DatasetRegistered event');
  return registered.data.dataset.toNumber();
}

async function rpcError(promise) {
  try {
    await promise;
  } catch (e) {
    return e.message;
  }
  assert.fail('the call should have failed');
}

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
  node = await startNode();
  api = await connect(node.endpoint);

  ids.roads = await register(
    bob,
    description('Road network', 'Transportation', ['roads', 'network']),
    content(box(115.4, 39.4, 117.5, 41.1), '2023-01-01T00:00:00Z', null, new Uint8Array([1, 2, 3])),
    'Open',
    'Public',
  );
  ids.counts = await register(
    bob,
    description('Junction traffic counts 2024', 'Transportation', ['traffic', 'junctions']),
    content(box(116.30, 39.85, 116.50, 40.00), '2024-01-01T00:00:00Z', '2024-12-31T23:59:59Z', new Uint8Array([4, 5])),
  );
  ids.parcels = await register(
    alice,
    description('Land parcels', 'PlanningCadastre', ['cadastre', 'parcels']),
    content(box(116.10, 39.70, 116.70, 40.20), '2022-06-01T00:00:00Z', '2022-06-01T00:00:00Z', new Uint8Array([6])),
    'Restricted',
    'Confidential',
  );
  ids.pacific = await register(
    alice,
    description('Pacific cable landing sites', 'UtilitiesCommunication', ['cables']),
    content(box(178.5, -19.0, -178.5, -16.0), '2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z', new Uint8Array([7])),
  );
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

test('datasets_get returns the record as registered', async () => {
  const d = (await api.rpc.datasets.get(ids.counts)).toJSON();
  assert.equal(d.id, ids.counts);
  assert.equal(d.title, 'Junction traffic counts 2024');
  assert.equal(d.owner, 1);
  assert.equal(d.publisher, bob.address);
  assert.deepEqual(d.bbox, [116.3, 39.85, 116.5, 40]);
  assert.equal(d.contentHash.function, 'blake2b-256');
  assert.match(d.contentHash.multihash, /^a0e40220[0-9a-f]{64}$/);
  assert.equal(d.status, 'active');
  assert.equal(d.policy, 'approvalRequired');
  assert.deepEqual(d.license, { expression: 'CC-BY-4.0', url: null });
  assert.ok((await api.rpc.datasets.get(9999)).isEmpty, 'null for an unknown id');
});

test('a licence is an SPDX expression, or other with its terms, in the record and its STAC Item', async () => {
  const relicensed = { expression: 'LicenseRef-Transport-Open-1.0 OR ODbL-1.0', url: 'https://transport.city.example/terms' };
  await finalized(await submit(
    api,
    api.tx.datasets.updateMetadata(ids.counts, { title: null, description: null, topic: null, keywords: null, uri: null, license: relicensed }),
    bob,
  ));
  assert.deepEqual((await api.rpc.datasets.get(ids.counts)).toJSON().license, relicensed);
  const item = (await api.rpc.datasets.stacItem(ids.counts)).toJSON();
  assert.equal(item.properties.license, relicensed.expression);
  assert.deepEqual(
    item.links.filter((l) => l.rel === 'license').map((l) => l.href),
    ['https://transport.city.example/terms', 'https://spdx.org/licenses/ODbL-1.0.html'],
  );
  const filtered = (await api.rpc.datasets.stacSearch({ filter: `license = '${relicensed.expression}'` })).toJSON();
  assert.deepEqual(filtered.features.map((f) => f.id), [String(ids.counts)]);

  const update = (license) => submit(
    api,
    api.tx.datasets.updateMetadata(ids.counts, { title: null, description: null, topic: null, keywords: null, uri: null, license }),
    bob,
  );
  await assert.rejects(update({ expression: 'CC BY 4.0', url: null }), /datasets\.InvalidLicense/);
  await assert.rejects(update({ expression: 'other', url: null }), /datasets\.LicenseUrlMissing/);
  await assert.rejects(update({ expression: 'MIT', url: '' }), /datasets\.EmptyLicenseUrl/);
  assert.deepEqual((await api.rpc.datasets.get(ids.counts)).toJSON().license, relicensed, 'unchanged');
});

test('datasets_search finds datasets by bbox and time', async () => {
  const search = async (params) =>
    (await api.rpc.datasets.search(params)).toJSON().items.map((d) => d.id);
  const downtown = [116.38, 39.90, 116.42, 39.93];
  assert.deepEqual(await search({ bbox: downtown }), [ids.roads, ids.counts, ids.parcels]);
  assert.deepEqual(
    await search({ bbox: downtown, datetime: '2024-03-01T00:00:00Z/2024-04-01T00:00:00Z' }),
    [ids.roads, ids.counts],
  );
  assert.deepEqual(await search({ datetime: '../2022-12-31T00:00:00Z' }), [ids.parcels, ids.pacific]);
  assert.deepEqual(await search({ bbox: '179.5,-18,179.9,-17' }), [ids.pacific]);
  assert.deepEqual(await search({ bbox: [-179.9, -18, -179.5, -17] }), [ids.pacific]);
  assert.deepEqual(await search({ owner: 0 }), [ids.parcels, ids.pacific]);
  assert.deepEqual(await search({ topics: ['planningCadastre'] }), [ids.parcels]);
  assert.deepEqual(await search({ text: 'TRAFFIC' }), [ids.counts]);
});

test('free text (q) finds whole words, best matches first; fields chooses what an item carries', async () => {
  const search = async (params) => (await api.rpc.datasets.search(params)).toJSON().items;
  const ranked = async (q) => (await search({ q })).map((d) => d.id);
  // "land" is a word of "Land parcels" (title: 4), "cables" a keyword of the
  // cable landing sites (2); "landing" and "cable" are other words.
  assert.deepEqual(await ranked('cables, LAND'), [ids.parcels, ids.pacific]);
  // Equal ranks (title and keyword each) keep id order.
  assert.deepEqual(await ranked(['parcels', 'network']), [ids.roads, ids.parcels]);
  assert.deepEqual(await ranked('published by'), [ids.roads, ids.counts, ids.parcels, ids.pacific]);
  const slim = await search({ q: 'land', fields: ['title', 'bbox'] });
  assert.deepEqual(slim, [{ id: ids.parcels, title: 'Land parcels', bbox: slim[0].bbox }]);
  assert.equal(slim[0].bbox.length, 4);
});

test('a search answers at the finalized head and says which block that is', async () => {
  const page = (await api.rpc.datasets.search({ limit: 1 })).toJSON();
  const head = await api.rpc.chain.getFinalizedHead();
  const { number } = await api.rpc.chain.getHeader(head);
  assert.ok(page.at.number <= number.toNumber() && page.at.number >= number.toNumber() - 2, `${page.at.number} vs #${number}`);
  assert.equal(page.at.hash, (await api.rpc.chain.getBlockHash(page.at.number)).toHex());
  const stac = (await api.rpc.datasets.stacSearch({ limit: 1 }, head)).toJSON();
  assert.ok(stac.at.number >= number.toNumber(), 'never older than the block asked for');
  assert.match(await rpcError(api.rpc.datasets.search({}, `0x${'01'.repeat(32)}`)), /at: unknown block/);
});

test('datasets_search pages with a cursor', async () => {
  const first = (await api.rpc.datasets.search({ limit: 3 })).toJSON();
  assert.deepEqual(first.items.map((d) => d.id), [ids.roads, ids.counts, ids.parcels]);
  assert.equal(typeof first.next, 'string', 'an opaque token');
  const second = (await api.rpc.datasets.search({ limit: 3, cursor: first.next })).toJSON();
  assert.deepEqual(second.items.map((d) => d.id), [ids.pacific]);
  assert.equal(second.next, null);
  assert.deepEqual(second.at, first.at, 'every page answers at the block of the first');
  assert.match(await rpcError(api.rpc.datasets.search({ cursor: 'zz' })), /cursor: malformed cursor/);
});

test('sortby orders by any sortable field, both ways, and pages in that order', async () => {
  const titles = async (sortby, limit = 10) => {
    const seen = [];
    let cursor = null;
    do {
      const page = (await api.rpc.datasets.search({ sortby, limit, cursor })).toJSON();
      seen.push(...page.items.map((d) => d.title));
      cursor = page.next;
    } while (cursor);
    return seen;
  };
  const byTitle = ['Junction traffic counts 2024', 'Land parcels', 'Pacific cable landing sites', 'Road network'];
  assert.deepEqual(await titles('title', 1), byTitle);
  assert.deepEqual(await titles([{ field: 'title', direction: 'desc' }], 3), [...byTitle].reverse());
  // The topic by its name; within one topic, the newest start first.
  assert.deepEqual(await titles('+citychain:topic,-datetime'), [
    'Land parcels', 'Junction traffic counts 2024', 'Road network', 'Pacific cable landing sites',
  ]);
  assert.match(await rpcError(api.rpc.datasets.search({ sortby: 'geometry' })), /sortby: "geometry" is not sortable \(sortable: id, datetime/);
  const first = (await api.rpc.datasets.search({ sortby: 'title', limit: 1 })).toJSON();
  assert.match(await rpcError(api.rpc.datasets.search({ cursor: first.next })), /cursor: made for another sortby/);
});

test('the DatasetsApi runtime API decodes from metadata alone', async () => {
  const first = await api.call.datasetsApi.datasetsOf(1, null, 1);
  assert.deepEqual(first.items.map((i) => i.id.toNumber()), [ids.roads]);
  assert.equal(first.items[0].dataset.title.toUtf8(), 'Road network');
  const rest = await api.call.datasetsApi.datasetsOf(1, first.next, 10);
  assert.deepEqual(rest.items.map((i) => i.id.toNumber()), [ids.counts]);
  assert.ok(rest.next.isNone);
  // A limit of 0 is clamped to 1, not refused.
  assert.equal((await api.call.datasetsApi.datasetsOf(0, null, 0)).items.length, 1);
  const one = await api.call.datasetsApi.dataset(ids.pacific);
  assert.equal(one.unwrap().bbox.west.toNumber(), fixed(178.5));
  assert.deepEqual((await api.call.datasetsApi.history(ids.pacific)).map((id) => id.toNumber()), [ids.pacific]);
});

test('versions are linked both ways and shown as STAC version links', async () => {
  const bytes = new Uint8Array([4, 5, 6]);
  const submitted = await submit(
    api,
    api.tx.datasets.publishVersion(
      ids.counts,
      content(box(116.30, 39.85, 116.50, 40.00), '2024-01-01T00:00:00Z', '2024-12-31T23:59:59Z', bytes),
      null,
    ),
    bob,
  );
  await finalized(submitted);
  const published = submitted.events.find((e) => api.events.datasets.VersionPublished.is(e));
  ids.counts2 = published.data.dataset.toNumber();
  assert.deepEqual((await api.rpc.datasets.history(ids.counts)).toJSON(), [ids.counts, ids.counts2]);
  const old = (await api.rpc.datasets.stacItem(ids.counts)).toJSON();
  const rels = Object.fromEntries(old.links.map((l) => [l.rel, l.href]));
  assert.equal(rels['latest-version'], `./${ids.counts2}`);
  assert.equal(rels['successor-version'], `./${ids.counts2}`);
  assert.equal(old.properties['citychain:status'], 'superseded');
  const fresh = (await api.rpc.datasets.stacItem(ids.counts2)).toJSON();
  assert.equal(fresh.properties.version, '2');
  assert.equal(
    fresh.links.find((l) => l.rel === 'predecessor-version').href,
    `./${ids.counts}`,
  );
});

test('datasets_stacSearch answers STAC item search with next and prev tokens', async () => {
  const search = async (params) => (await api.rpc.datasets.stacSearch(params)).toJSON();
  const page1 = await search({ bbox: '116.38,39.90,116.42,39.93', datetime: '2024-01-01T00:00:00Z/..', limit: 1 });
  assert.equal(page1.type, 'FeatureCollection');
  assert.deepEqual(page1.features.map((f) => f.id), [String(ids.roads)]);
  const next = page1.links.find((l) => l.rel === 'next');
  assert.ok(next, 'next link');
  assert.equal(next.href, `?token=${page1.token}`);
  const page2 = await search({ bbox: '116.38,39.90,116.42,39.93', datetime: '2024-01-01T00:00:00Z/..', limit: 5, token: page1.token });
  assert.deepEqual(page2.features.map((f) => f.id), [String(ids.counts), String(ids.counts2)]);
  assert.deepEqual(page2.links.map((l) => l.rel), ['prev'], 'the last page leads back only');
  assert.equal(page1.prevToken, null);
  const back = await search({ bbox: '116.38,39.90,116.42,39.93', datetime: '2024-01-01T00:00:00Z/..', limit: 1, token: page2.prevToken });
  assert.deepEqual(back.features.map((f) => f.id), [String(ids.roads)]);
  const named = await search({ ids: [String(ids.pacific), '424242'] });
  assert.deepEqual(named.features.map((f) => f.id), [String(ids.pacific)]);
  assert.equal(named.features[0].geometry.type, 'MultiPolygon');
  const byDepartment = await search({ collections: ['department-0'] });
  assert.deepEqual(byDepartment.features.map((f) => f.id), [String(ids.parcels), String(ids.pacific)]);
});

test('STAC output validates with pystac and stac-pydantic', async () => {
  const items = [];
  for (const id of Object.values(ids)) items.push((await api.rpc.datasets.stacItem(id)).toJSON());
  const itemCollections = [
    (await api.rpc.datasets.stacSearch({ limit: 2 })).toJSON(),
    (await api.rpc.datasets.stacSearch({ bbox: [178, -20, -178, -15] })).toJSON(),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'citychain-stac-'));
  try {
    const file = join(dir, 'stac.json');
    writeFileSync(file, JSON.stringify({ items, itemCollections }));
    const python = process.env.CITYCHAIN_PYTHON || 'python3';
    const out = execFileSync(python, [join(here, 'stac', 'validate.py'), file], { encoding: 'utf8' });
    assert.match(out, new RegExp(`valid: ${items.length} items, 2 item collections`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the index answers several owners, ids, keywords, policies, sensitivities and any geometry', async () => {
  const search = async (params) =>
    (await api.rpc.datasets.search(params)).toJSON().items.map((d) => d.id);
  assert.deepEqual(await search({ owners: [0, 1], limit: 100 }), [ids.roads, ids.counts, ids.parcels, ids.pacific, ids.counts2]);
  assert.deepEqual(await search({ ids: [ids.pacific, ids.roads, 4242] }), [ids.roads, ids.pacific]);
  assert.deepEqual(await search({ keywords: ['CABLES', 'cadastre'] }), [ids.parcels, ids.pacific]);
  assert.deepEqual(await search({ policies: ['restricted'] }), [ids.parcels]);
  assert.deepEqual(await search({ sensitivities: ['public', 'confidential'] }), [ids.roads, ids.parcels]);
  // A line through downtown misses the Pacific; a point east of the
  // antimeridian finds it; a triangle whose box covers the parcels' corner
  // but which does not reach them finds nothing there.
  const line = { type: 'LineString', coordinates: [[116.35, 39.95], [116.45, 39.95]] };
  assert.deepEqual(await search({ intersects: line }), [ids.roads, ids.counts, ids.parcels, ids.counts2]);
  assert.deepEqual(await search({ intersects: { type: 'Point', coordinates: [-179, -17.5] } }), [ids.pacific]);
  const triangle = { type: 'Polygon', coordinates: [[[116.65, 40.3], [116.9, 40.3], [116.9, 40.15], [116.65, 40.3]]] };
  assert.deepEqual(await search({ intersects: triangle, owner: 0 }), []);
  assert.deepEqual(await search({ filter: `"citychain:topic" = 'transportation' AND version = '2'` }), [ids.counts2]);
  const json = { op: 'and', args: [{ op: '=', args: [{ property: 'citychain:owner' }, 0] }, { op: 's_intersects', args: [{ property: 'geometry' }, { type: 'Point', coordinates: [116.2, 39.8] }] }] };
  assert.deepEqual(await search({ filter: json }), [ids.parcels]);
  assert.deepEqual((await api.rpc.datasets.stacSearch({ filter: "title LIKE 'Land%'", 'filter-lang': 'cql2-text' })).toJSON().features.map((f) => f.id), [String(ids.parcels)]);
  assert.equal((await api.rpc.datasets.search({ limit: 0 })).toJSON().items.length, 1, 'limit 0 is clamped to 1');
  assert.equal((await api.rpc.datasets.search({ limit: 1000 })).toJSON().items.length, 5, 'limit 1000 to 100');
});

test('bad queries get clear errors', async () => {
  const cases = [
    [{ bbox: '1,2,3' }, /malformed bbox/],
    [{ bbox: [0, 10, 1, 5] }, /south is above north/],
    [{ bbox: [0, 0, 1, 95] }, /latitude outside/],
    [{ datetime: 'yesterday' }, /malformed datetime/],
    [{ datetime: '2024-02-01T00:00:00Z/2024-01-01T00:00:00Z' }, /ends before it starts/],
    [{ colour: 'red' }, /unknown field/],
    [{ intersects: { type: 'Point', coordinates: [200, 0] } }, /intersects: position \[200, 0\] is outside/],
    [{ intersects: { type: 'Blob' } }, /intersects: not a GeoJSON geometry/],
    [{ ids: Array(101).fill(1) }, /ids: at most 100/],
    [{ filter: "colour = 'red'" }, /filter: "colour" is not queryable/],
    [{ filter: 'title = ' }, /filter: not CQL2 text/],
    [{ q: '*' }, /q: the term "\*" has no word in it/],
    [{ fields: ['colour'] }, /fields: "colour" is not a field \(fields: id, owner, publisher/],
  ];
  for (const [params, message] of cases) {
    assert.match(await rpcError(api.rpc.datasets.search(params)), message);
  }
  assert.match(await rpcError(api.rpc.datasets.stacSearch({ token: 'abc' })), /malformed token/);
});

test('a registration with a bad extent fails with a named error and changes nothing', async () => {
  const before = (await api.query.datasets.nextDatasetId()).toNumber();
  const bad = content(box(116.3, 39.9, 116.2, 91), '2024-01-01T00:00:00Z', null, new Uint8Array([1]));
  await assert.rejects(
    submit(api, api.tx.datasets.registerDataset(description('Bad', 'Location', []), bad, 'Open', 'Public'), bob),
    /datasets\.InvalidLatitude/,
  );
  const wrongDigest = { ...content(box(116.3, 39.9, 116.4, 40), '2024-01-01T00:00:00Z', null, new Uint8Array([1])), digest: u8aToHex(new Uint8Array(20)) };
  await assert.rejects(
    submit(api, api.tx.datasets.registerDataset(description('Bad', 'Location', []), wrongDigest, 'Open', 'Public'), bob),
    /datasets\.WrongDigestLength/,
  );
  assert.equal((await api.query.datasets.nextDatasetId()).toNumber(), before);
});

test('a cursor answers every page at the block of the first, while new blocks arrive', async () => {
  const first = (await api.rpc.datasets.search({ limit: 2 })).toJSON();
  const late = await register(
    alice,
    description('Late arrival', 'Location', ['late']),
    content(box(10, 10, 11, 11), '2024-01-01T00:00:00Z', null, new Uint8Array([9])),
  );
  const renamed = ids.parcels; // on the second page
  await finalized(await submit(
    api,
    api.tx.datasets.updateMetadata(renamed, { title: 'Renamed parcels', description: null, topic: null, keywords: null, uri: null, license: null }),
    alice,
  ));
  const now = (await api.rpc.datasets.search({ limit: 100 })).toJSON();
  assert.ok(now.at.number > first.at.number);
  assert.ok(now.items.some((d) => d.id === late), 'a fresh search sees the new dataset');
  assert.equal(now.items.find((d) => d.id === renamed).title, 'Renamed parcels');
  const rest = (await api.rpc.datasets.search({ limit: 100, cursor: first.next })).toJSON();
  assert.deepEqual(rest.at, first.at);
  assert.ok(!rest.items.some((d) => d.id === late), 'the cursor does not see it');
  assert.equal(rest.items.find((d) => d.id === renamed).title, 'Land parcels', 'nor the new title');
  const atFirst = (await api.rpc.datasets.search({ limit: 100 }, first.at.hash)).toJSON();
  assert.deepEqual([...first.items, ...rest.items].map((d) => d.id), atFirst.items.map((d) => d.id));
});
