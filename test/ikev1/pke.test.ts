/**
 * SKEME public-key encryption between two ikets endpoints on the simulated network (RFC 2409
 * sections 5.2 and 5.3): the matrix (pke, pke-revised) x (Main, Aggressive) x (Quick Mode with and
 * without PFS), on a clean and a lossy network, with the peer's key from a certificate or raw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../src/codec/index.js';
import { makeCert, testCredentials } from '../support/test-pki.js';
import { assertCrosswise } from './peers.js';
import { certs, pkePair } from './pke-peers.js';

const b2 = makeCert('b2.ikets.test', { keyType: 'rsa' });
const c = makeCert('c.ikets.test', { keyType: 'rsa' });

const LOSSY = { latency: 5, loss: 0.2, duplication: 0.05, reorder: 0.1, reorderDelay: 20 };

describe('SKEME public-key encryption (ikets <-> ikets)', () => {
  for (const method of ['pke', 'pke-revised'] as const) {
    for (const aggressive of [false, true]) {
      for (const pfs of [true, false]) {
        for (const lossy of [false, true]) {
          const name = `${method} in ${aggressive ? 'Aggressive' : 'Main'} Mode, Quick Mode ${pfs ? 'with' : 'without'} PFS${lossy ? ', lossy network' : ''}`;
          it(name, () => {
            const { net, a, b } = pkePair(
              method,
              { aggressive, espProposals: pfs ? 'aes128-sha256-modp2048' : 'aes128-sha256' },
              lossy ? LOSSY : undefined,
              `${name}`,
            );
            a.initiate(0, 'gw', 'net');
            net.run(lossy ? 120_000 : 10_000);
            const logs = `${net.logsOf('a').join('\n')}\n${net.logsOf('b').join('\n')}`;
            assert.equal(a.ikeSaList()[0]?.state, 'established', logs);
            assert.equal(b.ikeSaList()[0]?.state, 'established', logs);
            assert.equal(a.ikeSaList()[0]?.suite?.auth, method);
            assert.equal(b.ikeSaList()[0]?.suite?.auth, method);
            assert.equal(b.ikeSaList()[0]?.remoteId, 'a.ikets.test');
            assert.equal(a.ikeSaList()[0]?.remoteId, 'b.ikets.test');
            assertCrosswise(a.childSaList(), b.childSaList());
            assert.match(logs, new RegExp(`authentication of 'a.ikets.test' with ${method} successful`));
            assert.match(logs, new RegExp(`authentication of 'b.ikets.test' with ${method} successful`));
          });
        }
      }
    }
  }
});

/** The payload types of every unencrypted datagram, and `encrypted <size>` for the others. */
function shapes(net: ReturnType<typeof pkePair>['net']): string[] {
  const seen: string[] = [];
  net.tap = (from, t) => {
    const m = decodeMessage(t.data);
    seen.push(
      m.body.encrypted
        ? `${from}: encrypted`
        : `${from}: ${m.body.payloads.map((p) => (p.type === 'sealed' ? 'identification' : p.type)).join(' ')}`,
    );
  };
  return seen;
}

describe('SKEME public-key encryption: keys and messages', () => {
  for (const method of ['pke', 'pke-revised'] as const) {
    for (const aggressive of [false, true]) {
      const mode = aggressive ? 'Aggressive' : 'Main';
      it(`${method}, ${mode} Mode: the peer's key as a raw public key (pubkeys)`, () => {
        const { net, a, b } = pkePair(method, { aggressive, raw: true });
        a.initiate(0, 'gw', 'net');
        net.run(10_000);
        const logs = `${net.logsOf('a').join('\n')}\n${net.logsOf('b').join('\n')}`;
        assert.equal(b.ikeSaList()[0]?.state, 'established', logs);
        assertCrosswise(a.childSaList(), b.childSaList());
        assert.match(logs, new RegExp(`with ${method} successful \\(key a.pem\\)`));
        assert.match(logs, new RegExp(`with ${method} successful \\(key b.pem\\)`));
      });

      it(`${method}, ${mode} Mode: a responder with several keys decrypts with the one HASH(1) names`, () => {
        const second = `gw2 {
    version = 1
    aggressive = ${aggressive ? 'yes' : 'no'}
    local_addrs = 192.0.2.2
    remote_addrs = 192.0.2.1
    proposals = aes128-sha256-modp2048
    local { auth = ${method}
      certs = b2.crt
      id = b.ikets.test }
    remote { auth = ${method}
      id = a.ikets.test
      certs = a.crt }
    children { net2 { esp_proposals = aes128-sha256-modp2048 } }
  }`;
        const { net, a, b } = pkePair(method, {
          aggressive,
          moreConnections: { b: second },
          pubkey: {
            // a knows b by its second key only; b's first connection is for another peer.
            a: testCredentials({ local: { 'a.crt': { cert: certs.a } }, peers: { 'b.crt': b2 } }),
            b: testCredentials({
              local: { 'b.crt': { cert: certs.b }, 'b2.crt': { cert: b2 } },
              peers: { 'a.crt': certs.a, 'c.crt': c },
            }),
            remote: {
              a: 'id = b.ikets.test\n      certs = b.crt',
              b: 'id = c.ikets.test\n      certs = c.crt',
            },
          },
        });
        a.initiate(0, 'gw', 'net');
        net.run(10_000);
        const logs = net.logsOf('b').join('\n');
        assert.equal(b.ikeSaList()[0]?.state, 'established', logs);
        assert.equal(b.ikeSaList()[0]?.connection, 'gw2', logs);
        assert.match(logs, /peer 'a.ikets.test' authenticated: switching to connection 'gw2'/);
        assertCrosswise(a.childSaList(), b.childSaList());
      });

      it(`${method}, ${mode} Mode: the payloads of each message`, () => {
        const { net, a } = pkePair(method, { aggressive });
        const seen = shapes(net);
        a.initiate(0, 'gw', 'net');
        net.run(10_000);
        const offer =
          method === 'pke'
            ? 'hash key_exchange identification nonce'
            : 'hash nonce key_exchange identification';
        const answer =
          method === 'pke' ? 'key_exchange identification nonce' : 'nonce key_exchange identification';
        if (aggressive) {
          assert.match(seen[0] ?? '', new RegExp(`^a: sa ${offer} vendor_id`));
          assert.match(seen[1] ?? '', new RegExp(`^b: sa ${answer} hash vendor_id`));
          assert.equal(seen[2], 'a: encrypted');
        } else {
          assert.match(seen[2] ?? '', new RegExp(`^a: ${offer}( nat_d)*$`));
          assert.match(seen[3] ?? '', new RegExp(`^b: ${answer}( nat_d)*$`));
          assert.equal(seen[4], 'a: encrypted');
          assert.equal(seen[5], 'b: encrypted');
        }
      });
    }
  }

  it('pke-revised: an initiator with send_cert = always sends Cert-I, and the responder answers to its key', () => {
    const { net, a, b } = pkePair('pke-revised', {
      connExtra: 'send_cert = always\n    fragmentation = no',
      pubkey: {
        a: testCredentials({ local: { 'a.crt': { cert: certs.a } }, peers: { 'b.crt': certs.b } }),
        // b knows two keys for a: the one a sends as Cert-I is not the first.
        b: testCredentials({
          local: { 'b.crt': { cert: certs.b } },
          peers: { 'c.crt': c, 'a.crt': certs.a },
        }),
        remote: {
          a: 'id = b.ikets.test\n      certs = b.crt',
          b: 'id = a.ikets.test\n      certs = c.crt, a.crt',
        },
      },
    });
    const seen = shapes(net);
    a.initiate(0, 'gw', 'net');
    net.run(10_000);
    const logs = `${net.logsOf('a').join('\n')}\n${net.logsOf('b').join('\n')}`;
    assert.match(seen[2] ?? '', /^a: hash nonce key_exchange identification certificate/);
    assert.equal(b.ikeSaList()[0]?.state, 'established', logs);
    assertCrosswise(a.childSaList(), b.childSaList());
  });
});
