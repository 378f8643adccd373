#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  downCommand,
  listCertsCommand,
  listConnsCommand,
  listPolsCommand,
  listSasCommand,
  reloadCommand,
  upCommand,
} from './control-commands.js';
import { decodeCommand } from './decode-command.js';
import { demoCommand } from './demo-command.js';
import { encodeCommand } from './encode-command.js';
import { type CliIo, processIo } from './io.js';
import { loadCommand } from './load-command.js';
import { startCommand } from './start-command.js';
import { CliError, UsageError } from './usage-error.js';
import { COMMAND_USAGES, wantsHelp } from './usages.js';

const USAGE = `usage: ikets <command> [options]

commands:
  demo [--quiet]           two ikets peers negotiate on 127.0.0.1 (NAT-T off, then on) and show their SAs
  decode [--json] FILE|-   print the ISAKMP messages in a pcap/pcapng capture or a raw message
  encode FILE|-            turn the JSON of 'ikets decode --json' back into message bytes
  start [options]          run the IKE daemon in the foreground (see docs/daemon.md)
  up NAME                  bring up a connection or child and wait for it, showing its log
  down NAME|ike:ID|child:ID
                           delete the SAs of a connection, a child, or one SA by its number
  list-sas [--json] [--show-keys] [--wireshark]
                           list the IKE and IPsec SAs (keys and Wireshark tables on request)
  list-conns [--json]      list the loaded connections
  list-pols [--json]       list the IPsec policies installed in the data plane (the SPD)
  list-certs [--json]      list the loaded X.509 certificates and CRLs
  reload                   make the daemon read its configuration and credentials again
                           (up, down, list-*, reload: --control PATH names the daemon's socket)
  load CONN --count N [--concurrency C] [--rate R] [--duration S] [--json]
                           many initiators of connection CONN against a gateway, then setups/s,
                           latency percentiles and failures (see docs/load.md)
  help                     this text
  version                  the version of ikets

'ikets COMMAND --help' prints a command's own usage.
`;

type Command = (args: string[], io: CliIo) => Promise<number>;

const commands: Record<string, Command> = {
  decode: decodeCommand,
  demo: demoCommand,
  encode: encodeCommand,
  start: (args, io) => startCommand(args, io),
  up: upCommand,
  down: downCommand,
  'list-sas': listSasCommand,
  'list-conns': listConnsCommand,
  'list-pols': listPolsCommand,
  'list-certs': listCertsCommand,
  reload: reloadCommand,
  load: (args, io) => loadCommand(args, io),
};

/** Runs one `ikets` command line and returns its exit status. Errors become one line on stderr. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      io.stdout(USAGE);
      return name === undefined ? 2 : 0;
    }
    if (name !== 'help' && wantsHelp(args) && COMMAND_USAGES[name] !== undefined) {
      io.stdout(`${COMMAND_USAGES[name]}\n`);
      return 0;
    }
    if (name === 'version' || name === '--version') {
      io.stdout(`ikets ${await packageVersion()}\n`);
      return 0;
    }
    const command = commands[name];
    if (command === undefined) throw new UsageError(`unknown command '${name}' (try 'ikets help')`);
    return await command(args, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`ikets: ${error.message}\n`);
      return error.exitStatus;
    }
    // util.parseArgs reports bad options with its own error codes.
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`ikets: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(new URL('../../../package.json', import.meta.url), 'utf8');
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null && 'version' in parsed ? String(parsed.version) : '?';
}

function isMainModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMainModule()) {
  // `ikets decode big.pcap | head` closes the pipe early: that ends the listing, it is no error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  runCli(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      // A bug in ikets, not in the input: say so in one line, with the details only on request.
      process.stderr.write(
        `ikets: internal error: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      if (process.env.IKETS_DEBUG) console.error(error);
      process.exitCode = 70;
    },
  );
}
