/**
 * Which payloads each IKEv1 message must and may carry, and how many of each, checked once before a
 * handler runs (strongSwan's message rules are the model of the idea; the facts are RFC 2409
 * sections 5-5.7, RFC 3947 sections 3.2 and 5.2 for NAT-D and NAT-OA, RFC 3706 for DPD). A handler
 * can then take the one payload of a kind without wondering whether there was a second.
 *
 * What is refused, and with which notify (RFC 2408 sections 3.14.1 and 5):
 * - a payload type the message does not carry: INVALID-PAYLOAD-TYPE (section 5.3 1b);
 * - a required payload missing, one that may appear once repeated, or a HASH that is not the
 *   first payload of a Quick Mode or Informational (RFC 2409 sections 5.5 and 5.7): PAYLOAD-MALFORMED.
 *
 * Notify, Delete, Vendor ID, Certificate Request and NAT-D may repeat; private-use payloads (128-255,
 * RFC 2408 section 3.1) are ignored wherever they appear, as strongSwan does. Fragments are
 * reassembled before any rule is checked, so a message never carries one here.
 *
 * The phase 1 messages have rules that every authentication method shares and rules of their own
 * per method (`AUTH_RULES`): a method adds its payloads (signatures: SIG, CERT) to the messages
 * that carry them.
 */
import type { NotifyType, Payload } from '../codec/index.js';
import type { IsakmpSaState, QuickModeState } from './states.js';

export type PayloadKind = Exclude<Payload['type'], 'unknown' | 'sealed'>;

/** How many payloads of a kind a message carries: at least `min`, at most `max`. */
export interface PayloadRule {
  readonly min: number;
  readonly max: number;
}

export type MessageRules = Readonly<Partial<Record<PayloadKind, PayloadRule>>>;

/** A method's change to the shared rules: `null` takes a payload out (SKEME's IDs move to 3/4). */
type AuthRules = Readonly<Partial<Record<PayloadKind, PayloadRule | null>>>;

/** The messages the rules name, in RFC 2409's numbering. */
export type RuledMessage =
  | 'mm-1'
  | 'mm-2'
  | 'mm-3'
  | 'mm-4'
  | 'mm-5'
  | 'mm-6'
  | 'am-1'
  | 'am-2'
  | 'am-3'
  | 'qm-1'
  | 'qm-2'
  | 'qm-3'
  | 'informational'
  | 'informational-plain'
  | 'ngm-1'
  | 'ngm-2';

/** Phase 1 authentication families ikets implements (RFC 2409 section 5); others add their rules below. */
export type Phase1Auth = 'psk' | 'signature' | 'pke';

/** Typed failure codes of the payload rules, carried to the log and the drop reason. */
export type PayloadRuleCode =
  | 'ERR_PAYLOAD_MISSING'
  | 'ERR_PAYLOAD_REPEATED'
  | 'ERR_PAYLOAD_UNEXPECTED'
  | 'ERR_PAYLOAD_HASH_NOT_FIRST'
  /** An ID payload whose body does not read as an ID, where the method does not encrypt it. */
  | 'ERR_PAYLOAD_UNREADABLE';

export interface PayloadRuleViolation {
  readonly code: PayloadRuleCode;
  readonly notify: keyof typeof NotifyType &
    ('PAYLOAD_MALFORMED' | 'INVALID_PAYLOAD_TYPE' | 'INVALID_ID_INFORMATION');
  readonly message: RuledMessage;
  readonly payload: PayloadKind;
  /** For the log: `ERR_...: message 5 carries 2 hash payloads, at most 1`. */
  readonly reason: string;
}

const ONE: PayloadRule = { min: 1, max: 1 };
const OPTIONAL: PayloadRule = { min: 0, max: 1 };
const ANY: PayloadRule = { min: 0, max: Number.POSITIVE_INFINITY };

/** What may accompany any message: status and error notifies, Vendor IDs (RFC 2408 sections 3.14, 3.16). */
const INFORMATIVE: MessageRules = { notification: ANY, vendor_id: ANY };

/** Phase 1 messages may also ask for certificates (RFC 4945 section 3.2; charon sends them in 5 too). */
const PHASE1: MessageRules = { ...INFORMATIVE, certificate_request: ANY };

/** The rules every phase 1 authentication method shares (RFC 2409 section 5, RFC 3947 section 3.2). */
const BASE_RULES: Readonly<Record<RuledMessage, MessageRules>> = {
  'mm-1': { ...PHASE1, sa: ONE },
  'mm-2': { ...PHASE1, sa: ONE },
  'mm-3': { ...PHASE1, key_exchange: ONE, nonce: ONE, nat_d: ANY },
  'mm-4': { ...PHASE1, key_exchange: ONE, nonce: ONE, nat_d: ANY },
  'mm-5': { ...PHASE1, identification: ONE },
  'mm-6': { ...PHASE1, identification: ONE },
  'am-1': { ...PHASE1, sa: ONE, key_exchange: ONE, nonce: ONE, identification: ONE },
  'am-2': { ...PHASE1, sa: ONE, key_exchange: ONE, nonce: ONE, identification: ONE, nat_d: ANY },
  'am-3': { ...PHASE1, nat_d: ANY },
  // RFC 2409 section 5.5: HASH(1), SA, Ni [, KE] [, IDci, IDcr]; NAT-OAi, NAT-OAr (RFC 3947 5.2).
  'qm-1': {
    ...INFORMATIVE,
    hash: ONE,
    sa: ONE,
    nonce: ONE,
    key_exchange: OPTIONAL,
    identification: { min: 0, max: 2 },
    nat_oa: { min: 0, max: 2 },
  },
  // HASH(2), SA, Nr [, KE] [, IDci, IDcr], and RESPONDER-LIFETIME notifies (RFC 2407 section 4.6.3.1).
  'qm-2': {
    ...INFORMATIVE,
    hash: ONE,
    sa: ONE,
    nonce: ONE,
    key_exchange: OPTIONAL,
    identification: { min: 0, max: 2 },
    nat_oa: { min: 0, max: 2 },
  },
  'qm-3': { ...INFORMATIVE, hash: ONE },
  // RFC 2409 section 5.7: HASH(1), N/D.
  informational: { ...INFORMATIVE, hash: ONE, delete: ANY },
  // Before the keys exist (a refusal of our first message): only logged, never acted on.
  'informational-plain': { ...INFORMATIVE, delete: ANY },
  // RFC 2409 section 5.6: HASH(1), SA and HASH(2), SA; the HASH covers the SA only, so nothing else.
  'ngm-1': { hash: ONE, sa: ONE },
  'ngm-2': { hash: ONE, sa: ONE },
};

/** What each authentication method adds to the phase 1 messages that prove it (RFC 2409 section 5). */
const AUTH_RULES: Readonly<Record<Phase1Auth, Partial<Record<RuledMessage, AuthRules>>>> = {
  // Section 5.4: HASH_I in Main Mode message 5 and Aggressive Mode message 3, HASH_R in 6 and 2.
  psk: { 'mm-5': { hash: ONE }, 'mm-6': { hash: ONE }, 'am-2': { hash: ONE }, 'am-3': { hash: ONE } },
  // Section 5.1: SIG_I / SIG_R in the same messages, with the sender's certificates (RFC 4945
  // section 3.3: the end certificate and its chain, any number; certificates.ts looks at 8).
  signature: {
    'mm-5': { signature: ONE, certificate: ANY },
    'mm-6': { signature: ONE, certificate: ANY },
    'am-2': { signature: ONE, certificate: ANY },
    'am-3': { signature: ONE, certificate: ANY },
  },
  // Sections 5.2 and 5.3: the initiator's [HASH(1)] and encrypted ID (revised: and [Cert-I]) go
  // with its nonce in Main Mode 3 / Aggressive Mode 1, the responder's ID with its nonce in 4 / 2;
  // messages 5 and 6 (AM 2 and 3) carry HASH_I / HASH_R alone.
  pke: {
    'mm-3': { hash: OPTIONAL, identification: ONE, certificate: OPTIONAL },
    'mm-4': { identification: ONE },
    'mm-5': { hash: ONE, identification: null },
    'mm-6': { hash: ONE, identification: null },
    'am-1': { hash: OPTIONAL, certificate: OPTIONAL },
    'am-2': { hash: ONE },
    'am-3': { hash: ONE },
  },
};

/** Messages whose HASH authenticates the rest, and must come first (RFC 2409 sections 5.5, 5.7). */
const HASH_FIRST: ReadonlySet<RuledMessage> = new Set([
  'qm-1',
  'qm-2',
  'qm-3',
  'informational',
  'ngm-1',
  'ngm-2',
]);

export function rulesOf(message: RuledMessage, auth: Phase1Auth = 'psk'): MessageRules {
  const rules: Partial<Record<PayloadKind, PayloadRule>> = { ...BASE_RULES[message] };
  for (const [kind, rule] of Object.entries(AUTH_RULES[auth][message] ?? {}) as [
    PayloadKind,
    PayloadRule | null,
  ][]) {
    if (rule === null) delete rules[kind];
    else rules[kind] = rule;
  }
  return rules;
}

const NUMBER: Partial<Record<RuledMessage, string>> = {
  'mm-1': 'Main Mode message 1',
  'mm-2': 'Main Mode message 2',
  'mm-3': 'Main Mode message 3',
  'mm-4': 'Main Mode message 4',
  'mm-5': 'Main Mode message 5',
  'mm-6': 'Main Mode message 6',
  'am-1': 'Aggressive Mode message 1',
  'am-2': 'Aggressive Mode message 2',
  'am-3': 'Aggressive Mode message 3',
  'qm-1': 'Quick Mode message 1',
  'qm-2': 'Quick Mode message 2',
  'qm-3': 'Quick Mode message 3',
  'ngm-1': 'New Group Mode message 1',
  'ngm-2': 'New Group Mode message 2',
};
const nameOf = (m: RuledMessage) => NUMBER[m] ?? 'the Informational';

/**
 * The first way `payloads` break the rules of `message`, or undefined when they keep them. Costs one
 * pass over the payloads and one over the rules.
 */
export function checkPayloads(
  message: RuledMessage,
  payloads: readonly Payload[],
  auth: Phase1Auth = 'psk',
): PayloadRuleViolation | undefined {
  const rules = rulesOf(message, auth);
  const counts = new Map<PayloadKind, number>();
  const refuse = (code: PayloadRuleCode, payload: PayloadKind, detail: string): PayloadRuleViolation => ({
    code,
    notify: code === 'ERR_PAYLOAD_UNEXPECTED' ? 'INVALID_PAYLOAD_TYPE' : 'PAYLOAD_MALFORMED',
    message,
    payload,
    reason: `${code}: ${nameOf(message)} ${detail}`,
  });
  if (HASH_FIRST.has(message) && payloads[0]?.type !== 'hash')
    return refuse('ERR_PAYLOAD_HASH_NOT_FIRST', 'hash', 'does not start with its HASH payload');
  for (const p of payloads) {
    if (p.type === 'unknown') continue;
    // An ID body that does not read as an ID (the decoder sealed it) is only usable where the
    // method encrypts it (RFC 2409 sections 5.2/5.3); elsewhere it is the decoder's old refusal.
    if (
      p.type === 'sealed' &&
      (auth !== 'pke' || (message !== 'mm-3' && message !== 'mm-4' && !message.startsWith('am-')))
    )
      return {
        code: 'ERR_PAYLOAD_UNREADABLE',
        notify: 'INVALID_ID_INFORMATION',
        message,
        payload: 'identification',
        reason: `ERR_PAYLOAD_UNREADABLE: ${nameOf(message)} carries an ID payload that does not read as an ID`,
      };
    const kind: PayloadKind = p.type === 'sealed' ? 'identification' : p.type;
    const rule = rules[kind];
    if (rule === undefined) return refuse('ERR_PAYLOAD_UNEXPECTED', kind, `carries a ${kind} payload`);
    const n = (counts.get(kind) ?? 0) + 1;
    if (n > rule.max)
      return refuse('ERR_PAYLOAD_REPEATED', kind, `carries ${n} ${kind} payloads, at most ${rule.max}`);
    counts.set(kind, n);
  }
  for (const [kind, rule] of Object.entries(rules) as [PayloadKind, PayloadRule][])
    if ((counts.get(kind) ?? 0) < rule.min)
      return refuse('ERR_PAYLOAD_MISSING', kind, `lacks its ${kind} payload`);
  return undefined;
}

/** The phase 1 message an SA in `state` expects (undefined: none). */
export function phase1RuledMessage(state: IsakmpSaState): RuledMessage | undefined {
  switch (state) {
    case 'mm-wait-2':
      return 'mm-2';
    case 'mm-wait-3':
      return 'mm-3';
    case 'mm-wait-4':
      return 'mm-4';
    case 'mm-wait-5':
      return 'mm-5';
    case 'mm-wait-6':
      return 'mm-6';
    case 'am-wait-1':
      return 'am-1';
    case 'am-wait-2':
      return 'am-2';
    case 'am-wait-3':
    case 'am-wait-3-decoy':
      return 'am-3';
    default:
      return undefined;
  }
}

/** The Quick Mode message a Quick Mode in `state` expects (no exchange yet: message 1). */
export function quickModeRuledMessage(state: QuickModeState | undefined): RuledMessage | undefined {
  if (state === undefined) return 'qm-1';
  if (state === 'qm-i-wait-2') return 'qm-2';
  if (state === 'qm-r-wait-3') return 'qm-3';
  return undefined;
}
