// Run while finality stalls: a dataset registered through Alice's node is in
// her best chain but not finalized, so no node's search index holds it yet;
// every answer names a finalized block older than the registration's.
// Returns how many nodes found it (0); search-finalized.js finds it after.
const { account, connectAll, disconnectAll, finalizedNumber, report, send } = require('./lib');

const DEG = 10_000_000;
const TITLE = 'Flood gauges registered while finality stalls';

async function run(node, networkInfo) {
  const apis = await connectAll(networkInfo);
  try {
    const api = apis[node];
    const events = await send(api, api.tx.datasets.registerDataset(
      { title: TITLE, description: 'Gauges on the river.', topic: 'InlandWaters', keywords: ['flood'], uri: 'https://water.example/gauges.geojson' },
      {
        bbox: { west: Math.round(116.20 * DEG), south: Math.round(39.80 * DEG), east: Math.round(116.30 * DEG), north: Math.round(39.90 * DEG) },
        crs: 4326, time: { start: Date.parse('2025-01-01T00:00:00Z'), end: null },
        format: 'application/geo+json', hashCode: 0xb220, digest: `0x${'cd'.repeat(32)}`, size: 9_000,
      },
      'Open', 'Public',
    ), account('Alice'));
    const id = events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
    const included = (await api.rpc.chain.getHeader()).number.toNumber();
    const finalized = await finalizedNumber(api);
    if (finalized >= included) throw new Error(`#${included} is already finalized: finality did not stall`);
    let found = 0;
    const heights = [];
    for (const [name, other] of Object.entries(apis)) {
      if (name === 'charlie' || name === 'dave') continue; // paused
      const page = (await other.rpc.datasets.search({ text: TITLE, limit: 10 })).toJSON();
      if (page.at.number >= included) throw new Error(`${name} answered at #${page.at.number}, not finalized`);
      heights.push(`${name} #${page.at.number}`);
      if (page.items.some((d) => d.id === id)) found += 1;
    }
    report('search-unfinalized', `dataset ${id} in best block #${included}, finalized #${finalized}: found by ${found} nodes (answers at ${heights.join(', ')})`);
    return found;
  } finally {
    await disconnectAll(apis);
  }
}

module.exports = { run, TITLE };
