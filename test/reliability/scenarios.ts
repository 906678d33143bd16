/**
 * The reliability scenarios, each sized by its caller: `run.ts` runs them large and writes
 * docs/RELIABILITY.md, `reliability.test.ts` runs them small in CI. Each returns what it saw;
 * the callers decide what to print or assert. No timing is ever asserted.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { ConfigError, parseConfig, parseConfigText } from "../../lambdas/config.ts";
import { fixedClock } from "../../lambdas/core/clock.ts";
import type { Person } from "../../lambdas/core/model.ts";
import { parseDepartureList } from "../../lambdas/departures/parse.ts";
import {
  handleDepartureWebhook,
  signWebhookBody,
  type WebhookDeps,
} from "../../lambdas/departures/webhook.ts";
import type { ScanReport } from "../../lambdas/scan.ts";
import { LocalDirectoryStore } from "../../lambdas/store/local.ts";
import { STORE_DEFAULTS } from "../../lambdas/store/records.ts";
import { clean, decisionsOf, NOW, World, type WorldCheck, type WorldSize } from "./world.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = fileURLToPath(new URL("./scan-child.ts", import.meta.url));
const HOUR = 3_600_000;
const LATER = (hours: number) => new Date(NOW.getTime() + hours * HOUR);

/** What one fault scenario saw. */
export interface FaultResult {
  readonly name: string;
  readonly faults: string;
  /** First (faulty) run's finding ids and decisions equal the clean run's. */
  readonly sameFindings: boolean;
  /** Outbox items waiting right after the faulty run (Slack/Jira down: > 0 expected). */
  readonly pendingAfterFaultyRun: number;
  /** Sandbox requests during the faulty run, and how many the faults answered badly (estimated by kind). */
  readonly requests: number;
  /** Requests the sandbox stalled during the faulty run (`stallRate`, `stallBodyRate`). */
  readonly stalled: number;
  readonly check: WorldCheck;
  readonly ok: boolean;
  readonly ms: number;
}

/** The fault scenarios: what is injected, and how it is healed before the follow-up run. */
const FAULTS: ReadonlyArray<{ name: string; faults: string; inject: (w: World) => void }> = [
  {
    name: "throttling at the quota",
    faults: "IAM 5 req/s, CloudTrail 2 req/s (sandbox throttles the rest)",
    inject: (w) => {
      w.sb.faults.set("iam:*", { throttleAboveRps: 5 });
      w.sb.faults.set("cloudtrail:*", { throttleAboveRps: 2 });
    },
  },
  {
    name: "5% 5xx",
    faults: "5% of every AWS call answers 5xx",
    inject: (w) => w.sb.faults.set("*", { errorRate: 0.05 }),
  },
  {
    name: "+200 ms latency",
    faults: "every AWS call +200 ms",
    inject: (w) => w.sb.faults.set("*", { latencyMs: 200 }),
  },
  {
    name: "dropped connections",
    faults: "5% of AWS connections destroyed without an answer",
    inject: (w) => w.sb.faults.set("*", { dropRate: 0.05 }),
  },
  {
    name: "stalled connections",
    faults:
      "5% of AWS requests never answered, and 5% carried out and then stalled halfway through the answer; the scan's AWS clients end each after 1 s of silence (60 s deployed) and retry",
    inject: (w) => {
      w.sb.faults.set("*", { stallRate: 0.05, stallBodyRate: 0.05 });
      w.awsRequestTimeoutMs = 1_000;
    },
  },
  {
    name: "Slack and Jira down",
    faults: "both answer 503 for the whole first run",
    inject: (w) => {
      w.slack.outage = true;
      w.jira.outage = true;
    },
  },
];

function heal(w: World): void {
  w.sb.faults.clear();
  w.awsRequestTimeoutMs = undefined;
  w.slack.outage = false;
  w.jira.outage = false;
}

/**
 * Runs a clean world, then each fault on its own fresh world: one applying scan under the
 * fault, then (healed) a follow-up scan two hours later that delivers what waited. Compares the
 * faulty run's findings with the clean run's and checks nothing was lost or done twice.
 */
export async function runFaultScenarios(size: WorldSize): Promise<FaultResult[]> {
  const results: FaultResult[] = [];
  const cleanWorld = await World.create(size);
  let baseline: string[];
  try {
    const started = performance.now();
    const first = await cleanWorld.scan();
    baseline = decisionsOf(first.plan);
    await cleanWorld.scan({ at: LATER(2) });
    const check = await cleanWorld.check();
    results.push({
      name: "clean run",
      faults: "none",
      sameFindings: true,
      pendingAfterFaultyRun: 0,
      requests: Object.values(cleanWorld.sb.calls()).reduce((a, b) => a + b, 0),
      stalled: 0,
      check,
      ok: clean(check),
      ms: performance.now() - started,
    });
  } finally {
    await cleanWorld.close();
  }
  for (const fault of FAULTS) {
    const w = await World.create(size);
    try {
      const started = performance.now();
      fault.inject(w);
      w.sb.resetCalls();
      const stalledBefore = w.sb.faults.stalled;
      const first = await w.scan();
      const requests = Object.values(w.sb.calls()).reduce((a, b) => a + b, 0);
      const stalled = w.sb.faults.stalled - stalledBefore;
      const pendingAfterFaultyRun = (await w.check()).outboxPending;
      heal(w);
      await w.scan({ at: LATER(2) });
      const check = await w.check();
      const sameFindings = JSON.stringify(decisionsOf(first.plan)) === JSON.stringify(baseline);
      results.push({
        name: fault.name,
        faults: fault.faults,
        sameFindings,
        pendingAfterFaultyRun,
        requests,
        stalled,
        check,
        ok: sameFindings && clean(check),
        ms: performance.now() - started,
      });
    } finally {
      await w.close();
    }
  }
  return results;
}

/** The lease the crash scenarios give their scans: seconds, not the production minutes. */
export interface TestLease {
  readonly ttlMs: number;
  readonly renewEveryMs: number;
}

/**
 * The lease of the random kill points. Production leases last `LEASE_TTL_MS` (renewed every
 * `LEASE_RENEW_MS`); a few seconds here keep 20 kill points within minutes, and are still two
 * orders of magnitude longer than any request of the world takes to land (IAM writes +40 ms).
 */
export const CRASH_LEASE: TestLease = { ttlMs: 3_000, renewEveryMs: 750 };

/**
 * The scan time of reruns after a crash: a minute past the outbox's `staleSendingMs`, so
 * messages the dead scan had claimed are claimable again. The lease does not go by this time
 * (it is measured in real time), so it says nothing about the lease.
 */
export const RERUN_AT = new Date(NOW.getTime() + STORE_DEFAULTS.staleSendingMs + 60_000);

/** One kill point of the crash scenario. */
export interface CrashPoint {
  /** Milliseconds after the child reported its first revocation that SIGKILL was sent. */
  readonly killAfterMs: number;
  /** The last phase the child reported before it died. */
  readonly lastPhase: string;
  /** The child finished before the kill landed. */
  readonly finishedFirst: boolean;
  /** An immediate rerun: `busy` while the dead scan's lease lasts. */
  readonly immediateRerun: string;
  /** The rerun retried until it acted (after the lease expired): its final status. */
  readonly laterRerun: string;
  /** Real milliseconds from the kill to the start of the rerun that acted, and the busy answers before it. */
  readonly actedAfterKillMs: number;
  readonly busyBeforeActing: number;
  readonly laterRerunMs: number;
  /** Requests still in flight from the dead child when the acting rerun started. */
  readonly inFlightAtRerun: number;
  readonly check: WorldCheck;
  /** Final (`type: "scan"`) audit records of every run of this point: the reruns' busy and completed ones, and the child's if it got that far. */
  readonly auditRecords: number;
  /** What the audit trail shows of both runs (see `auditOfCrashPoint`). */
  readonly audit: CrashAudit;
  readonly ok: boolean;
}

/** What the audit trail of one crash point shows. */
export interface CrashAudit {
  /** "started" records of the killed child (1: its run shows though it never finished). */
  readonly childStarted: number;
  /** Final records of the child (0 when it was killed before writing its last record). */
  readonly childFinished: number;
  /** Busy records of the reruns, and the busy answers they got (the two must match). */
  readonly rerunBusyRecords: number;
  readonly rerunBusyAnswers: number;
  /** The rerun that acted has its "started" and its "completed" record, in that order. */
  readonly actingRerunRecorded: boolean;
  /** All of the above: the trail shows the killed run and every rerun. */
  readonly showsBothRuns: boolean;
}

/** Reads the trail of one crash point: the child's run (trigger `reliability-child`) and the reruns'. */
function auditOfCrashPoint(
  records: ReadonlyArray<Record<string, unknown>>,
  actingScanId: string,
  rerunBusyAnswers: number,
): CrashAudit {
  const child = records.filter((r) => r.trigger === "reliability-child");
  const reruns = records.filter((r) => r.trigger === "reliability");
  const childStarted = child.filter((r) => r.type === "scan-started").length;
  const childFinished = child.filter((r) => r.type === "scan").length;
  const rerunBusyRecords = reruns.filter((r) => r.type === "scan" && r.status === "busy").length;
  const startedAt = reruns.findIndex((r) => r.type === "scan-started" && r.scanId === actingScanId);
  const completedAt = reruns.findIndex(
    (r) => r.type === "scan" && r.status === "completed" && r.scanId === actingScanId,
  );
  const actingRerunRecorded = startedAt >= 0 && completedAt > startedAt;
  return {
    childStarted,
    childFinished,
    rerunBusyRecords,
    rerunBusyAnswers,
    actingRerunRecorded,
    showsBothRuns: childStarted === 1 && rerunBusyRecords === rerunBusyAnswers && actingRerunRecorded,
  };
}

/** What the crash scenario saw. */
export interface CrashResult {
  readonly points: readonly CrashPoint[];
  /** The apply window of an uninterrupted child scan (ms after its first revocation): kills are drawn in it. */
  readonly applyWindowMs: readonly [number, number];
  readonly seed: number;
  readonly lease: TestLease;
}

interface ChildRun {
  readonly phases: Array<{ ms: number; name: string }>;
  readonly killed: boolean;
  /** When SIGKILL was sent (epoch ms), if it was. */
  readonly killedAtMs?: number;
}

interface ChildOptions {
  /** Kill this long after the child reports its first revocation. */
  readonly killAfterMs?: number;
  /** Kill as soon as this settles. */
  readonly killOn?: Promise<unknown>;
  readonly lease?: TestLease;
}

/** Runs the child scan against `w`, killing it as `options` say. */
export function childScan(w: World, at: Date, options: ChildOptions = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const args = [CHILD, w.configPath, at.toISOString()];
    if (options.lease) args.push(String(options.lease.ttlMs), String(options.lease.renewEveryMs));
    const child = spawn(process.execPath, ["--import", "tsx", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...w.env() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const phases: Array<{ ms: number; name: string }> = [];
    let buffer = "";
    let timer: NodeJS.Timeout | undefined;
    let killed = false;
    let killedAtMs: number | undefined;
    let exited = false;
    const kill = () => {
      if (exited) return;
      killedAtMs = Date.now();
      killed = child.kill("SIGKILL");
    };
    options.killOn?.then(kill, kill);
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const match = /^phase (\d+) (.*)$/.exec(line);
        if (match) {
          phases.push({ ms: Number(match[1]), name: match[2]! });
          // The kill clock starts when the child reports its first revocation.
          if (match[2]!.startsWith("revoking") && options.killAfterMs !== undefined && !timer) {
            timer = setTimeout(kill, options.killAfterMs);
          }
        }
        nl = buffer.indexOf("\n");
      }
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    const deadline = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      exited = true;
      clearTimeout(deadline);
      if (timer) clearTimeout(timer);
      if (code !== 0 && signal !== "SIGKILL")
        reject(new Error(`child scan failed (${code}): ${stderr.slice(-2000)}`));
      else
        resolve({
          phases,
          killed: killed && signal === "SIGKILL",
          ...(killedAtMs !== undefined && signal === "SIGKILL" ? { killedAtMs } : {}),
        });
    });
  });
}

/** A deterministic PRNG for kill delays. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a rerun after a crash did until one attempt acted. */
interface Rerun {
  readonly report: ScanReport;
  /** `busy` answers before the attempt that acted. */
  readonly busy: number;
  /** When the attempt that acted started (epoch ms), and the requests then still in flight. */
  readonly startedAtMs: number;
  readonly inFlightAtStart: number;
  readonly ms: number;
}

/**
 * Reruns the scan as a scheduler would after a crash: at once, and again every renewal
 * interval while it answers `busy`, until one acts (or `giveUpMs` passed).
 */
async function rerunUntilActing(w: World, lease: TestLease, giveUpMs: number): Promise<Rerun> {
  const deadline = Date.now() + giveUpMs;
  let busy = 0;
  for (;;) {
    const startedAtMs = Date.now();
    const inFlightAtStart = w.proxy.inFlight;
    const started = performance.now();
    const report = await w.scan({ at: RERUN_AT, lease });
    if (report.status !== "busy" || Date.now() > deadline)
      return { report, busy, startedAtMs, inFlightAtStart, ms: performance.now() - started };
    busy++;
    await sleep(lease.renewEveryMs / 3);
  }
}

/**
 * Kills an applying scan (a child process, SIGKILL) at `points` random moments in its apply
 * window, then reruns: at once (the dead scan's lease still holds), then as a scheduler would
 * retry until one acts, which is only once the dead scan's lease has expired. Each point runs
 * on a fresh world whose IAM writes are slowed (+40 ms) so the apply window is wide enough to
 * land in.
 */
export async function runCrashScenario(
  size: WorldSize,
  points: number,
  seed = 42,
  lease: TestLease = CRASH_LEASE,
): Promise<CrashResult> {
  const slow = (w: World) => {
    for (const action of ["UpdateAccessKey", "DeleteLoginProfile", "PutUserPolicy"])
      w.sb.faults.set(`iam:${action}`, { latencyMs: 40 });
  };
  const calibration = await World.create(size);
  let window: [number, number];
  try {
    slow(calibration);
    const run = await childScan(calibration, NOW, { lease });
    const revoking = run.phases.find((p) => p.name.startsWith("revoking"))?.ms ?? 0;
    const after =
      run.phases.find((p) => p.name === "notifying" || p.name.startsWith("done"))?.ms ?? revoking + 1;
    window = [0, Math.max(1, after - revoking)];
  } finally {
    await calibration.close();
  }
  const random = mulberry32(seed);
  const results: CrashPoint[] = [];
  for (let i = 0; i < points; i++) {
    const killAfterMs = Math.round(window[0] + random() * (window[1] - window[0]));
    const w = await World.create(size);
    try {
      slow(w);
      const run = await childScan(w, NOW, { killAfterMs, lease });
      const endedAtMs = run.killedAtMs ?? Date.now();
      w.sb.faults.clear();
      const immediate = await w.scan({ at: NOW, lease });
      const later =
        immediate.status === "busy"
          ? await rerunUntilActing(w, lease, 4 * lease.ttlMs)
          : { report: immediate, busy: 0, startedAtMs: endedAtMs, inFlightAtStart: 0, ms: 0 };
      await w.proxy.drained();
      const check = await w.check();
      const audit = auditOfCrashPoint(
        w.audit(),
        later.report.scanId,
        (immediate.status === "busy" ? 1 : 0) + later.busy,
      );
      results.push({
        killAfterMs,
        lastPhase: run.phases.at(-1)?.name ?? "(none)",
        finishedFirst: !run.killed,
        immediateRerun: immediate.status,
        laterRerun: later.report.status,
        actedAfterKillMs: later.startedAtMs - endedAtMs,
        busyBeforeActing: later.busy,
        laterRerunMs: later.ms,
        inFlightAtRerun: later.inFlightAtStart,
        check,
        auditRecords: Object.values(check.auditRecords).reduce((a, b) => a + b, 0),
        audit,
        // Nothing lost includes the record of it: the killed run's start and every rerun are in the trail.
        ok: later.report.status === "completed" && clean(check) && audit.showsBothRuns,
      });
    } finally {
      await w.close();
    }
  }
  return { points: results, applyWindowMs: window, seed, lease };
}

/** What the in-flight kill saw: a scan killed while one of its IAM writes was still in the network. */
export interface InFlightKillResult {
  /** The access key whose `UpdateAccessKey` was in flight at the kill, and how long it stayed there. */
  readonly heldKey: string;
  readonly holdMs: number;
  readonly lease: TestLease;
  /** Every rerun's status from the kill until one acted. */
  readonly statuses: readonly string[];
  /** Real milliseconds from the kill to the rerun that acted. */
  readonly actedAfterKillMs: number;
  /** The held write had landed when the acting rerun started. */
  readonly landedBeforeRerun: boolean;
  /** `UpdateAccessKey` calls the sandbox applied to the held key (1: no duplicate). */
  readonly updatesOfHeldKey: number;
  readonly check: WorldCheck;
  readonly ok: boolean;
}

/**
 * The in-flight kill as CI and the full run make it: the held write lands 2.5 s after it was
 * sent, and the dead scan's lease (6 s, renewed every second) outlives it by at least 2.5 s,
 * while a rerun reaches its first write well within 2.5 s of starting.
 */
export const IN_FLIGHT_KILL = { holdMs: 2_500, lease: { ttlMs: 6_000, renewEveryMs: 1_000 } } as const;

/**
 * The race behind a duplicate deactivation, made deterministic: the proxy holds the child's
 * first `UpdateAccessKey` in the network for `holdMs`, the child is killed while it is held,
 * and reruns start at once (pinned to `RERUN_AT`, as the crash points' reruns are), retrying
 * while busy. The held write lands `holdMs` after it was sent. A rerun that acted before then
 * would read the key Active and deactivate it a second time.
 */
export async function runInFlightKillScenario(
  size: WorldSize,
  options: { holdMs: number; lease: TestLease },
): Promise<InFlightKillResult> {
  const w = await World.create(size);
  try {
    const held = w.proxy.holdNext("UpdateAccessKey", options.holdMs);
    const run = await childScan(w, NOW, { killOn: held, lease: options.lease });
    if (!run.killed) throw new Error("the child scan sent no UpdateAccessKey to hold: nothing was killed");
    const heldRequest = await held;
    const killedAtMs = run.killedAtMs ?? Date.now();
    const statuses: string[] = [];
    const rerun = await rerunUntilActing(w, options.lease, 4 * options.lease.ttlMs);
    for (let i = 0; i < rerun.busy; i++) statuses.push("busy");
    statuses.push(rerun.report.status);
    await w.proxy.drained();
    const heldKey = heldRequest.accessKeyId ?? "?";
    const landed = w.proxy.applied.find(
      (a) => a.accessKeyId === heldKey && a.receivedAtMs === heldRequest.receivedAtMs,
    );
    const check = await w.check();
    const updatesOfHeldKey = w.proxy.perTarget("UpdateAccessKey").get(heldKey) ?? 0;
    return {
      heldKey,
      holdMs: options.holdMs,
      lease: options.lease,
      statuses,
      actedAfterKillMs: rerun.startedAtMs - killedAtMs,
      landedBeforeRerun: landed !== undefined && landed.answeredAtMs <= rerun.startedAtMs,
      updatesOfHeldKey,
      check,
      ok: run.killed && rerun.report.status === "completed" && updatesOfHeldKey === 1 && clean(check),
    };
  } finally {
    await w.close();
  }
}

/** What two scans started together did. */
export interface ConcurrentResult {
  readonly statuses: readonly string[];
  /** What the completed scan said about its departures, brake and sources (for a failed pair). */
  readonly note: string;
  readonly check: WorldCheck;
  readonly ok: boolean;
}

/** Two applying scans started together on one store: one acts, the other answers `busy`. */
export async function runConcurrentScenario(size: WorldSize, pairs = 1): Promise<ConcurrentResult[]> {
  const out: ConcurrentResult[] = [];
  for (let i = 0; i < pairs; i++) {
    const w = await World.create(size);
    try {
      const reports = await Promise.all([w.scan({ trigger: "first" }), w.scan({ trigger: "second" })]);
      const statuses = reports.map((r) => r.status).sort();
      const check = await w.check();
      const done = reports.find((r) => r.status === "completed");
      const note = done
        ? [
            `departures ${done.departures.people} people${done.departures.rejected ? `, rejected: ${done.departures.rejectionReason}` : ""}`,
            `brake ${done.plan.brake.engaged ? "engaged" : "not engaged"}`,
            `revoke decisions ${done.plan.items.filter((i) => i.decision.action === "revoke").length}`,
            ...done.sources.flatMap((src) =>
              src.problems.map((p) => `${src.source} ${p.subject}: ${p.message}`),
            ),
          ].join("; ")
        : "no scan completed";
      out.push({
        statuses,
        note,
        check,
        ok: statuses.join(",") === "busy,completed" && clean(check),
      });
    } finally {
      await w.close();
    }
  }
  return out;
}

/** What the bad-input scenarios tried and how each was answered. */
export interface InputResult {
  readonly name: string;
  readonly tried: number;
  /** Refused with a clear error (status code, rejection with a line, ConfigError with paths). */
  readonly refused: number;
  /** Accepted because the generated input happened to be valid (checked separately). */
  readonly acceptedValid: number;
  /** Inputs after which the sandbox, the store or the trigger showed a change they should not have. */
  readonly changed: number;
  readonly example: string;
  readonly ok: boolean;
}

const SECRET = "reliability-webhook-secret";
const emailArb = fc.constantFrom("jane@corp.example", "bob@corp.example", "a@b.co");

/** A departure file with exactly one broken row, and the row number it is broken on. */
const brokenFileArb = fc
  .record({
    rows: fc.integer({ min: 1, max: 20 }),
    broken: fc.nat(),
    how: fc.constantFrom(
      "not-an-email",
      "bad-date",
      "no-date",
      "extra-field",
      "formula",
      "no-zone",
      "empty-email",
      "unclosed-quote",
    ),
    junk: fc.string({ maxLength: 12 }),
  })
  .map(({ rows, broken, how, junk }) => {
    const lines = ["email,name,departed_at"];
    const at = broken % rows;
    for (let i = 0; i < rows; i++) {
      let row = `person${i}@corp.example,Person ${i},2026-05-2${i % 9}`;
      if (i === at) {
        row =
          how === "not-an-email"
            ? `person${i}-at-corp${junk.replace(/[@,"\n\r]/g, "")},Person,2026-05-20`
            : how === "bad-date"
              ? `person${i}@corp.example,Person,20x6-13-45`
              : how === "no-date"
                ? `person${i}@corp.example,Person,`
                : how === "extra-field"
                  ? `person${i}@corp.example,Person,2026-05-20,surplus`
                  : how === "formula"
                    ? `=HYPERLINK("x")@corp.example,Person,2026-05-20`
                    : how === "no-zone"
                      ? `person${i}@corp.example,Person,2026-05-20T10:00:00`
                      : how === "empty-email"
                        ? `,Person,2026-05-20`
                        : `"person${i}@corp.example,Person,2026-05-20`;
      }
      lines.push(row);
    }
    return { text: `${lines.join("\n")}\n`, how, line: at + 2 };
  });

/**
 * Fuzzed departure files: `parserCases` broken files through the parser (each must be rejected
 * whole, naming a line), and `scanCases` broken or random files through an applying scan (no IAM
 * write, IAM state unchanged).
 */
export async function runDepartureFileFuzz(size: WorldSize, parserCases: number, scanCases: number) {
  const results: InputResult[] = [];
  let refused = 0;
  let accepted = 0;
  let example = "";
  fc.assert(
    fc.property(brokenFileArb, ({ text, how }) => {
      const list = parseDepartureList(text, { origin: "fuzz.csv", timeZone: "UTC", fileName: "fuzz.csv" });
      if (list.rejected && list.errors.length > 0 && list.errors[0]!.line > 0) {
        refused++;
        example ||= `${how}: ${list.errors[0]!.message} (line ${list.errors[0]!.line})`;
      } else accepted++;
      return true;
    }),
    { numRuns: parserCases, seed: 7 },
  );
  results.push({
    name: "departure files with one broken row (parser)",
    tried: parserCases,
    refused,
    acceptedValid: 0,
    changed: accepted,
    example,
    ok: accepted === 0,
  });

  const w = await World.create(size);
  try {
    const before = w.iamSnapshot();
    let tried = 0;
    let refusedScans = 0;
    let changed = 0;
    let scanExample = "";
    const samples = fc.sample(
      fc.oneof(
        brokenFileArb.map((b) => b.text),
        fc.string({ maxLength: 400 }),
        fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString("latin1")),
      ),
      { numRuns: scanCases, seed: 11 },
    );
    for (const text of samples) {
      tried++;
      writeFileSync(join(w.dir, "departures.csv"), text);
      const writesBefore = w.proxy.applied.length;
      const report = await w.scan({ at: LATER(tried) });
      const wrote = w.proxy.applied.length - writesBefore;
      if (wrote > 0 || w.iamSnapshot() !== before) changed++;
      if (report.departures.rejected || report.departures.people === 0) refusedScans++;
      if (!scanExample && report.departures.rejected)
        scanExample = report.departures.rejectionReason ?? String(report.departures.errors[0]?.message);
    }
    results.push({
      name: "broken and random departure files (applying scan)",
      tried,
      refused: refusedScans,
      acceptedValid: tried - refusedScans,
      changed,
      example: scanExample,
      ok: changed === 0,
    });
  } finally {
    await w.close();
  }
  return results;
}

interface WebhookProbe {
  readonly deps: WebhookDeps;
  readonly triggered: Person[][];
  readonly store: LocalDirectoryStore;
  readonly dir: string;
}

function webhookProbe(): WebhookProbe {
  const dir = mkdtempSync(join(tmpdir(), "iam-hygiene-reliability-webhook-"));
  const store = new LocalDirectoryStore(dir);
  const triggered: Person[][] = [];
  return {
    dir,
    store,
    triggered,
    deps: {
      store,
      secret: async () => SECRET,
      clock: fixedClock(NOW),
      timeZone: "UTC",
      triggerScan: async ({ people }) => {
        triggered.push([...people]);
      },
    },
  };
}

function signedRequest(
  body: string,
  options: { secret?: string; timestamp?: number; signature?: string } = {},
) {
  const timestamp = options.timestamp ?? Math.floor(NOW.getTime() / 1000);
  return {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-iamhygiene-timestamp": String(timestamp),
      "x-iamhygiene-signature":
        options.signature ?? signWebhookBody(options.secret ?? SECRET, timestamp, body),
    },
    body,
  };
}

const webhookBodyArb = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.json({ maxDepth: 4 }),
  fc
    .record({
      eventId: fc.oneof(fc.string({ maxLength: 20 }), fc.constant("evt-1")),
      person: fc.dictionary(
        fc.constantFrom("email", "departed_at", "name", "employee_id", "manager_email", "x"),
        fc.oneof(fc.string({ maxLength: 30 }), emailArb, fc.integer(), fc.constant(null)),
      ),
    })
    .map((v) => JSON.stringify(v)),
  fc
    .record({
      eventId: fc.constant("evt-many"),
      departures: fc.array(
        fc.record({ email: fc.string({ maxLength: 10 }), departed_at: fc.string({ maxLength: 10 }) }),
        {
          maxLength: 5,
        },
      ),
    })
    .map((v) => JSON.stringify(v)),
);

/** Fuzzed (correctly signed) webhook bodies, forged signatures, stale timestamps and replays. */
export async function runWebhookFuzz(bodies: number, forgeries: number): Promise<InputResult[]> {
  const results: InputResult[] = [];
  const probe = webhookProbe();
  try {
    let refused = 0;
    let acceptedValid = 0;
    let changed = 0;
    let example = "";
    const samples = fc.sample(webhookBodyArb, { numRuns: bodies, seed: 3 });
    for (const body of samples) {
      const before = (await probe.store.listDepartureEvents()).length;
      const triggeredBefore = probe.triggered.length;
      const response = await handleDepartureWebhook(signedRequest(body), probe.deps);
      const after = (await probe.store.listDepartureEvents()).length;
      if (response.statusCode >= 400 && response.statusCode < 500) {
        refused++;
        if (after !== before || probe.triggered.length !== triggeredBefore) changed++;
        example ||= `${response.statusCode} ${response.body}`;
      } else if (response.statusCode === 202 || response.statusCode === 200) {
        // A generated body that is a valid event: every person it triggered must carry a valid date.
        acceptedValid++;
        const last = probe.triggered.at(-1) ?? [];
        if (
          last.some(
            (p) => Number.isNaN(p.departedAt.getTime()) || p.emails.length + (p.employeeId ? 1 : 0) === 0,
          )
        )
          changed++;
      } else changed++;
    }
    results.push({
      name: "signed webhook bodies (random JSON, strings, shaped events)",
      tried: samples.length,
      refused,
      acceptedValid,
      changed,
      example: example.slice(0, 160),
      ok: changed === 0,
    });

    // Forgeries: wrong secret, random signature, tampered body, stale and future timestamps, missing headers.
    const valid = JSON.stringify({
      eventId: "evt-forged",
      person: { email: "jane@corp.example", departed_at: "2026-05-30" },
    });
    const now = Math.floor(NOW.getTime() / 1000);
    const forged = fc.sample(
      fc.oneof(
        fc
          .string({ minLength: 1, maxLength: 20 })
          .map((s) => signedRequest(valid, { secret: `${SECRET}${s}` })),
        fc
          .uint8Array({ minLength: 32, maxLength: 32 })
          .map((h) => signedRequest(valid, { signature: `v1=${Buffer.from(h).toString("hex")}` })),
        fc.string({ minLength: 1, maxLength: 5 }).map((s) => ({
          ...signedRequest(valid),
          body: valid.replace("jane", `jane${s}`),
        })),
        fc.integer({ min: 301, max: 10_000_000 }).map((d) => signedRequest(valid, { timestamp: now - d })),
        fc.integer({ min: 301, max: 10_000_000 }).map((d) => signedRequest(valid, { timestamp: now + d })),
        fc.constant({ method: "POST", headers: { "content-type": "application/json" }, body: valid }),
      ),
      { numRuns: forgeries, seed: 5 },
    );
    let forgedRefused = 0;
    let forgedChanged = 0;
    let forgedExample = "";
    for (const request of forged) {
      const before = (await probe.store.listDepartureEvents()).length;
      const triggeredBefore = probe.triggered.length;
      const response = await handleDepartureWebhook(request, probe.deps);
      if (response.statusCode === 401) forgedRefused++;
      forgedExample ||= `${response.statusCode} ${response.body}`;
      if (
        (await probe.store.listDepartureEvents()).length !== before ||
        probe.triggered.length !== triggeredBefore
      )
        forgedChanged++;
    }
    results.push({
      name: "forged signatures, stale/future timestamps, missing headers",
      tried: forged.length,
      refused: forgedRefused,
      acceptedValid: 0,
      changed: forgedChanged,
      example: forgedExample.slice(0, 160),
      ok: forgedRefused === forged.length && forgedChanged === 0,
    });

    // Replays: the same signed event delivered again triggers nothing more.
    const replayBody = JSON.stringify({
      eventId: "evt-replay",
      person: { email: "jane@corp.example", departed_at: "2026-05-30" },
    });
    const first = await handleDepartureWebhook(signedRequest(replayBody), probe.deps);
    const triggeredAfterFirst = probe.triggered.length;
    const replays = Math.max(1, Math.floor(forgeries / 10));
    let replayRefused = 0;
    for (let i = 0; i < replays; i++) {
      const again = await handleDepartureWebhook(signedRequest(replayBody), probe.deps);
      if (again.statusCode === 200 && again.body.includes("duplicate")) replayRefused++;
    }
    results.push({
      name: "replayed signed event (same event id)",
      tried: replays,
      refused: replayRefused,
      acceptedValid: first.statusCode === 202 ? 1 : 0,
      changed: probe.triggered.length - triggeredAfterFirst,
      example: '200 {"status":"duplicate"} after the first 202',
      ok:
        first.statusCode === 202 &&
        replayRefused === replays &&
        probe.triggered.length === triggeredAfterFirst,
    });
  } finally {
    rmSync(probe.dir, { recursive: true, force: true });
  }
  return results;
}

/** Malformed configurations: each must be refused with a ConfigError listing paths. */
export function runConfigFuzz(cases: number): InputResult[] {
  const base = {
    mode: "enforce",
    store: { type: "local", dir: "state" },
    sources: { "aws-iam": { concurrency: 4 } },
  };
  const mutation = fc.oneof(
    fc.record({ mode: fc.string({ maxLength: 8 }).filter((s) => s !== "report" && s !== "enforce") }),
    fc.record({ brake: fc.record({ maxRevocationsPerRun: fc.oneof(fc.integer({ max: -1 }), fc.string()) }) }),
    fc.record({
      sources: fc.record({ "aws-iam": fc.record({ concurrency: fc.integer({ min: 33, max: 10_000 }) }) }),
    }),
    fc.record({
      departures: fc.record({
        timeZone: fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !s.includes("/")),
      }),
    }),
    fc.record({ store: fc.record({ type: fc.constantFrom("redis", "s3", "") }) }),
    fc.record({ unknownKey: fc.anything() }),
    fc.record({
      exceptions: fc.array(fc.record({ reason: fc.string({ maxLength: 2 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
    fc.record({ protectedPrincipals: fc.oneof(fc.string(), fc.integer()) }),
  );
  let refused = 0;
  let changed = 0;
  let example = "";
  const samples = fc.sample(mutation, { numRuns: cases, seed: 9 });
  for (const m of samples) {
    try {
      parseConfig({ ...base, ...m });
      changed++;
    } catch (error) {
      if (
        error instanceof ConfigError &&
        error.problems.length > 0 &&
        error.problems.every((p) => p.message)
      ) {
        refused++;
        example ||= error.message.split("\n").slice(0, 2).join(" ");
      } else changed++;
    }
  }
  const results: InputResult[] = [
    {
      name: "malformed configurations (fuzzed objects)",
      tried: samples.length,
      refused,
      acceptedValid: 0,
      changed,
      example: example.slice(0, 160),
      ok: changed === 0,
    },
  ];
  const texts = ["{", "{ mode: enforce }", '{"mode": "enforce",}', "[]", '"x"', "42", "null"];
  let textRefused = 0;
  const accepted: string[] = [];
  let textExample = "";
  for (const text of texts) {
    try {
      parseConfigText(text, "broken.json");
      accepted.push(text);
    } catch (error) {
      if (error instanceof ConfigError) {
        textRefused++;
        textExample ||= error.message.split("\n").slice(0, 2).join(" ");
      } else accepted.push(text);
    }
  }
  results.push({
    name: "malformed configuration text",
    tried: texts.length,
    refused: textRefused,
    acceptedValid: 0,
    changed: accepted.length,
    example: accepted.length > 0 ? `accepted as a configuration: ${accepted.join(", ")}` : textExample,
    ok: accepted.length === 0,
  });
  return results;
}
