// Governance adds the regulator's node (Eve) as a validator: Eve's node
// makes session keys with a proof for her account (author_rotateKeysWithOwner),
// Eve registers them (session.setKeys), a council motion adds her
// (validatorSet.addValidator); from the session after next her node authors
// blocks. Returns the seconds from the motion's execution to her first block.
const { connect, passMotion, report, send, since, waitFor, account } = require('./lib');

async function run(node, networkInfo) {
  const api = await connect(networkInfo.nodesByName[node].wsUri);
  try {
    const eve = account('Eve');
    const owner = api.createType('AccountId', eve.address).toHex();
    const { keys, proof } = await api._rpcCore.provider.send('author_rotateKeysWithOwner', [owner]);
    await send(api, api.tx.session.setKeys(keys, proof), eve);

    const motion = await passMotion(api, api.tx.validatorSet.addValidator(eve.address));
    const added = motion.find((e) => api.events.validatorSet.ValidatorAdded.is(e));
    if (!added) throw new Error('no ValidatorAdded event');
    const start = Date.now();
    const session = (await api.query.session.currentIndex()).toNumber();

    // Look at every new block, not just the best one now and then.
    let next = (await api.rpc.chain.getHeader()).number.toNumber() + 1;
    const block = await waitFor('a block authored by Eve', async () => {
      const best = (await api.rpc.chain.getHeader()).number.toNumber();
      for (; next <= best; next += 1) {
        const header = await api.derive.chain.getHeader(await api.rpc.chain.getBlockHash(next));
        if (header.author?.eq(eve.address)) return next;
      }
      return false;
    }, 300_000, 1000);
    const seconds = since(start);
    const validators = (await api.query.session.validators()).map((v) => v.toString());
    if (!validators.includes(eve.address)) throw new Error('Eve authored but is not in session.validators');
    report('add-validator', `added in session ${session}; Eve authored #${block} ${seconds} s after the motion, session ${(await api.query.session.currentIndex()).toNumber()}, ${validators.length} validators`);
    return seconds;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
