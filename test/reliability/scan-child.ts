/**
 * One scan in a child process, for crash tests: reads the world's configuration, runs an
 * applying scan at the given time, and prints each phase with its time since start on stdout
 * (`phase <ms> <name>`), so the parent can kill it at a chosen point.
 *
 *   node --import tsx test/reliability/scan-child.ts <config.json> <ISO time>
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseConfigText } from "../../lambdas/config.ts";
import { fixedClock } from "../../lambdas/core/clock.ts";
import { runScan } from "../../lambdas/scan.ts";
import { createRuntime, scanDependencies } from "../../lambdas/wiring.ts";

const [configPath, at] = process.argv.slice(2);
if (!configPath || !at) throw new Error("usage: scan-child.ts <config.json> <ISO time>");
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
process.stdout.write(`phase ${Math.round(performance.now() - start)} start\n`);
const report = await runScan(deps, { apply: true, trigger: "reliability-child" });
process.stdout.write(`phase ${Math.round(performance.now() - start)} done ${report.status}\n`);
process.exit(0);
