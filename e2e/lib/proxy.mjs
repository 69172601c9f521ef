// Proxies the tests put between a client and a server: a TCP proxy in front
// of the gateway that counts what clients send it and can cut the connection
// that carries a given byte (how the upload tests check that a cut upload
// resumes without sending again what was stored), and a JSON-RPC proxy that
// rewrites a node's answers (how the audit tests play a lying node).
import { createServer, connect } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';

/**
 * Listens on `port` and passes every connection to `target` (a port on
 * 127.0.0.1). `sent` counts the bytes clients sent on connections whose
 * first bytes do not start with one of `uncounted` (e.g. `GET /rpc`, the
 * portal's relay to the node); `cutAt(n)` makes the counted connection
 * that reaches `sent` = n be dropped there (both ways), once; `cuts` says
 * how many were.
 */
export function sendCountingProxy(port, target, { uncounted = [] } = {}) {
  const state = { url: `http://127.0.0.1:${port}`, sent: 0, cuts: 0 };
  let cut = Infinity;
  state.cutAt = (n) => { cut = n; };
  const open = new Set();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    open.add(client);
    client.on('close', () => open.delete(client));
    let counted = null;
    const drop = () => { client.destroy(); upstream.destroy(); };
    client.on('data', (data) => {
      counted ??= !uncounted.some((p) => data.subarray(0, p.length).toString('latin1') === p);
      if (counted && state.sent + data.length >= cut) {
        const before = cut - state.sent;
        upstream.write(data.subarray(0, before));
        state.sent = cut;
        cut = Infinity;
        state.cuts += 1;
        return void drop();
      }
      if (counted) state.sent += data.length;
      if (!upstream.write(data)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.pipe(client);
    client.on('end', () => upstream.end());
    client.on('error', drop);
    upstream.on('error', drop);
  });
  state.stop = () => new Promise((r) => {
    server.close(r);
    for (const socket of open) socket.destroy();
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(state)));
}

/**
 * A JSON-RPC WebSocket proxy in front of a node (`target`, a ws:// URL)
 * that lies: each answer to a request for `method` is passed through
 * `rewrite(result)` before the client sees it. How the tests play a node
 * that alters what it serves. Resolves to `{ url, stop }`.
 */
export function lyingRpcProxy(target, method, rewrite) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (client) => {
    const upstream = new WebSocket(target);
    const asked = new Map();
    const waiting = [];
    upstream.on('open', () => { for (const m of waiting.splice(0)) upstream.send(m); });
    client.on('message', (data) => {
      const text = data.toString();
      const request = JSON.parse(text);
      if (request.method === method) asked.set(request.id, true);
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else waiting.push(text);
    });
    upstream.on('message', (data) => {
      const answer = JSON.parse(data.toString());
      if (asked.delete(answer.id) && answer.result) answer.result = rewrite(answer.result);
      client.send(JSON.stringify(answer));
    });
    client.on('close', () => upstream.close());
    upstream.on('close', () => client.close());
    upstream.on('error', () => client.terminate());
  });
  const stop = () => new Promise((done) => {
    for (const c of server.clients) c.terminate();
    server.close(done);
  });
  return new Promise((resolve) => server.on('listening', () => {
    resolve({ url: `ws://127.0.0.1:${server.address().port}`, stop });
  }));
}

/** `hex` (0x…) with the bits of its byte `at` flipped; `at` < 0 counts from the end. */
function flipByte(hex, at) {
  const bytes = Buffer.from(hex.slice(2), 'hex');
  bytes[at < 0 ? bytes.length + at : at] ^= 1;
  return `0x${bytes.toString('hex')}`;
}

/**
 * The lying nodes the audit tests play in front of `target`: one that
 * serves another body (its last byte changed) for entry `index`, one that
 * serves another hash for it, and one whose justified header has a byte
 * changed. Each resolves as `lyingRpcProxy` does.
 */
export const auditLiars = {
  body: (target, index) => lyingRpcProxy(target, 'audit_inclusionProof', (r) => {
    for (const item of r.items) if (item.entry?.index === index) item.entry.body = flipByte(item.entry.body, -1);
    return r;
  }),
  hash: (target, index) => lyingRpcProxy(target, 'audit_inclusionProof', (r) => {
    for (const item of r.items) if (item.entry?.index === index) item.entry.hash = `0x${'11'.repeat(32)}`;
    return r;
  }),
  header: (target) => lyingRpcProxy(target, 'audit_finality', (r) => ({ ...r, header: flipByte(r.header, 40) })),
};
