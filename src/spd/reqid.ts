/**
 * Request ids (XFRM's reqid, strongSwan's naming): the number that ties a child's policies to its
 * SAs, so an SA installed later (a rekeying, or the first SA after a trap) is found by the policies
 * already in place. One reqid per child configuration and pair of selectors, as strongSwan allocates
 * them, kept while anything uses it.
 */
export class ReqidAllocator {
  readonly #byKey = new Map<string, { reqid: number; users: Set<string> }>();
  readonly #byReqid = new Map<number, string>();
  #next: number;

  constructor(first = 1) {
    this.#next = first;
  }

  /** The reqid of `key` (e.g. `conn/child 10.1.0.0/16 10.2.0.0/16`), taken on behalf of `user`. */
  acquire(key: string, user: string): number {
    let entry = this.#byKey.get(key);
    if (entry === undefined) {
      while (this.#byReqid.has(this.#next)) this.#next = (this.#next % 0xffffffff) + 1;
      entry = { reqid: this.#next, users: new Set() };
      this.#next = (this.#next % 0xffffffff) + 1;
      this.#byKey.set(key, entry);
      this.#byReqid.set(entry.reqid, key);
    }
    entry.users.add(user);
    return entry.reqid;
  }

  release(key: string, user: string): void {
    const entry = this.#byKey.get(key);
    if (entry === undefined) return;
    entry.users.delete(user);
    if (entry.users.size > 0) return;
    this.#byKey.delete(key);
    this.#byReqid.delete(entry.reqid);
  }

  keyOf(reqid: number): string | undefined {
    return this.#byReqid.get(reqid);
  }
}
