/**
 * The outbox end to end: a real store (the local directory adapter), the real Slack, Jira and
 * Octokit clients, and local fakes of the three providers. Counts at the fakes prove that nothing
 * is lost and nothing is sent twice across outages, re-runs and a run killed mid-delivery.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { LogLevel } from "@slack/web-api";
import { Version3Client } from "jira.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Composition } from "../../../lambdas/core/notifications.ts";
import { composeNotifications, reopenedFindings } from "../../../lambdas/core/notifications.ts";
import type { PlanItem } from "../../../lambdas/core/plan-types.ts";
import type { TicketSink } from "../../../lambdas/core/ports/ticket-sink.ts";
import { GitHubIssuesSink } from "../../../lambdas/notify/github-issues.ts";
import { JiraTicketSink } from "../../../lambdas/notify/jira.ts";
import type { OutboxNotifier, OutboxPayload } from "../../../lambdas/notify/outbox.ts";
import {
  deliver,
  enqueueForScan,
  exponentialBackoff,
  messageOutboxKey,
} from "../../../lambdas/notify/outbox.ts";
import { createSlackWebClient, SlackNotifier } from "../../../lambdas/notify/slack.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/local.ts";
import { FakeGitHubIssues } from "../../../sandbox/providers/github-issues.ts";
import { FakeJira } from "../../../sandbox/providers/jira.ts";
import { FakeSlack } from "../../../sandbox/providers/slack.ts";
import { item, NOW, threeKeysOfJane } from "../../unit/notify/plan-items.ts";

const SECURITY = "CSECURITY";
const MINUTE = 60_000;
const backoff = exponentialBackoff(5 * MINUTE, 60 * MINUTE);

/** A scan's worth of items: three keys of Jane (one ticketed), an incident, an owner's unused key. */
function scanItems(): PlanItem[] {
  return [
    ...threeKeysOfJane(),
    item({
      action: "ticket",
      credential: { nativeId: "AKIASVC000000000001", principal: "svc-etl", principalType: "service" },
    }),
    item({
      ruleId: "used-after-departure",
      severity: "critical",
      credential: { nativeId: "AKIAJANE000000000009" },
    }),
    item({
      ruleId: "unused-credential",
      person: null,
      action: "notify",
      severity: "medium",
      credential: {
        nativeId: "AKIAAMY0000000000001",
        principal: "amy",
        ownerHints: { employeeIds: [], emails: ["amy@corp.example"], usernames: [], tags: {} },
      },
    }),
  ];
}

describe("outbox delivery", () => {
  let dir: string;
  let slack: FakeSlack;
  let jira: FakeJira;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "iam-hygiene-outbox-"));
    slack = await FakeSlack.start({
      users: { "boss@corp.example": "UBOSS", "amy@corp.example": "UAMY" },
      channels: [SECURITY],
    });
    jira = await FakeJira.start();
  });
  afterEach(async () => {
    await Promise.all([slack.close(), jira.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  const notifier = () =>
    new SlackNotifier({
      client: createSlackWebClient("xoxb-test", {
        apiUrl: slack.apiUrl,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      }),
      securityChannel: SECURITY,
    });
  const jiraSink = () =>
    new JiraTicketSink({
      client: new Version3Client({
        host: jira.host,
        authentication: { basic: { email: "bot@example.com", apiToken: "jira-token" } },
      }),
      host: jira.host,
      projectKey: "SEC",
    });
  const run = (store: LocalDirectoryStore, now: Date, maxAttempts = 8) =>
    deliver({ store, notifier: notifier(), ticketSink: jiraSink(), now, backoff, maxAttempts });

  it("loses nothing in an outage and sends nothing twice when it recovers", async () => {
    // Prepare
    const store = new LocalDirectoryStore(dir);
    const composition = composeNotifications({ items: scanItems(), mode: "enforce" });
    const total = composition.messages.length + composition.tickets.length;
    expect(await enqueueForScan(store, composition, NOW)).toBe(total);
    slack.outage = true;
    jira.outage = true;

    // Act
    const duringOutage = await run(store, NOW);
    const sameRunAgain = await run(store, new Date(NOW.getTime() + MINUTE));
    slack.outage = false;
    jira.outage = false;
    const recovery = await run(store, new Date(NOW.getTime() + 7 * MINUTE));
    const requeued = await enqueueForScan(store, composition, new Date(NOW.getTime() + 60 * MINUTE));
    const rerun = await run(store, new Date(NOW.getTime() + 60 * MINUTE));

    // Assess
    // Two failures in a row mark a channel as down for the run: the rest wait, unclaimed.
    expect(duringOutage.failed.length + duringOutage.deferred.length).toBe(total);
    expect(duringOutage.failed.length).toBeLessThanOrEqual(4);
    expect(duringOutage.deferred.length).toBeGreaterThan(0);
    // Five minutes after the failure (this run's start, plus the moments the run took).
    const retryAt = duringOutage.failed[0]!.nextAttemptAt!.getTime() - NOW.getTime();
    expect(retryAt).toBeGreaterThanOrEqual(5 * MINUTE);
    expect(retryAt).toBeLessThan(5 * MINUTE + 30_000);
    // What failed is not retried before its backoff.
    const failedKeys = new Set(duringOutage.failed.map((f) => f.key));
    expect(sameRunAgain.failed.some((f) => failedKeys.has(f.key))).toBe(false);
    expect(recovery.sent).toHaveLength(total);
    expect(requeued).toBe(0);
    expect(rerun.sent).toHaveLength(0);
    expect(slack.messages).toHaveLength(composition.messages.length);
    expect(jira.issues).toHaveLength(composition.tickets.length);
    expect(slack.messagesIn(slack.dmOf("UBOSS"))).toHaveLength(1);
  });

  it("groups: one manager DM, one owner DM and one digest for the whole scan", async () => {
    // Prepare
    const store = new LocalDirectoryStore(dir);
    await enqueueForScan(store, composeNotifications({ items: scanItems(), mode: "enforce" }), NOW);

    // Act
    const report = await run(store, NOW);

    // Assess
    expect(report.failed).toEqual([]);
    expect(slack.messagesIn(slack.dmOf("UBOSS"))).toHaveLength(1);
    expect(slack.messagesIn(slack.dmOf("UAMY"))).toHaveLength(1);
    expect(slack.messagesIn(SECURITY)).toHaveLength(1);
    // Tickets go first, so the manager's message links the ticket it mentions.
    expect(JSON.stringify(slack.messagesIn(slack.dmOf("UBOSS"))[0]?.blocks)).toContain(
      `${jira.host}/browse/SEC-1`,
    );
  });

  it("after a run killed between send and mark, finds the message in Slack and marks it sent without re-posting", async () => {
    // Prepare
    const store = new LocalDirectoryStore(dir, { staleSendingMs: 15 * MINUTE });
    const composition: Composition = composeNotifications({ items: threeKeysOfJane(), mode: "enforce" });
    await enqueueForScan(store, composition, NOW, { tickets: false });
    const manager = composition.messages.find((m) => m.kind === "manager")!;
    const key = messageOutboxKey(manager);
    expect(await store.claimOutbox(key, NOW)).toBe(true);
    const payload = (await store.getOutbox(key))?.payload as Extract<OutboxPayload, { type: "message" }>;
    await notifier().send(payload.message);
    // ...and the run dies here: no markSent.

    // Act
    const whileClaimed = await run(store, new Date(NOW.getTime() + MINUTE));
    const afterStale = await run(store, new Date(NOW.getTime() + 16 * MINUTE));

    // Assess
    expect(whileClaimed.sent.map((o) => o.key)).not.toContain(key);
    expect(afterStale.recovered.map((o) => o.key)).toEqual([key]);
    expect(slack.messagesIn(slack.dmOf("UBOSS"))).toHaveLength(1);
    const after = await store.getOutbox(key);
    expect(after?.state).toBe("sent");
    expect(after?.receipt).toBe(`${slack.dmOf("UBOSS")}/${slack.messagesIn(slack.dmOf("UBOSS"))[0]?.ts}`);
  });

  it("stamps each claim with the time it was made: a claim late in a long run is not taken over as stale", async () => {
    // Prepare: each message takes Slack 10 minutes (a rate limit waited out, say); claims go stale after 15.
    const store = new LocalDirectoryStore(dir, { staleSendingMs: 15 * MINUTE });
    const composition = composeNotifications({ items: threeKeysOfJane(), mode: "enforce" });
    await enqueueForScan(store, composition, NOW, { tickets: false });
    let at = NOW.getTime();
    const inner = notifier();
    const takenOver: string[] = [];
    const slow: OutboxNotifier = {
      async send(message, context) {
        // Another run starts 16 minutes after this one and takes whatever claim it finds stale.
        const later = new Date(NOW.getTime() + 16 * MINUTE);
        for (const entry of await store.dueOutbox(later, 100))
          if (entry.state === "sending" && (await store.claimOutbox(entry.key, later)))
            takenOver.push(entry.key);
        at += 10 * MINUTE;
        return inner.send(message, context);
      },
      alreadySent: inner.alreadySent.bind(inner),
    };

    // Act
    const report = await deliver({
      store,
      notifier: slow,
      now: NOW,
      clock: { now: () => new Date(at) },
      backoff,
    });

    // Assess: only the first item's claim (made at the run's start) was old enough to take over;
    // the later ones carry the minute they were made, and were not.
    expect(composition.messages.length).toBeGreaterThan(1);
    expect(takenOver).toEqual([report.sent[0]!.key]);
    expect(report.sent.map((o) => o.key)).toHaveLength(composition.messages.length);
  });

  it("gives an item up as dead after the store's last attempt, and reports it", async () => {
    // Prepare
    const store = new LocalDirectoryStore(dir, { maxAttempts: 2 });
    const composition = composeNotifications({ items: threeKeysOfJane(), mode: "enforce" });
    await enqueueForScan(store, { ...composition, messages: composition.messages.slice(0, 1) }, NOW, {
      tickets: false,
    });
    slack.outage = true;

    // Act
    const first = await run(store, NOW, 2);
    const second = await run(store, new Date(NOW.getTime() + 6 * MINUTE), 2);
    const third = await run(store, new Date(NOW.getTime() + 600 * MINUTE), 2);

    // Assess
    expect(first.failed).toHaveLength(1);
    expect(second.dead).toHaveLength(1);
    expect(second.dead[0]?.error).toContain("http_503");
    expect(third.sent.length + third.failed.length + third.dead.length).toBe(0);
    expect((await store.getOutbox(second.dead[0]!.key))?.state).toBe("dead");
  });
});

describe.each([
  ["Jira", "jira"],
  ["GitHub Issues", "github"],
] as const)("ticket lifecycle through the outbox and the store: %s", (_name, tracker) => {
  let dir: string;
  let jira: FakeJira;
  let github: FakeGitHubIssues;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "iam-hygiene-tickets-"));
    jira = await FakeJira.start();
    github = await FakeGitHubIssues.start();
  });
  afterEach(async () => {
    await Promise.all([jira.close(), github.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  const sink = (): TicketSink =>
    tracker === "jira"
      ? new JiraTicketSink({
          client: new Version3Client({
            host: jira.host,
            authentication: { basic: { email: "bot@example.com", apiToken: "jira-token" } },
          }),
          host: jira.host,
          projectKey: "SEC",
        })
      : new GitHubIssuesSink({
          octokit: new Octokit({ auth: "ghp_test", baseUrl: github.baseUrl }),
          owner: "acme",
          repo: "security",
        });
  const tickets = () =>
    tracker === "jira"
      ? jira.issues.map((i) => ({ comments: i.comments.length, open: i.status !== "Done" }))
      : github.issues.map((i) => ({ comments: i.comments.length, open: i.state === "open" }));

  /** One scan: observe the items, compose, enqueue, deliver. */
  async function scan(store: LocalDirectoryStore, scanId: string, items: PlanItem[], at: Date) {
    await store.observeFindings(
      scanId,
      items.map((i) => ({ finding: i.finding, status: "ticketed" as const })),
      at,
    );
    const resolved = await store.resolveUnseen(scanId, new Set(items.map((i) => i.finding.id)), at);
    const reopened = reopenedFindings(await store.listFindings());
    const composition = composeNotifications({ items, mode: "enforce", resolved, reopened });
    await enqueueForScan(store, composition, at, { messages: false });
    return deliver({ store, ticketSink: sink(), now: at, backoff });
  }

  it("creates once, comments on change only, and closes when every finding is resolved", async () => {
    // Prepare
    const store = new LocalDirectoryStore(dir);
    const a = item({ action: "ticket", credential: { nativeId: "AKIA1" } });
    const b = item({ action: "ticket", credential: { nativeId: "AKIA2" } });
    const at = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);

    // Act
    await scan(store, "s1", [a], at(0));
    await scan(store, "s2", [a], at(1));
    const afterSame = tickets();
    await scan(store, "s3", [a, b], at(2));
    const afterChange = tickets();
    await scan(store, "s4", [], at(3));
    const afterResolve = tickets();
    await scan(store, "s5", [], at(4));

    // Assess
    expect(afterSame).toEqual([{ comments: 0, open: true }]);
    expect(afterChange).toEqual([{ comments: 1, open: true }]);
    expect(afterResolve).toEqual([{ comments: 2, open: false }]);
    expect(tickets()).toEqual(afterResolve);
    expect((await store.getFinding(a.finding.id))?.ticketKey).toMatch(/^iam-hygiene-[0-9a-f]{16}$/);
  });

  it("comments on the ticket a scan a minute earlier created, though the tracker's search has not caught up", async () => {
    // Prepare: Jira's search lags behind writes (GitHub's issue list does not; the case holds there too).
    jira.searchLagMs = 10 * MINUTE;
    const store = new LocalDirectoryStore(dir);
    const a = item({ action: "ticket", credential: { nativeId: "AKIA1" } });
    const b = item({ action: "ticket", credential: { nativeId: "AKIA2" } });
    const at = (minutes: number) => new Date(NOW.getTime() + minutes * MINUTE);

    // Act: the scheduled scan, then a webhook's scan a minute later with one more credential.
    const first = await scan(store, "s1", [a], at(0));
    const second = await scan(store, "s2", [a, b], at(1));

    // Assess
    expect(first.sent.map((o) => o.receipt?.split(" ")[0])).toEqual(["created"]);
    expect(second.sent.map((o) => o.receipt?.split(" ")[0])).toEqual(["commented"]);
    expect(tickets()).toEqual([{ comments: 1, open: true }]);
  });

  const outage = (on: boolean) => {
    jira.outage = on;
    github.outage = on;
  };

  it("does not open a stray ticket when an old revision comes due after the resolution closed the ticket", async () => {
    // Prepare: a ticket for one key; a second key joins during an outage, so that revision waits
    // out its backoff (due 5 minutes later); meanwhile both keys go and the resolution is delivered.
    const store = new LocalDirectoryStore(dir);
    const a = item({ action: "ticket", credential: { nativeId: "AKIA1" } });
    const b = item({ action: "ticket", credential: { nativeId: "AKIA2" } });
    const at = (minutes: number) => new Date(NOW.getTime() + minutes * MINUTE);
    await scan(store, "s1", [a], at(0));
    outage(true);
    const duringOutage = await scan(store, "s2", [a, b], at(60));
    outage(false);
    const resolving = await scan(store, "s3", [], at(62));
    const afterResolve = tickets();

    // Act: the old revision comes due.
    const late = await scan(store, "s4", [], at(70));

    // Assess: still one ticket, closed; the old revision is reported as superseded, not sent.
    const [stale] = duringOutage.failed;
    expect(stale?.key).toMatch(/^ticket:/);
    expect(resolving.sent.map((o) => o.receipt)).toEqual([expect.stringMatching(/^closed /)]);
    expect(afterResolve).toEqual([{ comments: 1, open: false }]);
    expect(tickets()).toEqual(afterResolve);
    expect(late.sent).toEqual([]);
    expect(late.superseded).toEqual([
      {
        key: stale?.key,
        channel: "ticket",
        attempts: 2,
        receipt: `superseded by ${resolving.sent[0]?.key}`,
      },
    ]);
    expect(await store.getOutbox(stale!.key)).toMatchObject({
      state: "sent",
      receipt: `superseded by ${resolving.sent[0]?.key}`,
    });
  });

  it("does not close the ticket of findings that came back before their old resolution was delivered", async () => {
    // Prepare: the key goes during an outage (its resolution waits out its backoff), then comes
    // back and the new revision is delivered to the ticket, still open.
    const store = new LocalDirectoryStore(dir);
    const a = item({ action: "ticket", credential: { nativeId: "AKIA1" } });
    const at = (minutes: number) => new Date(NOW.getTime() + minutes * MINUTE);
    await scan(store, "s1", [a], at(0));
    outage(true);
    const duringOutage = await scan(store, "s2", [], at(60));
    outage(false);
    await scan(store, "s3", [a], at(62));
    const afterComeback = tickets();

    // Act: the old resolution comes due.
    const late = await scan(store, "s4", [a], at(70));

    // Assess: the ticket stays open for the finding that is back.
    const [stale] = duringOutage.failed;
    expect(stale?.key).toMatch(/^ticket-resolved:/);
    expect(afterComeback).toEqual([{ comments: 1, open: true }]);
    expect(tickets()).toEqual(afterComeback);
    expect(late.superseded.map((o) => o.key)).toEqual([stale?.key]);
  });

  it("opens a new ticket when a resolved finding comes back, and closes that one on its own resolution", async () => {
    // Prepare: a key is ticketed, then gone (ticket closed), then back within days (re-enabled).
    const store = new LocalDirectoryStore(dir);
    const a = item({ action: "ticket", credential: { nativeId: "AKIA1" } });
    const at = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);

    // Act
    await scan(store, "s1", [a], at(0));
    await scan(store, "s2", [], at(1));
    const afterFirstEpisode = tickets();
    await scan(store, "s3", [a], at(48));
    const afterComeback = tickets();
    await scan(store, "s4", [a], at(49));
    await scan(store, "s5", [], at(50));
    const afterSecondResolve = tickets();

    // Assess: one closed ticket per episode; the same state again in s4 says nothing new.
    expect(afterFirstEpisode).toEqual([{ comments: 1, open: false }]);
    expect(afterComeback).toEqual([
      { comments: 1, open: false },
      { comments: 0, open: true },
    ]);
    expect(afterSecondResolve).toEqual([
      { comments: 1, open: false },
      { comments: 1, open: false },
    ]);
  });
});
