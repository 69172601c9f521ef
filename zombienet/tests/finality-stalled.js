// Run while two of the four validators are paused: blocks are still
// authored in the others' slots, but finality (which needs three of four
// votes) stops. Returns how many blocks were finalized over 20 s, after 6 s
// for votes already in flight.
const { bestNumber, connect, finalizedNumber, report, sleep } = require('./lib');

async function run(node, networkInfo) {
  const api = await connect(networkInfo.nodesByName[node].wsUri);
  try {
    await sleep(6_000);
    const [best0, final0] = [await bestNumber(api), await finalizedNumber(api)];
    await sleep(20_000);
    const [best1, final1] = [await bestNumber(api), await finalizedNumber(api)];
    report('finality-stalled', `${node}: best #${best0} → #${best1}, finalized #${final0} → #${final1} over 20 s`);
    if (best1 <= best0) throw new Error('no blocks were authored by the two validators still up');
    return final1 - final0;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
