// The gateway's data store for a test: a directory, or an S3 bucket on a
// moto server that the test starts (scripts/test.sh installs moto[server]
// and names its Python in CITYCHAIN_S3_PYTHON), so that the exchange tests
// run on both. The test reads and alters objects directly through it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort } from './node.mjs';

const BUCKET = 'citychain';
const PREFIX = 'gateway';

/** A directory store under `dir`. */
function directory(dir) {
  const root = join(dir, 'store');
  const path = (key) => join(root, key);
  return {
    kind: 'dir',
    arg: root,
    env: {},
    read: (key) => (existsSync(path(key)) ? readFileSync(path(key)) : null),
    write: (key, bytes) => { mkdirSync(dirname(path(key)), { recursive: true }); writeFileSync(path(key), bytes); },
    remove: (key) => rmSync(path(key), { force: true }),
    async stop() {},
  };
}

/** Runs `script` with boto3 against the moto server at `endpoint`; its stdout. */
function boto(endpoint, script, args = [], input = undefined) {
  const python = process.env.CITYCHAIN_S3_PYTHON;
  if (!python) throw new Error('CITYCHAIN_S3_PYTHON must name a Python with moto[server] (scripts/test.sh installs it)');
  const prelude = `import sys, boto3\ns3 = boto3.client('s3', endpoint_url='${endpoint}', region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')\n`;
  return execFileSync(python, ['-c', prelude + script, ...args], { input, maxBuffer: 1 << 30 });
}

/** A bucket store on a new moto server. */
async function bucket() {
  const python = process.env.CITYCHAIN_S3_PYTHON;
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const server = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  server.stdout.on('data', (d) => { log = (log + d).slice(-65536); });
  server.stderr.on('data', (d) => { log = (log + d).slice(-65536); });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`moto exited early:\n${log}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).status < 500) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`moto did not come up:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  boto(endpoint, `s3.create_bucket(Bucket='${BUCKET}')`);
  const name = (key) => `${PREFIX}/${key}`;
  return {
    kind: 's3',
    arg: `s3://${BUCKET}/${PREFIX}`,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' },
    read(key) {
      try {
        return boto(endpoint, `try:\n  sys.stdout.buffer.write(s3.get_object(Bucket='${BUCKET}', Key=sys.argv[1])['Body'].read())\nexcept s3.exceptions.NoSuchKey:\n  sys.exit(3)`, [name(key)]);
      } catch (e) {
        if (e.status === 3) return null;
        throw e;
      }
    },
    write: (key, bytes) => boto(endpoint, `s3.put_object(Bucket='${BUCKET}', Key=sys.argv[1], Body=sys.stdin.buffer.read())`, [name(key)], bytes),
    remove: (key) => boto(endpoint, `s3.delete_object(Bucket='${BUCKET}', Key=sys.argv[1])`, [name(key)]),
    async stop() {
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
    },
  };
}

/**
 * The store the test runs on: `CITYCHAIN_EXCHANGE_STORE=s3` for a bucket,
 * otherwise a directory under `dir`. `read(key)` is an object's bytes or
 * `null`; `write(key, bytes)` replaces it; `remove(key)` removes it; `env`
 * is what the gateway and the CLI need to reach it; `arg` is their
 * `--store`.
 */
export async function openStore(dir) {
  return process.env.CITYCHAIN_EXCHANGE_STORE === 's3' ? bucket() : directory(dir);
}
