// The portal's light verification (issue #42): the regulator (Dave) opens
// the audit page, gives it the raw dev chain spec, and the browser verifies
// the audit log trusting no node — GRANDPA finality followed from the
// genesis the spec hashes to, the log's root read with a storage proof,
// every entry checked with its inclusion proof and the hash chain — with
// the same size and root as `audit_root` and `citychain audit verify
// --light`. A chain spec with one genesis value changed is refused (another
// genesis), and a node that lies behind the gateway is named with what it
// changed.
//
// Needs CITYCHAIN_NODE, CITYCHAIN_GATEWAY, CITYCHAIN_CLI, Chromium
// (CITYCHAIN_CHROMIUM, default /usr/bin/chromium) and the portal built
// (npm run build in web/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, xxhashAsHex } from '@polkadot/util-crypto';
import { chromium } from 'playwright-core';
import { connect, startNode, submit, finalizedAtLeast } from './lib/node.mjs';
import { cliOk, startGateway } from './lib/gateway.mjs';
import { auditLiars, lyingRpcProxy } from './lib/proxy.mjs';
import { teardown } from './lib/teardown.mjs';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');
const CHROMIUM = process.env.CITYCHAIN_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
/** More entries than one `audit_inclusionProof` page (100). */
const FLAGGED = 105;

let node; let api; let gateway; let browser; let dir; let spec; let tampered;

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), 'the portal is built: npm run build in web/');
  await cryptoWaitReady();
  dir = mkdtempSync(join(tmpdir(), 'citychain-portal-light-'));
  spec = join(dir, 'citychain.json');
  writeFileSync(spec, execFileSync(process.env.CITYCHAIN_NODE, ['build-spec', '--chain', 'dev', '--raw'], {
    maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'],
  }));
  // The same spec with one genesis storage value changed (not the GRANDPA authorities').
  const raw = JSON.parse(readFileSync(spec, 'utf8'));
  const grandpa = `${xxhashAsHex('Grandpa', 128)}${xxhashAsHex('Authorities', 128).slice(2)}`;
  const [key, value] = Object.entries(raw.genesis.raw.top).find(([k, v]) => k !== grandpa && v.length > 2 && v.length < 200);
  raw.genesis.raw.top[key] = `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}`;
  tampered = join(dir, 'tampered.json');
  writeFileSync(tampered, JSON.stringify(raw));

  node = await startNode();
  api = await connect(node.endpoint);
  const dave = new Keyring({ type: 'sr25519' }).addFromUri('//Dave');
  const flags = Array.from({ length: FLAGGED }, (_, i) => api.tx.audit.flag({ Department: 1 }, `review ${i}`));
  const { blockHash } = await submit(api, api.tx.utility.batchAll(flags), dave);
  // Finalized, and past it a block with a justification the node keeps.
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader(blockHash)).number.toNumber() + 2);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: join(dir, 'store'), extraArgs: [`--explorer-dir=${DIST}`] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

after(() => teardown([browser, gateway, api, node], dir));

/** Dave's audit page at `url` (a gateway); resolves with the page and the errors it logged. */
async function auditPage(url) {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${url}/`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.selectOption('#account', { label: 'Dave (development)' });
  await page.waitForFunction(() => document.body.dataset.session === 'member', null, { timeout: 60_000 });
  await page.evaluate(() => { location.hash = '#/audit'; });
  await page.waitForSelector('#light-verify', { timeout: 60_000 });
  return { page, errors };
}

/** Verifies with the chain spec `file` on `page`; resolves with the verdict's class, text and data. */
async function verify(page, file) {
  await page.setInputFiles('#light-spec', file);
  await page.click('#light-verify');
  const verdict = await page.waitForSelector('#light-verdict.ok, #light-verdict.bad', { timeout: 120_000 });
  return {
    kind: await verdict.getAttribute('class'),
    text: await verdict.textContent(),
    data: await verdict.evaluate((el) => ({ ...el.dataset })),
  };
}

test('the regulator verifies the audit log in the browser from the chain spec alone, as the CLI does', { timeout: 300_000 }, async () => {
  const { page, errors } = await auditPage(gateway.url);
  const light = await verify(page, spec);
  assert.equal(light.kind, 'ok', light.text);
  assert.match(light.text, /light: GRANDPA from genesis through 1 authority set to block #\d+, storage and inclusion proofs: \d+ entries \(0–\d+\), complete/);
  const size = Number(light.data.size);
  assert.ok(size >= FLAGGED, `${size} entries`);
  assert.equal(light.data.entries, String(size));
  assert.equal(light.data.complete, 'true');
  // What the node says the root is at that block, and what the CLI verifies.
  const root = (await api.rpc.audit.root(null, light.data.block)).toJSON();
  assert.deepEqual([size, light.data.root], [root.size, root.root]);
  const cli = JSON.parse(await cliOk(node.endpoint, ['audit', 'verify', '--light', '--chain-spec', spec]));
  assert.deepEqual([cli.ok, cli.complete, cli.size, cli.root], [true, true, size, light.data.root]);
  assert.match(light.text, new RegExp(`log size ${size}, root ${light.data.root}`));
  console.log(`portal light: ${light.text}`);

  // One genesis value changed: another chain, refused before anything is read.
  const other = await verify(page, tampered);
  assert.equal(other.kind, 'bad', other.text);
  assert.match(other.text, /Not verified: the node serves the chain of genesis 0x[0-9a-f]{64}, not the chain spec's 0x[0-9a-f]{64}/);
  assert.deepEqual(other.data, {}, 'nothing verified is left shown');
  assert.deepEqual(errors, []);
});

test('a node lying behind the gateway is named with what it changed', { timeout: 300_000 }, async () => {
  const bytes = (hex) => Buffer.from(hex.slice(2), 'hex');
  const hex = (b) => `0x${b.toString('hex')}`;
  const victim = 1;
  const liars = {
    // Another body for an entry.
    body: [await auditLiars.body(node.endpoint, victim),
      new RegExp(`the node lied: entry ${victim} is not the log's: its body does not lead to the root`)],
    // Another hash for an entry: the leaf does not cover it, the chain does.
    hash: [await auditLiars.hash(node.endpoint, victim),
      new RegExp(`the node lied: entry ${victim}'s hash does not chain from the entry before it`)],
    // A block its authorities did not finalize.
    finality: [await auditLiars.header(node.endpoint), /the node lied: its finality does not check from genesis/],
    // A justification of another round: its signatures are of none.
    signatures: [await lyingRpcProxy(node.endpoint, 'audit_finality', (r) => {
      const justification = bytes(r.justification);
      justification[0] ^= 1;
      return { ...r, justification: hex(justification) };
    }), /the node lied: its finality does not check from genesis: the block: the justification is not set 0's: a precommit of 0x[0-9a-f]{64} is not signed by it for set 0/],
    // A storage proof without its first node.
    storage: [await lyingRpcProxy(node.endpoint, 'state_getReadProof', (r) => ({ ...r, proof: r.proof.slice(1) })),
      /the node lied: Audit::\w+: the storage proof: the proof lacks/],
  };
  try {
    for (const [what, [proxy, said]] of Object.entries(liars)) {
      const lying = await startGateway({ endpoint: proxy.url, dataDir: join(dir, `lying-${what}`), extraArgs: [`--explorer-dir=${DIST}`] });
      try {
        const { page } = await auditPage(lying.url);
        const refused = await verify(page, spec);
        assert.equal(refused.kind, 'bad', `${what}: ${refused.text}`);
        assert.match(refused.text, said, what);
        await page.context().close();
      } finally {
        await lying.stop();
      }
    }
  } finally {
    await Promise.all(Object.values(liars).map(([proxy]) => proxy.stop()));
  }
});
