import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../lambdas/config.ts";
import { composeNotifications } from "../../lambdas/core/notifications.ts";
import { fetchWithDeadline } from "../../lambdas/http-deadline.ts";
import { ticketSinkFromConfig } from "../../lambdas/notify/index.ts";
import { githubSourceFromConfig } from "../../lambdas/sources/github/github-source.ts";
import { LocalServer } from "../../sandbox/providers/local-server.ts";
import { item } from "../unit/notify/plan-items.ts";

/**
 * GitHub and Jira through their real clients (Octokit, jira.js), pointed at an endpoint that
 * accepts each request and never answers, as a stuck proxy or a black-holed firewall does. Each
 * request ends at its deadline with an error that says so, instead of holding the scan.
 */
describe("provider request deadlines", () => {
  let silent: LocalServer;
  let halfway: LocalServer;
  let requests: string[];

  beforeAll(async () => {
    silent = await LocalServer.listen(async (req) => {
      requests.push(`${req.method} ${req.url}`);
      await new Promise(() => {}); // never answers
    });
    // Answers 200 and the start of a JSON list, then nothing more: a stall after the headers.
    halfway = await LocalServer.listen(async (req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.write('[{"id": 1, "login": "jane');
      await new Promise(() => {});
    });
  });
  beforeEach(() => {
    requests = [];
  });
  afterAll(async () => {
    await Promise.all([silent.close(), halfway.close()]);
  });

  const group = () => {
    const [ticket] = composeNotifications({
      items: [item({ action: "ticket", credential: { nativeId: "AKIADEADLINE" } })],
      mode: "enforce",
    }).tickets;
    return ticket!;
  };

  it("Jira: an upsert to a Jira that never answers fails at the deadline, for the outbox to retry", async () => {
    // Prepare
    const config = parseConfig({
      tickets: {
        type: "jira",
        host: silent.url,
        projectKey: "SEC",
        email: "bot@example.com",
        apiToken: { env: "J" },
      },
    });
    const sink = ticketSinkFromConfig(config.tickets, "jira-token", { requestTimeoutMs: 300 })!;
    // Act
    const started = Date.now();
    const error = await sink.upsert(group()).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("DeliveryError");
    expect((error as Error).message).toMatch(/^Jira .* failed: timeout of 300ms exceeded$/);
    expect(requests.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("GitHub Issues: an upsert to a GitHub that never answers fails at the deadline, saying so", async () => {
    // Prepare
    const config = parseConfig({
      tickets: { type: "github", owner: "acme", repo: "security", token: { env: "G" }, baseUrl: silent.url },
    });
    const sink = ticketSinkFromConfig(config.tickets, "ghp_test", { requestTimeoutMs: 300 })!;
    // Act
    const started = Date.now();
    const error = await sink.upsert(group()).catch((e: unknown) => e);
    // Assess
    expect((error as Error).name).toBe("DeliveryError");
    expect((error as Error).message).toContain("no answer within 0.3 s");
    expect((error as Error).message).not.toContain("ghp_test");
    expect(requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("GitHub source: every read of a GitHub that never answers ends at its deadline as unreachable", async () => {
    // Prepare
    const source = githubSourceFromConfig(
      { org: "acme", baseUrl: silent.url, revokeFineGrainedTokens: true },
      { token: "ghp_source" },
      { requestTimeoutMs: 300 },
    );
    // Act
    const started = Date.now();
    const checks = await source.preflight();
    // Assess
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((c) => !c.ok)).toBe(true);
    expect(checks[0]!.detail).toContain("GitHub is unreachable (ETIMEDOUT)");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("GitHub: an answer that stalls after its headers fails at the deadline, never as an empty success", async () => {
    // Prepare
    const source = githubSourceFromConfig(
      { org: "acme", baseUrl: halfway.url, revokeFineGrainedTokens: true },
      { token: "ghp_source" },
      { requestTimeoutMs: 300 },
    );
    const config = parseConfig({
      tickets: { type: "github", owner: "acme", repo: "security", token: { env: "G" }, baseUrl: halfway.url },
    });
    const sink = ticketSinkFromConfig(config.tickets, "ghp_test", { requestTimeoutMs: 300 })!;
    // Act
    const checks = await source.preflight();
    const error = await sink.upsert(group()).catch((e: unknown) => e);
    // Assess: nothing read as "listed" or "no such ticket"; the upsert created nothing.
    expect(checks.every((c) => !c.ok)).toBe(true);
    expect(checks[0]!.detail).toContain("GitHub is unreachable (ETIMEDOUT)");
    expect((error as Error).name).toBe("DeliveryError");
    expect((error as Error).message).toContain("no answer within 0.3 s");
    expect(requests.filter((r) => r.startsWith("POST"))).toEqual([]);
  });

  it("fetchWithDeadline: hands on the whole answer, its status, headers and URL", async () => {
    // Prepare
    const whole = await LocalServer.listen(async (_req, res) => {
      res.writeHead(201, { "content-type": "application/json", "x-answer": "yes" });
      res.end('{"ok":true}');
    });
    try {
      // Act
      const response = await fetchWithDeadline(5_000)(`${whole.url}/thing`, { method: "POST" });
      const empty = await fetchWithDeadline(5_000)(`${whole.url}/thing`, { method: "HEAD" });
      // Assess
      expect([response.status, response.headers.get("x-answer"), response.url]).toEqual([
        201,
        "yes",
        `${whole.url}/thing`,
      ]);
      expect(await response.json()).toEqual({ ok: true });
      expect(empty.status).toBe(201);
    } finally {
      await whole.close();
    }
  });

  it("fetchWithDeadline: a caller's own abort still wins, and is not reported as a timeout", async () => {
    // Prepare
    const fetch = fetchWithDeadline(5_000);
    const caller = new AbortController();
    // Act
    const pending = fetch(`${silent.url}/x`, { signal: caller.signal }).catch((e: unknown) => e);
    setTimeout(() => caller.abort(), 50);
    const error = await pending;
    // Assess
    expect((error as Error).name).toBe("AbortError");
    expect(requests).toEqual(["GET /x"]);
  });
});
