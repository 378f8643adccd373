/**
 * Main Mode messages 1 answered from the cache (main-mode1-cache.ts) without decoding: the answer
 * is byte for byte the full path's, the handshake it starts completes, each connection's verdict is
 * its own, the cache is bounded and forgotten at a reload; and which datagrams the daemon may serve
 * first (`expects`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import { EndpointCore } from '../../src/ikev1/endpoint.js';
import { MAX_CACHED_MESSAGES } from '../../src/ikev1/phase1/main-mode1-cache.js';
import type { Address, Transmit } from '../../src/sa/types.js';
import { seededRandom } from '../support/seeded-random.js';

const conf = (local: string, remote: string, connections = 'proposals = aes128-sha256-modp2048') =>
  parseSwanctlConfig(`connections { gw { version = 1
    local_addrs = ${local}
    remote_addrs = ${remote}
    ${connections}
    local { auth = psk }
    remote { auth = psk }
    children { net { esp_proposals = aes128-sha256 } } } }
  secrets { ike { secret = cache-secret-0123456789 } }`);

const GATEWAY: Address = { address: '10.0.0.1', port: 500 };
const PEER: Address = { address: '10.1.0.1', port: 500 };

function responder(seed = 'gw', config = conf('10.0.0.1', '%any')) {
  return new EndpointCore({ config, random: seededRandom(seed) }, 0);
}

/** A real initiator's message 1. */
function message1(seed = 'initiator'): Uint8Array {
  const initiator = new EndpointCore({ config: conf('10.1.0.1', '10.0.0.1'), random: seededRandom(seed) }, 0);
  initiator.initiate(0, 'gw', 'net');
  const first = initiator.pollTransmit();
  assert.ok(first !== undefined);
  return first.data;
}

function withCookie(data: Uint8Array, cookie: number): Buffer {
  const copy = Buffer.from(data);
  copy.writeUInt32BE(cookie, 4);
  return copy;
}

function answer(ep: EndpointCore, data: Uint8Array, remote: Address = PEER): Transmit | undefined {
  ep.handleDatagram(0, { local: GATEWAY, remote, data });
  while (ep.pollEvent() !== undefined);
  const t = ep.pollTransmit();
  assert.equal(ep.pollTransmit(), undefined);
  return t;
}

describe('Main Mode message 1 from the cache', () => {
  it('answers a repeated message 1 byte for byte as the full path does, and files the offer', () => {
    const template = message1();
    const cached = responder();
    answer(cached, withCookie(template, 1), { address: '100.64.0.1', port: 500 });
    assert.equal(cached.mainMode1Cache.size, 1);
    const fromCache = answer(cached, withCookie(template, 2));
    // A responder with the same secret that never saw the message answers it the full way.
    const full = responder();
    const fromFullPath = answer(full, withCookie(template, 2));
    assert.ok(fromCache !== undefined && fromFullPath !== undefined);
    assert.deepEqual(Buffer.from(fromCache.data), Buffer.from(fromFullPath.data));
    assert.equal(fromCache.stateless, true);
    assert.equal(cached.mainModeOffers.size, 2);
    assert.equal(full.mainMode1Cache.size, 1, 'the full path fills the cache');
  });

  it('a handshake whose message 1 came from the cache completes', () => {
    const template = message1('legit');
    const gw = responder();
    answer(gw, withCookie(template, 7), { address: '100.64.0.9', port: 500 });
    const legit = new EndpointCore(
      { config: conf('10.1.0.1', '10.0.0.1'), random: seededRandom('legit') },
      0,
    );
    legit.initiate(0, 'gw', 'net');
    let answeredFromCache = false;
    for (let moved = true, round = 0; moved && round < 20; round++) {
      moved = false;
      for (let t = legit.pollTransmit(); t !== undefined; t = legit.pollTransmit()) {
        if (!answeredFromCache) {
          // The cache holds this message's bytes after the cookies: it answers without decoding.
          assert.ok(gw.mainMode1Cache.verdicts(Buffer.from(t.data).toString('latin1', 16)) !== undefined);
          answeredFromCache = true;
        }
        gw.handleDatagram(0, { local: GATEWAY, remote: PEER, data: t.data });
        moved = true;
      }
      for (let t = gw.pollTransmit(); t !== undefined; t = gw.pollTransmit()) {
        legit.handleDatagram(0, { local: PEER, remote: GATEWAY, data: t.data });
        moved = true;
      }
      while (legit.pollEvent() !== undefined);
      while (gw.pollEvent() !== undefined);
    }
    assert.ok(answeredFromCache);
    assert.equal(gw.ikeSas.all()[0]?.state, 'established');
    assert.equal(legit.childSaList().length, 1);
    assert.equal(gw.childSaList().length, 1);
  });

  it('keeps each connection its verdict: the one that accepts the offer answers it', () => {
    const two = parseSwanctlConfig(`connections {
      strict { version = 1
        local_addrs = 10.0.0.1
        remote_addrs = %any
        proposals = aes256-sha384-x25519
        local { auth = psk }
        remote { auth = psk } }
      open { version = 1
        local_addrs = 10.0.0.1
        remote_addrs = %any
        proposals = aes128-sha256-modp2048
        local { auth = psk }
        remote { auth = psk } } }
      secrets { ike { secret = cache-secret-0123456789 } }`);
    const gw = responder('gw', two);
    const template = message1();
    for (let i = 1; i <= 3; i++) assert.ok(answer(gw, withCookie(template, i)) !== undefined);
    const verdicts = gw.mainMode1Cache.verdicts(Buffer.from(template).toString('latin1', 16));
    assert.deepEqual(
      [...(verdicts?.entries() ?? [])].map(([c, v]) => [c.name, v === null ? 'refuses' : 'answers']),
      [
        ['strict', 'refuses'],
        ['open', 'answers'],
      ],
    );
    assert.equal(gw.mainModeOffers.size, 3);
  });

  it('a message with other bytes is not answered from the cache; the cache is bounded and reset by a reload', () => {
    const gw = responder();
    const template = message1();
    answer(gw, withCookie(template, 1));
    const other = withCookie(template, 2);
    other[other.length - 1] = (other[other.length - 1] ?? 0) ^ 1; // another Vendor ID
    answer(gw, other);
    assert.equal(gw.mainMode1Cache.size, 2);
    for (let i = 0; i < MAX_CACHED_MESSAGES + 50; i++) {
      const variant = withCookie(template, 100 + i);
      variant.writeUInt32BE(i, variant.length - 4);
      answer(gw, variant);
    }
    assert.equal(gw.mainMode1Cache.size, MAX_CACHED_MESSAGES);
    gw.reload(conf('10.0.0.1', '%any'));
    assert.equal(gw.mainMode1Cache.size, 0);
    assert.ok(answer(gw, withCookie(template, 3)) !== undefined, 'answered the full way again');
  });

  it('expects the datagrams of offers and SAs it knows, and no first message or made-up cookie', () => {
    const gw = responder();
    const first = withCookie(message1(), 1);
    assert.equal(gw.expects({ local: GATEWAY, remote: PEER, data: first }), false);
    const reply = answer(gw, first);
    assert.ok(reply !== undefined);
    // Message 3 carries both cookies of message 2 (here: its header, enough to judge by).
    const third = Buffer.from(reply.data);
    assert.equal(gw.expects({ local: GATEWAY, remote: PEER, data: third }), true);
    const madeUp = Buffer.from(third);
    madeUp[15] = (madeUp[15] ?? 0) ^ 1;
    assert.equal(gw.expects({ local: GATEWAY, remote: PEER, data: madeUp }), false);
    assert.equal(gw.expects({ local: GATEWAY, remote: PEER, data: third.subarray(0, 20) }), false);
    // With the non-ESP marker on the NAT-T port, the same.
    const natt = { address: '10.0.0.1', port: 4500 };
    const framed = Buffer.concat([Buffer.alloc(4), third]);
    assert.equal(gw.expects({ local: natt, remote: PEER, data: framed }), true);
  });
});
