/** Types shared by the capture reader's parts. */

/** One captured frame, as the container (pcap or pcapng) stores it. */
export interface RawFrame {
  /** 1-based position among the packets of the file (as Wireshark numbers frames). */
  readonly frame: number;
  /** pcapng interface id (0 for classic pcap). */
  readonly interfaceId: number;
  /** LINKTYPE_* of the interface. */
  readonly linkType: number;
  /** Nanoseconds since the epoch (UTC). */
  readonly timestampNs: bigint;
  /** Bytes on the wire (may exceed `data.length` when the snaplen cut the packet). */
  readonly originalLength: number;
  /** The captured bytes (a view into the input, not a copy). */
  readonly data: Buffer;
  /** Byte offset of the packet data in the input. */
  readonly dataOffset: number;
}

export interface CaptureInterface {
  readonly id: number;
  readonly linkType: number;
  readonly snaplen: number;
  /** Timestamp units per second (10^6 for classic pcap in microseconds, per if_tsresol in pcapng). */
  readonly unitsPerSecond: bigint;
  readonly name?: string;
}

export interface ParsedContainer {
  readonly format: 'pcap' | 'pcapng';
  /** Byte order of the (first) section. */
  readonly littleEndian: boolean;
  readonly interfaces: readonly CaptureInterface[];
  readonly frames: readonly RawFrame[];
}

/** LINKTYPE_* values the reader understands (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  /** DLT_RAW as some systems write it into pcap files. */
  RAW_12: 12,
  RAW_14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
