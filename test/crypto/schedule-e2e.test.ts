import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IsakmpCipher } from '../../src/crypto/body.js';
import { dhGroup } from '../../src/crypto/dh/index.js';
import { hashI, hashR, quickModeHash1 } from '../../src/crypto/exchange-hash.js';
import { IvState } from '../../src/crypto/iv.js';
import { deriveSaKeys } from '../../src/crypto/keymat.js';
import { equalMacs } from '../../src/crypto/prf.js';
import { ikev1Suites, parseProposal } from '../../src/crypto/proposal.js';
import { phase1Cipher, saKeyLengths } from '../../src/crypto/registry.js';
import { deriveKa, deriveSkeyid, phase1Iv } from '../../src/crypto/skeyid.js';

// Two peers run the whole key schedule of a Main Mode PSK + Quick Mode with the pieces of this
// layer and must end up with the same keys and in-step IVs.

test('Main Mode + Quick Mode key schedule between two peers (3des-sha1-modp2048, ESP aes128-sha256)', () => {
  const [ike] = ikev1Suites(parseProposal('3des-sha1-modp2048', 'ike'));
  assert.ok(ike?.encryption && ike.integrity?.hash && ike.dh);
  const prf = ike.integrity.hash;
  const cipher = phase1Cipher(ike.encryption);
  const group = dhGroup(ike.dh.id);
  const cookieI = Buffer.from('0102030405060708', 'hex');
  const cookieR = Buffer.from('1112131415161718', 'hex');
  const nonceI = Buffer.alloc(20, 0x4e);
  const nonceR = Buffer.alloc(24, 0x6e);
  const psk = Buffer.from('a shared secret');
  const i = group.generate();
  const r = group.generate();

  const side = (mine: typeof i, theirs: Buffer, initiator: boolean) => {
    const gxy = mine.computeSecret(theirs);
    const keys = deriveSkeyid({ prf, auth: 'psk', psk, nonceI, nonceR, gxy, cookieI, cookieR });
    const [gxi, gxr] = initiator ? [mine.publicValue, theirs] : [theirs, mine.publicValue];
    const iv = phase1Iv(prf, gxi, gxr, cipher.blockSize);
    const ka = deriveKa(prf, keys.skeyidE, cipher.keyLength); // 24 bytes from a 20-byte SKEYID_e
    return { keys, gxi, gxr, isakmp: new IsakmpCipher(cipher, ka, new IvState(prf, cipher.blockSize, iv)) };
  };
  const a = side(i, r.publicValue, true);
  const b = side(r, i.publicValue, false);
  assert.ok(a.keys.skeyid.equals(b.keys.skeyid));

  const saiBody = Buffer.from('00000001000000010000002c', 'hex');
  const idii = Buffer.from('010000000a000001', 'hex');
  const idir = Buffer.from('010000000a000002', 'hex');
  const base = { prf, gxi: a.gxi, gxr: a.gxr, cookieI, cookieR, saiBody };
  // Message 5: initiator sends ID | HASH_I encrypted; the responder checks HASH_I.
  const hI = hashI({ ...base, skeyid: a.keys.skeyid, idBody: idii });
  const m5 = a.isakmp.encrypt(0, Buffer.concat([idii, hI]));
  const p5 = b.isakmp.decrypt(0, m5);
  assert.ok(
    equalMacs(
      p5.subarray(idii.length, idii.length + hI.length),
      hashI({ ...base, skeyid: b.keys.skeyid, idBody: idii }),
    ),
  );
  b.isakmp.commit(0, m5);
  // Message 6: responder answers with HASH_R.
  const hR = hashR({ ...base, skeyid: b.keys.skeyid, idBody: idir });
  const m6 = b.isakmp.encrypt(0, Buffer.concat([idir, hR]));
  assert.ok(
    a.isakmp
      .decrypt(0, m6)
      .subarray(idir.length, idir.length + hR.length)
      .equals(hR),
  );
  a.isakmp.commit(0, m6);

  // Quick Mode with message ID 0x2a: same per-exchange IV on both sides.
  const mid = 0x2a;
  const rest = Buffer.from('0a00001800000000', 'hex');
  const h1 = quickModeHash1(prf, a.keys.skeyidA, mid, rest);
  const q1 = a.isakmp.encrypt(mid, Buffer.concat([h1, rest]));
  const q1Plain = b.isakmp.decrypt(mid, q1);
  assert.ok(q1Plain.subarray(0, h1.length).equals(quickModeHash1(prf, b.keys.skeyidA, mid, rest)));
  b.isakmp.commit(mid, q1);
  assert.ok(a.isakmp.ivs.current(mid).equals(b.isakmp.ivs.current(mid)));

  // KEYMAT: what the initiator sends with is what the responder receives with.
  const [esp] = ikev1Suites(parseProposal('aes128-sha256', 'esp'));
  const lengths = saKeyLengths(esp?.encryption, esp?.integrity);
  const spiI = Buffer.from('c0000001', 'hex');
  const spiR = Buffer.from('c0000002', 'hex');
  const common = { prf, protocol: 3, nonceI, nonceR, ...lengths };
  const ka = deriveSaKeys({ ...common, skeyidD: a.keys.skeyidD, localSpi: spiI, remoteSpi: spiR });
  const kb = deriveSaKeys({ ...common, skeyidD: b.keys.skeyidD, localSpi: spiR, remoteSpi: spiI });
  assert.ok(ka.outbound.encryption.equals(kb.inbound.encryption));
  assert.ok(ka.outbound.integrity.equals(kb.inbound.integrity));
  assert.ok(ka.inbound.encryption.equals(kb.outbound.encryption));
  assert.equal(ka.outbound.encryption.length, 16);
  assert.equal(ka.outbound.integrity.length, 32);
});
