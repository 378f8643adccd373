import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ikets from '../src/index.js';

describe('the package entry', () => {
  it('exports the layers a library user drives: codec, key schedule, configuration, engine, SAD, daemon, certificates', () => {
    const exported = {
      decodeMessage: ikets.decodeMessage,
      encodeMessage: ikets.encodeMessage,
      deriveSkeyid: ikets.deriveSkeyid,
      deriveKeymat: ikets.deriveKeymat,
      parseSwanctlConfig: ikets.parseSwanctlConfig,
      Ikev1Endpoint: ikets.Ikev1Endpoint,
      SecurityAssociationDatabase: ikets.SecurityAssociationDatabase,
      Daemon: ikets.Daemon,
      parseCertificate: ikets.parseCertificate,
      verifyChain: ikets.verifyChain,
      certificateMatchesIdentity: ikets.certificateMatchesIdentity,
      loadCredentials: ikets.loadCredentials,
      identityMatches: ikets.identityMatches,
      pkiCredentials: ikets.pkiCredentials,
    };
    for (const [name, value] of Object.entries(exported)) assert.equal(typeof value, 'function', name);
  });

  it('Ikev1Endpoint has its verbs and nothing of its inside (SA tables, timers, exchanges)', () => {
    assert.deepEqual(Object.getOwnPropertyNames(ikets.Ikev1Endpoint.prototype).sort(), [
      'childLimitReached',
      'childSaList',
      // A child's last inbound traffic (the data plane's use time): DPD counts it as liveness.
      'childTraffic',
      'constructor',
      // Whether a datagram's cookies name a known exchange: the daemon's receive queue ranks by it.
      'expects',
      // The result of a computation (g^xy) the engine sent out with pollCompute: the crypto seam.
      'handleComputed',
      'handleDatagram',
      'handleTimeout',
      // An ISAKMP SA's keys on demand (`list-sas --show-keys`, `--wireshark`): the SAD keeps none.
      'ikeSaKeys',
      'ikeSaList',
      'initiate',
      'pollCompute',
      'pollEvent',
      'pollTimeout',
      'pollTransmit',
      'reload',
      'terminate',
      'terminateAll',
    ]);
    const config = ikets.parseSwanctlConfig('connections { }');
    assert.deepEqual(Object.keys(new ikets.Ikev1Endpoint({ config }, 0)), []);
  });

  it('drives a Main Mode + Quick Mode between two endpoints built from swanctl.conf text', () => {
    const conf = (self: string, other: string, port: number, peerPort: number) =>
      ikets.parseSwanctlConfig(`connections { c { version = 1
        local_addrs = 127.0.0.1
        remote_addrs = 127.0.0.1
        local_port = ${port}
        remote_port = ${peerPort}
        proposals = aes128-sha256-x25519
        local { auth = psk
          id = ${self} }
        remote { auth = psk
          id = ${other} }
        children { net { esp_proposals = aes128-sha256 } } } }
        secrets { ike { secret = library-example-secret } }`);
    const a = new ikets.Ikev1Endpoint({ config: conf('a.example', 'b.example', 1500, 2500) }, 0);
    const b = new ikets.Ikev1Endpoint({ config: conf('b.example', 'a.example', 2500, 1500) }, 0);
    a.initiate(0, 'c', 'net');
    for (let moved = true; moved; ) {
      moved = false;
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        for (let t = from.pollTransmit(); t !== undefined; t = from.pollTransmit(), moved = true) {
          to.handleDatagram(0, { local: t.remote, remote: t.local, data: t.data });
        }
      }
    }
    assert.equal(a.childSaList()[0]?.spiOut, b.childSaList()[0]?.spiIn);
    assert.equal(a.childSaList()[0]?.keys.encryptionOut, b.childSaList()[0]?.keys.encryptionIn);
  });
});
