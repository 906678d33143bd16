/**
 * B5: time from an HR webhook call to a verified revoked key, in-process. Each departure is
 * one signed webhook request to `handleDepartureWebhook` with a real store (the local
 * directory adapter the CLI uses); its `triggerScan` runs `runScan` for that person at once
 * with the real composition root against the sandbox (in AWS it is an asynchronous Lambda
 * invoke: add its latency). The clock stops when the scan returns with the key's revocation
 * read back as `verified` and the sandbox shows the key `Inactive`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseConfig } from "../lambdas/config.ts";
import { fixedClock } from "../lambdas/core/clock.ts";
import { handleDepartureWebhook, signWebhookBody } from "../lambdas/departures/webhook.ts";
import { runScan } from "../lambdas/scan.ts";
import { createRuntime, scanDependencies } from "../lambdas/wiring.ts";
import { type ScenarioUser, startSandbox } from "../sandbox/index.ts";
import { percentile, withEnv } from "./support.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
const SECRET = "bench-webhook-secret";

/** Size of one B5 run. */
export interface RevokeBenchSize {
  /** Departures, one webhook request each, one after the other. */
  readonly departures: number;
  /** Latency added to every sandbox call. @default 0 */
  readonly latencyMs?: number;
}

/** The figures of one B5 run (ms). */
export interface RevokeBenchFigures {
  readonly departures: number;
  readonly latencyMs: number;
  /** Webhook call to verified revocation, per departure. */
  readonly samplesMs: readonly number[];
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  /** Webhook call to the scan being triggered (authentication, validation, store). */
  readonly acceptP50Ms: number;
  /** Keys verified revoked (should equal departures). */
  readonly verified: number;
  /** Keys the sandbox shows Inactive at the end. */
  readonly inactive: number;
  /** Webhook answers by status code. */
  readonly statuses: Readonly<Record<string, number>>;
}

function keyId(i: number): string {
  return `AKIALEAVER${String(i).padStart(10, "0")}`;
}

/** Runs B5 once and returns its figures. */
export async function runRevokeBench(size: RevokeBenchSize): Promise<RevokeBenchFigures> {
  const latencyMs = size.latencyMs ?? 0;
  const users: ScenarioUser[] = Array.from({ length: size.departures }, (_, i) => ({
    userName: `leaver${i}`,
    tags: { email: `leaver${i}@corp.example` },
    createdAt: new Date(NOW.getTime() - 300 * DAY).toISOString(),
    accessKeys: [
      {
        id: keyId(i),
        createdAt: new Date(NOW.getTime() - 60 * DAY).toISOString(),
        lastUsedAt: new Date(NOW.getTime() - 3 * DAY).toISOString(),
      },
    ],
  }));
  const sb = await startSandbox({ scenario: { now: NOW.toISOString(), iam: { users } } });
  if (latencyMs > 0) sb.faults.set("*", { latencyMs });
  const dir = mkdtempSync(join(tmpdir(), "iam-hygiene-bench-b5-"));
  try {
    return await withEnv(sb.env(), async () => {
      const clock = fixedClock(NOW);
      const config = parseConfig({
        mode: "enforce",
        store: { type: "local", dir: "state" },
        sources: { "aws-iam": { reportPollMs: 50 } },
      });
      const runtime = createRuntime({
        config,
        env: process.env,
        configPath: join(dir, "config.json"),
        clock,
      });
      const samples: number[] = [];
      const accepted: number[] = [];
      const statuses: Record<string, number> = {};
      let verified = 0;
      for (let i = 0; i < size.departures; i++) {
        const body = JSON.stringify({
          eventId: `bench-${i}`,
          person: {
            email: `leaver${i}@corp.example`,
            name: `Leaver ${i}`,
            departed_at: new Date(NOW.getTime() - DAY).toISOString(),
          },
        });
        const timestamp = Math.floor(NOW.getTime() / 1000);
        const start = performance.now();
        let triggeredAt = 0;
        let doneAt = 0;
        const response = await handleDepartureWebhook(
          {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-iamhygiene-timestamp": String(timestamp),
              "x-iamhygiene-signature": signWebhookBody(SECRET, timestamp, body),
            },
            body,
          },
          {
            store: runtime.store,
            secret: async () => SECRET,
            clock,
            timeZone: "UTC",
            triggerScan: async ({ people, eventId }) => {
              triggeredAt = performance.now();
              const deps = await scanDependencies(runtime, { departures: undefined });
              const report = await runScan(deps, { apply: true, trigger: `hr-webhook:${eventId}`, people });
              const item = report.plan.items.find((it) => it.finding.credential?.nativeId === keyId(i));
              if (item?.actions.some((a) => a.type === "verify" && a.status === "verified")) {
                doneAt = performance.now();
                verified++;
              }
            },
          },
        );
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        if (doneAt > 0) samples.push(doneAt - start);
        if (triggeredAt > 0) accepted.push(triggeredAt - start);
      }
      for (const client of [runtime.clients.iam(), runtime.clients.sts(), runtime.clients.cloudTrail()])
        client.destroy();
      const inactive = users.filter((_, i) => sb.iam.accessKeys.get(keyId(i))?.status === "Inactive").length;
      return {
        departures: size.departures,
        latencyMs,
        samplesMs: samples,
        p50Ms: percentile(samples, 50),
        p95Ms: percentile(samples, 95),
        maxMs: Math.max(...samples),
        acceptP50Ms: percentile(accepted, 50),
        verified,
        inactive,
        statuses,
      };
    });
  } finally {
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
