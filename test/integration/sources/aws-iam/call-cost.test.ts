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
    const keys = [{ createdAt: "2024-01-02T00:00:00Z" }, { createdAt: "2024-01-03T00:00:00Z" }];
    const createdAt = "2024-01-01T00:00:00Z";
    const users: ScenarioUser[] = Array.from({ length: USERS }, (_, i): ScenarioUser => {
      // Half the departed people own a user named after them; the other half a service user
      // whose name says nothing and whose owner is recorded only in a tag. Everyone is tagged.
      if (i < DEPARTED / 2) return { userName: `person${i}`, createdAt, password: {}, accessKeys: keys };
      if (i < DEPARTED) {
        return {
          userName: `svc-batch-${i}`,
          createdAt,
          path: "/service/",
          tags: { owner: `person${i}@corp.example` },
          accessKeys: keys,
        };
      }
      return {
        userName: `user${i}`,
        createdAt,
        tags: { email: `user${i}@corp.example` },
        password: {},
        accessKeys: keys,
      };
    });
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
    // The report is newer than every departure (freshReads "targeted"): per matched user,
    // ListAccessKeys and ListSSHPublicKeys, plus GetLoginProfile where the report shows a
    // password (the people, not the service users); the keys' last use comes from the report.
    // Service-specific credentials: one AllUsers listing for the whole account.
    const perMatchedUser = 2;
    const made = Object.values(sb.calls()).reduce((a, b) => a + b, 0);
    expect(discovery.problems).toEqual([]);
    expect(discovery.stats.matchedUsers).toBe(DEPARTED);
    expect(
      discovery.credentials.filter((c) => c.details?.confirmed === true && c.kind === "access-key"),
    ).toHaveLength(DEPARTED * 2);
    // Every user's tags and inline policies: one page of authorization details per 1,000 users.
    expect(sb.calls()["iam:GetAccountAuthorizationDetails"]).toBe(USERS / 1000);
    expect(sb.calls()["iam:ListUserTags"]).toBeUndefined();
    expect(sb.calls()["iam:GetUserPolicy"]).toBeUndefined();
    expect(made).toBe(discovery.stats["calls.total"]);
    // GenerateCredentialReport (STARTED, then COMPLETE) and GetCredentialReport, then the details.
    expect(made).toBe(3 + USERS / 1000 + DEPARTED * perMatchedUser + DEPARTED / 2 + 1);
    expect(sb.calls()["iam:GetAccessKeyLastUsed"]).toBeUndefined();
    expect(sb.calls()["iam:ListServiceSpecificCredentials"]).toBe(1);
    const owned = discovery.credentials.filter((c) => c.principal === `svc-batch-${DEPARTED - 1}`);
    expect(owned.map((c) => [c.principalType, c.ownerHints.emails, c.details?.confirmed])).toEqual([
      ["service", [`person${DEPARTED - 1}@corp.example`], true],
      ["service", [`person${DEPARTED - 1}@corp.example`], true],
    ]);
    expect(made / naive).toBeLessThanOrEqual(0.02);
    // The issue's own naive walk: ListUsers, ListAccessKeys per user, GetAccessKeyLastUsed per key.
    const naiveKeysOnly = USERS / 1000 + USERS + USERS * 2;
    expect(made / naiveKeysOnly).toBeLessThanOrEqual(0.02);
  }, 60_000);
});
