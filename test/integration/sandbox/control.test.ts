import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
  ListUserPoolsCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox, Scenario } from "../../../sandbox/index.ts";
import { InvalidScenarioError, startSandbox } from "../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

describe("sandbox control plane", () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await startSandbox({ now: new Date("2025-06-01T00:00:00Z") });
  });
  afterAll(async () => {
    await sb.close();
  });
  beforeEach(() => {
    sb.reset();
  });

  it("listens on 127.0.0.1 and hands out SDK environment variables", () => {
    const env = sb.env();
    expect(sb.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL: sb.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIATESTTESTTESTTEST",
    });
    expect(env.AWS_SECRET_ACCESS_KEY).toBeTruthy();
  });

  it("serves the admin API: health, seed, calls, faults, clock, reset", async () => {
    // Prepare
    const admin = (path: string, body?: unknown) =>
      fetch(`${sb.endpoint}/_sandbox/${path}`, {
        method: body === undefined ? "GET" : "POST",
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
    const iam = new IAMClient(sandboxClientConfig(sb));
    // Act
    const health = await admin("health");
    const seeded = await admin("seed", { accountId: "210987654321", iam: { users: [{ userName: "zoe" }] } });
    const users = await iam.send(new ListUsersCommand({}));
    const calls = await admin("calls");
    const faults = await admin("faults", { "iam:ListUsers": { throttleAboveRps: 0 } });
    const throttled = await iam.send(new ListUsersCommand({})).catch((e: Error) => e);
    await admin("faults", { clear: true });
    const clock = await admin("clock", { now: "2030-01-01T00:00:00Z" });
    const badSeed = await admin("seed", { iam: { users: [{ userName: "bad name!" }] } });
    const reset = await admin("reset", {});
    const afterReset = await admin("calls");
    // Assess
    expect(health).toEqual({ status: 200, json: expect.objectContaining({ ok: true }) });
    expect(seeded.json).toMatchObject({ ok: true, users: 1 });
    expect(users.Users?.[0]?.Arn).toBe("arn:aws:iam::210987654321:user/zoe");
    expect(calls.json).toEqual({ "iam:ListUsers": 1 });
    expect(faults.json).toEqual({ "iam:ListUsers": { throttleAboveRps: 0 } });
    expect(throttled).toMatchObject({ name: "Throttling" });
    expect(clock.json).toEqual({ now: "2030-01-01T00:00:00.000Z" });
    expect(sb.clock.now()).toEqual(new Date("2030-01-01T00:00:00Z"));
    expect(badSeed.status).toBe(400);
    expect(badSeed.json.error).toContain("iam.users.0.userName");
    expect(reset.status).toBe(200);
    expect(afterReset.json).toEqual({});
    expect(sb.iam.users.size).toBe(0);
    iam.destroy();
  });

  it("rejects invalid scenarios with every problem and its path", () => {
    const bad = {
      accountId: "12",
      iam: { users: [{ userName: "a", accessKeys: [{}, {}, {}] }, { path: "/x/" }] },
    } as unknown as Scenario;
    let error: unknown;
    try {
      sb.seed(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidScenarioError);
    const issues = (error as InvalidScenarioError).issues.join("\n");
    expect(issues).toContain("accountId");
    expect(issues).toContain("iam.users.0.accessKeys");
    expect(issues).toContain("iam.users.1.userName");
  });

  it("routes Cognito's JSON protocol to the Cognito service and counts calls per service", async () => {
    // Prepare
    const cognito = new CognitoIdentityProviderClient(sandboxClientConfig(sb));
    const sts = new STSClient(sandboxClientConfig(sb));
    // Act
    const created = await cognito.send(new CreateUserPoolCommand({ PoolName: "staff" }));
    const pools = await cognito.send(new ListUserPoolsCommand({ MaxResults: 10 }));
    await sts.send(new GetCallerIdentityCommand({}));
    // Assess
    expect(pools.UserPools?.map((p) => p.Id)).toEqual([created.UserPool?.Id]);
    expect(created.UserPool?.CreationDate).toBeInstanceOf(Date);
    expect(sb.calls()).toEqual({
      "cognito-idp:CreateUserPool": 1,
      "cognito-idp:ListUserPools": 1,
      "sts:GetCallerIdentity": 1,
    });
    cognito.destroy();
    sts.destroy();
  });

  it("seeds an account of 10,000 users and 20,000 keys, and pages through it", async () => {
    // Prepare
    const users = Array.from({ length: 10_000 }, (_, i) => ({
      userName: `user-${i}`,
      accessKeys: [{}, { status: "Inactive" as const }],
    }));
    // Act
    sb.seed({ iam: { users } });
    const iam = new IAMClient(sandboxClientConfig(sb));
    const page = await iam.send(new ListUsersCommand({ MaxItems: 1000 }));
    // Assess
    expect(sb.iam.users.size).toBe(10_000);
    expect(sb.iam.accessKeys.size).toBe(20_000);
    expect(new Set([...sb.iam.accessKeys.keys()].map((id) => id.slice(0, 4)))).toEqual(new Set(["AKIA"]));
    expect(page.Users).toHaveLength(1000);
    expect(page.IsTruncated).toBe(true);
    iam.destroy();
  });

  it("starts from the command line with a scenario file and prints the env to export", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "sandbox-cli-"));
    const file = join(dir, "scenario.json");
    await writeFile(file, JSON.stringify({ iam: { users: [{ userName: "cli-user" }] } }));
    // Act
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "sandbox/main.ts", "--port", "0", "--scenario", file],
      {
        cwd: process.cwd(),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const output = await new Promise<string>((resolve, reject) => {
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("AWS_SECRET_ACCESS_KEY")) resolve(text);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${text}`)));
    });
    const endpoint = /export AWS_ENDPOINT_URL=(\S+)/.exec(output)?.[1];
    const iam = new IAMClient({ ...sandboxClientConfig(sb), endpoint: endpoint! });
    const users = await iam.send(new ListUsersCommand({}));
    child.kill("SIGTERM");
    // Assess
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(users.Users?.map((u) => u.UserName)).toEqual(["cli-user"]);
    iam.destroy();
  });
});
