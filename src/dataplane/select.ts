/**
 * `ikets start --dataplane auto|kernel|userspace|none`: which backend protects the traffic.
 * `auto` takes the kernel (XFRM) when it can run ESP, else the userspace backend (ESP-in-UDP over a
 * TUN device, like strongSwan's kernel-libipsec), and says why in the log; `none` negotiates SAs
 * without installing them (tests of the control plane).
 */
import type { DataplaneBackend, EspInUdpPort } from './backend.js';
import { DataplaneError } from './backend.js';
import { XfrmBackend } from './kernel/xfrm-backend.js';
import { UserspaceBackend } from './userspace/backend.js';
import { LinuxRouting } from './userspace/routing-linux.js';
import { TunDevice } from './userspace/tun-device.js';

export const DATAPLANE_CHOICES = ['auto', 'kernel', 'userspace', 'none'] as const;
export type DataplaneChoice = (typeof DATAPLANE_CHOICES)[number];

export function isDataplaneChoice(text: string): text is DataplaneChoice {
  return (DATAPLANE_CHOICES as readonly string[]).includes(text);
}

export interface DataplaneStart {
  readonly choice: DataplaneChoice;
  readonly clock: () => number;
  /** One line for the log: which backend runs, and why. */
  readonly log: (message: string) => void;
}

/** The backend factory the daemon calls once its sockets are bound; undefined for `none`. */
export function dataplaneFactory(
  options: DataplaneStart,
): ((port: EspInUdpPort) => Promise<DataplaneBackend>) | undefined {
  switch (options.choice) {
    case 'none':
      options.log('data plane: none (--dataplane none): SAs are negotiated but protect no traffic');
      return undefined;
    case 'kernel':
      return async () => {
        const backend = await XfrmBackend.open({ now: options.clock });
        options.log('data plane: kernel (--dataplane kernel): Linux XFRM');
        return backend;
      };
    case 'userspace':
      return async (port) => {
        const backend = await openUserspace(port, options.clock);
        options.log(`data plane: userspace (--dataplane userspace): ESP in UDP over ${deviceName(backend)}`);
        return backend;
      };
    case 'auto':
      return async (port) => {
        try {
          const backend = await XfrmBackend.open({ now: options.clock });
          options.log('data plane: kernel (auto: the kernel runs ESP)');
          return backend;
        } catch (error) {
          if (!(error instanceof DataplaneError) || error.code !== 'ERR_DATAPLANE_UNSUPPORTED') throw error;
          const backend = await openUserspace(port, options.clock);
          options.log(`data plane: userspace over ${deviceName(backend)} (auto: ${error.message})`);
          return backend;
        }
      };
  }
}

const devices = new WeakMap<DataplaneBackend, string>();

function deviceName(backend: DataplaneBackend): string {
  return devices.get(backend) ?? 'a TUN device';
}

async function openUserspace(port: EspInUdpPort, clock: () => number): Promise<DataplaneBackend> {
  const device = TunDevice.open();
  let routing: LinuxRouting;
  try {
    routing = await LinuxRouting.open({ device: device.name });
  } catch (error) {
    await device.close();
    throw error;
  }
  const backend = new UserspaceBackend({ device, routing, port, clock, ownsHost: true });
  devices.set(backend, device.name);
  return backend;
}
