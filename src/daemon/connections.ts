/**
 * The configured connections as `list-conns` shows them: a JSON summary (no secrets) and its text.
 */
import { formatIdentity } from '../config/identity.js';
import type { IketsConfig } from '../config/swanctl.js';
import { formatTrafficSelector } from '../config/traffic-selector.js';

export interface ConnectionSummary {
  readonly name: string;
  readonly mode: 'main' | 'aggressive';
  readonly localAddrs: readonly string[];
  readonly remoteAddrs: readonly string[];
  readonly localPort: number;
  readonly remotePort: number;
  readonly proposals: readonly string[];
  readonly encap: boolean;
  readonly localId: string;
  readonly remoteId: string;
  readonly children: readonly ChildSummary[];
}

export interface ChildSummary {
  readonly name: string;
  readonly mode: 'tunnel' | 'transport';
  readonly startAction: string;
  readonly espProposals: readonly string[];
  readonly ahProposals: readonly string[];
  readonly localTs: readonly string[];
  readonly remoteTs: readonly string[];
  readonly rekeyTime: number;
  readonly lifeTime: number;
}

export function summarizeConnections(config: IketsConfig): ConnectionSummary[] {
  return config.connections.map((c) => ({
    name: c.name,
    mode: c.aggressive ? 'aggressive' : 'main',
    localAddrs: c.localAddrs,
    remoteAddrs: c.remoteAddrs,
    localPort: c.localPort,
    remotePort: c.remotePort,
    proposals: c.proposals,
    encap: c.encap,
    localId: c.local.id === undefined ? '%any' : formatIdentity(c.local.id),
    remoteId: c.remote.id === undefined ? '%any' : formatIdentity(c.remote.id),
    children: c.children.map((ch) => ({
      name: ch.name,
      mode: ch.mode,
      startAction: ch.startAction,
      espProposals: ch.espProposals,
      ahProposals: ch.ahProposals,
      localTs: ch.localTs.map(formatTrafficSelector),
      remoteTs: ch.remoteTs.map(formatTrafficSelector),
      rekeyTime: ch.rekeyTime,
      lifeTime: ch.lifeTime,
    })),
  }));
}

export function formatConnections(connections: readonly ConnectionSummary[]): string {
  const lines: string[] = [];
  for (const c of connections) {
    const local = c.localAddrs.map((a) => `${a}[${c.localPort}]`).join(',');
    const remote = c.remoteAddrs.map((a) => `${a}[${c.remotePort}]`).join(',');
    lines.push(
      `${c.name}: IKEv1, ${c.mode === 'main' ? 'Main Mode' : 'Aggressive Mode'}, ${local} - ${remote}${c.encap ? ', encap' : ''}`,
      `  proposals ${c.proposals.join(', ')}`,
      `  local  psk '${c.localId}'`,
      `  remote psk '${c.remoteId}'`,
    );
    for (const ch of c.children) {
      const proposals =
        ch.ahProposals.length > 0 ? `AH:${ch.ahProposals.join(', ')}` : `ESP:${ch.espProposals.join(', ')}`;
      lines.push(
        `  ${ch.name}: ${ch.mode.toUpperCase()}, start_action ${ch.startAction}, rekeying every ${ch.rekeyTime}s, ${proposals}`,
        `    ${ch.localTs.join(' ')} === ${ch.remoteTs.join(' ')}`,
      );
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
