/**
 * The reliability suite at full size: runs every scenario of `scenarios.ts` and writes
 * docs/RELIABILITY.md with what was held, what was injected, what was tried, and whether
 * anything was lost or done twice. Every figure is from this run.
 *
 *   npm run reliability
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { machineLine, round } from "../../bench/support.ts";
import { LEASE_RENEW_MS, LEASE_TTL_MS } from "../../lambdas/scan.ts";
import { STORE_DEFAULTS } from "../../lambdas/store/records.ts";
import {
  type ConcurrentResult,
  type CrashResult,
  type FaultResult,
  IN_FLIGHT_KILL,
  type InFlightKillResult,
  type InputResult,
  RERUN_AT,
  runConcurrentScenario,
  runConfigFuzz,
  runCrashScenario,
  runDepartureFileFuzz,
  runFaultScenarios,
  runInFlightKillScenario,
  runWebhookFuzz,
} from "./scenarios.ts";
import { NOW, type WorldCheck, type WorldSize } from "./world.ts";

const FAULT_WORLD: WorldSize = { leavers: 10, bystanders: 30 };
const CRASH_WORLD: WorldSize = { leavers: 6, bystanders: 10 };
const CRASH_POINTS = 20;

const yes = (ok: boolean): string => (ok ? "yes" : "**no**");

/** A duration in words: "2 minutes", "30 s", "750 ms". */
function duration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? "" : "s"}`;
  if (ms >= 1_000 && ms % 1_000 === 0) return `${ms / 1_000} s`;
  return ms >= 1_000 ? `${round(ms / 1_000, 2)} s` : `${ms} ms`;
}

function checkCells(c: WorldCheck): string {
  return [
    `${c.leaverKeysInactive}/${c.leaverKeys}`,
    `${c.bystanderKeysActive}/${c.bystanderKeys}`,
    c.maxUpdateRequestsPerKey > c.maxUpdatesPerKey
      ? `${c.maxUpdatesPerKey} (${c.maxUpdateRequestsPerKey} requests: the SDK re-sent a write whose answer was lost)`
      : String(c.maxUpdatesPerKey),
    String(c.maxAuditedRevocationsPerCredential),
    `${c.slackMessages} (max ${c.maxSlackPerKey}/key)`,
    `${c.jiraIssues} (max ${c.maxJiraPerLabel}/label)`,
    String(c.outboxPending),
  ].join(" | ");
}

function faultTable(results: readonly FaultResult[]): string {
  return [
    "| scenario | injected | AWS requests (faulty run) | same findings as clean | queued after faulty run | leaver keys inactive | bystander keys active | max UpdateAccessKey per key | max audited revocations per credential | Slack messages | Jira issues | outbox pending at end | nothing lost, nothing twice |",
    "| --- | --- | ---: | --- | ---: | --- | --- | ---: | ---: | --- | --- | ---: | --- |",
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.faults} | ${r.requests}${r.stalled > 0 ? ` (${r.stalled} stalled)` : ""} | ${yes(r.sameFindings)} | ${r.pendingAfterFaultyRun} | ${checkCells(r.check)} | ${yes(r.ok)} |`,
    ),
  ].join("\n");
}

function crashTable(result: CrashResult): string {
  return [
    "| # | killed after first revocation (ms) | last phase reported | finished before kill | rerun at once | busy answers, then | rerun acted after the kill (ms) | requests in flight then | audit trail shows both runs | leaver keys inactive | max UpdateAccessKey per key | max audited revocations | Slack (max/key) | Jira (max/label) | pending | ok |",
    "| ---: | ---: | --- | --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- | --- | ---: | --- |",
    ...result.points.map(
      (p, i) =>
        `| ${i + 1} | ${p.killAfterMs} | ${p.lastPhase} | ${p.finishedFirst ? "yes" : "no"} | ${p.immediateRerun} | ${p.busyBeforeActing}, ${p.laterRerun} | ${p.actedAfterKillMs} | ${p.inFlightAtRerun} | ${yes(p.audit.showsBothRuns)} (${p.audit.childStarted} started, ${p.audit.rerunBusyRecords} busy) | ${p.check.leaverKeysInactive}/${p.check.leaverKeys} | ${p.check.maxUpdatesPerKey} | ${p.check.maxAuditedRevocationsPerCredential} | ${p.check.slackMessages} (${p.check.maxSlackPerKey}) | ${p.check.jiraIssues} (${p.check.maxJiraPerLabel}) | ${p.check.outboxPending} | ${yes(p.ok)} |`,
    ),
  ].join("\n");
}

function inFlightTable(r: InFlightKillResult): string {
  return [
    "| write held in the network | lease (renewed every) | reruns until one acted | rerun acted after the kill (ms) | held write landed before it | UpdateAccessKey on that key | leaver keys inactive | max UpdateAccessKey per key | Slack (max/key) | pending | ok |",
    "| --- | --- | --- | ---: | --- | ---: | --- | ---: | --- | ---: | --- |",
    `| UpdateAccessKey ${r.heldKey}, ${duration(r.holdMs)} | ${duration(r.lease.ttlMs)} (${duration(r.lease.renewEveryMs)}) | ${r.statuses.length - 1} busy, then ${r.statuses.at(-1)} | ${r.actedAfterKillMs} | ${r.landedBeforeRerun ? "yes" : "no"} | ${r.updatesOfHeldKey} | ${r.check.leaverKeysInactive}/${r.check.leaverKeys} | ${r.check.maxUpdatesPerKey} | ${r.check.slackMessages} (${r.check.maxSlackPerKey}) | ${r.check.outboxPending} | ${yes(r.ok)} |`,
  ].join("\n");
}

function inputTable(results: readonly InputResult[]): string {
  return [
    "| input | tried | refused | accepted (valid by chance) | changed anything | example answer | ok |",
    "| --- | ---: | ---: | ---: | ---: | --- | --- |",
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.tried} | ${r.refused} | ${r.acceptedValid} | ${r.changed} | ${r.example.replace(/\|/g, "\\|").replace(/\n/g, " ")} | ${yes(r.ok)} |`,
    ),
  ].join("\n");
}

function concurrentTable(results: readonly ConcurrentResult[]): string {
  return [
    "| pair | statuses | leaver keys inactive | max UpdateAccessKey per key | Slack (max/key) | the completed scan | ok |",
    "| ---: | --- | --- | ---: | --- | --- | --- |",
    ...results.map(
      (r, i) =>
        `| ${i + 1} | ${r.statuses.join(", ")} | ${r.check.leaverKeysInactive}/${r.check.leaverKeys} | ${r.check.maxUpdatesPerKey} | ${r.check.slackMessages} (${r.check.maxSlackPerKey}) | ${r.note.replace(/\|/g, "\\|")} | ${yes(r.ok)} |`,
    ),
  ].join("\n");
}

async function main(): Promise<void> {
  const started = new Date();
  const wall: Record<string, number> = {};
  const timed = async <T>(name: string, body: () => Promise<T>): Promise<T> => {
    console.error(`running ${name}...`);
    const t = performance.now();
    const out = await body();
    wall[name] = (performance.now() - t) / 1000;
    console.error(`${name} done in ${round(wall[name]!, 1)} s`);
    return out;
  };
  const faults = await timed("faults", () => runFaultScenarios(FAULT_WORLD));
  const crash = await timed("crash", () => runCrashScenario(CRASH_WORLD, CRASH_POINTS));
  const inFlight = await timed("in-flight kill", () => runInFlightKillScenario(CRASH_WORLD, IN_FLIGHT_KILL));
  const concurrent = await timed("concurrent", () => runConcurrentScenario(FAULT_WORLD, 5));
  const inputs = await timed("inputs", async () => [
    ...(await runDepartureFileFuzz(FAULT_WORLD, 2000, 40)),
    ...(await runWebhookFuzz(1000, 300)),
    ...runConfigFuzz(500),
  ]);

  const crashOk = crash.points.filter((p) => p.ok).length;
  const busyAtOnce = crash.points.filter((p) => p.immediateRerun === "busy").length;
  const acted = crash.points.filter((p) => !p.finishedFirst).map((p) => p.actedAfterKillMs);
  const inFlightAtRerun = crash.points.filter((p) => p.inFlightAtRerun > 0).length;
  const killedShown = crash.points.filter((p) => !p.finishedFirst && p.audit.showsBothRuns).length;
  const killedCount = crash.points.filter((p) => !p.finishedFirst).length;
  const killed = crash.points.filter((p) => !p.finishedFirst);
  const slackBy = (phase: string) => {
    const hits = killed.filter((p) => p.lastPhase.startsWith(phase)).map((p) => p.check.slackMessages);
    if (hits.length === 0) return "no points";
    const [low, high] = [Math.min(...hits), Math.max(...hits)];
    return `${hits.length} point${hits.length === 1 ? "" : "s"}, ${low === high ? low : `${low}–${high}`} Slack messages in all`;
  };
  const uninterrupted = crash.points.filter((p) => p.finishedFirst).map((p) => p.check.slackMessages);
  const inputsTried = inputs.reduce((a, r) => a + r.tried, 0);
  const inputsChanged = inputs.reduce((a, r) => a + r.changed, 0);
  const summary = [
    "| what | held / injected / tried | nothing lost, nothing twice |",
    "| --- | --- | --- |",
    `| load | ${FAULT_WORLD.leavers} departed users (2 keys, a password, one key used after leaving) and ${FAULT_WORLD.bystanders} colleagues per world; enforce mode; Slack and Jira fakes | — |`,
    `| faults survived | ${faults.length - 1} fault scenarios + a clean run (${faults.filter((f) => f.ok).length}/${faults.length} ok) | ${yes(faults.every((f) => f.ok))} |`,
    `| scans killed during apply (SIGKILL) | ${crash.points.length} points, ${crash.applyWindowMs[0]}–${crash.applyWindowMs[1]} ms after the first revocation (seed ${crash.seed}), ${killed.length} landed before the scan ended; ${crashOk}/${crash.points.length} finished on rerun | ${yes(crashOk === crash.points.length)} |`,
    `| scan killed with a write in flight | UpdateAccessKey held ${duration(inFlight.holdMs)} in the network; no rerun acted until the dead scan's lease expired (${inFlight.actedAfterKillMs} ms after the kill); the key was deactivated ${inFlight.updatesOfHeldKey === 1 ? "once" : `${inFlight.updatesOfHeldKey} times`} | ${yes(inFlight.ok)} |`,
    `| two scans at once | ${concurrent.length} pairs; ${concurrent.filter((c) => c.ok).length} with one completed and one busy | ${yes(concurrent.every((c) => c.ok))} |`,
    `| bad inputs | ${inputsTried} tried (${inputs.map((r) => `${r.tried} ${r.name}`).join("; ")}) | ${yes(inputsChanged === 0)} (${inputsChanged} changed anything) |`,
  ].join("\n");

  const text = [
    "# Reliability",
    "",
    `Run ${started.toISOString()} with \`npm run reliability\` (\`test/reliability/run.ts\`); CI runs the same scenarios`,
    "at small size (`test/reliability/*.test.ts`).",
    "",
    `Machine: ${machineLine()}.`,
    "",
    "## Figures",
    "",
    summary,
    "",
    "## How it is checked",
    "",
    "- Every scan goes through the real composition root (`createRuntime`, `scanDependencies`, `runScan`),",
    "  the real AWS SDK against the sandbox, the real Slack and Jira clients against the fakes in",
    "  `sandbox/providers/`, a `LocalDirectoryStore` and a file audit log.",
    "- A counting proxy in front of the sandbox records each IAM write the sandbox answered 200, with",
    "  its access key id or user name: *max UpdateAccessKey per key* is 1 when no key was deactivated",
    "  twice, even when the SDK retried around faults. It counts calls: the attempts of one SDK call",
    "  (one `amz-sdk-invocation-id`) count once. When an answer is lost after the write landed (a",
    "  stall halfway through the answer), the SDK sends the same call again and IAM applies it again",
    "  to no effect (the key is already inactive); the cell then also gives the requests.",
    "- *Max audited revocations per credential*: the number of scan records in the audit trail in which",
    "  one credential's revocation is `done`.",
    "- Slack duplicates are counted by the idempotency key in each posted message's metadata; Jira",
    "  duplicates by the `iam-hygiene-…` ticket label.",
    "- *Outbox pending*: items the store still has due at any time (a year ahead).",
    "- *Same findings*: the sorted finding ids and decisions of the faulty run equal the clean run's.",
    "- Each fault scenario: one applying scan under the fault, then the fault is healed and a",
    "  second scan runs two hours later (outbox backoff due); the checks are taken after it.",
    "",
    "## Faults",
    "",
    faultTable(faults),
    "",
    "## Scans killed during apply",
    "",
    "What a crash guarantees: work is retried, never done twice.",
    "",
    "- One applying scan per account at a time. A scan takes the account's lease in the store before",
    `  it acts (\`busy\` otherwise), renews it every ${duration(LEASE_RENEW_MS)} (\`LEASE_RENEW_MS\` in \`lambdas/scan.ts\`), and`,
    "  confirms it again right before each credential's revocation and each source's housekeeping. A",
    "  scan that cannot confirm it (another scan holds it, it lapsed while the process was paused, or",
    "  the store does not answer) writes nothing more; what it left is revoked by the next scan.",
    `- A scan that dies keeps its lease until it expires, ${duration(LEASE_TTL_MS)} (\`LEASE_TTL_MS\`) after its last renewal.`,
    "  Each IAM write it sent went out right after a renewal, so it had that long to land before any",
    "  other scan may act. The lease is measured in real time (the system clock), never on a scan's own",
    "  clock, which says when credentials are judged and may be pinned (tests, replays): before this",
    `  was so, a rerun pinned ${duration(RERUN_AT.getTime() - NOW.getTime())} later took a killed scan's lease over at once, while the`,
    "  killed scan's last `UpdateAccessKey` was still in flight, and deactivated that key a second time.",
    "- The next scan reads before it writes: discovery reads a departed person's credentials fresh, and",
    "  the revoker reads each credential again right before its write; one already Inactive is",
    '  recorded `skipped` ("not sent, it is already Inactive") and not written again.',
    "- Not covered: an IAM request still in flight longer than the lease after it was sent (IAM has",
    "  no conditional writes, so nothing can refuse a late one; the SDK's retries of a write already",
    "  started, 8 adaptive attempts, end well within it), and hosts sharing one store whose clocks",
    "  disagree by a large part of the lease (expiry is written with the holder's clock and checked",
    "  with the next scan's).",
    "",
    `Each point is a fresh world whose IAM writes are slowed by 40 ms so the apply phase is wide`,
    `enough to land in. A child process (\`test/reliability/scan-child.ts\`) runs an applying scan`,
    `and is killed with SIGKILL at a random moment of the apply window measured on an`,
    `uninterrupted run (${crash.applyWindowMs[0]}–${crash.applyWindowMs[1]} ms after its first revocation, up to notifying). Then a scan is`,
    `run at once in this process, and retried every ${duration(Math.round(crash.lease.renewEveryMs / 3))} while it answers \`busy\`, as a scheduler would,`,
    `until one acts. The reruns judge credentials ${duration(RERUN_AT.getTime() - NOW.getTime())} later, past the outbox's`,
    `\`staleSendingMs\` (${duration(STORE_DEFAULTS.staleSendingMs)}), so messages the killed scan had claimed are sent; the lease`,
    "does not go by that time. To fit twenty points in a run, the scans here hold a",
    `${duration(crash.lease.ttlMs)} lease renewed every ${duration(crash.lease.renewEveryMs)}, not the production ${duration(LEASE_TTL_MS)} and ${duration(LEASE_RENEW_MS)}: still`,
    "far longer than any request of this world takes to land, which is what the order of events rests on.",
    "",
    `- ${busyAtOnce} of ${crash.points.length} immediate reruns answered \`busy\`: the killed scan's lease stays`,
    `  held until it expires. The rerun that acted started ${acted.length > 0 ? `${Math.min(...acted)}–${Math.max(...acted)} ms` : "(no point was killed)"} after the kill;`,
    `  at that moment ${inFlightAtRerun} of ${crash.points.length} points still had a request of the killed scan in flight.`,
    "- The audit trail: a scan writes a `scan-started` record once it holds its lease, before it acts,",
    "  a `busy` record when another scan holds it, and its full record at the end. In",
    `  ${killedShown} of ${killedCount} killed points the trail shows the killed run's \`scan-started\`, one \`busy\``,
    "  record per busy answer, and the acting rerun's `scan-started` then its full record. What a",
    "  killed scan revoked is in the store's finding history: an intent before each write, its",
    "  outcome after; a write whose outcome the killed scan never recorded is recorded `verified` by",
    "  the next scan that finds the credential inactive.",
    `- Messages after a crash: killed while revoking: ${slackBy("revoking")}; killed while notifying:`,
    `  ${slackBy("notifying")}; not killed: ${uninterrupted.length > 0 ? `${Math.min(...uninterrupted)}–${Math.max(...uninterrupted)}` : "none"}. A key the killed`,
    "  scan deactivated is no longer a finding in the rerun (it is inactive), so the rerun does not",
    "  tell its manager about it: fewer Slack messages than an uninterrupted scan sends.",
    "",
    crashTable(crash),
    "",
    "### Killed with a write in flight",
    "",
    "The race behind the duplicate, made deterministic (`runInFlightKillScenario`): the counting proxy",
    "holds the child's first `UpdateAccessKey` in the network, the child is killed while it is held,",
    "and reruns start at once, retrying while `busy`. The held write lands when the proxy lets it go;",
    "a rerun that acted before then would read the key Active and deactivate it a second time.",
    "",
    inFlightTable(inFlight),
    "",
    "## Two scans at once",
    "",
    "Two applying `runScan` calls started together on one world, each with its own runtime on the",
    "same store directory.",
    "",
    concurrentTable(concurrent),
    "",
    "## Bad inputs",
    "",
    "Generated with fast-check (fixed seeds, so a run can be repeated). Departure files with one",
    "broken row go through the parser; broken and random files also through an applying scan",
    "(nothing may be written to IAM and IAM state must be unchanged). Webhook bodies are signed",
    "correctly so they reach validation; forgeries are not. Configurations go through `parseConfig`",
    "and `parseConfigText` and must be refused with a `ConfigError` listing paths.",
    "",
    inputTable(inputs),
    "",
    `Wall time per part (s): ${Object.entries(wall)
      .map(([k, v]) => `${k} ${round(v, 1)}`)
      .join(", ")}.`,
    "",
  ].join("\n");
  console.log(text);
  writeFileSync(fileURLToPath(new URL("../../docs/RELIABILITY.md", import.meta.url)), text);
}

await main();
