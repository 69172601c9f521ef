// Governance removes Eve again: once the session without her starts, her node
// authors nothing. Returns how many of the next 12 blocks she authored (0).
const { account, connect, passMotion, report, since, waitFor } = require('./lib');

async function run(node, networkInfo) {
  const api = await connect(networkInfo.nodesByName[node].wsUri);
  try {
    const eve = account('Eve');
    const current = (await api.query.session.validators()).map((v) => v.toString());
    if (!current.includes(eve.address)) throw new Error('Eve is not a validator of the current session');
    await passMotion(api, api.tx.validatorSet.removeValidator(eve.address));
    const start = Date.now();
    await waitFor('a session without Eve', async () => {
      const validators = (await api.query.session.validators()).map((v) => v.toString());
      return !validators.includes(eve.address);
    }, 300_000, 1500);
    const gone = since(start);
    const from = (await api.rpc.chain.getHeader()).number.toNumber() + 1;
    await waitFor('12 more blocks', async () => (await api.rpc.chain.getHeader()).number.toNumber() >= from + 11, 120_000);
    let byEve = 0;
    for (let n = from; n < from + 12; n += 1) {
      const header = await api.derive.chain.getHeader(await api.rpc.chain.getBlockHash(n));
      if (header.author?.eq(eve.address)) byEve += 1;
    }
    report('remove-validator', `Eve left the session ${gone} s after the motion; blocks #${from}..#${from + 11}: ${byEve} by Eve`);
    return byEve;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
