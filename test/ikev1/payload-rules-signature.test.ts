/** The payload rules of signature authentication (RFC 2409 section 5.1, RFC 4945 section 3). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Payload } from '../../src/codec/index.js';
import { checkPayloads } from '../../src/ikev1/payload-rules.js';

const id: Payload = {
  type: 'identification',
  protocolId: 0,
  port: 0,
  id: { kind: 'ID_FQDN', name: 'a.test' },
};
const cert: Payload = { type: 'certificate', encoding: 4, data: new Uint8Array(8) };
const cr: Payload = { type: 'certificate_request', encoding: 4, authority: new Uint8Array(0) };
const sig: Payload = { type: 'signature', data: new Uint8Array(64) };
const hash: Payload = { type: 'hash', data: new Uint8Array(32) };

test('signatures: messages 5/6 and Aggressive Mode 3 carry one SIG, any CERTs and CERT-REQs', () => {
  for (const m of ['mm-5', 'mm-6', 'am-3'] as const) {
    assert.equal(
      checkPayloads(m, m === 'am-3' ? [cert, sig] : [id, cert, cert, sig, cr], 'signature'),
      undefined,
    );
    assert.equal(checkPayloads(m, m === 'am-3' ? [sig] : [id, sig], 'signature'), undefined);
    assert.equal(
      checkPayloads(m, m === 'am-3' ? [cert] : [id, cert], 'signature')?.code,
      'ERR_PAYLOAD_MISSING',
    );
    assert.equal(
      checkPayloads(m, m === 'am-3' ? [sig, sig] : [id, sig, sig], 'signature')?.code,
      'ERR_PAYLOAD_REPEATED',
    );
    // A HASH is PSK's proof, and a SIG is no PSK payload.
    assert.equal(
      checkPayloads(m, m === 'am-3' ? [sig, hash] : [id, sig, hash], 'signature')?.code,
      'ERR_PAYLOAD_UNEXPECTED',
    );
    assert.equal(
      checkPayloads(m, m === 'am-3' ? [hash, sig] : [id, hash, sig], 'psk')?.code,
      'ERR_PAYLOAD_UNEXPECTED',
    );
  }
  assert.equal(
    checkPayloads(
      'mm-3',
      [{ type: 'key_exchange', data: new Uint8Array(8) }, { type: 'nonce', data: new Uint8Array(8) }, cr, cr],
      'signature',
    ),
    undefined,
  );
});
