import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { composeNotifications } from "../../../lambdas/core/notifications.ts";
import { notifierFromConfig, ticketSinkFromConfig } from "../../../lambdas/notify/index.ts";
import { FakeGitHubIssues } from "../../../sandbox/providers/github-issues.ts";
import { FakeJira } from "../../../sandbox/providers/jira.ts";
import { FakeSlack } from "../../../sandbox/providers/slack.ts";
import { item, threeKeysOfJane } from "./plan-items.ts";

describe("adapters from configuration", () => {
  let slack: FakeSlack;
  let jira: FakeJira;
  let github: FakeGitHubIssues;

  beforeEach(async () => {
    [slack, jira, github] = await Promise.all([
      FakeSlack.start({ users: { "boss@corp.example": "UBOSS" }, channels: ["CSEC"] }),
      FakeJira.start("SEC", "bot@example.com", "jira-token"),
      FakeGitHubIssues.start("acme", "security", "ghp_test"),
    ]);
  });
  afterEach(async () => {
    await Promise.all([slack.close(), jira.close(), github.close()]);
  });

  const composition = () =>
    composeNotifications({
      items: [...threeKeysOfJane(), item({ action: "ticket", credential: { nativeId: "AKIAT1" } })],
      mode: "enforce",
    });

  it("builds a Slack notifier that posts where the configuration says, and none when Slack is off", async () => {
    // Prepare
    const config = parseConfig({
      notifications: {
        slack: {
          enabled: true,
          token: { env: "SLACK_TOKEN" },
          securityChannel: "CSEC",
          apiUrl: slack.apiUrl,
        },
      },
    });
    const off = parseConfig({});

    // Act
    const notifier = notifierFromConfig(config.notifications.slack, "xoxb-test", { retries: 0 });
    const digest = composition().messages.find((m) => m.kind === "digest")!;
    await notifier?.send(digest);

    // Assess
    expect(notifierFromConfig(off.notifications.slack, "xoxb-test")).toBeUndefined();
    expect(slack.messagesIn("CSEC")).toHaveLength(1);
  });

  it("builds a Jira or a GitHub sink from the tickets section", async () => {
    // Prepare
    const jiraConfig = parseConfig({
      tickets: {
        type: "jira",
        host: jira.host,
        projectKey: "SEC",
        email: "bot@example.com",
        apiToken: { env: "J" },
      },
    });
    const githubConfig = parseConfig({
      tickets: {
        type: "github",
        owner: "acme",
        repo: "security",
        token: { env: "G" },
        baseUrl: github.baseUrl,
      },
    });
    const [group] = composition().tickets;

    // Act
    const jiraResult = await ticketSinkFromConfig(jiraConfig.tickets, "jira-token")?.upsert(group!);
    const githubResult = await ticketSinkFromConfig(githubConfig.tickets, "ghp_test")?.upsert(group!);

    // Assess
    expect(jiraResult?.key).toBe("SEC-1");
    expect(githubResult?.outcome).toBe("created");
    expect(ticketSinkFromConfig(undefined, "x")).toBeUndefined();
    expect(ticketSinkFromConfig(githubConfig.tickets, "ghp_test")?.linkFor(group!.key)).toBe(
      `${github.baseUrl}/acme/security/issues?q=${encodeURIComponent(`is:issue label:${group!.key}`)}`,
    );
  });
});
