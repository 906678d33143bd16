/**
 * A scan tells the right people through the real wiring: grouped Slack messages to the
 * manager, one Jira ticket per person and account, nothing repeated on the next run, and
 * nothing lost when Slack is down for a run.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { runScan, type ScanReport } from "../../../lambdas/scan.ts";
import { createRuntime, scanDependencies } from "../../../lambdas/wiring.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";
import { FakeJira } from "../../../sandbox/providers/jira.ts";
import { FakeSlack } from "../../../sandbox/providers/slack.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const days = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();

let sb: Sandbox;
let slack: FakeSlack;
let jira: FakeJira;
let dir: string;
// The outbox backs off in time between runs, so each run happens an hour after the last.
let now = NOW;
const clock = { now: () => now };
const savedEnv = { ...process.env };

beforeAll(async () => {
  sb = await startSandbox({
    scenario: {
      now: NOW.toISOString(),
      iam: {
        users: [
          {
            userName: "jane.doe",
            tags: { email: "jane.doe@corp.example" },
            createdAt: days(400),
            password: { createdAt: days(400), lastUsedAt: days(12) },
            mfa: true,
            accessKeys: [
              { id: "AKIAJANE000000000001", createdAt: days(100), lastUsedAt: days(20) },
              { id: "AKIAJANE000000000002", createdAt: days(50), lastUsedAt: days(15) },
            ],
          },
          {
            userName: "reports-svc",
            path: "/service/",
            tags: { owner: "jane.doe@corp.example" },
            createdAt: days(300),
            accessKeys: [{ id: "AKIAREPORTSSVC000001", createdAt: days(30), lastUsedAt: days(1) }],
          },
        ],
      },
      s3: { buckets: { "hygiene-reports": {} } },
    },
  });
  slack = await FakeSlack.start({
    users: { "boss@corp.example": "U0BOSS" },
    channels: ["C0SECURITY"],
  });
  jira = await FakeJira.start("SEC", "bot@corp.example", "jira-token");
  Object.assign(process.env, sb.env(), { SLACK_BOT_TOKEN: "xoxb-test", JIRA_TOKEN: "jira-token" });
  dir = mkdtempSync(join(tmpdir(), "iam-hygiene-notify-"));
  writeFileSync(
    join(dir, "departures.csv"),
    `email,name,departed_at,manager_email\njane.doe@corp.example,Jane Doe,${days(10)},boss@corp.example\n`,
  );
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([sb.close(), slack.close(), jira.close()]);
});

async function scan(apply: boolean): Promise<ScanReport> {
  const config = parseConfig({
    mode: "enforce",
    departures: { source: { type: "file", path: "departures.csv" } },
    store: { type: "local", dir: "state" },
    sources: { "aws-iam": { reportPollMs: 0 } },
    notifications: {
      slack: {
        enabled: true,
        token: { env: "SLACK_BOT_TOKEN" },
        securityChannel: "C0SECURITY",
        apiUrl: slack.apiUrl,
      },
      accountNames: { [sb.accountId]: "prod" },
    },
    reports: { bucket: "hygiene-reports", prefix: "reports/" },
    tickets: {
      type: "jira",
      host: jira.host,
      projectKey: "SEC",
      email: "bot@corp.example",
      apiToken: { env: "JIRA_TOKEN" },
    },
  });
  const runtime = createRuntime({
    config,
    env: process.env,
    configPath: join(dir, "c.json"),
    clock,
  });
  const report = await runScan(await scanDependencies(runtime), { apply, trigger: "test" });
  now = new Date(now.getTime() + 3_600_000);
  return report;
}

describe("a scan that tells people", () => {
  it("keeps everything queued while Slack is down, losing nothing", async () => {
    slack.outage = true;
    const report = await scan(true).finally(() => {
      slack.outage = false;
    });
    expect(slack.messages).toHaveLength(0);
    expect(report.notifications?.pending).toBeGreaterThan(0);
    // The revocations themselves did not wait for Slack.
    expect(sb.iam.accessKeys.get("AKIAJANE000000000001")?.status).toBe("Inactive");
  });

  it("sends one grouped manager message, one digest and one ticket once Slack is back", async () => {
    const report = await scan(true);
    expect(report.notifications?.failed).toBe(0);
    const toBoss = slack.messages.filter((m) => m.channel !== "C0SECURITY");
    // Jane's keys, password and sessions: one message to her manager, never one per key.
    expect(toBoss).toHaveLength(1);
    const text = JSON.stringify(toBoss[0]?.blocks);
    expect(text).toContain("AKIAJANE000000000001");
    expect(text).toContain("AKIAJANE000000000002");
    expect(slack.messagesIn("C0SECURITY").length).toBeGreaterThanOrEqual(1);
    // The service user she owned needs an ownership transfer: one ticket for Jane x account.
    expect(jira.issues).toHaveLength(1);
    expect(JSON.stringify(jira.issues[0])).toContain("reports-svc");
  });

  it("names the account as configured and links the scan's report, which the scan writes to S3", async () => {
    // Messages and the ticket come from the scan two runs ago (Slack down), sent one run ago.
    const account = `prod (${sb.accountId})`;
    const toBoss = JSON.stringify(slack.messages.filter((m) => m.channel !== "C0SECURITY"));
    const ticket = JSON.stringify(jira.issues[0]);
    expect(toBoss).toContain(account);
    expect(ticket).toContain(account);
    const link =
      /https:\/\/us-east-1\.console\.aws\.amazon\.com\/s3\/object\/hygiene-reports\?region=us-east-1&prefix=([^|">\\]+)/.exec(
        toBoss,
      );
    expect(link, toBoss).not.toBeNull();
    // The link names the HTML report the linking scan wrote.
    const key = decodeURIComponent(link![1]!);
    expect(key).toMatch(/^reports\/2026-06-01\/.+\.html$/);
    expect(sb.s3.buckets.get("hygiene-reports")?.has(key)).toBe(true);
    expect(ticket).toContain(link![0]);
  });

  it("repeats nothing when nothing changed", async () => {
    const messages = slack.messages.length;
    const tickets = jira.issues.length;
    const comments = jira.issues[0]?.comments.length ?? 0;
    const report = await scan(true);
    expect(report.notifications?.enqueued).toBe(0);
    expect(slack.messages).toHaveLength(messages);
    expect(jira.issues).toHaveLength(tickets);
    expect(jira.issues[0]?.comments.length ?? 0).toBe(comments);
  });
});
