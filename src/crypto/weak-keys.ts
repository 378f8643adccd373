import { WeakKeyError } from './errors.js';

// DES weak and semi-weak keys, RFC 2409 Appendix A (from [Sch96]). DES ignores the low bit of each
// key byte (parity), so keys are compared with that bit cleared.
const DES_WEAK_AND_SEMI_WEAK: readonly string[] = [
  '0101010101010101',
  '1f1f1f1fe0e0e0e0',
  'e0e0e0e01f1f1f1f',
  'fefefefefefefefe',
  '01fe01fe01fe01fe',
  '1fe01fe00ef10ef1',
  '01e001e001f101f1',
  '1ffe1ffe0efe0efe',
  '011f011f010e010e',
  'e0fee0fef1fef1fe',
  'fe01fe01fe01fe01',
  'e01fe01ff10ef10e',
  'e001e001f101f101',
  'fe1ffe1ffe0efe0e',
  '1f011f010e010e01',
  'fee0fee0fef1fef1',
].map((hex) => withoutParity(Buffer.from(hex, 'hex')).toString('hex'));

function withoutParity(key: Uint8Array): Buffer {
  return Buffer.from(Array.from(key, (b) => b & 0xfe));
}

export function isWeakDesKey(key: Uint8Array): boolean {
  return DES_WEAK_AND_SEMI_WEAK.includes(withoutParity(key.subarray(0, 8)).toString('hex'));
}

/** Throws WeakKeyError for a weak or semi-weak DES key (RFC 2409 section 5.1 / Appendix A). */
export function checkDesKey(key: Uint8Array): void {
  if (isWeakDesKey(key)) throw new WeakKeyError('DES key is weak or semi-weak');
}

/**
 * Throws WeakKeyError for a 3DES key with K1 == K2 or K2 == K3: EDE then collapses to single DES,
 * and RFC 2451 section 2.3 says implementations MUST reject such keys. Weak DES sub-keys need no
 * rejection for DES-EDE3 (same section).
 */
export function checkTripleDesKey(key: Uint8Array): void {
  const k1 = withoutParity(key.subarray(0, 8));
  const k2 = withoutParity(key.subarray(8, 16));
  const k3 = withoutParity(key.subarray(16, 24));
  if (k1.equals(k2) || k2.equals(k3)) throw new WeakKeyError('3DES key with K1 == K2 or K2 == K3');
}
