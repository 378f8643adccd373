/** Byte-level mutations of ISAKMP messages and the seeded PRNG the fuzzers share. */

/** A small seeded PRNG (xorshift32), so a run is reproducible from FUZZ_SEED. */
export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { int: (n: number) => (n <= 0 ? 0 : next() % n), next };
}

export type Rng = ReturnType<typeof rng>;

/** Offsets of 16-bit length fields of the payloads (and SA proposals/transforms) of a well-formed message. */
function lengthFields(b: Uint8Array): number[] {
  const out: number[] = [];
  let o = 28;
  let type = b[16] ?? 0;
  while (type !== 0 && o + 4 <= b.length && (b[19] ?? 0) % 2 === 0) {
    const len = ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0);
    out.push(o + 2);
    if (type === 1) {
      let p = o + 12;
      while (p + 8 <= o + len) {
        const plen = ((b[p + 2] ?? 0) << 8) | (b[p + 3] ?? 0);
        out.push(p + 2);
        let t = p + 8 + (b[p + 6] ?? 0);
        while (t + 8 <= p + plen) {
          const tlen = ((b[t + 2] ?? 0) << 8) | (b[t + 3] ?? 0);
          out.push(t + 2);
          if (tlen < 8) break;
          t += tlen;
        }
        if (plen < 8) break;
        p += plen;
      }
    }
    if (len < 4) break;
    type = b[o] ?? 0;
    o += len;
  }
  return out;
}

export function mutate(r: Rng, input: Uint8Array, other: Uint8Array): Uint8Array {
  let b = Uint8Array.from(input);
  const rounds = 1 + r.int(4);
  for (let k = 0; k < rounds; k++) {
    const at = r.int(b.length + 1);
    switch (r.int(9)) {
      case 0:
        if (b.length) b[at % b.length] = (b[at % b.length] ?? 0) ^ (1 << r.int(8));
        break;
      case 1:
        if (b.length) b[at % b.length] = [0, 0xff, 0x7f, 0x80, 1, r.int(256)][r.int(6)] ?? 0;
        break;
      case 2:
        b = b.subarray(0, at);
        break;
      case 3: {
        const ins = Uint8Array.from({ length: 1 + r.int(16) }, () => r.int(256));
        b = Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
        break;
      }
      case 4:
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + 1 + r.int(16)))]);
        break;
      case 5: {
        const fields = lengthFields(b);
        const f = fields[r.int(fields.length)];
        if (f !== undefined) {
          const cur = ((b[f] ?? 0) << 8) | (b[f + 1] ?? 0);
          const v = [cur + 1, cur - 1, cur + 4, cur - 4, 0, 3, 0xffff, r.int(0x10000)][r.int(8)] ?? 0;
          b[f] = (v >> 8) & 0xff;
          b[f + 1] = v & 0xff;
        }
        break;
      }
      case 6: {
        const from = r.int(other.length + 1);
        b = Uint8Array.from([...b.subarray(0, at), ...other.subarray(from, from + r.int(64))]);
        break;
      }
      case 7: {
        const from = r.int(b.length + 1);
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(from, from + r.int(32)), ...b.subarray(at)]);
        break;
      }
      default:
        break;
    }
  }
  // Most of the time keep the header Length right so that the payload decoders are reached.
  if (b.length >= 28 && r.int(4) !== 0) new DataView(b.buffer, b.byteOffset).setUint32(24, b.length);
  return b;
}
