/** Where the core gets the time. Adapters pass `systemClock`; tests pass a fixed one. */
export interface Clock {
  now(): Date;
}

/** A clock that always answers `at`: for tests, replays and deterministic plans. */
export function fixedClock(at: Date): Clock {
  return { now: () => new Date(at.getTime()) };
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** Whole days from `from` to `to`, rounded down (negative when `to` is earlier). */
export function daysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / DAY_MS);
}
