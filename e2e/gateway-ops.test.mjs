// The gateway in production: HTTPS with its own certificate (rustls),
// renewed without a restart, and Prometheus metrics on a listener of their
// own. The certificates are made with the openssl CLI; the metrics are read
// with prometheus_client's parser (CITYCHAIN_PYTHON).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, freePort } from './lib/node.mjs';
import { authorization, httpsGet, startGateway } from './lib/gateway.mjs';

/** The gateway's certificate reload interval (tls::RELOAD_INTERVAL). */
const RELOAD_MS = 2000;
/** Its handshake timeout (tls::HANDSHAKE_TIMEOUT). */
const HANDSHAKE_MS = 10_000;

let node;
let gateway;
let dir;
let certFile; let keyFile;
let first; // the certificate the gateway starts with
let metricsUrl;
let bob;

/** A self-signed certificate for 127.0.0.1 and localhost: its PEM, its key's PEM, its fingerprint. */
function selfSigned(name) {
  const [cert, key] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-days', '2', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const pem = readFileSync(cert, 'utf8');
  return { cert: pem, key: readFileSync(key, 'utf8'), fingerprint: new X509Certificate(pem).fingerprint256 };
}

/** The metrics' samples, as prometheus_client's text parser reads them: `[name, labels, value]`. */
async function scrape() {
  const r = await fetch(metricsUrl);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const parse = [
    'import json, sys',
    'from prometheus_client.parser import text_string_to_metric_families',
    'families = text_string_to_metric_families(sys.stdin.read())',
    'print(json.dumps([[s.name, s.labels, s.value] for f in families for s in f.samples]))',
  ].join('\n');
  const python = process.env.CITYCHAIN_PYTHON || 'python3';
  return JSON.parse(execFileSync(python, ['-c', parse], { input: await r.text() }));
}

/** The value of the sample `name` whose labels include `labels`, summed; 0 if none. */
function value(samples, name, labels = {}) {
  return samples.filter(([n, l]) => n === name && Object.entries(labels).every(([k, v]) => l[k] === v))
    .reduce((sum, [, , v]) => sum + v, 0);
}

before(async () => {
  await cryptoWaitReady();
  bob = new Keyring({ type: 'sr25519' }).addFromUri('//Bob');
  dir = mkdtempSync(join(tmpdir(), 'citychain-gateway-ops-'));
  [certFile, keyFile] = [join(dir, 'gateway.crt'), join(dir, 'gateway.key')];
  first = selfSigned('first');
  writeFileSync(certFile, first.cert);
  writeFileSync(keyFile, first.key);
  node = await startNode();
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  gateway = await startGateway({
    endpoint: node.endpoint,
    dataDir: join(dir, 'store'),
    ca: first.cert,
    extraArgs: [`--tls-cert=${certFile}`, `--tls-key=${keyFile}`, `--metrics-listen=127.0.0.1:${metricsPort}`],
  });
});

after(async () => {
  await gateway?.stop();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the gateway serves HTTPS with its certificate: /health and the STAC landing page', async () => {
  const health = await httpsGet(`${gateway.url}/health`, { ca: first.cert });
  assert.equal(health.status, 200);
  assert.equal(health.fingerprint, first.fingerprint);
  assert.equal(JSON.parse(health.body).node, 'connected');
  const landing = await httpsGet(`${gateway.url}/`, { ca: first.cert, headers: { accept: 'application/json' } });
  assert.equal(landing.status, 200);
  const links = JSON.parse(landing.body).links.map((l) => l.href);
  assert.ok(links.length > 0 && links.every((h) => h.startsWith(`${gateway.url}/`)), `links to https://: ${links}`);
});

test('a plain HTTP client or one that does not trust the certificate is refused', async () => {
  await assert.rejects(fetch(`${gateway.url.replace('https', 'http')}/health`), 'plain HTTP');
  const stranger = selfSigned('stranger');
  await assert.rejects(httpsGet(`${gateway.url}/health`, { ca: stranger.cert }),
    (e) => /self.signed|unable to verify/i.test(`${e.code} ${e.message}`), 'another certificate');
});

test('a connection that never completes its handshake is closed by the timeout, and delays nobody', async () => {
  const opened = Date.now();
  const silent = tcpConnect(gateway.port, '127.0.0.1');
  const closed = new Promise((resolve) => silent.on('close', () => resolve(Date.now() - opened)));
  silent.on('error', () => {});
  const meanwhile = Date.now();
  assert.equal((await httpsGet(`${gateway.url}/health`, { ca: first.cert })).status, 200);
  assert.ok(Date.now() - meanwhile < 2000, 'served beside the silent connection');
  const held = await closed;
  assert.ok(held >= HANDSHAKE_MS - 500 && held < HANDSHAKE_MS + 3000, `closed after ${held} ms`);
});

/** Opens the relay over TLS as `pair` by hand, sends one JSON-RPC request, and resolves with its answer. */
function relayOverTls(pair, ca, rpc) {
  const auth = encodeURIComponent(authorization(pair, 'GET', `${gateway.url}/rpc`));
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${gateway.url}/rpc?auth=${auth}`, {
      ca,
      agent: false,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') },
    });
    req.on('response', (r) => reject(new Error(`no upgrade: ${r.statusCode}`)));
    req.on('error', reject);
    req.on('upgrade', (res, socket) => {
      assert.equal(res.statusCode, 101);
      assert.ok(socket.encrypted, 'the WebSocket runs over TLS');
      // One masked text frame (client frames are masked; this one is < 126 bytes).
      const payload = Buffer.from(JSON.stringify(rpc));
      const mask = randomBytes(4);
      socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4])]));
      let received = Buffer.alloc(0);
      socket.on('data', (d) => {
        received = Buffer.concat([received, d]);
        const short = received[1] & 0x7f;
        const [length, start] = short === 126 ? [received.readUInt16BE(2), 4] : [short, 2];
        if (received.length >= start + length) {
          socket.destroy();
          resolve(JSON.parse(received.subarray(start, start + length).toString()));
        }
      });
    });
    req.end();
  });
}

test('the relay (/rpc) upgrades to a WebSocket over TLS', async () => {
  const answer = await relayOverTls(bob, first.cert, { jsonrpc: '2.0', id: 7, method: 'chain_getFinalizedHead', params: [] });
  assert.equal(answer.id, 7);
  assert.match(answer.result, /^0x[0-9a-f]{64}$/);
});

test('a renewed certificate reaches new connections within the reload interval; a bad pair is kept out', async () => {
  const second = selfSigned('second');
  const both = first.cert + second.cert;
  // Half a rotation: the new certificate beside the old key is no pair.
  writeFileSync(certFile, second.cert);
  await new Promise((r) => setTimeout(r, RELOAD_MS * 2));
  assert.equal((await httpsGet(`${gateway.url}/health`, { ca: both })).fingerprint, first.fingerprint, 'the old pair is kept');
  assert.match(gateway.log(), /the certificate in use is kept/);
  writeFileSync(keyFile, second.key);
  const written = Date.now();
  let served;
  for (;;) {
    served = await httpsGet(`${gateway.url}/health`, { ca: both });
    if (served.fingerprint === second.fingerprint || Date.now() - written > RELOAD_MS * 3) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const latency = Date.now() - written;
  assert.equal(served.fingerprint, second.fingerprint, 'the new certificate is served');
  assert.ok(latency <= RELOAD_MS + 500, `served after ${latency} ms`);
  console.log(`# the new certificate was served ${latency} ms after its key was written`);
  assert.equal(served.status, 200);
  await assert.rejects(httpsGet(`${gateway.url}/health`, { ca: first.cert }), 'the old certificate is no longer served');
  first = second;
});

test('metrics: their own listener, requests, bytes, latency and refusals by route template, bounded labels', async () => {
  const { cert: ca } = first;
  const publicMetrics = await httpsGet(`${gateway.url}/metrics`, { ca });
  assert.equal(publicMetrics.status, 404, 'not on the public listener');
  const before = await scrape();
  const landing = await httpsGet(`${gateway.url}/`, { ca, headers: { accept: 'application/json' } });
  await httpsGet(`${gateway.url}/health`, { ca });
  await httpsGet(`${gateway.url}/health`, { ca });
  assert.equal((await httpsGet(`${gateway.url}/data/1`, { ca })).status, 401, 'unsigned');
  const signed = `${gateway.url}/data/987654321`;
  const refused = await httpsGet(signed, { ca, headers: { authorization: authorization(bob, 'GET', signed) } });
  assert.equal(refused.status, 404, refused.body);
  await httpsGet(`${gateway.url}/no/such/path-987654321`, { ca });
  await httpsGet(`${gateway.url}/health`, { ca, method: 'BREW' });
  const after = await scrape();
  const delta = (name, labels) => value(after, name, labels) - value(before, name, labels);
  const requests = 'citychain_gateway_requests_total';
  assert.equal(delta(requests, { route: '/health', method: 'GET', status: '200' }), 2);
  assert.equal(delta(requests, { route: '/', method: 'GET', status: '200' }), 1);
  assert.equal(delta(requests, { route: '/data/{dataset}', method: 'GET', status: '401' }), 1);
  assert.equal(delta(requests, { route: '/data/{dataset}', method: 'GET', status: '404' }), 1);
  assert.equal(delta(requests, { route: 'unmatched', method: 'GET', status: '404' }), 1);
  assert.equal(delta(requests, { route: '/health', method: 'other' }), 1, 'an unknown method is "other"');
  const refusals = 'citychain_gateway_refusals_total';
  assert.equal(delta(refusals, { route: '/data/{dataset}', reason: 'unauthorized' }), 1);
  assert.equal(delta(refusals, { route: '/data/{dataset}', reason: 'not_found' }), 1);
  assert.equal(delta(refusals, { route: '/health' }), 0, 'an answer is no refusal');
  assert.equal(delta('citychain_gateway_response_bytes_total', { route: '/', status: '200' }), Buffer.byteLength(landing.body));
  assert.equal(delta('citychain_gateway_request_duration_seconds_count', { route: '/health' }), 3);
  assert.ok(delta('citychain_gateway_request_duration_seconds_sum', { route: '/health' }) > 0);
  assert.equal(value(after, 'citychain_gateway_store_errors_total'), 0);
  // The reload test's two changes: one kept out, one loaded; the plain
  // client's and the silent connection's handshakes.
  assert.equal(value(after, 'citychain_gateway_tls_reloads_total', { result: 'kept' }), 1);
  assert.equal(value(after, 'citychain_gateway_tls_reloads_total', { result: 'loaded' }), 1);
  assert.ok(value(after, 'citychain_gateway_tls_handshake_failures_total', { reason: 'error' }) >= 1);
  assert.equal(value(after, 'citychain_gateway_tls_handshake_failures_total', { reason: 'timeout' }), 1);
  // Nothing a client sent became a label value.
  const labels = after.flatMap(([, l]) => Object.values(l));
  assert.ok(!labels.some((v) => /987654321|BREW|no\/such/.test(v)), 'no raw path or method in a label');
  const routes = new Set(after.map(([, l]) => l.route).filter(Boolean));
  assert.ok([...routes].every((r) => r === 'unmatched' || r.startsWith('/')), [...routes].join(' '));
});
