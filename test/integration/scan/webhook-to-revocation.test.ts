/**
 * One departure from HR's signed webhook to a revoked, verified key in the sandbox, through the
 * same steps the Lambdas take: the webhook stores the event and sends a targeted scan event; the
 * scan handler's parser turns it into a request; the one use case revokes. (How long it takes is
 * measured in bench/, B5; here it is asserted only as "revoked".)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import { handleDepartureWebhook, signWebhookBody } from "../../../lambdas/departures/webhook.ts";
import { scanRequestFromEvent, targetedScanEvent } from "../../../lambdas/handlers/scan-events.ts";
import { runScan, type ScanReport } from "../../../lambdas/scan.ts";
import { createRuntime, scanDependencies } from "../../../lambdas/wiring.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const SECRET = "whsec-test";
let sb: Sandbox;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sb = await startSandbox({
    scenario: {
      now: NOW.toISOString(),
      iam: {
        users: [
          {
            userName: "leo.park",
            tags: { email: "leo.park@corp.example" },
            createdAt: "2025-01-01T00:00:00Z",
            accessKeys: [
              {
                id: "AKIALEOPARK000000001",
                createdAt: "2026-01-01T00:00:00Z",
                lastUsedAt: "2026-05-31T09:00:00Z",
              },
            ],
          },
          {
            userName: "mia.chen",
            tags: { email: "mia.chen@corp.example" },
            createdAt: "2025-01-01T00:00:00Z",
            accessKeys: [
              {
                id: "AKIAMIACHEN000000001",
                createdAt: "2026-01-01T00:00:00Z",
                lastUsedAt: "2026-05-31T09:00:00Z",
              },
            ],
          },
        ],
      },
    },
  });
  Object.assign(process.env, sb.env());
});

afterAll(async () => {
  process.env = savedEnv;
  await sb.close();
});

describe("from HR's click to a revoked key", () => {
  it("accepts a signed departure, scans for that person at once, and revokes only their key", async () => {
    // Prepare: the deployed shape, a DynamoDB-like store and the scan Lambda behind an async invoke.
    const config = parseConfig({
      mode: "enforce",
      store: { type: "local", dir: mkdtempSync(join(tmpdir(), "webhook-e2e-")) },
      sources: { "aws-iam": { reportPollMs: 0 } },
    });
    const runtime = createRuntime({ config, env: process.env, clock: fixedClock(NOW) });
    const scans: ScanReport[] = [];
    const body = JSON.stringify({
      eventId: "hris-evt-1001",
      person: { email: "leo.park@corp.example", name: "Leo Park", departed_at: "2026-06-01T09:00:00Z" },
    });
    const timestamp = Math.floor(NOW.getTime() / 1000);

    // Act
    const response = await handleDepartureWebhook(
      {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-IamHygiene-Timestamp": String(timestamp),
          "X-IamHygiene-Signature": signWebhookBody(SECRET, timestamp, body),
        },
        body,
      },
      {
        store: runtime.store,
        secret: async () => SECRET,
        clock: fixedClock(NOW),
        timeZone: "UTC",
        triggerScan: async ({ people, eventId }) => {
          // What the async Lambda invoke carries, serialised and parsed back as the scan handler does.
          const event = JSON.parse(
            JSON.stringify(targetedScanEvent(`hr-webhook:${eventId}`, eventId, people)),
          );
          const request = scanRequestFromEvent(event);
          scans.push(await runScan(await scanDependencies(runtime, { departures: undefined }), request));
        },
      },
    );

    // Assess
    expect(response.statusCode).toBe(202);
    expect(scans).toHaveLength(1);
    expect(scans[0]?.trigger).toBe("hr-webhook:hris-evt-1001");
    expect(sb.iam.accessKeys.get("AKIALEOPARK000000001")?.status).toBe("Inactive");
    expect(sb.iam.accessKeys.get("AKIAMIACHEN000000001")?.status).toBe("Active");
    const revoked = scans[0]?.plan.items.find(
      (i) => i.finding.credential?.nativeId === "AKIALEOPARK000000001",
    );
    expect(revoked?.actions.some((a) => a.type === "verify" && a.status === "verified")).toBe(true);
  });
});
