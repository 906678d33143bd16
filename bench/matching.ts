/**
 * B3: matching 1,000,000 credentials against 100,000 departures through `IdentityIndex` and
 * `evaluateCredentials`, the scan's pure core, timed and weighed in a fresh child process so
 * the memory figures are clean. The child runs with `--max-old-space-size` set, so a run that
 * needed a bigger heap would fail rather than pass quietly. Credentials are made and evaluated
 * a page at a time, as sources page; see `matching-worker.ts` for what is kept.
 */
import { fileURLToPath } from "node:url";
import { runInFreshNode } from "./support.ts";

const WORKER = fileURLToPath(new URL("./matching-worker.ts", import.meta.url));

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
  /**
   * Fresh processes to run, one after the other; the figures are the median run's (by total
   * time), with every run's total beside them and the highest peak memory of all. On a shared
   * two-core machine one run's time can be off by a third either way. @default 1
   */
  readonly runs?: number;
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
  /** Every run's `totalMs`, in the order run; the figures above are the median run's. */
  readonly runTotalsMs: readonly number[];
}

function runWorker(size: MatchingBenchSize, heap: number): Promise<string> {
  return runInFreshNode(
    WORKER,
    [
      String(size.credentials),
      String(size.departures),
      ...(size.pageSize !== undefined ? ["--page-size", String(size.pageSize)] : []),
      ...(size.keepFindings ? ["--keep-findings"] : []),
    ],
    heap,
  );
}

/**
 * Runs B3 `size.runs` times, each in a fresh `node` process, and returns the median run's
 * figures (by total time; the lower middle one for an even count) with every run's total, and
 * the highest peak memory any run reached.
 */
export async function runMatchingBench(size: MatchingBenchSize): Promise<MatchingBenchFigures> {
  const runs: MatchingBenchFigures[] = [];
  for (let i = 0; i < Math.max(1, size.runs ?? 1); i++) runs.push(await runOnce(size));
  const median = [...runs].sort((a, b) => a.totalMs - b.totalMs)[Math.floor((runs.length - 1) / 2)]!;
  return {
    ...median,
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    peakHeapUsedMiB: Math.max(...runs.map((r) => r.peakHeapUsedMiB)),
    outOfMemoryAt: [...new Set(runs.flatMap((r) => r.outOfMemoryAt))],
    runTotalsMs: runs.map((r) => r.totalMs),
  };
}

/**
 * One run in a fresh `node` process. A run that exhausts the heap limit is recorded in
 * `outOfMemoryAt` and retried with four times the limit (once), so the figures say both whether
 * it fits and what it needs.
 */
async function runOnce(size: MatchingBenchSize): Promise<MatchingBenchFigures> {
  const outOfMemoryAt: number[] = [];
  let heap = size.maxOldSpaceSizeMiB ?? 1024;
  for (let attempt = 0; ; attempt++) {
    try {
      const figures = JSON.parse(await runWorker(size, heap)) as Omit<
        MatchingBenchFigures,
        "credentialsPerSecond" | "outOfMemoryAt" | "runTotalsMs"
      >;
      return {
        ...figures,
        credentialsPerSecond: figures.credentials / (figures.totalMs / 1000),
        outOfMemoryAt,
        runTotalsMs: [figures.totalMs],
      };
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? "");
      if (attempt > 0 || !/heap out of memory/i.test(stderr)) throw error;
      outOfMemoryAt.push(heap);
      heap *= 4;
    }
  }
}
