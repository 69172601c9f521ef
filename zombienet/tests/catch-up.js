// Run on a validator that was down and has just been restarted: waits until
// its finalized head reaches the height Alice has finalized, with the same
// block hash there. Returns the seconds from the restarted process's start
// (its Prometheus `substrate_process_start_time_seconds`) until then; if it
// had caught up before the first look, that is an upper bound.
const { connect, finalizedNumber, report, waitFor } = require('./lib');

async function processStart(prometheusUri) {
  // The restarted process opens its Prometheus port a moment after
  // zombienet sees it up: ask until it answers.
  let text;
  await waitFor(`${prometheusUri} to answer`, async () => {
    try {
      text = await (await fetch(prometheusUri)).text();
      return true;
    } catch {
      return false;
    }
  }, 30_000, 200);
  const line = text.split('\n').find((l) => l.startsWith('substrate_process_start_time_seconds'));
  if (!line) throw new Error(`no process start time at ${prometheusUri}`);
  return Number(line.trim().split(/\s+/).pop()) * 1000;
}

async function run(node, networkInfo) {
  const started = await processStart(networkInfo.nodesByName[node].prometheusUri);
  const reference = await connect(networkInfo.nodesByName.alice.wsUri);
  const api = await connect(networkInfo.nodesByName[node].wsUri);
  try {
    const target = await finalizedNumber(reference);
    const ownAtStart = await finalizedNumber(api);
    await waitFor(`${node} to finalize #${target}`, async () => (await finalizedNumber(api)) >= target, 120_000, 200);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    const [mine, theirs] = await Promise.all([api, reference].map((a) => a.rpc.chain.getBlockHash(target)));
    if (!mine.eq(theirs)) throw new Error(`${node} finalized ${mine.toHex()} at #${target}, alice ${theirs.toHex()}`);
    report('catch-up', `${node} restarted: at first look finalized #${ownAtStart}; reached alice's #${target} (same hash) ${seconds} s after its process started`);
    return seconds;
  } finally {
    await api.disconnect();
    await reference.disconnect();
  }
}

module.exports = { run };
