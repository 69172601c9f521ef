// Every node is connected to all four others (the authorized nodes of the
// consortium); returns the smallest peer count seen. Usually within 10 s;
// with the e2e suites beside it on two cores it once took over 60 s.
const { connectAll, disconnectAll, report, waitFor } = require('./lib');

async function run(_node, networkInfo) {
  const apis = await connectAll(networkInfo);
  try {
    const counts = await waitFor('every node to see four peers', async () => {
      const peers = await Promise.all(Object.values(apis).map(async (api) => (await api.rpc.system.health()).peers.toNumber()));
      return peers.every((p) => p >= 4) && peers;
    }, 150_000);
    report('peers', Object.keys(apis).map((n, i) => `${n} ${counts[i]}`).join(', '));
    return Math.min(...counts);
  } finally {
    await disconnectAll(apis);
  }
}

module.exports = { run };
