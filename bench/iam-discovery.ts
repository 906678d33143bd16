/**
 * B1: what the IAM source costs in API calls and wall time on a large account, against a naive
 * per-user enumeration, side by side on the same sandbox in one run.
 *
 * The sandbox holds `users` users with two access keys each; `departed` of them carry the
 * email (owner tag and user name) of a person on the departure list. Every call gets
 * `latencyMs` of added latency. The source is driven through `runScan` (report mode) with the
 * real composition root (without a findings store), once with `freshReads: "targeted"` (the
 * default) and once with `"all"`; the naive side is ListUsers, then ListAccessKeys per user, then
 * GetAccessKeyLastUsed per key, at the same concurrency as the source.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  paginateListUsers,
} from "@aws-sdk/client-iam";
import { parseConfig } from "../lambdas/config.ts";
import { fixedClock } from "../lambdas/core/clock.ts";
import { runScan } from "../lambdas/scan.ts";
import { createRuntime, scanDependencies } from "../lambdas/wiring.ts";
import { type ScenarioUser, startSandbox } from "../sandbox/index.ts";
import { mapLimit, totalCalls, withEnv } from "./support.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
const iso = (daysAgo: number): string => new Date(NOW.getTime() - daysAgo * DAY).toISOString();

/** Size of the B1 account. */
export interface IamBenchSize {
  readonly users: number;
  /** Users whose owner is on the departure list. */
  readonly departed: number;
  /** Latency added to every sandbox call. @default 20 */
  readonly latencyMs?: number;
  /** Concurrency of both sides (the source's `concurrency`). @default 4 */
  readonly concurrency?: number;
}

/** The figures of one B1 run. */
export interface IamBenchFigures {
  readonly users: number;
  readonly keys: number;
  readonly departed: number;
  readonly latencyMs: number;
  readonly concurrency: number;
  /** Calls the sandbox received during the scan (all services), by action. */
  readonly scanCallsByAction: Readonly<Record<string, number>>;
  readonly scanCalls: number;
  /** Wall time of `discover` (from the scan's progress events). */
  readonly discoverMs: number;
  /** Wall time of the whole scan (discover, evaluate, plan, store). */
  readonly scanMs: number;
  /** Users the source matched to departed people and re-read. */
  readonly matchedUsers: number;
  readonly credentialsSeen: number;
  readonly naiveCalls: number;
  readonly naiveMs: number;
  readonly naiveKeysSeen: number;
  /** scanCalls / naiveCalls. */
  readonly callRatio: number;
  /** naiveMs / discoverMs. */
  readonly speedup: number;
  /**
   * The call count of a naive scan that reads everything the source reads (the 8 per-user listings
   * plus GetAccessKeyLastUsed per key): computed from the account's shape, not run.
   */
  readonly fullNaiveCallsComputed: number;
  /** The same scan with `freshReads: "all"` (every matched user's credentials re-read), run after. */
  readonly allReads: {
    readonly scanCallsByAction: Readonly<Record<string, number>>;
    readonly scanCalls: number;
    readonly discoverMs: number;
    /** scanCalls / naiveCalls. */
    readonly callRatio: number;
  };
}

function scenario(size: IamBenchSize) {
  const users: ScenarioUser[] = [];
  for (let i = 0; i < size.users; i++) {
    const gone = i < size.departed;
    const name = gone ? `person${i}` : `user${i}`;
    users.push({
      userName: name,
      path: "/staff/",
      tags: { email: `${name}@corp.example` },
      createdAt: iso(400),
      accessKeys: [
        { createdAt: iso(80), lastUsedAt: iso(gone ? 20 : 1), lastUsedService: "s3" },
        { createdAt: iso(30), lastUsedAt: iso(gone ? 15 : 2), lastUsedService: "sts" },
      ],
    });
  }
  return { now: NOW.toISOString(), iam: { users } };
}

/** Runs B1 once at `size` and returns its figures. */
export async function runIamBench(size: IamBenchSize): Promise<IamBenchFigures> {
  const latencyMs = size.latencyMs ?? 20;
  const concurrency = size.concurrency ?? 4;
  const sb = await startSandbox({ scenario: scenario(size) });
  const dir = mkdtempSync(join(tmpdir(), "iam-hygiene-bench-b1-"));
  try {
    const rows = ["email,name,departed_at"];
    for (let i = 0; i < size.departed; i++) rows.push(`person${i}@corp.example,Person ${i},${iso(10)}`);
    writeFileSync(join(dir, "departures.csv"), `${rows.join("\n")}\n`);
    sb.faults.set("*", { latencyMs });

    const scanWith = (freshReads: "targeted" | "all") =>
      withEnv(sb.env(), async () => {
        const config = parseConfig({
          mode: "report",
          departures: { source: { type: "file", path: "departures.csv" } },
          store: { type: "local", dir: "state" },
          sources: { "aws-iam": { reportPollMs: 50, concurrency, freshReads } },
        });
        const runtime = createRuntime({
          config,
          env: process.env,
          configPath: join(dir, "config.json"),
          clock: fixedClock(NOW),
        });
        let discoverStart = 0;
        let discoverEnd = 0;
        // No findings store: B1 compares discovery's API calls and time, not writing ~20,000 files.
        const deps = await scanDependencies(runtime, {
          store: undefined,
          progress: (phase) => {
            if (phase === "discovering aws-iam") discoverStart = performance.now();
            if (phase === "discovered aws-iam") discoverEnd = performance.now();
          },
        });
        sb.resetCalls();
        const start = performance.now();
        const report = await runScan(deps, { apply: false, trigger: "bench" });
        const scanMs = performance.now() - start;
        const calls = sb.calls();
        const summary = report.sources.find((s) => s.source === "aws-iam");
        for (const client of [runtime.clients.iam(), runtime.clients.sts(), runtime.clients.cloudTrail()])
          client.destroy();
        return {
          calls,
          scanMs,
          discoverMs: discoverEnd - discoverStart,
          matchedUsers: Number(summary?.stats.matchedUsers ?? 0),
          credentialsSeen: summary?.credentials ?? 0,
        };
      });
    const scan = await scanWith("targeted");

    // The naive side: same sandbox, same latency, same concurrency, same SDK settings.
    const naive = await withEnv(sb.env(), async () => {
      const iam = new IAMClient({ retryMode: "adaptive", maxAttempts: 8 });
      sb.resetCalls();
      const start = performance.now();
      const names: string[] = [];
      for await (const page of paginateListUsers({ client: iam, pageSize: 1000 }, {})) {
        for (const u of page.Users ?? []) if (u.UserName) names.push(u.UserName);
      }
      const perUser = await mapLimit(names, concurrency, async (userName) => {
        const keys = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
        let seen = 0;
        for (const key of keys.AccessKeyMetadata ?? []) {
          await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId! }));
          seen++;
        }
        return seen;
      });
      const ms = performance.now() - start;
      iam.destroy();
      return { calls: totalCalls(sb.calls()), ms, keys: perUser.reduce((a, b) => a + b, 0) };
    });

    // The same scan with every matched user's credentials re-read, on the same account.
    const all = await scanWith("all");

    const scanCalls = totalCalls(scan.calls);
    const keys = size.users * 2;
    return {
      users: size.users,
      keys,
      departed: size.departed,
      latencyMs,
      concurrency,
      scanCallsByAction: scan.calls,
      scanCalls,
      discoverMs: scan.discoverMs,
      scanMs: scan.scanMs,
      matchedUsers: scan.matchedUsers,
      credentialsSeen: scan.credentialsSeen,
      naiveCalls: naive.calls,
      naiveMs: naive.ms,
      naiveKeysSeen: naive.keys,
      callRatio: scanCalls / naive.calls,
      speedup: naive.ms / scan.discoverMs,
      fullNaiveCallsComputed: Math.ceil(size.users / 1000) + size.users * 8 + keys,
      allReads: {
        scanCallsByAction: all.calls,
        scanCalls: totalCalls(all.calls),
        discoverMs: all.discoverMs,
        callRatio: totalCalls(all.calls) / naive.calls,
      },
    };
  } finally {
    sb.faults.clear();
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
