/**
 * The payload rules of the SKEME methods (RFC 2409 sections 5.2/5.3; src/ikev1/payload-rules.ts):
 * the encrypted ID moves to Main Mode messages 3/4 with an optional HASH(1) (and Cert-I), messages
 * 5/6 carry HASH alone; an ID body that does not read as an ID (kept sealed by the decoder) is only
 * accepted where a SKEME method encrypts it, and refused elsewhere with INVALID-ID-INFORMATION.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Payload } from '../../src/codec/index.js';
import { checkPayloads } from '../../src/ikev1/payload-rules.js';

const bytes = (n: number) => new Uint8Array(n).fill(7);
const KE: Payload = { type: 'key_exchange', data: bytes(256) };
const NONCE: Payload = { type: 'nonce', data: bytes(256) };
const HASH: Payload = { type: 'hash', data: bytes(32) };
const SEALED: Payload = { type: 'sealed', payloadType: 5, data: bytes(256) };
const ID: Payload = { type: 'identification', protocolId: 0, port: 0, id: { kind: 'ID_FQDN', name: 'a' } };
const CERT: Payload = { type: 'certificate', encoding: 4, data: bytes(64) };

describe('payload rules of the SKEME methods', () => {
  it('Main Mode 3: [HASH(1)] KE <ID> <Nonce> [<Cert-I>]; 4: KE <ID> <Nonce>', () => {
    assert.equal(checkPayloads('mm-3', [HASH, KE, SEALED, NONCE], 'pke'), undefined);
    assert.equal(checkPayloads('mm-3', [HASH, NONCE, KE, ID, CERT], 'pke'), undefined);
    assert.equal(checkPayloads('mm-4', [KE, SEALED, NONCE], 'pke'), undefined);
    assert.equal(checkPayloads('mm-3', [HASH, KE, NONCE], 'pke')?.code, 'ERR_PAYLOAD_MISSING');
    assert.equal(checkPayloads('mm-4', [HASH, KE, ID, NONCE], 'pke')?.code, 'ERR_PAYLOAD_UNEXPECTED');
  });

  it('Main Mode 5/6 and Aggressive Mode 2/3 carry HASH, no ID', () => {
    assert.equal(checkPayloads('mm-5', [HASH], 'pke'), undefined);
    assert.equal(checkPayloads('mm-6', [HASH], 'pke'), undefined);
    assert.equal(checkPayloads('mm-5', [ID, HASH], 'pke')?.code, 'ERR_PAYLOAD_UNEXPECTED');
    assert.equal(checkPayloads('mm-5', [SEALED, HASH], 'pke')?.code, 'ERR_PAYLOAD_UNREADABLE');
    assert.equal(checkPayloads('am-3', [], 'pke')?.code, 'ERR_PAYLOAD_MISSING');
  });

  it('Aggressive Mode 1: SA [HASH(1)] KE <ID> <Nonce> [<Cert-I>]', () => {
    const sa: Payload = { type: 'sa', doi: 1, situation: 1, proposals: [] };
    assert.equal(checkPayloads('am-1', [sa, HASH, NONCE, KE, SEALED, CERT], 'pke'), undefined);
    assert.equal(checkPayloads('am-1', [sa, KE, SEALED, NONCE], 'psk')?.code, 'ERR_PAYLOAD_UNREADABLE');
  });

  it('an unreadable ID elsewhere: INVALID-ID-INFORMATION, as the decoder refused it before', () => {
    const v = checkPayloads('mm-5', [SEALED, HASH], 'psk');
    assert.equal(v?.code, 'ERR_PAYLOAD_UNREADABLE');
    assert.equal(v?.notify, 'INVALID_ID_INFORMATION');
  });
});
