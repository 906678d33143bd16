/**
 * B6: what a scan's findings cost in Slack and ticket API calls, counted at the local fakes of
 * Slack and Jira (`sandbox/providers/`), through the real path: plan -> `composeNotifications`
 * -> outbox (`enqueueForScan`, a `LocalDirectoryStore`) -> `deliver` with the real
 * `SlackNotifier` (`@slack/web-api`) and `JiraTicketSink` (jira.js). The findings are real core
 * output: `evaluateCredentials` and `buildPlan` on generated credentials of departed people.
 * The baseline is the ungrouped design: one message per finding and one ticket per ticketed
 * finding (counted from the plan, not sent).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogLevel } from "@slack/web-api";
import { Version3Client } from "jira.js";
import { parseConfig } from "../lambdas/config.ts";
import { evaluateCredentials } from "../lambdas/core/evaluate.ts";
import { IdentityIndex } from "../lambdas/core/identity.ts";
import type { Credential, Person } from "../lambdas/core/model.ts";
import { composeNotifications } from "../lambdas/core/notifications.ts";
import { buildPlan, type Plan } from "../lambdas/core/plan.ts";
import { JiraTicketSink } from "../lambdas/notify/jira.ts";
import { deliver, enqueueForScan } from "../lambdas/notify/outbox.ts";
import { createSlackWebClient, SlackNotifier } from "../lambdas/notify/slack.ts";
import { LocalDirectoryStore } from "../lambdas/store/local.ts";
import { FakeJira } from "../sandbox/providers/jira.ts";
import { FakeSlack } from "../sandbox/providers/slack.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
const SECURITY = "CSECURITY";

/** Size of one B6 run. */
export interface NotificationBenchSize {
  /** Findings in the plan (spread evenly over `people`). */
  readonly findings: number;
  /** Departed people the findings belong to, each with their own manager. */
  readonly people: number;
}

/** The figures of one B6 run. */
export interface NotificationBenchFigures {
  readonly findings: number;
  readonly people: number;
  readonly decisions: Readonly<Record<string, number>>;
  readonly messagesComposed: number;
  readonly managerMessages: number;
  readonly digestMessages: number;
  readonly ticketsComposed: number;
  /** `chat.postMessage` requests at the fake. */
  readonly slackPosts: number;
  /** Every request the fake Slack received (look-ups, DM opens, posts). */
  readonly slackRequests: number;
  /** Issues created at the fake Jira. */
  readonly jiraIssuesCreated: number;
  /** Every request the fake Jira received (searches, creates). */
  readonly jiraRequests: number;
  /** Ungrouped baseline: one message per finding. */
  readonly baselineMessages: number;
  /** Ungrouped baseline: one ticket per ticketed finding. */
  readonly baselineTickets: number;
  /** slackPosts / baselineMessages. */
  readonly messageRatio: number;
  /** A second identical run: posts and issues it added (idempotency; should be 0). */
  readonly rerunSlackPosts: number;
  readonly rerunJiraIssues: number;
}

/** `people` departed people and `findings` of their credentials: a fifth service (ticketed), the rest human. */
export function departedPlan(findings: number, peopleCount: number): { plan: Plan; people: Person[] } {
  const config = parseConfig({});
  const people: Person[] = Array.from({ length: peopleCount }, (_, i) => ({
    emails: [`leaver${i}@corp.example`],
    aliases: [],
    displayName: `Leaver ${i}`,
    departedAt: new Date(NOW.getTime() - 5 * DAY),
    managerEmail: `manager${i}@corp.example`,
  }));
  const credentials: Credential[] = Array.from({ length: findings }, (_, i) => {
    const service = i % 5 === 4;
    // Human keys round-robin over people; service keys too, so each person owns some.
    const owner = service ? Math.floor(i / 5) % peopleCount : i % peopleCount;
    const principal = service ? `svc-job-${i}` : `leaver${owner}`;
    return {
      id: `aws-iam:123456789012:access-key:AKIABENCH${String(i).padStart(11, "0")}`,
      source: "aws-iam",
      kind: "access-key",
      nativeId: `AKIABENCH${String(i).padStart(11, "0")}`,
      account: "123456789012",
      principal,
      principalType: service ? "service" : "human",
      ownerHints: {
        employeeIds: [],
        emails: [`leaver${owner}@corp.example`],
        usernames: [],
        tags: { owner: `leaver${owner}@corp.example` },
      },
      createdAt: new Date(NOW.getTime() - 30 * DAY),
      lastUsed: { at: new Date(NOW.getTime() - 10 * DAY), service: "s3" },
      active: true,
      observedAt: NOW,
    };
  });
  const index = new IdentityIndex(people, {
    domainAliases: config.ownership.domainAliases,
    usernameConventions: config.ownership.usernameConventions,
  });
  const evaluated = evaluateCredentials(credentials, index, config.rules, NOW);
  const plan = buildPlan({
    mode: "enforce",
    now: NOW,
    findings: evaluated,
    policy: {
      actions: config.rules.actions,
      gracePeriodHours: 0,
      exceptions: [],
      protectedPrincipals: [],
    },
    // The brake is not what B6 measures: let every revocation through.
    brake: { maxRevocationsPerRun: findings, maxRevocationFraction: 1, minCredentialsForFraction: 0 },
    credentialsSeen: credentials.length,
  });
  return { plan, people };
}

/** Runs B6 once and returns its figures. */
export async function runNotificationBench(size: NotificationBenchSize): Promise<NotificationBenchFigures> {
  const { plan, people } = departedPlan(size.findings, size.people);
  const users: Record<string, string> = {};
  people.forEach((p, i) => {
    users[p.managerEmail!] = `UMGR${i}`;
  });
  const slack = await FakeSlack.start({ users, channels: [SECURITY] });
  const jira = await FakeJira.start();
  const dir = mkdtempSync(join(tmpdir(), "iam-hygiene-bench-b6-"));
  try {
    const store = new LocalDirectoryStore(dir);
    const notifier = new SlackNotifier({
      client: createSlackWebClient("xoxb-test", {
        apiUrl: slack.apiUrl,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      }),
      securityChannel: SECURITY,
    });
    const ticketSink = new JiraTicketSink({
      client: new Version3Client({
        host: jira.host,
        authentication: { basic: { email: "bot@example.com", apiToken: "jira-token" } },
      }),
      host: jira.host,
      projectKey: "SEC",
    });
    const composition = composeNotifications({ items: plan.items, mode: plan.mode, brake: plan.brake });
    const deliverOnce = async (): Promise<void> => {
      await enqueueForScan(store, composition, NOW);
      await deliver({ store, notifier, ticketSink, now: NOW, limit: 1000 });
    };
    await deliverOnce();
    const slackPosts = slack.calls("chat.postMessage").length;
    const slackRequests = slack.requests.length;
    const jiraIssuesCreated = jira.issues.length;
    const jiraRequests = jira.requests.length;
    await deliverOnce();

    const decisions: Record<string, number> = {};
    for (const item of plan.items)
      decisions[item.decision.action] = (decisions[item.decision.action] ?? 0) + 1;
    const ticketed = plan.items.filter((i) => i.decision.action === "ticket").length;
    return {
      findings: plan.items.length,
      people: size.people,
      decisions,
      messagesComposed: composition.messages.length,
      managerMessages: composition.messages.filter((m) => m.kind === "manager").length,
      digestMessages: composition.messages.filter((m) => m.kind === "digest").length,
      ticketsComposed: composition.tickets.length,
      slackPosts,
      slackRequests,
      jiraIssuesCreated,
      jiraRequests,
      baselineMessages: plan.items.length,
      baselineTickets: ticketed,
      messageRatio: slackPosts / plan.items.length,
      rerunSlackPosts: slack.calls("chat.postMessage").length - slackPosts,
      rerunJiraIssues: jira.issues.length - jiraIssuesCreated,
    };
  } finally {
    await Promise.all([slack.close(), jira.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
