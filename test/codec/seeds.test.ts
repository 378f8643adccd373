/** The fuzzer's hand-built seed messages (JSON form) are valid and cover every payload type and ID type. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageFromJson, messageToJson } from '../../src/codec/json.js';
import { decodeMessage, encodeMessage } from '../../src/codec/message.js';
import { IdType } from '../../src/codec/numbers.js';
import { SEED_JSON } from '../fuzz/seeds.js';
import { PAYLOAD_KINDS } from './arbitraries.js';

describe('fuzz seed corpus', () => {
  it('every seed encodes, decodes and round-trips through JSON', () => {
    const kinds = new Set<string>();
    const idKinds = new Set<string>();
    for (const j of SEED_JSON) {
      const wire = encodeMessage(messageFromJson(j));
      const m = decodeMessage(wire);
      assert.deepEqual(encodeMessage(messageFromJson(messageToJson(m))), wire);
      if (m.body.encrypted) continue;
      for (const p of m.body.payloads) {
        kinds.add(p.type);
        if (p.type === 'identification') idKinds.add(p.id.kind);
      }
    }
    assert.deepEqual([...kinds].sort(), [...PAYLOAD_KINDS].sort());
    assert.deepEqual([...idKinds].sort(), [...Object.keys(IdType), 'unknown'].sort());
  });
});
