import { IAMClient } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../../lambdas/config.ts";
import { IdentityIndex } from "../../../../lambdas/core/identity.ts";
import type { Person } from "../../../../lambdas/core/model.ts";
import { AwsIamSource } from "../../../../lambdas/sources/aws-iam/index.ts";
import type { Sandbox, ScenarioUser } from "../../../../sandbox/index.ts";
import { startSandbox } from "../../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../../support/sandbox.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const USERS = 2_000;
const DEPARTED = 40;

/**
 * The target: a whole-account scan costs O(1) + O(departed users) calls, at most 2%
 * of a naive enumeration (every per-user listing for every user, GetAccessKeyLastUsed per key).
 * Call counts, not timings: they are deterministic. `bench/` runs the 10,000-user figure; this
 * keeps the same proportions at a size that runs in seconds.
 */
describe("aws-iam discovery cost", () => {
  let sb: Sandbox;
  const people: Person[] = Array.from({ length: DEPARTED }, (_, i) => ({
    emails: [`person${i}@corp.example`],
    aliases: [],
    departedAt: new Date("2026-05-01T00:00:00Z"),
  }));

  beforeAll(async () => {
    const users: ScenarioUser[] = Array.from({ length: USERS }, (_, i) => ({
      // The first DEPARTED users carry the departed people's email local parts.
      userName: i < DEPARTED ? `person${i}` : `user${i}`,
      createdAt: "2024-01-01T00:00:00Z",
      password: {},
      accessKeys: [{ createdAt: "2024-01-02T00:00:00Z" }, { createdAt: "2024-01-03T00:00:00Z" }],
    }));
    sb = await startSandbox({ scenario: { now: NOW.toISOString(), iam: { users } } });
  });
  afterAll(async () => {
    await sb.close();
  });

  it(`reads ${USERS} users and ${USERS * 2} keys with ${DEPARTED} departed in at most 2% of a naive enumeration`, async () => {
    // Prepare
    const config = parseConfig({ sources: { "aws-iam": { reportPollMs: 0, concurrency: 8 } } });
    const iam = new IAMClient({ ...sandboxClientConfig(sb), retryMode: "adaptive" });
    const source = new AwsIamSource({
      iam,
      accountId: "123456789012",
      config: config.sources["aws-iam"],
      ownership: config.ownership,
    });
    const resolver = new IdentityIndex(people, config.ownership);

    // Act
    const discovery = await source.discover({ now: NOW, people, resolver });
    iam.destroy();

    // Assess
    const perUserListings = 8; // ListAccessKeys, GetLoginProfile, ListMFADevices, ListSSHPublicKeys,
    // ListServiceSpecificCredentials, ListSigningCertificates, ListUserTags, GetUserPolicy
    const naive = USERS / 1000 + USERS * perUserListings + USERS * 2;
    const made = Object.values(sb.calls()).reduce((a, b) => a + b, 0);
    expect(discovery.problems).toEqual([]);
    expect(discovery.stats.matchedUsers).toBe(DEPARTED);
    expect(
      discovery.credentials.filter((c) => c.details?.confirmed === true && c.kind === "access-key"),
    ).toHaveLength(DEPARTED * 2);
    expect(sb.calls()["iam:ListUsers"]).toBe(USERS / 1000);
    expect(sb.calls()["iam:ListUserTags"]).toBe(DEPARTED);
    expect(made).toBe(discovery.stats["calls.total"]);
    expect(made / naive).toBeLessThanOrEqual(0.02);
  }, 60_000);
});
