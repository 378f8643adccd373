/**
 * The one timer the shell arms for the engine's next deadline (`pollTimeout`): re-armed after every
 * drive of the engine, and when it fires the engine hears the time (`handleTimeout`) and is driven.
 */
import type { LogLevel } from '../sa/types.js';
import type { EndpointLike } from './endpoint-like.js';

export interface EngineTimerHooks {
  readonly endpoint: () => EndpointLike;
  readonly clock: () => number;
  log(level: LogLevel, message: string): void;
  drive(): void;
}

export class EngineTimer {
  #timer: NodeJS.Timeout | undefined;
  #timerAt: number | undefined;

  constructor(private readonly hooks: EngineTimerHooks) {}

  /** The time the timer fires, or undefined. */
  get at(): number | undefined {
    return this.#timerAt;
  }

  arm(): void {
    const at = this.hooks.endpoint().pollTimeout();
    if (at === this.#timerAt && this.#timer !== undefined) return;
    this.disarm();
    if (at === undefined) return;
    this.#timerAt = at;
    // setTimeout takes at most 2^31-1 ms; a later deadline is re-armed when this one fires.
    const delay = Math.min(Math.max(0, at - this.hooks.clock()), 0x7fffffff);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = undefined;
      try {
        this.hooks.endpoint().handleTimeout(this.hooks.clock());
      } catch (error) {
        this.hooks.log('error', `internal error in a timer: ${describe(error)}`);
      }
      this.hooks.drive();
    }, delay);
  }

  disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
