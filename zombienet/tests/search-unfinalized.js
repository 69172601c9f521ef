// A dataset is found exactly when the block that registered it is final: from
// the moment its registration is in Alice's best block, every node's search
// answer either names a finalized block before the registration's and does
// not hold the dataset, or names that block or a later one and does. Polls
// every node until all have found it; returns how many answers broke that
// rule (0). At least one answer must come before finality, or the test has
// shown nothing.
const { account, connectAll, disconnectAll, included, report, since, sleep } = require('./lib');

const DEG = 10_000_000;
const TITLE = 'Flood gauges, found once final';

async function run(node, networkInfo) {
  const apis = await connectAll(networkInfo);
  try {
    const api = apis[node];
    const start = Date.now();
    const { events, number } = await included(api, api.tx.datasets.registerDataset(
      { title: TITLE, description: 'Gauges on the river.', topic: 'InlandWaters', keywords: ['flood'], uri: 'https://water.example/gauges.geojson', license: { expression: 'CC0-1.0', url: null } },
      {
        bbox: { west: Math.round(116.20 * DEG), south: Math.round(39.80 * DEG), east: Math.round(116.30 * DEG), north: Math.round(39.90 * DEG) },
        crs: 4326, time: { start: Date.parse('2025-01-01T00:00:00Z'), end: null },
        format: 'application/geo+json', hashCode: 0xb220, digest: `0x${'cd'.repeat(32)}`, size: 9_000,
      },
      'Open', 'Public',
    ), account('Alice'));
    const registered = events.find((e) => api.events.datasets.DatasetRegistered.is(e));
    const id = registered.data.dataset.toNumber();
    let [before, broken] = [0, 0];
    const pending = new Set(Object.keys(apis));
    while (pending.size > 0) {
      if (Date.now() - start > 60_000) throw new Error(`not found on ${[...pending].join(', ')} within 60 s`);
      for (const name of [...pending]) {
        const page = (await apis[name].rpc.datasets.search({ text: TITLE, limit: 10 })).toJSON();
        const found = page.items.some((d) => d.id === id);
        if (found !== (page.at.number >= number)) broken += 1;
        if (!found) before += 1;
        else pending.delete(name);
      }
      await sleep(100);
    }
    report('search-unfinalized', `dataset ${id} in block #${number}: ${before} answers before it was final held no dataset, then all 5 nodes found it (${since(start)} s after submission); ${broken} answers broke the rule`);
    if (before === 0) throw new Error('every answer came after finality: nothing was shown');
    return broken;
  } finally {
    await disconnectAll(apis);
  }
}

module.exports = { run };
