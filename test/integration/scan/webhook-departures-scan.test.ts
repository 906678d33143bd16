/**
 * Webhook departures are never lost, only late, in the deployed shape: the departure list in S3
 * (the construct's default source, which never names webhook events), the store in DynamoDB
 * (dynalite), the audit trail in S3, the scan behind the scan Lambda's handler, all through the
 * real composition root and the real SDK against the sandbox.
 *
 * - A person the webhook scheduled (grace period, future `departed_at`) is revoked by a later
 *   scheduled scan, though the S3 list never names them.
 * - A person the list took over is removed when the list drops them (a re-hire), webhook or not.
 * - A targeted scan that finds the lease busy fails its invocation (Lambda retries it, then the
 *   dead-letter queue keeps it); a scheduled one does not. The audit trail shows every run.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import { handleDepartureWebhook, signWebhookBody } from "../../../lambdas/departures/webhook.ts";
import { targetedScanEvent } from "../../../lambdas/handlers/scan-events.ts";
import { makeHandler, ScanBusyError } from "../../../lambdas/handlers/scheduled-scan.ts";
import { runScan, type ScanRequest } from "../../../lambdas/scan.ts";
import { DynamoDbStore, S3AuditLog } from "../../../lambdas/store/index.ts";
import { createRuntime, scanDependencies } from "../../../lambdas/wiring.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";
import {
  createStoreTable,
  localDynamoDbClient,
  type RunningDynalite,
  startDynalite,
} from "../../support/dynalite.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const HOUR = 3_600_000;
const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR);
const SECRET = "whsec-test";
const context = { functionName: "scan", awsRequestId: "req-1" } as unknown as Context;

const USERS = ["ada", "bob", "dee", "cy", "eve"] as const;
const key = (user: string) => `AKIA${user.toUpperCase().padEnd(16, "0")}`;

let sb: Sandbox;
let dynalite: RunningDynalite;
let table = "";
let tables = 0;
const savedEnv = { ...process.env };

beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  process.env = savedEnv;
  await dynalite.close();
});

beforeEach(async () => {
  await sb?.close();
  sb = await startSandbox({
    scenario: {
      now: NOW.toISOString(),
      iam: {
        users: USERS.map((user) => ({
          userName: user,
          tags: { email: `${user}@corp.example` },
          createdAt: "2025-01-01T00:00:00Z",
          accessKeys: [
            { id: key(user), createdAt: "2026-01-01T00:00:00Z", lastUsedAt: "2026-05-20T09:00:00Z" },
          ],
        })),
      },
      s3: {
        buckets: {
          hr: { "departures.csv": `email,departed_at\nada@corp.example,2026-05-20\n` },
          trail: {},
        },
      },
    },
  });
  process.env = { ...savedEnv, ...sb.env(), AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint };
  table = `store-${++tables}`;
  await createStoreTable(localDynamoDbClient(dynalite.endpoint), table);
});
afterAll(async () => {
  await sb?.close();
});

function runtimeAt(time: Date) {
  const config = parseConfig({
    mode: "enforce",
    departures: {
      source: { type: "s3", uri: "s3://hr/departures.csv" },
      gracePeriodHours: 24,
      maxShareOfIdentities: 1,
      maxGrowthFactor: 1000,
    },
    store: { type: "dynamodb", table },
    audit: { type: "s3", bucket: "trail", prefix: "audit/" },
    sources: { "aws-iam": { reportPollMs: 0 } },
  });
  return createRuntime({ config, env: process.env, clock: fixedClock(time) });
}

/** The scan Lambda's handler, its scans run as `lambdaScanner` runs them, at `time`. */
function scanHandler(time: () => Date) {
  return makeHandler({
    scan: async (request: ScanRequest) => {
      const runtime = runtimeAt(time());
      return runScan(
        await scanDependencies(runtime, request.people ? { departures: undefined } : {}),
        request,
      );
    },
    logger: new Logger({ serviceName: "test", logLevel: "SILENT" }),
    metrics: new Metrics({
      namespace: "Test",
      serviceName: "test",
      logger: { info() {}, warn() {}, error() {}, debug() {} } as never,
    }),
  });
}

/** HR posts one person; the webhook stores the event and returns the async invoke's payload. */
async function postDeparture(eventId: string, email: string, departedAt: Date): Promise<unknown> {
  const invoked: unknown[] = [];
  const body = JSON.stringify({ eventId, person: { email, departed_at: departedAt.toISOString() } });
  const timestamp = Math.floor(NOW.getTime() / 1000);
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
      store: runtimeAt(NOW).store,
      secret: async () => SECRET,
      clock: fixedClock(NOW),
      timeZone: "UTC",
      // An async Lambda invoke: the payload is queued; the scan runs (and may fail) later.
      triggerScan: async ({ people }) => {
        invoked.push(JSON.parse(JSON.stringify(targetedScanEvent(`hr-webhook:${eventId}`, eventId, people))));
      },
    },
  );
  expect(response.statusCode).toBe(202);
  return invoked[0];
}

const status = (user: string) => sb.iam.accessKeys.get(key(user))?.status;

async function auditTrail(): Promise<Array<Record<string, unknown>>> {
  const s3 = new S3Client({ ...sandboxClientConfig(sb), forcePathStyle: true });
  try {
    return await new S3AuditLog(s3, "trail", "audit/").read();
  } finally {
    s3.destroy();
  }
}

describe("webhook departures with the S3 list as the configured source", () => {
  it("revokes a person the webhook scheduled at the next scheduled scan, though the S3 list never names them", async () => {
    // Prepare: Bob left an hour ago (24 h grace period), Dee leaves in two days; HR's S3 list names neither.
    let now = NOW;
    const handler = scanHandler(() => now);
    const bobEvent = await postDeparture("evt-bob", "bob@corp.example", at(-1));
    const deeEvent = await postDeparture("evt-dee", "dee@corp.example", at(48));

    // Act: the targeted scans run at once; scheduled scans follow a day and three days later.
    const bobScan = await handler(bobEvent, context);
    const deeScan = await handler(deeEvent, context);
    const afterTargeted = { bob: status("bob"), dee: status("dee") };
    now = at(25);
    await handler({ trigger: "schedule" }, context);
    const afterFirstSchedule = { bob: status("bob"), dee: status("dee") };
    now = at(72);
    await handler({ trigger: "schedule" }, context);

    // Assess
    expect(bobScan.status).toBe("completed");
    expect(deeScan.status).toBe("completed");
    expect(afterTargeted).toEqual({ bob: "Active", dee: "Active" });
    expect(afterFirstSchedule).toEqual({ bob: "Inactive", dee: "Active" });
    expect(status("dee")).toBe("Inactive");
    expect(status("ada")).toBe("Inactive");
    expect(status("cy")).toBe("Active");
    expect(status("eve")).toBe("Active");
  });

  it("drops a person the list took over once the list no longer names them (a re-hire), though their webhook event stays", async () => {
    // Prepare: Cy leaves in two days, on the list and by webhook.
    let now = NOW;
    const handler = scanHandler(() => now);
    sb.s3.putObject(
      "hr",
      "departures.csv",
      "email,departed_at\nada@corp.example,2026-05-20\ncy@corp.example,2026-06-03T12:00:00Z\n",
    );
    await postDeparture("evt-cy", "cy@corp.example", at(48));

    // Act: a scheduled scan accepts the list naming Cy; then HR re-hires Cy and removes the row.
    const first = await handler({ trigger: "schedule" }, context);
    sb.s3.putObject("hr", "departures.csv", "email,departed_at\nada@corp.example,2026-05-20\n");
    now = at(96);
    await handler({ trigger: "schedule" }, context);

    // Assess
    expect(first.status).toBe("completed");
    expect(status("ada")).toBe("Inactive");
    expect(status("cy")).toBe("Active");
  });
});

describe("a targeted scan that finds the lease busy", () => {
  it("fails its invocation so Lambda retries it, acts on the retry, and the audit trail shows every run", async () => {
    // Prepare: another scan (an org-wide one, a laptop) holds the lease.
    const handler = scanHandler(() => NOW);
    const store = new DynamoDbStore(localDynamoDbClient(dynalite.endpoint), table);
    await store.acquireLease("scan", "someone-else", 60_000, new Date());
    const eveEvent = await postDeparture("evt-eve", "eve@corp.example", at(-48));
    const s3Event = {
      Records: [{ eventSource: "aws:s3", s3: { bucket: { name: "hr" }, object: { key: "departures.csv" } } }],
    };

    // Act
    const targeted = handler(eveEvent, context);
    await expect(targeted).rejects.toBeInstanceOf(ScanBusyError);
    await expect(handler(s3Event, context)).rejects.toBeInstanceOf(ScanBusyError);
    const scheduled = await handler({ trigger: "schedule" }, context);
    const eveWhileBusy = status("eve");
    await store.releaseLease("scan", "someone-else");
    const retried = await handler(eveEvent, context);

    // Assess
    expect(scheduled.status).toBe("busy");
    expect(eveWhileBusy).toBe("Active");
    expect(retried.status).toBe("completed");
    expect(status("eve")).toBe("Inactive");
    const trail = await auditTrail();
    const busy = trail.filter((r) => r.type === "scan" && r.status === "busy").map((r) => r.trigger);
    expect(busy).toEqual(["hr-webhook:evt-eve", "s3:hr/departures.csv", "schedule"]);
    const started = trail.filter((r) => r.type === "scan-started");
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      scanId: retried.scanId,
      trigger: "hr-webhook:evt-eve",
      mode: "enforce",
      applied: true,
      people: ["eve@corp.example"],
    });
    const finished = trail.filter((r) => r.type === "scan" && r.status === "completed");
    expect(finished.map((r) => r.scanId)).toEqual([retried.scanId]);
    // The start is written before the end.
    expect(trail.findIndex((r) => r.type === "scan-started")).toBeLessThan(
      trail.findIndex((r) => r.type === "scan" && r.status === "completed"),
    );
  });
});
