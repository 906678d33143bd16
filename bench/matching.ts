/**
 * B3: matching 1,000,000 credentials against 100,000 departures through `IdentityIndex` and
 * `evaluateCredentials`, the scan's pure core, timed and weighed in a fresh child process so
 * the memory figures are clean. The child runs with `--max-old-space-size` set, so a run that
 * needed a bigger heap would fail rather than pass quietly. Credentials are made and evaluated
 * a page at a time, as sources page; see `matching-worker.ts` for what is kept.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL("./matching-worker.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Size of one B3 run. */
export interface MatchingBenchSize {
  readonly credentials: number;
  readonly departures: number;
  /** The child's V8 old-space limit in MiB. @default 1024 */
  readonly maxOldSpaceSizeMiB?: number;
  /** Credentials per page. @default 100 */
  readonly pageSize?: number;
  /** Keep every finding to the end, as the scan does, instead of counting each page's. @default false */
  readonly keepFindings?: boolean;
}

/** The figures of one B3 run (times in ms, memory in MiB). */
export interface MatchingBenchFigures {
  readonly credentials: number;
  readonly departures: number;
  readonly pageSize: number;
  /** Findings held to the end (0 unless `keepFindings`). */
  readonly keptFindings: number;
  readonly indexMs: number;
  /** `evaluateCredentials` over every page. */
  readonly evaluateMs: number;
  /** Index and evaluation: the B3 figure. */
  readonly totalMs: number;
  /** Making the pages of credentials (the source's part), not in `totalMs`. */
  readonly generateMs: number;
  readonly findings: number;
  readonly matchedFindings: number;
  readonly byRule: Readonly<Record<string, number>>;
  readonly samples: ReadonlyArray<{ at: string; rssMiB: number; heapUsedMiB: number }>;
  readonly peakRssMiB: number;
  readonly peakHeapUsedMiB: number;
  readonly maxOldSpaceSizeMiB: number;
  /** Credentials matched per second (credentials / total seconds). */
  readonly credentialsPerSecond: number;
  /** Heap limits (MiB) that ran out of memory before the run that produced these figures. */
  readonly outOfMemoryAt: readonly number[];
}

async function runWorker(size: MatchingBenchSize, heap: number): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      `--max-old-space-size=${heap}`,
      "--expose-gc",
      "--import",
      "tsx",
      WORKER,
      String(size.credentials),
      String(size.departures),
      ...(size.pageSize !== undefined ? ["--page-size", String(size.pageSize)] : []),
      ...(size.keepFindings ? ["--keep-findings"] : []),
    ],
    { maxBuffer: 16 * 1024 * 1024, timeout: 300_000, cwd: ROOT },
  );
  return stdout.trim().split("\n").pop() ?? "";
}

/**
 * Runs B3 in a fresh `node` process and returns its figures. A run that exhausts the heap limit
 * is recorded in `outOfMemoryAt` and retried with four times the limit (once), so the figures
 * say both whether it fits and what it needs.
 */
export async function runMatchingBench(size: MatchingBenchSize): Promise<MatchingBenchFigures> {
  const outOfMemoryAt: number[] = [];
  let heap = size.maxOldSpaceSizeMiB ?? 1024;
  for (let attempt = 0; ; attempt++) {
    try {
      const figures = JSON.parse(await runWorker(size, heap)) as Omit<
        MatchingBenchFigures,
        "credentialsPerSecond" | "outOfMemoryAt"
      >;
      return {
        ...figures,
        credentialsPerSecond: figures.credentials / (figures.totalMs / 1000),
        outOfMemoryAt,
      };
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? "");
      if (attempt > 0 || !/heap out of memory/i.test(stderr)) throw error;
      outOfMemoryAt.push(heap);
      heap *= 4;
    }
  }
}
