/**
 * What every benchmark shares: the machine it ran on, percentiles, call counting at the
 * sandbox, and pointing the process's AWS SDK clients at a sandbox for the length of a run.
 */
import { execFile } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The machine a run was measured on. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
}

/** Describes this machine (CPU model, logical cores, memory, Node.js version). */
export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

/** One line naming the machine, for reports. */
export function machineLine(m: Machine = machine()): string {
  return `${m.cpu}, ${m.cores} logical cores, ${m.memoryGiB} GiB RAM, Node.js ${m.node}, ${m.platform}`;
}

/** The `p`-th percentile (0..100) of `values` by the nearest-rank method. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Sum of a `sb.calls()` map, optionally only keys starting with `prefix` (`iam:`). */
export function totalCalls(calls: Readonly<Record<string, number>>, prefix = ""): number {
  let total = 0;
  for (const [key, count] of Object.entries(calls)) if (key.startsWith(prefix)) total += count;
  return total;
}

/**
 * Sets environment variables for the duration of `body` and restores the previous values,
 * so SDK clients built inside (from `AWS_ENDPOINT_URL`) reach the sandbox.
 */
export async function withEnv<T>(env: Readonly<Record<string, string>>, body: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  try {
    return await body();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Runs a benchmark script in a fresh `node` process (through tsx, with `--expose-gc` and the
 * given V8 old-space limit) and returns the last line it printed: its JSON figures.
 */
export async function runInFreshNode(
  script: string,
  args: readonly string[],
  heapMiB: number,
): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [`--max-old-space-size=${heapMiB}`, "--expose-gc", "--import", "tsx", script, ...args],
    { maxBuffer: 16 * 1024 * 1024, timeout: 300_000, cwd: fileURLToPath(new URL("..", import.meta.url)) },
  );
  return stdout.trim().split("\n").pop() ?? "";
}
