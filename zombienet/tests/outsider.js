// A node whose peer id is not authorized ("mallory", started here with the
// consortium's chain spec, Alice as bootnode and no offchain worker of its
// own) cannot sync: the members keep it out. Then a council motion
// authorizes it (nodeAuthorization.addWellKnownNode) and it syncs.
// Returns the best block Mallory had before authorization (0).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { account, bestNumber, connect, passMotion, polkadot, report, sleep, since, waitFor } = require('./lib');

// sha256("mallory"): the development node key convention of the other nodes.
const NODE_KEY = 'c0a497761b175379ed63397cc980546559faa84ca9cbeede773117c31508b6ac';
const PEER_ID = '12D3KooWEDTiU3HNJzPm1sKMGHex5qJYxeEgfx49CYk58qUX36Zp';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

async function run(node, networkInfo) {
  const api = await connect(networkInfo.nodesByName[node].wsUri);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'citychain-mallory-'));
  const [p2p, rpcPort] = [await freePort(), await freePort()];
  const bootnodes = (await api.rpc.system.localListenAddresses()).map((a) => a.toString())
    .filter((a) => a.includes('/ip4/127.0.0.1/'));
  const mallory = spawn(process.env.CITYCHAIN_NODE, [
    '--chain', networkInfo.chainSpecPath, '--base-path', base, '--node-key', NODE_KEY,
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2p}/ws`, '--rpc-port', String(rpcPort),
    '--no-mdns', '--no-prometheus', '--no-telemetry', '--offchain-worker', 'never',
    '--bootnodes', ...bootnodes,
  ], { stdio: ['ignore', fs.openSync(path.join(base, 'mallory.log'), 'w'), fs.openSync(path.join(base, 'mallory.log'), 'a')] });
  let own;
  try {
    own = await waitFor('Mallory to start', async () => {
      try { return await connect(`ws://127.0.0.1:${rpcPort}`); } catch { return false; }
    }, 60_000);
    await sleep(30_000);
    const before = await bestNumber(own);
    const chainAt = await bestNumber(api);
    report('outsider', `unauthorized for 30 s: Mallory at #${before}, the chain at #${chainAt}`);
    if (chainAt < 10) throw new Error('the chain is not producing blocks');

    const peer = `0x${Buffer.from((await polkadot()).base58Decode(PEER_ID)).toString('hex')}`;
    await passMotion(api, api.tx.nodeAuthorization.addWellKnownNode(peer, account('Eve').address));
    const start = Date.now();
    const target = await bestNumber(api);
    await waitFor('Mallory to sync once authorized', async () => (await bestNumber(own)) >= target, 120_000);
    report('outsider', `authorized by motion: Mallory synced to #${target} in ${since(start)} s (log ${base}/mallory.log)`);
    return before;
  } finally {
    if (own) await own.disconnect();
    mallory.kill('SIGKILL');
    await api.disconnect();
  }
}

module.exports = { run };
