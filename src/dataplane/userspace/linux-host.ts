/**
 * The host side of the userspace data plane on Linux in one call: a TUN device and the routing that
 * steers traffic into it (what the userspace backend takes as `device` and `routing`). Closing the
 * routing before the device removes the routes and rules first, then the device.
 */
import { LinuxRouting, type LinuxRoutingOptions } from './routing-linux.js';
import { TunDevice, type TunDeviceOptions } from './tun-device.js';

export interface LinuxHostOptions extends TunDeviceOptions, Omit<LinuxRoutingOptions, 'device'> {}

export interface LinuxHost {
  readonly device: TunDevice;
  readonly routing: LinuxRouting;
  /** Removes the routes and rules, then the device. */
  close(): Promise<void>;
}

/** Creates the device, then the rules; a failure leaves nothing behind (DataplaneError as thrown). */
export async function openLinuxHost(options: LinuxHostOptions = {}): Promise<LinuxHost> {
  const device = TunDevice.open(options);
  let routing: LinuxRouting;
  try {
    routing = await LinuxRouting.open({ ...options, device: device.name });
  } catch (error) {
    await device.close();
    throw error;
  }
  return {
    device,
    routing,
    close: async () => {
      try {
        await routing.close();
      } finally {
        await device.close();
      }
    },
  };
}
