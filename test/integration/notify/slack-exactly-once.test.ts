/**
 * Slack never shows a message twice, even when it fails after accepting it. The real store (local
 * directory), the real outbox, the real `@slack/web-api` WebClient (with retries configured, to
 * prove it does not re-send a post on its own) against the fake Slack, which can accept a post and
 * then answer 500 or drop the connection. Counts at the fake prove exactly one message per key.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogLevel } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ComposedMessage } from "../../../lambdas/core/notifications.ts";
import { composeNotifications } from "../../../lambdas/core/notifications.ts";
import {
  deliver,
  enqueueForScan,
  exponentialBackoff,
  messageOutboxKey,
} from "../../../lambdas/notify/outbox.ts";
import { createSlackWebClient, SlackNotifier } from "../../../lambdas/notify/slack.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/local.ts";
import type { FakeSlackOptions } from "../../../sandbox/providers/slack.ts";
import { FAKE_SLACK_SCOPES, FakeSlack } from "../../../sandbox/providers/slack.ts";
import { NOW, threeKeysOfJane } from "../../unit/notify/plan-items.ts";

const SECURITY = "CSECURITY";
const MINUTE = 60_000;
const backoff = exponentialBackoff(5 * MINUTE, 60 * MINUTE);
/** The WebClient would retry a failed post three times if it retried at all. */
const RETRY = { retries: 3, minTimeout: 0, maxTimeout: 1 };

describe("Slack delivery when Slack fails after accepting a post", () => {
  let dir: string;
  let slack: FakeSlack;
  let store: LocalDirectoryStore;
  let manager: ComposedMessage;
  let dm: string;
  // One clock for the fake (message ts), the notifier and the outbox: NOW plus real time elapsed,
  // plus whatever a test skips ahead between runs.
  let skippedMs = 0;
  let startedAt = 0;
  const clock = { now: () => new Date(NOW.getTime() + skippedMs + (Date.now() - startedAt)) };
  const skip = (minutes: number) => {
    skippedMs += minutes * MINUTE;
  };

  async function start(options: Pick<FakeSlackOptions, "scopes"> = {}, maxAttempts = 8) {
    slack = await FakeSlack.start({
      users: { "boss@corp.example": "UBOSS" },
      channels: [SECURITY],
      clock: () => clock.now().getTime(),
      ...options,
    });
    dm = slack.dmOf("UBOSS");
    store = new LocalDirectoryStore(dir, { maxAttempts });
    const composition = composeNotifications({ items: threeKeysOfJane(), mode: "enforce" });
    const found = composition.messages.find((m) => m.kind === "manager");
    if (found === undefined) throw new Error("no manager message composed");
    manager = found;
    await enqueueForScan(store, { ...composition, messages: [manager] }, clock.now(), { tickets: false });
  }

  const run = (maxAttempts = 8) =>
    deliver({
      store,
      notifier: new SlackNotifier({
        client: createSlackWebClient("xoxb-test", {
          apiUrl: slack.apiUrl,
          retryConfig: RETRY,
          logLevel: LogLevel.ERROR,
        }),
        securityChannel: SECURITY,
        clock,
      }),
      now: clock.now(),
      backoff,
      maxAttempts,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "iam-hygiene-slack-once-"));
    skippedMs = 0;
    startedAt = Date.now();
  });
  afterEach(async () => {
    await slack.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["answers 500", { status: 500 }],
    ["drops the connection", "drop"],
    ["answers ok:false internal_error", { status: 200, error: "internal_error" }],
  ] as const)(
    "accepts the post, then %s: one message, and the entry is delivered with its ts",
    async (_, fault) => {
      // Prepare
      await start();
      slack.acceptThenFail(1, fault);

      // Act
      const report = await run();

      // Assess
      const posted = slack.messagesWithKey(manager.key);
      expect(posted).toHaveLength(1);
      expect(slack.calls("chat.postMessage")).toHaveLength(1);
      expect(report.sent.map((o) => o.key)).toEqual([messageOutboxKey(manager)]);
      const entry = await store.getOutbox(messageOutboxKey(manager));
      expect(entry?.state).toBe("sent");
      expect(entry?.receipt).toBe(`${dm}/${posted[0]?.ts}`);
      // The history read was bounded: from shortly before the first attempt, a small page, with metadata.
      const [history] = slack.calls("conversations.history");
      expect(history?.params).toMatchObject({ channel: dm, include_all_metadata: "true", limit: "15" });
      expect(Number(history?.params.oldest)).toBeGreaterThan(NOW.getTime() / 1000 - 10 * 60);
    },
  );

  it("a plain 500 that posted nothing: not re-posted blind, then sent once by the next run after it looked", async () => {
    // Prepare
    await start();
    slack.fail(1, { status: 500 }, "chat.postMessage");

    // Act
    const first = await run();
    const afterFirst = slack.messages.length;
    skip(6);
    const second = await run();

    // Assess
    expect(afterFirst).toBe(0);
    expect(first.failed.map((o) => o.key)).toEqual([messageOutboxKey(manager)]);
    expect(first.failed[0]?.error).toContain("not in");
    expect(second.sent.map((o) => o.key)).toEqual([messageOutboxKey(manager)]);
    expect(slack.messagesWithKey(manager.key)).toHaveLength(1);
    // The second run looked before it posted.
    const order = slack.requests.map((r) => r.method).filter((m) => m !== "users.lookupByEmail");
    expect(order.slice(-3)).toEqual(["conversations.history", "conversations.open", "chat.postMessage"]);
  });

  it("a 429 waits out Retry-After and posts once, without reading the history (a 429 posts nothing)", async () => {
    // Prepare
    await start();
    slack.rateLimit(1, 1, "chat.postMessage");

    // Act
    const report = await run();

    // Assess
    expect(report.sent).toHaveLength(1);
    expect(slack.messagesWithKey(manager.key)).toHaveLength(1);
    const [limited, posted] = slack.calls("chat.postMessage");
    expect([limited?.status, posted?.status]).toEqual([429, 200]);
    expect(posted!.at - limited!.at).toBeGreaterThanOrEqual(950);
    expect(slack.calls("conversations.history")).toHaveLength(0);
  });

  it("a Retry-After too long to wait in the run: queued until then, then sent once without a history read", async () => {
    // Prepare: the token cannot read DM history, which a clean 429 must not need.
    await start({ scopes: FAKE_SLACK_SCOPES.filter((s) => s !== "im:history") });
    slack.rateLimit(1, 3600, "chat.postMessage");

    // Act
    const first = await run();
    skip(30);
    const tooEarly = await run();
    skip(40);
    const second = await run();

    // Assess
    expect(first.failed[0]?.error).toMatch(/^NotDeliveredError: .*ratelimited/);
    expect(first.failed[0]!.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(
      NOW.getTime() + 3600 * 1000 - 1000,
    );
    expect(tooEarly.sent.length + tooEarly.failed.length).toBe(0);
    expect(second.sent).toHaveLength(1);
    expect(slack.messagesWithKey(manager.key)).toHaveLength(1);
    expect(slack.calls("conversations.history")).toHaveLength(0);
  });

  it("when the history cannot be read (missing im:history), keeps the item queued and never posts it again", async () => {
    // Prepare
    await start({ scopes: FAKE_SLACK_SCOPES.filter((s) => s !== "im:history") }, 3);
    slack.acceptThenFail(1, { status: 500 });

    // Act
    const first = await run(3);
    skip(6);
    const second = await run(3);
    skip(60);
    const third = await run(3);

    // Assess
    expect(slack.messagesWithKey(manager.key)).toHaveLength(1);
    expect(slack.calls("chat.postMessage")).toHaveLength(1);
    expect(first.failed[0]?.error).toContain("missing_scope (needed: im:history");
    expect(second.failed[0]?.error).toContain("missing_scope (needed: im:history");
    // After the last attempt a human must look: the report names the item and why.
    expect(third.dead.map((o) => o.key)).toEqual([messageOutboxKey(manager)]);
    expect((await store.getOutbox(messageOutboxKey(manager)))?.state).toBe("dead");
  });

  it("a refusal (ok:false) is not retried blind, and the next run re-sends without looking", async () => {
    // Prepare
    await start();
    slack.fail(1, { status: 200, error: "msg_blocks_too_long" }, "chat.postMessage");

    // Act
    const first = await run();
    skip(6);
    const second = await run();

    // Assess
    expect(first.failed[0]?.error).toMatch(/^NotDeliveredError: .*msg_blocks_too_long/);
    expect(second.sent).toHaveLength(1);
    expect(slack.calls("chat.postMessage")).toHaveLength(2);
    expect(slack.calls("conversations.history")).toHaveLength(0);
    expect(slack.messagesWithKey(manager.key)).toHaveLength(1);
  });
});
