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

/** 10000-01-01T00:00:00Z: from here on `toISOString` writes six-digit years. */
const YEAR_10000_MS = 253_402_300_800_000;

/**
 * `date.toISOString()`, the same text, computed in JavaScript for 1970 to 9999: the built-in
 * goes through the engine's date cache and costs several times more, and a scan writes a few
 * hundred thousand of these into evidence. Other dates (and invalid ones, which throw) are
 * left to the built-in.
 */
export function isoTimestamp(date: Date): string {
  const time = date.getTime();
  if (!(time >= 0 && time < YEAR_10000_MS)) return date.toISOString();
  const days = Math.floor(time / DAY_MS);
  const msOfDay = time - days * DAY_MS;
  // Days since 1970-01-01 to year, month, day: Howard Hinnant's civil_from_days.
  // https://howardhinnant.github.io/date_algorithms.html#civil_from_days
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153); // 0 = March
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0);
  const hour = Math.floor(msOfDay / HOUR_MS);
  const minute = Math.floor(msOfDay / 60_000) % 60;
  const second = Math.floor(msOfDay / 1000) % 60;
  const ms = msOfDay % 1000;
  // One string from character codes: YYYY-MM-DDTHH:mm:ss.sssZ
  return String.fromCharCode(
    digit(year, 1000),
    digit(year, 100),
    digit(year, 10),
    digit(year, 1),
    0x2d,
    digit(month, 10),
    digit(month, 1),
    0x2d,
    digit(day, 10),
    digit(day, 1),
    0x54,
    digit(hour, 10),
    digit(hour, 1),
    0x3a,
    digit(minute, 10),
    digit(minute, 1),
    0x3a,
    digit(second, 10),
    digit(second, 1),
    0x2e,
    digit(ms, 100),
    digit(ms, 10),
    digit(ms, 1),
    0x5a,
  );
}

/** The character code of the decimal digit of `value` at `place` (1, 10, 100, ...). */
function digit(value: number, place: number): number {
  return 0x30 + (Math.floor(value / place) % 10);
}
