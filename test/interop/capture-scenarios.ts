// The strongSwan <-> strongSwan exchanges recorded as test fixtures in test/fixtures/captures/.
// Peer a (initiator) and peer b (responder) run in a private namespace pair; tshark captures on
// b's veth. See regenerate-captures.ts for how each scenario is driven.

export interface CaptureScenario {
  /** File stem: `<name>.pcapng`, `<name>.keys.json`. */
  readonly name: string;
  readonly description: string;
  readonly version: 1 | 2;
  readonly auth: 'psk' | 'pubkey';
  readonly aggressive?: boolean;
  /** Send a few UDP datagrams through the tunnel (ESP-in-UDP on port 4500). */
  readonly traffic?: boolean;
  /** dpd_delay on both ends; the initiator then waits for an R-U-THERE/ACK round. */
  readonly dpdDelay?: string;
  /** Terminate the CHILD SA, then the IKE SA (Informational Delete exchanges). */
  readonly delete?: boolean;
  /** Capture on tshark's `any` pseudo-interface (tshark 4.0 writes Linux cooked SLL, 113) instead of b's veth (Ethernet). */
  readonly captureAny?: boolean;
  /**
   * Put peer a behind a real source NAT (nftables in a's namespace) with this public address:
   * a then detects "local host is behind NAT" and sends NAT-T keepalives (`keep_alive = 1s`).
   */
  readonly natPublicIpv4?: string;
  /** IKE and ESP proposals. */
  readonly proposals: string;
  readonly espProposals: string;
}

export const CAPTURE_SCENARIOS: readonly CaptureScenario[] = [
  {
    name: 'ikev1-main-psk',
    description:
      'IKEv1 Main Mode PSK + Quick Mode (PFS), NAT-T float to 4500, ESP-in-UDP traffic, DPD R-U-THERE/ACK, ' +
      'Delete of the CHILD SA then of the IKE SA',
    version: 1,
    auth: 'psk',
    traffic: true,
    dpdDelay: '1s',
    delete: true,
    proposals: 'aes128-sha256-modp2048',
    espProposals: 'aes128-sha256-modp2048',
  },
  {
    name: 'ikev1-aggressive-psk',
    description:
      'IKEv1 Aggressive Mode PSK + Quick Mode (PFS), NAT-T float to 4500, ESP-in-UDP traffic, Delete of the ' +
      'CHILD SA then of the IKE SA; captured on the `any` interface (link type Linux cooked SLL, 113)',
    version: 1,
    auth: 'psk',
    aggressive: true,
    traffic: true,
    captureAny: true,
    delete: true,
    proposals: 'aes128-sha256-modp2048',
    espProposals: 'aes128-sha256-modp2048',
  },
  {
    name: 'ikev1-main-rsa',
    description: 'IKEv1 Main Mode with RSA certificates (CERTREQ, CERT, SIG) + Quick Mode (PFS), NAT-T',
    version: 1,
    auth: 'pubkey',
    delete: true,
    proposals: 'aes128-sha256-modp2048',
    espProposals: 'aes128-sha256-modp2048',
  },
  {
    // not named ikev1-* so that tests iterating over ikev1-*.pcapng keep their exact list
    name: 'nat-ikev1-main-psk',
    description:
      'IKEv1 Main Mode PSK + Quick Mode (PFS) with peer a behind a real source NAT (10.231.0.1 -> ' +
      '10.231.0.101): NAT-T float to 4500, ESP-in-UDP traffic, NAT-T keepalives from a, Deletes',
    version: 1,
    auth: 'psk',
    traffic: true,
    natPublicIpv4: '10.231.0.101',
    delete: true,
    proposals: 'aes128-sha256-modp2048',
    espProposals: 'aes128-sha256-modp2048',
  },
  {
    name: 'ikev2-psk',
    description: 'IKEv2 PSK: IKE_SA_INIT, IKE_AUTH (NAT-T float to 4500), INFORMATIONAL Delete',
    version: 2,
    auth: 'psk',
    delete: true,
    proposals: 'aes128-sha256-modp2048',
    espProposals: 'aes128-sha256',
  },
];

export const CAPTURE_PSK = 'ikets-capture-psk-0123456789';
