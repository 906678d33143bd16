import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  CognitoIdentityProviderClient,
  ListUsersCommand as ListPoolUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../../sandbox/index.ts";
import { startSandbox } from "../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

describe("sandbox fault injection", () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await startSandbox({ scenario: { iam: { users: [{ userName: "alice" }] } } });
  });
  afterAll(async () => {
    await sb.close();
  });
  beforeEach(() => {
    sb.faults.clear();
    sb.resetCalls();
  });

  it("throttles with each service's own error", async () => {
    // Prepare
    sb.faults.set("*", { throttleAboveRps: 0 });
    const iam = new IAMClient(sandboxClientConfig(sb));
    const cognito = new CognitoIdentityProviderClient(sandboxClientConfig(sb));
    const trail = new CloudTrailClient(sandboxClientConfig(sb));
    const s3 = new S3Client({ ...sandboxClientConfig(sb), forcePathStyle: true });
    // Act
    const errors = await Promise.all([
      iam.send(new ListUsersCommand({})).catch((e: Error) => e),
      cognito.send(new ListPoolUsersCommand({ UserPoolId: "us-east-1_x" })).catch((e: Error) => e),
      trail.send(new LookupEventsCommand({})).catch((e: Error) => e),
      s3.send(new ListBucketsCommand({})).catch((e: Error) => e),
    ]);
    // Assess
    expect(
      errors.map((e) => {
        const err = e as Error & { $metadata?: { httpStatusCode?: number } };
        return [err.name, err.$metadata?.httpStatusCode];
      }),
    ).toEqual([
      ["Throttling", 400],
      ["TooManyRequestsException", 400],
      ["ThrottlingException", 400],
      ["SlowDown", 503],
    ]);
    for (const c of [iam, cognito, trail, s3]) c.destroy();
  });

  it("lets the SDK's retries get through a rate limit, and counts every attempt", async () => {
    // Prepare
    sb.faults.set("iam:ListUsers", { throttleAboveRps: 1 });
    const iam = new IAMClient(sandboxClientConfig(sb, { maxAttempts: 10 }));
    // Act
    const results = await Promise.all([
      iam.send(new ListUsersCommand({})),
      iam.send(new ListUsersCommand({})),
    ]);
    // Assess
    expect(results.map((r) => r.Users?.length)).toEqual([1, 1]);
    expect(sb.calls()["iam:ListUsers"]).toBeGreaterThan(2);
    iam.destroy();
  });

  it("fails a seeded fraction of requests with 5xx, deterministically", async () => {
    // Prepare
    const iam = new IAMClient(sandboxClientConfig(sb));
    const run = async () => {
      sb.faults.set("ListUsers", { errorRate: 0.5, seed: 42 });
      const outcomes: string[] = [];
      for (let i = 0; i < 40; i++) {
        outcomes.push(
          await iam.send(new ListUsersCommand({})).then(
            () => "ok",
            (e: Error & { $metadata?: { httpStatusCode?: number } }) =>
              `${e.name}/${e.$metadata?.httpStatusCode}`,
          ),
        );
      }
      return outcomes;
    };
    // Act
    const first = await run();
    const second = await run();
    // Assess
    const failures = first.filter((o) => o !== "ok");
    expect(failures.length).toBeGreaterThan(8);
    expect(failures.length).toBeLessThan(32);
    expect(new Set(failures)).toEqual(new Set(["ServiceUnavailable/503"]));
    expect(second).toEqual(first);
    iam.destroy();
  });

  it("adds latency", async () => {
    // Prepare
    sb.faults.set("iam:*", { latencyMs: 120 });
    const iam = new IAMClient(sandboxClientConfig(sb));
    // Act
    const started = performance.now();
    await iam.send(new ListUsersCommand({}));
    const elapsed = performance.now() - started;
    // Assess
    expect(elapsed).toBeGreaterThanOrEqual(110);
    iam.destroy();
  });

  it("drops connections, and the SDK retries past dropped ones", async () => {
    // Prepare
    const once = new IAMClient(sandboxClientConfig(sb));
    const retrying = new IAMClient(sandboxClientConfig(sb, { maxAttempts: 10 }));
    // Act
    sb.faults.set("iam:ListUsers", { dropRate: 1 });
    const dropped = await once.send(new ListUsersCommand({})).catch((e: Error) => e);
    sb.faults.set("iam:ListUsers", { dropRate: 0.5, seed: 3 });
    sb.resetCalls();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => retrying.send(new ListUsersCommand({}))),
    );
    // Assess
    expect(dropped).toBeInstanceOf(Error);
    expect((dropped as NodeJS.ErrnoException).code ?? (dropped as Error).message).toMatch(
      /ECONNRESET|socket hang up/,
    );
    expect(results).toHaveLength(4);
    expect(sb.calls()["iam:ListUsers"]).toBeGreaterThan(4);
    once.destroy();
    retrying.destroy();
  });
});
