/**
 * Replays a captured strongSwan IKEv1 exchange with the keys charon logged: decrypts each encrypted
 * message in order with ikets' IV state (RFC 2409 Appendix B), so tests can check ikets' codec and key
 * schedule against what a real peer put on the wire.
 */
import { readFileSync } from 'node:fs';
import { messagesFromInput } from '../../src/capture/index.js';
import {
  decodeMessage,
  decodePayloadChain,
  encodePayloadChain,
  type Message,
  type Payload,
} from '../../src/codec/index.js';
import {
  cbcCipher,
  decryptBody,
  deriveSkeyid,
  IvState,
  type Phase1HashInput,
  type Skeyid,
} from '../../src/crypto/index.js';

export const CAPTURES = new URL('../../../test/fixtures/captures/', import.meta.url);

export interface CaptureKeys {
  readonly psk: string | null;
  readonly initiatorSpi: string;
  readonly responderSpi: string;
  readonly secrets: Readonly<Record<string, string>>;
  readonly child: { readonly spiIn: string; readonly spiOut: string };
}

export interface CapturedMessage {
  readonly bytes: Buffer;
  readonly message: Message;
}

export function loadCapture(name: string): { messages: CapturedMessage[]; keys: CaptureKeys } {
  const input = readFileSync(new URL(`${name}.pcapng`, CAPTURES));
  const keys = JSON.parse(readFileSync(new URL(`${name}.keys.json`, CAPTURES), 'utf8')) as CaptureKeys;
  const messages = messagesFromInput(input).messages.map((m) => ({
    bytes: m.message,
    message: decodeMessage(m.message),
  }));
  return { messages, keys };
}

export const secret = (keys: CaptureKeys, name: string): Buffer => {
  const value = keys.secrets[name];
  if (value === undefined) throw new Error(`the keys file has no '${name}'`);
  return Buffer.from(value, 'hex');
};

export interface DecryptedMessage {
  readonly message: Message;
  readonly payloads: readonly Payload[];
  readonly padding: Uint8Array;
}

/** Decrypts the messages in capture order (AES-128-CBC, the captures' proposal), chaining IVs. */
export function decryptAll(messages: readonly CapturedMessage[], keys: CaptureKeys): DecryptedMessage[] {
  const cipher = cbcCipher('aes128');
  const ka = secret(keys, 'encryption key Ka');
  const iv = new IvState('sha256', cipher.blockSize, secret(keys, 'initial IV'));
  return messages.map(({ message }) => {
    if (!message.body.encrypted)
      return { message, payloads: message.body.payloads, padding: new Uint8Array(0) };
    const { messageId } = message.header;
    const plaintext = decryptBody(cipher, ka, iv.current(messageId), message.body.ciphertext);
    iv.advance(messageId, message.body.ciphertext);
    const chain = decodePayloadChain(message.body.firstPayload, plaintext);
    return { message, payloads: chain.payloads, padding: chain.padding };
  });
}

export function only<T extends Payload['type']>(
  payloads: readonly Payload[],
  type: T,
): Extract<Payload, { type: T }> {
  const found = payloads.filter((p): p is Extract<Payload, { type: T }> => p.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type} payload, found ${found.length}`);
  return found[0] as Extract<Payload, { type: T }>;
}

/** A payload's body without its generic header (SAi_b, IDii_b of RFC 2409 section 5). */
export const body = (payload: Payload): Uint8Array => encodePayloadChain([payload]).bytes.subarray(4);

/**
 * SKEYID (RFC 2409 section 5) of a captured phase 1, from the logged g^xy and the PSK, and the inputs
 * of HASH_I/HASH_R: `offer` holds the initiator's SA, `initiator`/`responder` the KE and Nonce payloads.
 */
export function capturedPhase1(
  keys: CaptureKeys,
  auth: 'psk' | 'signature',
  offer: DecryptedMessage,
  initiator: DecryptedMessage,
  responder: DecryptedMessage,
): { skeyid: Skeyid; hashInput: Omit<Phase1HashInput, 'idBody'> } {
  const cookieI = Buffer.from(keys.initiatorSpi, 'hex');
  const cookieR = Buffer.from(keys.responderSpi, 'hex');
  const gxi = only(initiator.payloads, 'key_exchange').data;
  const gxr = only(responder.payloads, 'key_exchange').data;
  const skeyid = deriveSkeyid({
    prf: 'sha256',
    auth,
    ...(auth === 'psk' ? { psk: Buffer.from(keys.psk ?? '') } : {}),
    gxy: secret(keys, 'shared Diffie Hellman secret'),
    nonceI: only(initiator.payloads, 'nonce').data,
    nonceR: only(responder.payloads, 'nonce').data,
    cookieI,
    cookieR,
  });
  const saiBody = body(only(offer.payloads, 'sa'));
  return { skeyid, hashInput: { prf: 'sha256', skeyid: skeyid.skeyid, gxi, gxr, cookieI, cookieR, saiBody } };
}
