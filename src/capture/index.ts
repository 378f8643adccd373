/** Capture reader: pcap/pcapng -> UDP datagrams on the IKE ports, classified. Pure (see file.ts for I/O). */
export { type Classification, classifyUdp, DEFAULT_PORTS, type IkePorts } from './classify.js';
export { CaptureError, type CaptureErrorCode } from './errors.js';
export {
  detectFormat,
  type InputFormat,
  type InputMessage,
  type InputMessages,
  messagesFromInput,
} from './input.js';
export { decodeIpv4, decodeIpv6, type IpPacket, ipv6Text } from './ip.js';
export { decodeLink, type LinkResult } from './link.js';
export { isPcap, parsePcap } from './pcap.js';
export { isPcapng, parsePcapng } from './pcapng.js';
export {
  type CaptureReadResult,
  type Endpoint,
  isakmpDatagrams,
  parseContainer,
  type ReadOptions,
  readCapture,
  type SkippedFrame,
  type UdpDatagram,
} from './reader.js';
export { type CaptureInterface, LinkType, type ParsedContainer, type RawFrame } from './types.js';
