// The regulator verifies the audit log as a light client while a validator is
// down: `citychain audit verify --light` takes everything from one node and
// trusts none of it. From the chain spec alone it follows every GRANDPA
// authority set (the validator changes before this step made several) to a
// justified block, reads the log's root with a storage proof there, checks
// every stored entry's inclusion proof and recomputes the hash chain to the
// proven head. Returns the authority set it followed to.
const { execFile } = require('node:child_process');
const { dirname, join } = require('node:path');
const { report } = require('./lib');

function citychain(args) {
  const cli = join(dirname(process.env.CITYCHAIN_NODE), 'citychain');
  return new Promise((resolve, reject) => {
    execFile(cli, args, { timeout: 120_000, maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`citychain ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function run(node, networkInfo) {
  const url = networkInfo.nodesByName[node].wsUri;
  const started = Date.now();
  const verified = JSON.parse(await citychain([
    '--node', url, 'audit', 'verify', '--light', '--chain-spec', process.env.CHAIN_SPEC,
  ]));
  if (!verified.ok || !verified.complete) throw new Error(`not verified: ${JSON.stringify(verified)}`);
  report('light-verify', `${verified.entries} entries (the whole stored log of ${verified.size}) checked at #${verified.number}, `
    + `finalized by authority set ${verified.setId}, followed from the chain spec's genesis through ${node}'s RPC, `
    + `in ${Math.round((Date.now() - started) / 100) / 10} s`);
  return verified.setId;
}

module.exports = { run };
