/**
 * A ticket about hundreds of credentials (every unowned key of an account is one ticket) must
 * still be stored in the outbox and opened: DynamoDB refuses items over 400 KB, GitHub issue
 * bodies over 65,536 characters, Jira text fields over 32,767. The real DynamoDB store on
 * dynalite, the real Octokit and jira.js clients, the local fakes.
 */
import { Octokit } from "@octokit/rest";
import { Version3Client } from "jira.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeNotifications, MAX_CREDENTIALS_PER_TICKET } from "../../../lambdas/core/notifications.ts";
import { GitHubIssuesSink } from "../../../lambdas/notify/github-issues.ts";
import { JiraTicketSink } from "../../../lambdas/notify/jira.ts";
import { deliver, enqueueForScan } from "../../../lambdas/notify/outbox.ts";
import { DynamoDbStore } from "../../../lambdas/store/dynamodb.ts";
import { FakeGitHubIssues } from "../../../sandbox/providers/github-issues.ts";
import { FakeJira } from "../../../sandbox/providers/jira.ts";
import {
  createStoreTable,
  localDynamoDbClient,
  type RunningDynalite,
  startDynalite,
} from "../../support/dynalite.ts";
import { item, NOW } from "../../unit/notify/plan-items.ts";

/** 750 service keys nobody owns, in one account: one ticket. */
function unownedKeys() {
  return Array.from({ length: 750 }, (_, i) =>
    item({
      ruleId: "unowned-credential",
      severity: i < 3 ? "medium" : "low",
      action: "ticket",
      person: null,
      summary: `access key of svc-user-${i} has no owner tag: only its name could tie it to its owner when they leave`,
      credential: {
        nativeId: `AKIA${String(i).padStart(16, "0")}`,
        principal: `svc-user-${i}`,
        principalType: "service",
        ownerHints: { employeeIds: [], emails: [], usernames: [], tags: {} },
      },
    }),
  );
}

describe("a ticket about 750 credentials", () => {
  let db: RunningDynalite;
  let github: FakeGitHubIssues;
  let jira: FakeJira;

  beforeAll(async () => {
    [db, github, jira] = await Promise.all([startDynalite(), FakeGitHubIssues.start(), FakeJira.start()]);
  });
  afterAll(async () => {
    await Promise.all([db.close(), github.close(), jira.close()]);
  });

  it("lists the most severe credentials, says how many more, and is stored and opened", async () => {
    // Prepare
    const client = localDynamoDbClient(db.endpoint);
    await createStoreTable(client, "ticket-size");
    const store = new DynamoDbStore(client, "ticket-size");
    const composition = composeNotifications({ items: unownedKeys(), mode: "enforce" });

    // Act
    const enqueued = await enqueueForScan(store, composition, NOW, { messages: false });
    const viaGitHub = await deliver({
      store,
      now: NOW,
      ticketSink: new GitHubIssuesSink({
        octokit: new Octokit({ auth: "ghp_test", baseUrl: github.baseUrl }),
        owner: "acme",
        repo: "security",
      }),
    });
    await createStoreTable(client, "ticket-size-jira");
    const jiraStore = new DynamoDbStore(client, "ticket-size-jira");
    await enqueueForScan(jiraStore, composition, NOW, { messages: false });
    const viaJira = await deliver({
      store: jiraStore,
      now: NOW,
      ticketSink: new JiraTicketSink({
        client: new Version3Client({
          host: jira.host,
          authentication: { basic: { email: "bot@example.com", apiToken: "jira-token" } },
        }),
        host: jira.host,
        projectKey: "SEC",
      }),
    });
    client.destroy();

    // Assess
    const [ticket] = composition.tickets;
    expect(composition.tickets).toHaveLength(1);
    expect(ticket!.title).toContain("750 credentials");
    expect(ticket!.credentials).toHaveLength(MAX_CREDENTIALS_PER_TICKET);
    expect(ticket!.credentials.slice(0, 3).map((c) => c.severity)).toEqual(["medium", "medium", "medium"]);
    expect(ticket!.moreCredentials).toBe(750 - MAX_CREDENTIALS_PER_TICKET);
    expect(ticket!.findingIds).toHaveLength(750);
    expect(enqueued).toBe(1);
    expect(viaGitHub.sent).toHaveLength(1);
    expect(github.issues).toHaveLength(1);
    const body = github.issues[0]!.body;
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain(`…and ${750 - MAX_CREDENTIALS_PER_TICKET} more credentials, not listed here`);
    expect(viaJira.sent).toHaveLength(1);
    expect(jira.issues).toHaveLength(1);
    const description = JSON.stringify(jira.issues[0]!.description);
    expect(description.length).toBeLessThan(32_767);
    expect(description).toContain(`…and ${750 - MAX_CREDENTIALS_PER_TICKET} more credentials`);
  });
});
