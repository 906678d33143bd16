/**
 * One bad connector secret does not stop offboarding. Through the real composition root in its
 * Lambda shape (secrets from Secrets Manager, here the sandbox's): a malformed Google service
 * account key and a missing GitHub secret each become a `source-error` finding for that source
 * alone, while AWS IAM and Okta (a local fake) run and revoke; a missing Slack secret defers the
 * messages to the outbox with a note, and they go out once the secret is there. No secret value
 * appears in the report, the audit trail or the logs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import { runScan, type ScanLogger, type ScanReport } from "../../../lambdas/scan.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/index.ts";
import { createRuntime, scanDependencies } from "../../../lambdas/wiring.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";
import { FakeJira } from "../../../sandbox/providers/jira.ts";
import { FakeOkta } from "../../../sandbox/providers/okta.ts";
import { FakeSlack } from "../../../sandbox/providers/slack.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const days = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();
/** The malformed key's material: it must never be quoted anywhere. */
const KEY_MATERIAL = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCtopSecretKeyMaterial";
const MALFORMED_GOOGLE_KEY = JSON.stringify({
  type: "service_account",
  private_key_id: "0123456789abcdef0123456789abcdef01234567",
  private_key: `-----BEGIN PRIVATE KEY-----\n${KEY_MATERIAL}\n-----END PRIVATE KEY-----\n`,
});

const JIRA_TOKEN = "jira-api-token-value-0001";

let sb: Sandbox;
let okta: FakeOkta;
let slack: FakeSlack;
let jira: FakeJira;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  okta = await FakeOkta.start();
  slack = await FakeSlack.start({ users: { "boss@corp.example": "U0BOSS" }, channels: ["C0SECURITY"] });
  jira = await FakeJira.start("SEC", "bot@corp.example", JIRA_TOKEN);
  sb = await startSandbox({
    scenario: {
      now: NOW.toISOString(),
      iam: {
        users: [
          {
            userName: "jane.doe",
            tags: { email: "jane.doe@corp.example" },
            createdAt: days(400),
            accessKeys: [{ id: "AKIAJANE000000000001", createdAt: days(100), lastUsedAt: days(20) }],
          },
          {
            // A workload Jane owned: a ticket, never revoked automatically.
            userName: "reports-svc",
            path: "/service/",
            tags: { owner: "jane.doe@corp.example" },
            createdAt: days(300),
            accessKeys: [{ id: "AKIAREPORTSSVC000001", createdAt: days(30), lastUsedAt: days(1) }],
          },
        ],
      },
      // The Okta token and the Jira token are there; the Google key is malformed; GitHub's and Slack's are missing.
      secrets: { "okta-token": okta.apiToken, "google-key": MALFORMED_GOOGLE_KEY, "jira-token": JIRA_TOKEN },
    },
  });
  const jane = okta.addUser({
    profile: { login: "jane.doe@corp.example", email: "jane.doe@corp.example" },
  });
  okta.addGrant(jane.id, { clientId: "0oaclient1" });
  Object.assign(process.env, sb.env());
  dir = mkdtempSync(join(tmpdir(), "iam-hygiene-connector-setup-"));
  writeFileSync(
    join(dir, "departures.csv"),
    `email,name,departed_at,manager_email\njane.doe@corp.example,Jane Doe,${days(10)},boss@corp.example\n`,
  );
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([sb.close(), okta.close(), slack.close(), jira.close()]);
});

/** One applying scan at `at`, in the Lambda's shape; returns the report and every log line. */
async function scan(at: Date): Promise<{ report: ScanReport; logs: string[] }> {
  const config = parseConfig({
    mode: "enforce",
    departures: { source: { type: "file", path: "departures.csv" } },
    store: { type: "local", dir: "state" },
    audit: { type: "file", path: "audit.jsonl" },
    sources: {
      "aws-iam": { reportPollMs: 0 },
      okta: { enabled: true, orgUrl: okta.url, apiToken: { secretArn: "okta-token" } },
      "google-workspace": {
        enabled: true,
        adminSubject: "admin@corp.example",
        serviceAccountKey: { secretArn: "google-key" },
      },
      github: { enabled: true, org: "corp", token: { secretArn: "github-token" } },
    },
    notifications: {
      slack: {
        enabled: true,
        token: { secretArn: "slack-token" },
        securityChannel: "C0SECURITY",
        apiUrl: slack.apiUrl,
      },
    },
    tickets: {
      type: "jira",
      host: jira.host,
      projectKey: "SEC",
      email: "bot@corp.example",
      apiToken: { secretArn: "jira-token" },
    },
  });
  const logs: string[] = [];
  const log: ScanLogger = {
    info: (message, extra) => logs.push(`${message} ${JSON.stringify(extra ?? {})}`),
    warn: (message, extra) => logs.push(`${message} ${JSON.stringify(extra ?? {})}`),
    error: (message, extra) => logs.push(`${message} ${JSON.stringify(extra ?? {})}`),
  };
  const runtime = createRuntime({
    config,
    env: {},
    configPath: join(dir, "iam-hygiene.json"),
    useSecretsManager: true,
    clock: fixedClock(at),
    log,
  });
  const report = await runScan(await scanDependencies(runtime), { apply: true, trigger: "schedule" });
  return { report, logs };
}

describe("a connector or delivery adapter that cannot be set up", () => {
  it("is a source error of its own, while IAM and Okta revoke and Slack's messages wait in the outbox", async () => {
    // Act
    const { report, logs } = await scan(NOW);

    // Assess: the scan completed and acted.
    expect(report.status).toBe("completed");
    expect(sb.iam.accessKeys.get("AKIAJANE000000000001")?.status).toBe("Inactive");
    const oktaRevoked = report.plan.items.filter(
      (i) =>
        i.finding.credential?.source === "okta" &&
        i.actions.some((a) => a.type === "verify" && a.status === "verified"),
    );
    expect(oktaRevoked.length).toBeGreaterThan(0);

    // One source-error finding per broken connector, naming the reference, not the value.
    const errors = report.plan.items.filter((i) => i.finding.ruleId === "source-error");
    expect(errors.map((i) => [i.finding.evidence.source, i.finding.severity]).sort()).toEqual([
      ["github", "high"],
      ["google-workspace", "high"],
    ]);
    const problems = Object.fromEntries(report.sources.map((s) => [s.source, s.problems[0]?.message]));
    expect(problems.github).toMatch(/setup failed, not scanned: secret github-token is not available/);
    expect(problems["google-workspace"]).toMatch(/service account key lacks client_email/);
    expect(problems["aws-iam"]).toBeUndefined();
    expect(problems.okta).toBeUndefined();

    // Slack: nothing sent, everything queued, untouched, and said so; Jira went ahead.
    expect(slack.messages).toHaveLength(0);
    expect(jira.issues.length).toBeGreaterThan(0);
    expect(report.notes.join("\n")).toMatch(
      /Slack messages deferred: Slack could not be set up: secret slack-token is not available \(ResourceNotFoundException: [^)]*\); \d+ items? waits? in the outbox/,
    );
    // Every message is pending and due, no attempt used up: none can go dead for want of a secret.
    const queued = (
      await new LocalDirectoryStore(join(dir, "state")).dueOutbox(new Date("2027-01-01"), 100)
    ).filter((e) => e.channel === "slack");
    expect(queued.length).toBe(report.notifications?.details?.messages);
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.every((e) => e.state === "pending" && e.attempts === 0 && e.nextAttemptAt <= NOW)).toBe(
      true,
    );

    // No secret value anywhere.
    const everything = [JSON.stringify(report), readFileSync(join(dir, "audit.jsonl"), "utf8"), ...logs].join(
      "\n",
    );
    for (const secret of [
      KEY_MATERIAL,
      "0123456789abcdef0123456789abcdef01234567",
      okta.apiToken,
      JIRA_TOKEN,
    ])
      expect(everything).not.toContain(secret);
    expect(logs.some((l) => l.includes("source could not be set up") && l.includes("github"))).toBe(true);
  });

  it("delivers the deferred messages once the secret is readable, losing none", async () => {
    // Prepare: the Slack secret is created.
    sb.secrets.handle("CreateSecret", { Name: "slack-token", SecretString: "xoxb-test" });

    // Act: the next scan, an hour later.
    const { report } = await scan(new Date(NOW.getTime() + 3_600_000));

    // Assess
    expect(report.notes.join("\n")).not.toMatch(/Slack messages deferred/);
    expect(slack.messages.length).toBeGreaterThan(0);
    const left = (
      await new LocalDirectoryStore(join(dir, "state")).dueOutbox(new Date("2027-01-01"), 100)
    ).filter((e) => e.channel === "slack");
    expect(left).toEqual([]);
  });
});
