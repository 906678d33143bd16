/**
 * A revocation the configuration turns off (Google Workspace's `signOut: false`) is a ticket for
 * a human, not a revocation: attempted, it was skipped and its read-back failed on every run
 * (a failed revocation, the RevocationFailures alarm), and the brake counted it every run.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import { runScan } from "../../../lambdas/scan.ts";
import { GoogleWorkspaceSource } from "../../../lambdas/sources/google-workspace/index.ts";
import { type FakeGoogle, startGoogleFake } from "../../../sandbox/providers/google.ts";

const NOW = new Date("2025-03-01T12:00:00Z");
const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

let google: FakeGoogle;

beforeAll(async () => {
  google = await startGoogleFake({
    publicKey,
    users: [
      {
        id: "111",
        primaryEmail: "alice@corp.example",
        customerId: "C03abc",
        lastLoginTime: "2025-02-18T08:00:00.000Z",
        creationTime: "2021-05-01T00:00:00.000Z",
        tokens: [
          {
            clientId: "1234.apps.googleusercontent.com",
            displayText: "Dropbox",
            scopes: ["openid"],
            nativeApp: false,
            anonymous: false,
          },
        ],
      },
    ],
  });
});

afterAll(async () => {
  await google.close();
});

describe("a revocation turned off by configuration", () => {
  it("is ticketed for a human, never attempted, never counted by the brake; the rest is revoked and verified", async () => {
    // Prepare: Alice left; her sessions may not be signed out (signOut: false), her grant may be revoked.
    const source = new GoogleWorkspaceSource({
      serviceAccountKey: {
        client_email: "svc@p.iam.gserviceaccount.com",
        private_key: privateKey,
        token_uri: google.tokenUrl,
      },
      adminSubject: "admin@corp.example",
      rootUrl: google.rootUrl,
      clock: fixedClock(NOW),
      backoff: { baseDelayMs: 1, maxDelayMs: 5 },
      signOut: false,
    });
    const people = [
      { emails: ["alice@corp.example"], aliases: [], departedAt: new Date("2025-02-20T00:00:00Z") },
    ];

    // Act
    const report = await runScan(
      { config: parseConfig({ mode: "enforce" }), clock: fixedClock(NOW), sources: [source] },
      { apply: true, trigger: "test", people },
    );

    // Assess
    const byKind = (kind: string) => report.plan.items.find((i) => i.finding.credential?.kind === kind);
    const sessions = byKind("web-sessions");
    expect(sessions?.decision).toMatchObject({
      action: "ticket",
      why: "automatic revocation is off (sources.google-workspace.signOut is false): a human revokes it",
    });
    expect(sessions?.actions.map((a) => [a.type, a.status])).toEqual([["ticket", "planned"]]);
    expect(byKind("oauth-grant")?.actions.map((a) => [a.type, a.status])).toEqual([
      ["revoke", "done"],
      ["verify", "verified"],
    ]);
    expect(report.plan.brake.wouldRevoke).toBe(1);
    expect(report.plan.items.flatMap((i) => i.actions).filter((a) => a.status === "failed")).toEqual([]);
    expect(google.signOuts).toEqual([]);
  });
});
