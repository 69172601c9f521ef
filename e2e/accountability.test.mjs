// The regulator's question through a running node: who obtained data
// covering this district during this year, and for what? Datasets over three
// districts and two years, requests by several departments (granted,
// refused, revoked, pending, scoped to a part of a city-wide dataset), then
// `audit_accessSearch` for one district and one year against a full scan of
// `access_contracts` and `datasets_get` made here (the oracle), by box, by
// geometry, by access time, party, purpose and outcome; page by page; after a
// rebuild of the index from state; and as the CLI's CSV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, submit, finalizedAtLeast, httpRpc, sampleContent } from './lib/node.mjs';
import { cliOk } from './lib/gateway.mjs';

const DEG = 10_000_000;
const DAY = 28_800; // blocks of 3 s

/** Three disjoint districts, [w, s, e, n] in degrees. */
const DISTRICTS = {
  west: [116.2, 39.9, 116.25, 39.95],
  centre: [116.3, 39.9, 116.35, 39.95],
  east: [116.4, 39.9, 116.45, 39.95],
};
const CITY = [116.2, 39.9, 116.45, 39.95];
const YEAR_2024 = { start: Date.UTC(2024, 0, 1), end: Date.UTC(2024, 11, 31, 23, 59, 59, 999) };
const DATETIME_2024 = '2024-01-01T00:00:00Z/2024-12-31T23:59:59.999Z';

let node; let api; let url;
let alice; let bob; let charlie; let dave;
/** Dataset ids by `${district}-${year}`, and Charlie's city-wide one. */
const datasets = {};
/** Contract ids by name. */
const contracts = {};
/** How long each search took, ms. */
const timings = [];

const chainBox = ([w, s, e, n]) => ({ west: Math.round(w * DEG), south: Math.round(s * DEG), east: Math.round(e * DEG), north: Math.round(n * DEG) });

/** A JSON-RPC call to the node; its result, or throws its error's message. */
async function rpc(method, ...params) {
  const body = await (await httpRpc(url, method, params)).json();
  // jsonrpsee puts a parameter's parse error in `data`.
  if (body.error) throw new Error(`${body.error.message}${body.error.data ? `: ${JSON.stringify(body.error.data)}` : ''}`);
  return body.result;
}

/** `audit_accessSearch`, timed. */
async function search(params, at) {
  const started = performance.now();
  const page = await rpc('audit_accessSearch', params, ...(at ? [at] : []));
  timings.push(performance.now() - started);
  return page;
}

/** Every page of a search, following `next`; checks each page answers at the first's block. */
async function allPages(params) {
  const first = await search(params);
  const items = [...first.items];
  let { next } = first;
  while (next) {
    const page = await search({ ...params, cursor: next });
    assert.deepEqual(page.at, first.at, 'every page at the first one\'s block');
    items.push(...page.items);
    next = page.next;
  }
  return { at: first.at, items };
}

async function register(who, name, box, year) {
  const { events } = await submit(api, api.tx.datasets.registerDataset(
    { title: name, description: `${name} counts`, topic: 'Transportation', keywords: ['counts'], uri: `https://city.example/${name}.csv`, license: { expression: 'CC-BY-4.0', url: null } },
    sampleContent(box, year),
    'ApprovalRequired', 'Internal',
  ), who);
  return events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
}

async function request(who, dataset, purpose, scope = null) {
  const chainScope = scope && {
    bbox: chainBox(scope.bbox),
    time: scope.time ? { start: scope.time.start, end: scope.time.end } : null,
  };
  const { events } = await submit(api, api.tx.access.requestAccess(dataset, purpose, 10 * DAY, chainScope), who);
  return events.find((e) => api.events.access.AccessRequested.is(e)).data.contract.toNumber();
}

/** Every contract, from `access_contracts`, and each one's dataset, from `datasets_get`, at `at`. */
async function fullScan(at) {
  const all = [];
  let cursor = null;
  do {
    const page = await rpc('access_contracts', { limit: 100, ...(cursor === null ? {} : { cursor }) }, at);
    all.push(...page.items);
    cursor = page.next;
  } while (cursor !== null);
  for (const c of all) {
    c.datasetRecord = await rpc('datasets_get', c.dataset, at);
  }
  return all;
}

/** The outcome a contract has, as docs/rpc.md defines it. */
const outcomeOf = (c) => ({
  requested: 'pending', approved: 'granted', expired: 'granted', rejected: 'refused',
  cancelled: 'cancelled', lapsed: 'lapsed', revoked: 'revoked', relinquished: 'relinquished',
})[c.state];

/** The extent a contract covers: its scope's box and time, each else its dataset's. */
function extentOf(c) {
  const d = c.datasetRecord;
  const bbox = c.scopeBbox ?? d.bbox;
  const time = c.scopeTime ? { start: c.scopeTime.start ?? d.time.start, end: c.scopeTime.end ?? d.time.end } : d.time;
  return { bbox, time };
}

const boxesMeet = ([w, s, e, n], [W, S, E, N]) => w <= E && W <= e && s <= N && S <= n;
const timesMeet = (t, { start, end }) => t.start <= end && (t.end === null || start <= t.end);

/** The oracle: ids of the contracts whose extent meets `box` and `time` and that `also` admits. */
function expected(all, box, time, also = () => true) {
  return all
    .filter((c) => {
      const x = extentOf(c);
      return boxesMeet(x.bbox, box) && timesMeet(x.time, time) && also(c);
    })
    .map((c) => c.id)
    .sort((a, b) => a - b);
}

const ids = (items) => items.map((i) => i.contract);

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((u) => keyring.addFromUri(u));
  node = await startNode();
  url = node.endpoint.replace(/^ws/, 'http');
  api = await connect(node.endpoint);

  // Alice's bureau (0) publishes each district for 2023 and 2024; Charlie's
  // (2) the whole city for 2024.
  for (const [district, box] of Object.entries(DISTRICTS)) {
    for (const year of [2023, 2024]) datasets[`${district}-${year}`] = await register(alice, `${district}-${year}`, box, year);
  }
  datasets.city = await register(charlie, 'city-2024', CITY, 2024);

  // Requests, each signer's in turn, the signers side by side.
  const spring = { start: Date.UTC(2024, 2, 1), end: Date.UTC(2024, 5, 30) };
  await Promise.all([
    (async () => {
      contracts.bobWest = await request(bob, datasets['west-2023'], 'planning: bus lanes');
      contracts.bobCentre = await request(bob, datasets['centre-2024'], 'planning: cycle paths');
      contracts.bobCityEast = await request(bob, datasets.city, 'planning: east depot', { bbox: [116.41, 39.91, 116.44, 39.94], time: spring });
    })(),
    (async () => {
      contracts.charlieCentre = await request(charlie, datasets['centre-2024'], 'research: noise');
      contracts.charlieEast = await request(charlie, datasets['east-2024'], 'emergency: flood');
      contracts.charlieWest = await request(charlie, datasets['west-2024'], 'research: trees');
    })(),
    (async () => {
      contracts.daveCentre2023 = await request(dave, datasets['centre-2023'], 'supervision');
      contracts.daveCityCentre = await request(dave, datasets.city, 'supervision: audit of noise data', { bbox: [116.31, 39.91, 116.34, 39.94], time: spring });
      contracts.daveCentre = await request(dave, datasets['centre-2024'], 'supervision: review');
    })(),
  ]);
  // Decisions: Alice's, then Charlie's and the consumers' own.
  await Promise.all([
    (async () => {
      await submit(api, api.tx.access.approveRequest(contracts.bobWest, null), alice);
      await submit(api, api.tx.access.approveRequest(contracts.bobCentre, null), alice);
      await submit(api, api.tx.access.rejectRequest(contracts.charlieCentre, 'no noise study this year'), alice);
      await submit(api, api.tx.access.approveRequest(contracts.daveCentre2023, null), alice);
      await submit(api, api.tx.access.approveRequest(contracts.charlieEast, null), alice);
      await submit(api, api.tx.access.revokeAccess(contracts.bobCentre, 'the study ended'), alice);
    })(),
    (async () => {
      await submit(api, api.tx.access.approveRequest(contracts.bobCityEast, null), charlie);
      await submit(api, api.tx.access.rejectRequest(contracts.daveCityCentre, 'ask the centre bureau'), charlie);
      await submit(api, api.tx.access.cancelRequest(contracts.charlieWest), charlie);
    })(),
  ]);
  // Everything finalized, so that the index holds it.
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  await finalizedAtLeast(api, best);
});

after(async () => {
  if (timings.length) {
    const sorted = [...timings].sort((a, b) => a - b);
    const p = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
    console.log(`audit_accessSearch over HTTP: ${timings.length} calls, median ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${p(1)} ms`);
  }
  await api?.disconnect();
  await node?.stop();
});

test('one district and one year: exactly the contracts whose extent meets both, as a full scan finds', async () => {
  const page = await allPages({ bbox: DISTRICTS.centre, datetime: DATETIME_2024, limit: 100 });
  const all = await fullScan(page.at.hash);
  const oracle = expected(all, DISTRICTS.centre, YEAR_2024);
  assert.deepEqual(ids(page.items), oracle);
  // What the oracle should be, by name: 2023, the east scope and other
  // districts are out.
  assert.deepEqual(oracle, [contracts.bobCentre, contracts.charlieCentre, contracts.daveCityCentre, contracts.daveCentre].sort((a, b) => a - b));
  const byId = Object.fromEntries(page.items.map((i) => [i.contract, i]));
  assert.equal(byId[contracts.bobCentre].outcome, 'revoked');
  assert.equal(byId[contracts.charlieCentre].outcome, 'refused');
  assert.equal(byId[contracts.daveCityCentre].outcome, 'refused');
  assert.equal(byId[contracts.daveCentre].outcome, 'pending');
  assert.equal(byId[contracts.daveCityCentre].scoped, true);
  assert.deepEqual(byId[contracts.daveCityCentre].bbox, [116.31, 39.91, 116.34, 39.94]);
  for (const item of page.items) {
    const c = all.find((x) => x.id === item.contract);
    assert.equal(item.outcome, outcomeOf(c));
    assert.deepEqual([item.consumer, item.provider, item.dataset, item.purpose], [c.consumer, c.provider, c.dataset, c.purpose]);
    assert.equal(item.requested.block, c.requestedAt);
    assert.equal(item.decided?.block ?? null, c.decidedAt);
    // Its audit entries are those audit_entries lists about it.
    const trail = await rpc('audit_entries', { subject: { contract: item.contract }, limit: 100 }, page.at.hash);
    assert.deepEqual(item.auditEntries, trail.items.map((e) => e.index));
    assert.equal(item.auditCount, trail.items.length);
    assert.equal(item.requested.time, trail.items[0].time, 'dated by its first entry');
  }
  // Every district and year against the oracle.
  for (const box of Object.values(DISTRICTS)) {
    for (const [datetime, time] of [
      [DATETIME_2024, YEAR_2024],
      ['2023-01-01T00:00:00Z/2023-12-31T23:59:59.999Z', { start: Date.UTC(2023, 0, 1), end: Date.UTC(2023, 11, 31, 23, 59, 59, 999) }],
    ]) {
      const found = await allPages({ bbox: box, datetime, limit: 3 });
      assert.deepEqual(ids(found.items), expected(all, box, time), `${box} ${datetime}`);
    }
  }
});

test('a geometry is met exactly, and party, purpose, outcome and access time narrow as the oracle says', async () => {
  const first = await search({ bbox: DISTRICTS.centre, datetime: DATETIME_2024, limit: 100 });
  const all = await fullScan(first.at.hash);
  const at = first.at.hash;
  // A triangle inside the centre district finds what its box finds.
  const triangle = { type: 'Polygon', coordinates: [[[116.305, 39.905], [116.345, 39.905], [116.325, 39.945], [116.305, 39.905]]] };
  const inside = await search({ intersects: triangle, datetime: DATETIME_2024, limit: 100 }, at);
  assert.deepEqual(ids(inside.items), expected(all, [116.305, 39.905, 116.345, 39.945], YEAR_2024));
  // One whose box covers the centre's north-east corner (116.35, 39.95)
  // but which misses the district (and every scope in it).
  const miss = { type: 'Polygon', coordinates: [[[116.345, 39.96], [116.36, 39.96], [116.36, 39.945], [116.345, 39.96]]] };
  const cornered = await search({ intersects: miss, limit: 100 }, at);
  assert.deepEqual(ids(cornered.items), [], 'the exact test, not the box, decides');

  const centre = (extra, also) => [
    search({ bbox: DISTRICTS.centre, datetime: DATETIME_2024, limit: 100, ...extra }, at).then((p) => ids(p.items)),
    expected(all, DISTRICTS.centre, YEAR_2024, also),
  ];
  for (const [extra, also] of [
    [{ consumer: [3] }, (c) => c.consumer === 3],
    [{ consumer: [1, 2] }, (c) => c.consumer === 1 || c.consumer === 2],
    [{ provider: [2] }, (c) => c.provider === 2],
    [{ purpose: 'supervision' }, (c) => c.purpose.startsWith('supervision')],
    [{ purpose: 'law-enforcement' }, () => false],
    [{ outcome: ['refused'] }, (c) => c.state === 'rejected'],
    [{ outcome: ['revoked', 'pending'] }, (c) => c.state === 'revoked' || c.state === 'requested'],
    [{ outcome: ['granted'] }, (c) => c.state === 'approved' || c.state === 'expired'],
    [{ outcome: ['disputed'] }, () => false],
    // Accessed from now on: only what has not ended.
    [{ accessedFrom: Date.now() }, (c) => c.state === 'requested' || c.state === 'approved'],
  ]) {
    const [found, oracle] = centre(extra, also);
    assert.deepEqual(await found, oracle, JSON.stringify(extra));
  }
  // Requested before the first dataset existed: nothing.
  const [early] = centre({ accessedTo: Date.UTC(2020, 0, 1) }, () => false);
  assert.deepEqual(await early, []);
  // Granted anywhere, any time: every approved contract.
  const granted = await allPages({ bbox: CITY, outcome: ['granted'], limit: 2 });
  assert.deepEqual(ids(granted.items), all.filter((c) => c.state === 'approved').map((c) => c.id));
});

test('pages of one give every contract once, at one block, and bad parameters are refused by name', async () => {
  const everything = await allPages({ bbox: [-180, -90, 180, 90], limit: 1 });
  const all = await fullScan(everything.at.hash);
  assert.deepEqual(ids(everything.items), all.map((c) => c.id));
  for (const [params, message] of [
    [{ bbox: DISTRICTS.centre, consumer: Array.from({ length: 33 }, () => 1) }, /consumer: at most 32/],
    [{ bbox: DISTRICTS.centre, outcome: ['stolen'] }, /outcome: unknown variant/],
    [{ bbox: DISTRICTS.centre, intersects: { type: 'Point', coordinates: [116.3, 39.9] } }, /bbox and intersects/],
    [{ bbox: DISTRICTS.centre, accessedFrom: 10, accessedTo: 9 }, /accessedTo/],
    [{ bbox: DISTRICTS.centre, purpose: 'Not a code' }, /purpose/],
    [{ bbox: DISTRICTS.centre, limit: 101 }, /limit must be at most 100/],
    [{ bbox: DISTRICTS.centre, colour: 'red' }, /unknown field/],
    [{ bbox: DISTRICTS.centre, cursor: 'abc.00' }, /cursor/],
    [{ bbox: [116.3, 39.9, 116.2] }, /bbox/],
  ]) {
    await assert.rejects(search(params), message, JSON.stringify(params));
  }
});

test('the index rebuilt from state answers as the one that followed the blocks', async () => {
  const asked = { bbox: CITY, limit: 100 };
  const before = await search(asked);
  const file = join(node.basePath, 'chains', 'citychain_dev', 'search-index.sqlite');
  await node.restart(async () => rmSync(file));
  url = node.endpoint.replace(/^ws/, 'http');
  let after;
  for (let tries = 0; tries < 100; tries += 1) {
    try {
      after = await search(asked, before.at.hash);
      break;
    } catch (e) {
      if (!/being built|catching up|older than/.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, 300));
      // A rebuilt index answers from its head on: ask at the head.
      if (/older than/.test(e.message)) {
        after = await search(asked);
        break;
      }
    }
  }
  assert.ok(after, 'the rebuilt index answered');
  assert.deepEqual(after.items, before.items);
  await api.disconnect();
  api = await connect(node.endpoint);
});

test('the CLI writes the district and year as CSV, every page', async () => {
  const page = await allPages({ bbox: DISTRICTS.centre, datetime: DATETIME_2024, limit: 100 });
  const csv = await cliOk(node.endpoint, [
    'audit', 'accesses', '--bbox', DISTRICTS.centre.join(','), '--datetime', DATETIME_2024,
    '--limit', '1', '--all', '--format', 'csv',
  ]);
  const [header, ...rows] = csv.split('\n');
  const columns = header.split(',');
  assert.deepEqual(columns.slice(0, 10), ['contract', 'dataset', 'version', 'consumer', 'provider', 'purpose_code', 'purpose', 'outcome', 'state', 'disputed']);
  assert.equal(rows.length, page.items.length);
  // No purpose here holds a comma or a quote: a plain split reads it.
  const read = rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [columns[i], v])));
  assert.deepEqual(read.map((r) => Number(r.contract)), ids(page.items));
  for (const [row, item] of read.map((r, i) => [r, page.items[i]])) {
    assert.equal(row.outcome, item.outcome);
    assert.equal(row.purpose, item.purpose);
    assert.equal(row.purpose_code, item.purposeCode ?? '');
    assert.equal(row.requested, new Date(item.requested.time).toISOString());
    assert.equal(Number(row.west), item.bbox[0]);
    assert.equal(Number(row.audit_count), item.auditCount);
    assert.equal(row.audit_entries, item.auditEntries.join(';'));
  }
  const json = JSON.parse(await cliOk(node.endpoint, ['audit', 'accesses', '--bbox', DISTRICTS.centre.join(','), '--datetime', DATETIME_2024, '--consumer', '3']));
  assert.deepEqual(ids(json.items), page.items.filter((i) => i.consumer === 3).map((i) => i.contract));
});
