/**
 * Security Association payload (RFC 2408 section 3.4, IPsec DOI layout RFC 2407 section 4.6.1) with its nested
 * Proposal (RFC 2408 section 3.5) and Transform (section 3.6) payloads.
 *
 * Nesting rules enforced (answered with BAD-PROPOSAL-SYNTAX, RFC 2408 section 5.5/5.6): at least one proposal,
 * proposals chained with next payload PROPOSAL (2) and the last one 0, the last proposal ending exactly at the
 * end of the SA payload; the same for transforms (TRANSFORM (3) / 0) inside a proposal, whose "# of Transforms"
 * must equal the number found (and be at least 1).
 */
import { type AttributeContext, decodeAttributes, encodeAttributes } from './attributes.js';
import { type ByteWriter, checkBytes, need, needZero, readU8, readU16, readU32 } from './bytes.js';
import { DecodeError, EncodeError } from './errors.js';
import { Doi, IpsecSituation, NotifyType, PayloadType, ProtocolId } from './numbers.js';
import type { LabeledDomain, LabelLevel, Proposal, SaPayload, Transform } from './types.js';

function syntax(offset: number, reason: string): DecodeError {
  return new DecodeError('ERR_ISAKMP_BAD_PROPOSAL_SYNTAX', offset, reason, NotifyType.BAD_PROPOSAL_SYNTAX);
}

const LABEL_BITS = IpsecSituation.SIT_SECRECY | IpsecSituation.SIT_INTEGRITY;

/**
 * Decodes an SA payload body: [start, end) excludes the 4-byte generic header. The Labeled Domain Identifier is
 * present iff SIT_SECRECY or SIT_INTEGRITY is set, the secrecy fields iff SIT_SECRECY, then the integrity
 * fields iff SIT_INTEGRITY (RFC 2407 sections 4.2.1-4.2.3); levels and bitmaps are zero-padded to 32 bits.
 */
export function decodeSa(b: Uint8Array, start: number, end: number): SaPayload {
  need(end, start, 8, 'SA payload DOI and situation');
  const doi = readU32(b, start);
  if (doi !== Doi.IPSEC) {
    throw new DecodeError(
      'ERR_ISAKMP_DOI_NOT_SUPPORTED',
      start,
      `DOI ${doi} is not the IPsec DOI`,
      NotifyType.DOI_NOT_SUPPORTED,
    );
  }
  const situation = readU32(b, start + 4);
  let o = start + 8;
  let labeledDomain: LabeledDomain | undefined;
  if ((situation & LABEL_BITS) !== 0) {
    need(end, o, 4, 'labeled domain identifier');
    const identifier = readU32(b, o);
    o += 4;
    let secrecy: LabelLevel | undefined;
    let integrity: LabelLevel | undefined;
    if ((situation & IpsecSituation.SIT_SECRECY) !== 0) [secrecy, o] = decodeLevel(b, o, end, 'secrecy');
    if ((situation & IpsecSituation.SIT_INTEGRITY) !== 0)
      [integrity, o] = decodeLevel(b, o, end, 'integrity');
    labeledDomain = { identifier, ...(secrecy && { secrecy }), ...(integrity && { integrity }) };
  }
  const proposals: Proposal[] = [];
  let next: number = PayloadType.PROPOSAL;
  if (o >= end) throw syntax(o, 'SA payload has no proposal');
  while (o < end) {
    if (next !== PayloadType.PROPOSAL) throw syntax(o, 'bytes after the last proposal of the SA payload');
    need(end, o, 8, 'proposal payload header');
    next = readU8(b, o);
    if (next !== PayloadType.PROPOSAL && next !== PayloadType.NONE) {
      throw syntax(o, `proposal followed by payload type ${next} inside an SA payload`);
    }
    needZero(b, o + 1, 1, 'proposal payload');
    const length = readU16(b, o + 2);
    if (length < 8 || o + length > end)
      throw syntax(o + 2, `proposal length ${length} does not fit its SA payload`);
    proposals.push(decodeProposal(b, o, o + length));
    o += length;
  }
  if (next !== PayloadType.NONE) throw syntax(end, 'last proposal announces another proposal');
  return { type: 'sa', doi, situation, ...(labeledDomain && { labeledDomain }), proposals };
}

function decodeLevel(b: Uint8Array, o: number, end: number, what: string): [LabelLevel, number] {
  need(end, o, 4, `${what} length`);
  const levelLength = readU16(b, o);
  needZero(b, o + 2, 2, `${what} length`);
  o += 4;
  const levelPadded = pad4(levelLength);
  need(end, o, levelPadded, `${what} level`);
  const level = b.subarray(o, o + levelLength);
  needZero(b, o + levelLength, levelPadded - levelLength, `${what} level padding`);
  o += levelPadded;
  need(end, o, 4, `${what} category length`);
  const categoryBits = readU16(b, o);
  needZero(b, o + 2, 2, `${what} category length`);
  o += 4;
  const catBytes = Math.ceil(categoryBits / 8);
  const catPadded = pad4(catBytes);
  need(end, o, catPadded, `${what} category bitmap`);
  const categories = b.subarray(o, o + catBytes);
  needZero(b, o + catBytes, catPadded - catBytes, `${what} category bitmap padding`);
  return [{ level, categoryBits, categories }, o + catPadded];
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Decodes a whole Proposal payload at [start, end) (generic header included). */
function decodeProposal(b: Uint8Array, start: number, end: number): Proposal {
  const number = readU8(b, start + 4);
  const protocolId = readU8(b, start + 5);
  const spiSize = readU8(b, start + 6);
  const count = readU8(b, start + 7);
  let o = start + 8;
  if (o + spiSize > end) {
    throw new DecodeError(
      'ERR_ISAKMP_INVALID_SPI',
      start + 6,
      `SPI size ${spiSize} runs past the proposal`,
      NotifyType.INVALID_SPI,
    );
  }
  const spi = b.subarray(o, o + spiSize);
  o += spiSize;
  if (count === 0) throw syntax(start + 7, 'proposal with no transform');
  const context: AttributeContext = protocolId === ProtocolId.PROTO_ISAKMP ? 'ike' : 'ipsec';
  const transforms: Transform[] = [];
  let next: number = PayloadType.TRANSFORM;
  while (o < end) {
    if (next !== PayloadType.TRANSFORM) throw syntax(o, 'bytes after the last transform of a proposal');
    need(end, o, 8, 'transform payload header');
    next = readU8(b, o);
    if (next !== PayloadType.TRANSFORM && next !== PayloadType.NONE) {
      throw syntax(o, `transform followed by payload type ${next} inside a proposal`);
    }
    needZero(b, o + 1, 1, 'transform payload');
    const length = readU16(b, o + 2);
    if (length < 8 || o + length > end)
      throw syntax(o + 2, `transform length ${length} does not fit its proposal`);
    needZero(b, o + 6, 2, 'transform payload');
    transforms.push({
      number: readU8(b, o + 4),
      transformId: readU8(b, o + 5),
      attributes: decodeAttributes(b, o + 8, o + length, context),
    });
    o += length;
  }
  if (next !== PayloadType.NONE) throw syntax(end, 'last transform announces another transform');
  if (transforms.length !== count) {
    throw syntax(start + 7, `proposal announces ${count} transforms but holds ${transforms.length}`);
  }
  return { number, protocolId, spi, transforms };
}

/** Encodes an SA payload body (without its generic header). */
export function encodeSa(w: ByteWriter, p: SaPayload, path: string): void {
  w.u32(p.doi, `${path}.doi`);
  w.u32(p.situation, `${path}.situation`);
  const ld = p.labeledDomain;
  const bits = p.situation & LABEL_BITS;
  if ((bits !== 0) !== (ld !== undefined)) {
    throw new EncodeError(
      `${path}.labeledDomain`,
      'present if and only if SIT_SECRECY or SIT_INTEGRITY is set',
    );
  }
  if (ld !== undefined) {
    w.u32(ld.identifier, `${path}.labeledDomain.identifier`);
    const sec = (p.situation & IpsecSituation.SIT_SECRECY) !== 0;
    const integ = (p.situation & IpsecSituation.SIT_INTEGRITY) !== 0;
    if (sec !== (ld.secrecy !== undefined) || integ !== (ld.integrity !== undefined)) {
      throw new EncodeError(`${path}.labeledDomain`, 'secrecy/integrity must match the situation bits');
    }
    if (ld.secrecy) encodeLevel(w, ld.secrecy, `${path}.labeledDomain.secrecy`);
    if (ld.integrity) encodeLevel(w, ld.integrity, `${path}.labeledDomain.integrity`);
  }
  if (p.proposals.length === 0) throw new EncodeError(`${path}.proposals`, 'an SA payload needs a proposal');
  p.proposals.forEach((prop, i) => {
    const pp = `${path}.proposals[${i}]`;
    const start = w.length;
    w.u8(i === p.proposals.length - 1 ? PayloadType.NONE : PayloadType.PROPOSAL, pp);
    w.u8(0, pp);
    w.u16(0, pp);
    w.u8(prop.number, `${pp}.number`);
    w.u8(prop.protocolId, `${pp}.protocolId`);
    const spi = checkBytes(prop.spi, `${pp}.spi`);
    w.u8(spi.length, `${pp}.spi.length`);
    if (prop.transforms.length === 0)
      throw new EncodeError(`${pp}.transforms`, 'a proposal needs a transform');
    w.u8(prop.transforms.length, `${pp}.transforms.length`);
    w.bytes(spi);
    prop.transforms.forEach((t, j) => {
      const tp = `${pp}.transforms[${j}]`;
      const tstart = w.length;
      w.u8(j === prop.transforms.length - 1 ? PayloadType.NONE : PayloadType.TRANSFORM, tp);
      w.u8(0, tp);
      w.u16(0, tp);
      w.u8(t.number, `${tp}.number`);
      w.u8(t.transformId, `${tp}.transformId`);
      w.u16(0, tp);
      encodeAttributes(w, t.attributes, `${tp}.attributes`);
      w.patchU16(tstart + 2, w.length - tstart, tp);
    });
    w.patchU16(start + 2, w.length - start, pp);
  });
}

function encodeLevel(w: ByteWriter, l: LabelLevel, path: string): void {
  const level = checkBytes(l.level, `${path}.level`);
  w.u16(level.length, `${path}.level.length`);
  w.u16(0, path);
  w.bytes(level);
  w.zeros(pad4(level.length) - level.length);
  w.u16(l.categoryBits, `${path}.categoryBits`);
  w.u16(0, path);
  const cats = checkBytes(l.categories, `${path}.categories`, Math.ceil(l.categoryBits / 8));
  w.bytes(cats);
  w.zeros(pad4(cats.length) - cats.length);
}
