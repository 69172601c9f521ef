// The gateway's event feed, saved searches and webhooks (docs/feed.md):
// a reader away for 20 blocks of registrations and decisions (and a
// gateway and a node restart) gets every event once on reconnecting with
// its cursor, as JSON pages and as Server-Sent Events; a saved search's
// webhook gets exactly the matching new datasets it may see, signed; a
// webhook that fails three times gets the event on the fourth try; an
// anonymous feed carries no internal record and no contract; floods are
// refused by name.
//
// The oracle for "every event" is @polkadot/api reading each block's
// System.Events from the node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { blake3 } from '@noble/hashes/blake3';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { startNode, connect, submit, finalizedAtLeast, sampleContent } from './lib/node.mjs';
import { startGateway, authorization, cliOk } from './lib/gateway.mjs';

const CENTRE = [116.30, 39.85, 116.50, 40.00];
const FAR = [121.40, 31.10, 121.50, 31.20];
let node; let api; let gateway; let strict; let dir; let strictDir; let hooks;
let alice; let bob; let dave;
const ids = {};
const received = { ok: [], flaky: [] };
let flakyCalls = 0;
let start; // the cursor the away reader had read up to
let firstBlock; let lastBlock; // the stretch it was away for
const secrets = {};
const subscription = {};

async function register(signer, title, box, policy = 'ApprovalRequired', sensitivity = 'Public') {
  const { events } = await submit(api, api.tx.datasets.registerDataset(
    { title, description: title, topic: 'Transportation', keywords: ['traffic'], uri: 'https://gw.example/data', license: { expression: 'CC-BY-4.0', url: null } },
    sampleContent(box), policy, sensitivity,
  ), signer);
  return events.find((ev) => api.events.datasets.DatasetRegistered.is(ev)).data.dataset.toNumber();
}

/** A signed gateway request of `pair` (its nonce used once). */
function signed(pair, method, path, body) {
  const url = `${gateway.url}${path}`;
  return fetch(url, {
    method,
    headers: { authorization: authorization(pair, method, url), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A signed read (GET) of `pair`. */
async function read(pair, path, base = gateway.url) {
  const url = `${base}${path}`;
  const r = await fetch(url, { headers: { authorization: authorization(pair, 'GET', url) } });
  assert.equal(r.status, 200, `${path}: ${await r.clone().text()}`);
  return r.json();
}

/** Every event after `after` that `pair` (or anonymous) sees, page by page. */
async function drain(pair, after, limit = 7) {
  const all = [];
  let cursor = after;
  for (;;) {
    const query = `/events?limit=${limit}${cursor ? `&after=${cursor}` : ''}`;
    const page = pair ? await read(pair, query) : await (await fetch(`${gateway.url}${query}`)).json();
    all.push(...page.events);
    if (!page.next || page.next === cursor) return { events: all, followed: page.followed };
    cursor = page.next;
  }
}

/** Resolves once the gateway has followed block `number`. */
async function followed(number, base = gateway.url) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const page = await (await fetch(`${base}/events?limit=1&after=${number}-999999`)).json();
    if (page.followed >= number) return;
    if (Date.now() > deadline) throw new Error(`the gateway did not follow #${number}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The Server-Sent Events of `url` (with `headers`) until `count` have come; their ids and data. */
async function sse(url, headers, count) {
  const controller = new AbortController();
  const r = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  if (r.status !== 200) assert.fail(`${r.status}: ${await r.text()}`);
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  const decoder = new TextDecoder();
  const events = [];
  let text = '';
  const timer = setTimeout(() => controller.abort(), 20_000);
  try {
    for await (const chunk of r.body) {
      text += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const id = /^id: ?(.*)$/m.exec(block)?.[1];
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        if (id) events.push({ id, data: JSON.parse(data) });
      }
      if (events.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  [alice, bob, dave] = ['//Alice', '//Bob', '//Dave'].map((u) => keyring.addFromUri(u));
  dir = mkdtempSync(join(tmpdir(), 'citychain-feed-'));
  strictDir = mkdtempSync(join(tmpdir(), 'citychain-feed-strict-'));
  // The webhook endpoints: /ok answers 204; /flaky fails three times, then answers.
  hooks = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const hit = { body: JSON.parse(body), raw: body, signature: req.headers['x-citychain-signature'], delivery: req.headers['x-citychain-delivery'], attempt: Number(req.headers['x-citychain-attempt']) };
      if (req.url === '/flaky') {
        flakyCalls += 1;
        received.flaky.push(hit);
        res.writeHead(flakyCalls <= 3 ? 500 : 200).end();
      } else {
        received.ok.push(hit);
        res.writeHead(204).end();
      }
    });
  });
  await new Promise((r) => hooks.listen(0, '127.0.0.1', r));
  node = await startNode();
  api = await connect(node.endpoint);
  gateway = await startGateway({
    endpoint: node.endpoint, dataDir: dir, extraArgs: ['--webhook-allow-private', '--webhook-retry-ms=300'],
  });
  // Another gateway with the defaults (public webhooks only) and room for two streams.
  strict = await startGateway({ endpoint: node.endpoint, dataDir: strictDir, extraArgs: ['--max-event-streams=2'] });
});

after(async () => {
  await gateway?.stop();
  await strict?.stop();
  await api?.disconnect();
  await node?.stop();
  await new Promise((r) => (hooks ? hooks.close(r) : r()));
  for (const d of [dir, strictDir]) if (d) rmSync(d, { recursive: true, force: true });
});

test('Alice saves searches with webhooks; the secret comes once', async () => {
  const hook = `http://127.0.0.1:${hooks.address().port}`;
  const search = { bbox: CENTRE, datetime: '2024-01-01T00:00:00Z/2024-12-31T23:59:59Z', filter: "keywords = 'traffic' OR title LIKE '%'", 'filter-lang': 'cql2-text' };
  for (const [name, path] of [['ok', '/ok'], ['flaky', '/flaky']]) {
    const r = await signed(alice, 'POST', '/subscriptions', { name: `traffic ${name}`, search, webhook: `${hook}${path}` });
    assert.equal(r.status, 201, await r.clone().text());
    const made = await r.json();
    assert.match(made.secret, /^[0-9a-f]{64}$/);
    secrets[made.id] = made.secret;
    subscription[name] = made.id;
  }
  const { subscriptions } = await read(alice, '/subscriptions');
  assert.deepEqual(subscriptions.map((s) => s.id).sort(), Object.values(subscription).sort());
  assert.ok(subscriptions.every((s) => s.secret === undefined && s.kind === 'search'), 'never shown again');
  // Bob's inbox, without a webhook: its requests to decide come on its feed.
  assert.equal((await signed(bob, 'POST', '/subscriptions', { inbox: true })).status, 201);
});

test('a reader away for 20 blocks of registrations and decisions (and a gateway and a node restart) gets each event once', async () => {
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  await finalizedAtLeast(api, head);
  await followed(head);
  start = (await drain(dave)).events.at(-1)?.cursor ?? `${head}-0`;
  firstBlock = head + 1;
  // One transaction a block, 20 blocks: what the webhooks expect, and noise.
  ids.match = await register(bob, 'Counts centre', CENTRE);
  ids.far = await register(bob, 'Counts far away', FAR);
  ids.secret = await register(bob, 'Counts centre (secret)', CENTRE, 'Restricted', 'Secret');
  ids.internal = await register(bob, 'Counts centre (internal)', CENTRE, 'ApprovalRequired', 'Internal');
  const request = async (signer, dataset) => {
    const { events } = await submit(api, api.tx.access.requestAccess(dataset, 'traffic model', 1000, null), signer);
    return events.find((e) => api.events.access.AccessRequested.is(e)).data.contract.toNumber();
  };
  const asked = await request(alice, ids.far);
  await submit(api, api.tx.access.approveRequest(asked, null), bob);
  const refused = await request(alice, ids.match);
  await gateway.stop();
  await submit(api, api.tx.access.rejectRequest(refused, 'not now'), bob);
  gateway = await startGateway({
    endpoint: node.endpoint, dataDir: dir, port: gateway.port, extraArgs: ['--webhook-allow-private', '--webhook-retry-ms=300'],
  });
  const { events: versioned } = await submit(api, api.tx.datasets.publishVersion(ids.match, sampleContent(CENTRE), null), bob);
  ids.version = versioned.find((e) => api.events.datasets.VersionPublished.is(e)).data.dataset.toNumber();
  // The node restarts under the gateway too.
  await node.restart();
  while (!api.isConnected) await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; lastBlock === undefined || lastBlock < firstBlock + 19; i += 1) {
    const noise = await register(i % 2 ? alice : bob, `Noise ${i}`, FAR, 'Open');
    const { blockHash } = await submit(api, api.tx.access.requestAccess(noise, 'noise', 100, null), i % 2 ? bob : alice);
    lastBlock = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
  }
  await finalizedAtLeast(api, lastBlock);
  await followed(lastBlock);

  // The oracle: each block's Datasets and Access events and Audit flags.
  const expected = [];
  for (let n = firstBlock; n <= lastBlock; n += 1) {
    const at = await api.at(await api.rpc.chain.getBlockHash(n));
    (await at.query.system.events()).forEach((record, index) => {
      const { section, method } = record.event;
      if (section === 'datasets' || section === 'access' || (section === 'audit' && method === 'Flagged')) {
        expected.push(`${n}-${index}`);
      }
    });
  }
  assert.ok(expected.length >= 20, `${expected.length} events in 20 blocks`);
  const { events } = await drain(dave, start);
  const got = events.map((e) => e.cursor).filter((c) => Number(c.split('-')[0]) <= lastBlock);
  assert.deepEqual(got, expected, 'the regulator gets every event, once, in order');
  assert.equal(new Set(got).size, got.length, 'no event twice');
  // The same over Server-Sent Events, from Last-Event-ID.
  const streamed = await sse(`${gateway.url}/events`, { authorization: authorization(dave, 'GET', `${gateway.url}/events`), 'last-event-id': start }, expected.length);
  assert.deepEqual(streamed.slice(0, expected.length).map((e) => e.id), expected);
  assert.deepEqual(streamed.map((e) => e.data.cursor), streamed.map((e) => e.id));
  // Bob's own feed says what is his to decide, Alice's what was decided.
  const bobs = (await drain(bob, start)).events;
  assert.ok(bobs.some((e) => e.event === 'AccessRequested' && e.dataset === ids.match && e.concerns?.includes('decide')));
  const alices = (await drain(alice, start)).events;
  assert.deepEqual(
    alices.filter((e) => e.concerns?.includes('decision')).map((e) => e.event).slice(0, 2),
    ['AccessApproved', 'RequestRejected'],
  );
  assert.ok(!alices.some((e) => e.dataset === ids.secret), 'Alice does not see the secret record');
});

test("a saved search's webhook gets exactly the matching new datasets Alice may see, signed", async () => {
  const deadline = Date.now() + 20_000;
  while (received.ok.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1000)); // nothing more may come
  const datasets = received.ok.map((h) => h.body.event.dataset);
  assert.deepEqual(datasets, [ids.match, ids.internal, ids.version], 'not the far one, not the secret one');
  for (const hit of received.ok) {
    assert.equal(hit.body.subscription, subscription.ok);
    assert.deepEqual(hit.body.event.matches, [subscription.ok]);
    const [, time, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(hit.signature);
    const key = hexToBytes(secrets[subscription.ok]);
    assert.equal(hit.delivery, `${subscription.ok}/${hit.body.event.cursor}`);
    assert.equal(bytesToHex(blake3(new TextEncoder().encode(`${time}.${hit.delivery}.${hit.raw}`), { key })), mac, 'keyed BLAKE3 of time.delivery.body');
  }
  // Alice's feed marks them as matches too.
  const mine = (await drain(alice, start)).events.filter((e) => e.concerns?.includes('match')).map((e) => e.dataset);
  assert.deepEqual([...new Set(mine)], [ids.match, ids.internal, ids.version]);
});

test('a webhook that fails three times gets the event on the fourth try; the log shows each', async () => {
  const deadline = Date.now() + 20_000;
  while (!received.flaky.some((h) => h.attempt === 4) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const first = received.flaky.filter((h) => h.body.event.dataset === ids.match);
  assert.deepEqual(first.map((h) => h.attempt), [1, 2, 3, 4]);
  const { log, deadLetters } = await read(alice, `/subscriptions/${subscription.flaky}/deliveries`);
  const tries = log.filter((t) => t.cursor === first[0].body.event.cursor);
  assert.deepEqual(tries.map((t) => [t.attempt, t.delivered]), [[1, false], [2, false], [3, false], [4, true]]);
  assert.equal(tries[0].outcome, 'HTTP 500 Internal Server Error');
  assert.deepEqual(deadLetters, []);
  assert.equal((await fetch(`${gateway.url}/subscriptions/${subscription.flaky}/deliveries`, { headers: { authorization: authorization(bob, 'GET', `${gateway.url}/subscriptions/${subscription.flaky}/deliveries`) } })).status, 404, "not Bob's");
});

test('an anonymous feed carries no internal or secret record and no contract', async () => {
  const { events } = await drain(null, start, 100);
  const datasets = new Set(events.map((e) => e.dataset));
  assert.ok(datasets.has(ids.match) && datasets.has(ids.far));
  assert.ok(!datasets.has(ids.internal) && !datasets.has(ids.secret));
  assert.ok(events.every((e) => e.pallet === 'Datasets' && e.concerns === undefined));
  const streamed = await sse(`${gateway.url}/events?after=${start}`, {}, 3);
  assert.ok(streamed.every((e) => e.data.pallet === 'Datasets' && e.data.dataset !== ids.internal));
});

test('an account that is no member (Ferdie, through a read token) gets what an anonymous reader gets; no cursor names a hidden event', async () => {
  const token = (await cliOk(node.endpoint, ['token', `--gateway=${gateway.url}`], { suri: '//Ferdie' })).trim();
  const events = [];
  const nexts = [];
  let cursor = start;
  for (;;) {
    const r = await fetch(`${gateway.url}/events?limit=5&after=${cursor}&token=${encodeURIComponent(token)}`);
    assert.equal(r.status, 200, await r.clone().text());
    const page = await r.json();
    events.push(...page.events);
    nexts.push(page.next);
    if (page.next === cursor) break;
    cursor = page.next;
  }
  assert.ok(events.some((e) => e.dataset === ids.match), 'public catalogue events');
  assert.ok(events.every((e) => e.pallet === 'Datasets' && e.concerns === undefined), 'no contract, no flag');
  const given = new Set(events.map((e) => e.cursor));
  for (const next of nexts) assert.ok(given.has(next) || next.endsWith('-4294967295'), `${next} names no hidden event`);
  const streamed = await sse(`${gateway.url}/events?after=${start}&token=${encodeURIComponent(token)}`, {}, 3);
  assert.ok(streamed.every((e) => e.data.pallet === 'Datasets'));
});

test('bounds: cursors, tokens, parameters, streams, subscriptions and webhook addresses are refused by name', async () => {
  for (const [query, status] of [['after=12', 400], ['after=1-2-3', 400], [`after=${'9'.repeat(30)}-1`, 400], ['limit=0', 400], ['bogus=1', 400], ['token=nope', 401], ['concerning=true', 401]]) {
    const r = await fetch(`${gateway.url}/events?${query}`);
    assert.equal(r.status, status, query);
    assert.ok((await r.json()).description, query);
  }
  const clamped = await (await fetch(`${gateway.url}/events?limit=100000`)).json();
  assert.ok(clamped.events.length <= 100);
  // Four streams from one address, then TooManyStreams.
  const controllers = [];
  const open = async (base) => {
    const c = new AbortController();
    controllers.push(c);
    return fetch(`${base}/events`, { headers: { accept: 'text/event-stream' }, signal: c.signal });
  };
  try {
    for (let i = 0; i < 4; i += 1) assert.equal((await open(gateway.url)).status, 200);
    const fifth = await open(gateway.url);
    assert.equal(fifth.status, 429);
    assert.equal((await fifth.json()).code, 'TooManyStreams');
    // A gateway with room for two in all.
    for (let i = 0; i < 2; i += 1) assert.equal((await open(strict.url)).status, 200);
    const third = await open(strict.url);
    assert.equal(third.status, 503);
    assert.equal((await third.json()).code, 'StreamsFull');
  } finally {
    controllers.forEach((c) => c.abort());
  }
  // Webhooks to loopback, private or metadata addresses, unless the operator allows them.
  const post = (base, body) => {
    const url = `${base}/subscriptions`;
    return fetch(url, { method: 'POST', headers: { authorization: authorization(alice, 'POST', url), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  };
  for (const hook of ['http://127.0.0.1:9/x', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://10.0.0.1/', 'ftp://example.org/']) {
    const r = await post(strict.url, { search: { bbox: CENTRE }, webhook: hook });
    assert.equal(r.status, 400, hook);
    assert.match((await r.json()).description, /webhook/);
  }
  assert.equal((await post(strict.url, { search: { bbox: CENTRE }, webhook: 'https://hooks.example.org/x' })).status, 201, 'a public one');
  assert.equal((await post(strict.url, { search: { bbox: [1, 2] } })).status, 400, 'a search the node refuses');
  assert.equal((await post(strict.url, { search: { bbox: CENTRE, limit: 5 } })).status, 400, 'limit is not saved');
  assert.equal((await post(strict.url, { search: { q: 'x'.repeat(17_000) } })).status, 413, 'too large');
  const ferdie = new Keyring({ type: 'sr25519' }).addFromUri('//Ferdie');
  const url = `${strict.url}/subscriptions`;
  const outsider = await fetch(url, { method: 'POST', headers: { authorization: authorization(ferdie, 'POST', url) }, body: '{"inbox":true}' });
  assert.equal(outsider.status, 403, 'not a member');
  // At most 20 an account.
  const made = [];
  for (let i = 0; i < 25 && made.at(-1) !== 409; i += 1) made.push((await post(strict.url, { inbox: true })).status);
  assert.equal(made.filter((s) => s === 201).length, 19, 'the public one and 19 inboxes');
  const refused = await post(strict.url, { inbox: true });
  assert.equal(refused.status, 409);
  assert.equal((await refused.json()).code, 'TooManySubscriptions');
});

test('an account marks its notifications read, never backwards', async () => {
  const r = await signed(bob, 'PUT', '/events/read', { read: `${lastBlock}-0` });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await signed(bob, 'PUT', '/events/read', { read: '1-0' })).status, 200);
  assert.deepEqual(await read(bob, '/events/read'), { read: `${lastBlock}-0` });
  assert.equal((await signed(bob, 'PUT', '/events/read', { read: 'soon' })).status, 400);
});
