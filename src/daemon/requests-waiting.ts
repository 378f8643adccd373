/**
 * Control requests ahead of datagrams (issue 12: `list-sas` under full load answers in
 * milliseconds). A request on the control socket needs two turns of the event loop after the
 * connection arrives: libuv accepts it in one poll phase and reads the request line in a later
 * one, and between them the receive queue's turn (receive-queue.ts) hands on datagrams for up to
 * half a millisecond, plus the one datagram that crosses the limit. Under a setup load, and on a
 * machine where the daemon waits for a core, each of those milliseconds of CPU is several of wall
 * time. So from the moment the control server accepts a connection until its request line is
 * read, the receive queue hands on one datagram a turn (docs/daemon.md, "The event loop"; what a
 * request waits for under load: docs/benchmarks.md).
 *
 * Only the wait for the request line counts, and at most `REQUEST_PRECEDENCE_MS`: a client that
 * connects and says nothing, or an `ikets up` that streams its log for seconds, does not slow the
 * datagrams beyond that (the control socket is the owner's only, mode 0600, and the bound holds
 * anyway).
 */

/** How long an accepted connection's request line goes ahead of the datagrams, at most. */
export const REQUEST_PRECEDENCE_MS = 100;

export class RequestsWaiting {
  #waiting = 0;

  /** True while a control request is on its way to the daemon. */
  get any(): boolean {
    return this.#waiting > 0;
  }

  /**
   * A connection was accepted: its request line is expected. The function returned ends the wait
   * (the line arrived, the connection closed; calling it again does nothing); so does `ms` passing.
   */
  expect(ms = REQUEST_PRECEDENCE_MS): () => void {
    this.#waiting++;
    let open = true;
    const done = (): void => {
      if (!open) return;
      open = false;
      this.#waiting--;
      clearTimeout(timer);
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    return done;
  }
}
