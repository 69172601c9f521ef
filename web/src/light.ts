// The audit page's "Verify as a light client" (issue #42): the browser
// does what `citychain audit verify --light` does (cli/src/light.rs), with
// the node behind the gateway's relay as a transport trusted for nothing.
// From the raw chain spec the regulator opens here, it computes the genesis
// hash and takes the first GRANDPA authority set, refuses a node of another
// chain, follows every authority set's handover to the latest block the
// node keeps a justification for (`audit_finality`, each justification
// checked in grandpa.ts), reads `Audit::Peaks`, `Audit::Pruned` and
// `Audit::Head` with one storage proof under that block's state root
// (trie.ts), then checks every stored entry with its inclusion proof
// against the proven root and recomputes the hash chain to the proven head.
import { blake2AsU8a, decodeAddress, xxhashAsU8a } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import type { Entry } from '@citychain/api/rpc';
import { call, chainApi } from './chain';
import { type Authority, decodeAuthorities, justified, nextAuthorities } from './grandpa';
import { decodePeaks, inclusionFails, leafHash } from './logproof';
import { Reader, compact, equal } from './scale';
import { readProof, trieRoot } from './trie';
import { h } from './ui';

/** The largest chain spec file read (the dev chain's raw spec is a few MiB, mostly the runtime's code). */
const MAX_SPEC_BYTES = 64 << 20;
/** Most authority-set handovers followed (as the CLI's `MAX_SETS`). */
const MAX_SETS = 10_000;
/** Most entries checked in the browser: past it, the newest are (the CLI checks any range). */
export const MAX_ENTRIES = 10_000;
/** Entries per `audit_inclusionProof` call (`MAX_ENTRY_PAGE`). */
const PAGE = 100;

const blake2 = (data: Uint8Array) => blake2AsU8a(data, 256);
const storageKey = (pallet: string, item: string) => new Uint8Array([...xxhashAsU8a(pallet, 128), ...xxhashAsU8a(item, 128)]);

function hexBytes(hex: unknown, what: string): Uint8Array {
  if (typeof hex !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`${what} is not 0x-hex`);
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

/** What the chain spec gives: the genesis hash and the first authority set. */
export interface Genesis { hash: Uint8Array; authorities: Authority[] }

/** The genesis of a raw chain spec (`GenesisStorage::from_spec`, `hash` and `authorities`); throws naming what is wrong with the file. */
export function genesisOf(text: string): Genesis {
  let spec: { genesis?: { raw?: { top?: unknown; childrenDefault?: unknown } } };
  try {
    spec = JSON.parse(text);
  } catch {
    throw new Error('the chain spec is not JSON');
  }
  const raw = spec?.genesis?.raw;
  const top = raw?.top;
  if (typeof top !== 'object' || top === null || Array.isArray(top)) {
    throw new Error('the chain spec has no raw genesis: export it with `citychain-node build-spec --chain <chain> --raw`');
  }
  if (typeof raw?.childrenDefault === 'object' && raw.childrenDefault !== null && Object.keys(raw.childrenDefault).length > 0) {
    throw new Error('the chain spec\'s genesis has child tries');
  }
  const pairs = Object.entries(top).map(([k, v]): [Uint8Array, Uint8Array] =>
    [hexBytes(k, `the chain spec's genesis key ${k.slice(0, 24)}`), hexBytes(v, `the chain spec's genesis value of ${k.slice(0, 24)}`)]);
  // The genesis header: number 0, parent zero, the storage's root, the empty extrinsics root, no digest.
  const header = new Uint8Array([...new Uint8Array(32), ...compact(0), ...trieRoot(pairs), ...trieRoot([]), ...compact(0)]);
  const key = storageKey('Grandpa', 'Authorities');
  const authorities = pairs.find(([k]) => equal(k, key))?.[1];
  if (!authorities) throw new Error('the chain spec has no GRANDPA authorities');
  return { hash: blake2(header), authorities: decodeAuthorities(authorities, 'the chain spec\'s GRANDPA authorities') };
}

/** What the browser verified. */
export interface Verified {
  block: string; number: number;
  /** The authority set that finalized the block: as many handovers were followed from genesis. */
  setId: number;
  size: number; root: string;
  /** The entries checked, first and last (none in an empty log). */
  from: number | null; to: number | null; entries: number;
  prunedBefore: number;
  /** Whether every stored entry was checked, chained from the pruning point to the proven head. */
  complete: boolean;
}

/** The node changed something: named as the CLI names it. */
class Lied extends Error {}
const lied = (why: string) => new Lied(`the node lied: ${why}`);

/** The block's header, verified from genesis, and the storage proof under it. */
async function anchor(genesis: Genesis, progress: (said: string) => void) {
  const finality = (n?: number) => call('audit_finality', ...(n === undefined ? [] : [n]) as [number?]);
  const latest = await finality();
  if (!latest) throw new Error('the node keeps no GRANDPA justification yet: try again soon');
  const bytes = (x: unknown, what: string) => {
    try {
      return hexBytes(x, what);
    } catch (e) {
      throw lied((e as Error).message);
    }
  };
  const latestHeader = bytes(latest.header, 'the latest block\'s header');
  const latestNumber = numberOf(latestHeader);
  let authorities = genesis.authorities;
  let setId = 0n;
  let last = 0;
  for (let next = 1; ; ) {
    progress(`following authority set ${setId}…`);
    const setEnd = await finality(Math.min(next, latestNumber));
    if (!setEnd) break;
    const headerBytes = bytes(setEnd.header, `set ${setId}'s last header`);
    if (numberOf(headerBytes) >= latestNumber) break;
    if (setId === BigInt(MAX_SETS)) throw new Error(`more than ${MAX_SETS} authority sets`);
    let header;
    try {
      header = justified(headerBytes, bytes(setEnd.justification, `set ${setId}'s justification`), setId, authorities);
    } catch (e) {
      throw lied(`its finality does not check from genesis: authority set ${setId}'s last block: ${(e as Error).message}`);
    }
    if (header.number <= last) throw lied(`its finality does not check from genesis: handover ${setId} is not after the one before`);
    last = header.number;
    const handed = nextAuthorities(header);
    if (!handed) throw lied(`its finality does not check from genesis: block ${last} ends set ${setId} but names no next set`);
    authorities = handed;
    setId += 1n;
    next = last + 1;
  }
  let header;
  try {
    header = justified(latestHeader, bytes(latest.justification, 'the latest justification'), setId, authorities);
  } catch (e) {
    throw lied(`its finality does not check from genesis: the block: ${(e as Error).message}`);
  }
  progress(`reading the log's root at block #${header.number}…`);
  const keys = [storageKey('Audit', 'Peaks'), storageKey('Audit', 'Pruned'), storageKey('Audit', 'Head')];
  const api = await chainApi();
  const read = await api.rpc.state.getReadProof(keys.map((k) => u8aToHex(k)), u8aToHex(header.hash));
  const nodes = read.proof.map((n) => n.toU8a(true));
  const value = (key: Uint8Array, name: string) => {
    try {
      return readProof(header.stateRoot, nodes, key);
    } catch (e) {
      throw lied(`${name}: the storage proof: ${(e as Error).message}`);
    }
  };
  return { header, setId: Number(setId), value, keys };
}

/** A header's number, read past its parent hash (the header is verified before anything else is taken from it). */
function numberOf(header: Uint8Array): number {
  try {
    const r = new Reader(header, 'a header');
    r.take(32);
    return Number(r.compact());
  } catch (e) {
    throw lied((e as Error).message);
  }
}

/** Whether the fields `audit_inclusionProof` shows are the proven body's: index, block, time, actor, department, digest. */
function fieldsFail(entry: Entry, body: Uint8Array): string | null {
  const r = new Reader(body, `entry ${entry.index}'s body`);
  const index = r.u64();
  const block = r.u32();
  const time = r.u64();
  const actorKind = r.u8();
  const account = actorKind === 0 ? r.take(32) : null;
  const department = r.u8() === 1 ? r.u32() : null;
  const digest = body.subarray(body.length - 32);
  const actorShown = (() => {
    if (entry.actor === 'governance') return actorKind === 1;
    if (entry.actor === 'system') return actorKind === 2;
    try {
      return account !== null && equal(decodeAddress(entry.actor), account);
    } catch {
      return false;
    }
  })();
  if (BigInt(entry.index) !== index) return `its body is entry ${index}'s`;
  if (entry.block !== block || BigInt(entry.time) !== time || !actorShown || entry.department !== department || entry.digest !== u8aToHex(digest)) {
    return 'its fields differ from its proven body';
  }
  return null;
}

/**
 * Verifies the stored audit log (at most the newest `MAX_ENTRIES`) of the
 * chain `genesis` is, through the relay, trusting the node for nothing;
 * `progress` is told what it is doing. Throws naming what the node changed.
 */
export async function verifyLight(genesis: Genesis, progress: (said: string) => void): Promise<Verified> {
  const api = await chainApi();
  const served = (await api.rpc.chain.getBlockHash(0)).toU8a();
  if (!equal(served, genesis.hash)) {
    throw new Error(`the node serves the chain of genesis ${u8aToHex(served)}, not the chain spec's ${u8aToHex(genesis.hash)}`);
  }
  const { header, setId, value, keys: [peaksKey, prunedKey, headKey] } = await anchor(genesis, progress);
  let peaks;
  let prunedBefore = 0n;
  let prunedHead: Uint8Array = new Uint8Array(32);
  let head: Uint8Array = new Uint8Array(32);
  try {
    peaks = decodePeaks(value(peaksKey, 'Audit::Peaks'));
    const pruned = value(prunedKey, 'Audit::Pruned');
    if (pruned) {
      const r = new Reader(pruned, 'Audit::Pruned');
      prunedBefore = r.u64();
      prunedHead = r.take(32);
      r.end();
    }
    const stored = value(headKey, 'Audit::Head');
    if (stored) head = stored;
    if (head.length !== 32) throw new Error('Audit::Head is not 32 bytes');
  } catch (e) {
    throw e instanceof Lied ? e : lied((e as Error).message);
  }
  const at = u8aToHex(header.hash);
  const root = u8aToHex(peaks.root);
  const size = peaks.size;
  const first = size - prunedBefore > BigInt(MAX_ENTRIES) ? size - BigInt(MAX_ENTRIES) : prunedBefore;
  // The hash before `first`, where the state proves it.
  let previous: Uint8Array | null = first === prunedBefore ? prunedHead : null;
  for (let from = first; from < size; from += BigInt(PAGE)) {
    const indices: number[] = [];
    for (let i = from; i < size && i < from + BigInt(PAGE); i += 1n) indices.push(Number(i));
    progress(`checking entries ${indices[0]}–${indices[indices.length - 1]} of ${size}…`);
    const answer = await call('audit_inclusionProof', { indices, size: Number(size) }, at);
    if (answer.items?.length !== indices.length) throw lied(`it answered ${answer.items?.length} proofs for ${indices.length} entries`);
    answer.items.forEach(({ entry, proof }, k) => {
      const index = indices[k];
      if (!entry) throw lied(`entry ${index}: it returned no body to prove`);
      const forged = (why: string) => lied(`entry ${index} is not the log's: ${why}`);
      if (proof.leafIndex !== index || proof.size !== Number(size)) throw forged(`its proof is of entry ${proof.leafIndex} in a log of ${proof.size}`);
      let body: Uint8Array;
      try {
        body = hexBytes(entry.body, 'its body');
        const fails = inclusionFails(leafHash(body), BigInt(index), size, proof.path.map((p) => hexBytes(p, 'its proof')), peaks.root);
        if (fails) throw new Error(`its body does not lead to the root: ${fails}`);
        const shown = fieldsFail(entry, body);
        if (shown) throw new Error(shown);
      } catch (e) {
        throw forged((e as Error).message);
      }
      const hash = hexBytes(entry.hash, `entry ${index}'s hash`);
      if (previous !== null && !equal(blake2(new Uint8Array([...previous, ...body])), hash)) {
        throw lied(`entry ${index}'s hash does not chain from the entry before it`);
      }
      previous = hash;
    });
  }
  if (previous !== null && !equal(previous, head)) {
    throw lied(`the last entry's hash is not the head the state holds (${u8aToHex(head)})`);
  }
  const count = Number(size - first);
  return {
    block: at, number: header.number, setId, size: Number(size), root,
    from: count > 0 ? Number(first) : null, to: count > 0 ? Number(size) - 1 : null, entries: count,
    prunedBefore: Number(prunedBefore), complete: first === prunedBefore,
  };
}

/** The audit page's block: the chain spec file, the button, and what came of it. */
export function lightVerifier(): HTMLElement {
  const file = h('input', { type: 'file', id: 'light-spec', accept: '.json,application/json' });
  const verdict = h('p', { id: 'light-verdict', 'aria-live': 'polite' });
  const say = (kind: 'ok' | 'bad' | 'info', text: string) => {
    verdict.className = kind;
    verdict.textContent = text;
  };
  const button = h('button', { type: 'button', id: 'light-verify', onclick: async () => {
    const spec = file.files?.[0];
    if (!spec) return say('bad', 'Choose the chain spec file first (citychain-node build-spec --chain <chain> --raw).');
    if (spec.size > MAX_SPEC_BYTES) return say('bad', `The chain spec is larger than ${MAX_SPEC_BYTES >> 20} MiB: not a chain spec.`);
    button.disabled = true;
    for (const k of Object.keys(verdict.dataset)) delete verdict.dataset[k];
    try {
      say('info', 'computing the genesis from the chain spec…');
      const v = await verifyLight(genesisOf(await spec.text()), (said) => say('info', said));
      const range = v.entries === 0 ? 'no entries' : `${v.entries} entries (${v.from}–${v.to})`;
      const whole = v.complete ? 'complete' : `the newest ${MAX_ENTRIES}, chained to the head (entries from ${v.prunedBefore} on are stored: the CLI checks the rest)`;
      say('ok', `Verified — light: GRANDPA from genesis through ${v.setId + 1} authority set${v.setId === 0 ? '' : 's'} to block #${v.number}, `
        + `storage and inclusion proofs: ${range}, ${whole}; log size ${v.size}, root ${v.root}. The node was trusted for nothing.`);
      Object.assign(verdict.dataset, { size: String(v.size), root: v.root, block: v.block, entries: String(v.entries), complete: String(v.complete) });
    } catch (e) {
      say('bad', `Not verified: ${(e as Error).message}`);
    } finally {
      button.disabled = false;
    }
  } }, 'Verify as a light client');
  return h('section', { class: 'light' }, h('h3', {}, 'Verify as a light client'),
    h('p', {}, 'Trusting no node: open the chain\'s raw chain spec (citychain-node build-spec --chain <chain> --raw); this browser follows GRANDPA finality from its genesis and checks the log with storage and inclusion proofs.'),
    h('div', { class: 'row' }, h('label', { class: 'field' }, h('span', {}, 'Chain spec'), file), button), verdict);
}
