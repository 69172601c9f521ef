#!/usr/bin/env node
// Seeds a dev chain with a small, realistic catalogue: datasets of the three
// publishing sample departments over Beijing, and contracts in different
// states. It is also a worked example of the sharing process with
// @polkadot/api.
//
//   node seed.mjs [ws://127.0.0.1:9944] [--gateway http://127.0.0.1:8080] [--keys DIR]
//
// With --gateway, every dataset's file is stored at that gateway (PUT
// /data/{id}), and the one encryption of each dataset approved with a key
// envelope with its data key sealed to the owner (PUT /data/{id}?part=key,
// then ?part=encrypted), so that every sample download
// works. With --keys (development chains only), the departments' x25519
// secrets are written there as key files (`transport.key`, …: 64 hex digits,
// the format of `citychain key encryption`), which open those deliveries.
//
// Every sample department keeps at least one approval-required dataset that
// no other department has requested, to walk the sharing steps on.
//
// Does nothing if the registry already holds datasets.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';
import { encryptBytes, encryptionKeyPair, rpc, seal, signedExtensions, submit } from './index.mjs';
import { store } from './gateway.mjs';

const DEG = 10_000_000;
const box = (w, s, e, n) => ({
  west: Math.round(w * DEG), south: Math.round(s * DEG), east: Math.round(e * DEG), north: Math.round(n * DEG),
});
const day = (iso) => Date.parse(`${iso}T00:00:00Z`);
const DAYS = 28_800; // blocks of 3 s

// Beijing: the city, its central districts, and the ring-road area.
const BEIJING = box(115.42, 39.44, 117.51, 41.06);
const CENTRAL = box(116.20, 39.80, 116.55, 40.05);
const RING = box(116.27, 39.83, 116.49, 40.00);

/** A development department's x25519 secret, derived from its short name (development chains only). */
export function devEncryptionSecret(name) {
  return new TextEncoder().encode(`citychain dev ${name} key`.padEnd(32, '.')).slice(0, 32);
}

/**
 * A sample dataset's file: small stand-ins for the real thing. A GeoJSON
 * dataset gets its extent as a feature, a CSV dataset a few rows; any other
 * format a line naming the dataset (the sample cannot ship gigabytes of
 * imagery). The record's size and hash are this file's.
 */
export function sampleFile(d) {
  const [w, s, e, n] = [d.bbox.west, d.bbox.south, d.bbox.east, d.bbox.north].map((v) => v / DEG);
  let text;
  if (d.format === 'application/geo+json') {
    text = JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { title: d.title }, geometry: { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] } }],
    });
  } else if (d.format === 'text/csv') {
    text = `${d.csv.header}\n${d.csv.rows.join('\n')}\n`;
  } else {
    text = `${d.title}\n${d.uri}\n`;
  }
  return new TextEncoder().encode(text);
}

/** Signs and sends `tx`; resolves with the block's events once included. */
async function send(api, tx, signer) {
  return (await submit(api, tx, signer)).events;
}

function idFrom(api, events, event, field) {
  return events.find((e) => event.is(e)).data[field].toNumber();
}

async function register(api, signer, d) {
  const file = sampleFile(d);
  const digest = blake2AsHex(file, 256);
  const events = await send(api, api.tx.datasets.registerDataset(
    {
      title: d.title, description: d.description, topic: d.topic, keywords: d.keywords, uri: d.uri,
      license: { expression: d.license, url: d.licenseUrl ?? null },
    },
    {
      bbox: d.bbox, crs: d.crs ?? 4326, time: d.time, format: d.format,
      hashCode: 0xb220, digest, size: file.length,
    },
    d.policy, d.sensitivity,
  ), signer);
  return { id: idFrom(api, events, api.events.datasets.DatasetRegistered, 'dataset'), digest, file, publisher: signer };
}

/** Resolves once the finalized head has reached the best block of now (the gateway reads at the finalized block). */
async function finalized(api) {
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  for (;;) {
    const head = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
    if (head.number.toNumber() >= best) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function request(api, signer, dataset, purpose, term) {
  const events = await send(api, api.tx.access.requestAccess(dataset, purpose, term, null), signer);
  return idFrom(api, events, api.events.access.AccessRequested, 'contract');
}

/**
 * Seeds the chain at `endpoint` once. `gateway`: the URL of a gateway (on
 * this chain) to store the files at; `keys`: a directory for the
 * development departments' key files.
 */
export async function seed(endpoint, { gateway = null, keys: keysDir = null } = {}) {
  await cryptoWaitReady();
  const api = await ApiPromise.create({ provider: new WsProvider(endpoint), rpc, signedExtensions, noInitWarn: true });
  try {
    if ((await api.query.datasets.nextDatasetId()).toNumber() > 0) {
      console.log('the registry holds datasets already: nothing to seed');
      return;
    }
    if (keysDir && (await api.rpc.system.chainType()).toString() !== 'Development') {
      throw new Error('key files are written for development chains only');
    }
    const keyring = new Keyring({ type: 'sr25519' });
    const [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((u) => keyring.addFromUri(u));

    // Departments publish x25519 keys (the secrets stay with them; these dev
    // secrets are derived from the departments' short names).
    const keys = {};
    await Promise.all([[alice, 'nrp'], [bob, 'transport'], [charlie, 'environment']].map(async ([who, name]) => {
      keys[name] = encryptionKeyPair(devEncryptionSecret(name));
      await send(api, api.tx.departments.setEncryptionKey(u8aToHex(keys[name].publicKey)), who);
    }));
    if (keysDir) {
      mkdirSync(keysDir, { recursive: true });
      for (const name of Object.keys(keys)) {
        writeFileSync(join(keysDir, `${name}.key`), `${u8aToHex(devEncryptionSecret(name)).slice(2)}\n`, { mode: 0o600 });
      }
    }

    // Step 1: each department registers its datasets (in parallel across
    // departments, in order within one).
    const nrp = async () => ({
      landUse: await register(api, alice, {
        title: 'Land use plan 2024', description: 'Zoning of the central districts: residential, commercial, industrial, green space.',
        topic: 'PlanningCadastre', keywords: ['land use', 'zoning', 'planning'], uri: 'https://nrp.beijing.example/landuse-2024.gpkg',
        license: 'LicenseRef-NRP-Restricted-1.0', licenseUrl: 'https://nrp.beijing.example/terms/restricted-1.0',
        bbox: CENTRAL, crs: 4547, time: { start: day('2024-01-01'), end: day('2024-12-31') }, format: 'application/geopackage+sqlite3',
        policy: 'Restricted', sensitivity: 'Confidential',
      }),
      parcels: await register(api, alice, {
        title: 'Cadastral parcels', description: 'Parcel boundaries with parcel numbers and land-use class.',
        topic: 'PlanningCadastre', keywords: ['cadastre', 'parcels'], uri: 'https://nrp.beijing.example/parcels.geojson',
        license: 'other', licenseUrl: 'https://nrp.beijing.example/terms/cadastre',
        bbox: BEIJING, time: { start: day('2023-06-30'), end: null }, format: 'application/geo+json',
        policy: 'ApprovalRequired', sensitivity: 'Internal',
      }),
      baseMap: await register(api, alice, {
        title: 'Orthophoto base map 2023', description: '0.5 m orthophoto mosaic of the municipality.',
        topic: 'ImageryBaseMapsEarthCover', keywords: ['orthophoto', 'imagery'], uri: 'https://nrp.beijing.example/ortho-2023.tif',
        license: 'CC-BY-4.0',
        bbox: BEIJING, time: { start: day('2023-04-01'), end: day('2023-05-15') }, format: 'image/tiff; application=geotiff',
        policy: 'Open', sensitivity: 'Public',
      }),
      buildings: await register(api, alice, {
        title: 'Building footprints 2024', description: 'Outlines of every building in the central districts with height and use.',
        topic: 'Structure', keywords: ['buildings', 'footprints'], uri: 'https://nrp.beijing.example/buildings-2024.geojson',
        license: 'CC-BY-4.0',
        bbox: CENTRAL, time: { start: day('2024-01-01'), end: day('2024-12-31') }, format: 'application/geo+json',
        policy: 'ApprovalRequired', sensitivity: 'Internal',
      }),
    });
    const transport = async () => ({
      roads: await register(api, bob, {
        title: 'Road network', description: 'Centre lines of all public roads with class, lanes and speed limits.',
        topic: 'Transportation', keywords: ['roads', 'network'], uri: 'https://transport.beijing.example/roads.geojson',
        license: 'ODbL-1.0',
        bbox: BEIJING, time: { start: day('2020-01-01'), end: null }, format: 'application/geo+json',
        policy: 'Open', sensitivity: 'Public',
      }),
      busGps: await register(api, bob, {
        title: 'Bus GPS traces, March 2024', description: 'One-second GPS fixes of every bus inside the fifth ring road.',
        topic: 'Transportation', keywords: ['bus', 'gps', 'trajectories'], uri: 'https://transport.beijing.example/bus-gps-2024-03.parquet',
        license: 'CC-BY-NC-4.0',
        bbox: RING, time: { start: day('2024-03-01'), end: day('2024-03-31') }, format: 'application/vnd.apache.parquet',
        policy: 'ApprovalRequired', sensitivity: 'Internal',
      }),
      counts: await register(api, bob, {
        title: 'Traffic counts at junctions, 2024', description: 'Vehicles per hour at the signal-controlled junctions inside the fifth ring road.',
        topic: 'Transportation', keywords: ['traffic', 'counts', 'junctions'], uri: 'https://transport.beijing.example/junction-counts-2024.csv',
        license: 'CC-BY-4.0',
        bbox: RING, time: { start: day('2024-01-01'), end: day('2024-12-31') }, format: 'text/csv',
        csv: { header: 'junction,hour,vehicles', rows: ['Dongdan,2024-03-01T08:00Z,2310', 'Xidan,2024-03-01T08:00Z,2675', 'Chongwenmen,2024-03-01T08:00Z,1980'] },
        policy: 'ApprovalRequired', sensitivity: 'Internal',
      }),
    });
    const environment = async () => ({
      air: await register(api, charlie, {
        title: 'Air quality stations, hourly', description: 'PM2.5, PM10, NO2 and O3 at 35 monitoring stations.',
        topic: 'ClimatologyMeteorologyAtmosphere', keywords: ['air quality', 'pm2.5'], uri: 'https://env.beijing.example/air-hourly.csv',
        license: 'CC0-1.0',
        bbox: BEIJING, time: { start: day('2019-01-01'), end: null }, format: 'text/csv',
        csv: { header: 'station,time,pm25,pm10,no2,o3', rows: ['Dongsi,2024-03-01T00:00Z,38,61,42,18', 'Tiantan,2024-03-01T00:00Z,35,58,39,21', 'Guanyuan,2024-03-01T00:00Z,41,66,45,15'] },
        policy: 'Open', sensitivity: 'Public',
      }),
      noise: await register(api, charlie, {
        title: 'Road traffic noise map', description: 'Lden noise levels along main roads, 10 m grid.',
        topic: 'Environment', keywords: ['noise', 'traffic'], uri: 'https://env.beijing.example/noise-2023.tif',
        license: 'CC-BY-4.0',
        bbox: CENTRAL, time: { start: day('2023-01-01'), end: day('2023-12-31') }, format: 'image/tiff; application=geotiff',
        policy: 'ApprovalRequired', sensitivity: 'Internal',
      }),
      trees: await register(api, charlie, {
        title: 'Street trees inventory 2024', description: 'Every street tree of the central districts with species, height and crown width, surveyed in summer 2024.',
        topic: 'Environment', keywords: ['street trees', 'urban forest', 'shade'], uri: 'https://env.beijing.example/street-trees-2024.geojson',
        license: 'CC-BY-4.0',
        bbox: CENTRAL, time: { start: day('2024-06-01'), end: day('2024-08-31') }, format: 'application/geo+json',
        policy: 'ApprovalRequired', sensitivity: 'Internal',
      }),
    });
    const [a, b, c] = await Promise.all([nrp(), transport(), environment()]);

    // Steps 2–4: contracts in different states.
    // One account's transactions go one after another (nonces); different
    // accounts' in parallel.
    const [parcelsForTransport, [gpsForEnvironment, baseMapForEnvironment], noiseForNrp] = await Promise.all([
      request(api, bob, a.parcels.id, 'Align the road network with parcel boundaries', 365 * DAYS),
      (async () => [
        await request(api, charlie, b.busGps.id, 'Estimate bus emissions along routes', 90 * DAYS),
        await request(api, charlie, a.baseMap.id, 'Background for the noise map', 365 * DAYS),
      ])(),
      request(api, alice, c.noise.id, 'Noise constraints for the 2025 land use plan', 180 * DAYS),
    ]);
    // Approved with a key envelope (the dataset's data key sealed to the
    // consumer's key), and receipt verified. Each dataset is encrypted once
    // under its own data key, which the store keeps sealed to the owner.
    const deliveries = new Map();
    const approveSealed = async (contract, dataset, consumerKey) => {
      if (!deliveries.has(dataset.id)) {
        const dataKey = randomAsU8a(32);
        deliveries.set(dataset.id, { dataset, dataKey, encrypted: encryptBytes(dataset.file, dataKey), sealedToOwner: seal(dataKey, keys.nrp.publicKey) });
      }
      const { dataKey } = deliveries.get(dataset.id);
      await send(api, api.tx.access.approveRequest(contract, u8aToHex(seal(dataKey, consumerKey.publicKey))), alice);
    };
    await approveSealed(parcelsForTransport, a.parcels, keys.transport);
    await send(api, api.tx.access.confirmReceipt(parcelsForTransport, 0xb220, a.parcels.digest), bob);
    // Restricted: the provider and the regulator approve.
    const landUse = await request(api, bob, a.landUse.id, 'Traffic model of the 2024 zoning', 180 * DAYS);
    // Confidential: delivered only encrypted, so the approval carries a key.
    await approveSealed(landUse, a.landUse, keys.transport);
    await send(api, api.tx.access.approveRequest(landUse, null), dave);
    // Rejected, with a reason.
    await send(api, api.tx.access.rejectRequest(noiseForNrp, 'The 2024 map is due next month; please ask for it then.'), charlie);
    // gpsForEnvironment stays Requested; baseMapForEnvironment was granted at once (Open).
    // Step 5: the regulator annotates a contract.
    await send(api, api.tx.audit.flag({ Contract: landUse }, 'Restricted zoning data shared for traffic modelling: reviewed, in order.'), dave);

    // The files, at the gateway (which checks them against the records at
    // the finalized block): each dataset's file from its publisher, each
    // encrypted delivery from the provider's approver.
    if (gateway) {
      await finalized(api);
      for (const d of [...Object.values(a), ...Object.values(b), ...Object.values(c)]) {
        await store(gateway, d.publisher, `/data/${d.id}`, d.file);
      }
      for (const { dataset, encrypted, sealedToOwner } of deliveries.values()) {
        await store(gateway, alice, `/data/${dataset.id}?part=key`, sealedToOwner);
        await store(gateway, alice, `/data/${dataset.id}?part=encrypted`, encrypted);
      }
    }

    const datasets = (await api.query.datasets.nextDatasetId()).toNumber();
    const contracts = (await api.query.access.nextContractId()).toNumber();
    const entries = (await api.query.audit.count()).toNumber();
    console.log(`seeded ${datasets} datasets, ${contracts} contracts, ${entries} audit entries`);
    console.log(`pending request: contract ${gpsForEnvironment}; open grant: contract ${baseMapForEnvironment}`);
    if (gateway) console.log(`stored ${Object.keys({ ...a, ...b, ...c }).length} files and ${deliveries.size} encryptions at ${gateway}`);
    if (keysDir) console.log(`development key files: ${Object.keys(keys).map((k) => join(keysDir, `${k}.key`)).join(', ')}`);
  } finally {
    await api.disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const at = args.indexOf(name);
    return at < 0 ? null : args.splice(at, 2)[1];
  };
  const gateway = option('--gateway');
  const keys = option('--keys');
  seed(args[0] ?? 'ws://127.0.0.1:9944', { gateway, keys }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
