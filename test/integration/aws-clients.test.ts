import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AWS_REQUEST_TIMEOUT_MS, AwsClients, awsRequestHandler } from "../../lambdas/aws-clients.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { startSandbox } from "../../sandbox/index.ts";
import { sandboxCredentials } from "../support/sandbox.ts";

/**
 * The project's AWS clients, against a sandbox whose endpoint accepts a request and never
 * answers it: each request ends at its deadline and is retried, instead of holding the scan.
 */
describe("AwsClients: request deadlines", () => {
  let sb: Sandbox;
  const savedEnv = process.env;

  beforeAll(async () => {
    sb = await startSandbox({ scenario: { iam: { users: [{ userName: "alice" }, { userName: "bob" }] } } });
    // The standard setting, as a deployed scan or the CLI would find it.
    process.env = { ...savedEnv, AWS_ENDPOINT_URL: sb.endpoint };
  });
  afterEach(() => {
    sb.faults.clear();
    sb.resetCalls();
  });
  afterAll(async () => {
    process.env = savedEnv;
    await sb.close();
  });

  function clients(settings: { maxAttempts: number; requestTimeoutMs: number }): AwsClients {
    return new AwsClients(
      { region: "us-east-1", credentials: sandboxCredentials(), ...settings },
      { iam: IAMClient, sts: STSClient },
    );
  }

  it("ends a request the endpoint never answers at the deadline, as a retryable TimeoutError", async () => {
    // Prepare
    sb.faults.set("iam:ListUsers", { stallRate: 1 });
    const iam = clients({ maxAttempts: 2, requestTimeoutMs: 300 }).iam();
    // Act
    const started = Date.now();
    const error = await iam.send(new ListUsersCommand({})).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    // Assess: both attempts were made and abandoned; nothing waited on the silent socket.
    expect((error as Error).name).toBe("TimeoutError");
    expect((error as { $metadata?: { attempts?: number } }).$metadata?.attempts).toBe(2);
    expect(sb.calls()["iam:ListUsers"]).toBe(2);
    expect(elapsed).toBeLessThan(10_000);
    iam.destroy();
  });

  it("gets through endpoints that stall some requests: the stalled ones are retried, the answers are whole", async () => {
    // Prepare
    const iam = clients({ maxAttempts: 8, requestTimeoutMs: 300 }).iam();
    const clean = await iam.send(new ListUsersCommand({}));
    sb.resetCalls();
    sb.faults.set("iam:ListUsers", { stallRate: 0.5, seed: 7 });
    // Act
    const results = await Promise.all(Array.from({ length: 6 }, () => iam.send(new ListUsersCommand({}))));
    // Assess
    for (const result of results)
      expect(result.Users?.map((u) => u.UserName)).toEqual(clean.Users?.map((u) => u.UserName));
    expect(sb.calls()["iam:ListUsers"]).toBeGreaterThan(6);
    iam.destroy();
  });

  it("ends an answer that stalls after its headers (the headers' deadline alone would not), and retries it", async () => {
    // Prepare: every ListUsers is carried out and then answered with half a body.
    sb.faults.set("iam:ListUsers", { stallBodyRate: 1 });
    const iam = clients({ maxAttempts: 2, requestTimeoutMs: 300 }).iam();
    const stalledBefore = sb.faults.stalled;
    // Act
    const started = Date.now();
    const error = await iam.send(new ListUsersCommand({})).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    sb.faults.set("iam:ListUsers", { stallBodyRate: 0.5, seed: 3 });
    const retrying = clients({ maxAttempts: 8, requestTimeoutMs: 300 }).iam();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => retrying.send(new ListUsersCommand({}))),
    );
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(sb.calls()["iam:ListUsers"]).toBeGreaterThanOrEqual(2 + 4);
    expect(sb.faults.stalled - stalledBefore).toBeGreaterThan(2);
    expect(elapsed).toBeLessThan(10_000);
    for (const result of results) expect(result.Users).toHaveLength(2);
    iam.destroy();
    retrying.destroy();
  });

  it("gives every client it makes the deadline: STS as IAM, and calls that answer in time are left alone", async () => {
    // Prepare
    const made = clients({ maxAttempts: 1, requestTimeoutMs: 300 });
    sb.faults.set("*", { latencyMs: 50 });
    const users = await made.iam().send(new ListUsersCommand({}));
    sb.faults.set("sts:*", { stallRate: 1 });
    // Act
    const error = await made
      .sts()
      .send(new GetCallerIdentityCommand({}))
      .catch((e: unknown) => e);
    // Assess
    expect(users.Users).toHaveLength(2);
    expect((error as Error).name).toBe("TimeoutError");
    made.iam().destroy();
    made.sts().destroy();
  });

  it("defaults to a deadline of a minute and throws when it passes (the SDK's own default waits forever)", () => {
    expect(awsRequestHandler()).toEqual({
      connectionTimeout: 5_000,
      requestTimeout: AWS_REQUEST_TIMEOUT_MS,
      socketTimeout: AWS_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    });
    expect(AWS_REQUEST_TIMEOUT_MS).toBe(60_000);
  });
});
