/**
 * Each malformed input yields a DecodeError with the right code, notify type (RFC 2408 section 3.14.1)
 * and byte offset.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, decodePayloadChain, tryDecodeMessage } from '../../src/codec/message.js';
import { NotifyType as N } from '../../src/codec/numbers.js';
import { assertDecodeError, h, withHeader } from './helpers.js';

const HDR = '0102030405060708 1112131415161718';
const d = (b: Uint8Array) => () => decodeMessage(b);
// Minimal valid SA body: DOI, situation, one proposal with one transform.
const PROP = '00 00 0010 01 01 00 01  00 00 0008 01 01 0000';

describe('header errors', () => {
  it('datagram shorter than a header', () =>
    assertDecodeError(d(h(`${HDR} 00 10 02 00 00000000 0000`)), {
      code: 'ERR_ISAKMP_TRUNCATED',
      notifyType: N.PAYLOAD_MALFORMED,
      offset: 26,
    }));
  it('header length differs from the datagram (UNEQUAL-PAYLOAD-LENGTHS, RFC 2408 5.1)', () => {
    assertDecodeError(d(h(`${HDR} 00 10 02 00 00000000 0000001d`)), {
      code: 'ERR_ISAKMP_LENGTH_MISMATCH',
      notifyType: N.UNEQUAL_PAYLOAD_LENGTHS,
      offset: 24,
    });
    assertDecodeError(d(h(`${HDR} 00 10 02 00 00000000 0000001c 00`)), {
      code: 'ERR_ISAKMP_LENGTH_MISMATCH',
      notifyType: N.UNEQUAL_PAYLOAD_LENGTHS,
      offset: 24,
    });
  });
  it('major version 2', () =>
    assertDecodeError(d(h(`${HDR} 00 20 02 00 00000000 0000001c`)), {
      code: 'ERR_ISAKMP_INVALID_MAJOR_VERSION',
      notifyType: N.INVALID_MAJOR_VERSION,
      offset: 17,
    }));
  it('minor version 1', () =>
    assertDecodeError(d(h(`${HDR} 00 11 02 00 00000000 0000001c`)), {
      code: 'ERR_ISAKMP_INVALID_MINOR_VERSION',
      notifyType: N.INVALID_MINOR_VERSION,
      offset: 17,
    }));
  it('unknown exchange type', () => {
    for (const x of ['00', '07', '22', 'f0']) {
      assertDecodeError(d(h(`${HDR} 00 10 ${x} 00 00000000 0000001c`)), {
        code: 'ERR_ISAKMP_INVALID_EXCHANGE_TYPE',
        notifyType: N.INVALID_EXCHANGE_TYPE,
        offset: 18,
      });
    }
  });
  it('undefined flag bits', () =>
    assertDecodeError(d(h(`${HDR} 00 10 02 08 00000000 0000001c`)), {
      code: 'ERR_ISAKMP_INVALID_FLAGS',
      notifyType: N.INVALID_FLAGS,
      offset: 19,
    }));
  it('invalid next payload in the header: reserved number, top-level Proposal, none with E flag', () => {
    for (const t of [50, 2, 3, 15]) {
      assertDecodeError(d(withHeader('00 00 0004', { next: t })), {
        code: 'ERR_ISAKMP_INVALID_PAYLOAD_TYPE',
        notifyType: N.INVALID_PAYLOAD_TYPE,
        offset: 16,
      });
    }
    assertDecodeError(d(withHeader('00112233', { next: 0, flags: 1 })), {
      code: 'ERR_ISAKMP_INVALID_PAYLOAD_TYPE',
      notifyType: N.INVALID_PAYLOAD_TYPE,
      offset: 16,
    });
  });
});

describe('payload chain errors', () => {
  it('invalid next payload named by a payload', () =>
    assertDecodeError(d(withHeader('63 00 0005 aa', { next: 10 })), {
      code: 'ERR_ISAKMP_INVALID_PAYLOAD_TYPE',
      notifyType: N.INVALID_PAYLOAD_TYPE,
      offset: 28,
    }));
  it('payload length below 4 (would loop)', () => {
    for (const len of ['0000', '0003']) {
      assertDecodeError(d(withHeader(`00 00 ${len} 0000`, { next: 10 })), {
        code: 'ERR_ISAKMP_BAD_PAYLOAD_LENGTH',
        notifyType: N.PAYLOAD_MALFORMED,
        offset: 30,
      });
    }
  });
  it('payload length running past the message', () =>
    assertDecodeError(d(withHeader('00 00 0009 aabbcc', { next: 10 })), {
      code: 'ERR_ISAKMP_BAD_PAYLOAD_LENGTH',
      notifyType: N.PAYLOAD_MALFORMED,
      offset: 30,
    }));
  it('truncated generic header', () =>
    assertDecodeError(d(withHeader('0a 00 0005 aa 00 00', { next: 10 })), {
      code: 'ERR_ISAKMP_TRUNCATED',
      notifyType: N.PAYLOAD_MALFORMED,
      offset: 33,
    }));
  it('bytes after the last payload of a plain message: a non-zero one, or more than 15 zeros', () => {
    assertDecodeError(d(withHeader('00 00 0005 aa 000001', { next: 10 })), {
      code: 'ERR_ISAKMP_LENGTH_MISMATCH',
      notifyType: N.UNEQUAL_PAYLOAD_LENGTHS,
      offset: 33,
    });
    assertDecodeError(d(withHeader(`00 00 0005 aa ${'00'.repeat(16)}`, { next: 10 })), {
      code: 'ERR_ISAKMP_LENGTH_MISMATCH',
      notifyType: N.UNEQUAL_PAYLOAD_LENGTHS,
      offset: 33,
    });
  });
  it('non-zero RESERVED byte of a generic header', () =>
    assertDecodeError(d(withHeader('00 01 0005 aa', { next: 10 })), {
      code: 'ERR_ISAKMP_RESERVED_NOT_ZERO',
      notifyType: N.PAYLOAD_MALFORMED,
      offset: 29,
    }));
  it('offsets of a decrypted body count from the message start', () =>
    assertDecodeError(() => decodePayloadChain(10, h('00 00 0003 00')), {
      code: 'ERR_ISAKMP_BAD_PAYLOAD_LENGTH',
      notifyType: N.PAYLOAD_MALFORMED,
      offset: 30,
    }));
  it('tryDecodeMessage returns the error instead of throwing', () => {
    const r = tryDecodeMessage(h('00'));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'ERR_ISAKMP_TRUNCATED');
  });
});

describe('SA, proposal, transform and attribute errors', () => {
  const sa = (body: string) => d(withHeader(body, { next: 1 }));
  it('DOI other than IPsec (DOI-NOT-SUPPORTED, RFC 2408 5.4)', () =>
    assertDecodeError(sa(`00 00 001c 00000002 00000001 ${PROP}`), {
      code: 'ERR_ISAKMP_DOI_NOT_SUPPORTED',
      notifyType: N.DOI_NOT_SUPPORTED,
      offset: 32,
    }));
  it('SA without proposal', () =>
    assertDecodeError(sa('00 00 000c 00000001 00000001'), {
      code: 'ERR_ISAKMP_BAD_PROPOSAL_SYNTAX',
      notifyType: N.BAD_PROPOSAL_SYNTAX,
      offset: 40,
    }));
  it('# of transforms disagrees with the transforms found', () =>
    assertDecodeError(sa('00 00 001c 00000001 00000001  00 00 0010 01 01 00 02  00 00 0008 01 01 0000'), {
      code: 'ERR_ISAKMP_BAD_PROPOSAL_SYNTAX',
      notifyType: N.BAD_PROPOSAL_SYNTAX,
      offset: 47,
    }));
  it('transform running past its proposal', () =>
    assertDecodeError(sa('00 00 001c 00000001 00000001  00 00 0010 01 01 00 01  00 00 0009 01 01 0000'), {
      code: 'ERR_ISAKMP_BAD_PROPOSAL_SYNTAX',
      notifyType: N.BAD_PROPOSAL_SYNTAX,
      offset: 50,
    }));
  it('proposal running past its SA payload', () =>
    assertDecodeError(sa('00 00 001c 00000001 00000001  00 00 0011 01 01 00 01  00 00 0008 01 01 0000'), {
      code: 'ERR_ISAKMP_BAD_PROPOSAL_SYNTAX',
      notifyType: N.BAD_PROPOSAL_SYNTAX,
      offset: 42,
    }));
  it('proposal chained to something else than a proposal', () =>
    assertDecodeError(sa('00 00 001c 00000001 00000001  05 00 0010 01 01 00 01  00 00 0008 01 01 0000'), {
      code: 'ERR_ISAKMP_BAD_PROPOSAL_SYNTAX',
      notifyType: N.BAD_PROPOSAL_SYNTAX,
      offset: 40,
    }));
  it('last proposal announcing another one', () =>
    assertDecodeError(sa('00 00 001c 00000001 00000001  02 00 0010 01 01 00 01  00 00 0008 01 01 0000'), {
      code: 'ERR_ISAKMP_BAD_PROPOSAL_SYNTAX',
      notifyType: N.BAD_PROPOSAL_SYNTAX,
      offset: 56,
    }));
  it('SPI size running past the proposal', () =>
    assertDecodeError(sa('00 00 001c 00000001 00000001  00 00 0010 01 03 20 01  00 00 0008 01 01 0000'), {
      code: 'ERR_ISAKMP_INVALID_SPI',
      notifyType: N.INVALID_SPI,
      offset: 46,
    }));
  it('attribute length running past its transform', () =>
    assertDecodeError(
      sa('00 00 0022 00000001 00000001  00 00 0016 01 01 00 01  00 00 000e 01 01 0000 000c 0005 0000'),
      {
        code: 'ERR_ISAKMP_BAD_ATTRIBUTE',
        notifyType: N.PAYLOAD_MALFORMED,
        offset: 58,
      },
    ));
  it('absurd attribute length', () =>
    assertDecodeError(
      sa('00 00 0022 00000001 00000001  00 00 0016 01 01 00 01  00 00 000e 01 01 0000 000c ffff 0000'),
      {
        code: 'ERR_ISAKMP_BAD_ATTRIBUTE',
        notifyType: N.PAYLOAD_MALFORMED,
        offset: 58,
      },
    ));
  it('truncated attribute header', () =>
    assertDecodeError(
      sa('00 00 0022 00000001 00000001  00 00 0016 01 01 00 01  00 00 000e 01 01 0000 8001 0007 00 0c'),
      {
        code: 'ERR_ISAKMP_TRUNCATED',
        notifyType: N.PAYLOAD_MALFORMED,
        offset: 60,
      },
    ));
  it('a Basic class in TLV form (ATTRIBUTES-NOT-SUPPORTED, RFC 2409 Appendix A)', () =>
    assertDecodeError(
      sa('00 00 0022 00000001 00000001  00 00 0016 01 01 00 01  00 00 000e 01 01 0000 0001 0002 0007'),
      {
        code: 'ERR_ISAKMP_ATTRIBUTE_FORM',
        notifyType: N.ATTRIBUTES_NOT_SUPPORTED,
        offset: 56,
      },
    ));
  it('non-zero RESERVED2 of a transform', () =>
    assertDecodeError(sa('00 00 001c 00000001 00000001  00 00 0010 01 01 00 01  00 00 0008 01 01 0100'), {
      code: 'ERR_ISAKMP_RESERVED_NOT_ZERO',
      notifyType: N.PAYLOAD_MALFORMED,
      offset: 54,
    }));
  it('non-zero padding of a labelled-domain level', () =>
    assertDecodeError(
      sa(`00 00 0030 00000001 00000003 00000005 0003 0000 aabbcc01 000c 0000 f0f00000 ${PROP}`),
      {
        code: 'ERR_ISAKMP_RESERVED_NOT_ZERO',
        notifyType: N.PAYLOAD_MALFORMED,
        offset: 51,
      },
    ));
});

describe('other payload errors', () => {
  it('ID_IPV4_ADDR with 5 bytes of data: kept sealed (RFC 2409 5.2/5.3 encrypt ID bodies)', () => {
    // The payload rules refuse it with INVALID-ID-INFORMATION where IDs are not encrypted.
    const m = decodeMessage(withHeader('00 00 000d 01 00 0000 0a00000101', { next: 5 }));
    assert.ok(!m.body.encrypted);
    assert.deepEqual(m.body.payloads[0], {
      type: 'sealed',
      payloadType: 5,
      data: h('01 00 0000 0a00000101'),
    });
  });
  it('Delete with SPI size 0 and SPIs to delete', () =>
    assertDecodeError(d(withHeader('00 00 000c 00000001 03 00 ffff', { next: 12 })), {
      code: 'ERR_ISAKMP_INVALID_SPI',
      notifyType: N.INVALID_SPI,
      offset: 37,
    }));
  it('Delete whose SPIs do not fill the payload', () =>
    assertDecodeError(d(withHeader('00 00 000f 00000001 03 04 0001 aabbcc', { next: 12 })), {
      code: 'ERR_ISAKMP_INVALID_SPI',
      notifyType: N.INVALID_SPI,
      offset: 38,
    }));
  it('Notification whose SPI runs past the payload', () =>
    assertDecodeError(d(withHeader('00 00 000e 00000001 01 10 6002 aabb', { next: 11 })), {
      code: 'ERR_ISAKMP_INVALID_SPI',
      notifyType: N.INVALID_SPI,
      offset: 37,
    }));
  it('NAT-OA with a wrong-size address', () =>
    assertDecodeError(d(withHeader('00 00 000b 01 000000 c0a800', { next: 21 })), {
      code: 'ERR_ISAKMP_INVALID_ID',
      notifyType: N.INVALID_ID_INFORMATION,
      offset: 32,
    }));
  it('truncated fragment, certificate and attributes payload fields', () => {
    for (const t of [132, 6, 14]) {
      assertDecodeError(d(withHeader('00 00 0004', { next: t })), {
        code: 'ERR_ISAKMP_TRUNCATED',
        notifyType: N.PAYLOAD_MALFORMED,
        offset: 32,
      });
    }
  });
});
