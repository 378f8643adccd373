/** Spot checks of the registries against the RFC tables, and the name lookup helpers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as n from '../../src/codec/numbers.js';

describe('numbers', () => {
  it('match the RFC tables', () => {
    assert.equal(n.PayloadType.VENDOR_ID, 13); // RFC 2408 3.1
    assert.equal(n.PayloadType.NAT_D, 20); // RFC 3947 3.2
    assert.equal(n.PayloadType.NAT_OA_DRAFT, 131);
    assert.equal(n.ProtocolId.PROTO_IPCOMP, 4); // RFC 2407 4.4.1
    assert.equal(n.IkeEncryptionAlgorithm.AES_CBC, 7);
    assert.equal(n.IkeEncryptionAlgorithm.TRIPLE_DES_CBC, 5); // RFC 2409 Appendix A
    assert.equal(n.DhGroup.MODP_2048, 14);
    assert.equal(n.GroupDescription.ECP_256, 19);
    assert.equal(n.GroupDescription.CURVE25519, 31);
    assert.equal(n.IkeAuthMethod.ECDSA_SHA256_P256, 9); // RFC 4754 8.1
    assert.equal(n.IkeAuthMethod.XAUTH_INIT_PRE_SHARED, 65001);
    assert.equal(n.IkeAuthMethod.HYBRID_INIT_RSA, 64221);
    assert.equal(n.EncapsulationMode.UDP_ENCAPSULATED_TUNNEL, 3); // RFC 3947 5.1
    assert.equal(n.EncapsulationMode.UDP_ENCAPSULATED_TRANSPORT_DRAFT, 61444);
    assert.equal(n.EspTransformId.ESP_AES_GCM_16, 20);
    assert.equal(n.EspTransformId.ESP_NULL_AUTH_AES_GMAC, 23); // RFC 4543 + errata 1821 (IKEv1)
    assert.equal(n.AhTransformId.AH_SHA2_512, 7);
    assert.equal(n.IpsecAttributeClass.EXTENDED_SEQUENCE_NUMBER, 11); // RFC 4304
    assert.equal(n.NotifyType.UNEQUAL_PAYLOAD_LENGTHS, 30);
    assert.equal(n.NotifyType.R_U_THERE_ACK, 36137); // RFC 3706 5.2
    assert.equal(n.NotifyType.INITIAL_CONTACT, 24578); // RFC 2407 4.6.3
    assert.equal(n.IdType.ID_KEY_ID, 11);
    assert.equal(n.CertificateEncoding.X509_SIGNATURE, 4);
  });

  it('RFC 2408 notify types 1-30 are all named', () => {
    for (let i = 1; i <= 30; i++) assert.ok(n.nameOf(n.NotifyType, i), `notify ${i}`);
  });

  it('nameOf / numberOf / nameOrNumber', () => {
    assert.equal(n.nameOf(n.ExchangeType, 32), 'QUICK_MODE');
    assert.equal(n.nameOf(n.ExchangeType, 99), undefined);
    assert.equal(n.numberOf(n.NotifyType, 'R_U_THERE'), 36136);
    assert.equal(n.numberOf(n.NotifyType, 'toString'), undefined);
    assert.equal(n.nameOrNumber(n.PayloadType, 77), '77');
    assert.equal(n.nameOf(n.DhGroup, 14), 'MODP_2048');
  });
});
