// The portal uploads a large file in parts and resumes a cut upload: Alice
// publishes a 256 MiB file through the portal in Chromium; the page sends
// it to the gateway in 8 MiB parts, two at a time, with a progress bar.
// The connection that carries the file's middle byte is cut; the page
// lists the parts the gateway kept and sends only the missing ones, so the
// bytes sent in all stay within 1.1 times the file, and the gateway
// assembles the registered file. About a minute, most of it the page
// hashing the file.
//
// The page reaches the gateway through a proxy (lib/proxy.mjs; the
// gateway's public URL, so the portal's signed requests name it) that
// counts the bytes the page sends. Needs CITYCHAIN_NODE, CITYCHAIN_GATEWAY,
// Chromium (CITYCHAIN_CHROMIUM, default /usr/bin/chromium), b2sum, the
// portal built (npm run build in web/) and 600 MiB free in the temporary
// directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { connect, freePort, startNode } from './lib/node.mjs';
import { startGateway } from './lib/gateway.mjs';
import { sendCountingProxy } from './lib/proxy.mjs';
import { teardown } from './lib/teardown.mjs';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');
const CHROMIUM = process.env.CITYCHAIN_CHROMIUM ?? '/usr/bin/chromium';
const SIZE = 256 << 20;

let node;
let api;
let gateway;
let proxy;
let browser;
let dir;

/** The blake2b-256 of the file at `path`, as the chain holds it. */
const b2sum = (path) => `0x${execFileSync('b2sum', ['-l', '256', path], { encoding: 'utf8' }).split(' ')[0]}`;

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), 'the portal is built: npm run build in web/');
  dir = mkdtempSync(join(tmpdir(), 'citychain-portal-upload-'));
  node = await startNode();
  api = await connect(node.endpoint);
  const [gatewayPort, proxyPort] = [await freePort(), await freePort()];
  proxy = await sendCountingProxy(proxyPort, gatewayPort, { uncounted: ['GET /rpc'] });
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: join(dir, 'gateway'), port: gatewayPort,
    extraArgs: [`--explorer-dir=${DIST}`, `--public-url=${proxy.url}`] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});

after(() => teardown([browser, gateway, proxy, api, node], dir));

test('a file published through the portal is uploaded in parts and a cut upload resumes with the missing parts only', { timeout: 180_000 }, async () => {
  const began = Date.now();
  const file = join(dir, 'aerial-2025.tif');
  // Distinct 1 MiB blocks: a part sent at the wrong place would not hash alike.
  const fd = openSync(file, 'w');
  const block = randomBytes(1 << 20);
  for (let i = 0; i < SIZE >> 20; i += 1) writeSync(fd, block.fill(i & 0xff, 0, 8));
  closeSync(fd);
  const digest = b2sum(file);

  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${proxy.url}/explorer/#/publish`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.selectOption('#account', { label: 'Alice (development)' });
  await page.waitForFunction(() => document.body.dataset.session === 'member', null, { timeout: 60_000 });
  await page.waitForSelector('form.publish input[name=file]', { timeout: 60_000 });
  await page.setInputFiles('input[name=file]', file);
  await page.waitForSelector(`.hash-info:has-text("${digest}")`, { timeout: 120_000 });
  await page.click('#extent-view');
  await page.fill('input[name=title]', 'Aerial survey 2025');

  const sentBefore = proxy.sent;
  proxy.cutAt(sentBefore + SIZE / 2);
  await page.click('form.publish button[type=submit]');
  // What the page says of the upload, as it changes.
  const said = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const text = await page.locator('.upload-status').textContent().catch(() => null);
      if (text && said.at(-1) !== text) said.push(text);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  let outcome;
  try {
    outcome = await Promise.race([
      page.waitForFunction(() => /^#\/dataset\/\d+$/.test(location.hash), null, { timeout: 120_000 }).then(() => 'stored'),
      page.waitForSelector('form.publish .note.error', { timeout: 120_000 }).then(async (n) => n.textContent()),
    ]);
  } catch (e) {
    outcome = `${e.message.split('\n')[0]}; the page shows ${await page.locator('#side').textContent()}`;
  } finally {
    watching = false;
    await watcher;
  }
  assert.equal(outcome, 'stored', `${outcome}; the page said ${JSON.stringify(said)}; ${proxy.sent - sentBefore} bytes sent, ${proxy.cuts} cut`);
  assert.ok(said.some((t) => /The connection broke after .*: resuming in 1 s/.test(t)), JSON.stringify(said));
  const dataset = Number((await page.evaluate(() => location.hash)).split('/')[2]);
  const sent = proxy.sent - sentBefore;

  assert.equal(proxy.cuts, 1, 'the upload was cut once');
  assert.ok(sent <= SIZE * 1.1, `the page sent ${sent} bytes for a file of ${SIZE}`);
  assert.ok(sent >= SIZE, `the page sent ${sent} bytes for a file of ${SIZE}`);
  const record = (await api.rpc.datasets.get(dataset)).toJSON();
  assert.equal(record.contentHash.digest, digest);
  const stored = join(dir, 'gateway', String(dataset), 'data');
  assert.equal(statSync(stored).size, SIZE);
  assert.equal(b2sum(stored), digest, 'the gateway holds the registered file');
  assert.ok(!existsSync(join(dir, 'gateway', String(dataset), 'data.parts', '0')), 'its parts are removed');
  assert.match(await page.textContent('.flash'), /is stored at/);
  assert.deepEqual(errors, []);
  console.log(`portal upload: ${JSON.stringify({ seconds: (Date.now() - began) / 1000, sent, ratio: +(sent / SIZE).toFixed(4) })}`);
});
