// The `<name>.keys.json` sidecar of a capture: the secrets charon logged at `ike` level 4, so
// tests (and tshark) can decrypt the encrypted payloads of the capture.
import type { CaptureScenario } from './capture-scenarios.js';
import { firstDump, type IkeSaInfo, keyDumps } from './harness/index.js';

export interface KeysFile {
  readonly capture: string;
  readonly description: string;
  readonly strongswan: string;
  readonly ikeVersion: 1 | 2;
  /** `publicIpv4`: the address behind which a's NAT hides it (NAT scenarios only). */
  readonly initiator: { readonly ipv4: string; readonly id: string; readonly publicIpv4?: string };
  readonly responder: { readonly ipv4: string; readonly id: string };
  readonly psk: string | null;
  readonly proposals: { readonly ike: string; readonly esp: string };
  /** IKEv1 cookies / IKEv2 SPIs (hex). */
  readonly initiatorSpi: string;
  readonly responderSpi: string;
  /** Label (as charon logs it) -> hex. IKEv1: SKEYID*, "encryption key Ka", "initial IV", ... */
  readonly secrets: Readonly<Record<string, string>>;
  /** CHILD SA SPIs and (if logged at chd level 4) key material. */
  readonly child: {
    readonly spiIn: string;
    readonly spiOut: string;
    readonly secrets: Readonly<Record<string, string>>;
  };
  /** Value for tshark `-o` (ikev1_decryption_table / ikev2_decryption_table). */
  readonly tsharkUat: string;
}

const IKEV1_LABELS = [
  'shared Diffie Hellman secret',
  'SKEYID',
  'SKEYID_d',
  'SKEYID_a',
  'SKEYID_e',
  'encryption key Ka',
  'initial IV',
];
const IKEV2_LABELS = [
  'shared Diffie Hellman secret',
  'Sk_d secret',
  'Sk_ai secret',
  'Sk_ar secret',
  'Sk_ei secret',
  'Sk_er secret',
  'Sk_pi secret',
  'Sk_pr secret',
];
// Wireshark's names for the IKEv2 UAT columns
const WS_ENCR: Record<string, string> = { AES_CBC: 'AES-CBC-%d [RFC3602]' };
const WS_INTEG: Record<string, string> = {
  HMAC_SHA2_256_128: 'HMAC_SHA2_256_128 [RFC4868]',
  HMAC_SHA1_96: 'HMAC_SHA1_96 [RFC2404]',
};

export function buildKeysFile(
  s: CaptureScenario,
  log: string,
  ike: IkeSaInfo,
  strongswan: string,
  addrs: { readonly a: { readonly ipv4: string }; readonly b: { readonly ipv4: string } },
  psk: string,
): KeysFile {
  const secrets: Record<string, string> = {};
  for (const label of s.version === 1 ? IKEV1_LABELS : IKEV2_LABELS) {
    const hex = firstDump(log, label);
    if (hex === undefined) throw new Error(`${s.name}: "${label}" not in charon's log (ike level 4?)`);
    secrets[label] = hex;
  }
  const childSecrets: Record<string, string> = {};
  for (const d of keyDumps(log)) {
    if (
      /key|salt/i.test(d.label) &&
      !(d.label in secrets) &&
      !/Ka$/.test(d.label) &&
      !(d.label in childSecrets)
    ) {
      childSecrets[d.label] = d.hex;
    }
  }
  const child = ike.childSas[0];
  let tsharkUat: string;
  if (s.version === 1) {
    tsharkUat = `ikev1_decryption_table:${ike.initiatorSpi},${secrets['encryption key Ka']}`;
  } else {
    const encr = (WS_ENCR[ike.encrAlg ?? ''] ?? '?').replace('%d', String(ike.encrKeysize));
    const integ = WS_INTEG[ike.integAlg ?? ''] ?? '?';
    tsharkUat =
      `ikev2_decryption_table:${ike.initiatorSpi},${ike.responderSpi},${secrets['Sk_ei secret']},` +
      `${secrets['Sk_er secret']},"${encr}",${secrets['Sk_ai secret']},${secrets['Sk_ar secret']},"${integ}"`;
  }
  const idA = ike.localId;
  const idB = ike.remoteId;
  return {
    capture: `${s.name}.pcapng`,
    description: s.description,
    strongswan,
    ikeVersion: s.version,
    initiator: { ipv4: addrs.a.ipv4, id: idA, ...(s.natPublicIpv4 ? { publicIpv4: s.natPublicIpv4 } : {}) },
    responder: { ipv4: addrs.b.ipv4, id: idB },
    psk: s.auth === 'psk' ? psk : null,
    proposals: { ike: s.proposals, esp: s.espProposals },
    initiatorSpi: ike.initiatorSpi,
    responderSpi: ike.responderSpi,
    secrets,
    child: { spiIn: child?.spiIn ?? '', spiOut: child?.spiOut ?? '', secrets: childSecrets },
    tsharkUat,
  };
}

/** tshark `-o` values for decrypting the capture with these keys. */
export function tsharkDecryptOptions(keys: KeysFile): string[] {
  return [`uat:${keys.tsharkUat}`];
}
