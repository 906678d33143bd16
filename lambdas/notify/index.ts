/**
 * Builds the notification adapters from the configuration, once per cold start. Secrets are
 * resolved by the caller (Secrets Manager in Lambda, an environment variable in the CLI) and
 * passed in as strings, so this module reads no environment.
 */
import { Octokit } from "@octokit/rest";
import type { RetryOptions } from "@slack/web-api";
import { Version3Client } from "jira.js";
import type { Config } from "../config.ts";
import type { Notifier } from "../core/ports/notifier.ts";
import type { TicketSink } from "../core/ports/ticket-sink.ts";
import { fetchWithDeadline, PROVIDER_REQUEST_TIMEOUT_MS } from "../http-deadline.ts";
import { GitHubIssuesSink } from "./github-issues.ts";
import { JiraTicketSink, jiraSecretValues } from "./jira.ts";
import { createSlackWebClient, SlackNotifier } from "./slack.ts";

export type { DeliverOptions, DeliveryReport, OutboxPayload } from "./outbox.ts";
export { deliver, enqueueForScan, exponentialBackoff } from "./outbox.ts";

/** The Slack section of the configuration. */
export type SlackConfig = NonNullable<Config["notifications"]["slack"]>;
/** The tickets section of the configuration. */
export type TicketsConfig = NonNullable<Config["tickets"]>;

/** A `SlackNotifier` for the configuration, or `undefined` when Slack is off. */
export function notifierFromConfig(
  slack: SlackConfig | undefined,
  token: string,
  retryConfig?: RetryOptions,
): Notifier | undefined {
  if (slack === undefined || !slack.enabled) return undefined;
  return new SlackNotifier({
    client: createSlackWebClient(token, {
      ...(slack.apiUrl !== undefined ? { apiUrl: slack.apiUrl } : {}),
      ...(retryConfig !== undefined ? { retryConfig } : {}),
    }),
    securityChannel: slack.securityChannel,
    directMessages: slack.notifyManagers || slack.notifyOwners,
    users: new Map(Object.entries(slack.users).map(([email, id]) => [email.toLowerCase(), id])),
  });
}

/** The ticket sink for the configuration (Jira or GitHub Issues), or `undefined` when none is set. */
export function ticketSinkFromConfig(
  tickets: TicketsConfig | undefined,
  secret: string,
  options: { readonly requestTimeoutMs?: number } = {},
): TicketSink | undefined {
  const timeoutMs = options.requestTimeoutMs ?? PROVIDER_REQUEST_TIMEOUT_MS;
  if (tickets === undefined) return undefined;
  if (tickets.type === "jira") {
    return new JiraTicketSink({
      client: new Version3Client({
        host: tickets.host,
        authentication: { basic: { email: tickets.email, apiToken: secret } },
        // axios waits forever by default; a request over the deadline fails and is retried later.
        baseRequestConfig: { timeout: timeoutMs },
      }),
      secretValues: jiraSecretValues(tickets.email, secret),
      host: tickets.host,
      projectKey: tickets.projectKey,
      issueType: tickets.issueType,
      doneTransition: tickets.doneTransition,
    });
  }
  return new GitHubIssuesSink({
    octokit: new Octokit({
      auth: secret,
      ...(tickets.baseUrl !== undefined ? { baseUrl: tickets.baseUrl } : {}),
      // Octokit logs each failed request to the console by default; the sink reports its own.
      log: { debug() {}, info() {}, warn() {}, error() {} },
      request: { fetch: fetchWithDeadline(timeoutMs) },
    }),
    secretValues: [secret],
    owner: tickets.owner,
    repo: tickets.repo,
    ...(tickets.baseUrl !== undefined
      ? { htmlUrl: gitHubHtmlUrl(tickets.baseUrl, tickets.owner, tickets.repo) }
      : {}),
  });
}

/** GitHub Enterprise Server serves the API under `/api/v3`; its web pages are at the root. */
function gitHubHtmlUrl(baseUrl: string, owner: string, repo: string): string {
  const root = baseUrl.replace(/\/+$/, "").replace(/\/api\/v3$/, "");
  return root === "https://api.github.com"
    ? `https://github.com/${owner}/${repo}`
    : `${root}/${owner}/${repo}`;
}
