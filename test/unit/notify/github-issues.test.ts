import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/rest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import type { TicketGroup } from "../../../lambdas/core/notifications.ts";
import { composeNotifications } from "../../../lambdas/core/notifications.ts";
import { DeliveryError } from "../../../lambdas/core/ports/notifier.ts";
import { revisionMarker } from "../../../lambdas/core/ports/ticket-sink.ts";
import { GitHubIssuesSink } from "../../../lambdas/notify/github-issues.ts";
import { ticketSinkFromConfig } from "../../../lambdas/notify/index.ts";
import { FakeGitHubIssues } from "../../../sandbox/providers/github-issues.ts";
import { item, person } from "./plan-items.ts";

function ticketFor(nativeIds: string[]): TicketGroup {
  const items = nativeIds.map((nativeId) => item({ action: "ticket", credential: { nativeId } }));
  const [group] = composeNotifications({ items, mode: "enforce" }).tickets;
  if (group === undefined) throw new Error("no ticket composed");
  return group;
}

describe("GitHubIssuesSink", () => {
  let github: FakeGitHubIssues;

  beforeEach(async () => {
    github = await FakeGitHubIssues.start("acme", "security", "ghp_test");
  });
  afterEach(async () => {
    await github.close();
  });

  const sink = (auth = "ghp_test") =>
    new GitHubIssuesSink({
      octokit: new Octokit({
        auth,
        baseUrl: github.baseUrl,
        log: { debug() {}, info() {}, warn() {}, error() {} },
      }),
      owner: "acme",
      repo: "security",
    });

  it("creates one issue labelled with the stable key, skipping pull requests that carry the label", async () => {
    // Prepare
    const group = ticketFor(["AKIA1", "AKIA2"]);
    github.seed({ title: "a pull request", labels: [group.key], pullRequest: true });

    // Act
    const result = await sink().upsert(group);

    // Assess
    expect(result.outcome).toBe("created");
    const issues = github.withLabel(group.key);
    expect(issues).toHaveLength(1);
    expect(result).toEqual({
      outcome: "created",
      key: `#${issues[0]?.number}`,
      url: `https://github.test/acme/security/issues/${issues[0]?.number}`,
    });
    expect(issues[0]?.labels).toEqual(["iam-hygiene", group.key]);
    expect(issues[0]?.body).toContain("| Credential | Severity | Finding | Status |");
    expect(issues[0]?.body).toContain(`<!-- ${revisionMarker(group.key, group.revision)} -->`);
  });

  it("does nothing on a re-run with the same content, comments once when it changes, never duplicates", async () => {
    // Prepare
    const first = ticketFor(["AKIA1"]);
    const changed = ticketFor(["AKIA1", "AKIA2"]);
    await sink().upsert(first);

    // Act
    const outcomes = [
      (await sink().upsert(first)).outcome,
      (await sink().upsert(changed)).outcome,
      (await sink().upsert(changed)).outcome,
    ];

    // Assess
    expect(outcomes).toEqual(["unchanged", "commented", "unchanged"]);
    const issues = github.withLabel(first.key);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.comments).toHaveLength(1);
  });

  it("follows Link pagination when looking for the revision marker among many comments", async () => {
    // Prepare
    const group = ticketFor(["AKIA1"]);
    const issue = github.seed({ title: "old", labels: ["iam-hygiene", group.key], body: "no marker here" });
    for (let i = 0; i < 150; i++) issue.comments.push({ id: i + 1, body: `chatter ${i}` });
    issue.comments.push({ id: 999, body: `<!-- ${revisionMarker(group.key, group.revision)} -->` });

    // Act
    const result = await sink().upsert(group);

    // Assess
    expect(result.outcome).toBe("unchanged");
    const pages = github.requests.filter(
      (r) => r.method === "GET" && r.path.endsWith(`/issues/${issue.number}/comments`),
    );
    expect(pages).toHaveLength(2);
  });

  it("comments and closes as completed on resolve, once", async () => {
    // Prepare
    const group = ticketFor(["AKIA1"]);
    await sink().upsert(group);
    const resolution = {
      key: group.key,
      revision: "r-closed",
      findingIds: group.findingIds,
      summary: "All resolved.",
    };

    // Act
    const closed = await sink().resolve(resolution);
    const again = await sink().resolve(resolution);

    // Assess
    expect(closed.outcome).toBe("closed");
    expect(again.outcome).toBe("absent");
    const [issue] = github.withLabel(group.key);
    expect(issue?.state).toBe("closed");
    expect(issue?.stateReason).toBe("completed");
    expect(issue?.comments).toHaveLength(1);
  });

  it("keeps a display name and an account name from mentioning anyone, in the issue and in a changed comment", async () => {
    // Prepare: names come from the HR list and the config, not from us.
    const eve = person({ displayName: "Eve <!channel> @acme/security-team" });
    const compose = (nativeIds: string[]) =>
      composeNotifications({
        items: nativeIds.map((nativeId) => item({ action: "ticket", person: eve, credential: { nativeId } })),
        mode: "enforce",
        accountNames: { "123456789012": "prod @acme/prod-owners" },
      }).tickets[0]!;
    await sink().upsert(compose(["AKIA1"]));

    // Act
    const changed = await sink().upsert(compose(["AKIA1", "AKIA2"]));

    // Assess
    expect(changed.outcome).toBe("commented");
    const [issue] = github.issues;
    for (const text of [issue!.body, issue!.comments[0]!.body]) {
      // Every @ is broken by a zero-width space, so GitHub links and notifies nobody.
      expect(text).not.toMatch(/@(?!\u200b)/);
      expect(text).not.toContain("<!channel>");
      expect(text).toContain("Eve &lt;\\!channel&gt; @\u200bacme/security-team");
      expect(text).toContain("prod @\u200bacme/prod-owners (123456789012)");
    }
  });

  it("keeps a name from becoming a link, an image, an issue reference or formatting", async () => {
    // Prepare: an owner tag anyone who can tag their own IAM user could set.
    const ticket = composeNotifications({
      items: [
        item({
          action: "ticket",
          credential: {
            nativeId: "AKIA1",
            principal: "[sign in](https://evil.example) ![x](https://evil.example/p.png) #1 `x` *b* _i_ ~s~",
          },
        }),
      ],
      mode: "enforce",
    }).tickets[0]!;

    // Act
    await sink().upsert(ticket);

    // Assess: the text is all there, every piece of syntax escaped.
    const body = github.issues[0]!.body;
    expect(body).not.toContain("[sign in](");
    expect(body).not.toContain("![x](");
    expect(body).toContain(
      "\\[sign in\\](https://evil.example) \\!\\[x\\](https://evil.example/p.png) #\u200b1 \\`x\\` \\*b\\* \\_i\\_ \\~s\\~",
    );
  });

  it("opens no ticket with a token whose labels GitHub would drop, and says why", async () => {
    // Prepare: a user token without push access (GitHub shows its permissions on the repository).
    github.pushAccess = false;

    // Act
    const upserting = sink().upsert(ticketFor(["AKIA1"]));

    // Assess: refused before anything is created (every run would open another unfindable one).
    const error = await upserting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).details.code).toBe("missing_permission");
    expect((error as Error).message).toMatch(/needs push access/);
    expect(github.issues).toEqual([]);
  });

  it("says so when GitHub created an issue without its labels (a token whose permissions are not shown)", async () => {
    // Prepare: an App token: the repository shows no permissions; the labels are dropped.
    github.pushAccess = false;
    github.showsPermissions = false;

    // Act
    const upserting = sink().upsert(ticketFor(["AKIA1"]));

    // Assess: the issue exists, but the delivery is a failure naming it and the cause.
    const error = await upserting.catch((e: unknown) => e);
    expect((error as DeliveryError).details.code).toBe("labels_dropped");
    expect((error as Error).message).toMatch(
      /^GitHub created issue #1 without its labels: the token needs push access/,
    );
  });

  it("turns the primary rate limit into a DeliveryError that says when to retry", async () => {
    // Prepare
    github.rateLimit(1);

    // Act
    const upserting = sink().upsert(ticketFor(["AKIA1"]));

    // Assess
    const error = await upserting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).details.code).toBe("rate_limited");
    expect((error as DeliveryError).details.retryAt).toBeInstanceOf(Date);
  });

  it("reports bad credentials as a 401 DeliveryError", async () => {
    await expect(sink("ghp_wrong").upsert(ticketFor(["AKIA1"]))).rejects.toMatchObject({
      name: "DeliveryError",
      details: { code: "http_401" },
      message: expect.stringContaining("Bad credentials"),
    });
  });

  describe("preflight", () => {
    const checking = (options: { auth?: string; repo?: string } = {}) =>
      new GitHubIssuesSink({
        octokit: new Octokit({
          auth: options.auth ?? "ghp_test",
          baseUrl: github.baseUrl,
          log: { debug() {}, info() {}, warn() {}, error() {} },
        }),
        owner: "acme",
        repo: options.repo ?? "security",
      }).preflight();

    /** One read of the repository, nothing written: no issue, comment or label. */
    const expectOneRead = (repo = "security") => {
      expect(github.requests.map((r) => [r.method, r.path])).toEqual([["GET", `/repos/acme/${repo}`]]);
      expect(github.issues).toEqual([]);
    };

    it("says the repository is visible, issues are enabled and new issues keep their labels, with one read", async () => {
      // Act
      const checks = await checking();

      // Assess
      expect(checks).toEqual([
        {
          name: "github-issues: repository acme/security",
          ok: true,
          detail: "acme/security is visible to the token",
        },
        { name: "github-issues: issues in acme/security", ok: true, detail: "issues are enabled" },
        {
          name: "github-issues: push access to acme/security",
          ok: true,
          detail: "the token has push access, so new issues keep their labels",
        },
      ]);
      expectOneRead();
    });

    it("says GitHub refused the token on a 401", async () => {
      // Act
      const checks = await checking({ auth: "ghp_wrong" });

      // Assess
      expect(checks).toEqual([
        {
          name: "github-issues: token",
          ok: false,
          detail:
            "GitHub refused the token (HTTP 401: Bad credentials - https://docs.github.com/rest): put a current token in the tickets.token secret (a fine-grained token or GitHub App with Issues: read and write on the repository)",
        },
      ]);
      expect(checks[0]?.detail).not.toContain("ghp_wrong");
      expectOneRead();
    });

    it("says the repository is not found or not visible to the token on a 404", async () => {
      // Act: a typo in tickets.repo.
      const checks = await checking({ repo: "secrity" });

      // Assess
      expect(checks).toEqual([
        {
          name: "github-issues: repository acme/secrity",
          ok: false,
          detail:
            "repository not found or not visible to the token (HTTP 404: Not Found - https://docs.github.com/rest): check tickets.owner and tickets.repo, and give the token access to the repository (a fine-grained token's Repository access, or the App's installation)",
        },
      ]);
      expectOneRead("secrity");
    });

    it("says when to come back when the rate limit is spent, rather than blaming the token", async () => {
      // Prepare
      github.rateLimit(1);

      // Act
      const checks = await checking();

      // Assess
      expect(checks).toHaveLength(1);
      expect(checks[0]).toMatchObject({ name: "github-issues: repository acme/security", ok: false });
      expect(checks[0]?.detail).toMatch(
        /^GitHub's rate limit is spent \(HTTP 403: API rate limit exceeded for user ID 1\. - .+\): try again after \d{4}-\d\d-\d\dT/,
      );
      expectOneRead();
    });

    it("says issues are disabled on the repository, where creating one would be refused", async () => {
      // Prepare
      github.hasIssues = false;

      // Act
      const checks = await checking();

      // Assess
      expect(checks[1]).toEqual({
        name: "github-issues: issues in acme/security",
        ok: false,
        detail:
          "issues are disabled on the repository: enable them in the repository's Settings → General → Features → Issues",
      });
      expectOneRead();
      // What the preflight warns of: GitHub answers 410 Gone to a new issue.
      await expect(sink().upsert(ticketFor(["AKIA1"]))).rejects.toMatchObject({
        details: { code: "http_410" },
      });
      expect(github.issues).toEqual([]);
    });

    it("says the token lacks push access, with the reason the sink refuses to open tickets", async () => {
      // Prepare
      github.pushAccess = false;

      // Act
      const checks = await checking();

      // Assess
      expect(checks[2]).toEqual({
        name: "github-issues: push access to acme/security",
        ok: false,
        detail:
          "the token needs push access to the repository to label new issues (GitHub drops the labels of others silently), and iam-hygiene finds its tickets by label",
      });
      expectOneRead();
      // The same reason the sink gives when it refuses to open a ticket.
      await expect(sink().upsert(ticketFor(["AKIA1"]))).rejects.toMatchObject({
        message: expect.stringContaining(checks[2]!.detail),
      });
    });

    it("says push access could not be read for a token whose permissions GitHub does not show, without failing", async () => {
      // Prepare: a GitHub App installation token.
      github.showsPermissions = false;

      // Act
      const checks = await checking();

      // Assess
      expect(checks[2]).toEqual({
        name: "github-issues: push access to acme/security",
        ok: true,
        detail:
          "GitHub does not show this token's permissions on the repository (a GitHub App token): push access could not be read here, and is checked on the first issue (its labels are read back)",
      });
      expectOneRead();
    });
  });
});

describe("GitHubIssuesSink behind an answer that echoes the request (a proxy's debug page)", () => {
  /** Not shaped like a GitHub token (`ghp_…`), so only the sink's own secrets can redact it. */
  const token = "v1.0123456789abcdef0123456789abcdef01234567";
  let server: Server;
  let baseUrl: string;
  let answer: (headers: IncomingHttpHeaders) => { type: string; body: string };

  beforeEach(async () => {
    // What the reproduction saw: 502, text/plain, the request's headers (token included).
    answer = (headers) => ({ type: "text/plain", body: JSON.stringify(headers) });
    server = createServer((request, response) => {
      const { type, body } = answer(request.headers);
      response.writeHead(502, { "content-type": type });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const proxied = () =>
    new GitHubIssuesSink({
      octokit: new Octokit({ auth: token, baseUrl, log: { debug() {}, info() {}, warn() {}, error() {} } }),
      owner: "acme",
      repo: "security",
      secretValues: [token],
    });

  it("keeps the echoed token out of the preflight's detail, saying HTTP 502", async () => {
    // Act
    const checks = await proxied().preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: "github-issues: repository acme/security",
        ok: false,
        detail: "could not read the repository (HTTP 502)",
      },
    ]);
    expect(checks[0]?.detail).not.toContain(token);
  });

  it("keeps the echoed token out of a DeliveryError's message, saying HTTP 502", async () => {
    // Act
    const error = await proxied()
      .upsert(ticketFor(["AKIA1"]))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).message).toBe("GitHub list issues failed (HTTP 502)");
    expect((error as DeliveryError).details).toEqual({ code: "http_502" });
  });

  it("quotes the short first line of a proxy's HTML page", async () => {
    // Prepare: nginx's own 502 page.
    answer = () => ({
      type: "text/html",
      body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
    });

    // Act
    const checks = await proxied().preflight();

    // Assess
    expect(checks[0]?.detail).toBe("could not read the repository (HTTP 502: 502 Bad Gateway)");
  });

  it("leaves out a first line that quotes a header, even a short one", async () => {
    // Prepare
    answer = (headers) => ({ type: "text/plain", body: `authorization: ${headers.authorization}\nhost: x` });

    // Act
    const checks = await proxied().preflight();

    // Assess
    expect(checks[0]?.detail).toBe("could not read the repository (HTTP 502)");
  });

  it("redacts the token, and a long piece of it, from GitHub's JSON message", async () => {
    // Prepare: a JSON answer quoting the whole token, and one cut short (20 of its characters).
    answer = () => ({
      type: "application/json",
      body: JSON.stringify({ message: `upstream refused ${token}; retried with ${token.slice(0, 20)}` }),
    });

    // Act
    const [check] = await proxied().preflight();
    const error = (await proxied()
      .upsert(ticketFor(["AKIA1"]))
      .catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expect(check?.detail).toBe(
      "could not read the repository (HTTP 502: upstream refused [REDACTED]; retried with [REDACTED])",
    );
    expect(error.message).toBe(
      "GitHub list issues failed (HTTP 502): upstream refused [REDACTED]; retried with [REDACTED]",
    );
  });

  it("is built from the configuration with the token to redact", async () => {
    // Prepare
    answer = () => ({
      type: "application/json",
      body: JSON.stringify({ message: `upstream refused ${token}` }),
    });
    const config = parseConfig({
      tickets: { type: "github", owner: "acme", repo: "security", token: { env: "G" }, baseUrl },
    });
    const sink = ticketSinkFromConfig(config.tickets, token);

    // Act
    const checks = await sink?.preflight?.();
    const error = (await sink?.upsert(ticketFor(["AKIA1"])).catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expect(checks?.[0]?.detail).toBe("could not read the repository (HTTP 502: upstream refused [REDACTED])");
    expect(error.message).toBe("GitHub list issues failed (HTTP 502): upstream refused [REDACTED]");
  });
});
