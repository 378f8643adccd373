/**
 * Payload-level mutations for the stateful fuzzer: they change a message's meaning while keeping it
 * well-formed (or nearly so), so that a mutant gets past the decoder and, once re-HASHed, past the
 * authentication check into the exchange handlers (RFC 2408 section 3 payloads, RFC 2407 section 4.6).
 */
import type {
  DataAttribute,
  IdentificationData,
  Payload,
  Proposal,
  Transform,
} from '../../src/codec/index.js';
import type { Rng } from './bytes.js';

const pick = <T>(r: Rng, xs: readonly T[]): T | undefined => xs[r.int(xs.length)];

/** Interesting values of small integer fields: edges, and a random one. */
function interesting(r: Rng, bits: 8 | 16 | 32): number {
  const max = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  const v = [0, 1, 2, 3, 4, 5, 12, 255, 256, 0x7fff, 0x8000, max, r.next() & max][r.int(13)] ?? 0;
  return Math.min(v, max) >>> 0;
}

const randomBytes = (r: Rng, n: number) => Uint8Array.from({ length: n }, () => r.int(256));

function bytesLike(r: Rng, b: Uint8Array): Uint8Array {
  switch (r.int(6)) {
    case 0:
      return new Uint8Array(0);
    case 1:
      return b.subarray(0, r.int(b.length + 1));
    case 2:
      return Uint8Array.from([...b, ...randomBytes(r, 1 + r.int(32))]);
    case 3:
      return randomBytes(r, [1, 4, 8, 16, 17, 32, 255, 256][r.int(8)] ?? 4);
    case 4: {
      const c = Uint8Array.from(b);
      if (c.length) {
        const at = r.int(c.length);
        c[at] = (c[at] ?? 0) ^ (1 << r.int(8));
      }
      return c;
    }
    default:
      return new Uint8Array(b.length);
  }
}

function attribute(r: Rng, a: DataAttribute): DataAttribute {
  switch (r.int(4)) {
    case 0:
      return { ...a, type: interesting(r, 16) & 0x7fff };
    case 1:
      return a.form === 'tv'
        ? { form: 'tlv', type: a.type, value: randomBytes(r, r.int(9)) }
        : { form: 'tv', type: a.type, value: interesting(r, 16) };
    default:
      return a.form === 'tv' ? { ...a, value: interesting(r, 16) } : { ...a, value: bytesLike(r, a.value) };
  }
}

function list<T>(r: Rng, xs: readonly T[], one: (x: T) => T): T[] {
  const out = [...xs];
  const i = r.int(out.length);
  const x = out[i];
  switch (r.int(5)) {
    case 0:
      out.splice(i, 1);
      break;
    case 1:
      if (x !== undefined) out.splice(i, 0, x);
      break;
    case 2:
      out.reverse();
      break;
    default:
      if (x !== undefined) out[i] = one(x);
  }
  return out;
}

function transform(r: Rng, t: Transform): Transform {
  switch (r.int(4)) {
    case 0:
      return { ...t, number: interesting(r, 8) };
    case 1:
      return { ...t, transformId: interesting(r, 8) };
    default:
      return { ...t, attributes: list(r, t.attributes, (a) => attribute(r, a)) };
  }
}

function proposal(r: Rng, p: Proposal): Proposal {
  switch (r.int(5)) {
    case 0:
      return { ...p, number: interesting(r, 8) };
    case 1:
      return { ...p, protocolId: interesting(r, 8) };
    case 2:
      // SPI sizes: none, the IPsec 4 bytes, the ISAKMP 16, IPComp's 2, the oversized.
      return { ...p, spi: randomBytes(r, [0, 2, 4, 8, 16, 17, 255][r.int(7)] ?? 4) };
    default:
      return { ...p, transforms: list(r, p.transforms, (t) => transform(r, t)) };
  }
}

function identification(r: Rng, id: IdentificationData): IdentificationData {
  const ids: IdentificationData[] = [
    { kind: 'ID_IPV4_ADDR', address: '192.0.2.1' },
    { kind: 'ID_IPV4_ADDR', address: '0.0.0.0' },
    { kind: 'ID_IPV4_ADDR_SUBNET', address: '10.0.0.0', mask: '255.255.255.0' },
    { kind: 'ID_IPV4_ADDR_SUBNET', address: '0.0.0.0', mask: '0.0.0.0' },
    { kind: 'ID_IPV4_ADDR_RANGE', start: '10.0.0.9', end: '10.0.0.1' },
    { kind: 'ID_IPV6_ADDR', address: '2001:db8::1' },
    { kind: 'ID_IPV6_ADDR_SUBNET', address: '2001:db8::', mask: 'ffff:ffff::' },
    { kind: 'ID_FQDN', name: 'a.ikets.test' },
    { kind: 'ID_FQDN', name: 'b.ikets.test' },
    { kind: 'ID_FQDN', name: '' },
    { kind: 'ID_USER_FQDN', name: 'x@b.ikets.test' },
    { kind: 'ID_KEY_ID', data: randomBytes(r, r.int(20)) },
    { kind: 'ID_DER_ASN1_DN', data: randomBytes(r, r.int(20)) },
    { kind: 'unknown', idType: interesting(r, 8), data: randomBytes(r, r.int(20)) },
  ];
  return pick(r, ids) ?? id;
}

/** One payload changed in one field. */
export function mutatePayload(r: Rng, p: Payload): Payload {
  switch (p.type) {
    case 'sa':
      switch (r.int(4)) {
        case 0:
          return { ...p, doi: interesting(r, 32) };
        case 1:
          return { ...p, situation: interesting(r, 32) };
        default:
          return { ...p, proposals: list(r, p.proposals, (x) => proposal(r, x)) };
      }
    case 'identification':
      switch (r.int(4)) {
        case 0:
          return { ...p, protocolId: interesting(r, 8) };
        case 1:
          return { ...p, port: interesting(r, 16) };
        default:
          return { ...p, id: identification(r, p.id) };
      }
    case 'notification':
      switch (r.int(5)) {
        case 0:
          return { ...p, notifyType: interesting(r, 16) };
        case 1:
          // The notify types the engine acts on (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706).
          return { ...p, notifyType: pick(r, [14, 18, 24, 16, 24576, 24577, 24578, 36136, 36137]) ?? 0 };
        case 2:
          return { ...p, protocolId: interesting(r, 8) };
        case 3:
          return { ...p, spi: bytesLike(r, p.spi) };
        default:
          return { ...p, data: bytesLike(r, p.data) };
      }
    case 'delete':
      switch (r.int(4)) {
        case 0:
          return { ...p, protocolId: interesting(r, 8) };
        case 1: {
          const spiSize = [0, 2, 4, 8, 16, 255][r.int(6)] ?? 4;
          return { ...p, spiSize, spis: p.spis.map(() => randomBytes(r, spiSize)) };
        }
        case 2:
          return { ...p, spis: list(r, p.spis, (s) => randomBytes(r, s.length)) };
        default:
          return { ...p, doi: interesting(r, 32) };
      }
    case 'key_exchange':
    case 'nonce':
    case 'hash':
    case 'vendor_id':
    case 'signature':
      return { ...p, data: bytesLike(r, p.data) };
    case 'nat_d':
      return r.int(2) ? { ...p, hash: bytesLike(r, p.hash) } : { ...p, draft: !p.draft };
    default:
      return p;
  }
}

/** Payloads the engine might meet in any message, to add where they do not belong. */
function stranger(r: Rng, others: readonly Payload[]): Payload {
  const extra: Payload[] = [
    { type: 'nonce', data: randomBytes(r, 32) },
    { type: 'key_exchange', data: randomBytes(r, 256) },
    { type: 'hash', data: randomBytes(r, 32) },
    { type: 'vendor_id', data: randomBytes(r, 16) },
    {
      type: 'notification',
      doi: 1,
      protocolId: 1,
      spi: randomBytes(r, 16),
      notifyType: 24578,
      data: randomBytes(r, 4),
    },
    { type: 'delete', doi: 1, protocolId: 3, spiSize: 4, spis: [randomBytes(r, 4)] },
    { type: 'identification', protocolId: 0, port: 0, id: { kind: 'ID_IPV4_ADDR', address: '192.0.2.2' } },
  ];
  return pick(r, [...others, ...extra]) ?? { type: 'vendor_id', data: new Uint8Array(0) };
}

/**
 * The payload list with one structural change: a payload dropped, duplicated, moved, replaced by
 * another's, changed in a field, or one added from `others` (payloads of other messages).
 */
export function mutatePayloads(r: Rng, payloads: readonly Payload[], others: readonly Payload[]): Payload[] {
  const out = [...payloads];
  const i = r.int(out.length);
  const p = out[i];
  switch (r.int(8)) {
    case 0:
      out.splice(i, 1);
      break;
    case 1:
      if (p !== undefined) out.splice(r.int(out.length + 1), 0, p);
      break;
    case 2:
      if (p !== undefined) {
        out.splice(i, 1);
        out.splice(r.int(out.length + 1), 0, p);
      }
      break;
    case 3:
      out.splice(r.int(out.length + 1), 0, stranger(r, others));
      break;
    default:
      if (p !== undefined) out[i] = mutatePayload(r, p);
  }
  return out;
}
