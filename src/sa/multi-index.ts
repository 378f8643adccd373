/**
 * A map from a key to the values filed under it, for the SA tables' secondary indexes (by peer, by
 * connection, by child). Most keys hold one value (one SA with a peer, one CHILD SA per ISAKMP
 * SA), so one value is held as itself and a Set is made only for the second: with 100,000 SAs a
 * Set per key would cost more than the index entry (issue 12: memory per SA).
 */
export class MultiIndex<K, V> {
  readonly #map = new Map<K, V | Set<V>>();

  /** The number of keys. */
  get keys(): number {
    return this.#map.size;
  }

  add(key: K, value: V): void {
    const held = this.#map.get(key);
    if (held === undefined) this.#map.set(key, value);
    else if (held instanceof Set) held.add(value);
    else if (held !== value) this.#map.set(key, new Set([held, value]));
  }

  delete(key: K, value: V): void {
    const held = this.#map.get(key);
    if (held === value) this.#map.delete(key);
    else if (held instanceof Set) {
      held.delete(value);
      if (held.size === 1) this.#map.set(key, held.values().next().value as V);
    }
  }

  /** The values under `key`, in the order they were filed (empty when none). */
  get(key: K): readonly V[] {
    const held = this.#map.get(key);
    if (held === undefined) return [];
    return held instanceof Set ? [...held] : [held];
  }

  /** The first value under `key` that `accept` takes, without copying the bucket. */
  find(key: K, accept: (value: V) => boolean): V | undefined {
    const held = this.#map.get(key);
    if (held === undefined) return undefined;
    if (!(held instanceof Set)) return accept(held) ? held : undefined;
    for (const v of held) if (accept(v)) return v;
    return undefined;
  }

  /** How many values are filed under `key`. */
  count(key: K): number {
    const held = this.#map.get(key);
    return held === undefined ? 0 : held instanceof Set ? held.size : 1;
  }

  has(key: K, value: V): boolean {
    const held = this.#map.get(key);
    return held === value || (held instanceof Set && held.has(value));
  }
}
