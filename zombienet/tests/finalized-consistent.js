// After the paused validators resume: finality moves past where it stalled
// on every node, and at every height up to the lowest finalized head all
// nodes hold the same block (nothing conflicting was finalized). Returns the
// number of heights compared.
const { connectAll, disconnectAll, finalizedNumber, report, since, waitFor } = require('./lib');

async function run(_node, networkInfo) {
  const apis = await connectAll(networkInfo);
  try {
    const start = Date.now();
    const stalled = await finalizedNumber(apis.alice);
    const heads = await waitFor('every node to finalize past the stall', async () => {
      const numbers = await Promise.all(Object.values(apis).map(finalizedNumber));
      return numbers.every((n) => n >= stalled + 3) && numbers;
    }, 120_000, 500);
    const resumed = since(start);
    const upTo = Math.min(...heads);
    for (let height = 1; height <= upTo; height += 1) {
      const hashes = await Promise.all(Object.values(apis).map((api) => api.rpc.chain.getBlockHash(height)));
      if (!hashes.every((h) => h.eq(hashes[0]))) {
        throw new Error(`nodes disagree at finalized height ${height}: ${hashes.map((h) => h.toHex()).join(' ')}`);
      }
    }
    report('finalized-consistent', `finality resumed ${resumed} s after the validators returned (from #${stalled}); heights 1..${upTo} identical on ${heads.length} nodes`);
    return upTo;
  } finally {
    await disconnectAll(apis);
  }
}

module.exports = { run };
