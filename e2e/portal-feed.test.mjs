// The portal notifies: Alice saves her catalogue search in Chromium, Bob
// registers a dataset that matches it (and one that does not), and Alice's
// portal shows the match — the header's badge and the notifications page —
// within two finalized blocks of Bob's, through the gateway's event stream
// (docs/feed.md). Marking it read clears the badge, also after a reload.
//
// Needs CITYCHAIN_NODE, CITYCHAIN_GATEWAY, Chromium (CITYCHAIN_CHROMIUM,
// default /usr/bin/chromium) and the portal built (npm run build in web/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { chromium } from 'playwright-core';
import { connect, startNode, submit } from './lib/node.mjs';
import { startGateway } from './lib/gateway.mjs';
import { teardown } from './lib/teardown.mjs';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');
const CHROMIUM = process.env.CITYCHAIN_CHROMIUM ?? '/usr/bin/chromium';
const DEG = 10_000_000;

let node; let api; let gateway; let browser; let dir; let bob;

async function register(title) {
  const { events, blockHash } = await submit(api, api.tx.datasets.registerDataset(
    { title, description: title, topic: 'Transportation', keywords: [], uri: 'https://city.example/data.csv', license: { expression: 'CC0-1.0', url: null } },
    {
      // The whole world: inside any map view.
      bbox: { west: -179 * DEG, south: -85 * DEG, east: 179 * DEG, north: 85 * DEG },
      crs: 4326, time: { start: Date.parse('2025-01-01'), end: null }, format: 'text/csv', hashCode: 0xb220, digest: `0x${'cd'.repeat(32)}`, size: 10,
    },
    'Open', 'Public',
  ), bob);
  const id = events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
  return { id, block: (await api.rpc.chain.getHeader(blockHash)).number.toNumber() };
}

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), 'the portal is built: npm run build in web/');
  await cryptoWaitReady();
  bob = new Keyring({ type: 'sr25519' }).addFromUri('//Bob');
  dir = mkdtempSync(join(tmpdir(), 'citychain-portal-feed-'));
  node = await startNode();
  api = await connect(node.endpoint);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: dir, extraArgs: [`--explorer-dir=${DIST}`] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});

after(() => teardown([browser, gateway, api, node], dir));

test("Alice saves a search; Bob's matching dataset shows in her portal within two finalized blocks", { timeout: 120_000 }, async () => {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${gateway.url}/`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.selectOption('#account', { label: 'Alice (development)' });
  await page.waitForFunction(() => document.body.dataset.session === 'member', null, { timeout: 60_000 });
  await page.waitForSelector('#save-search');
  await page.fill('input[name=q]', 'cycling');
  await page.fill('input[name=save-name]', 'cycling data');
  await page.click('#save-search');
  await page.waitForSelector('.save-said:has-text("Saved")', { timeout: 30_000 });
  assert.equal(await page.isHidden('#badge'), true, 'nothing yet');

  const other = await register('Bus stops 2025');
  const match = await register('Cycling counts 2025');
  assert.ok(match.block > other.block);
  await page.waitForSelector('#badge:not([hidden])', { timeout: 30_000 });
  const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  assert.ok(finalized <= match.block + 2, `shown at finalized #${finalized}, registered in #${match.block}`);
  console.log(`portal feed: ${JSON.stringify({ registeredIn: match.block, shownAtFinalized: finalized })}`);
  assert.equal(await page.textContent('#badge'), '1', 'the match only, not the bus stops');

  await page.click('a[href="#/notifications"]');
  const item = await page.waitForSelector('ol.notifications li.match');
  assert.match(await item.textContent(), /New dataset matching your saved search: Cycling counts 2025/);
  assert.equal(await page.locator('ol.notifications li').count(), 1);
  assert.match(await page.textContent('ul.subscriptions'), /cycling data \(saved search\)/);
  await page.click('button:has-text("Mark all read")');
  await page.waitForSelector('#badge[hidden]', { state: 'attached' });
  await page.waitForSelector('#side p:has-text("Nothing new since your last visit")');

  // Read stays read: a new visit shows no badge.
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.session === 'member', null, { timeout: 60_000 });
  await page.waitForTimeout(1500);
  assert.equal(await page.isHidden('#badge'), true);
  assert.deepEqual(errors, []);
});
