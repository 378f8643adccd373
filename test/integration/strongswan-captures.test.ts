/**
 * ikets against real strongSwan 5.9.8 traffic (test/fixtures/captures, with the keys charon logged):
 * the codec round-trips every message byte for byte, and ikets' key schedule, IVs and HASH payloads
 * reproduce what charon computed and sent.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  encodeMessage,
  encodePayloadChain,
  messageFromJson,
  messageToJson,
  NotifyType,
} from '../../src/codec/index.js';
import {
  deriveKa,
  hashI,
  hashR,
  informationalHash,
  phase1Iv,
  quickModeHash1,
  quickModeHash2,
  quickModeHash3,
  rsaVerifyHash,
} from '../../src/crypto/index.js';
import {
  body,
  CAPTURES,
  capturedPhase1,
  type DecryptedMessage,
  decryptAll,
  loadCapture,
  only,
  secret,
} from './capture-replay.js';

/** Decoded byte strings are Uint8Array views; compare contents. */
const assertBytes = (actual: Uint8Array, expected: Uint8Array): void =>
  assert.deepEqual(Buffer.from(actual), Buffer.from(expected));
const after = (payloads: DecryptedMessage['payloads'], index: number): Uint8Array =>
  encodePayloadChain(payloads.slice(index)).bytes;

describe('strongSwan captures: codec round trip', () => {
  const names = readdirSync(CAPTURES)
    .filter((f) => f.includes('ikev1-') && f.endsWith('.pcapng'))
    .map((f) => f.replace('.pcapng', ''));
  it('has the IKEv1 captures', () =>
    assert.deepEqual(names.sort(), [
      'ikev1-aggressive-psk',
      'ikev1-main-psk',
      'ikev1-main-rsa',
      'nat-ikev1-main-psk',
    ]));
  for (const name of names) {
    it(`${name}: decode -> encode and decode -> JSON -> encode give the same bytes`, () => {
      const { messages, keys } = loadCapture(name);
      assert.ok(messages.length >= 8, `${messages.length} messages`);
      for (const [i, { bytes, message }] of messages.entries()) {
        assert.deepEqual(Buffer.from(encodeMessage(message)), bytes, `message ${i + 1}`);
        const json = JSON.parse(JSON.stringify(messageToJson(message))) as unknown;
        assert.deepEqual(
          Buffer.from(encodeMessage(messageFromJson(json))),
          bytes,
          `message ${i + 1} via JSON`,
        );
      }
      // The decrypted bodies round-trip too: payloads, then the padding charon added.
      for (const d of decryptAll(messages, keys)) {
        if (!d.message.body.encrypted) continue;
        const plain = encodePayloadChain(d.payloads, d.padding);
        assert.equal(plain.firstPayload, d.message.body.firstPayload);
        assert.equal(plain.bytes.length, d.message.body.ciphertext.length);
      }
    });
  }
});

describe('strongSwan captures: IKEv1 key schedule and HASH payloads', () => {
  it('Main Mode PSK: SKEYIDs, Ka, IV, HASH_I/HASH_R, Quick Mode HASH(1..3), Informational HASH(1)', () => {
    const { messages, keys } = loadCapture('ikev1-main-psk');
    const d = decryptAll(messages, keys);
    const [mm1, , mm3, mm4, mm5, mm6, qm1, qm2, qm3, ...informational] = d as [
      DecryptedMessage,
      ...DecryptedMessage[],
    ] &
      DecryptedMessage[];
    const { skeyid, hashInput: phase1 } = capturedPhase1(keys, 'psk', mm1, mm3!, mm4!);
    const { cookieI, cookieR, gxi, gxr } = phase1;
    assert.deepEqual(Buffer.from(mm1.message.header.initiatorCookie), cookieI);
    assert.deepEqual(skeyid.skeyid, secret(keys, 'SKEYID'));
    assert.deepEqual(skeyid.skeyidD, secret(keys, 'SKEYID_d'));
    assert.deepEqual(skeyid.skeyidA, secret(keys, 'SKEYID_a'));
    assert.deepEqual(skeyid.skeyidE, secret(keys, 'SKEYID_e'));
    assert.deepEqual(deriveKa('sha256', skeyid.skeyidE, 16), secret(keys, 'encryption key Ka'));
    assert.deepEqual(phase1Iv('sha256', gxi, gxr, 16), secret(keys, 'initial IV'));

    assertBytes(
      only(mm5!.payloads, 'hash').data,
      hashI({ ...phase1, idBody: body(only(mm5!.payloads, 'identification')) }),
    );
    assertBytes(
      only(mm6!.payloads, 'hash').data,
      hashR({ ...phase1, idBody: body(only(mm6!.payloads, 'identification')) }),
    );
    const initialContact = only(mm5!.payloads, 'notification');
    assert.equal(initialContact.notifyType, NotifyType.INITIAL_CONTACT);

    const mid = qm1!.message.header.messageId;
    assert.ok(mid !== 0 && qm2!.message.header.messageId === mid && qm3!.message.header.messageId === mid);
    assert.equal(qm1!.payloads[0]?.type, 'hash');
    assertBytes(
      only(qm1!.payloads, 'hash').data,
      quickModeHash1('sha256', skeyid.skeyidA, mid, after(qm1!.payloads, 1)),
    );
    const qmNonceI = only(qm1!.payloads, 'nonce').data;
    const qmNonceR = only(qm2!.payloads, 'nonce').data;
    assertBytes(
      only(qm2!.payloads, 'hash').data,
      quickModeHash2('sha256', skeyid.skeyidA, mid, qmNonceI, after(qm2!.payloads, 1)),
    );
    assertBytes(
      only(qm3!.payloads, 'hash').data,
      quickModeHash3('sha256', skeyid.skeyidA, mid, qmNonceI, qmNonceR),
    );
    // PFS: both Quick Mode messages carry a KE payload; the ESP SPIs are the ones charon listed.
    assert.equal(only(qm1!.payloads, 'key_exchange').data.length, 256);
    const spis = [qm1, qm2].map((m) =>
      Buffer.from(only(m!.payloads, 'sa').proposals[0]!.spi).toString('hex'),
    );
    assert.deepEqual(spis.sort(), [keys.child.spiIn, keys.child.spiOut].sort());

    const notifyTypes: number[] = [];
    for (const info of informational) {
      const hashPayload = info.payloads[0];
      assert.equal(hashPayload?.type, 'hash');
      const expected = informationalHash(
        'sha256',
        skeyid.skeyidA,
        info.message.header.messageId,
        after(info.payloads, 1),
      );
      assertBytes(hashPayload.data, expected);
      for (const p of info.payloads) if (p.type === 'notification') notifyTypes.push(p.notifyType);
    }
    assert.ok(notifyTypes.includes(NotifyType.R_U_THERE) && notifyTypes.includes(NotifyType.R_U_THERE_ACK));
    const deletes = informational.flatMap((m) => m.payloads.filter((p) => p.type === 'delete'));
    assert.deepEqual(
      deletes.map((p) => p.protocolId),
      [3, 1],
    );
    assert.deepEqual(Buffer.from(deletes[1]!.spis[0]!), Buffer.concat([cookieI, cookieR]));
  });

  it('Aggressive Mode PSK: HASH_R in message 2 and the encrypted HASH_I in message 3', () => {
    const { messages, keys } = loadCapture('ikev1-aggressive-psk');
    const [am1, am2, am3] = decryptAll(messages, keys) as DecryptedMessage[];
    const { skeyid, hashInput: phase1 } = capturedPhase1(keys, 'psk', am1!, am1!, am2!);
    assert.deepEqual(skeyid.skeyidE, secret(keys, 'SKEYID_e'));
    assertBytes(
      only(am2!.payloads, 'hash').data,
      hashR({ ...phase1, idBody: body(only(am2!.payloads, 'identification')) }),
    );
    assert.ok(am3!.message.body.encrypted);
    assertBytes(
      only(am3!.payloads, 'hash').data,
      hashI({ ...phase1, idBody: body(only(am1!.payloads, 'identification')) }),
    );
  });

  it('Main Mode RSA: SKEYID for signatures, and SIG_I/SIG_R verify with the certificates sent', () => {
    const { messages, keys } = loadCapture('ikev1-main-rsa');
    const [mm1, , mm3, mm4, mm5, mm6] = decryptAll(messages, keys) as DecryptedMessage[];
    const { skeyid, hashInput: phase1 } = capturedPhase1(keys, 'signature', mm1!, mm3!, mm4!);
    assert.deepEqual(skeyid.skeyid, secret(keys, 'SKEYID'));
    assert.deepEqual(skeyid.skeyidE, secret(keys, 'SKEYID_e'));
    for (const [m, hashOf] of [
      [mm5!, hashI],
      [mm6!, hashR],
    ] as const) {
      const cert = new X509Certificate(only(m.payloads, 'certificate').data);
      const expected = hashOf({ ...phase1, idBody: body(only(m.payloads, 'identification')) });
      const signature = only(m.payloads, 'signature').data;
      assert.equal(rsaVerifyHash(cert.publicKey, expected, signature), true);
      const tampered = Buffer.from(expected);
      tampered[0] = (tampered[0] as number) ^ 1;
      assert.equal(rsaVerifyHash(cert.publicKey, tampered, signature), false);
    }
  });
});
