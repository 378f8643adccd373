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
import { formatWiresharkTables, SaListingWriter, type TrafficLine } from '../sad/index.js';
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
  onItem?: (line: Record<string, unknown>) => void,
): Promise<Record<string, unknown>> {
  const controlPath = path ?? defaultControlPath();
  let response: ControlResponse;
  try {
    response = await sendControlRequest(
      controlPath,
      req,
      stream ? (log) => io.stdout(`${logText(log)}\n`) : undefined,
      onItem,
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

/**
 * `ikets list-sas [NAME] [--json] [--show-keys] [--wireshark]`. The daemon streams one line per SA
 * (list-sas.ts); the listing and `--json` are printed as they arrive, so 100,000 SAs neither wait
 * for one huge message nor hold the daemon's event loop.
 */
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
  if (positionals.length > 1 || (values.json && values.wireshark)) throw new UsageError(LIST_SAS_USAGE);
  const showKeys = values['show-keys'] === true || values.wireshark === true;
  const printer = values.json
    ? new JsonListing(io)
    : values.wireshark
      ? new WiresharkListing(io)
      : new TextListing(io, showKeys);
  const result = await request(
    io,
    values.control,
    { command: 'list-sas', showKeys, name: positionals[0], stream: true },
    false,
    (line) => printer.item(line),
  );
  printer.end(result);
  return 0;
}

interface ListingPrinter {
  item(line: Record<string, unknown>): void;
  end(result: Record<string, unknown>): void;
}

class TextListing implements ListingPrinter {
  #writer: SaListingWriter | undefined;
  #any = false;

  constructor(
    private readonly io: CliIo,
    private readonly showKeys: boolean,
  ) {}

  item(line: Record<string, unknown>): void {
    const listing = line.listing as { now: number } | undefined;
    if (listing !== undefined)
      this.#writer = new SaListingWriter({ now: listing.now, showKeys: this.showKeys });
    const writer = this.#writer;
    if (writer === undefined) return;
    if (line.ikeSa !== undefined) this.io.stdout(writer.ike(line.ikeSa as IkeSaInfo));
    else if (line.childSa !== undefined)
      this.io.stdout(writer.child(line.childSa as ChildSaInfo, line.traffic as TrafficLine | undefined));
    else return;
    this.#any = true;
  }

  end(result: Record<string, unknown>): void {
    if (!this.#any) this.io.stdout('no security associations\n');
    const dataplaneDrops = result.dataplaneDrops as Record<string, number> | undefined;
    const unattributed = Object.entries(dataplaneDrops ?? {}).filter(([, n]) => n > 0);
    if (unattributed.length > 0)
      this.io.stdout(`dropped without an SA: ${unattributed.map(([why, n]) => `${n} ${why}`).join(', ')}\n`);
  }
}

/**
 * `--json`: the document `{"now","ikeSas":[…],"childSas":[…],"traffic":{…},"dataplaneDrops"}` as
 * before streaming, written as it arrives: the IKE SAs at once, the IPsec SAs (which the daemon
 * sends after their IKE SA) held until the IKE SAs are all written.
 */
class JsonListing implements ListingPrinter {
  #started = false;
  #ike = 0;
  readonly #children: ChildSaInfo[] = [];
  readonly #traffic: Record<string, TrafficLine> = {};

  constructor(private readonly io: CliIo) {}

  item(line: Record<string, unknown>): void {
    const listing = line.listing as { now: number } | undefined;
    if (listing !== undefined) {
      this.#started = true;
      this.io.stdout(`{\n  "now": ${JSON.stringify(listing.now)},\n  "ikeSas": [`);
    }
    if (line.ikeSa !== undefined) this.io.stdout(`${this.#ike++ === 0 ? '\n' : ',\n'}${indent(line.ikeSa)}`);
    if (line.childSa !== undefined) {
      const child = line.childSa as ChildSaInfo;
      this.#children.push(child);
      if (line.traffic !== undefined) this.#traffic[child.id] = line.traffic as TrafficLine;
    }
  }

  end(result: Record<string, unknown>): void {
    if (!this.#started) this.io.stdout(`{\n  "now": ${JSON.stringify(result.now)},\n  "ikeSas": [`);
    this.io.stdout(`${this.#ike > 0 ? '\n  ' : ''}],\n  "childSas": [`);
    this.#children.forEach((c, i) => {
      this.io.stdout(`${i === 0 ? '\n' : ',\n'}${indent(c)}`);
    });
    const drops =
      result.dataplaneDrops === undefined
        ? ''
        : `,\n  "dataplaneDrops": ${JSON.stringify(result.dataplaneDrops)}`;
    this.io.stdout(
      `${this.#children.length > 0 ? '\n  ' : ''}],\n  "traffic": ${JSON.stringify(this.#traffic)}${drops}\n}\n`,
    );
  }
}

/** `--wireshark`: the decryption tables need every SA; printed at the end. */
class WiresharkListing implements ListingPrinter {
  readonly #ike: IkeSaInfo[] = [];
  readonly #child: ChildSaInfo[] = [];

  constructor(private readonly io: CliIo) {}

  item(line: Record<string, unknown>): void {
    if (line.ikeSa !== undefined) this.#ike.push(line.ikeSa as IkeSaInfo);
    if (line.childSa !== undefined) this.#child.push(line.childSa as ChildSaInfo);
  }

  end(): void {
    this.io.stdout(formatWiresharkTables(this.#ike, this.#child));
  }
}

/** A value as an element of a top-level array in two-space indented JSON. */
function indent(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
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

/**
 * `ikets list-certs [--json]`: the loaded raw public keys, certificates and CRLs, as
 * `swanctl --list-certs` shows them.
 */
export async function listCertsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CONTROL, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(LIST_CERTS_USAGE);
  const result = await request(io, values.control, { command: 'list-certs' });
  const listing = {
    publicKeys: result.publicKeys ?? [],
    certificates: result.certificates,
    crls: result.crls,
  } as CredentialListing;
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
