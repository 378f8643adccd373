// Packet capture with tshark (dumpcap underneath), optionally inside a network namespace.
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackGroup, untrackGroup } from './cleanup.js';
import { HarnessError } from './errors.js';
import { inNamespace } from './netns.js';
import { stopPid, waitUntil } from './proc.js';

export interface CaptureOptions {
  /** Interface to capture on (e.g. the veth of a namespace pair, or `lo`). */
  readonly iface: string;
  readonly netns?: string;
  /** Output file; tshark writes pcapng. */
  readonly path: string;
  /** Capture filter (BPF). Default: IKE and NAT-T ports. */
  readonly filter?: string;
  /** Bytes per packet (snaplen); default no limit. */
  readonly snaplen?: number;
  readonly startTimeoutMs?: number;
  /**
   * Wait this long before stopping tshark (default 300 ms): packets still in the kernel's
   * capture buffer when dumpcap gets SIGINT are lost (an exchange stopped right after
   * `initiate` was seen captured as 0 frames).
   */
  readonly settleMs?: number;
}

export interface Capture {
  readonly path: string;
  /** Stops tshark (SIGINT, waits for it to flush and exit) and returns the pcapng path. */
  stop(): Promise<string>;
}

/** Starts tshark and resolves once it reports "Capture started" (takes ~1-2 s). */
export async function startCapture(o: CaptureOptions): Promise<Capture> {
  const args = ['-q', '-n', '-i', o.iface, '-f', o.filter ?? 'udp port 500 or udp port 4500', '-w', o.path];
  if (o.snaplen !== undefined) args.push('-s', String(o.snaplen));
  const [file, argv] = inNamespace(o.netns, 'tshark', args);
  // own process group: tshark runs dumpcap as a child, and a SIGKILL must reach both
  const child: ChildProcess = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const pid = child.pid ?? -1;
  if (pid > 0) trackGroup(pid);
  let stderr = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
    child.on('error', () => {
      exited = true;
      resolve();
    });
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const stop = async (): Promise<string> => {
    if (!exited && pid > 0) {
      await sleep(o.settleMs ?? 300);
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // gone already
      }
      const done = await Promise.race([exit.then(() => true), waitUntil(() => exited, 5000)]);
      if (!done) await stopPid(pid, 1000);
    }
    if (pid > 0) {
      try {
        process.kill(-pid, 'SIGKILL'); // a dumpcap left behind
      } catch {
        // the group is gone: the normal case
      }
      untrackGroup(pid);
    }
    return o.path;
  };
  const started = await waitUntil(
    () => exited || stderr.includes('Capture started'),
    o.startTimeoutMs ?? 15_000,
  );
  if (!started || exited) {
    await stop();
    throw new HarnessError(
      'CAPTURE_NOT_STARTED',
      `tshark did not start capturing on ${o.iface}: ${stderr.trim()}`,
    );
  }
  return { path: o.path, stop };
}
