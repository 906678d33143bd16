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
import { LocalDirectoryStore } from "../../lambdas/store/local.ts";
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
      const first = await w.scan();
      const requests = Object.values(w.sb.calls()).reduce((a, b) => a + b, 0);
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

/** One kill point of the crash scenario. */
export interface CrashPoint {
  /** Milliseconds after the child reported its first revocation that SIGKILL was sent. */
  readonly killAfterMs: number;
  /** The last phase the child reported before it died. */
  readonly lastPhase: string;
  /** The child finished before the kill landed. */
  readonly finishedFirst: boolean;
  /** An immediate rerun (same time): `busy` while the dead scan's lease lasts. */
  readonly immediateRerun: string;
  /** The rerun after the lease expired. */
  readonly laterRerun: string;
  readonly laterRerunMs: number;
  readonly check: WorldCheck;
  readonly auditRecords: number;
  readonly ok: boolean;
}

/** What the crash scenario saw. */
export interface CrashResult {
  readonly points: readonly CrashPoint[];
  /** The apply window of an uninterrupted child scan (ms after its first revocation): kills are drawn in it. */
  readonly applyWindowMs: readonly [number, number];
  readonly seed: number;
}

interface ChildRun {
  readonly phases: Array<{ ms: number; name: string }>;
  readonly killed: boolean;
}

/** Runs the child scan against `w`; kills it `killAfterMs` after it reports its first revocation (if given). */
function childScan(w: World, at: Date, killAfterMs?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, w.configPath, at.toISOString()], {
      cwd: ROOT,
      env: { ...process.env, ...w.env() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const phases: Array<{ ms: number; name: string }> = [];
    let buffer = "";
    let timer: NodeJS.Timeout | undefined;
    let killed = false;
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
          if (match[2]!.startsWith("revoking") && killAfterMs !== undefined && !timer) {
            timer = setTimeout(() => {
              killed = child.kill("SIGKILL");
            }, killAfterMs);
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
      clearTimeout(deadline);
      if (timer) clearTimeout(timer);
      if (code !== 0 && signal !== "SIGKILL")
        reject(new Error(`child scan failed (${code}): ${stderr.slice(-2000)}`));
      else resolve({ phases, killed: killed && signal === "SIGKILL" });
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

/**
 * Kills an applying scan (a child process, SIGKILL) at `points` random moments in its apply
 * window, then reruns: at once (the dead scan's lease still holds) and after the lease's
 * 15 minutes. Each point runs on a fresh world whose IAM writes are slowed (+40 ms) so the
 * apply window is wide enough to land in.
 */
export async function runCrashScenario(size: WorldSize, points: number, seed = 42): Promise<CrashResult> {
  const slow = (w: World) => {
    for (const action of ["UpdateAccessKey", "DeleteLoginProfile", "PutUserPolicy"])
      w.sb.faults.set(`iam:${action}`, { latencyMs: 40 });
  };
  const calibration = await World.create(size);
  let window: [number, number];
  try {
    slow(calibration);
    const run = await childScan(calibration, NOW);
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
      const run = await childScan(w, NOW, killAfterMs);
      w.sb.faults.clear();
      const immediate = await w.scan({ at: NOW });
      const started = performance.now();
      const later = await w.scan({ at: new Date(NOW.getTime() + 16 * 60_000) });
      const laterRerunMs = performance.now() - started;
      const check = await w.check();
      results.push({
        killAfterMs,
        lastPhase: run.phases.at(-1)?.name ?? "(none)",
        finishedFirst: !run.killed,
        immediateRerun: immediate.status,
        laterRerun: later.status,
        laterRerunMs,
        check,
        auditRecords: Object.values(check.auditRecords).reduce((a, b) => a + b, 0),
        ok: later.status === "completed" && clean(check),
      });
    } finally {
      await w.close();
    }
  }
  return { points: results, applyWindowMs: window, seed };
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
