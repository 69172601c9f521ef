// The STAC API as GIS tools and browsers use it: stac-api-validator over
// every conformance class it can check, the OpenAPI document checked by
// openapi-spec-validator, pystac-client reading as an account through a
// read token (intersects, CQL2, sort, fields, several collections, paging;
// everything validated, our extension's schema included), CORS for browser
// origins, and who may see which metadata.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';
import { encryptionKeyPair, seal } from '@citychain/api';
import { startNode, connect, submit, finalizedAtLeast } from './lib/node.mjs';
import { startGateway, authorization, cliOk } from './lib/gateway.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const python = process.env.CITYCHAIN_PYTHON || 'python3';
const DEG = 10_000_000;
const PER_DEPARTMENT = 40; // public datasets of each of three departments
let node; let api; let gateway; let dir; let k;
const secret = {}; // Bob's datasets of each sensitivity

/** A registration's description and content: over `[w, s, e, n]` during `[start, end]` (ms). */
function description(title, [w, s, e, n], [start, end], words = []) {
  return [
    { title, description: `${title}, surveyed from ${new Date(start).toISOString()}`, topic: 'Transportation', keywords: words, uri: `https://data.city.example/${encodeURIComponent(title)}`, license: { expression: 'CC-BY-4.0', url: null } },
    {
      bbox: { west: Math.round(w * DEG), south: Math.round(s * DEG), east: Math.round(e * DEG), north: Math.round(n * DEG) },
      crs: 4326,
      time: { start, end },
      format: 'text/csv',
      hashCode: 0xb220,
      digest: `0x${'cd'.repeat(32)}`,
      size: 2048,
    },
  ];
}

/** Runs e2e/stac/`script` with `args`; resolves with its exit code and output. */
function run(script, args) {
  return new Promise((resolve) => {
    execFile(python, [join(here, 'stac', script), ...args], { maxBuffer: 1 << 26 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

/** Like `run`, but rejects unless the script succeeded. */
async function runOk(script, args) {
  const r = await run(script, args);
  if (r.code !== 0) throw new Error(`${script} failed (${r.code}):\n${r.stderr}`);
  return r;
}

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  k = Object.fromEntries(['Alice', 'Bob', 'Charlie', 'Dave', 'Ferdie'].map((n) => [n.toLowerCase(), keyring.addFromUri(`//${n}`)]));
  dir = mkdtempSync(join(tmpdir(), 'citychain-stac-api-'));
  node = await startNode();
  api = await connect(node.endpoint);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: dir });
  // 120 public datasets over Beijing from three departments, sent without
  // waiting for each (the pool orders each sender's by nonce).
  const publishers = [k.alice, k.bob, k.charlie];
  for (const [p, signer] of publishers.entries()) {
    let nonce = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
    for (let i = 0; i < PER_DEPARTMENT; i += 1) {
      const west = 116.2 + (i % 10) * 0.03;
      const south = 39.8 + Math.floor(i / 10) * 0.05 + p * 0.01;
      // Snapshots: one instant each (the validator sorts by datetime).
      const taken = Date.UTC(2020 + (i % 5), i % 12, 1 + (i % 28));
      const [d, c] = description(`Survey ${p}-${i}`, [west, south, west + 0.02, south + 0.02], [taken, taken], ['survey']);
      await api.tx.datasets.registerDataset(d, c, 'ApprovalRequired', 'Public').signAndSend(signer, { nonce });
      nonce += 1;
    }
    // One department's after the other's, so that the ids are known:
    // Alice's are 0 to 39, Bob's 40 to 79, Charlie's 80 to 119.
    const deadline = Date.now() + 120_000;
    while ((await api.query.datasets.nextDatasetId()).toNumber() < (p + 1) * PER_DEPARTMENT) {
      if (Date.now() > deadline) throw new Error(`the registrations of department ${p} were not all included`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  // Bob's (Transport, department 1) of each other sensitivity; Charlie's
  // department (Environment, 2) will hold a contract on one secret one.
  for (const level of ['Internal', 'Confidential', 'Secret', 'SecretToo']) {
    const [d, c] = description(`Restricted ${level}`, [116.4, 39.9, 116.41, 39.91], [Date.UTC(2024, 0, 1), Date.UTC(2024, 11, 31)]);
    const { events } = await submit(api, api.tx.datasets.registerDataset(d, c, 'ApprovalRequired', level === 'SecretToo' ? 'Secret' : level), k.bob);
    secret[level] = events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toString();
  }
  // A second version of Bob's first public dataset.
  const [, content] = description('Survey 1-0', [116.2, 39.81, 116.22, 39.83], [Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1)]);
  await submit(api, api.tx.datasets.publishVersion(PER_DEPARTMENT, content, null), k.bob);
  const charlieKey = encryptionKeyPair(new TextEncoder().encode('citychain e2e charlie key'.padEnd(32, '.')).slice(0, 32));
  await submit(api, api.tx.departments.setEncryptionKey(u8aToHex(charlieKey.publicKey)), k.charlie);
  const { events } = await submit(api, api.tx.access.requestAccess(secret.Secret, 'flood model', 1000, null), k.charlie);
  const contract = events.find((e) => api.events.access.AccessRequested.is(e)).data.contract;
  await submit(api, api.tx.access.approveRequest(contract, u8aToHex(seal(randomAsU8a(32), charlieKey.publicKey))), k.bob);
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
});

after(async () => {
  await gateway?.stop();
  await api?.disconnect();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('stac-api-validator finds no error in any conformance class the gateway declares', async () => {
  const classes = ['core', 'collections', 'features', 'item-search', 'item-search#sort', 'item-search#fields',
    'features#sort', 'features#fields', 'filter'];
  const validator = await run('api_validator.py', [gateway.url, 'department-1', ...classes, '--known-filter-errors']);
  assert.ok(validator.stdout, validator.stderr);
  const report = JSON.parse(validator.stdout);
  assert.deepEqual(report.errors, [], validator.stdout);
  assert.equal(validator.code, 0);
  // Every CQL2 filter over our queryables passes; the validator's
  // Earth-observation examples (eo:cloud_cover, mission) get a 400 naming
  // the property, as the queryables (additionalProperties: false) promise.
  assert.ok(report.known.length > 0);
  assert.ok(report.known.every((e) => /Filter Ext.*(eo:cloud_cover|mission).*status code 400/.test(e)), report.known.join('\n'));
  const r = await fetch(`${gateway.url}/search?filter=${encodeURIComponent('eo:cloud_cover < 10')}`);
  assert.equal(r.status, 400);
  assert.match((await r.json()).description, /"eo:cloud_cover" is not queryable/);
});

test('the OpenAPI document is valid and describes every route the gateway serves', async () => {
  const landing = await (await fetch(`${gateway.url}/`)).json();
  const desc = landing.links.find((l) => l.rel === 'service-desc');
  assert.equal(desc.type, 'application/vnd.oai.openapi+json;version=3.0');
  const response = await fetch(desc.href);
  assert.equal(response.headers.get('content-type'), 'application/vnd.oai.openapi+json;version=3.0');
  const doc = await response.json();
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(doc));
  const check = await new Promise((resolve) => execFile(python, ['-c',
    'import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print("valid")', file],
  (error, stdout, stderr) => resolve({ error, stdout, stderr })));
  assert.equal(check.stdout.trim(), 'valid', check.stderr);
  // Bob's first public dataset, in department-1.
  const id = String(PER_DEPARTMENT);
  for (const [path, item] of Object.entries(doc.paths)) {
    const concrete = path.replace('{collectionId}', 'department-1').replace('{featureId}', id).replace('{dataset}', id).replace('{n}', '0')
      .replace('{catalogueId}', 'catalogue').replace('{recordId}', id);
    // Each method the document gives the path, unsigned and without a body:
    // served (or refused for what it lacks), never unknown.
    for (const method of Object.keys(item).filter((m) => ['get', 'put', 'post', 'delete'].includes(m))) {
      const r = await fetch(`${gateway.url}${concrete}`, { method: method.toUpperCase() });
      assert.ok(r.status !== 404 && r.status !== 405 && r.status < 500, `${method} ${path}: ${r.status}`);
    }
  }
  const page = await fetch(landing.links.find((l) => l.rel === 'service-doc').href);
  assert.match(page.headers.get('content-type'), /text\/html/);
  assert.match(await page.text(), /<code>\/collections\/\{collectionId\}\/items<\/code>/);
});

test('pystac-client reads as an account through a read token the CLI minted, and everything validates', async () => {
  const token = await cliOk(node.endpoint, ['token', `--gateway=${gateway.url}`, '--hours=1'], { suri: '//Alice' });
  const polygon = { type: 'Polygon', coordinates: [[[116.2, 39.8], [116.25, 39.8], [116.25, 39.83], [116.2, 39.83], [116.2, 39.8]]] };
  const { stdout } = await runOk('conformance_client.py', [gateway.url, token, JSON.stringify({
    polygon,
    collections: ['department-0', 'department-2'],
    filter: "\"citychain:owner\" = 1 AND title LIKE 'Restricted%'",
  })]);
  const report = JSON.parse(stdout);
  assert.ok(report.intersects.length >= 3, `found ${report.intersects}`);
  // Alice (department 0) sees Bob's internal and confidential datasets, not his secret ones.
  assert.deepEqual(report.filter.sort(), [secret.Internal, secret.Confidential].sort());
  assert.equal(report.sorted.length, 2 * PER_DEPARTMENT);
  // What was asked for, with what identifies the Item.
  assert.deepEqual(report.fields, ['collection', 'id', 'links', 'properties', 'type', 'properties.title']);
  assert.equal(report.paged.length, 2 * PER_DEPARTMENT);
  assert.equal(new Set(report.paged).size, report.paged.length, 'no item twice across pages');
  assert.equal(report.pages, Math.ceil((2 * PER_DEPARTMENT) / 3));
});

test('browser origins get CORS headers, preflight included', async () => {
  const preflight = await fetch(`${gateway.url}/search`, {
    method: 'OPTIONS',
    headers: { origin: 'https://portal.city.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  assert.ok(preflight.status < 300, `preflight: ${preflight.status}`);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
  assert.match(preflight.headers.get('access-control-allow-headers'), /authorization/i);
  const get = await fetch(`${gateway.url}/collections`, { headers: { origin: 'https://portal.city.example' } });
  assert.equal(get.headers.get('access-control-allow-origin'), '*');
});

/**
 * What a reader whose requests carry `headers` sees of Bob's restricted
 * datasets: in search, as items, and in his collection's count.
 */
async function seen(headers) {
  const search = await (await fetch(`${gateway.url}/search?q=restricted&limit=100`, { headers })).json();
  const items = [];
  for (const [level, id] of Object.entries(secret)) {
    const r = await fetch(`${gateway.url}/collections/department-1/items/${id}`, { headers });
    if (r.status === 200) items.push(level);
    else assert.equal(r.status, 404);
  }
  const collection = await (await fetch(`${gateway.url}/collections/department-1`, { headers })).json();
  const levels = Object.fromEntries(Object.entries(secret).map(([level, id]) => [id, level]));
  return {
    search: search.features.map((f) => levels[f.id]).sort(),
    items: items.sort(),
    // Bob's public ones: one per survey, and the second version of one.
    count: collection['citychain:datasets'] - (PER_DEPARTMENT + 1),
  };
}

test('each reader sees exactly what its role allows, and a forged or expired claim reads as anonymous', async () => {
  const token = async (suri) => ({ authorization: `Bearer ${await cliOk(node.endpoint, ['token', `--gateway=${gateway.url}`], { suri })}` });
  const all = ['Confidential', 'Internal', 'Secret', 'SecretToo'];
  const cases = [
    ['anonymous', {}, []],
    ['a non-member (Ferdie)', await token('//Ferdie'), []],
    ['another department (Alice)', await token('//Alice'), ['Confidential', 'Internal']],
    ['the contract holder (Charlie)', await token('//Charlie'), ['Confidential', 'Internal', 'Secret']],
    ['the owner (Bob)', await token('//Bob'), all],
    ['the regulator (Dave)', await token('//Dave'), all],
  ];
  for (const [who, headers, expected] of cases) {
    assert.deepEqual(await seen(headers), { search: expected, items: expected, count: expected.length }, who);
  }
  // A request signed as for data reads as its account, within its time
  // window also when sent again (reads take no nonce: issue 39); outside
  // it, as anonymous.
  const url = `${gateway.url}/search?q=restricted&limit=100`;
  const bobSigned = { authorization: authorization(k.bob, 'GET', url) };
  const search = await (await fetch(url, { headers: bobSigned })).json();
  assert.equal(search.features.length, 4, 'the owner, signed');
  const again = await (await fetch(url, { headers: bobSigned })).json();
  assert.equal(again.features.length, 4, 'the same signature within its window');
  const old = { authorization: authorization(k.bob, 'GET', url, { time: Date.now() - 3_600_000 }) };
  assert.equal((await (await fetch(url, { headers: old })).json()).features.length, 0, 'a signature an hour old');
  // A forged signature, an expired token, a token for another gateway: anonymous.
  const forged = authorization(k.bob, 'GET', `${gateway.url}/search?q=restricted&limit=100`, { signer: k.ferdie });
  const bobToken = await cliOk(node.endpoint, ['token', `--gateway=${gateway.url}`], { suri: '//Bob' });
  const [account, , signature] = bobToken.split('.');
  const claims = [
    { authorization: forged },
    { authorization: `Bearer ${account}.${Date.now() - 1000}.${signature}` },
    { authorization: `Bearer ${await cliOk(node.endpoint, ['token', '--gateway=http://gateway.elsewhere.example'], { suri: '//Bob' })}` },
    { authorization: 'Bearer nonsense' },
  ];
  for (const headers of claims) {
    const r = await (await fetch(`${gateway.url}/search?q=restricted&limit=100`, { headers })).json();
    assert.equal(r.features.length, 0, headers.authorization);
  }
});

test('an item links to its record, its versions and its audit trail on chain, for whoever may see it', async () => {
  const first = String(PER_DEPARTMENT);
  const item = await (await fetch(`${gateway.url}/collections/department-1/items/${first}`)).json();
  const href = (rel) => item.links.find((l) => l.rel === rel).href;
  const record = await (await fetch(href('describedby'))).json();
  assert.equal(record.id, PER_DEPARTMENT);
  assert.equal(record.owner, 1);
  const versions = await (await fetch(href('version-history'))).json();
  assert.equal(versions.numberMatched, 2);
  assert.deepEqual(versions.features.map((f) => f.properties.version), ['2', '1'], 'newest first');
  const one = await (await fetch(`${href('version-history')}?limit=1`)).json();
  assert.equal(one.features.length, 1);
  const rest = await (await fetch(one.links.find((l) => l.rel === 'next').href)).json();
  assert.deepEqual(rest.features.map((f) => f.properties.version), ['1']);
  const audit = await (await fetch(href('citychain:audit'))).json();
  assert.ok(audit.items.some((e) => e.action === 'datasetRegistered'), JSON.stringify(audit.items));
  // A secret dataset's trail is as hidden as the dataset.
  for (const part of ['', '/record', '/versions', '/audit']) {
    const url = `${gateway.url}/collections/department-1/items/${secret.Secret}${part}`;
    assert.equal((await fetch(url)).status, 404, `anonymous: ${part}`);
    const bob = { authorization: authorization(k.bob, 'GET', url) };
    assert.equal((await fetch(url, { headers: bob })).status, 200, `the owner: ${part}`);
  }
});
