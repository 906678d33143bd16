/**
 * Secrets Manager refusing the scanner (here the sandbox's, called with a deactivated key: the
 * shape of a KMS or IAM denial) must not lose the reason. The real `SecretResolver` and SDK client
 * against the sandbox: the env fallback's failure keeps Secrets Manager's refusal as its `cause`
 * (name and message only), and the composition root logs that cause where a connector or a
 * delivery channel could not be set up. No secret value appears in an error or a log line.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import type { ScanLogger } from "../../../lambdas/scan.ts";
import { SecretResolver, SecretUnavailableError } from "../../../lambdas/secrets.ts";
import { createRuntime, deliveryAdaptersFromConfig, sourcesFromConfig } from "../../../lambdas/wiring.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
/** The scanner's key, deactivated: the sandbox refuses every call made with it. */
const REFUSED_KEY = "AKIASCANNERREFUSED01";
const OKTA_TOKEN = "okta-token-value-that-must-not-leak-0001";
const SLACK_TOKEN = "xoxb-slack-token-value-that-must-not-leak";
const JIRA_TOKEN = "jira-token-value-that-must-not-leak-0001";
/** What Secrets Manager answers a caller whose key is not valid (here: deactivated). */
const REFUSAL = {
  name: "UnrecognizedClientException",
  message: "The security token included in the request is invalid.",
};

let sb: Sandbox;
let refused: SecretsManagerClient;
let dir: string;
const arn = (name: string) => sb.secrets.secrets.get(name)?.arn ?? "";

beforeAll(async () => {
  sb = await startSandbox();
  refused = new SecretsManagerClient(sandboxClientConfig(sb, { accessKeyId: REFUSED_KEY }));
});
afterAll(async () => {
  refused.destroy();
  await sb.close();
});
beforeEach(async () => {
  sb.seed({
    now: NOW.toISOString(),
    iam: {
      users: [{ userName: "scanner", accessKeys: [{ id: REFUSED_KEY, status: "Inactive" }] }],
    },
    secrets: { "okta-token": OKTA_TOKEN, "slack-token": SLACK_TOKEN },
  });
  dir = await mkdtemp(join(tmpdir(), "iam-hygiene-secret-refused-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("SecretResolver, when Secrets Manager refuses", () => {
  it("keeps the refusal as the cause of the env fallback's failure, name and message only", async () => {
    // Prepare: a reference with both a secret and an env var; the env var is not set.
    const secrets = new SecretResolver({ env: {}, secretsManager: () => refused });

    // Act
    const error = await secrets.resolve({ secretArn: arn("okta-token"), env: "OKTA_TOKEN" }).catch((e) => e);

    // Assess
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toBe("secret env OKTA_TOKEN is not available");
    expect((error as Error).cause).toEqual(REFUSAL);
    expect(
      JSON.stringify({ message: (error as Error).message, cause: (error as Error).cause }),
    ).not.toContain(OKTA_TOKEN);
  });

  it("still answers from the env var when it is set, as before", async () => {
    // Prepare
    const secrets = new SecretResolver({ env: { OKTA_TOKEN: "from-env" }, secretsManager: () => refused });

    // Act
    const value = await secrets.resolve({ secretArn: arn("okta-token"), env: "OKTA_TOKEN" });

    // Assess
    expect(value).toBe("from-env");
  });
});

describe("the composition root, when Secrets Manager refuses", () => {
  it("logs the refusal's name and message where a connector or a channel could not be set up", async () => {
    // Prepare: Okta's token and Slack's (with an unset env fallback) are refused; Jira's is readable.
    const lines: Array<{ message: string; extra: Record<string, unknown> }> = [];
    const record = (message: string, extra?: Record<string, unknown>) => {
      lines.push({ message, extra: extra ?? {} });
    };
    const log: ScanLogger = { info: record, warn: record, error: record };
    const config = parseConfig({
      mode: "enforce",
      store: { type: "local", dir: "state" },
      sources: {
        okta: {
          enabled: true,
          orgUrl: "https://corp.okta.example",
          apiToken: { secretArn: arn("okta-token") },
        },
      },
      notifications: {
        slack: {
          enabled: true,
          token: { secretArn: arn("slack-token"), env: "SLACK_TOKEN" },
          securityChannel: "C0SECURITY",
        },
      },
      tickets: {
        type: "jira",
        host: "https://corp.atlassian.example",
        projectKey: "SEC",
        email: "bot@corp.example",
        apiToken: { env: "JIRA_TOKEN" },
      },
    });
    const env = { JIRA_TOKEN };
    const runtime = {
      ...createRuntime({
        config,
        env,
        configPath: join(dir, "iam-hygiene.json"),
        clock: fixedClock(NOW),
        log,
      }),
      // The Lambda's resolver, with the client Secrets Manager refuses.
      secrets: new SecretResolver({ env, secretsManager: () => refused }),
    };

    // Act
    const sources = await sourcesFromConfig(runtime);
    const adapters = await deliveryAdaptersFromConfig(runtime);

    // Assess: Okta is unavailable and Slack deferred, each logged with the refusal as the cause.
    expect(sources.map((s) => s.id)).toEqual(["aws-iam", "okta"]);
    expect(adapters.unavailable?.map((u) => u.channel)).toEqual(["slack"]);
    expect(adapters.ticketSink).toBeDefined();
    const okta = lines.find((l) => l.message.startsWith("source could not be set up"));
    expect(okta?.extra).toMatchObject({
      source: "okta",
      errorName: "SecretUnavailableError",
      causeName: REFUSAL.name,
      causeMessage: REFUSAL.message,
    });
    const slack = lines.find((l) => l.message.startsWith("delivery adapter could not be set up"));
    expect(slack?.extra).toMatchObject({
      channel: "slack",
      errorName: "SecretUnavailableError",
      causeName: REFUSAL.name,
      causeMessage: REFUSAL.message,
    });
    const logged = JSON.stringify(lines);
    for (const secret of [OKTA_TOKEN, SLACK_TOKEN, JIRA_TOKEN]) expect(logged).not.toContain(secret);
  });
});
