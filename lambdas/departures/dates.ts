/**
 * Reading `departed_at`: an ISO-8601 date-time with a zone, or a plain date that means
 * midnight in the configured IANA time zone. Strict on purpose: `Date.parse` accepts
 * far too much (`"2024-5-1"`, `"May 1"`, local times) for an input that revokes access.
 */

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;
const PLAIN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Years outside this range are typos, not departures. */
const MIN_YEAR = 1970;
const MAX_YEAR = 2200;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Parses a departure instant. Returns `undefined` for anything that is not an exact
 * ISO-8601 date-time with a zone (`2024-05-01T17:30:00Z`, `2024-05-01T17:30+02:00`) or a
 * plain date (`2024-05-01`, read as midnight in `timeZone`).
 */
export function parseDepartedAt(value: string, timeZone: string): Date | undefined {
  const dateTime = DATE_TIME.exec(value);
  if (dateTime) {
    const [, y, mo, d, h, mi, s = "0", frac = "0", zone = "Z"] = dateTime;
    const year = Number(y);
    const month = Number(mo);
    const day = Number(d);
    const hour = Number(h);
    const minute = Number(mi);
    const second = Number(s);
    if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
    const offsetMinutes = parseOffset(zone);
    if (offsetMinutes === undefined) return undefined;
    const ms = Math.floor(Number(`0.${frac}`) * 1000);
    const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * MINUTE_MS;
    return new Date(utc);
  }
  const plain = PLAIN_DATE.exec(value);
  if (plain) {
    const year = Number(plain[1]);
    const month = Number(plain[2]);
    const day = Number(plain[3]);
    if (!validDate(year, month, day)) return undefined;
    return startOfDayInZone(year, month, day, timeZone);
  }
  return undefined;
}

function validDate(year: number, month: number, day: number): boolean {
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `Z`, `+02`, `+0200`, `+02:00` to minutes east of UTC; offsets beyond ±18h are refused. */
function parseOffset(zone: string): number | undefined {
  if (zone === "Z" || zone === "z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 18 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

/**
 * The first instant of a calendar day in an IANA zone, DST-correct: normally local
 * midnight; where a DST gap swallows midnight (e.g. America/Santiago in September), the
 * instant the clocks jump; where midnight happens twice, the earlier one.
 */
export function startOfDayInZone(year: number, month: number, day: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day);
  // Offsets a day either side bracket any single transition near this midnight.
  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after].filter((t) => wallClockMs(t, timeZone) === wall);
  if (candidates.length > 0) return new Date(Math.min(...candidates));
  // Midnight does not exist: the day starts when the clocks jump, at the old offset's midnight.
  return new Date(wall - before);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's wall clock at `instant`, expressed as if it were UTC milliseconds. */
function wallClockMs(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The zone's offset from UTC at `instant`, in milliseconds (positive east of Greenwich). */
function offsetMs(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallClockMs(whole, timeZone) - whole;
}
