/** The records of Main Mode offers answered without state (main-mode-offers.ts): bounds, order, expiry. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSwanctlConfig } from '../../src/config/swanctl.js';
import {
  type MainModeOffer,
  MainModeOffers,
  OFFER_OVERHEAD,
} from '../../src/ikev1/phase1/main-mode-offers.js';
import { phase1Suites } from '../../src/ikev1/phase1/phase1-proposal.js';

const connection = parseSwanctlConfig(`connections { gw { version = 1
  proposals = aes128-sha256-x25519
  local { auth = psk }
  remote { auth = psk } } }`).connections[0]!;
const suite = phase1Suites(connection.proposals, 0)[0]!;

const offer = (at: number, sai = 52): MainModeOffer => ({
  connection,
  suite,
  saiBody: new Uint8Array(sai),
  natVariant: undefined,
  peerDpd: false,
  peerFragmentation: false,
  local: { address: '10.0.0.1', port: 500 },
  remote: { address: '100.64.0.1', port: 500 },
  at,
});

const key = (i: number) => i.toString(16).padStart(32, '0');

describe('Main Mode offer records', () => {
  it('hold at most maxOffers, evicting the oldest first', () => {
    const offers = new MainModeOffers(() => ({ maxOffers: 1000, maxOfferBytes: 1 << 30, lifetime: 30_000 }));
    for (let i = 0; i < 100_000; i++) offers.put(key(i), offer(i / 20));
    assert.equal(offers.size, 1000);
    assert.equal(offers.evicted, 100_000 - 1000);
    assert.equal(offers.get(key(100_000 - 1000 - 1), 5000), undefined, 'the oldest went');
    assert.ok(offers.get(key(100_000 - 1000), 5000) !== undefined, 'the newest stay');
    assert.equal(offers.bytes, 1000 * (52 + OFFER_OVERHEAD));
  });

  it('hold at most maxOfferBytes, counting SAi_b and the overhead', () => {
    const limit = 100 * (1000 + OFFER_OVERHEAD);
    const offers = new MainModeOffers(() => ({ maxOffers: 1 << 20, maxOfferBytes: limit, lifetime: 30_000 }));
    for (let i = 0; i < 10_000; i++) offers.put(key(i), offer(0, 1000));
    assert.equal(offers.size, 100);
    assert.ok(offers.bytes <= limit);
    // A record larger than the whole budget is not kept.
    offers.put(key(-1), offer(0, limit));
    assert.equal(offers.get(key(-1), 0), undefined);
  });

  it('taken records (message 3 came) and repeats leave no record behind, and the bound still holds', () => {
    const offers = new MainModeOffers(() => ({ maxOffers: 100, maxOfferBytes: 1 << 30, lifetime: 30_000 }));
    for (let i = 0; i < 10_000; i++) {
      offers.put(key(i), offer(0));
      if (i % 2 === 0) offers.delete(key(i));
      else offers.put(key(i), offer(1)); // a repeated message 1: the newest again
    }
    // The emptied slots count against the bound until the queue reaches them: 4 slots, 1 record.
    assert.ok(offers.size <= 100 && offers.size >= 20, `${offers.size}`);
    assert.equal(offers.bytes, offers.size * (52 + OFFER_OVERHEAD));
    assert.equal(offers.get(key(9998), 1), undefined);
    assert.ok(offers.get(key(9999), 1) !== undefined);
  });

  it('forget a record after the lifetime', () => {
    const offers = new MainModeOffers(() => ({ maxOffers: 100, maxOfferBytes: 1 << 30, lifetime: 30_000 }));
    offers.put(key(1), offer(0));
    offers.put(key(2), offer(10_000));
    assert.ok(offers.get(key(1), 29_999) !== undefined);
    assert.equal(offers.get(key(1), 30_000), undefined);
    offers.expire(40_000);
    assert.equal(offers.size, 0);
    assert.equal(offers.bytes, 0);
  });
});
