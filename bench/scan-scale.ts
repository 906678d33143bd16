/**
 * B3's whole-scan row: `runScan` in report mode over B3's credentials and departures, in a
 * fresh process (`scan-scale-worker.ts`), to show what the scan costs beyond matching: holding
 * every credential and finding, the plan, the report. No target in the issue; it sizes the
 * scan function (docs/deploy.md, "Sizing the scan").
 */
import { fileURLToPath } from "node:url";
import { runInFreshNode } from "./support.ts";

const WORKER = fileURLToPath(new URL("./scan-scale-worker.ts", import.meta.url));

/** The figures of one whole-scan run (times in ms, memory in MiB). */
export interface ScanScaleFigures {
  readonly credentials: number;
  readonly departures: number;
  readonly findings: number;
  /** Reading the departures, the index, and the source making its credentials. */
  readonly discoverMs: number;
  /** From the credentials in hand to the report. */
  readonly scanMs: number;
  readonly totalMs: number;
  readonly peakRssMiB: number;
  readonly heapUsedMiB: number;
  readonly maxOldSpaceSizeMiB: number;
}

/** Runs the whole scan once in a fresh `node` process with a V8 old-space limit of `heapMiB`. */
export async function runScanScaleBench(size: {
  readonly credentials: number;
  readonly departures: number;
  /** @default 4096 */
  readonly heapMiB?: number;
}): Promise<ScanScaleFigures> {
  const line = await runInFreshNode(
    WORKER,
    [String(size.credentials), String(size.departures)],
    size.heapMiB ?? 4096,
  );
  return JSON.parse(line) as ScanScaleFigures;
}
