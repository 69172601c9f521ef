// At the end: every node reports the same audit_verify result and the same
// audit head at a common finalized block, and the same finalized block hash
// there. Returns the number of nodes that agree.
const { connectAll, disconnectAll, finalizedNumber, report } = require('./lib');

async function run(_node, networkInfo) {
  const apis = await connectAll(networkInfo);
  try {
    const height = Math.min(...(await Promise.all(Object.values(apis).map(finalizedNumber))));
    const answers = await Promise.all(Object.entries(apis).map(async ([name, api]) => {
      const hash = await api.rpc.chain.getBlockHash(height);
      const verify = (await api.rpc.audit.verify(null, hash)).toJSON();
      const head = (await (await api.at(hash)).query.audit.head()).toHex();
      return { name, text: JSON.stringify({ hash: hash.toHex(), verify, head }) };
    }));
    const agreeing = answers.filter((a) => a.text === answers[0].text).length;
    report('audit-agree', `finalized #${height}: ${agreeing} of ${answers.length} nodes agree: ${answers[0].text}`);
    if (!JSON.parse(answers[0].text).verify) throw new Error('audit_verify returned nothing');
    return agreeing;
  } finally {
    await disconnectAll(apis);
  }
}

module.exports = { run };
