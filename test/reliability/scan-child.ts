/**
 * One scan in a child process, for crash tests: reads the world's configuration, runs an
 * applying scan at the given time, and prints each phase with its time since start on stdout
 * (`phase <ms> <name>`), so the parent can kill it at a chosen point. An optional lease length
 * and renewal interval (ms) replace the scan's defaults, so a crash test need not wait minutes.
 *
 *   node --import tsx test/reliability/scan-child.ts <config.json> <ISO time> [leaseTtlMs leaseRenewMs]
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseConfigText } from "../../lambdas/config.ts";
import { fixedClock } from "../../lambdas/core/clock.ts";
import { runScan } from "../../lambdas/scan.ts";
import { createRuntime, scanDependencies } from "../../lambdas/wiring.ts";

const [configPath, at, leaseTtlMs, leaseRenewMs] = process.argv.slice(2);
if (!configPath || !at)
  throw new Error("usage: scan-child.ts <config.json> <ISO time> [leaseTtlMs leaseRenewMs]");
const config = parseConfigText(readFileSync(configPath, "utf8"), configPath);
const runtime = createRuntime({ config, env: process.env, configPath, clock: fixedClock(new Date(at)) });
let seenRevoking = false;
const start = performance.now();
const deps = await scanDependencies(runtime, {
  progress: (phase) => {
    if (!phase.startsWith("revoking") || !seenRevoking) {
      if (phase.startsWith("revoking")) seenRevoking = true;
      process.stdout.write(`phase ${Math.round(performance.now() - start)} ${phase}\n`);
    }
  },
});
const lease =
  leaseTtlMs && leaseRenewMs ? { ttlMs: Number(leaseTtlMs), renewEveryMs: Number(leaseRenewMs) } : undefined;
process.stdout.write(`phase ${Math.round(performance.now() - start)} start\n`);
const report = await runScan(lease ? { ...deps, lease } : deps, {
  apply: true,
  trigger: "reliability-child",
});
process.stdout.write(`phase ${Math.round(performance.now() - start)} done ${report.status}\n`);
process.exit(0);
