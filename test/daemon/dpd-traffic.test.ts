/**
 * The daemon answers the engine's `dpd-traffic-check` with the data plane's last inbound use of each
 * child (src/daemon/dpd-traffic.ts), and asks the engine for such checks only with a data plane.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Daemon } from '../../src/daemon/daemon.js';
import { answerTrafficCheck, DPD_TRAFFIC_CHECK_MS } from '../../src/daemon/dpd-traffic.js';
import { Logger } from '../../src/daemon/logger.js';
import type { EngineSettings } from '../../src/ikev1/context.js';
import type { EndpointEvent } from '../../src/sa/types.js';
import { RecordingBackend } from '../support/recording-backend.js';
import { FakeEndpoint, fakeConfig } from './fake-endpoint.js';

const check = (children: number[]): Extract<EndpointEvent, { type: 'dpd-traffic-check' }> => ({
  type: 'dpd-traffic-check',
  sa: { connection: 'gw', ikeSaId: 1 },
  children,
});

const counters = (lastUsedAt: number | undefined) => ({
  bytes: 0n,
  packets: 0n,
  lastUsedAt,
  dropped: 0n,
});

describe('DPD and the data plane (daemon)', () => {
  it("tells the engine each child's last inbound use, not the outbound one, and skips unused or unknown ones", async () => {
    const told: [number, number, number][] = [];
    const link = {
      counters: async (id: number) =>
        id === 7
          ? { in: counters(1_500), out: counters(1_900) }
          : id === 8
            ? { in: counters(undefined), out: counters(1_800) }
            : undefined,
    };
    const endpoint = { childTraffic: (now: number, id: number, at: number) => told.push([now, id, at]) };
    assert.equal(await answerTrafficCheck(check([7, 8, 9]), link, endpoint, () => 2_000), true);
    assert.deepEqual(told, [[2_000, 7, 1_500]]);
    assert.equal(await answerTrafficCheck(check([8, 9]), link, endpoint, () => 2_000), false);
    assert.equal(told.length, 1);
  });

  it('with a data plane the engine is asked to check, and the check reaches the backend and back', async () => {
    const settings: (Partial<EngineSettings> | undefined)[] = [];
    const start = async (backend: RecordingBackend | undefined) => {
      let fake: FakeEndpoint | undefined;
      const daemon = await Daemon.start({
        config: fakeConfig(),
        createEndpoint: (config, now, nattPort, s) => {
          settings.push(s);
          fake = new FakeEndpoint(config, now, nattPort);
          return fake;
        },
        addresses: ['127.0.0.1'],
        port: 0,
        nattPort: 0,
        logger: new Logger('debug', false, () => {}),
        ...(backend === undefined ? {} : { createDataplane: async () => backend }),
      });
      return { daemon, fake: fake as FakeEndpoint };
    };
    const without = await start(undefined);
    await without.daemon.stop();
    assert.equal(settings[0]?.dpdTrafficCheck, undefined);

    const { daemon, fake } = await start(new RecordingBackend());
    try {
      assert.equal(settings[1]?.dpdTrafficCheck, DPD_TRAFFIC_CHECK_MS);
      assert.equal(daemon.initiate('gw', 'net'), undefined);
      await daemon.dataplane?.settled();
      const child = fake.childSas()[0] ?? assert.fail('no child');
      fake.emit(check([child.id]));
      daemon.drive();
      for (let i = 0; i < 50 && fake.traffic.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      // RecordingBackend reports its SAs last used at 5 ms.
      assert.deepEqual(
        fake.traffic.map((t) => [t.childSaId, t.lastInboundAt]),
        [[child.id, 5]],
      );
    } finally {
      await daemon.stop();
    }
  });
});
