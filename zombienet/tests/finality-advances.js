// Finality advances by at least `args[0]` blocks on this node (run while a
// validator is down); returns the blocks finalized in the window.
const { connect, finalizedNumber, report, since, waitFor } = require('./lib');

async function run(node, networkInfo, args) {
  const wanted = Number(args[0] ?? 5);
  const api = await connect(networkInfo.nodesByName[node].wsUri);
  try {
    const start = Date.now();
    const from = await finalizedNumber(api);
    const to = await waitFor(`${wanted} more finalized blocks`, async () => {
      const now = await finalizedNumber(api);
      return now >= from + wanted && now;
    }, 90_000);
    report('finality-advances', `${node}: finalized #${from} → #${to} in ${since(start)} s`);
    return to - from;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
