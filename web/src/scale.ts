// A SCALE reader for what the light verifier decodes itself (headers,
// GRANDPA justifications and authority lists, trie nodes, audit state):
// the bytes come from a node it trusts for nothing, so every read is
// bounded by what is left, every length is checked before it is used, and
// compact integers must be canonical, as parity-scale-codec decodes them.

export class Reader {
  #at = 0;
  constructor(readonly bytes: Uint8Array, readonly what: string) {}

  get offset(): number {
    return this.#at;
  }

  get left(): number {
    return this.bytes.length - this.#at;
  }

  fail(why: string): never {
    throw new Error(`${this.what}: ${why}`);
  }

  take(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.left) this.fail(`${n} bytes asked, ${this.left} left`);
    const out = this.bytes.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }

  u8(): number {
    return this.take(1)[0];
  }

  u16(): number {
    const b = this.take(2);
    return b[0] | (b[1] << 8);
  }

  u32(): number {
    const b = this.take(4);
    return (b[0] | (b[1] << 8) | (b[2] << 16)) + b[3] * 0x1000000;
  }

  u64(): bigint {
    const lo = BigInt(this.u32());
    return lo + (BigInt(this.u32()) << 32n);
  }

  /** A compact integer, refused unless in its shortest form. */
  compact(): bigint {
    const first = this.bytes[this.#at];
    if (first === undefined) this.fail('a compact integer is cut short');
    switch (first & 3) {
      case 0:
        return BigInt(this.u8() >> 2);
      case 1: {
        const v = this.u16() >> 2;
        if (v < 1 << 6) this.fail('a compact integer is not canonical');
        return BigInt(v);
      }
      case 2: {
        const v = this.u32() / 4;
        if (v < 1 << 14) this.fail('a compact integer is not canonical');
        return BigInt(Math.floor(v));
      }
      default: {
        const n = (this.u8() >> 2) + 4;
        const b = this.take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i -= 1) v = (v << 8n) | BigInt(b[i]);
        if (b[n - 1] === 0 || v < 1n << 30n) this.fail('a compact integer is not canonical');
        return v;
      }
    }
  }

  /** A compact length, at most `max` (and at most the bytes left when each item takes at least `least` bytes). */
  length(max: number, least = 1): number {
    const n = this.compact();
    if (n > BigInt(max) || Number(n) * least > this.left) this.fail(`a length of ${n} is more than it can hold`);
    return Number(n);
  }

  /** `Vec<u8>`: a compact length and the bytes. */
  bytesVec(max = this.left): Uint8Array {
    return this.take(this.length(max));
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.left !== 0) this.fail(`${this.left} bytes left over`);
  }
}

/** The SCALE compact encoding of `n`. */
export function compact(n: number): Uint8Array {
  if (n < 1 << 6) return Uint8Array.of(n << 2);
  if (n < 1 << 14) return Uint8Array.of(((n << 2) | 1) & 0xff, n >> 6);
  if (n < 1 << 30) return Uint8Array.of(((n << 2) | 2) & 0xff, (n >> 6) & 0xff, (n >> 14) & 0xff, n >> 22);
  const bytes: number[] = [];
  for (let v = BigInt(n); v > 0n; v >>= 8n) bytes.push(Number(v & 0xffn));
  return Uint8Array.of(((bytes.length - 4) << 2) | 3, ...bytes);
}

/** `n` as 8 bytes little-endian. */
export function u64le(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i += 1) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
