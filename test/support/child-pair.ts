import { deriveSaKeys } from '../../src/crypto/keymat.js';
import { saKeyLengths, transformByKeyword } from '../../src/crypto/registry.js';
import type { ChildSaInfo } from '../../src/sa/types.js';
import { childSa } from '../sad/sa-fixtures.js';

// Two ChildSaInfo as the two ends of one Quick Mode report them: KEYMAT derived as RFC 2409
// section 5.5 says (with the receiving side's SPI), so one side's outbound keys are the other's inbound.

export interface ChildPairOptions {
  readonly encryption: string | undefined;
  readonly integrity: string | undefined;
  readonly protocol?: 'esp' | 'ah';
  readonly mode?: 'tunnel' | 'transport';
  /** IKE addresses of A and B. */
  readonly a?: string;
  readonly b?: string;
  readonly aTs?: string;
  readonly bTs?: string;
  readonly port?: number;
}

export function childPair(o: ChildPairOptions): { readonly a: ChildSaInfo; readonly b: ChildSaInfo } {
  const protocol = o.protocol ?? 'esp';
  const enc = o.encryption === undefined ? undefined : transformByKeyword(o.encryption);
  const integ = o.integrity === undefined ? undefined : transformByKeyword(o.integrity);
  if (enc !== undefined && enc.kind !== 'encryption') throw new Error(`${o.encryption} is not a cipher`);
  if (integ !== undefined && integ.kind !== 'integrity')
    throw new Error(`${o.integrity} is not an integrity transform`);
  const lengths = saKeyLengths(enc, integ);
  const spiA = Buffer.from('c1a2b3d4', 'hex');
  const spiB = Buffer.from('0badf00d', 'hex');
  const common = {
    prf: 'sha256' as const,
    skeyidD: Buffer.from('7952d6abf847537bae414063a447b6be9c212848e6af8169fe227af26923aa6e', 'hex'),
    protocol: protocol === 'esp' ? 3 : 2,
    nonceI: Buffer.alloc(32, 0x11),
    nonceR: Buffer.alloc(32, 0x22),
    gxy: Buffer.alloc(256, 0x33),
    ...lengths,
  };
  const keysA = deriveSaKeys({ ...common, localSpi: spiA, remoteSpi: spiB });
  const keysB = deriveSaKeys({ ...common, localSpi: spiB, remoteSpi: spiA });
  const a = o.a ?? '10.231.0.1';
  const b = o.b ?? '10.231.0.2';
  const mode = o.mode ?? 'tunnel';
  const aTs = o.aTs ?? (mode === 'tunnel' ? '10.1.0.0/16' : `${a}/32`);
  const bTs = o.bTs ?? (mode === 'tunnel' ? '10.2.0.0/16' : `${b}/32`);
  const port = o.port ?? 4500;
  const info = (
    local: string,
    remote: string,
    spiIn: Buffer,
    spiOut: Buffer,
    keys: typeof keysA,
    localTs: string,
    remoteTs: string,
  ): ChildSaInfo =>
    childSa({
      protocol,
      mode,
      encapsulation: true,
      local: { address: local, port },
      remote: { address: remote, port },
      spiIn: spiIn.toString('hex'),
      spiOut: spiOut.toString('hex'),
      encryption: o.encryption,
      integrity: o.integrity,
      localTs: [localTs],
      remoteTs: [remoteTs],
      keys: {
        encryptionIn: keys.inbound.encryption.toString('hex'),
        integrityIn: keys.inbound.integrity.toString('hex'),
        encryptionOut: keys.outbound.encryption.toString('hex'),
        integrityOut: keys.outbound.integrity.toString('hex'),
      },
    });
  return {
    a: info(a, b, spiA, spiB, keysA, aTs, bTs),
    b: info(b, a, spiB, spiA, keysB, bTs, aTs),
  };
}
