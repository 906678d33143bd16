/**
 * `runPreflight` through the real composition root in the Lambdas' shape (secrets from Secrets
 * Manager, here the sandbox's): the departure list, the store, AWS IAM and Cognito in the
 * sandbox, Okta, Slack and Jira as local fakes, and a Google connector whose key is malformed.
 * Every check is reported, the broken ones with their fix, and nothing is written anywhere.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConfigInput, parseConfig } from "../../../lambdas/config.ts";
import { runPreflight } from "../../../lambdas/preflight.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/index.ts";
import { createRuntime } from "../../../lambdas/wiring.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";
import { FakeJira } from "../../../sandbox/providers/jira.ts";
import { FakeOkta } from "../../../sandbox/providers/okta.ts";
import { FakeSlack } from "../../../sandbox/providers/slack.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const POOL = "us-east-1_Staff0001";
const JIRA_TOKEN = "jira-api-token-value-0001";
const SLACK_TOKEN = "xoxb-preflight-token-0001";

let sb: Sandbox;
let okta: FakeOkta;
let slack: FakeSlack;
let jira: FakeJira;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  okta = await FakeOkta.start();
  okta.addUser({ profile: { login: "jane.doe@corp.example", email: "jane.doe@corp.example" } });
  // The security channel exists, but nobody invited the app to it.
  slack = await FakeSlack.start({ tokens: [SLACK_TOKEN], nonMemberChannels: ["C0SECURITY"] });
  jira = await FakeJira.start("SEC", "bot@corp.example", JIRA_TOKEN);
  sb = await startSandbox({
    scenario: {
      now: NOW.toISOString(),
      iam: {
        users: [
          {
            userName: "jane.doe",
            tags: { email: "jane.doe@corp.example" },
            createdAt: "2025-01-01T00:00:00Z",
          },
        ],
      },
      cognito: { pools: [{ id: POOL, name: "staff", clients: [{ id: "client1", name: "intranet" }] }] },
      secrets: {
        "okta-token": okta.apiToken,
        "slack-token": SLACK_TOKEN,
        "jira-token": JIRA_TOKEN,
        "google-key": JSON.stringify({ type: "service_account", private_key: "not a key" }),
      },
    },
  });
  Object.assign(process.env, sb.env());
  dir = mkdtempSync(join(tmpdir(), "iam-hygiene-preflight-"));
  writeFileSync(
    join(dir, "departures.csv"),
    "email,name,departed_at\njane.doe@corp.example,Jane Doe,2026-05-20T17:00:00Z\n",
  );
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([sb.close(), okta.close(), slack.close(), jira.close()]);
});

describe("runPreflight", () => {
  it("checks every outside world a scan would reach, says how to fix what is broken, and writes nothing", async () => {
    // Prepare
    const config = parseConfig({
      mode: "enforce",
      departures: { source: { type: "file", path: "departures.csv" } },
      store: { type: "local", dir: "state" },
      sources: {
        "aws-iam": { reportPollMs: 0 },
        "aws-cognito": { enabled: true, pools: [{ userPoolId: POOL }] },
        okta: { enabled: true, orgUrl: okta.url, apiToken: { secretArn: "okta-token" } },
        "google-workspace": {
          enabled: true,
          adminSubject: "admin@corp.example",
          serviceAccountKey: { secretArn: "google-key" },
        },
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
    const runtime = createRuntime({
      config,
      env: {},
      configPath: join(dir, "iam-hygiene.json"),
      useSecretsManager: true,
    });

    // Act
    const checks = await runPreflight(runtime);

    // Assess: in the order a scan meets them.
    const byName = new Map(checks.map((c) => [c.name, c]));
    expect(checks.map((c) => [c.name.split(":")[0], c.ok])).toEqual([
      ["store", true],
      ["departures", true],
      ["aws-iam", true],
      ["aws-iam", true],
      ["aws-cognito", true],
      ["google-workspace", false],
      ["okta", true],
      ["okta", true],
      ["slack", true],
      ["slack", true],
      ["slack", false],
      ["jira", true],
      ["jira", true],
      ["jira", true],
      ["jira", true],
      ["jira", true],
      ["jira", true],
      ["jira", true],
      ["jira", true],
      ["jira", true],
    ]);
    expect(byName.get("departures")?.detail).toMatch(
      /^1 people from .*departures\.csv; the share of known identities is checked at scan time$/,
    );
    expect(byName.get("google-workspace: setup")?.detail).toMatch(/^setup failed, not scanned: /);
    expect(byName.get("slack: security channel C0SECURITY")?.detail).toMatch(
      /not_in_channel\): invite the app to the channel \(\/invite @/,
    );
    expect(byName.get(`aws-cognito: pool ${POOL}`)?.detail).toMatch(/^staff in us-east-1: /);
    // No secret value in any detail.
    const text = JSON.stringify(checks);
    for (const secret of [okta.apiToken, SLACK_TOKEN, JIRA_TOKEN]) expect(text).not.toContain(secret);
    // Nothing written: no message, no ticket, no store, no IAM or Cognito write.
    expect(slack.messages).toEqual([]);
    expect(jira.issues).toEqual([]);
    expect(jira.requests.every((r) => r.method === "GET")).toBe(true);
    expect(existsSync(join(dir, "state"))).toBe(false);
    const writes = Object.keys(sb.calls()).filter(
      (call) => !/:(Get|List|Describe)/.test(call) && call !== "secretsmanager:GetSecretValue",
    );
    expect(writes).toEqual([]);
  });

  it("fails the departures check with the list's first bad line, and the store check when it cannot be read", async () => {
    // Prepare: a list with a bad date; then a store directory that is a file.
    writeFileSync(join(dir, "broken.csv"), "email,name,departed_at\njane.doe@corp.example,Jane,soon\n");
    writeFileSync(join(dir, "not-a-dir"), "");
    const preflight = (input: ConfigInput) =>
      runPreflight(
        createRuntime({
          config: parseConfig({ ...input, sources: { "aws-iam": { enabled: false } } }),
          env: {},
          configPath: join(dir, "iam-hygiene.json"),
        }),
      );

    // Act
    const badList = await preflight({
      departures: { source: { type: "file", path: "broken.csv" } },
      store: { type: "local", dir: "state" },
    });
    const badStore = await preflight({ store: { type: "local", dir: "not-a-dir" } });

    // Assess: a scan with the unreadable store could not read the webhook's departures either.
    expect(badList).toEqual([
      { name: "store: directory state", ok: true, detail: "readable; no list accepted yet" },
      {
        name: "departures",
        ok: false,
        detail: expect.stringMatching(/broken\.csv would be rejected: .*\(line 2, field departed_at: /),
      },
    ]);
    expect(badStore).toEqual([
      { name: "store: directory not-a-dir", ok: false, detail: expect.stringMatching(/ENOTDIR/) },
      {
        name: "departures",
        ok: false,
        detail: expect.stringMatching(/stored webhook departures: cannot be read .*ENOTDIR/),
      },
    ]);
  });

  it("fails a list the growth brake would quarantine, and a provider that never answers, each in its step", async () => {
    // Prepare: the store accepted a list of 2 people; the new one names 20 (the limit is ×5).
    // Jira's host accepts connections and never answers.
    const rows = Array.from({ length: 20 }, (_, i) => `p${i}@corp.example,P ${i},2026-05-20T17:00:00Z`);
    writeFileSync(join(dir, "grown.csv"), `email,name,departed_at\n${rows.join("\n")}\n`);
    await new LocalDirectoryStore(join(dir, "grown-state")).putAcceptedListMeta({
      origin: "file:hr.csv",
      count: 2,
      acceptedAt: new Date("2026-05-01T00:00:00Z"),
    });
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const seen: string[] = [];
    try {
      const runtime = createRuntime({
        config: parseConfig({
          departures: { source: { type: "file", path: "grown.csv" } },
          store: { type: "local", dir: "grown-state" },
          sources: { "aws-iam": { enabled: false } },
          tickets: {
            type: "jira",
            host: `http://127.0.0.1:${port}`,
            projectKey: "SEC",
            email: "bot@corp.example",
            apiToken: { env: "JIRA_TOKEN" },
          },
        }),
        env: { JIRA_TOKEN: JIRA_TOKEN },
        configPath: join(dir, "iam-hygiene.json"),
      });

      // Act
      const checks = await runPreflight(runtime, { stepTimeoutMs: 500, onCheck: (c) => seen.push(c.name) });

      // Assess
      expect(checks).toEqual([
        expect.objectContaining({ name: "store: directory grown-state", ok: true }),
        {
          name: "departures",
          ok: false,
          detail: expect.stringMatching(
            /would be rejected: quarantined: it grew from 2 to 20 people .*\(limit ×5\)/,
          ),
        },
        {
          name: "jira: preflight",
          ok: false,
          detail:
            "no answer within 0.5 s: the provider or the network does not answer (check the URL, a proxy, a firewall)",
        },
      ]);
      expect(seen).toEqual(checks.map((c) => c.name));
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
