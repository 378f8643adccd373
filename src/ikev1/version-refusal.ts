/**
 * A message of a later ISAKMP/IKE major version (an IKEv2 peer, RFC 7296) is answered with an
 * unprotected Informational carrying N(INVALID-MAJOR-VERSION), as RFC 2408 section 5.2 (step 3)
 * allows; our header names the version we speak (1.0), which RFC 7296 section 1.5 tells an IKEv2
 * peer to read as the closest version we support.
 *
 * Anyone can send such a message from a spoofed address, so the answer must not help reflection
 * or amplification: it is never larger than the request, each source address gets at most one per
 * `PER_SOURCE_INTERVAL`, and all sources together at most `GLOBAL_PER_SECOND` each second. The
 * per-source memory is bounded (`MAX_SOURCES`, oldest forgotten first), and so are the log lines:
 * one per answer, with the count of the messages left unanswered since.
 */
import { ExchangeType, encodeMessage, NotifyType } from '../codec/index.js';
import type { IncomingDatagram, Transmit } from '../sa/types.js';

/** At most one answer per source address in this many ms. */
export const PER_SOURCE_INTERVAL = 1000;
/** At most this many answers per second, all sources together. */
export const GLOBAL_PER_SECOND = 10;
/** Source addresses remembered for the per-source limit. */
export const MAX_SOURCES = 1024;

const HEADER_LENGTH = 28;

export class VersionRefusals {
  readonly #lastAnswer = new Map<string, number>();
  #second = Number.NEGATIVE_INFINITY;
  #inSecond = 0;
  /** Messages left unanswered since the last answer (for the next log line). */
  #unanswered = 0;

  /** Whether `address` may be answered at `now`; records the answer when it may. */
  #allow(now: number, address: string): boolean {
    const last = this.#lastAnswer.get(address);
    if (last !== undefined && now - last < PER_SOURCE_INTERVAL) return false;
    if (now - this.#second >= 1000) {
      this.#second = now;
      this.#inSecond = 0;
    }
    if (this.#inSecond >= GLOBAL_PER_SECOND) return false;
    this.#inSecond++;
    this.#lastAnswer.delete(address);
    this.#lastAnswer.set(address, now);
    if (this.#lastAnswer.size > MAX_SOURCES) {
      const oldest = this.#lastAnswer.keys().next().value;
      if (oldest !== undefined) this.#lastAnswer.delete(oldest);
    }
    return true;
  }

  /**
   * The answer to a datagram whose ISAKMP header (`message`, without the non-ESP marker) names a
   * major version above 1, or undefined when it gets none (not such a message, rate-limited, or the
   * answer would be larger than the request). `frame` adds the non-ESP marker where it belongs.
   */
  answer(
    now: number,
    dg: IncomingDatagram,
    message: Uint8Array,
    frame: (message: Uint8Array) => Uint8Array,
  ): { readonly transmit: Transmit; readonly log: string } | 'unanswered' | undefined {
    if (message.length < HEADER_LENGTH) return undefined;
    const header = Buffer.from(message.buffer, message.byteOffset, HEADER_LENGTH);
    const version = header.readUInt8(17);
    if (version >> 4 <= 1) return undefined;
    if (!this.#allow(now, dg.remote.address)) {
      this.#unanswered++;
      return 'unanswered';
    }
    const data = frame(
      encodeMessage({
        header: {
          initiatorCookie: header.subarray(0, 8),
          responderCookie: header.subarray(8, 16),
          majorVersion: 1,
          minorVersion: 0,
          exchangeType: ExchangeType.INFORMATIONAL,
          commit: false,
          authenticationOnly: false,
          // RFC 7296 section 1.5: an IKEv2 peer matches the answer by the message ID it sent.
          messageId: header.readUInt32BE(20),
        },
        body: {
          encrypted: false,
          payloads: [
            {
              type: 'notification',
              doi: 1,
              protocolId: 1,
              spi: new Uint8Array(0),
              notifyType: NotifyType.INVALID_MAJOR_VERSION,
              data: new Uint8Array(0),
            },
          ],
        },
      }),
    );
    if (data.length > dg.data.length) {
      this.#unanswered++;
      return 'unanswered';
    }
    const skipped = this.#unanswered;
    this.#unanswered = 0;
    const log =
      `a version ${version >> 4}.${version & 0x0f} message from ${dg.remote.address}:${dg.remote.port}: ` +
      `answered INVALID-MAJOR-VERSION (ikets speaks IKEv1 only)` +
      (skipped > 0 ? `; ${skipped} such messages left unanswered since the last answer (rate limit)` : '');
    return { transmit: { local: dg.local, remote: dg.remote, data }, log };
  }
}
