// Governance suspends Dave's department while Eve's validates too: Dave leaves
// the validator set from the session after next, his node leaves
// NodeAuthorization's well-known nodes, and the four other validators go on
// finalizing. Returns how many blocks were finalized in the 30 s after Dave's
// last session ended (at least 5 expected).
const { account, connect, finalizedNumber, passMotion, report, since, sleep, waitFor } = require('./lib');

async function run(node, networkInfo) {
  const api = await connect(networkInfo.nodesByName[node].wsUri);
  try {
    const dave = account('Dave');
    const validators = async () => (await api.query.session.validators()).map((v) => v.toString());
    const before = await validators();
    if (!before.includes(dave.address) || before.length !== 5) {
      throw new Error(`expected five validators with Dave, got ${before.length}`);
    }
    const nodesBefore = (await api.query.nodeAuthorization.wellKnownNodes()).size;
    const department = (await api.query.departments.members(dave.address)).unwrap().department;
    // Dave's own delegate does not vote on his department's suspension.
    const motion = await passMotion(
      api, api.tx.departments.setDepartmentStatus(department, 'Suspended'), ['Alice', 'Bob', 'Charlie', 'Eve'],
    );
    if (!motion.find((e) => api.events.validatorSet.ValidatorRemoved.is(e))) throw new Error('no ValidatorRemoved event');
    if (!motion.find((e) => api.events.nodeAuthorization.NodeRemoved.is(e))) throw new Error('no NodeRemoved event');
    const nodesAfter = (await api.query.nodeAuthorization.wellKnownNodes()).size;
    if (nodesAfter !== nodesBefore - 1) throw new Error(`well-known nodes ${nodesBefore} -> ${nodesAfter}`);

    const start = Date.now();
    await waitFor('a session without Dave', async () => !(await validators()).includes(dave.address), 120_000, 1000);
    const left = since(start);
    const from = await finalizedNumber(api);
    await sleep(30_000);
    const advanced = (await finalizedNumber(api)) - from;
    report('suspend-department', `Dave's department suspended; he left the session ${left} s after the motion; ${(await validators()).length} validators finalized ${advanced} blocks in 30 s`);
    return advanced;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
