/**
 * B3's whole-scan process: `runScan` itself (the use case the handlers and the CLI call), in
 * report mode, over one source that hands over `credentials` credentials (B3's mix, from
 * `matching-worker.ts`) against `departures` departures, with no store, notifier or publisher.
 * What it adds to B3's matching: the scan holding every credential and finding, the plan, the
 * report. Times each phase from the scan's own progress calls and prints one JSON line.
 *
 *   node --import tsx bench/scan-scale-worker.ts <credentials> <departures>
 */
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../lambdas/config.ts";
import { fixedClock } from "../lambdas/core/clock.ts";
import type { Credential } from "../lambdas/core/model.ts";
import type { CredentialSource } from "../lambdas/core/ports/credential-source.ts";
import { runScan } from "../lambdas/scan.ts";
import { credential, NOW, people } from "./matching-worker.ts";

const mib = (bytes: number): number => Math.round((bytes / 1024 ** 2) * 10) / 10;

/** A source that makes its credentials when asked, as a real one reads them; it never acts. */
function generatedSource(count: number, staff: number): CredentialSource {
  const refuse = (): never => {
    throw new Error("a report-mode scan does not act");
  };
  return {
    id: "aws-iam",
    async discover() {
      const credentials: Credential[] = [];
      for (let i = 0; i < count; i++) credentials.push(credential(i, staff));
      return { credentials, problems: [], stats: {}, notes: [] };
    },
    revoke: refuse,
    verify: refuse,
  };
}

/** Runs the scan and returns the figures. */
export async function measureScan(credentialCount: number, departureCount: number) {
  const list = people(departureCount);
  const config = parseConfig({});
  const phases: Array<{ phase: string; atMs: number }> = [];
  const t0 = performance.now();
  const report = await runScan(
    {
      config,
      clock: fixedClock(NOW),
      sources: [generatedSource(credentialCount, departureCount * 10)],
      departures: {
        load: async () => ({
          origin: "bench",
          people: list,
          errors: [],
          rejected: false,
          rowCount: list.length,
        }),
      },
      progress: (phase) => phases.push({ phase, atMs: performance.now() - t0 }),
    },
    { apply: false, trigger: "bench" },
  );
  const totalMs = performance.now() - t0;
  const at = (phase: string): number => phases.find((p) => p.phase === phase)?.atMs ?? Number.NaN;
  const discovered = at("discovered aws-iam");
  return {
    credentials: credentialCount,
    departures: list.length,
    findings: report.plan.items.length,
    /** Reading the departures, the index, and the source making its credentials. */
    discoverMs: discovered,
    /** From the credentials in hand to the report: evaluation, the plan, the report. */
    scanMs: totalMs - discovered,
    totalMs,
    phases,
    peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    heapUsedMiB: mib(process.memoryUsage().heapUsed),
    maxOldSpaceSizeMiB: Number(/--max-old-space-size=(\d+)/.exec(process.execArgv.join(" "))?.[1] ?? 0),
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [count, departures] = process.argv.slice(2).map(Number);
  if (!count || !departures) throw new Error("usage: <credentials> <departures>");
  console.log(JSON.stringify(await measureScan(count, departures)));
}
