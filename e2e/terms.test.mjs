// Contracts with terms through a running node and gateway: a dataset's
// policy as rules (the first that holds decides; a refusal names the
// constraint that failed), access_evaluate answering the same before any
// transaction, metered deliveries counted on chain by the provider's
// gateway, a download cut when its contract is revoked or given up, and the
// policy and the agreement as ODRL 2.2 that pyld reads with only the
// vocabulary's terms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, finalizedAtLeast, httpRpc, submit } from './lib/node.mjs';
import { authorization, cliOk, startGateway } from './lib/gateway.mjs';
import { openStore } from './lib/store.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const python = process.env.CITYCHAIN_HARVEST_PYTHON || 'python3';
const DAY = 28_800; // blocks of 3 s

let node; let api; let gateway; let store; let dir;
let alice; let bob; let charlie;
const alice_ = { suri: '//Alice' };
let small; // a small GeoJSON dataset of Alice's (Natural Resources)
let bobsContract; // Bob's contract for it, granted by its first policy
let large; // a large one, for downloads cut short

/** Jurisdiction 0 of the dev chain: inside the 4th Ring Road. */
const INSIDE_4TH_RING = [116.3, 39.85, 116.45, 39.95];
const OUTSIDE_4TH_RING = [116.5, 39.85, 116.55, 39.9];

/** A GeoJSON file of `n` points over central Beijing: 116.25–116.574 E, 39.82–39.996 N. */
function points(n) {
  const features = [];
  for (let i = 0; i < n; i += 1) {
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [116.25 + (i % 37) * 0.009, 39.82 + (i % 23) * 0.008] },
      properties: { i, datetime: '2024-05-01T00:00:00Z', note: 'x'.repeat(200) },
    });
  }
  return JSON.stringify({ type: 'FeatureCollection', features });
}

async function registerFile(name, n) {
  const path = join(dir, name);
  writeFileSync(path, points(n));
  return Number(await cliOk(node.endpoint, [
    'register', path, '--title', name, '--topic', 'transportation', '--license', 'CC-BY-4.0',
    '--uri', `${gateway.url}/data`, '--store', store.arg,
  ], { ...alice_, env: store.env }));
}

const DEG = 10_000_000;
const chainBox = ([w, s, e, n]) => ({ west: Math.round(w * DEG), south: Math.round(s * DEG), east: Math.round(e * DEG), north: Math.round(n * DEG) });

/** Rule `outcome` with `constraints` (polkadot.js names; absent ones null). */
const rule = (outcome, constraints = {}) => ({
  outcome, consumer: null, purpose: null, maxDays: null, scope: null, window: null, uses: null, ...constraints,
});

/** Sets `dataset`'s rules, and waits until the gateway's finalized head has them. */
async function setRules(dataset, rules) {
  await submit(api, api.tx.datasets.setAccessPolicy(dataset, rules, 'Internal'), alice);
  await finalizedNow();
}

/** A JSON-RPC call to the node, its result as plain JSON. */
const rpc = async (method, ...params) =>
  (await (await httpRpc(node.endpoint.replace(/^ws/, 'http'), method, params)).json()).result;

async function request(who, dataset, purpose, { term = 10 * DAY, bbox = null } = {}) {
  const scope = bbox ? { bbox: chainBox(bbox), time: null } : null;
  const { events } = await submit(api, api.tx.access.requestAccess(dataset, purpose, term, scope), who);
  return events.find((e) => api.events.access.AccessRequested.is(e)).data.contract.toNumber();
}

const evaluate = (who, dataset, purpose, { term = 10 * DAY, bbox } = {}) =>
  rpc('access_evaluate', { account: who.address, dataset, purpose, term, ...(bbox ? { bbox } : {}) });

/** Waits for the finalized head to pass the best block now; resolves with its number. */
async function finalizedNow() {
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  return (await finalizedAtLeast(api, best)).number.toNumber();
}

/** A signed GET of /data/`dataset` as `pair`. */
const download = (pair, dataset) => {
  const url = `${gateway.url}/data/${dataset}`;
  return fetch(url, { headers: { authorization: authorization(pair, 'GET', url) } });
};

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((u) => keyring.addFromUri(u));
  dir = mkdtempSync(join(tmpdir(), 'citychain-terms-'));
  store = await openStore(dir);
  node = await startNode();
  api = await connect(node.endpoint);
  // Alice's account reports the Natural Resources Bureau's deliveries.
  const keys = join(dir, 'reporters');
  writeFileSync(keys, '//Alice\n');
  chmodSync(keys, 0o600);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: join(dir, 'gateway'), store, extraArgs: [`--reporter-keys=${keys}`] });
  small = await registerFile('counts.geojson', 200);
  large = await registerFile('survey.geojson', 160_000);
});

after(async () => {
  await gateway?.stop();
  await store?.stop();
  await api?.disconnect();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a rule grants Transport at once for planning and refuses it for research, naming the purpose', async () => {
  const transportPlanning = rule('Grant', { consumer: { Kinds: ['Transport'] }, purpose: ['planning'] });
  await setRules(small, [transportPlanning]);
  const rules = await rpc('access_rules', small);
  assert.deepEqual(rules, [{ outcome: 'grant', kinds: ['Transport'], purposes: ['planning'] }]);

  const research = await evaluate(bob, small, 'research: a study of junctions');
  assert.equal(research.outcome, 'refuse');
  assert.deepEqual(research.rules[0].constraints, [{ constraint: 'consumer', holds: true }, { constraint: 'purpose', holds: false }]);
  await assert.rejects(request(bob, small, 'research: a study of junctions'), /access\.RefusedByPurpose/);

  const planning = await evaluate(bob, small, 'planning: the 2027 bus network');
  assert.deepEqual([planning.rule, planning.outcome], [0, 'grant']);
  const id = await request(bob, small, 'planning: the 2027 bus network');
  bobsContract = id;
  assert.equal((await api.rpc.access.get(id)).toJSON().state, 'approved');
  assert.deepEqual(await rpc('access_terms', id), {
    purpose: 'planning', rule: 0, decidedBy: rules[0], uses: null, used: 0, usesLeft: null,
  });
  // The Environment Bureau is no Transport department.
  await assert.rejects(request(charlie, small, 'planning'), /access\.RefusedByConsumer/);
});

test('a scope outside every allowed jurisdiction is refused, one inside is granted', async () => {
  const jurisdictions = await rpc('access_jurisdictions');
  assert.equal(jurisdictions[0].label, 'Inside the 4th Ring Road');
  assert.equal(jurisdictions[0].geometry.type, 'Polygon');
  await setRules(small, [rule('Grant', { scope: { Jurisdictions: [0] } }), rule('Refuse')]);
  const outside = await evaluate(charlie, small, 'research', { bbox: OUTSIDE_4TH_RING });
  assert.deepEqual([outside.outcome, outside.rule], ['refuse', 1]);
  assert.deepEqual(outside.rules[0].constraints, [{ constraint: 'scope', holds: false }]);
  await setRules(small, [rule('Grant', { scope: { Jurisdictions: [0, 1] } })]);
  await assert.rejects(request(charlie, small, 'research', { bbox: OUTSIDE_4TH_RING }), /access\.RefusedByScope/);
  await assert.rejects(request(charlie, small, 'research'), /access\.RefusedByScope/, 'the whole extent reaches past the ring');
  const id = await request(charlie, small, 'research', { bbox: INSIDE_4TH_RING });
  assert.equal((await api.rpc.access.get(id)).toJSON().state, 'approved');
});

test('the 11th download of a 10-use contract is refused, and the 10 uses are on chain', async () => {
  await setRules(small, [rule('Grant', { uses: 10 })]);
  const dave = new Keyring({ type: 'sr25519' }).addFromUri('//Dave');
  const id = await request(dave, small, 'supervision');
  await finalizedNow();
  assert.equal((await api.rpc.access.check(dave.address, small)).toJSON().usesLeft, 10);
  for (let i = 0; i < 10; i += 1) {
    const r = await download(dave, small);
    assert.equal(r.status, 200, `download ${i + 1}`);
    await r.arrayBuffer();
  }
  const eleventh = await download(dave, small);
  assert.equal(eleventh.status, 403);
  assert.match(await eleventh.text(), /spent/);
  // The gateway reports them, signed by Alice's account, once finalized.
  const deadline = Date.now() + 60_000;
  let terms;
  for (;;) {
    terms = await rpc('access_terms', id);
    if (terms.used === 10 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.deepEqual([terms.used, terms.usesLeft], [10, 0]);
  const check = (await api.rpc.access.check(dave.address, small)).toJSON();
  assert.deepEqual([check.allowed, check.basis], [false, 'usesSpent']);
  const entries = (await api.rpc.audit.entries({ subject: { contract: id } })).toJSON().items;
  const counted = entries.filter((e) => e.action.deliveriesRecorded).reduce((n, e) => n + e.action.deliveriesRecorded.count, 0);
  assert.equal(counted, 10, 'every delivery is in the audit log');
  assert.ok(entries.filter((e) => e.action.deliveriesRecorded).every((e) => e.actor === alice.address));
});

/**
 * Starts Bob's download of the large dataset under contract `id` and reads
 * it slowly; `end` ends the contract. Resolves with the finalized block at
 * which the contract ended, and the finalized head when the gateway
 * stopped the download: the time of its `access ended` log line placed
 * among the finalized heads the test saw arrive. (The reader sees the cut
 * later: it first reads, at its slow pace, what the sockets still held.)
 */
async function cutShort(id, end) {
  const response = await download(bob, large);
  assert.equal(response.status, 200);
  const size = Number(response.headers.get('content-length'));
  const reader = response.body.getReader();
  let read = 0;
  let cut = false;
  const heads = [];
  const unsubscribe = await api.rpc.chain.subscribeFinalizedHeads((h) => heads.push([Date.now(), h.number.toNumber()]));
  const reading = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        read += value.length;
        // About 1 MB/s: the download outlasts a revocation's finality.
        await new Promise((r) => setTimeout(r, value.length / 1000));
      }
    } catch {
      cut = true;
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  await end();
  const ended = await finalizedNow();
  await reading;
  unsubscribe();
  const stopped = gateway.log().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
    .find((l) => l.target === 'delivery' && l.fields.message === 'access ended: download stopped' && l.fields.contract === `Some(${id})`);
  const at = stopped && Date.parse(stopped.timestamp.replace(/(\.\d{3})\d+/, '$1'));
  const broke = cut && stopped ? heads.filter(([t]) => t <= at).at(-1)?.[1] ?? null : null;
  return { ended, broke, read, size };
}

test('a revocation cuts a running download within two finalized blocks', async (t) => {
  // The large dataset keeps its registration's one rule: the provider decides.
  assert.deepEqual(await rpc('access_rules', large), [{ outcome: 'provider' }]);
  const id = await request(bob, large, 'planning');
  await submit(api, api.tx.access.approveRequest(id, null), alice);
  await finalizedNow();
  const { ended, broke, read, size } = await cutShort(id, () => submit(api, api.tx.access.revokeAccess(id, 'the survey is being corrected'), alice));
  assert.ok(broke !== null, `the download was not cut (${read} of ${size} bytes read)`);
  assert.ok(read < size);
  assert.ok(broke <= ended + 2, `cut at finalized block ${broke}, the revocation finalized at ${ended}`);
  t.diagnostic(`revoked at finalized block ${ended}, cut at ${broke}, after ${read} of ${size} bytes`);
});

test('the consumer terminates its own contract, and its running download stops', async (t) => {
  const id = await request(bob, large, 'planning');
  await submit(api, api.tx.access.approveRequest(id, null), alice);
  await finalizedNow();
  const { ended, broke, read, size } = await cutShort(id, () => submit(api, api.tx.access.relinquishAccess(id), bob));
  t.diagnostic(`relinquished at finalized block ${ended}, cut at ${broke}, after ${read} of ${size} bytes`);
  assert.equal((await api.rpc.access.get(id)).toJSON().state, 'relinquished');
  assert.ok(broke !== null && broke <= ended + 2);
  const entries = (await api.rpc.audit.entries({ subject: { contract: id } })).toJSON().items;
  assert.ok(entries.some((e) => e.action === 'accessRelinquished' && e.actor === bob.address));
});

/** Runs e2e/terms/odrl_check.py on `documents`; resolves with its JSON lines. */
function odrlCheck(documents) {
  const files = documents.map((d, i) => {
    const path = join(dir, `odrl-${i}.jsonld`);
    writeFileSync(path, JSON.stringify(d));
    return path;
  });
  return new Promise((resolve, reject) => {
    execFile(python, [join(here, 'terms', 'odrl_check.py'), ...files], (error, stdout, stderr) => {
      const lines = stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      if (error && lines.length === 0) reject(new Error(`odrl_check.py failed: ${stderr}`));
      else resolve(lines);
    });
  });
}

test('the policy (an Offer) and a contract (an Agreement) are ODRL 2.2 that pyld reads with vocabulary terms only', async () => {
  await setRules(small, [
    rule('Grant', { consumer: { Kinds: ['Transport'] }, purpose: ['planning'], maxDays: 30, scope: { Jurisdictions: [0] }, uses: 10 }),
    rule('Refuse', { purpose: ['law-enforcement'] }),
    rule('ProviderAndRegulator', { window: { from: Date.UTC(2026, 0, 1), to: Date.UTC(2030, 0, 1) } }),
  ]);
  // The dataset is internal: Bob, a member, reads it signed.
  const signed = (url) => fetch(url, { headers: { authorization: authorization(bob, 'GET', url) } });
  const item = await (await signed(`${gateway.url}/collections/department-0/items/${small}`)).json();
  const link = item.links.find((l) => l.rel === 'http://www.w3.org/ns/odrl/2/hasPolicy');
  assert.ok(link, 'the Item links its policy');
  assert.equal((await fetch(link.href)).status, 404, 'an anonymous reader does not see it');
  const offerResponse = await signed(link.href);
  assert.equal(offerResponse.headers.get('content-type'), 'application/ld+json');
  const offer = await offerResponse.json();
  assert.equal(offer['@type'], 'Offer');
  assert.equal(offer.permission.length, 2);
  assert.equal(offer.prohibition.length, 1);
  assert.deepEqual(offer.permission[1].duty.map((d) => d.action), ['obtainConsent', 'obtainConsent']);
  // Bob's contract keeps the rule that granted it, whatever the policy now.
  const agreement = await rpc('access_odrl', { contract: bobsContract, base: gateway.url });
  assert.equal(agreement['@type'], 'Agreement');
  assert.equal(agreement.assignee, `${gateway.url}/collections/department-1`);
  assert.deepEqual(agreement.permission[0].constraint.map((c) => c.leftOperand),
    ['elapsedTime', 'purpose'], 'its term and purpose; its rule named no jurisdiction or uses');
  const checked = await odrlCheck([offer, agreement]);
  for (const c of checked) assert.deepEqual(c.unknown, [], `${c.file}: terms outside ODRL 2.2`);
  assert.ok(checked[0].types.includes('http://www.w3.org/ns/odrl/2/Offer'));
  assert.ok(checked[1].types.includes('http://www.w3.org/ns/odrl/2/Agreement'));
  for (const term of ['purpose', 'spatial', 'elapsedTime', 'count', 'recipient', 'dateTime']) {
    assert.ok(checked[0].terms.includes(`http://www.w3.org/ns/odrl/2/${term}`), `the Offer uses odrl:${term}`);
  }
});

test('a STAC search finds the datasets a department may have at once for a purpose, exactly as access_evaluate decides', async () => {
  const third = await registerFile('stops.geojson', 50);
  await setRules(small, [
    rule('Grant', { consumer: { Kinds: ['Transport'] }, purpose: ['planning'], maxDays: 30 }),
    rule('Provider'),
  ]);
  await setRules(large, [rule('Provider', { maxDays: 365 })]);
  await setRules(third, [rule('Refuse', { purpose: ['research'] }), rule('Grant')]);
  const department = async (pair) => (await api.query.departments.members(pair.address)).toJSON().department;
  const [transport, environment] = [await department(bob), await department(charlie)];

  const functions = await (await fetch(`${gateway.url}/functions`)).json();
  assert.deepEqual(functions.functions.map((f) => f.name), ['citychain:outcome']);
  const landing = await (await fetch(`${gateway.url}/`)).json();
  assert.ok(landing.conformsTo.includes('http://www.opengis.net/spec/cql2/1.0/conf/functions'));

  // Alice's signed searches see all her datasets, whatever their sensitivity.
  const search = async (filter) => {
    const url = `${gateway.url}/search?limit=100&filter-lang=cql2-text&filter=${encodeURIComponent(filter)}`;
    const response = await fetch(url, { headers: { authorization: authorization(alice, 'GET', url) } });
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    return body.features.map((f) => Number(f.id)).sort((a, b) => a - b);
  };
  const all = await search('citychain:owner >= 0');
  assert.ok([small, large, third].every((id) => all.includes(id)));
  for (const [who, id] of [[bob, transport], [charlie, environment]]) {
    for (const purpose of ['planning', 'research']) {
      for (const outcome of ['grant', 'provider', 'refuse']) {
        const found = await search(`citychain:outcome(${id}, '${purpose}') = '${outcome}'`);
        const decided = [];
        for (const dataset of all) {
          const verdict = await rpc('access_evaluate', { account: who.address, dataset, purpose, term: DAY });
          if (verdict?.outcome === outcome) decided.push(dataset);
        }
        assert.deepEqual(found, decided, `department ${id}, ${purpose}, ${outcome}`);
      }
    }
  }
  // The issue's example, and what it leaves out.
  const atOnce = await search(`citychain:outcome(${transport}, 'planning') = 'grant'`);
  assert.ok(atOnce.includes(small) && atOnce.includes(third) && !atOnce.includes(large));
  assert.ok(!(await search(`citychain:outcome(${environment}, 'planning') = 'grant'`)).includes(small));
  assert.ok(!(await search(`citychain:outcome(${transport}, 'planning', 31) = 'grant'`)).includes(small), 'past the rule\'s 30 days');
  assert.ok(!(await search(`citychain:outcome(${transport}, 'research') = 'grant'`)).includes(third));

  const bad = `${gateway.url}/search?filter=${encodeURIComponent(`citychain:outcome('x', 'planning') = 'grant'`)}`;
  const refused = await fetch(bad);
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).description, /citychain:outcome: its department is a whole number/);
});
