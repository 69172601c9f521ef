// The portal streams a large download to disk: a 1 GiB dataset downloaded
// through the portal in Chromium is written to the browser's downloads as it
// arrives (through the portal's service worker) while the page hashes it,
// with the page's and the worker's memory (JavaScript heap and array
// buffers, sampled through the DevTools protocol) staying within 64 MiB of
// where they began; the connection is cut half-way and the page resumes
// with a range request from the byte it had, so the gateway's file is read
// about once in all; the saved file has the registered hash. A second
// download cancelled half-way fails in the browser's downloads. About
// 1.5 to 2 minutes, most of it the page hashing 1 GiB. Then a file chosen
// through the File System Access API (the picker answered with a file of
// the origin's private file system) holds a verified download, and a
// mismatching one is removed; an encrypted delivery cut half-way
// resumes at the start of a chunk and decrypts and verifies; and the owner
// of a dataset its department keeps only encrypted opens it with the
// department's key file (a wrong one refused by name).
//
// The page reaches the gateway through a proxy in this test (the gateway's
// public URL, so the portal's signed requests name it) that counts the
// bytes of /data answers and cuts the first one. Needs CITYCHAIN_NODE,
// CITYCHAIN_GATEWAY, Chromium (CITYCHAIN_CHROMIUM, default
// /usr/bin/chromium), b2sum, the portal built (npm run build in web/) and
// 2 GiB free in the temporary directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { connect as tcp } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { encryptBytes, encryptionKeyPair, seal } from '@citychain/api';
import { CHUNK, HEADER, TAG } from '@citychain/api/crypt.mjs';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { connect, finalizedAtLeast, freePort, startNode, submit } from './lib/node.mjs';
import { startGateway } from './lib/gateway.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DIST = join(here, '..', 'web', 'dist');
const CHROMIUM = process.env.CITYCHAIN_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SIZE = 1 << 30;
const BLOCK = 1 << 20;
/** Where the proxy cuts the first answer for the file. */
const CUT = SIZE / 2;
/** An encrypted file's chunk as stored: 64 KiB and its tag. */
const SEALED = CHUNK + TAG;
/** How far the page's memory may grow during the download. */
const MEMORY = 64 << 20;

let node;
let gateway;
let proxy;
let api;
let browser;
let dataDir;

/**
 * A proxy at `port` to the gateway at `target`: every request and the
 * relay's WebSocket passed through. For `/data/` answers it counts the body
 * bytes it reads from the gateway and notes each request's range, and cuts
 * one answer (the connection dropped) when told to (`watch`).
 */
function startProxy(port, target) {
  let seen = { requests: [], bytes: 0, cuts: 0 };
  let cut = Infinity;
  const server = createServer((req, res) => {
    const data = req.url.startsWith('/data/');
    if (data) seen.requests.push({ range: req.headers.range ?? null });
    const up = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      // A client gone (a cancelled download) lets go of the gateway too.
      res.on('close', () => answer.destroy());
      if (!data) return void answer.pipe(res);
      let sent = 0;
      const at = answer.statusCode === 200 ? cut : Infinity;
      if (at !== Infinity) cut = Infinity;
      answer.on('data', (chunk) => {
        seen.bytes += chunk.length;
        sent += chunk.length;
        if (sent >= at) {
          seen.cuts += 1;
          answer.destroy();
          res.socket.destroy();
        } else if (!res.write(chunk)) {
          answer.pause();
          res.once('drain', () => answer.resume());
        }
      });
      answer.on('end', () => res.end());
    });
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });
  server.on('upgrade', (req, socket, head) => {
    const up = tcp(target, '127.0.0.1', () => {
      const headers = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      up.write(head);
      socket.pipe(up).pipe(socket);
    });
    const close = () => { up.destroy(); socket.destroy(); };
    up.on('error', close);
    socket.on('error', close);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${port}`,
    /** Counts the /data answers from now on, and cuts the next whole one after `bytes`; the counts. */
    watch(bytes) {
      seen = { requests: [], bytes: 0, cuts: 0 };
      cut = bytes;
      return seen;
    },
    stop: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  })));
}

/**
 * Writes `size` bytes to `path`: 1 MiB pseudo-random blocks (SHA-256 in
 * counter mode) each with its index in its first bytes, so that no two
 * blocks are alike; resolves with the file's blake2b-256 (b2sum).
 */
function writeDataset(path, size) {
  const block = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK / 32; i += 1) createHash('sha256').update(`citychain ${i}`).digest().copy(block, i * 32);
  const fd = openSync(path, 'w');
  for (let i = 0; i < size / BLOCK; i += 1) {
    block.writeUInt32LE(i, 0);
    writeSync(fd, block);
  }
  closeSync(fd);
  return b2sum(path);
}

function b2sum(path) {
  return `0x${execFileSync('b2sum', ['-l', '256', path], { encoding: 'utf8' }).split(' ')[0]}`;
}

/**
 * The memory the page's (or the worker's) JavaScript holds: its heap and
 * the array buffers' backing stores (where the file's bytes would be).
 */
async function memory(session) {
  const u = await session.send('Runtime.getHeapUsage');
  return u.usedSize + (u.backingStorageSize ?? 0);
}

/**
 * A DevTools session with the portal's download service worker once it
 * runs (null before): its `send` as a page session's.
 */
async function workerSession(browserSession) {
  const { targetInfos } = await browserSession.send('Target.getTargets');
  const worker = targetInfos.find((t) => t.type === 'service_worker' && t.url.endsWith('/download-worker.js'));
  if (!worker) return null;
  const { sessionId } = await browserSession.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false });
  const pending = new Map();
  browserSession.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    if (e.sessionId === sessionId && pending.has(m.id)) pending.get(m.id)(m.result);
  });
  let id = 0;
  return {
    send(method, params = {}) {
      id += 1;
      const answered = new Promise((resolve) => pending.set(id, resolve));
      browserSession.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
      return answered;
    },
  };
}

/**
 * Registers a dataset of Alice's (open data unless told) with the file
 * named in `uri`, of blake2b-256 `digest` and `size` bytes; resolves with
 * its id.
 */
async function register(title, uri, digest, size, { policy = 'Open', sensitivity = 'Public' } = {}) {
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const events = (await submit(api, api.tx.datasets.registerDataset(
    { title, description: `${title}.`, topic: 'ImageryBaseMapsEarthCover', keywords: [], uri, license: { expression: 'CC0-1.0', url: null } },
    { bbox: { west: 1163000000, south: 398000000, east: 1165000000, north: 400000000 }, crs: 4326, time: { start: Date.parse('2024-01-01'), end: null }, format: 'application/octet-stream', hashCode: 0xb220, digest, size },
    policy, sensitivity), alice)).events;
  return events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
}

/** Where the gateway keeps `dataset`'s file (the directory made). */
function stored(dataset) {
  mkdirSync(join(dataDir, 'store', String(dataset)), { recursive: true });
  return join(dataDir, 'store', String(dataset), 'data');
}

/** A page of the portal at `dataset`, signed in as Alice (its owner), ready to download; `init` runs before the portal's scripts. */
async function openDataset(dataset, init = () => {}) {
  const context = await browser.newContext({ acceptDownloads: true });
  await context.addInitScript(init);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${proxy.url}/explorer/#/dataset/${dataset}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.selectOption('#account', { label: 'Alice (development)' });
  await page.waitForFunction(() => document.body.dataset.session === 'member', null, { timeout: 60_000 });
  await page.waitForSelector('#download', { timeout: 60_000 });
  return { context, page, errors };
}

before(async () => {
  assert.ok(existsSync(join(DIST, 'download-worker.js')), 'the portal is built: npm run build in web/');
  await cryptoWaitReady();
  node = await startNode();
  dataDir = mkdtempSync(join(tmpdir(), 'citychain-stream-'));
  const proxyPort = await freePort();
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: join(dataDir, 'store'), extraArgs: [`--explorer-dir=${DIST}`, `--public-url=http://127.0.0.1:${proxyPort}`] });
  proxy = await startProxy(proxyPort, gateway.port);
  api = await connect(node.endpoint);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

after(async () => {
  await browser?.close();
  await api?.disconnect();
  await proxy?.stop();
  await gateway?.stop();
  await node?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('a 1 GiB download is written to disk as it arrives, in constant memory, and resumes where a cut connection left it', { timeout: 360_000 }, async () => {
  const began = Date.now();
  const file = join(dataDir, 'big.bin');
  const digest = writeDataset(file, SIZE);
  const dataset = await register('Aerial survey 2024', 'https://nrp.example/aerial-2024.bin', digest, SIZE);
  renameSync(file, stored(dataset));
  const { context, page, errors } = await openDataset(dataset);
  const seen = proxy.watch(CUT);

  // The page's and the worker's memory each second, after a collection
  // (what they hold) and before (garbage included).
  const cdp = await context.newCDPSession(page);
  const browserSession = await browser.newBrowserCDPSession();
  await cdp.send('HeapProfiler.collectGarbage');
  const start = await memory(cdp);
  const samples = [];
  const workerSamples = [];
  let worker = null;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const raw = await memory(cdp);
      await cdp.send('HeapProfiler.collectGarbage');
      samples.push({ raw, held: await memory(cdp) });
      worker ??= await workerSession(browserSession);
      if (worker) {
        await worker.send('HeapProfiler.collectGarbage');
        workerSamples.push(await memory(worker));
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const clicked = Date.now();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#download')]);
  const note = page.locator('.download .note').first();
  await note.waitFor({ timeout: 240_000 });
  const seconds = (Date.now() - clicked) / 1000;
  sampling = false;
  await sampler;
  assert.match(await note.textContent(), /^Verified: 1\.0 GiB/);
  const saved = await download.path();
  assert.equal(download.suggestedFilename(), 'aerial-2024.bin');
  assert.equal(statSync(saved).size, SIZE);
  assert.equal(b2sum(saved), digest, 'the saved file is the registered one');
  await download.delete();

  // The first answer was cut; the page asked again from where it was and read on.
  assert.equal(seen.cuts, 1);
  assert.equal(seen.requests.length, 2, JSON.stringify(seen.requests));
  const from = Number(/^bytes=(\d+)-$/.exec(seen.requests[1].range)?.[1]);
  assert.ok(from > 0 && from <= CUT, `resumed from ${from}`);
  assert.ok(seen.bytes <= SIZE * 1.05, `read ${seen.bytes} bytes of the gateway's answers for ${SIZE}`);
  const grown = Math.max(...samples.map((x) => x.held)) - start;
  assert.ok(grown <= MEMORY, `the page's memory grew by ${grown} bytes`);
  assert.ok(workerSamples.length > 10, 'the worker was sampled');
  const workerGrown = Math.max(...workerSamples) - workerSamples[0];
  assert.ok(workerGrown <= MEMORY, `the worker's memory grew by ${workerGrown} bytes`);
  assert.deepEqual(errors, []);
  console.log(`portal stream: ${JSON.stringify({
    downloadSeconds: seconds, testSeconds: (Date.now() - began) / 1000, pageGrowthMiB: +(grown / 2 ** 20).toFixed(1),
    workerGrowthMiB: +(workerGrown / 2 ** 20).toFixed(1),
    pageGrowthWithGarbageMiB: +((Math.max(...samples.map((x) => x.raw)) - start) / 2 ** 20).toFixed(1),
    resumedFrom: from, bytesRead: seen.bytes, readRatio: +(seen.bytes / SIZE).toFixed(4),
  })}`);

  // Cancelled half-way: the browser's download fails, the page says so.
  const [cancelled] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#download')]);
  await page.waitForFunction(() => document.querySelector('.download progress').value > 64 << 20, null, { timeout: 60_000 });
  await page.click('.download button.cancel');
  await page.waitForSelector('.download .note.info:text-is("Cancelled: nothing was saved.")');
  assert.ok(await cancelled.failure(), 'the cancelled download failed');
  assert.equal(await page.isVisible('.download button.cancel'), false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a file chosen to save to (File System Access) holds the verified file; a mismatching one is removed', async () => {
  const content = Buffer.from('id,level\n1,3\n'.repeat(50_000));
  const good = await register('River levels', 'https://water.example/levels.csv', blake2AsHex(content, 256), content.length);
  writeFileSync(stored(good), content);
  const bad = await register('River levels, altered', 'https://water.example/levels-altered.csv', blake2AsHex(content, 256), content.length);
  writeFileSync(stored(bad), Buffer.from(content.toString().replace('1,3', '1,4')));
  // The picker answers with a file of the origin's private file system, as a user picking a file would.
  const { context, page, errors } = await openDataset(good, () => {
    window.showSaveFilePicker = async ({ suggestedName }) => (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true });
  });
  const saved = (name) => page.evaluate(async (n) => {
    const dir = await navigator.storage.getDirectory();
    return dir.getFileHandle(n).then(async (f) => (await f.getFile()).text(), () => null);
  }, name);
  await page.check('.download input[name=choose]');
  await page.click('#download');
  await page.waitForSelector('.download .note.ok:text-matches("^Verified")');
  assert.equal(await saved('levels.csv'), content.toString());

  await page.goto(`${proxy.url}/explorer/#/dataset/${bad}`);
  await page.waitForSelector(`#side[data-page="#/dataset/${bad}"]:not([aria-busy]) #download`);
  await page.check('.download input[name=choose]');
  await page.click('#download');
  await page.waitForSelector('.download .note.error:text-matches("^Mismatch")');
  assert.equal(await saved('levels-altered.csv'), null, 'the mismatching file is removed');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an encrypted delivery cut mid-way resumes at a chunk boundary and decrypts and verifies', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob] = ['//Alice', '//Bob'].map((u) => keyring.addFromUri(u));
  // Bob's department publishes its x25519 key; Alice approves his request with the data key sealed to it.
  const secret = randomBytes(32);
  const pair = encryptionKeyPair(secret);
  await submit(api, api.tx.departments.setEncryptionKey(u8aToHex(pair.publicKey)), bob);
  const content = randomBytes(8 << 20);
  const dataset = await register('Cadastre parcels', 'https://nrp.example/parcels.gpkg', blake2AsHex(content, 256), content.length, { policy: 'ApprovalRequired', sensitivity: 'Internal' });
  const requested = (await submit(api, api.tx.access.requestAccess(dataset, 'check', 28_800, null), bob)).events;
  const contract = requested.find((e) => api.events.access.AccessRequested.is(e)).data.contract.toNumber();
  const key = randomBytes(32);
  await submit(api, api.tx.access.approveRequest(contract, u8aToHex(seal(key, pair.publicKey))), alice);
  stored(dataset);
  // The dataset's one encryption, under the key the contract's envelope seals.
  writeFileSync(join(dataDir, 'store', String(dataset), 'data.enc'), encryptBytes(content, key));
  for (let i = 0; (await api.rpc.access.get(contract, await api.rpc.chain.getFinalizedHead())).toJSON()?.state !== 'approved'; i += 1) {
    assert.ok(i < 120, 'the approval is finalized');
    await new Promise((r) => setTimeout(r, 500));
  }

  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${proxy.url}/explorer/#/contract/${contract}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.selectOption('#account', { label: 'Bob (development)' });
  await page.waitForSelector('.download input[name=key]:visible', { timeout: 60_000 });
  await page.setInputFiles('.download input[name=key]', { name: 'transport.key', mimeType: 'text/plain', buffer: Buffer.from(`${secret.toString('hex')}\n`) });
  // Cut inside a chunk half-way: what the page holds of it is read again.
  const seen = proxy.watch(HEADER + 64 * SEALED + 1000);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  await page.waitForSelector('.download .note.ok:text-matches("^Verified")', { timeout: 60_000 });
  assert.deepEqual(readFileSync(await download.path()), content, 'the saved file is the plaintext registered');
  assert.equal(seen.cuts, 1);
  assert.equal(seen.requests.length, 2, JSON.stringify(seen.requests));
  const from = Number(/^bytes=(\d+)-$/.exec(seen.requests[1].range)?.[1]);
  assert.ok(from > 0 && (from - HEADER) % SEALED === 0, `resumed from ${from}, a chunk boundary`);
  await context.close();
});

test('the owner opens a dataset kept only encrypted with the department\'s key file; a wrong key file is refused', async () => {
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  // Alice's department publishes its x25519 key; its store keeps only the encryption and its key sealed to it.
  const secret = randomBytes(32);
  const pair = encryptionKeyPair(secret);
  await submit(api, api.tx.departments.setEncryptionKey(u8aToHex(pair.publicKey)), alice);
  const content = randomBytes((2 << 20) + 12_345);
  const dataset = await register('Police incidents', 'https://ps.example/incidents.csv', blake2AsHex(content, 256), content.length, { policy: 'ApprovalRequired', sensitivity: 'Internal' });
  const key = randomBytes(32);
  stored(dataset);
  writeFileSync(join(dataDir, 'store', String(dataset), 'data.enc'), encryptBytes(content, key));
  writeFileSync(join(dataDir, 'store', String(dataset), 'data.key'), seal(key, pair.publicKey));
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());

  const { context, page, errors } = await openDataset(dataset);
  const keyFile = (bytes) => page.setInputFiles('.download input[name=key]', { name: 'police.key', mimeType: 'text/plain', buffer: Buffer.from(`${bytes.toString('hex')}\n`) });
  // Without a key file the page says what it needs; with another department's key it says why it is refused.
  await page.click('#download');
  await page.waitForSelector('.download .note.error:text-matches("keeps this dataset only encrypted: choose its encryption key file")');
  await keyFile(randomBytes(32));
  await page.click('#download');
  await page.waitForSelector('.download .note.error:text-matches("does not open the dataset.s data key .sealed to your department.: it is not your department.s key")');

  await keyFile(secret);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  await page.waitForSelector('.download .note.ok:text-matches("^Verified")', { timeout: 60_000 });
  assert.deepEqual(readFileSync(await download.path()), content, 'the saved file is the plaintext registered');
  assert.equal(blake2AsHex(readFileSync(await download.path()), 256), blake2AsHex(content, 256));
  assert.deepEqual(errors, []);
  await context.close();
});
