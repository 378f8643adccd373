/**
 * JSON form of the SA payload (docs/json-format.md, "SA payload"): situation, labelled domain, proposals,
 * transforms and their attributes (phase 1 or phase 2 classes according to the proposal's protocol).
 */
import { attributeFromJson, attributeToJson } from './json-parts.js';
import {
  enumName,
  JsonError,
  type JsonObject,
  type JsonValue,
  optional,
  readArray,
  readEnum,
  readHex,
  readObject,
  readUint,
  toHex,
} from './json-values.js';
import { contextOfProtocol, transformIdRegistry } from './names.js';
import { Doi, IpsecSituation, ProtocolId } from './numbers.js';
import type { LabelLevel, Proposal, SaPayload } from './types.js';

function situationToJson(s: number): JsonValue {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(IpsecSituation)) if ((s & bit) !== 0) names.push(name);
  const known = Object.values(IpsecSituation).reduce((a: number, b) => a | b, 0);
  return (s & ~known) === 0 ? names : s;
}

function levelToJson(l: LabelLevel): JsonObject {
  return { level: toHex(l.level), categoryBits: l.categoryBits, categories: toHex(l.categories) };
}

function proposalToJson(p: Proposal): JsonObject {
  const context = contextOfProtocol(p.protocolId);
  return {
    number: p.number,
    protocol: enumName(ProtocolId, p.protocolId),
    spi: toHex(p.spi),
    transforms: p.transforms.map((t) => ({
      number: t.number,
      id: enumName(transformIdRegistry(p.protocolId), t.transformId),
      attributes: t.attributes.map((a) => attributeToJson(a, context)),
    })),
  };
}

export function saToJson(p: SaPayload): JsonObject {
  const out: JsonObject = { type: 'sa', doi: enumName(Doi, p.doi), situation: situationToJson(p.situation) };
  const ld = p.labeledDomain;
  if (ld) {
    const l: JsonObject = { identifier: ld.identifier };
    if (ld.secrecy) l.secrecy = levelToJson(ld.secrecy);
    if (ld.integrity) l.integrity = levelToJson(ld.integrity);
    out.labeledDomain = l;
  }
  out.proposals = p.proposals.map(proposalToJson);
  return out;
}

function levelFromJson(v: unknown, path: string): LabelLevel {
  const o = readObject(v, path, ['level', 'categoryBits', 'categories']);
  const categoryBits = readUint(o.categoryBits, `${path}.categoryBits`, 0xffff);
  return {
    level: readHex(o.level, `${path}.level`),
    categoryBits,
    categories: readHex(o.categories, `${path}.categories`, Math.ceil(categoryBits / 8)),
  };
}

export function saFromJson(o: Record<string, unknown>, path: string): SaPayload {
  let situation: number;
  if (Array.isArray(o.situation)) {
    situation = o.situation.reduce(
      (acc: number, n, i) => acc | readEnum(n, `${path}.situation[${i}]`, IpsecSituation, 0xffffffff),
      0,
    );
  } else {
    situation = readUint(o.situation, `${path}.situation`, 0xffffffff);
  }
  const wantLabel = (situation & (IpsecSituation.SIT_SECRECY | IpsecSituation.SIT_INTEGRITY)) !== 0;
  if (wantLabel !== (o.labeledDomain !== undefined)) {
    throw new JsonError(
      `${path}.labeledDomain`,
      'present if and only if SIT_SECRECY or SIT_INTEGRITY is set',
    );
  }
  let labeledDomain: SaPayload['labeledDomain'];
  if (o.labeledDomain !== undefined) {
    const lp = `${path}.labeledDomain`;
    const l = readObject(o.labeledDomain, lp, ['identifier', 'secrecy', 'integrity']);
    const sec = (situation & IpsecSituation.SIT_SECRECY) !== 0;
    const integ = (situation & IpsecSituation.SIT_INTEGRITY) !== 0;
    if (sec !== (l.secrecy !== undefined))
      throw new JsonError(`${lp}.secrecy`, 'present iff SIT_SECRECY is set');
    if (integ !== (l.integrity !== undefined))
      throw new JsonError(`${lp}.integrity`, 'present iff SIT_INTEGRITY is set');
    labeledDomain = {
      identifier: readUint(l.identifier, `${lp}.identifier`, 0xffffffff),
      ...(sec && { secrecy: levelFromJson(l.secrecy, `${lp}.secrecy`) }),
      ...(integ && { integrity: levelFromJson(l.integrity, `${lp}.integrity`) }),
    };
  }
  const proposals = readArray(o.proposals, `${path}.proposals`).map((pv, i) => {
    const pp = `${path}.proposals[${i}]`;
    const p = readObject(pv, pp, ['number', 'protocol', 'spi', 'transforms']);
    const protocolId = readEnum(p.protocol, `${pp}.protocol`, ProtocolId, 255);
    const context = contextOfProtocol(protocolId);
    const transforms = readArray(p.transforms, `${pp}.transforms`).map((tv, j) => {
      const tp = `${pp}.transforms[${j}]`;
      const t = readObject(tv, tp, ['number', 'id', 'attributes']);
      return {
        number: readUint(t.number, `${tp}.number`, 255),
        transformId: readEnum(t.id, `${tp}.id`, transformIdRegistry(protocolId), 255),
        attributes: optional(t, 'attributes', (x) => readArray(x, `${tp}.attributes`), []).map((a, k) =>
          attributeFromJson(a, `${tp}.attributes[${k}]`, context),
        ),
      };
    });
    if (transforms.length === 0 || transforms.length > 255)
      throw new JsonError(`${pp}.transforms`, 'needs 1-255');
    return {
      number: readUint(p.number, `${pp}.number`, 255),
      protocolId,
      spi: optional(p, 'spi', (x) => readHex(x, `${pp}.spi`), new Uint8Array(0)),
      transforms,
    };
  });
  if (proposals.length === 0) throw new JsonError(`${path}.proposals`, 'an SA payload needs a proposal');
  return {
    type: 'sa',
    doi: optional(o, 'doi', (x) => readEnum(x, `${path}.doi`, Doi, 0xffffffff), Doi.IPSEC),
    situation,
    ...(labeledDomain && { labeledDomain }),
    proposals,
  };
}
