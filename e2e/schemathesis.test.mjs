// schemathesis (PyPI) against the gateway's own OpenAPI document (`/api`):
// every operation it describes, with values generated from the document
// (positive and negative), boundary values (the coverage phase) and, part
// of the time, values that reach real data (the seeded collections and
// datasets, and bboxes, datetimes, CQL2 filters, sort keys and field lists
// a STAC client sends). No answer may be a 5xx, and every answer must be
// what the document says: its status, its media type, its body's schema
// (errors are `{ code, description }`, as the STAC API has them). Once as an anonymous reader, once
// through Alice's read token. Deterministic (a fixed seed, no example
// database), bounded (a fixed number of examples per operation and a
// timeout), and nothing leaves the loopback interface.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, finalizedAtLeast, httpRpc } from './lib/node.mjs';
import { startGateway, cliOk } from './lib/gateway.mjs';

const python = process.env.CITYCHAIN_PYTHON || 'python3';
const DEG = 10_000_000;
/** The seed of every run: the same requests each time. */
const SEED = 39;
/** Test cases per operation in the fuzzing phase of each run. */
const MAX_EXAMPLES = 100;
/** What one schemathesis run may take before it counts as a failure. */
const RUN_TIMEOUT_MS = 150_000;
/**
 * The checks: no 5xx; the status, the media type, the headers and the
 * body's schema as documented; schema-violating input refused with a 4xx;
 * a request missing a required header refused; a method a path does not
 * have answered 405 with an `Allow` header that names the documented ones;
 * a route that needs a signature refused without one. Not
 * `positive_data_acceptance`: the document types bbox, datetime, filter and
 * the like as plain strings, so an arbitrary string is schema-valid yet
 * rightly refused (400).
 */
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'missing_required_header',
  'unsupported_method',
  'allow_header_conformance',
  'ignored_auth',
];

let node; let api; let gateway; let dir; let token;
const datasets = [];

/** A registration's description and content: over `[w, s, e, n]` during `[start, end]` (ms, end may be null). */
function description(title, [w, s, e, n], [start, end], keywords = []) {
  return [
    { title, description: `${title}: a schemathesis fixture`, topic: 'Transportation', keywords, uri: `https://data.city.example/${encodeURIComponent(title)}`, license: { expression: 'CC-BY-4.0', url: null } },
    {
      bbox: { west: Math.round(w * DEG), south: Math.round(s * DEG), east: Math.round(e * DEG), north: Math.round(n * DEG) },
      crs: 4326,
      time: { start, end },
      format: 'text/csv',
      hashCode: 0xb220,
      digest: `0x${'ef'.repeat(32)}`,
      size: 4096,
    },
  ];
}

/**
 * Sends `txs` signed by `signer` at once, with consecutive nonces (so in
 * this order); resolves with each one's events once all are in blocks.
 */
async function sendAll(signer, txs) {
  const first = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
  return Promise.all(txs.map((tx, i) => new Promise((resolve, reject) => {
    tx.signAndSend(signer, { nonce: first + i }, ({ status, events, dispatchError }) => {
      if (dispatchError) reject(new Error(`${tx.method.section}.${tx.method.method}: ${dispatchError}`));
      else if (status.isInBlock) resolve(events.map((e) => e.event));
    }).catch(reject);
  })));
}

/** Registers `specs` (title, bbox, time, policy, sensitivity, keywords) as `signer`; their ids, in order. */
async function register(signer, specs) {
  const txs = specs.map(([title, bbox, time, policy, sensitivity, keywords]) => {
    const [d, c] = description(title, bbox, time, keywords);
    return api.tx.datasets.registerDataset(d, c, policy, sensitivity);
  });
  return (await sendAll(signer, txs))
    .map((events) => events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toString());
}

/**
 * schemathesis hooks. A header value with a control character (but tab)
 * is malformed HTTP (RFC 9110): the HTTP/1 parser under axum (hyper)
 * refuses the message with a bare 400 (no body, no media type) before any
 * route runs. That answer is the protocol's, not this API's, so it is the
 * one failure dropped; such a request's other failures (a 5xx, say) count.
 */
const HOOKS = `import schemathesis

CONTROL = {chr(c) for c in range(32) if c != 9} | {chr(127)}


def malformed(headers):
    return any(
        CONTROL & set(v.decode("latin-1") if isinstance(v, bytes) else str(v))
        for v in headers.values()
    )


@schemathesis.hook
def filter_failure(context, failure, case, response):
    bare = response.status_code == 400 and not response.content and not any(
        k.lower() == "content-type" for k in response.headers
    )
    return not (bare and malformed(response.request.headers))
`;

/** A TOML basic string (JSON's escapes are TOML's; TOML escapes DEL too). */
const toml = (s) => JSON.stringify(String(s)).replace(/\x7f/g, '\\u007f');

/**
 * schemathesis.toml: the seed, the examples, no example database, the
 * seeded ids and realistic STAC values as dictionaries that path, query and
 * body parameters take half the time (the other half stays generated).
 */
function config() {
  const dictionaries = {
    collections: ['department-0', 'department-1', 'department-2', 'department-3'],
    datasets,
    bboxes: ['116.2,39.8,116.5,40.0', '170,-10,-170,10', '-180,-90,180,90', '116.4,39.9,116.4,39.9', '116.2,39.8,0,116.5,40.0,100'],
    datetimes: ['2023-01-01T00:00:00Z', '2022-01-01T00:00:00Z/2024-12-31T23:59:59Z', '../2023-06-30T00:00:00Z', '2024-01-01T00:00:00Z/..', '../..', '2025-01-01T00:00:00Z/2020-01-01T00:00:00Z'],
    filters: [
      "title LIKE 'Centre%'",
      '"citychain:owner" = 1',
      'S_INTERSECTS(geometry, POLYGON((116 39, 117 39, 117 40, 116 40, 116 39)))',
      "NOT (title = 'Far') AND datetime >= TIMESTAMP('2023-01-01T00:00:00Z')",
      "keywords IN ('bridge')",
      '{"op":"=","args":[{"property":"citychain:owner"},0]}',
    ],
    sortbys: ['-datetime,+title', 'id', '-updated', 'title'],
    fields: ['id,properties.title,-geometry', '-links', 'properties', '-properties.datetime'],
    intersects: ['{"type":"Point","coordinates":[116.4,39.9]}', '{"type":"Polygon","coordinates":[[[116,39],[117,39],[117,40],[116,40],[116,39]]]}'],
    ids: [datasets.join(','), datasets[0]],
    collectionLists: ['department-0,department-1', 'department-1'],
    words: ['survey', 'centre,bridge', 'far'],
  };
  const bind = {
    'path.collectionId': 'collections',
    'path.featureId': 'datasets',
    'path.dataset': 'datasets',
    'query.bbox': 'bboxes',
    'query.datetime': 'datetimes',
    'query.filter': 'filters',
    'query.sortby': 'sortbys',
    'query.fields': 'fields',
    'query.intersects': 'intersects',
    'query.ids': 'ids',
    'query.collections': 'collectionLists',
    'query.q': 'words',
    'body.datetime': 'datetimes',
    'body.filter': 'filters',
    'body.ids[*]': 'datasets',
    'body.collections[*]': 'collections',
    'body.q': 'words',
  };
  return [
    `seed = ${SEED}`,
    'workers = 1',
    `hooks = ${toml(join(dir, 'hooks.py'))}`,
    '',
    '[generation]',
    'database = "none"',
    `max-examples = ${MAX_EXAMPLES}`,
    '',
    ...Object.entries(dictionaries).flatMap(([name, values]) => [
      `[dictionaries.${name}]`, `values = [${values.map(toml).join(', ')}]`, '']),
    '[parameters]',
    ...Object.entries(bind).map(([key, name]) => `${toml(key)} = { dictionary = ${toml(name)}, probability = 0.5 }`),
    '',
  ].join('\n');
}

/**
 * Runs `schemathesis run` against the gateway's `/api` with `extra`
 * arguments; resolves with its exit code and output.
 */
function schemathesis(extra = []) {
  const configFile = join(dir, 'schemathesis.toml');
  writeFileSync(configFile, config());
  writeFileSync(join(dir, 'hooks.py'), HOOKS);
  // The CLI's entry point, whichever scripts the venv has.
  const main = 'import sys; from schemathesis.cli import schemathesis; sys.argv[0] = "schemathesis"; sys.exit(schemathesis())';
  const args = ['-c', main, '--config-file', configFile, '--no-color', 'run', `${gateway.url}/api`,
    '--checks', CHECKS.join(','), '--seed', String(SEED), '--max-examples', String(MAX_EXAMPLES),
    '--phases', 'coverage,fuzzing', '--workers', '1', '--generation-database', 'none',
    '--request-timeout', '10', '--continue-on-failure', '--output-truncate', 'false',
    // Reproducers exactly as sent (the token is a throw-away chain's).
    '--output-sanitize', 'false', ...extra];
  const env = {
    ...process.env,
    // Loopback only: no proxy, however the environment is set.
    NO_PROXY: '*', no_proxy: '*', HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '',
    // Reproducers on one line each.
    COLUMNS: '200',
  };
  return new Promise((resolve) => {
    execFile(python, args, { cwd: dir, env, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 26 },
      (error, stdout, stderr) => resolve({
        code: error ? (error.killed ? 'timeout' : (error.code ?? 1)) : 0,
        output: `${stdout}${stderr}`,
      }));
  });
}

/** The failures part of schemathesis's output (all of it, up to 60 KB). */
function failures(output) {
  const at = output.search(/=+ FAILURES =+|=+ ERRORS =+/);
  return (at >= 0 ? output.slice(at) : output).slice(-60_000);
}

/** The gateway's errors and warnings but refusals (a 4xx it logs), the last 40. */
function complaints() {
  return gateway.log().split('\n')
    .filter((l) => /"level":"(WARN|ERROR)"/.test(l) && !/"message":"refused"/.test(l)).slice(-40).join('\n');
}

/**
 * Asserts a schemathesis run found nothing, and that the node and gateway
 * still run; notes how many test cases it ran, and in what time.
 */
async function assertClean(t, run) {
  for (const line of run.output.match(/^\s*\d+ generated.*$|^=+ .* in [\d.]+s =+$/gm) ?? []) {
    t.diagnostic(line.replace(/^[=\s]+|[=\s]+$/g, ''));
  }
  assert.notEqual(run.code, 'timeout', `schemathesis ran longer than ${RUN_TIMEOUT_MS / 1000} s:\n${run.output.slice(-20_000)}`);
  assert.match(run.output, /Test Phase|API Operations|Schemathesis v/, `schemathesis did not run:\n${run.output}`);
  assert.equal(run.code, 0, `schemathesis found failures:\n${failures(run.output)}\n-- the gateway's warnings and errors --\n${complaints()}`);
  assert.ok(gateway.alive(), 'the gateway stopped');
  assert.ok((await httpRpc(`http://${new URL(node.endpoint).host}`, 'system_health')).ok, 'the node stopped answering');
}

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((u) => keyring.addFromUri(u));
  dir = mkdtempSync(join(tmpdir(), 'citychain-schemathesis-'));
  node = await startNode();
  api = await connect(node.endpoint);
  // Rate limits high enough that thousands of requests from one address
  // reach the handlers rather than a 429.
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: join(dir, 'data'), extraArgs: ['--address-rate=1000000', '--account-rate=1000000', '--read-rate=1000000', '--searches-per-address=64'] });
  // A few datasets of each sort: public ones in the city, one across the
  // antimeridian, open-ended ones, a confidential one, a secret one, a
  // second version, and a pending request (an audit trail beyond the
  // registration). One sender after the other, so the ids are always the
  // same (Alice's 0-2, Bob's 3-5, the new version 6) and so are the
  // requests generated from them.
  const y = (year, month = 0) => Date.UTC(year, month, 1);
  datasets.push(...await register(alice, [
    ['Centre roads', [116.38, 39.9, 116.4, 39.92], [y(2023), y(2023, 11)], 'Open', 'Public', ['survey', 'roads']],
    ['Pacific buoys', [170, -10, -170, 10], [y(2022), null], 'Open', 'Public', ['buoy']],
    ['Centre bridges', [116.39, 39.91, 116.41, 39.93], [y(2024), y(2024)], 'ApprovalRequired', 'Public', ['bridge']],
  ]));
  const bob0 = datasets.length;
  datasets.push(...await register(bob, [
    ['Bus lanes', [116.3, 39.8, 116.5, 40.0], [y(2024), y(2024, 6)], 'ApprovalRequired', 'Public', ['survey']],
    ['Depot plans', [116.45, 39.95, 116.46, 39.96], [y(2024), y(2025)], 'ApprovalRequired', 'Confidential', []],
    ['Signal keys', [116.4, 39.9, 116.41, 39.91], [y(2025), null], 'Restricted', 'Secret', []],
  ]));
  const [, content] = description('Bus lanes', [116.3, 39.8, 116.52, 40.02], [y(2025), y(2025, 6)]);
  const [versioned] = await sendAll(bob, [api.tx.datasets.publishVersion(datasets[bob0], content, null)]);
  const latest = versioned.find((e) => api.events.datasets.VersionPublished.is(e)).data.dataset.toString();
  datasets.push(latest);
  // Charlie asks for the newest version of Bob's bus lanes.
  await sendAll(charlie, [api.tx.access.requestAccess(latest, 'traffic model', 1000, null)]);
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
  token = await cliOk(node.endpoint, ['token', `--gateway=${gateway.url}`, '--hours=1'], { suri: '//Alice' });
});

after(async () => {
  await gateway?.stop();
  await api?.disconnect();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('schemathesis finds no 5xx and no answer that breaks the OpenAPI document, as an anonymous reader', async (t) => {
  await assertClean(t, await schemathesis());
});

test('schemathesis finds no 5xx and no answer that breaks the OpenAPI document, through a read token', async (t) => {
  await assertClean(t, await schemathesis(['--header', `Authorization: Bearer ${token}`]));
});
