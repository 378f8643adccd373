/**
 * A data plane backend that records what it is asked to do and keeps the resulting SAD and SPD in
 * memory, for tests of the link between the SA database and a backend (no kernel, no device).
 */
import type {
  BackendEvents,
  DataplaneBackend,
  IpsecSaParams,
  PolicyParams,
  SaAddressChange,
  SaCounters,
  SaId,
  UdpAddress,
} from '../../src/dataplane/backend.js';
import { DataplaneError } from '../../src/dataplane/backend.js';
import { TypedEmitter } from '../../src/sad/emitter.js';
import { policyKey } from '../../src/spd/index.js';

export type RecordedCall =
  | { readonly op: 'addSa'; readonly sa: IpsecSaParams }
  | { readonly op: 'deleteSa'; readonly id: SaId }
  | {
      readonly op: 'updateSa';
      readonly id: SaId;
      readonly destination: string;
      readonly port: number | undefined;
    }
  | { readonly op: 'addPolicy'; readonly policy: PolicyParams }
  | { readonly op: 'deletePolicy'; readonly key: string }
  | { readonly op: 'bypass'; readonly fd: number; readonly natt: boolean };

const saKey = (id: SaId): string => `${id.protocol}:${id.spi}:${id.destination}`;

export class RecordingBackend implements DataplaneBackend {
  readonly name = 'recording';
  readonly events = new TypedEmitter<BackendEvents>();
  readonly calls: RecordedCall[] = [];
  readonly sas = new Map<string, IpsecSaParams>();
  readonly policies = new Map<string, PolicyParams>();
  /** Make the next addSa fail (to test the install-failure path). */
  failNextAdd = false;
  closed = false;

  async addSa(sa: IpsecSaParams): Promise<void> {
    if (this.failNextAdd) {
      this.failNextAdd = false;
      throw new DataplaneError('ERR_DATAPLANE_ALGORITHM', `cannot run ${sa.encryption?.name}`);
    }
    const key = saKey({ spi: sa.spi, protocol: sa.protocol, destination: sa.destination });
    if (this.sas.has(key)) throw new DataplaneError('ERR_DATAPLANE_EXISTS', `SA ${key} exists`);
    this.sas.set(key, sa);
    this.calls.push({ op: 'addSa', sa });
  }

  async updateSa(id: SaId, change: SaAddressChange): Promise<void> {
    const sa = this.sas.get(saKey(id));
    if (sa === undefined) throw new DataplaneError('ERR_DATAPLANE_NOT_FOUND', `no SA ${saKey(id)}`);
    this.sas.set(saKey(id), { ...sa, ...change });
    this.calls.push({
      op: 'updateSa',
      id,
      destination: change.destination,
      port: change.encapsulation?.destinationPort,
    });
  }

  async deleteSa(id: SaId): Promise<void> {
    if (!this.sas.delete(saKey(id)))
      throw new DataplaneError('ERR_DATAPLANE_NOT_FOUND', `no SA ${saKey(id)}`);
    this.calls.push({ op: 'deleteSa', id });
  }

  async querySa(id: SaId): Promise<SaCounters> {
    if (!this.sas.has(saKey(id))) throw new DataplaneError('ERR_DATAPLANE_NOT_FOUND', `no SA ${saKey(id)}`);
    return { bytes: 100n, packets: 2n, lastUsedAt: 5, dropped: 0n };
  }

  async addPolicy(policy: PolicyParams): Promise<void> {
    this.policies.set(policyKey(policy), policy);
    this.calls.push({ op: 'addPolicy', policy });
  }

  async deletePolicy(policy: Pick<PolicyParams, 'direction' | 'source' | 'destination'>): Promise<void> {
    const key = policyKey(policy);
    if (!this.policies.delete(key)) throw new DataplaneError('ERR_DATAPLANE_NOT_FOUND', `no policy ${key}`);
    this.calls.push({ op: 'deletePolicy', key });
  }

  async bypassSocket(socket: { fd: number; natt: boolean }): Promise<void> {
    this.calls.push({ op: 'bypass', fd: socket.fd, natt: socket.natt });
  }

  /** ESP-in-UDP the daemon handed over (userspace backends take it off the NAT-T socket). */
  readonly espInUdp: { local: UdpAddress; remote: UdpAddress; data: Uint8Array }[] = [];

  receiveEspInUdp(datagram: { local: UdpAddress; remote: UdpAddress; data: Uint8Array }): void {
    this.espInUdp.push(datagram);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
