/**
 * Each command's usage: printed by `ikets COMMAND --help` (exit 0) and by a wrong command line (exit 2).
 */
export const DECODE_USAGE = `usage: ikets decode [--json] FILE|-
  Prints the ISAKMP messages of a pcap/pcapng capture, or the raw bytes of one message, as a tree
  (--json: one JSON object per line). Exits 1 on input that is neither.`;

export const ENCODE_USAGE = `usage: ikets encode [--hex | --pcap] FILE|-
  Turns the JSON of 'ikets decode --json' back into message bytes: raw bytes of one message,
  --hex one line per message, --pcap a capture file (several messages need --hex or --pcap).`;

export const DEMO_USAGE = `usage: ikets demo [--quiet]
  Two ikets peers negotiate on 127.0.0.1 (NAT-T off, then on) and show their SAs.`;

export const START_USAGE = `usage: ikets start [--config FILE] [--port N] [--natt-port N] [--address A ...]
                   [--dataplane auto|kernel|userspace|none] [--log-level error|warn|info|debug]
                   [--log-json] [--log-keys] [--aggressive-psk] [--fragment-size BYTES]
                   [--crypto-workers N] [--control PATH]
  Runs the IKE daemon in the foreground (docs/daemon.md). Without --config it reads ./swanctl.conf,
  else /etc/ikets/swanctl.conf. SIGHUP reloads the configuration; SIGTERM/SIGINT delete every SA.
  --log-keys      log the keys and pre-shared keys of each exchange (debugging only)
  --aggressive-psk  answer Aggressive Mode with pre-shared keys as responder (off by default: it
                  hands a hash of the PSK to anyone who knows a configured identity)
  --fragment-size BYTES  largest IP datagram of an IKE message before it goes in IKEv1 fragments
                  (strongSwan's charon.fragment_size; default 1280, 0: 576 for IPv4, 1280 for IPv6)
  --crypto-workers N  threads making DH key pairs ahead of time and MODP g^xy (default: cores - 1; 0: none)`;

export const UP_USAGE = `usage: ikets up NAME [--timeout SECONDS] [--control PATH]
  Brings up a connection (and its children with start_action = start) or one child by name, and
  waits for it, showing its log.`;

export const DOWN_USAGE = `usage: ikets down NAME|ike:ID|child:ID [--control PATH]
  Deletes (sending Deletes) the IKE SAs of connection NAME, the CHILD SAs of child NAME, or one SA
  by its number as 'ikets list-sas' shows it: ike:ID for an IKE SA, child:ID for a CHILD SA.`;

export const LIST_SAS_USAGE = `usage: ikets list-sas [NAME] [--json | --wireshark] [--show-keys] [--control PATH]
  Lists the IKE and IPsec SAs, of connection or child NAME only if given (keys and Wireshark's
  decryption tables on request). The listing is printed as the daemon streams it.`;

export const LIST_CONNS_USAGE = `usage: ikets list-conns [--json] [--control PATH]
  Lists the loaded connections.`;

export const LIST_POLS_USAGE = `usage: ikets list-pols [--json] [--control PATH]
  Lists the IPsec policies installed in the data plane (the SPD).`;

export const LIST_CERTS_USAGE = `usage: ikets list-certs [--json] [--control PATH]
  Lists the loaded raw public keys (pubkey/), X.509 certificates and CRLs (the swanctl folders beside
  the configuration) as 'swanctl --list-certs' does: subject, issuer, validity, serial, altNames,
  flags, key with its keyid and subjkey.`;

export const RELOAD_USAGE = `usage: ikets reload [--control PATH]
  Makes the daemon read its configuration and credentials again (as SIGHUP does); SAs that are up stay up, new
  children use the new settings. A configuration with an error is refused and the old one kept.`;

export const LOAD_USAGE = `usage: ikets load [--config FILE] CONN (--count N | --duration S) [--concurrency C]
                  [--rate R] [--child NAME] [--id PATTERN] [--source ADDR[,ADDR|A-B]...]
                  [--source-ports P|P-Q] [--delete] [--hold S] [--retransmit-timeout S]
                  [--retransmit-tries N] [--json] [--quiet] [--debug]
  Sets up connection CONN of the configuration N times against its remote_addrs, C at a time (default
  10), at most R a second, then prints setups/s, latency p50/p95/p99, retransmissions, failures by
  reason and this process's CPU per setup (--json: as JSON). Exits 1 when a setup failed.
  --id PATTERN    each setup's identity, %d its number (e.g. c%d.load.example); default the
                  connection's local id (distinct when it has a %d)
  --source        source addresses to spread setups over (they must be configured on the host)
  --source-ports  source ports to spread setups over (default the connection's local_port)
  --delete        delete each setup's SAs once counted (default: keep them until the end)
  --hold S        keep the SAs S seconds after the run before deleting them
  --retransmit-timeout S, --retransmit-tries N   the retransmission schedule (default 4 s, 5)
  --debug         print the engine's log lines (slow: not for measuring)`;

export const COMMAND_USAGES: Readonly<Record<string, string>> = {
  decode: DECODE_USAGE,
  encode: ENCODE_USAGE,
  demo: DEMO_USAGE,
  start: START_USAGE,
  up: UP_USAGE,
  down: DOWN_USAGE,
  'list-sas': LIST_SAS_USAGE,
  'list-conns': LIST_CONNS_USAGE,
  'list-pols': LIST_POLS_USAGE,
  'list-certs': LIST_CERTS_USAGE,
  reload: RELOAD_USAGE,
  load: LOAD_USAGE,
  help: 'usage: ikets help\n  The list of commands.',
  version: 'usage: ikets version\n  The version of ikets.',
};

/** True when a command line asks for help (before a `--` that ends the options). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}
