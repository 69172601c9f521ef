#!/usr/bin/env node
// Seeds a dev chain with a small, realistic catalogue: datasets of the four
// sample departments over Beijing, and contracts in different states. It is
// also a worked example of the sharing process with @polkadot/api.
//
//   node seed.mjs [ws://127.0.0.1:9944]
//
// Does nothing if the registry already holds datasets.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';
import { encryptionKeyPair, rpc, seal, signedExtensions, submit } from './index.mjs';

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

/** Signs and sends `tx`; resolves with the block's events once included. */
async function send(api, tx, signer) {
  return (await submit(api, tx, signer)).events;
}

function idFrom(api, events, event, field) {
  return events.find((e) => event.is(e)).data[field].toNumber();
}

async function register(api, signer, d) {
  const content = new TextEncoder().encode(`${d.title}\n${d.uri}\n`); // stands in for the file
  const events = await send(api, api.tx.datasets.registerDataset(
    {
      title: d.title, description: d.description, topic: d.topic, keywords: d.keywords, uri: d.uri,
      license: { expression: d.license, url: d.licenseUrl ?? null },
    },
    {
      bbox: d.bbox, crs: d.crs ?? 4326, time: d.time, format: d.format,
      hashCode: 0xb220, digest: blake2AsHex(content, 256), size: d.size,
    },
    d.policy, d.sensitivity,
  ), signer);
  return { id: idFrom(api, events, api.events.datasets.DatasetRegistered, 'dataset'), digest: blake2AsHex(content, 256) };
}

async function request(api, signer, dataset, purpose, term) {
  const events = await send(api, api.tx.access.requestAccess(dataset, purpose, term, null), signer);
  return idFrom(api, events, api.events.access.AccessRequested, 'contract');
}

export async function seed(endpoint) {
  await cryptoWaitReady();
  const api = await ApiPromise.create({ provider: new WsProvider(endpoint), rpc, signedExtensions, noInitWarn: true });
  try {
    if ((await api.query.datasets.nextDatasetId()).toNumber() > 0) {
      console.log('the registry holds datasets already: nothing to seed');
      return;
    }
    const keyring = new Keyring({ type: 'sr25519' });
    const [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((u) => keyring.addFromUri(u));

    // Departments publish x25519 keys (the secrets stay with them; these dev
    // secrets are derived from the account names).
    const keys = {};
    await Promise.all([[bob, 'transport'], [charlie, 'environment']].map(async ([who, name]) => {
      keys[name] = encryptionKeyPair(new TextEncoder().encode(`citychain dev ${name} key`.padEnd(32, '.')).slice(0, 32));
      await send(api, api.tx.departments.setEncryptionKey(u8aToHex(keys[name].publicKey)), who);
    }));

    // Step 1: each department registers its datasets (in parallel across
    // departments, in order within one).
    const nrp = async () => ({
      landUse: await register(api, alice, {
        title: 'Land use plan 2024', description: 'Zoning of the central districts: residential, commercial, industrial, green space.',
        topic: 'PlanningCadastre', keywords: ['land use', 'zoning', 'planning'], uri: 'https://nrp.beijing.example/landuse-2024.gpkg',
        license: 'LicenseRef-NRP-Restricted-1.0', licenseUrl: 'https://nrp.beijing.example/terms/restricted-1.0',
        bbox: CENTRAL, crs: 4547, time: { start: day('2024-01-01'), end: day('2024-12-31') }, format: 'application/geopackage+sqlite3',
        size: 48_211_968, policy: 'Restricted', sensitivity: 'Confidential',
      }),
      parcels: await register(api, alice, {
        title: 'Cadastral parcels', description: 'Parcel boundaries with parcel numbers and land-use class.',
        topic: 'PlanningCadastre', keywords: ['cadastre', 'parcels'], uri: 'https://nrp.beijing.example/parcels.geojson',
        license: 'other', licenseUrl: 'https://nrp.beijing.example/terms/cadastre',
        bbox: BEIJING, time: { start: day('2023-06-30'), end: null }, format: 'application/geo+json',
        size: 132_120_576, policy: 'ApprovalRequired', sensitivity: 'Internal',
      }),
      baseMap: await register(api, alice, {
        title: 'Orthophoto base map 2023', description: '0.5 m orthophoto mosaic of the municipality.',
        topic: 'ImageryBaseMapsEarthCover', keywords: ['orthophoto', 'imagery'], uri: 'https://nrp.beijing.example/ortho-2023.tif',
        license: 'CC-BY-4.0',
        bbox: BEIJING, time: { start: day('2023-04-01'), end: day('2023-05-15') }, format: 'image/tiff; application=geotiff',
        size: 9_663_676_416, policy: 'Open', sensitivity: 'Public',
      }),
    });
    const transport = async () => ({
      roads: await register(api, bob, {
        title: 'Road network', description: 'Centre lines of all public roads with class, lanes and speed limits.',
        topic: 'Transportation', keywords: ['roads', 'network'], uri: 'https://transport.beijing.example/roads.geojson',
        license: 'ODbL-1.0',
        bbox: BEIJING, time: { start: day('2020-01-01'), end: null }, format: 'application/geo+json',
        size: 61_865_984, policy: 'Open', sensitivity: 'Public',
      }),
      busGps: await register(api, bob, {
        title: 'Bus GPS traces, March 2024', description: 'One-second GPS fixes of every bus inside the fifth ring road.',
        topic: 'Transportation', keywords: ['bus', 'gps', 'trajectories'], uri: 'https://transport.beijing.example/bus-gps-2024-03.parquet',
        license: 'CC-BY-NC-4.0',
        bbox: RING, time: { start: day('2024-03-01'), end: day('2024-03-31') }, format: 'application/vnd.apache.parquet',
        size: 3_221_225_472, policy: 'ApprovalRequired', sensitivity: 'Internal',
      }),
    });
    const environment = async () => ({
      air: await register(api, charlie, {
        title: 'Air quality stations, hourly', description: 'PM2.5, PM10, NO2 and O3 at 35 monitoring stations.',
        topic: 'ClimatologyMeteorologyAtmosphere', keywords: ['air quality', 'pm2.5'], uri: 'https://env.beijing.example/air-hourly.csv',
        license: 'CC0-1.0',
        bbox: BEIJING, time: { start: day('2019-01-01'), end: null }, format: 'text/csv',
        size: 402_653_184, policy: 'Open', sensitivity: 'Public',
      }),
      noise: await register(api, charlie, {
        title: 'Road traffic noise map', description: 'Lden noise levels along main roads, 10 m grid.',
        topic: 'Environment', keywords: ['noise', 'traffic'], uri: 'https://env.beijing.example/noise-2023.tif',
        license: 'CC-BY-4.0',
        bbox: CENTRAL, time: { start: day('2023-01-01'), end: day('2023-12-31') }, format: 'image/tiff; application=geotiff',
        size: 805_306_368, policy: 'ApprovalRequired', sensitivity: 'Internal',
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
    // Approved with a key envelope, and receipt verified.
    await send(api, api.tx.access.approveRequest(parcelsForTransport, u8aToHex(seal(randomAsU8a(32), keys.transport.publicKey))), alice);
    await send(api, api.tx.access.confirmReceipt(parcelsForTransport, 0xb220, a.parcels.digest), bob);
    // Restricted: the provider and the regulator approve.
    const landUse = await request(api, bob, a.landUse.id, 'Traffic model of the 2024 zoning', 180 * DAYS);
    // Confidential: delivered only encrypted, so the approval carries a key.
    await send(api, api.tx.access.approveRequest(landUse, u8aToHex(seal(randomAsU8a(32), keys.transport.publicKey))), alice);
    await send(api, api.tx.access.approveRequest(landUse, null), dave);
    // Rejected, with a reason.
    await send(api, api.tx.access.rejectRequest(noiseForNrp, 'The 2024 map is due next month; please ask for it then.'), charlie);
    // gpsForEnvironment stays Requested; baseMapForEnvironment was granted at once (Open).
    // Step 5: the regulator annotates a contract.
    await send(api, api.tx.audit.flag({ Contract: landUse }, 'Restricted zoning data shared for traffic modelling: reviewed, in order.'), dave);

    const datasets = (await api.query.datasets.nextDatasetId()).toNumber();
    const contracts = (await api.query.access.nextContractId()).toNumber();
    const entries = (await api.query.audit.count()).toNumber();
    console.log(`seeded ${datasets} datasets, ${contracts} contracts, ${entries} audit entries`);
    console.log(`pending request: contract ${gpsForEnvironment}; open grant: contract ${baseMapForEnvironment}`);
  } finally {
    await api.disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  seed(process.argv[2] ?? 'ws://127.0.0.1:9944').catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
