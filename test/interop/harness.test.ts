// Proves the interop harness: two strongSwan charons in a private namespace pair negotiate
// IKEv1 Main Mode (PSK) + Quick Mode; both ends list the IKE SA ESTABLISHED and the CHILD SA
// INSTALLED with crosswise-matching SPIs. Skips without root or strongSwan.
import * as assert from 'node:assert/strict';
import { after, before, describe, it, suite } from '../support/suite.js';
import {
  type Charon,
  createNetnsPair,
  ensureTools,
  hostToHost,
  type NetnsPair,
  parseListSas,
  startCharon,
} from './harness/index.js';

const PSK = 'ikets-harness-test-psk-0123456789';
const tools = ensureTools(['charon', 'swanctl', 'ip', 'unshare']);

suite('interop harness: strongSwan <-> strongSwan IKEv1 Main Mode PSK', {
  skip: tools.ok ? false : tools.reason,
}, () => {
  let pair: NetnsPair | undefined;
  const peers: Charon[] = [];

  before(async () => {
    pair = await createNetnsPair();
    for (const [self, peer, me, other] of [
      [pair.a, pair.b, 'a', 'b'],
      [pair.b, pair.a, 'b', 'a'],
    ] as const) {
      peers.push(
        await startCharon({
          name: me,
          netns: self.ns,
          swanctl: hostToHost({
            name: 'mm',
            version: 1,
            localAddr: self.ipv4,
            remoteAddr: peer.ipv4,
            localId: `${me}.ikets.test`,
            remoteId: `${other}.ikets.test`,
            auth: 'psk',
            psk: PSK,
          }),
        }),
      );
    }
  });

  after(async () => {
    for (const p of peers) await p.stop();
    await pair?.destroy();
  });

  it('establishes the IKE SA and installs the CHILD SA on both ends', async () => {
    const [a, b] = peers;
    assert.ok(a && b && pair);
    await a.initiate('mm');
    const [la, lb] = [await a.listSas(), await b.listSas()];
    const [ia, ib] = [la.ikeSas[0], lb.ikeSas[0]];
    assert.ok(ia && ib, 'both ends list an IKE SA');
    for (const [ike, self, initiator] of [
      [ia, pair.a, true],
      [ib, pair.b, false],
    ] as const) {
      assert.equal(ike.state, 'ESTABLISHED');
      assert.equal(ike.version, 1);
      assert.equal(ike.initiator, initiator);
      assert.equal(ike.localHost, self.ipv4);
      // kernel-libipsec only does UDP encapsulation: charon fakes NAT and floats to 4500
      assert.equal(ike.localPort, 4500);
      assert.equal(ike.encrAlg, 'AES_CBC');
      assert.equal(ike.encrKeysize, 128);
      assert.equal(ike.integAlg, 'HMAC_SHA2_256_128');
      assert.equal(ike.prfAlg, 'PRF_HMAC_SHA2_256');
      assert.equal(ike.dhGroup, 'MODP_2048');
      assert.match(ike.initiatorSpi, /^[0-9a-f]{16}$/);
    }
    assert.equal(ia.initiatorSpi, ib.initiatorSpi);
    assert.equal(ia.responderSpi, ib.responderSpi);
    const [ca, cb] = [ia.childSas[0], ib.childSas[0]];
    assert.ok(ca && cb, 'both ends list a CHILD SA');
    for (const child of [ca, cb]) {
      assert.equal(child.state, 'INSTALLED');
      assert.equal(child.mode, 'TUNNEL');
      assert.equal(child.protocol, 'ESP');
      assert.equal(child.encap, true);
      assert.equal(child.dhGroup, 'MODP_2048');
      assert.match(child.spiIn, /^[0-9a-f]{8}$/);
    }
    assert.equal(ca.spiIn, cb.spiOut);
    assert.equal(ca.spiOut, cb.spiIn);
    assert.deepEqual(ca.localTs, [`${pair.a.ipv4}/32`]);
    assert.deepEqual(cb.localTs, [`${pair.b.ipv4}/32`]);
    assert.match(a.readLog(), /CHILD_SA mm\{1\} established/);
  });

  it('terminates the IKE SA on both ends', async () => {
    const [a, b] = peers;
    assert.ok(a && b);
    await a.terminate('mm', { ike: true });
    assert.equal((await a.listSas()).ikeSas.length, 0);
    assert.ok(await b.waitForLog(/deleting IKE_SA|IKE_SA .* deleted|received DELETE for IKE_SA/, 5000));
  });
});

suite('interop harness: IPv6 and loopback', { skip: tools.ok ? false : tools.reason }, () => {
  it('negotiates IKEv1 Main Mode + Quick Mode over IPv6 in the namespace pair', async (t) => {
    const pair = await createNetnsPair();
    const peers: Charon[] = [];
    t.after(async () => {
      for (const p of peers) await p.stop();
      await pair.destroy();
    });
    for (const [self, peer, me, other] of [
      [pair.a, pair.b, 'a', 'b'],
      [pair.b, pair.a, 'b', 'a'],
    ] as const) {
      const conf = hostToHost({
        name: 'v6',
        version: 1,
        localAddr: self.ipv6,
        remoteAddr: peer.ipv6,
        localId: me,
        remoteId: other,
        auth: 'psk',
        psk: PSK,
      });
      peers.push(await startCharon({ name: me, netns: self.ns, swanctl: conf }));
    }
    const [a, b] = peers;
    assert.ok(a && b);
    await a.initiate('v6');
    const [ia, ib] = [(await a.listSas()).ikeSas[0], (await b.listSas()).ikeSas[0]];
    assert.equal(ia?.state, 'ESTABLISHED');
    assert.equal(ia?.localHost, pair.a.ipv6);
    assert.equal(ib?.remoteHost, pair.a.ipv6);
    assert.equal(ia?.childSas[0]?.state, 'INSTALLED');
    assert.deepEqual(ia?.childSas[0]?.remoteTs, [`${pair.b.ipv6}/128`]);
    assert.equal(ia?.childSas[0]?.spiIn, ib?.childSas[0]?.spiOut);
  });

  it('runs two charons on 127.0.0.1 with non-default ports inside one namespace', async (t) => {
    const pair = await createNetnsPair();
    const peers: Charon[] = [];
    t.after(async () => {
      for (const p of peers) await p.stop();
      await pair.destroy();
    });
    // Neither may use port 500 on a shared address: charon floats a remote port 500 to 4500,
    // which would be its own NAT-T socket.
    const ports = { a: [2500, 24500], b: [1500, 14500] } as const;
    for (const [me, other] of [
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      const conf = hostToHost({
        name: 'lo',
        version: 1,
        localAddr: '127.0.0.1',
        remoteAddr: '127.0.0.1',
        localId: me,
        remoteId: other,
        auth: 'psk',
        psk: PSK,
        ...(me === 'a' ? { remotePort: ports.b[0] } : {}),
      });
      const [port, nattPort] = ports[me];
      peers.push(await startCharon({ name: me, netns: pair.a.ns, port, nattPort, swanctl: conf }));
    }
    const [a, b] = peers;
    assert.ok(a && b);
    await a.initiate('lo');
    const [ia, ib] = [(await a.listSas()).ikeSas[0], (await b.listSas()).ikeSas[0]];
    assert.equal(ia?.state, 'ESTABLISHED');
    assert.equal(ib?.state, 'ESTABLISHED');
    // a floats to its NAT-T port; the remote port stays b's IKE port (only 500 is floated)
    assert.equal(ia?.localPort, ports.a[1]);
    assert.equal(ia?.remotePort, ports.b[0]);
    assert.equal(ia?.childSas[0]?.spiIn, ib?.childSas[0]?.spiOut);
    assert.equal(ia?.childSas[0]?.spiOut, ib?.childSas[0]?.spiIn);
  });
});

describe('parseListSas', () => {
  it('parses raw swanctl output including values with blanks and lists', () => {
    const raw =
      'list-sa event {c1 {uniqueid=3 version=1 state=ESTABLISHED local-host=10.0.0.1 local-port=500 ' +
      'local-id=C=CH, O=ikets, CN=a remote-host=10.0.0.2 remote-port=500 remote-id=b initiator=yes ' +
      'initiator-spi=0011223344556677 responder-spi=8899aabbccddeeff encr-alg=AES_CBC encr-keysize=128 ' +
      'child-sas {c1-7 {name=c1 uniqueid=7 reqid=1 state=INSTALLED mode=TUNNEL protocol=ESP encap=yes ' +
      'spi-in=C180F5FB spi-out=a07f227a local-ts=[10.0.0.1/32 fd00::1/128] remote-ts=[10.0.0.2/32]}}}}\n' +
      'list-sas reply {}\n';
    const { ikeSas } = parseListSas(raw);
    assert.equal(ikeSas.length, 1);
    const ike = ikeSas[0];
    assert.ok(ike);
    assert.equal(ike.localId, 'C=CH, O=ikets, CN=a');
    assert.equal(ike.remoteId, 'b');
    assert.equal(ike.uniqueId, 3);
    assert.equal(ike.childSas[0]?.key, 'c1-7');
    assert.equal(ike.childSas[0]?.spiIn, 'c180f5fb');
    assert.deepEqual(ike.childSas[0]?.localTs, ['10.0.0.1/32', 'fd00::1/128']);
    assert.equal(ike.childSas[0]?.encap, true);
  });
});
