// GIS tools read the data where it lies, through presigned links: Alice
// registers a 1 GiB Cloud-Optimized GeoTIFF (made by GDAL's COG driver from
// random pixels) and a FlatGeobuf of 100,000 points; Bob's department
// requests both and Alice approves them plain. Bob asks the gateway for a
// link (`citychain presign`), and with it, without any header:
//
// - `gdal_translate -srcwin` (Debian's gdal-bin) copies a 512 x 512 window
//   whose pixels are those of the file, fetching at most 1 % of it (the
//   gateway's delivery log counts the bytes);
// - rasterio reads the same window, pyogrio the points of a bbox (their
//   PyPI wheels carry their own GDAL: e2e/gis/);
// - a changed link, a link moved to another dataset, a stranger's and an
//   encrypted delivery's link are refused, and every read is in the
//   delivery log as a presigned delivery;
// - once Alice revokes the contract, the same link is refused.
//
// Needs CITYCHAIN_NODE, CITYCHAIN_GATEWAY, CITYCHAIN_CLI, gdal-bin
// (gdal_translate, gdalinfo, ogr2ogr), CITYCHAIN_GIS_PYTHON (a Python with
// e2e/gis/requirements.txt) and 3 GiB free in the temporary directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNode, connect, finalizedAtLeast } from './lib/node.mjs';
import { cli, cliOk, startGateway } from './lib/gateway.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.CITYCHAIN_GIS_PYTHON ?? 'python3';
/** The raster's side, in pixels of one byte: 32768² bytes is 1 GiB. */
const SIDE = 32768;
const WINDOW = 512;
/** A window that straddles four 512 x 512 tiles. */
const COL = 20_100;
const ROW = 12_037;
const POINTS = 100_000;
const EXTENT = [116.0, 39.6, 116.8, 40.2];
/** The bbox pyogrio reads: about 1 % of the points. */
const BBOX = [116.30, 39.90, 116.38, 39.96];
/** GDAL reads only what it is asked for, as a GIS analyst configures it for remote files (the local raw pixels need their sibling header). */
const GDAL_ENV = { ...process.env, GDAL_DISABLE_READDIR_ON_OPEN: 'EMPTY_DIR',  };

let node;
let api;
let gateway;
let dir;
let store;
let cog;
let cogSize;
let fgb;
let points;
let contract;
let window;

const alice = { suri: '//Alice' };
const bob = { suri: '//Bob' };

function run(program, args, env = GDAL_ENV) {
  return new Promise((resolve) => {
    execFile(program, args, { env, maxBuffer: 1 << 26 }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

async function runOk(program, args, env) {
  const r = await run(program, args, env);
  if (r.code !== 0) throw new Error(`${program} ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * A 1 GiB single-band byte raster of random pixels, as a COG (uncompressed,
 * 512 x 512 tiles); the bytes of the window at (COL, ROW), row by row, read
 * from the raw pixels before they are removed.
 */
async function makeCog(path) {
  const raw = join(dir, 'pixels.bin');
  const fd = openSync(raw, 'w');
  for (let row = 0; row < SIDE; row += 32) writeSync(fd, randomBytes(SIDE * 32));
  closeSync(fd);
  writeFileSync(join(dir, 'pixels.hdr'), ['ENVI', `samples = ${SIDE}`, `lines = ${SIDE}`, 'bands = 1',
    'header offset = 0', 'file type = ENVI Standard', 'data type = 1', 'interleave = bsq', 'byte order = 0'].join('\n'));
  const rows = Buffer.alloc(WINDOW * WINDOW);
  const read = openSync(raw, 'r');
  for (let r = 0; r < WINDOW; r += 1) readSync(read, rows, r * WINDOW, WINDOW, (ROW + r) * SIDE + COL);
  closeSync(read);
  await runOk('gdal_translate', ['-q', '-of', 'COG', '-co', 'COMPRESS=NONE', '-co', 'BLOCKSIZE=512',
    '-co', 'OVERVIEWS=NONE', '-a_srs', 'EPSG:4326', '-a_ullr', '116.0', '40.2', '116.8', '39.6', raw, path], process.env);
  rmSync(raw);
  return rows;
}

/** 100,000 named points over the city, as a FlatGeobuf with its spatial index. */
async function makeFlatGeobuf(path) {
  const [w, s, e, n] = EXTENT;
  const list = Array.from({ length: POINTS }, (_, i) => ({
    name: `p${i}`, x: w + Math.random() * (e - w), y: s + Math.random() * (n - s),
  }));
  const json = join(dir, 'points.geojson');
  writeFileSync(json, JSON.stringify({
    type: 'FeatureCollection',
    features: list.map((p) => ({ type: 'Feature', properties: { name: p.name }, geometry: { type: 'Point', coordinates: [p.x, p.y] } })),
  }));
  await runOk('ogr2ogr', ['-f', 'FlatGeobuf', path, json]);
  rmSync(json);
  return list;
}

const register = (file, title, extra = []) => cliOk(node.endpoint, ['register', file, '--title', title,
  '--topic', 'imageryBaseMapsEarthCover', '--license', 'CC-BY-4.0', '--uri', `${gateway.url}/data`,
  '--bbox', EXTENT.join(','), '--start', '2025-05-01', '--store', store, ...extra], alice).then(Number);

/** Bob's department asks for `dataset`; Alice approves, plain unless `approve` says more. */
async function granted(dataset, approve = []) {
  const id = Number(await cliOk(node.endpoint, ['request', String(dataset), '--purpose', 'urban heat study', '--term', '1000'], bob));
  await cliOk(node.endpoint, ['approve', String(id), ...approve], alice);
  return id;
}

async function finalized() {
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
}

/** A link for `who` to `dataset`, from the CLI. */
const presign = (dataset, who) => cli(node.endpoint, ['presign', String(dataset), '--gateway', gateway.url, '--minutes', '10'], who);

/** The bytes the gateway sent through links while `work` ran. */
async function linkBytes(work) {
  const count = () => gateway.deliveries().filter((d) => d.presigned).reduce((sum, d) => sum + d.length, 0);
  const before = count();
  const result = await work();
  return { result, bytes: count() - before };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'citychain-presigned-'));
  store = join(dir, 'store');
  node = await startNode();
  api = await connect(node.endpoint);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: store });
  const file = join(dir, 'orthophoto.tif');
  window = await makeCog(file);
  cogSize = statSync(file).size;
  cog = await register(file, 'Orthophoto 2025, 5 cm');
  rmSync(file);
  const vectors = join(dir, 'trees.fgb');
  points = await makeFlatGeobuf(vectors);
  fgb = await register(vectors, 'Street trees');
  contract = await granted(cog);
  await granted(fgb);
  await finalized();
});

after(async () => {
  await gateway?.stop();
  await api?.disconnect();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('gdal_translate reads a 512 x 512 window of a 1 GiB COG through a link, fetching at most 1 % of it', async (t) => {
  assert.ok(cogSize >= 2 ** 30, `the COG has ${cogSize} bytes`);
  const r = await presign(cog, bob);
  assert.equal(r.code, 0, r.stderr);
  const href = r.stdout;
  assert.match(href, new RegExp(`^${gateway.url}/data/${cog}/presigned\\?account=.*&contract=${contract}&expires=\\d+&signature=[0-9a-f]{64}$`));
  assert.match(r.stderr, /expires \d{4}-\d\d-\d\dT/);

  const info = JSON.parse(await runOk('gdalinfo', ['-json', `/vsicurl/${href}`]));
  assert.deepEqual(info.size, [SIDE, SIDE]);
  assert.equal(info.metadata.IMAGE_STRUCTURE.LAYOUT, 'COG');
  const copy = join(dir, 'window.tif');
  const { bytes } = await linkBytes(() => runOk('gdal_translate', ['-q',
    '-srcwin', String(COL), String(ROW), String(WINDOW), String(WINDOW), `/vsicurl/${href}`, copy]));
  // Its pixels as raw bytes, row by row (GDAL 3.6 copies a remote source
  // to a GeoTIFF, not to ENVI, so the local copy is turned into ENVI).
  const pixels = join(dir, 'window.bin');
  await runOk('gdal_translate', ['-q', '-of', 'ENVI', copy, pixels], process.env);
  assert.ok(readFileSync(pixels).equals(window), 'the window holds the file\'s pixels');
  assert.ok(bytes > 0 && bytes <= cogSize / 100, `${bytes} bytes of ${cogSize} fetched for the window`);
  t.diagnostic(`gdal_translate fetched ${bytes} bytes of ${cogSize} (${(100 * bytes / cogSize).toFixed(3)} %)`);
  const reads = gateway.deliveries().filter((d) => d.presigned && d.dataset === cog);
  assert.ok(reads.length > 0 && reads.every((d) => d.contract === contract && d.basis === 'contract' && d.address === '127.0.0.1'),
    'each read is logged as a delivery under the contract, with its address');
  assert.ok(!gateway.log().includes('signature='), 'no log line holds a link');
});

test('rasterio reads the same window and pyogrio the points of a bbox through links', async () => {
  const raster = JSON.parse(await runOk(PYTHON, [join(here, 'gis', 'read.py'), 'raster', (await presign(cog, bob)).stdout,
    String(COL), String(ROW), String(WINDOW)]));
  assert.deepEqual(raster, { width: SIDE, height: SIDE, crs: 'EPSG:4326', sha256: sha256(window) });

  const [w, s, e, n] = BBOX;
  const expected = points.filter((p) => p.x >= w && p.x <= e && p.y >= s && p.y <= n).map((p) => p.name).sort();
  const href = (await presign(fgb, bob)).stdout;
  const { result, bytes } = await linkBytes(() => runOk(PYTHON, [join(here, 'gis', 'read.py'), 'vector', href, ...BBOX.map(String)]));
  const vector = JSON.parse(result);
  assert.ok(expected.length > 100, `${expected.length} points in the bbox`);
  assert.deepEqual(vector, { count: expected.length, names: expected });
  const size = statSync(join(store, String(fgb), 'data')).size;
  assert.ok(bytes < size / 5, `${bytes} bytes of ${size} read for a bbox of ${expected.length} points`);
});

test('a changed, moved or stranger\'s link is refused, and so is a link to an encrypted delivery', async () => {
  const href = (await presign(cog, bob)).stdout;
  const changed = href.replace(/expires=(\d+)/, (_, t) => `expires=${Number(t) + 3600}`);
  const moved = href.replace(`/data/${cog}/`, `/data/${fgb}/`);
  for (const url of [changed, moved]) {
    const answer = await fetch(url);
    assert.equal(answer.status, 403, url);
    assert.match((await answer.json()).description, /signature does not hold/);
  }
  assert.equal((await fetch(href.replace(/&signature=.*/, ''))).status, 400, 'a link without its signature');

  const stranger = await presign(cog, { suri: '//PresignStranger' });
  assert.notEqual(stranger.code, 0);
  assert.match(stranger.stderr, /\(403\).*not a member/);

  // An encrypted delivery needs the consumer's key: no link for it.
  for (const [name, who] of [['alice', alice], ['bob', bob]]) {
    await cliOk(node.endpoint, ['key', 'encryption', '--out', join(dir, `${name}.x25519`)]);
    await cliOk(node.endpoint, ['set-encryption-key', '--encryption-key', join(dir, `${name}.x25519`)], who);
  }
  const small = join(dir, 'parcels.bin');
  writeFileSync(small, randomBytes(100_000));
  const sealed = await register(small, 'Cadastral parcels');
  await granted(sealed, ['--store', store, '--encryption-key', join(dir, 'alice.x25519')]);
  await finalized();
  const encrypted = await presign(sealed, bob);
  assert.notEqual(encrypted.code, 0);
  assert.match(encrypted.stderr, /\(409\).*encrypted/);
  // The owner's own link to it is a plain one.
  assert.equal((await presign(sealed, alice)).code, 0);
});

test('once the contract is revoked, its link is refused', async () => {
  const href = (await presign(cog, bob)).stdout;
  assert.equal((await fetch(href, { headers: { range: 'bytes=0-15' } })).status, 206);
  await cliOk(node.endpoint, ['revoke', String(contract), '--reason', 'the study ended'], alice);
  await finalized();
  const answer = await fetch(href, { headers: { range: 'bytes=0-15' } });
  assert.equal(answer.status, 403);
  assert.match((await answer.json()).description, /no approved contract/);
  const gdal = await run('gdalinfo', [`/vsicurl/${href}`]);
  assert.notEqual(gdal.code, 0, 'GDAL cannot open it any more');
});
