import { ExchangeType, encodeMessage } from '../src/codec/index.js';
import { parseSwanctlConfig } from '../src/config/swanctl.js';
import { EndpointCore } from '../src/ikev1/endpoint.js';
import type { BenchCase, BenchSuite } from './harness.js';

// The cost of a forged datagram that reaches an established ISAKMP SA (its cookies are right, its
// ciphertext is not): the engine decrypts, fails, drops it and re-arms the SA's timer. The time box
// runs it hundreds of thousands of times, so a cost that grew with the number of datagrams (the
// timer queue of issue 10 item A) would show as a low rate here.

function config(self: 'a' | 'b'): string {
  const other = self === 'a' ? 'b' : 'a';
  return `connections { bench {
    version = 1
    local_addrs = 127.0.0.${self === 'a' ? 1 : 2}
    remote_addrs = 127.0.0.${self === 'a' ? 2 : 1}
    proposals = aes128-sha256-x25519
    dpd_delay = 10s
    local { auth = psk
      id = ${self}.bench }
    remote { auth = psk
      id = ${other}.bench }
    children { net { esp_proposals = aes128-sha256 } }
  } }
  secrets { ike { secret = bench-secret-0123456789 } }`;
}

function establishedPair() {
  const a = new EndpointCore({ config: parseSwanctlConfig(config('a')) }, 0);
  const b = new EndpointCore({ config: parseSwanctlConfig(config('b')) }, 0);
  a.initiate(0, 'bench', 'net');
  for (let moved = true; moved; ) {
    moved = false;
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      for (let t = from.pollTransmit(); t !== undefined; t = from.pollTransmit()) {
        to.handleDatagram(0, { local: t.remote, remote: t.local, data: t.data });
        moved = true;
      }
      while (from.pollEvent() !== undefined);
    }
  }
  const sa = a.ikeSas.all()[0];
  if (sa?.state !== 'established') throw new Error('handshake did not complete');
  return { a, sa };
}

function forgedDatagrams(): () => void {
  const { a, sa } = establishedPair();
  const header = {
    initiatorCookie: sa.initiatorCookie,
    responderCookie: sa.responderCookie,
    majorVersion: 1,
    minorVersion: 0,
    exchangeType: ExchangeType.QUICK_MODE,
    commit: false,
    authenticationOnly: false,
    messageId: 0x01020304,
  };
  const data = encodeMessage({
    header,
    body: { encrypted: true, firstPayload: 8, ciphertext: Buffer.alloc(32, 0x5a) },
  });
  const from = { address: '203.0.113.66', port: 500 };
  let now = 0;
  return () => {
    now += 0.05;
    a.handleDatagram(now, { local: sa.local, remote: from, data });
    while (a.pollEvent() !== undefined);
    while (a.pollTransmit() !== undefined);
  };
}

/**
 * IKEv1 fragments (fragmentation/): a spoofed first-message fragment, each from a new initiator
 * cookie, so the first-message pool stays full and every one evicts the oldest; and fragments with
 * an established SA's cookies, a new message every 32 (the per-message bound). Both are held, never
 * answered; the rate must not fall as the run goes on.
 */
function fragments(toSa: boolean): () => void {
  const { a, sa } = establishedPair();
  const from = { address: '203.0.113.66', port: 500 };
  const data = Buffer.alloc(400, 0x5a);
  let now = 0;
  let n = 0;
  return () => {
    now += 0.05;
    n++;
    const cookie = Buffer.alloc(8);
    cookie.writeUInt32BE(n, 4);
    const datagram = encodeMessage({
      header: {
        initiatorCookie: toSa ? sa.initiatorCookie : cookie,
        responderCookie: toSa ? sa.responderCookie : Buffer.alloc(8),
        majorVersion: 1,
        minorVersion: 0,
        exchangeType: ExchangeType.IDENTITY_PROTECTION,
        commit: false,
        authenticationOnly: false,
        messageId: 0,
      },
      body: {
        encrypted: false,
        payloads: [
          {
            type: 'fragment',
            fragmentId: toSa ? 1 + (n >> 5) : 1,
            fragmentNumber: 1 + (n % 31),
            flags: 0,
            data,
          },
        ],
      },
    });
    a.handleDatagram(now, { local: sa.local, remote: from, data: datagram });
    while (a.pollEvent() !== undefined);
    while (a.pollTransmit() !== undefined);
  };
}

// The cost of a spoofed Main Mode message 1 (issue 10 item C): a real initiator's message 1 with a
// fresh initiator cookie from one of 65,536 addresses, answered with message 2 and an offer record.
// The rate is what one core can answer at most, before the sockets' own cost.
function spoofedMainMode1(): () => void {
  const initiator = new EndpointCore({ config: parseSwanctlConfig(config('a')) }, 0);
  initiator.initiate(0, 'bench', 'net');
  const first = initiator.pollTransmit();
  if (first === undefined) throw new Error('no message 1');
  const responderConfig = parseSwanctlConfig(
    config('b').replace('remote_addrs = 127.0.0.1', 'remote_addrs = %any'),
  );
  const responder = new EndpointCore({ config: responderConfig }, 0);
  const local = { address: '127.0.0.2', port: 500 };
  let n = 0;
  let now = 0;
  return () => {
    const data = Buffer.from(first.data);
    data.writeUInt32BE(++n, 0);
    data.writeUInt32BE(0x5eed, 4);
    now += 0.05;
    const remote = { address: `100.64.${(n >> 8) & 255}.${n & 255}`, port: 500 };
    responder.handleDatagram(now, { local, remote, data });
    while (responder.pollEvent() !== undefined);
    if (responder.pollTransmit() === undefined) throw new Error('message 1 not answered');
  };
}

export const floodSuites: readonly BenchSuite[] = [
  {
    name: 'ikev1 under attack',
    cases: (): BenchCase[] => [
      { name: 'forged datagram to an established SA (dropped)', ikets: forgedDatagrams() },
      { name: 'spoofed fragment of a first message (held, pool full)', ikets: fragments(false) },
      { name: 'fragment with an established SA cookies (held)', ikets: fragments(true) },
      { name: 'spoofed Main Mode message 1 (answered statelessly)', ikets: spoofedMainMode1() },
    ],
  },
];
