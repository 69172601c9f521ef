// Signed requests to citychain-gateway (citychain_client::auth), for
// programs that hold the account's key pair: downloads, uploads, the relay.
import { Buffer } from 'node:buffer';

/**
 * The `Authorization` header of a gateway request for `url` signed by `pair`:
 * sr25519 over the gateway's URL (the origin of `url`, or `gateway`),
 * method, path with query, time and nonce.
 */
export function authorization(pair, method, url, { time = Date.now(), nonce, signer = pair, gateway } = {}) {
  const n = nonce ?? Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex');
  const u = new URL(url);
  const message = `citychain-gateway/2\n${gateway ?? u.origin}\n${method}\n${u.pathname}${u.search}\n${time}\n${n}`;
  const signature = Buffer.from(signer.sign(new TextEncoder().encode(message))).toString('hex');
  return `CityChain account=${pair.address}, time=${time}, nonce=${n}, signature=${signature}`;
}

/**
 * Stores `body` (bytes) at the gateway `gateway` as `path` (`/data/{id}`, or
 * `/data/{id}?contract={c}` for an encrypted delivery), signed by `pair`;
 * throws with the gateway's reason if it refuses.
 */
export async function store(gateway, pair, path, body) {
  const url = `${gateway}${path}`;
  const r = await fetch(url, { method: 'PUT', body, headers: { authorization: authorization(pair, 'PUT', url, { gateway }) } });
  if (!r.ok) throw new Error(`the gateway did not store ${path}: ${(await r.json().catch(() => ({ description: r.statusText }))).description}`);
}
