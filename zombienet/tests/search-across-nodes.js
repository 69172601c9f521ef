// A dataset registered through one node (Alice's) is found by
// datasets_search on every other node once finalized; returns how many of the
// other nodes found it.
const { account, connectAll, disconnectAll, finalizedNumber, report, send, since, waitFor } = require('./lib');

const DEG = 10_000_000;

async function run(node, networkInfo) {
  const apis = await connectAll(networkInfo);
  try {
    const api = apis[node];
    const start = Date.now();
    const title = `Bus stops ${start}`;
    const events = await send(api, api.tx.datasets.registerDataset(
      { title, description: 'Stops of the city bus network.', topic: 'Transportation', keywords: ['bus'], uri: 'https://transport.example/stops.geojson', license: { expression: 'CC-BY-4.0', url: null } },
      {
        bbox: { west: Math.round(116.30 * DEG), south: Math.round(39.85 * DEG), east: Math.round(116.45 * DEG), north: Math.round(39.98 * DEG) },
        crs: 4326, time: { start: Date.parse('2025-01-01T00:00:00Z'), end: null },
        format: 'application/geo+json', hashCode: 0xb220, digest: `0x${'ab'.repeat(32)}`, size: 52_000,
      },
      'Open', 'Public',
    ), account('Alice'));
    const registered = events.find((e) => api.events.datasets.DatasetRegistered.is(e));
    const id = registered.data.dataset.toNumber();
    const included = (await api.rpc.chain.getHeader()).number.toNumber();
    await waitFor('the registration to be finalized', async () => (await finalizedNumber(api)) >= included, 60_000);

    const params = { bbox: [116.40, 39.90, 116.41, 39.91], datetime: '2025-06-01T00:00:00Z', text: title, limit: 10 };
    let found = 0;
    for (const [name, other] of Object.entries(apis)) {
      if (name === node) continue;
      const hit = await waitFor(`${name} to find dataset ${id}`, async () => {
        const { items } = (await other.rpc.datasets.search(params)).toJSON();
        return items.some((d) => d.id === id);
      }, 30_000);
      if (hit) found += 1;
    }
    report('search-across-nodes', `dataset ${id} registered on ${node}, found on ${found} other nodes ${since(start)} s after submission`);
    return found;
  } finally {
    await disconnectAll(apis);
  }
}

module.exports = { run };
