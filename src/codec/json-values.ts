/**
 * Building blocks of the JSON form (docs/json-format.md): the JsonError raised on invalid input (naming the
 * JSON path, e.g. `$.payloads[1].proposals[0].spi`) and readers for hex strings, enumerated names and numbers.
 */
import { nameOf, type Registry } from './numbers.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export class JsonError extends Error {
  override readonly name = 'JsonError';
  readonly code = 'ERR_ISAKMP_JSON';
  /** JSON path of the offending value, `$` being the message object. */
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

/** A registry name when known, else the number. */
export function enumName(registry: Registry | undefined, value: number): string | number {
  return (registry && nameOf(registry, value)) ?? value;
}

export function readObject(v: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new JsonError(path, 'expected an object');
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k))
      throw new JsonError(`${path}.${k}`, `unknown field (allowed: ${allowed.join(', ')})`);
  }
  return v as Record<string, unknown>;
}

export function readArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new JsonError(path, 'expected an array');
  return v;
}

export function readHex(v: unknown, path: string, size?: number): Uint8Array {
  if (typeof v !== 'string') throw new JsonError(path, 'expected a hex string');
  const clean = v.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean))
    throw new JsonError(path, 'invalid hex string');
  const b = Uint8Array.from(Buffer.from(clean, 'hex'));
  if (size !== undefined && b.length !== size)
    throw new JsonError(path, `expected ${size} bytes, got ${b.length}`);
  return b;
}

export function readUint(v: unknown, path: string, max: number): number {
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) v = Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new JsonError(path, `expected an integer in 0..${max}`);
  }
  return v;
}

export function readBool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new JsonError(path, 'expected true or false');
  return v;
}

export function readString(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new JsonError(path, 'expected a string');
  return v;
}

/** A name of `registry` or a number in 0..max. */
export function readEnum(v: unknown, path: string, registry: Registry | undefined, max: number): number {
  if (typeof v === 'string' && registry !== undefined && Object.hasOwn(registry, v))
    return registry[v] as number;
  if (typeof v === 'string' && !/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) {
    const names = registry ? Object.keys(registry).join(', ') : 'none';
    throw new JsonError(path, `unknown name ${JSON.stringify(v)} (known: ${names})`);
  }
  return readUint(v, path, max);
}

export function optional<T>(o: Record<string, unknown>, key: string, read: (v: unknown) => T, dflt: T): T {
  return o[key] === undefined ? dflt : read(o[key]);
}
