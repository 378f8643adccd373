/**
 * The per-exchange records of an ISAKMP SA (messages to retransmit, digests of the peer's last
 * messages, Quick Modes in progress, finished message IDs), keyed by message ID. An SA holds a few
 * of them at a time, most of them none or one, and 100,000 SAs hold all of theirs at once: a `Map`
 * costs about 180 bytes even when empty (its hash table is allocated with it), so these keep their
 * entries in one exactly sized array, none at all while empty, and find them by a linear scan of
 * at most a few dozen entries (issue 12: memory per SA). Insertion order is kept, as a Map's.
 */

const NONE: readonly never[] = Object.freeze([]);

/** A Map from message ID to V with the Map methods the engine uses. */
export class MessageIdMap<V> implements ReadonlyMap<number, V> {
  /** [id0, value0, id1, value1, ...]: replaced (never grown in place) when an entry comes or goes. */
  #e: (number | V)[] = NONE as never[];

  get size(): number {
    return this.#e.length >> 1;
  }

  #find(id: number): number {
    const e = this.#e;
    for (let i = 0; i < e.length; i += 2) if (e[i] === id) return i;
    return -1;
  }

  get(id: number): V | undefined {
    const i = this.#find(id);
    return i < 0 ? undefined : (this.#e[i + 1] as V);
  }

  has(id: number): boolean {
    return this.#find(id) >= 0;
  }

  set(id: number, value: V): this {
    const i = this.#find(id);
    if (i >= 0) this.#e[i + 1] = value;
    else this.#e = this.#e.concat([id, value]);
    return this;
  }

  delete(id: number): boolean {
    const i = this.#find(id);
    if (i < 0) return false;
    const e = this.#e;
    this.#e = e.length === 2 ? (NONE as never[]) : e.slice(0, i).concat(e.slice(i + 2));
    return true;
  }

  clear(): void {
    this.#e = NONE as never[];
  }

  /** Iterators run over the entries as they were when iteration began. */
  *entries(): MapIterator<[number, V]> {
    const e = this.#e;
    for (let i = 0; i < e.length; i += 2) yield [e[i] as number, e[i + 1] as V];
  }

  *keys(): MapIterator<number> {
    const e = this.#e;
    for (let i = 0; i < e.length; i += 2) yield e[i] as number;
  }

  *values(): MapIterator<V> {
    const e = this.#e;
    for (let i = 1; i < e.length; i += 2) yield e[i] as V;
  }

  [Symbol.iterator](): MapIterator<[number, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: number, map: ReadonlyMap<number, V>) => void): void {
    for (const [k, v] of this.entries()) callback(v, k, this);
  }
}

/**
 * A Set of message IDs in insertion order (the finished exchanges of an SA, up to a bound): 8 bytes
 * an ID in a plain array, where a Set took about 40 with its hash table and boxed numbers.
 */
export class MessageIdSet implements Iterable<number> {
  #ids: number[] = NONE as never[];

  get size(): number {
    return this.#ids.length;
  }

  has(id: number): boolean {
    return this.#ids.includes(id);
  }

  add(id: number): this {
    const ids = this.#ids;
    if (ids.includes(id)) return this;
    // Exactly sized while small (most SAs hold one or two); amortised growth beyond.
    if (ids.length < 16) this.#ids = ids.concat(id);
    else ids.push(id);
    return this;
  }

  delete(id: number): boolean {
    const i = this.#ids.indexOf(id);
    if (i < 0) return false;
    if (this.#ids.length === 1) this.#ids = NONE as never[];
    else this.#ids.splice(i, 1);
    return true;
  }

  /** Drops the oldest IDs until at most `limit` are left. */
  keepNewest(limit: number): void {
    const over = this.#ids.length - limit;
    if (over > 0) this.#ids.splice(0, over);
  }

  *[Symbol.iterator](): SetIterator<number> {
    yield* this.#ids.slice();
  }
}
