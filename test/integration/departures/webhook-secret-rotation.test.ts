/**
 * Rotating the HR webhook's secret (`put-secret-value`, docs/deploy.md) while webhook containers
 * are warm: the real `SecretResolver` and SDK client against the sandbox's Secrets Manager, the
 * webhook handler on a local store. Time is an injected clock; nothing sleeps.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../../lambdas/core/clock.ts";
import {
  makeHandler,
  type ScanTriggerRequest,
  signWebhookBody,
} from "../../../lambdas/handlers/hr-webhook.ts";
import { SecretResolver, SecretUnavailableError } from "../../../lambdas/secrets.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/local.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

const NAME = "iam-hygiene/webhook";
const OLD = "whsec-old-0123456789";
const NEW = "whsec-new-9876543210";
const START = new Date("2026-06-01T12:00:00Z");
const READS = "secretsmanager:GetSecretValue";

let sb: Sandbox;
let sm: SecretsManagerClient;
let dir: string;
let now: Date;
let ref: { secretArn: string };
const clock: Clock = { now: () => new Date(now.getTime()) };

beforeAll(async () => {
  sb = await startSandbox();
  sm = new SecretsManagerClient(sandboxClientConfig(sb));
});
afterAll(async () => {
  sm.destroy();
  await sb.close();
});
beforeEach(async () => {
  sb.seed({ now: START.toISOString(), secrets: { [NAME]: OLD } });
  sb.faults.clear();
  sb.resetCalls();
  ref = { secretArn: sb.secrets.secrets.get(NAME)?.arn ?? "" };
  now = START;
  dir = await mkdtemp(join(tmpdir(), "webhook-rotation-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function resolver(): SecretResolver {
  return new SecretResolver({ env: {}, secretsManager: () => sm, clock });
}

function later(ms: number): void {
  now = new Date(now.getTime() + ms);
}

async function rotate(value: string): Promise<void> {
  await sm.send(new PutSecretValueCommand({ SecretId: NAME, SecretString: value }));
}

function reads(): number {
  return sb.calls()[READS] ?? 0;
}

describe("SecretResolver: how long a value is kept", () => {
  it("keeps a value 5 minutes by default, then reads the rotated one", async () => {
    // Prepare
    const secrets = resolver();
    const first = await secrets.resolve(ref);
    await rotate(NEW);

    // Act
    later(5 * 60_000 - 1);
    const justBefore = await secrets.resolve(ref);
    later(1);
    const atMaxAge = await secrets.resolve(ref);

    // Assess
    expect([first, justBefore, atMaxAge]).toEqual([OLD, OLD, NEW]);
    expect(reads()).toBe(2);
  });

  it("re-reads on refresh, but at most once per 30 seconds however often it is asked", async () => {
    // Prepare
    const secrets = resolver();
    await secrets.resolve(ref);
    await rotate(NEW);

    // Act
    later(29_000);
    const tooSoon = await Promise.all(Array.from({ length: 20 }, () => secrets.refresh(ref)));
    later(1_000);
    const refreshed = await Promise.all(Array.from({ length: 20 }, () => secrets.refresh(ref)));
    const resolved = await secrets.resolve(ref);

    // Assess
    expect(new Set(tooSoon)).toEqual(new Set([OLD]));
    expect(new Set(refreshed)).toEqual(new Set([NEW]));
    expect(resolved).toBe(NEW);
    expect(reads()).toBe(2);
  });

  it("does not cache a failed read, and keeps the value it had when a refresh fails", async () => {
    // Prepare
    const secrets = resolver();
    sb.faults.set(READS, { errorRate: 1 });

    // Act
    const failed = await secrets.resolve(ref).catch((e: unknown) => e);
    sb.faults.clear();
    const retried = await secrets.resolve(ref);
    await rotate(NEW);
    sb.faults.set(READS, { errorRate: 1 });
    later(30_000);
    const failedRefresh = await secrets.refresh(ref).catch((e: unknown) => e);
    const kept = await secrets.resolve(ref);
    const refreshTooSoon = await secrets.refresh(ref);

    // Assess
    expect(failed).toBeInstanceOf(SecretUnavailableError);
    expect(retried).toBe(OLD);
    expect(failedRefresh).toBeInstanceOf(SecretUnavailableError);
    expect(kept).toBe(OLD);
    expect(refreshTooSoon).toBe(OLD);
    expect(reads()).toBe(3);
  });
});

describe("HR webhook: a secret rotated while containers are warm", () => {
  let triggered: ScanTriggerRequest[];
  const context = { functionName: "hr-webhook", awsRequestId: "req-1" } as Context;

  /** One warm container: the handler wired to the resolver as `hr-webhook.ts` wires it. */
  function warmContainer() {
    const secrets = resolver();
    triggered = [];
    return makeHandler({
      store: new LocalDirectoryStore(dir),
      secret: () => secrets.resolve(ref),
      refreshSecret: () => secrets.refresh(ref),
      triggerScan: async (request) => {
        triggered.push(request);
      },
      clock,
      timeZone: "UTC",
    });
  }

  async function send(handler: ReturnType<typeof warmContainer>, secret: string, eventId: string) {
    const body = JSON.stringify({
      eventId,
      person: { email: `${eventId}@example.com`, departed_at: "2026-05-31" },
    });
    const timestamp = Math.floor(now.getTime() / 1000);
    const event = {
      version: "2.0",
      routeKey: "POST /departures",
      rawPath: "/departures",
      rawQueryString: "",
      headers: {
        "content-type": "application/json",
        "x-iamhygiene-timestamp": String(timestamp),
        "x-iamhygiene-signature": signWebhookBody(secret, timestamp, body),
      },
      requestContext: { http: { method: "POST" } } as APIGatewayProxyEventV2["requestContext"],
      body,
      isBase64Encoded: false,
    } as APIGatewayProxyEventV2;
    const response = await handler(event, context);
    return { status: response.statusCode, code: JSON.parse(response.body ?? "{}").error?.code };
  }

  it("accepts a call signed with the new secret at once after put-secret-value", async () => {
    // Prepare: a container that has verified a call with the old secret, then the rotation.
    const handler = warmContainer();
    expect((await send(handler, OLD, "before")).status).toBe(202);
    later(60_000);
    await rotate(NEW);

    // Act
    const signedWithNew = await send(handler, NEW, "after");

    // Assess
    expect(signedWithNew.status).toBe(202);
    expect(triggered.map((t) => t.eventId)).toEqual(["before", "after"]);
    expect(reads()).toBe(2);
  });

  it("accepts the old secret for at most 5 minutes after the rotation", async () => {
    // Prepare
    const handler = warmContainer();
    expect((await send(handler, OLD, "before")).status).toBe(202);
    await rotate(NEW);

    // Act
    later(4 * 60_000);
    const within = await send(handler, OLD, "within");
    later(60_000);
    const after = await send(handler, OLD, "after");

    // Assess
    expect(within.status).toBe(202);
    expect(after).toEqual({ status: 401, code: "bad_signature" });
    expect(triggered.map((t) => t.eventId)).toEqual(["before", "within"]);
  });

  it("reads the secret at most once per 30 seconds for a flood of forged calls", async () => {
    // Prepare
    const handler = warmContainer();
    await send(handler, OLD, "genuine");

    // Act
    const forged = [];
    for (let i = 0; i < 40; i += 1) {
      forged.push(await send(handler, "guessed-secret", `forged-${i}`));
      later(1_000);
    }

    // Assess: 40 seconds of forgeries, one re-read 30 s after the first read.
    expect(new Set(forged.map((f) => f.code))).toEqual(new Set(["bad_signature"]));
    expect(reads()).toBe(2);
    expect(triggered.map((t) => t.eventId)).toEqual(["genuine"]);
  });
});
