/** The sandbox's settable clock: every service reads time from here, never from `Date.now()`. */
export class SandboxClock {
  #offsetMs = 0;
  #fixed: number | undefined;

  /** The sandbox's current time. */
  now(): Date {
    return new Date(this.#fixed ?? Date.now() + this.#offsetMs);
  }

  /** Pins the clock to `at` (it no longer advances on its own until `release`). */
  set(at: Date): void {
    this.#fixed = at.getTime();
  }

  /** Moves the clock forward by `ms`, pinned or not. */
  advance(ms: number): void {
    if (this.#fixed !== undefined) this.#fixed += ms;
    else this.#offsetMs += ms;
  }

  /** Lets a pinned clock run again from where it stands. */
  release(): void {
    if (this.#fixed === undefined) return;
    this.#offsetMs = this.#fixed - Date.now();
    this.#fixed = undefined;
  }
}
