// GRANDPA finality checked in the browser: block headers, authority lists
// and justifications decoded from SCALE, and a justification verified as
// sc-consensus-grandpa's `GrandpaJustification::verify` does (with
// finality-grandpa's `validate_commit`), so that a block is taken as
// final only on the signatures of more than two thirds of its authority
// set's weight, whoever served it.
import { blake2AsU8a, ed25519Verify } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { Reader, equal, u64le } from './scale';

/** Most authorities a set may have (the runtime's `MaxAuthorities` is far lower). */
const MAX_AUTHORITIES = 10_000;
/** `GRANDPA_ENGINE_ID`. */
const FRNK = new TextEncoder().encode('FRNK');

export interface Authority { id: Uint8Array; weight: bigint }

export interface Header {
  parent: Uint8Array;
  number: number;
  stateRoot: Uint8Array;
  /** blake2_256 of its SCALE encoding. */
  hash: Uint8Array;
  /** The payloads of its GRANDPA consensus digest items (engine `FRNK`). */
  grandpa: Uint8Array[];
}

/** `sp_runtime::generic::Header<u32, BlakeTwo256>`, read from `r`. */
function readHeader(r: Reader): Header {
  const start = r.offset;
  const parent = r.take(32);
  const number = r.compact();
  if (number > 0xffffffffn) r.fail('its number is not a u32');
  const stateRoot = r.take(32);
  r.take(32); // extrinsics root
  const grandpa: Uint8Array[] = [];
  for (let n = r.length(r.left), i = 0; i < n; i += 1) {
    const kind = r.u8();
    if (kind === 0) r.bytesVec(); // Other
    else if (kind === 4 || kind === 5 || kind === 6) { // Consensus, Seal, PreRuntime
      const engine = r.take(4);
      const data = r.bytesVec();
      if (kind === 4 && equal(engine, FRNK)) grandpa.push(data);
    } else if (kind !== 8) r.fail(`a digest item of unknown kind ${kind}`); // 8: RuntimeEnvironmentUpdated
  }
  return { parent, number: Number(number), stateRoot, hash: blake2AsU8a(r.bytes.subarray(start, r.offset), 256), grandpa };
}

/** A SCALE block header. */
export function decodeHeader(bytes: Uint8Array): Header {
  return readHeader(new Reader(bytes, 'its header'));
}

/** `AuthorityList`: `Vec<(ed25519 public key, u64 weight)>`. */
function readAuthorities(r: Reader): Authority[] {
  const n = r.length(MAX_AUTHORITIES, 40);
  return Array.from({ length: n }, () => ({ id: r.take(32), weight: r.u64() }));
}

export function decodeAuthorities(bytes: Uint8Array, what: string): Authority[] {
  const r = new Reader(bytes, what);
  const list = readAuthorities(r);
  r.end();
  return list;
}

/**
 * The authorities a block hands over to: its first GRANDPA consensus log
 * that decodes as a `ScheduledChange` (`ConsensusLog` index 1:
 * `next_authorities`, `delay`); null if it schedules none.
 */
export function nextAuthorities(header: Header): Authority[] | null {
  for (const data of header.grandpa) {
    const r = new Reader(data, 'a GRANDPA consensus log');
    try {
      if (r.u8() !== 1) continue;
      const next = readAuthorities(r);
      r.u32(); // delay
      return next;
    } catch {
      // Not a scheduled change: `convert_first` goes on to the next item.
    }
  }
  return null;
}

interface Precommit { hash: Uint8Array; number: number; signature: Uint8Array; id: Uint8Array }

interface Justification { round: bigint; hash: Uint8Array; number: number; precommits: Precommit[]; ancestries: Header[] }

/** `GrandpaJustification`: round, commit (target, signed precommits), votes' ancestry headers; every byte read. */
function decodeJustification(bytes: Uint8Array): Justification {
  const r = new Reader(bytes, 'its justification');
  const round = r.u64();
  const hash = r.take(32);
  const number = r.u32();
  const precommits = Array.from({ length: r.length(r.left, 132) }, () =>
    ({ hash: r.take(32), number: r.u32(), signature: r.take(64), id: r.take(32) }));
  const ancestries = Array.from({ length: r.length(r.left, 98) }, () => readHeader(r));
  r.end();
  return { round, hash, number, precommits, ancestries };
}

/** What a precommit's signer signed: `(Message::Precommit(target), round, set_id)` in SCALE. */
function signed(p: Precommit, round: bigint, setId: bigint): Uint8Array {
  const out = new Uint8Array(1 + 32 + 4 + 8 + 8);
  out[0] = 1;
  out.set(p.hash, 1);
  new DataView(out.buffer).setUint32(33, p.number, true);
  out.set(u64le(round), 37);
  out.set(u64le(setId), 45);
  return out;
}

/**
 * The block `header` (SCALE), if `justification` (SCALE) finalizes it and
 * is signed by authority set `setId` (`authorities`); throws saying why not.
 */
export function justified(headerBytes: Uint8Array, justificationBytes: Uint8Array, setId: bigint, authorities: Authority[]): Header {
  const header = decodeHeader(headerBytes);
  const j = decodeJustification(justificationBytes);
  if (j.number !== header.number || !equal(j.hash, header.hash)) {
    throw new Error(`the justification is of another block than #${header.number}`);
  }
  const why = invalid(j, setId, authorities);
  if (why) throw new Error(`the justification is not set ${setId}'s: ${why}`);
  return header;
}

/** Why `j` does not verify for set `setId`, or null if it does (`verify_with_voter_set`). */
function invalid(j: Justification, setId: bigint, authorities: Authority[]): string | null {
  // The voter set: weights of one key summed, zero weights left out.
  const voters = new Map<string, bigint>();
  let total = 0n;
  for (const { id, weight } of authorities) {
    if (weight === 0n) continue;
    total += weight;
    voters.set(u8aToHex(id), (voters.get(u8aToHex(id)) ?? 0n) + weight);
  }
  if (voters.size === 0 || total >= 1n << 64n) return 'the authority set is invalid';
  const threshold = total - (total - 1n) / 3n;
  const ancestry = new Map<string, Header>(j.ancestries.map((h) => [u8aToHex(h.hash), h]));
  /** The hashes from `block` down to `base`, both left out (`AncestryChain::ancestry`); null if `block` does not descend from `base`. */
  const route = (base: string, block: string): string[] | null => {
    const out: string[] = [];
    for (let at = block; at !== base; ) {
      const h = ancestry.get(at);
      if (!h || out.length > ancestry.size) return null;
      at = u8aToHex(h.parent);
      out.push(at);
    }
    out.pop();
    return out;
  };
  const lowest = (ps: Precommit[]) => ps.reduce<Precommit | null>((m, p) => (m === null || p.number < m.number ? p : m), null);

  // finality-grandpa's `validate_commit`.
  const valid = j.precommits.filter((p) => voters.has(u8aToHex(p.id)));
  const base = lowest(valid);
  if (base === null) return 'no precommit of the set';
  const baseHash = u8aToHex(base.hash);
  if (!valid.every((p) => route(baseHash, u8aToHex(p.hash)) !== null)) return 'a precommit is not for a descendant of the lowest';
  // Each voter's first vote; a voter with two different ones equivocated and counts for every block.
  const votes = new Map<string, { hash: string; key: string; equivocated: boolean }>();
  for (const p of valid) {
    const voter = u8aToHex(p.id);
    const key = `${u8aToHex(p.hash)}/${p.number}/${u8aToHex(p.signature)}`;
    const vote = votes.get(voter);
    if (!vote) votes.set(voter, { hash: u8aToHex(p.hash), key, equivocated: false });
    else if (vote.key !== key) vote.equivocated = true;
  }
  const weightFor = (block: string) => [...votes].reduce((sum, [voter, v]) =>
    (v.equivocated || route(block, v.hash) !== null ? sum + voters.get(voter)! : sum), 0n);
  const participating = [...votes.keys()].reduce((sum, voter) => sum + voters.get(voter)!, 0n);
  // The precommit GHOST must be the commit's target: the target has a
  // supermajority on and above it, and no block just above it has.
  const target = u8aToHex(j.hash);
  const ghostIsTarget = participating >= threshold && route(baseHash, target) !== null
    && weightFor(target) >= threshold
    && ![...ancestry].some(([hash, h]) => u8aToHex(h.parent) === target && weightFor(hash) >= threshold);
  if (!ghostIsTarget) return 'its precommits do not give the target more than two thirds of the weight';

  for (const p of j.precommits) {
    if (!ed25519Verify(signed(p, j.round, setId), p.signature, p.id)) return `a precommit of ${u8aToHex(p.id)} is not signed by it for set ${setId}`;
  }
  // Every ancestry header is on the way from the lowest precommit to another one, and no other.
  const lowestHash = u8aToHex(lowest(j.precommits)!.hash);
  const visited = new Set<string>();
  for (const p of j.precommits) {
    const hash = u8aToHex(p.hash);
    if (hash === lowestHash) continue;
    const way = route(lowestHash, hash);
    if (way === null) return 'a precommit\'s ancestry is not in the justification';
    visited.add(hash);
    way.forEach((h) => visited.add(h));
  }
  if (visited.size !== ancestry.size || [...ancestry.keys()].some((h) => !visited.has(h))) {
    return 'it carries ancestry headers no precommit needs';
  }
  return null;
}
