// After finality resumes: the dataset search-unfinalized.js registered while
// it stalled is found on every node, in an answer at a finalized block.
// Returns how many nodes found it.
const { connectAll, disconnectAll, report, waitFor } = require('./lib');
const { TITLE } = require('./search-unfinalized');

async function run(_node, networkInfo) {
  const apis = await connectAll(networkInfo);
  try {
    let found = 0;
    const heights = [];
    for (const [name, api] of Object.entries(apis)) {
      const page = await waitFor(`${name} to find the dataset registered while finality stalled`, async () => {
        const answer = (await api.rpc.datasets.search({ text: TITLE, limit: 10 })).toJSON();
        return answer.items.length === 1 && answer;
      }, 60_000);
      heights.push(`${name} #${page.at.number}`);
      found += 1;
    }
    report('search-finalized', `found once finalized on ${found} nodes (answers at ${heights.join(', ')})`);
    return found;
  } finally {
    await disconnectAll(apis);
  }
}

module.exports = { run };
