import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Version3Client } from "jira.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import type { TicketGroup, TicketResolution } from "../../../lambdas/core/notifications.ts";
import { composeNotifications } from "../../../lambdas/core/notifications.ts";
import { DeliveryError } from "../../../lambdas/core/ports/notifier.ts";
import { ticketSinkFromConfig } from "../../../lambdas/notify/index.ts";
import {
  JIRA_PROJECT_PERMISSIONS,
  JiraTicketSink,
  jiraSecretValues,
  MAX_JIRA_BODY_CHARS,
} from "../../../lambdas/notify/jira.ts";
import { FakeJira } from "../../../sandbox/providers/jira.ts";
import { item } from "./plan-items.ts";

function ticketFor(nativeIds: string[]): TicketGroup {
  const items = nativeIds.map((nativeId) => item({ action: "ticket", credential: { nativeId } }));
  const [group] = composeNotifications({ items, mode: "enforce" }).tickets;
  if (group === undefined) throw new Error("no ticket composed");
  return group;
}

function resolutionOf(group: TicketGroup): TicketResolution {
  return {
    key: group.key,
    revision: "r-closed",
    findingIds: group.findingIds,
    summary: "All findings resolved.",
  };
}

describe("JiraTicketSink", () => {
  let jira: FakeJira;

  beforeEach(async () => {
    jira = await FakeJira.start("SEC", "bot@example.com", "jira-token");
  });
  afterEach(async () => {
    await jira.close();
  });

  const sink = (apiToken = "jira-token") =>
    new JiraTicketSink({
      client: new Version3Client({
        host: jira.host,
        authentication: { basic: { email: "bot@example.com", apiToken } },
      }),
      host: jira.host,
      projectKey: "SEC",
    });

  it("creates one ticket with an ADF description, the stable key as label, found with the enhanced search", async () => {
    // Prepare
    const group = ticketFor(["AKIA1", "AKIA2"]);

    // Act
    const result = await sink().upsert(group);

    // Assess
    expect(result).toEqual({ outcome: "created", key: "SEC-1", url: `${jira.host}/browse/SEC-1` });
    const [issue] = jira.withLabel(group.key);
    expect(issue?.labels).toEqual(["iam-hygiene", group.key]);
    expect(issue?.issueType).toBe("Task");
    expect(JSON.stringify(issue?.description)).toContain("AKIA2");
    expect(jira.requests.some((r) => r.path === "/rest/api/3/search/jql" && r.status === 200)).toBe(true);
  });

  it("keeps a description and a comment within Jira's 32,767 characters, saying how many it does not list", async () => {
    // Prepare: 30 credentials, each with a long explanation (the longest "why" a ticket keeps).
    const long = (n: number, why: string) =>
      composeNotifications({
        items: Array.from({ length: n }, (_, i) =>
          item({
            action: "ticket",
            summary: why,
            credential: { nativeId: `AKIA${String(i).padStart(16, "0")}` },
          }),
        ),
        mode: "enforce",
      }).tickets[0]!;
    const first = long(30, "x".repeat(1_200));
    const changed = long(31, "y".repeat(1_200));

    // Act
    const created = await sink().upsert(first);
    const commented = await sink().upsert(changed);

    // Assess: both accepted (the fake refuses more, as Jira does), each listing what fits.
    expect([created.outcome, commented.outcome]).toEqual(["created", "commented"]);
    const [issue] = jira.withLabel(first.key);
    for (const body of [issue!.description, issue!.comments[0]!.body]) {
      const json = JSON.stringify(body);
      expect(json.length).toBeLessThanOrEqual(MAX_JIRA_BODY_CHARS);
      expect(json).toMatch(/…and \d+ more credentials, not listed here/);
    }
  });

  it("does nothing on a re-run with the same content, comments once when it changes, never duplicates", async () => {
    // Prepare
    const first = ticketFor(["AKIA1"]);
    const changed = ticketFor(["AKIA1", "AKIA2"]);
    await sink().upsert(first);

    // Act
    const again = await sink().upsert(first);
    const updated = await sink().upsert(changed);
    const updatedAgain = await sink().upsert(changed);

    // Assess
    expect([again.outcome, updated.outcome, updatedAgain.outcome]).toEqual([
      "unchanged",
      "commented",
      "unchanged",
    ]);
    expect(jira.issues).toHaveLength(1);
    expect(jira.issues[0]?.comments).toHaveLength(1);
    expect(JSON.stringify(jira.issues[0]?.comments[0]?.body)).toContain("AKIA2");
  });

  it("comments on a ticket the search has not indexed yet when the caller knows its key, and duplicates it otherwise", async () => {
    // Prepare: Jira's search lags behind writes; the first revision's ticket is not searchable yet.
    jira.searchLagMs = 60_000;
    const first = ticketFor(["AKIA1"]);
    const changed = ticketFor(["AKIA1", "AKIA2"]);
    const created = await sink().upsert(first);

    // Act
    const known = await sink().upsert(changed, { knownTickets: [created.key] });
    const blind = await sink().upsert(changed);

    // Assess: read by key, the known ticket is commented; a blind search misses it and creates again.
    expect(known).toEqual({ outcome: "commented", key: "SEC-1", url: `${jira.host}/browse/SEC-1` });
    expect(blind.outcome).toBe("created");
    expect(jira.issues.map((i) => i.comments.length)).toEqual([1, 0]);
    expect(
      jira.requests.filter((r) => r.method === "GET" && r.path === "/rest/api/3/issue/SEC-1"),
    ).toHaveLength(1);
  });

  it("closes a ticket the search has not indexed yet when the caller knows its key", async () => {
    // Prepare
    jira.searchLagMs = 60_000;
    const group = ticketFor(["AKIA1"]);
    const created = await sink().upsert(group);

    // Act
    const closed = await sink().resolve(resolutionOf(group), { knownTickets: [created.key] });

    // Assess
    expect(closed.outcome).toBe("closed");
    expect(jira.issues[0]?.status).toBe("Done");
  });

  it("ignores a known ticket that is closed, deleted or labelled for another key, and prefers the oldest open one", async () => {
    // Prepare: a closed ticket, another key's ticket, an open one created an hour ago (searchable),
    // and a newer open one the search has not indexed yet.
    const group = ticketFor(["AKIA1"]);
    const closed = await sink().upsert(group);
    await sink().resolve(resolutionOf(group));
    const other = await sink().upsert({ ...ticketFor(["AKIA9"]), key: "iam-hygiene-other" });
    const older = await sink().upsert(group);
    const at = jira.issues.findIndex((i) => i.key === older.key);
    jira.issues[at] = { ...jira.issues[at]!, created: new Date(Date.now() - 3_600_000) };
    jira.searchLagMs = 60_000;
    jira.issues.push({ ...jira.issues[at]!, id: "10099", key: "SEC-99", comments: [], created: new Date() });

    // Act
    const result = await sink().upsert(
      { ...group, revision: "r-new" },
      { knownTickets: ["#17", "SEC-99", "SEC-404", other.key, closed.key] },
    );

    // Assess: the older open ticket is commented; the others are left as they were.
    expect(result).toMatchObject({ outcome: "commented", key: older.key });
    expect(jira.issues.map((i) => [i.key, i.comments.length])).toEqual([
      [closed.key, 1],
      [other.key, 0],
      [older.key, 1],
      ["SEC-99", 0],
    ]);
    const reads = jira.requests.filter(
      (r) => r.method === "GET" && /^\/rest\/api\/3\/issue\/[^/]+$/.test(r.path),
    );
    expect(reads.map((r) => [r.path.split("/").pop(), r.status])).toEqual([
      ["SEC-99", 200],
      ["SEC-404", 404],
      [other.key, 200],
    ]);
  });

  it("closes the ticket on resolve with a comment and the Done transition, once", async () => {
    // Prepare
    const group = ticketFor(["AKIA1"]);
    await sink().upsert(group);

    // Act
    const closed = await sink().resolve(resolutionOf(group));
    const again = await sink().resolve(resolutionOf(group));

    // Assess
    expect(closed).toEqual({ outcome: "closed", ticket: { key: "SEC-1", url: `${jira.host}/browse/SEC-1` } });
    expect(again).toEqual({ outcome: "absent" });
    expect(jira.issues[0]?.status).toBe("Done");
    expect(jira.issues[0]?.comments).toHaveLength(1);
  });

  it("opens a new ticket when the same person's findings come back after the old one was closed", async () => {
    // Prepare
    const group = ticketFor(["AKIA1"]);
    await sink().upsert(group);
    await sink().resolve(resolutionOf(group));

    // Act
    const result = await sink().upsert(group);

    // Assess
    expect(result.outcome).toBe("created");
    expect(jira.withLabel(group.key).map((i) => i.status)).toEqual(["Done", "To Do"]);
  });

  it("turns a 429 into a DeliveryError with Jira's Retry-After, and creates the ticket once on the retry", async () => {
    // Prepare: Jira's rate limit answers the first request (the search) with Retry-After: 1.
    jira.rateLimit(1);
    const group = ticketFor(["AKIA1"]);
    const before = Date.now();

    // Act
    const first = sink().upsert(group);
    await expect(first).rejects.toBeInstanceOf(DeliveryError);
    const error = (await first.catch((e: unknown) => e)) as DeliveryError;
    const retried = await sink().upsert(group);

    // Assess: the outbox is told when to come back (about a second on), nothing was created by
    // the limited attempt, and the retry creates exactly one ticket.
    expect(error.details?.code).toBe("http_429");
    const retryAt = error.details?.retryAt?.getTime() ?? 0;
    expect(retryAt).toBeGreaterThanOrEqual(before + 900);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 1_100);
    expect(retried.outcome).toBe("created");
    expect(jira.withLabel(group.key)).toHaveLength(1);
  });

  it("reports a 401 as a DeliveryError carrying Jira's error message", async () => {
    // Act
    const upserting = sink("wrong").upsert(ticketFor(["AKIA1"]));

    // Assess
    await expect(upserting).rejects.toBeInstanceOf(DeliveryError);
    await expect(upserting).rejects.toMatchObject({
      details: { code: "http_401" },
      message: expect.stringContaining("Client must be authenticated"),
    });
  });

  describe("preflight", () => {
    const checking = (
      options: { apiToken?: string; projectKey?: string; issueType?: string; doneTransition?: string } = {},
    ) =>
      new JiraTicketSink({
        client: new Version3Client({
          host: jira.host,
          authentication: { basic: { email: "bot@example.com", apiToken: options.apiToken ?? "jira-token" } },
        }),
        host: jira.host,
        projectKey: options.projectKey ?? "SEC",
        ...(options.issueType !== undefined ? { issueType: options.issueType } : {}),
        ...(options.doneTransition !== undefined ? { doneTransition: options.doneTransition } : {}),
      }).preflight();

    /** Only reads were made: nothing created, commented or moved. */
    const expectOnlyReads = () => {
      expect(jira.requests.filter((r) => r.method !== "GET")).toEqual([]);
      expect(jira.issues).toEqual([]);
    };

    it("says the account, the project, each permission, the issue type, its labels and its done status are fine, with six reads", async () => {
      // Act
      const checks = await checking();

      // Assess
      expect(checks).toEqual([
        {
          name: "jira: account",
          ok: true,
          detail: "the email/API token is accepted: iam-hygiene bot (bot@example.com)",
        },
        { name: "jira: project SEC", ok: true, detail: "SEC (Security) is visible to the account" },
        ...Object.entries(JIRA_PROJECT_PERMISSIONS).map(([key, why]) => ({
          name: `jira: permission ${key} in SEC`,
          ok: true,
          detail: `granted (${why})`,
        })),
        { name: "jira: issue type Task", ok: true, detail: "project SEC has issue type Task" },
        {
          name: "jira: labels on the Task create screen",
          ok: true,
          detail: "the Labels field is on the screen (tickets are found by label)",
        },
        {
          name: 'jira: closing tickets with "Done"',
          ok: true,
          detail:
            'the Task workflow has the done status "Done": a resolved ticket is moved to it (whether a transition reaches it from the ticket\'s status shows on the first ticket)',
        },
      ]);
      expect(jira.requests.map((r) => [r.path, r.status])).toEqual([
        ["/rest/api/3/myself", 200],
        ["/rest/api/3/project/SEC", 200],
        ["/rest/api/3/mypermissions", 200],
        ["/rest/api/3/issue/createmeta/SEC/issuetypes/10001", 200],
        ["/rest/api/3/project/SEC/statuses", 200],
        ["/rest/api/3/search/jql", 200],
      ]);
      expectOnlyReads();
    });

    it("fails when the issue type's create screen has no Labels field, saying where to add it", async () => {
      // Prepare: the Task create screen lost its Labels field.
      jira.issueTypes = [
        { name: "Task", createFields: ["summary", "issuetype", "project", "description"] },
        ...jira.issueTypes.slice(1),
      ];

      // Act
      const checks = await checking();

      // Assess
      expect(checks.find((c) => c.name.startsWith("jira: labels"))).toEqual({
        name: "jira: labels on the Task create screen",
        ok: false,
        detail:
          "the Task create screen of project SEC has no Labels field, so Jira would refuse the labels tickets are found by: add Labels to the screen (Project settings → Issue types → Task, or the screen scheme)",
      });
      expectOnlyReads();
    });

    describe("closing tickets", () => {
      /** The classic workflow's wording: the transition "Close Issue" leads to the status Done. */
      const closeIssue = () => {
        jira.transitions = jira.transitions.map((t) =>
          t.to.name === "Done" ? { ...t, name: "Close Issue" } : t,
        );
      };
      /** One of the scanner's tickets, open. */
      const openTicket = () =>
        jira.issues.push({
          id: "10001",
          key: "SEC-1",
          summary: "Offboarding: jane",
          labels: ["iam-hygiene", "iam-hygiene-abc"],
          description: {},
          issueType: "Task",
          status: "To Do",
          created: new Date("2026-06-01T00:00:00Z"),
          comments: [],
        });

      it("accepts a transition name when an open ticket has that transition", async () => {
        // Prepare
        closeIssue();
        openTicket();

        // Act
        const checks = await checking({ doneTransition: "Close Issue" });

        // Assess
        expect(checks.at(-1)).toEqual({
          name: 'jira: closing tickets with "Close Issue"',
          ok: true,
          detail: 'open ticket SEC-1 would be closed by "Close Issue" (to Done)',
        });
        expect(jira.requests.slice(-3).map((r) => r.path)).toEqual([
          "/rest/api/3/project/SEC/statuses",
          "/rest/api/3/search/jql",
          "/rest/api/3/issue/SEC-1/transitions",
        ]);
        expect(jira.requests.filter((r) => r.method !== "GET")).toEqual([]);
        expect(jira.issues[0]?.status).toBe("To Do");
      });

      it("fails a name that is neither a status nor a transition of the open ticket, listing both", async () => {
        // Prepare
        openTicket();

        // Act
        const checks = await checking({ doneTransition: "Resolved" });

        // Assess
        expect(checks.at(-1)).toEqual({
          name: 'jira: closing tickets with "Resolved"',
          ok: false,
          detail:
            'open ticket SEC-1 has no transition named "Resolved" or leading to a status so named (its transitions: To Do → To Do, In Progress → In Progress, Done → Done), so it could not be closed: set tickets.doneTransition to a done status of the Task workflow (Done), or to the name of a transition to one',
        });
        expect(jira.issues[0]?.status).toBe("To Do");
      });

      it("fails a name that is no status while no ticket exists to read transitions of, naming the statuses that work", async () => {
        // Prepare
        closeIssue();

        // Act
        const checks = await checking({ doneTransition: "Close Issue" });

        // Assess
        expect(checks.at(-1)).toEqual({
          name: 'jira: closing tickets with "Close Issue"',
          ok: false,
          detail:
            'no status of the Task workflow is named "Close Issue" (and no open ticket yet to read the transitions of), so resolved tickets may stay open: set tickets.doneTransition to a done status of the Task workflow (Done), or to the name of a transition to one',
        });
        expectOnlyReads();
      });

      it("fails a status that is not of the done category: a ticket moved there would still count as open", async () => {
        // Act
        const checks = await checking({ doneTransition: "In Progress" });

        // Assess
        expect(checks.at(-1)).toEqual({
          name: 'jira: closing tickets with "In Progress"',
          ok: false,
          detail:
            '"In Progress" is a status of the indeterminate category, not a done one: a ticket moved there still counts as open, and would be reopened and commented on every scan: set tickets.doneTransition to a done status of the Task workflow (Done), or to the name of a transition to one',
        });
        expectOnlyReads();
      });

      it("fails when the open ticket has no transition to Done, naming the transitions it has", async () => {
        // Prepare: the workflow offers no way to Done.
        jira.transitions = jira.transitions.filter((t) => t.to.name !== "Done");
        openTicket();

        // Act
        const checks = await checking();

        // Assess
        expect(checks.at(-1)?.ok).toBe(false);
        expect(checks.at(-1)?.detail).toMatch(/^open ticket SEC-1 has no transition named "Done"/);
      });

      it("resolve refuses a transition to a status that is not done, rather than calling the ticket closed", async () => {
        // Prepare
        const sink = new JiraTicketSink({
          client: new Version3Client({
            host: jira.host,
            authentication: { basic: { email: "bot@example.com", apiToken: "jira-token" } },
          }),
          host: jira.host,
          projectKey: "SEC",
          doneTransition: "In Progress",
        });
        const group = ticketFor(["AKIANOTDONE"]);
        await sink.upsert(group);

        // Act
        const error = await sink.resolve(resolutionOf(group)).catch((e: unknown) => e);

        // Assess
        expect((error as DeliveryError).details.code).toBe("not_done_transition");
        expect(jira.issues[0]?.status).toBe("To Do");
      });

      it("the status it names closes a ticket: resolve moves it there by the transition that leads to it", async () => {
        // Prepare: the check passes on the status name, though the transition has another name.
        closeIssue();
        const sink = new JiraTicketSink({
          client: new Version3Client({
            host: jira.host,
            authentication: { basic: { email: "bot@example.com", apiToken: "jira-token" } },
          }),
          host: jira.host,
          projectKey: "SEC",
          doneTransition: "Done",
        });
        const group = ticketFor(["AKIADONE"]);
        await sink.upsert(group);

        // Act
        const checks = await sink.preflight();
        const resolved = await sink.resolve(resolutionOf(group));

        // Assess
        expect(checks.at(-1)?.ok).toBe(true);
        expect(resolved.outcome).toBe("closed");
        expect(jira.issues[0]?.status).toBe("Done");
      });
    });

    it("says the email/API token is refused on a 401, and asks nothing more", async () => {
      // Act
      const checks = await checking({ apiToken: "wrong-token" });

      // Assess: only the account check; the project's 404 would blame the project.
      expect(checks).toEqual([
        {
          name: "jira: account",
          ok: false,
          detail:
            "the email/API token is refused (HTTP 401: Client must be authenticated to access this resource.): check tickets.email, and that tickets.apiToken holds a current API token of that account (id.atlassian.com → Security → API tokens; they expire)",
        },
      ]);
      expect(checks[0]?.detail).not.toContain("wrong-token");
      expect(jira.requests.map((r) => r.path)).toEqual(["/rest/api/3/myself"]);
      expectOnlyReads();
    });

    it("says Jira could not be asked during an outage, rather than blaming the token", async () => {
      // Prepare
      jira.outage = true;

      // Act
      const checks = await checking();

      // Assess
      expect(checks).toEqual([
        {
          name: "jira: account",
          ok: false,
          detail:
            "could not ask Jira (HTTP 503: Service Unavailable), so nothing else was checked: try again later, and check tickets.host",
        },
      ]);
      jira.outage = false;
      expectOnlyReads();
    });

    it.each([
      ["does not exist", "OPS", undefined],
      ["cannot be browsed by the account", "SEC", "BROWSE_PROJECTS"],
    ])("says the project %s, with Jira's 404, and stops there", async (_case, projectKey, withheld) => {
      // Prepare
      if (withheld !== undefined) jira.withheldPermissions.add(withheld);

      // Act
      const checks = await checking({ projectKey });

      // Assess
      expect(checks.map((c) => [c.name, c.ok])).toEqual([
        ["jira: account", true],
        [`jira: project ${projectKey}`, false],
      ]);
      expect(checks[1]?.detail).toBe(
        `project ${projectKey} does not exist or the account cannot browse it (Browse projects) (HTTP 404: No project could be found with key '${projectKey}'.): check tickets.projectKey, and grant the account Browse Projects in the project's permission scheme`,
      );
      expectOnlyReads();
    });

    it("names each permission the account lacks in the project, and where to grant it", async () => {
      // Prepare
      jira.withheldPermissions.add("CREATE_ISSUES");
      jira.withheldPermissions.add("TRANSITION_ISSUES");

      // Act
      const checks = await checking();

      // Assess
      const permissions = checks.filter((c) => c.name.startsWith("jira: permission "));
      expect(permissions.map((c) => [c.name, c.ok])).toEqual([
        ["jira: permission BROWSE_PROJECTS in SEC", true],
        ["jira: permission CREATE_ISSUES in SEC", false],
        ["jira: permission ADD_COMMENTS in SEC", true],
        ["jira: permission TRANSITION_ISSUES in SEC", false],
      ]);
      expect(permissions[1]?.detail).toBe(
        "the account lacks Create Issues in project SEC, needed to open a ticket: grant it in the project's permission scheme (Project settings → Permissions), to the account or to a group or role it is in",
      );
      expect(permissions[3]?.detail).toBe(
        "the account lacks Transition Issues in project SEC, needed to close a ticket: grant it in the project's permission scheme (Project settings → Permissions), to the account or to a group or role it is in",
      );
      const asked = jira.requests.find((r) => r.path === "/rest/api/3/mypermissions");
      expect(Object.fromEntries(new URLSearchParams(asked?.query))).toEqual({
        projectKey: "SEC",
        permissions: "BROWSE_PROJECTS,CREATE_ISSUES,ADD_COMMENTS,TRANSITION_ISSUES",
      });
      expectOnlyReads();
    });

    it.each([
      [
        "Incident",
        "project SEC has no issue type named Incident: set tickets.issueType to one of its issue types (Bug, Story, Epic), or add Incident to the project's issue type scheme",
      ],
      [
        "Subtask",
        "Subtask is a sub-task type in project SEC, and a sub-task needs a parent issue: set tickets.issueType to one of its issue types (Bug, Story, Epic), or add Subtask to the project's issue type scheme",
      ],
    ])("says the project has no usable issue type %s, listing the ones it has", async (issueType, detail) => {
      // Prepare: a project without Task.
      jira.issueTypes = [
        { name: "Bug" },
        { name: "Story" },
        { name: "Epic" },
        { name: "Subtask", subtask: true },
      ];

      // Act
      const checks = await checking({ issueType });

      // Assess
      expect(checks.at(-1)).toEqual({ name: `jira: issue type ${issueType}`, ok: false, detail });
      expectOnlyReads();
    });
  });
});

describe("JiraTicketSink behind an answer that echoes the request (a proxy's debug page)", () => {
  const email = "bot@example.com";
  const apiToken = "ATATT3xFfGF0-test-0123456789abcdefghij";
  /** What jira.js sends in `Authorization: Basic …`. */
  const basic = Buffer.from(`${email}:${apiToken}`).toString("base64");
  let server: Server;
  let host: string;
  let seen: IncomingHttpHeaders[];
  let answer: (headers: IncomingHttpHeaders) => { type: string; body: string };

  beforeEach(async () => {
    seen = [];
    // A proxy's page: 502, text/plain, the request's headers (Basic credential included).
    answer = (headers) => ({
      type: "text/plain",
      body: `Bad Gateway\n${Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}`)
        .join("\n")}`,
    });
    server = createServer((request, response) => {
      seen.push(request.headers);
      const { type, body } = answer(request.headers);
      response.writeHead(502, { "content-type": type });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A gateway answering in Jira's error shape, with the request's headers as its `errors`. */
  const jiraShapedEcho = (headers: IncomingHttpHeaders) => ({
    type: "application/json",
    body: JSON.stringify({ errorMessages: ["upstream answered 502"], errors: headers }),
  });

  const proxied = () =>
    new JiraTicketSink({
      client: new Version3Client({ host, authentication: { basic: { email, apiToken } } }),
      host,
      projectKey: "SEC",
      secretValues: jiraSecretValues(email, apiToken),
    });

  const expectNoSecret = (text: string | undefined) => {
    expect(text).toContain("HTTP 502");
    expect(text).not.toContain(apiToken);
    expect(text).not.toContain(basic);
    expect(text).not.toContain(basic.slice(0, 12));
  };

  it("names the Basic credential jira.js sends among the secrets to redact", async () => {
    // Act
    await proxied().preflight();

    // Assess
    expect(seen[0]?.authorization).toBe(`Basic ${jiraSecretValues(email, apiToken)[1]}`);
    expect(jiraSecretValues(email, apiToken)).toEqual([apiToken, basic]);
  });

  it("reduces a body that is not JSON to HTTP 502, in the preflight and in a DeliveryError", async () => {
    // Act
    const checks = await proxied().preflight();
    const error = (await proxied()
      .upsert(ticketFor(["AKIA1"]))
      .catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expect(checks).toEqual([
      {
        name: "jira: account",
        ok: false,
        detail:
          "could not ask Jira (HTTP 502), so nothing else was checked: try again later, and check tickets.host",
      },
    ]);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.message).toBe("Jira search failed (HTTP 502)");
    expect(error.details).toEqual({ code: "http_502" });
  });

  it("redacts the API token and the Basic credential that a JSON body echoes, in the preflight and in a DeliveryError", async () => {
    // Prepare
    answer = jiraShapedEcho;

    // Act
    const [check] = await proxied().preflight();
    const error = (await proxied()
      .upsert(ticketFor(["AKIA1"]))
      .catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expectNoSecret(check?.detail);
    expect(check?.detail).toContain("(HTTP 502: upstream answered 502; ");
    expect(check?.detail).toContain("authorization: Basic [REDACTED]");
    expectNoSecret(error.message);
    expect(error.message).toContain("authorization: Basic [REDACTED]");
  });

  it("redacts a long piece of a secret, such as a credential cut short", async () => {
    // Prepare
    answer = () => ({
      type: "application/json",
      body: JSON.stringify({
        errorMessages: [`token ${apiToken.slice(0, 14)}, credential ${basic.slice(8, 28)}`],
      }),
    });

    // Act
    const [check] = await proxied().preflight();

    // Assess
    expect(check?.detail).toBe(
      "could not ask Jira (HTTP 502: token [REDACTED], credential [REDACTED]), so nothing else was checked: try again later, and check tickets.host",
    );
  });

  it("is built from the configuration with the API token and Basic credential to redact", async () => {
    // Prepare
    answer = jiraShapedEcho;
    const config = parseConfig({
      tickets: { type: "jira", host, projectKey: "SEC", email, apiToken: { env: "J" } },
    });
    const sink = ticketSinkFromConfig(config.tickets, apiToken);

    // Act
    const checks = await sink?.preflight?.();
    const error = (await sink?.upsert(ticketFor(["AKIA1"])).catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expectNoSecret(checks?.[0]?.detail);
    expectNoSecret(error.message);
  });
});
