/**
 * `ikets up|down|list-sas|list-conns|list-pols|list-certs|reload`: clients of the daemon's control socket
 * (docs/daemon.md). Each exits 1 with one line when no daemon runs.
 */
import { parseArgs } from 'node:util';
import {
  type ConnectionSummary,
  type ControlLogLine,
  type ControlRequest,
  type ControlResponse,
  DaemonNotRunningError,
  defaultControlPath,
  formatConnections,
  formatLogLine,
  isLogLevel,
  sendControlRequest,
} from '../daemon/index.js';
import { type CredentialListing, formatCredentialListing } from '../pki/index.js';
import type { ChildSaInfo, IkeSaInfo } from '../sa/types.js';
import { formatSaListing, formatWiresharkTables, type TrafficLine } from '../sad/index.js';
import { formatPolicyListing, type PolicyRow } from '../spd/index.js';
import type { CliIo } from './io.js';
import { CliError, UsageError } from './usage-error.js';
import {
  DOWN_USAGE,
  LIST_CERTS_USAGE,
  LIST_CONNS_USAGE,
  LIST_POLS_USAGE,
  LIST_SAS_USAGE,
  RELOAD_USAGE,
  UP_USAGE,
} from './usages.js';

const CONTROL = { control: { type: 'string' } } as const;

async function request(
  io: CliIo,
  path: string | undefined,
  req: ControlRequest,
  stream = false,
): Promise<Record<string, unknown>> {
  const controlPath = path ?? defaultControlPath();
  let response: ControlResponse;
  try {
    response = await sendControlRequest(
      controlPath,
      req,
      stream ? (log) => io.stdout(`${logText(log)}\n`) : undefined,
    );
  } catch (error) {
    if (error instanceof DaemonNotRunningError) throw new CliError(error.code, error.message);
    const e = error as NodeJS.ErrnoException;
    throw new CliError(e.code ?? 'ERR_CONTROL', `${controlPath}: ${e.message}`);
  }
  if (!response.ok) throw new CliError('ERR_DAEMON', response.error);
  return response;
}

function logText(log: ControlLogLine['log']): string {
  const level = isLogLevel(log.level) ? log.level : 'info';
  return formatLogLine({ ...log, level, time: Date.parse(log.time) });
}

function oneName(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw new UsageError(usage);
  return positionals[0] as string;
}

/** `ikets up NAME [--timeout S]`: brings up a connection or a child and waits, showing its log. */
export async function upCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CONTROL, timeout: { type: 'string' } },
    allowPositionals: true,
  });
  const name = oneName(positionals, UP_USAGE);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout) * 1000;
  if (timeout !== undefined && !(timeout > 0))
    throw new UsageError('--timeout: expected a number of seconds');
  const result = await request(io, values.control, { command: 'up', name, timeout }, true);
  const ike = result.ikeSa as IkeSaInfo | undefined;
  const children = (result.childSas ?? []) as ChildSaInfo[];
  const parts = [ike ? `IKE SA #${ike.id} ${ike.initiatorCookie}_i ${ike.responderCookie}_r` : 'IKE SA'];
  for (const c of children) parts.push(`CHILD SA '${c.child}' #${c.id} (SPIs ${c.spiIn}_i ${c.spiOut}_o)`);
  io.stdout(`'${name}' ${result.alreadyUp === true ? 'was already up' : 'is up'}: ${parts.join(', ')}\n`);
  const notStarted = result.notStarted as string[] | undefined;
  if (notStarted !== undefined)
    io.stdout(
      notStarted.length === 0
        ? `no CHILD SA: '${name}' has no children\n`
        : `no CHILD SA: no child of '${name}' has start_action = start; 'ikets up ${notStarted[0]}' starts one (children: ${notStarted.join(', ')})\n`,
    );
  return 0;
}

/** `ikets down NAME|ike:ID|child:ID`: deletes the IKE SAs of a connection, the CHILD SAs of a child, or one SA. */
export async function downCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: CONTROL, allowPositionals: true });
  const name = oneName(positionals, DOWN_USAGE);
  await request(io, values.control, { command: 'down', name }, true);
  io.stdout(`'${name}' deleted\n`);
  return 0;
}

/** `ikets list-sas [--json] [--show-keys] [--wireshark]`. */
export async function listSasCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...CONTROL,
      json: { type: 'boolean' },
      'show-keys': { type: 'boolean' },
      wireshark: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0 || (values.json && values.wireshark)) throw new UsageError(LIST_SAS_USAGE);
  const showKeys = values['show-keys'] === true || values.wireshark === true;
  const result = await request(io, values.control, { command: 'list-sas', showKeys });
  const ikeSas = result.ikeSas as IkeSaInfo[];
  const childSas = result.childSas as ChildSaInfo[];
  const traffic = (result.traffic ?? {}) as Record<string, TrafficLine>;
  const dataplaneDrops = result.dataplaneDrops as Record<string, number> | undefined;
  if (values.json)
    io.stdout(`${JSON.stringify({ now: result.now, ikeSas, childSas, traffic, dataplaneDrops }, null, 2)}\n`);
  else if (values.wireshark) io.stdout(formatWiresharkTables(ikeSas, childSas));
  else {
    const text = formatSaListing(ikeSas, childSas, { now: Number(result.now), showKeys, traffic });
    io.stdout(text === '' ? 'no security associations\n' : text);
    const unattributed = Object.entries(dataplaneDrops ?? {}).filter(([, n]) => n > 0);
    if (unattributed.length > 0)
      io.stdout(`dropped without an SA: ${unattributed.map(([why, n]) => `${n} ${why}`).join(', ')}\n`);
  }
  return 0;
}

/** `ikets list-pols [--json]`: the policies the daemon installed in its data plane (the SPD). */
export async function listPolsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CONTROL, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(LIST_POLS_USAGE);
  const result = await request(io, values.control, { command: 'list-pols' });
  const policies = result.policies as PolicyRow[];
  if (values.json) io.stdout(`${JSON.stringify({ dataplane: result.dataplane, policies }, null, 2)}\n`);
  else if (result.dataplane === 'none') io.stdout('no data plane runs (ikets start --dataplane none)\n');
  else io.stdout(formatPolicyListing(policies));
  return 0;
}

/** `ikets list-conns [--json]`: the loaded connections. */
export async function listConnsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CONTROL, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(LIST_CONNS_USAGE);
  const result = await request(io, values.control, { command: 'list-conns' });
  const connections = result.connections as ConnectionSummary[];
  if (values.json) io.stdout(`${JSON.stringify(connections, null, 2)}\n`);
  else io.stdout(connections.length === 0 ? 'no connections\n' : formatConnections(connections));
  return 0;
}

/** `ikets list-certs [--json]`: the loaded certificates and CRLs, as `swanctl --list-certs` shows them. */
export async function listCertsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CONTROL, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(LIST_CERTS_USAGE);
  const result = await request(io, values.control, { command: 'list-certs' });
  const listing = { certificates: result.certificates, crls: result.crls } as CredentialListing;
  if (values.json) io.stdout(`${JSON.stringify(listing, null, 2)}\n`);
  else io.stdout(formatCredentialListing(listing, Number(result.now)));
  return 0;
}

/** `ikets reload`: the daemon reads its configuration file again; SAs that are up stay up. */
export async function reloadCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: CONTROL, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(RELOAD_USAGE);
  const result = await request(io, values.control, { command: 'reload' });
  io.stdout(`configuration reloaded: ${String(result.connections)} connection(s)\n`);
  return 0;
}
