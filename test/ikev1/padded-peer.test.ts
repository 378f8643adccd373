/**
 * A peer that pads its unencrypted phase 1 messages with zero bytes to a multiple of 4, inside the
 * header's Length (a leniency, docs/ikev1-engine.md "Leniencies"): Aggressive Mode completes in both
 * roles (its first two messages carry the IDs in the clear, so their lengths need padding; Main Mode's
 * unencrypted messages are aligned already); a non-zero trailing byte is still refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import type { Transmit } from '../../src/sa/types.js';
import { seededRandom } from '../support/seeded-random.js';
import { type SimulatedHost, SimulatedNetwork } from '../support/simulated-network.js';
import { AGGRESSIVE_OPT_IN, assertCrosswise, type PeerOptions, peerConfig } from './peers.js';

/** Pads every unencrypted ISAKMP message `host` sends to a multiple of 4 with `fill` bytes. */
function padding(host: SimulatedHost, fill: number, padded: Transmit[]): SimulatedHost {
  return {
    handleDatagram: (now, dg) => host.handleDatagram(now, dg),
    handleTimeout: (now) => host.handleTimeout(now),
    pollTimeout: () => host.pollTimeout(),
    pollEvent: () => host.pollEvent(),
    pollTransmit() {
      const t = host.pollTransmit();
      if (t === undefined || t.data.length < 28) return t;
      const data = Buffer.from(t.data);
      const offset = data.readUInt32BE(0) === 0 ? 4 : 0;
      const encrypted = (data[offset + 19] ?? 0) & 1;
      const extra = (4 - ((data.length - offset) % 4)) % 4;
      if (encrypted || extra === 0) return t;
      const out = Buffer.concat([data, Buffer.alloc(extra, fill)]);
      out.writeUInt32BE(out.length - offset, offset + 24);
      padded.push({ ...t, data: out });
      return { ...t, data: out };
    },
  };
}

/** a pads; b is plain ikets. IDs of 9 characters, so the ID payloads leave messages unaligned. */
function paddedPair(o: PeerOptions, fill = 0) {
  const ids = (text: string) =>
    text.replaceAll('a.ikets.test', 'a.example').replaceAll('b.ikets.test', 'b.example');
  const net = new SimulatedNetwork(undefined, 'padded');
  const a = new EndpointCore(
    {
      config: parseSwanctlConfig(ids(peerConfig('a', o))),
      random: seededRandom('a'),
      settings: AGGRESSIVE_OPT_IN,
    },
    0,
  );
  const b = new EndpointCore(
    {
      config: parseSwanctlConfig(ids(peerConfig('b', o))),
      random: seededRandom('b'),
      settings: AGGRESSIVE_OPT_IN,
    },
    0,
  );
  const padded: Transmit[] = [];
  net.attach('a', padding(a, fill, padded), [
    { address: '192.0.2.1', port: 500 },
    { address: '192.0.2.1', port: 4500 },
  ]);
  net.attach('b', b, [
    { address: '192.0.2.2', port: 500 },
    { address: '192.0.2.2', port: 4500 },
  ]);
  return { net, a, b, padded };
}

describe('IKEv1 engine: a peer that pads unencrypted messages', () => {
  for (const who of ['a', 'b'] as const) {
    it(`Aggressive Mode with zero padding completes: the padding peer ${who === 'a' ? 'initiates' : 'responds'}`, () => {
      const { net, a, b, padded } = paddedPair({ aggressive: true });
      (who === 'a' ? a : b).initiate(0, 'gw', 'net');
      net.run(10_000);
      assert.ok(padded.length >= 1, 'the peer padded at least one message');
      assert.equal(b.ikeSaList()[0]?.state, 'established', net.logsOf('b').join('\n'));
      assertCrosswise(a.childSaList(), b.childSaList());
    });
  }

  it('Aggressive Mode with a non-zero trailing byte is refused (UNEQUAL-PAYLOAD-LENGTHS)', () => {
    const { net, a, b, padded } = paddedPair({ aggressive: true }, 0x01);
    a.initiate(0, 'gw', 'net');
    net.run(2_000);
    assert.ok(padded.length >= 1);
    assert.equal(b.ikeSaList().length, 0);
    assert.match(net.logsOf('b').join('\n'), /bytes after the last payload, not all zero/);
  });
});
