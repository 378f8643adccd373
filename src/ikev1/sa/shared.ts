/**
 * Values that many SAs have alike (a suite's description, an identity, a proposal name), held once:
 * with 100,000 SAs a copy each is megabytes (issue 12: memory per SA).
 */
import type { ChildSaInfo } from '../../sa/types.js';

/**
 * Shared values, by their text. Only what configurations and negotiated suites make goes in (a
 * handful of entries); the bound keeps a misuse from growing it.
 */
export class Shared<T> {
  readonly #values = new Map<string, T>();

  get(key: string, make: () => T): T {
    let value = this.#values.get(key);
    if (value === undefined) {
      if (this.#values.size >= 256) this.#values.clear();
      value = make();
      this.#values.set(key, value);
    }
    return value;
  }
}

const texts = new Shared<string>();

/** One string for all equal ones (identities, proposal names): 100,000 SAs share a few. */
export function sharedText(text: string): string {
  return texts.get(text, () => text);
}

const selectors = new Shared<readonly string[]>();

/**
 * A CHILD SA's traffic selector list of one selector (most are the same on one side). The text is
 * kept flat: a template literal's result (`${address}/${prefix}`) is a concatenation of two strings
 * that the SA would otherwise keep for its life.
 */
export function sharedSelectors(selector: string): readonly string[] {
  return selectors.get(selector, () => Object.freeze([Buffer.from(selector, 'latin1').toString('latin1')]));
}

const lifetimes = new Shared<ChildSaInfo['lifetime']>();

export function sharedLifetime(seconds: number, kilobytes: number | undefined): ChildSaInfo['lifetime'] {
  return lifetimes.get(`${seconds}/${kilobytes}`, () => Object.freeze({ seconds, kilobytes }));
}
