/** IKE and IPsec SA snapshots for the SAD tests: the keys of test/fixtures/captures/ikev1-main-psk. */
import type { ChildSaInfo, IkeSaInfo } from '../../src/sa/types.js';

export const T0 = 1_800_000_000_000;

export function ikeSa(overrides: Partial<IkeSaInfo> = {}): IkeSaInfo {
  return {
    id: 1,
    connection: 'gw',
    role: 'initiator',
    exchange: 'main',
    state: 'established',
    initiatorCookie: '70bd524e37724337',
    responderCookie: 'e8267802a2bd286a',
    local: { address: '10.231.0.1', port: 4500 },
    remote: { address: '10.231.0.2', port: 4500 },
    localId: 'a.ikets.test',
    remoteId: 'b.ikets.test',
    suite: {
      encryption: 'aes128',
      hash: 'sha256',
      dhGroup: 'modp2048',
      auth: 'psk',
      proposal: 'aes128-sha256-modp2048',
    },
    nat: { local: false, remote: false, encapsulated: true },
    dpd: true,
    establishedAt: T0,
    lifetime: 14400,
    rekeyAt: T0 + 13_000_000,
    expiresAt: T0 + 14_400_000,
    keys: {
      skeyidD: '7952d6abf847537bae414063a447b6be9c212848e6af8169fe227af26923aa6e',
      skeyidA: 'c1a206926e6647c942178c49987fe1b672cdc4d587257e9a633d3cb6cfe3b0d7',
      skeyidE: '588e7fec2975a997c56d8c245db9e66d9aec6b769a015db4e4ad213d3e5fa62d',
      encryptionKey: '588e7fec2975a997c56d8c245db9e66d',
    },
    ...overrides,
  };
}

export function childSa(overrides: Partial<ChildSaInfo> = {}): ChildSaInfo {
  return {
    id: 1,
    child: 'net',
    connection: 'gw',
    ikeSaId: 1,
    protocol: 'esp',
    mode: 'tunnel',
    encapsulation: true,
    local: { address: '10.231.0.1', port: 4500 },
    remote: { address: '10.231.0.2', port: 4500 },
    spiIn: '461f5061',
    spiOut: 'b4fd716f',
    encryption: 'aes128',
    integrity: 'sha256',
    pfsGroup: 'modp2048',
    proposal: 'aes128-sha256-modp2048',
    localTs: ['10.231.0.1/32'],
    remoteTs: ['10.231.0.2/32'],
    lifetime: { seconds: 3960, kilobytes: undefined },
    installedAt: T0 + 1000,
    rekeyAt: T0 + 3_000_000,
    expiresAt: T0 + 3_961_000,
    keys: {
      encryptionIn: 'e4e2dddcf1560110234f7f7c85ceca83',
      integrityIn: '195616faabf0c35ec4b52ae2e269f776e7d80de93bf10e0e6e7a5e33c1b09529',
      encryptionOut: '934e6417829c0293342e332666e1ceee',
      integrityOut: '8596ccd618d049d65978a33c495ffcacde55001cb43e347bd67191b5ea0f0fc4',
    },
    ...overrides,
  };
}
