import { mulberry32 } from "./ids.ts";

/** Faults to inject into matching requests. */
export interface FaultSpec {
  /** Requests beyond this many per (wall-clock) second get the service's throttling error. */
  throttleAboveRps?: number;
  /** Fraction (0..1) of requests answered with a 5xx error, drawn from a seeded PRNG. */
  errorRate?: number;
  /** Delay added before answering, in ms. */
  latencyMs?: number;
  /** Fraction (0..1) of requests whose connection is destroyed without an answer. */
  dropRate?: number;
  /**
   * Fraction (0..1) of requests read and never answered: the connection stays open and silent
   * until the client gives up (a stuck proxy, a black-holed endpoint).
   */
  stallRate?: number;
  /**
   * Fraction (0..1) of requests carried out (a write lands) and answered with the status, the
   * headers and half the body, then silence: a stall after the headers, which a client's
   * deadline on the headers alone does not end.
   */
  stallBodyRate?: number;
  /** Seed of the PRNG behind `errorRate`, `dropRate`, `stallRate` and `stallBodyRate`. @default 1 */
  seed?: number;
}

/** What to do with one request. */
export interface FaultDecision {
  readonly latencyMs: number;
  readonly outcome: "pass" | "throttle" | "error" | "drop" | "stall" | "stall-body";
}

interface ActiveFault {
  readonly spec: FaultSpec;
  readonly random: () => number;
  /** Wall-clock ms of the requests accepted in the last second (throttling window). */
  readonly accepted: number[];
}

/**
 * Fault injection keyed by `service:Action` (`iam:ListUsers`), `Action`, `service:*` or `*`;
 * the most specific key wins. Throttling windows are kept per key, so `cloudtrail:*` with
 * `throttleAboveRps: 2` models CloudTrail's account-wide 2 requests/second.
 */
export class Faults {
  readonly #faults = new Map<string, ActiveFault>();
  #stalled = 0;

  /** Requests stalled so far (`stallRate` and `stallBodyRate`), whatever faults are set now. */
  get stalled(): number {
    return this.#stalled;
  }

  /** Sets (replaces) the faults for `key`. */
  set(key: string, spec: FaultSpec): void {
    for (const [name, value] of Object.entries(spec)) {
      if (value !== undefined && (typeof value !== "number" || Number.isNaN(value) || value < 0)) {
        throw new RangeError(`fault ${key}.${name} must be a non-negative number`);
      }
    }
    this.#faults.set(key, { spec, random: mulberry32(spec.seed ?? 1), accepted: [] });
  }

  /** Removes the faults of one key, or of every key when `key` is omitted. */
  clear(key?: string): void {
    if (key === undefined) this.#faults.clear();
    else this.#faults.delete(key);
  }

  /** The faults currently set, by key. */
  list(): Record<string, FaultSpec> {
    return Object.fromEntries([...this.#faults].map(([k, v]) => [k, v.spec]));
  }

  /** Decides the fate of one request to `service:action`. */
  decide(service: string, action: string): FaultDecision {
    const fault =
      this.#faults.get(`${service}:${action}`) ??
      this.#faults.get(action) ??
      this.#faults.get(`${service}:*`) ??
      this.#faults.get("*");
    if (!fault) return { latencyMs: 0, outcome: "pass" };
    const { spec } = fault;
    const latencyMs = spec.latencyMs ?? 0;
    if (spec.dropRate !== undefined && fault.random() < spec.dropRate) return { latencyMs, outcome: "drop" };
    if (spec.stallRate !== undefined && fault.random() < spec.stallRate) {
      this.#stalled++;
      return { latencyMs, outcome: "stall" };
    }
    if (spec.stallBodyRate !== undefined && fault.random() < spec.stallBodyRate) {
      this.#stalled++;
      return { latencyMs, outcome: "stall-body" };
    }
    if (spec.throttleAboveRps !== undefined) {
      const now = Date.now();
      while (fault.accepted.length > 0 && fault.accepted[0]! <= now - 1000) fault.accepted.shift();
      if (fault.accepted.length >= spec.throttleAboveRps) return { latencyMs, outcome: "throttle" };
      fault.accepted.push(now);
    }
    if (spec.errorRate !== undefined && fault.random() < spec.errorRate)
      return { latencyMs, outcome: "error" };
    return { latencyMs, outcome: "pass" };
  }
}
