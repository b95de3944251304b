// XXH64 (xxHash, 64-bit), the hash Envoy uses for hash policies and to place hosts on a ring or a
// Maglev table, written from the algorithm's public specification with 32-bit halves.
//
// Why not the `xxhash-wasm` package that @grpc/grpc-js-xds pulls in: it is usable synchronously
// after one async init, but it is not our dependency, it needs a top-level await, and its h64
// returns a BigInt per call (a heap allocation on the request path, and BigInt compares in the ring
// search). Here a hash of a short ASCII string allocates nothing. The test checks this file against
// published XXH64 values (and values computed with xxhash-wasm once).

const P1H = 0x9e3779b1 | 0;
const P1L = 0x85ebca87 | 0;
const P2H = 0xc2b2ae3d | 0;
const P2L = 0x27d4eb4f | 0;
const P3H = 0x165667b1 | 0;
const P3L = 0x9e3779f9 | 0;
const P4H = 0x85ebca77 | 0;
const P4L = 0xc2b2ae63 | 0;
const P5H = 0x27d4eb2f | 0;
const P5L = 0x165667c5 | 0;

// Every 32-bit half is kept as a signed int32 (`| 0`, never `>>> 0`): Node's small integers cover
// int32, so halves passed between these helpers stay unboxed, where a uint32 above 2^31 would be a
// heap number allocated per call. Results go to a typed array for the same reason.
const R = new Int32Array(2);

/**
 * (ah,al) * (bh,bl) mod 2^64. The low halves' full 64-bit product is built from 16-bit pieces
 * (each partial sum exact in a double); the cross terms only matter mod 2^32, which Math.imul gives.
 */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  R[1] = (mid << 16) | (p00 & 0xffff);
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  R[0] = (carry + Math.imul(ah, bl) + Math.imul(al, bh)) | 0;
}

function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = (al >>> 0) + (bl >>> 0);
  R[1] = lo | 0;
  R[0] = (ah + bh + (lo > 0xffffffff ? 1 : 0)) | 0;
}

/** Rotate left by 0 < r < 32. */
function rotl(h: number, l: number, r: number): void {
  R[0] = (h << r) | (l >>> (32 - r));
  R[1] = (l << r) | (h >>> (32 - r));
}

/** XXH64 round: acc = rotl(acc + input * P2, 31) * P1. */
function round(accH: number, accL: number, inH: number, inL: number): void {
  mul(inH, inL, P2H, P2L);
  add(accH, accL, R[0]!, R[1]!);
  rotl(R[0]!, R[1]!, 31);
  mul(R[0]!, R[1]!, P1H, P1L);
}

// Input bytes. Grown on demand; a hash key longer than the buffer is rare (large headers).
let buf = new Uint8Array(256);
const encoder = new TextEncoder();

/** Writes str[start, end) as UTF-8 into `buf`; returns the byte length. */
function encode(str: string, start: number, end: number): number {
  const n = end - start;
  if (buf.length < n * 3) buf = new Uint8Array(Math.max(n * 3, buf.length * 2));
  for (let i = 0; i < n; i++) {
    const c = str.charCodeAt(start + i);
    if (c >= 0x80) {
      // Not ASCII: let the encoder do UTF-8 (and lone surrogates → U+FFFD, as Buffer would).
      const view = start === 0 && end === str.length ? str : str.slice(start, end);
      return encoder.encodeInto(view, buf).written;
    }
    buf[i] = c;
  }
  return n;
}

function u32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** XXH64 of bytes[0, len) with a 32-bit seed; the result is in R (high, low). */
function digest(b: Uint8Array, len: number, seed: number): void {
  seed |= 0;
  let hH: number;
  let hL: number;
  let i = 0;
  if (len >= 32) {
    add(0, seed, P1H, P1L);
    add(R[0]!, R[1]!, P2H, P2L);
    let v1h = R[0]!;
    let v1l = R[1]!;
    add(0, seed, P2H, P2L);
    let v2h = R[0]!;
    let v2l = R[1]!;
    let v3h = 0;
    let v3l = seed;
    // seed - P1 = seed + (2^64 - P1)
    add(0, seed, ~P1H, -P1L | 0);
    let v4h = R[0]!;
    let v4l = R[1]!;
    for (; i + 32 <= len; i += 32) {
      round(v1h, v1l, u32(b, i + 4), u32(b, i));
      v1h = R[0]!;
      v1l = R[1]!;
      round(v2h, v2l, u32(b, i + 12), u32(b, i + 8));
      v2h = R[0]!;
      v2l = R[1]!;
      round(v3h, v3l, u32(b, i + 20), u32(b, i + 16));
      v3h = R[0]!;
      v3l = R[1]!;
      round(v4h, v4l, u32(b, i + 28), u32(b, i + 24));
      v4h = R[0]!;
      v4l = R[1]!;
    }
    rotl(v1h, v1l, 1);
    hH = R[0]!;
    hL = R[1]!;
    rotl(v2h, v2l, 7);
    add(hH, hL, R[0]!, R[1]!);
    hH = R[0]!;
    hL = R[1]!;
    rotl(v3h, v3l, 12);
    add(hH, hL, R[0]!, R[1]!);
    hH = R[0]!;
    hL = R[1]!;
    rotl(v4h, v4l, 18);
    add(hH, hL, R[0]!, R[1]!);
    hH = R[0]!;
    hL = R[1]!;
    for (let k = 0; k < 4; k++) {
      const vh = k === 0 ? v1h : k === 1 ? v2h : k === 2 ? v3h : v4h;
      const vl = k === 0 ? v1l : k === 1 ? v2l : k === 2 ? v3l : v4l;
      round(0, 0, vh, vl);
      mul(hH ^ R[0]!, hL ^ R[1]!, P1H, P1L);
      add(R[0]!, R[1]!, P4H, P4L);
      hH = R[0]!;
      hL = R[1]!;
    }
  } else {
    add(0, seed, P5H, P5L);
    hH = R[0]!;
    hL = R[1]!;
  }
  add(hH, hL, 0, len);
  hH = R[0]!;
  hL = R[1]!;
  for (; i + 8 <= len; i += 8) {
    round(0, 0, u32(b, i + 4), u32(b, i));
    rotl(hH ^ R[0]!, hL ^ R[1]!, 27);
    mul(R[0]!, R[1]!, P1H, P1L);
    add(R[0]!, R[1]!, P4H, P4L);
    hH = R[0]!;
    hL = R[1]!;
  }
  if (i + 4 <= len) {
    mul(0, u32(b, i), P1H, P1L);
    rotl(hH ^ R[0]!, hL ^ R[1]!, 23);
    mul(R[0]!, R[1]!, P2H, P2L);
    add(R[0]!, R[1]!, P3H, P3L);
    hH = R[0]!;
    hL = R[1]!;
    i += 4;
  }
  for (; i < len; i++) {
    mul(0, b[i]!, P5H, P5L);
    rotl(hH ^ R[0]!, hL ^ R[1]!, 11);
    mul(R[0]!, R[1]!, P1H, P1L);
    hH = R[0]!;
    hL = R[1]!;
  }
  // Avalanche.
  hL ^= hH >>> 1; // h ^= h >> 33
  mul(hH, hL, P2H, P2L);
  hH = R[0]!;
  hL = R[1]! ^ ((R[1]! >>> 29) | (R[0]! << 3)); // h ^= h >> 29
  hH ^= hH >>> 29;
  mul(hH, hL, P3H, P3L);
  R[1] ^= R[0]!; // h ^= h >> 32
}

/**
 * XXH64 of the UTF-8 bytes of str[start, end) with `seed` (< 2^32), written to out[0] (high 32
 * bits) and out[1] (low 32 bits).
 */
export function xxHash64Into(
  str: string,
  out: Uint32Array,
  seed = 0,
  start = 0,
  end: number = str.length,
): void {
  // encode() may replace `buf`, so it must run before `buf` is read.
  const len = encode(str, start, end);
  digest(buf, len, seed);
  out[0] = R[0]!;
  out[1] = R[1]!;
}

/** XXH64 of raw bytes, same output convention. */
export function xxHash64BytesInto(bytes: Uint8Array, out: Uint32Array, seed = 0): void {
  digest(bytes, bytes.length, seed);
  out[0] = R[0]!;
  out[1] = R[1]!;
}

const TWO_POW_21 = 2 ** 21;

/** The top 53 bits of a 64-bit hash as an exact double; ordering matches the 64-bit ordering. */
export function hash53(hi: number, lo: number): number {
  return hi * TWO_POW_21 + (lo >>> 11);
}

const scratch = new Uint32Array(2);

/** XXH64 of a string, as the 53-bit number the balancers take. */
export function xxHash53(str: string, seed = 0): number {
  xxHash64Into(str, scratch, seed);
  return hash53(scratch[0]!, scratch[1]!);
}

/** XXH64 as 16 lower-case hex digits (tests, diagnostics, generated cookie values). */
export function xxHash64Hex(str: string, seed = 0): string {
  xxHash64Into(str, scratch, seed);
  return hex64(scratch[0]!, scratch[1]!);
}

export function hex64(hi: number, lo: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
