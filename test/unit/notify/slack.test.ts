import { LogLevel, WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ComposedMessage } from "../../../lambdas/core/notifications.ts";
import { composeNotifications } from "../../../lambdas/core/notifications.ts";
import { DeliveryError } from "../../../lambdas/core/ports/notifier.ts";
import { NotDeliveredError } from "../../../lambdas/notify/outbox.ts";
import {
  createSlackWebClient,
  SLACK_EVENT_TYPE,
  SlackNotifier,
  ticketLabel,
  UnsafeSlackClientError,
} from "../../../lambdas/notify/slack.ts";
import { FakeSlack } from "../../../sandbox/providers/slack.ts";
import { person, threeKeysOfJane } from "./plan-items.ts";

const SECURITY = "CSECURITY";
const FAST = { retries: 2, minTimeout: 0, maxTimeout: 1 };

function managerMessage(items = threeKeysOfJane()): ComposedMessage {
  const message = composeNotifications({ items, mode: "enforce" }).messages.find((m) => m.kind === "manager");
  if (message === undefined) throw new Error("no manager message composed");
  return message;
}

describe("SlackNotifier", () => {
  let slack: FakeSlack;
  // The fake's clock (message ts) and the notifier's, moved by hand where a test needs it.
  let skippedMs = 0;
  const clock = { now: () => new Date(Date.now() + skippedMs) };

  beforeEach(async () => {
    skippedMs = 0;
    slack = await FakeSlack.start({
      users: { "boss@corp.example": "UBOSS" },
      channels: [SECURITY],
      clock: () => clock.now().getTime(),
    });
  });
  afterEach(async () => {
    await slack.close();
  });

  const notifier = (
    token = "xoxb-test",
    options: { historyLimit?: number; users?: ReadonlyMap<string, string> } = {},
  ) =>
    new SlackNotifier({
      client: createSlackWebClient(token, {
        apiUrl: slack.apiUrl,
        retryConfig: FAST,
        logLevel: LogLevel.ERROR,
      }),
      securityChannel: SECURITY,
      clock,
      ...options,
    });

  it("sends three keys of one person as one DM to the manager, with blocks and the key in metadata", async () => {
    // Prepare
    const message = managerMessage();

    // Act
    const receipt = await notifier().send(message, { ticketLinks: {} });

    // Assess
    expect(slack.messages).toHaveLength(1);
    const posted = slack.messages[0]!;
    expect(posted.channel).toBe(slack.dmOf("UBOSS"));
    expect(receipt).toEqual({ channel: slack.dmOf("UBOSS"), messageId: posted.ts, fallback: false });
    expect(posted.metadata).toEqual({
      event_type: SLACK_EVENT_TYPE,
      event_payload: { key: message.key, kind: "manager" },
    });
    expect(posted.blocks[0]).toMatchObject({ type: "header", text: { type: "plain_text" } });
    const text = JSON.stringify(posted.blocks);
    for (const n of [1, 2, 3]) expect(text).toContain(`AKIAJANE00000000000${n}`);
    expect(text).toContain("*What was done*");
    expect(text).toContain("*What needs a human*");
  });

  it("posts to the security channel, saying so, when the manager is not in Slack", async () => {
    // Prepare
    const message = managerMessage([
      ...threeKeysOfJane().map((i) => ({
        ...i,
        finding: {
          ...i.finding,
          match: { ...i.finding.match!, person: person({ managerEmail: "gone@corp.example" }) },
        },
      })),
    ]);

    // Act
    const receipt = await notifier().send(message);

    // Assess
    expect(receipt.fallback).toBe(true);
    expect(slack.messagesIn(SECURITY)).toHaveLength(1);
    expect(JSON.stringify(slack.messagesIn(SECURITY)[0]?.blocks)).toContain(
      "Could not find the manager gone@corp.example in Slack (users_not_found)",
    );
    expect(slack.calls("users.lookupByEmail")[0]?.params.email).toBe("gone@corp.example");
  });

  it("uses a configured Slack id for a manager whose Slack email is not the HR email, without a lookup", async () => {
    // Prepare: HR knows the manager as boss.hr@; Slack knows UBOSS as boss@.
    const message = managerMessage(
      threeKeysOfJane().map((i) => ({
        ...i,
        finding: {
          ...i.finding,
          match: { ...i.finding.match!, person: person({ managerEmail: "Boss.HR@corp.example" }) },
        },
      })),
    );

    // Act
    const receipt = await notifier("xoxb-test", {
      users: new Map([["boss.hr@corp.example", "UBOSS"]]),
    }).send(message);

    // Assess
    expect(receipt.fallback).toBe(false);
    expect(slack.messagesIn(slack.dmOf("UBOSS"))).toHaveLength(1);
    expect(slack.messagesIn(SECURITY)).toHaveLength(0);
    expect(slack.calls("users.lookupByEmail")).toHaveLength(0);
  });

  it("waits out a 429 with Retry-After and then posts once", async () => {
    // Prepare
    slack.rateLimit(1, 1, "chat.postMessage");

    // Act
    const receipt = await notifier().send(managerMessage());

    // Assess
    const posts = slack.calls("chat.postMessage");
    expect(posts.map((r) => r.status)).toEqual([429, 200]);
    expect(slack.messages).toHaveLength(1);
    expect(receipt.messageId).toBe(slack.messages[0]?.ts);
  });

  it("reports invalid_auth as a DeliveryError with Slack's error code", async () => {
    // Act
    const sending = notifier("xoxb-revoked").send(managerMessage());

    // Assess
    await expect(sending).rejects.toBeInstanceOf(DeliveryError);
    await expect(sending).rejects.toMatchObject({ details: { code: "invalid_auth" } });
    expect(slack.messages).toHaveLength(0);
  });

  it("finds a sent message in the conversation's history by its key, and nothing for another key", async () => {
    // Prepare
    const message = managerMessage();
    const other = { ...message, key: "msg-other" };
    const sent = await notifier().send(message);
    for (let i = 0; i < 5; i++) await notifier().send({ ...message, key: `msg-noise-${i}` });

    // Act
    const found = await notifier().alreadySent(message);
    const missing = await notifier().alreadySent(other);

    // Assess
    expect(found).toEqual(sent);
    expect(missing).toBeUndefined();
    expect(slack.calls("conversations.history").every((r) => r.params.include_all_metadata === "true")).toBe(
      true,
    );
  });

  it("fails with the HTTP status during an outage", async () => {
    // Prepare
    slack.outage = true;

    // Act
    const sending = notifier().send(managerMessage());

    // Assess
    await expect(sending).rejects.toBeInstanceOf(DeliveryError);
    await expect(sending).rejects.toMatchObject({ details: { code: "http_503" } });
    slack.outage = false;
    expect(slack.messages).toHaveLength(0);
  });
});

describe("SlackNotifier never posts twice", () => {
  let slack: FakeSlack;
  let skippedMs = 0;
  const clock = { now: () => new Date(Date.now() + skippedMs) };

  beforeEach(async () => {
    skippedMs = 0;
    slack = await FakeSlack.start({
      users: { "boss@corp.example": "UBOSS" },
      channels: [SECURITY],
      clock: () => clock.now().getTime(),
      // What Slack allows a commercially distributed non-Marketplace app per history page.
      historyMaxLimit: 15,
    });
  });
  afterEach(async () => {
    await slack.close();
  });

  const notifier = (options: { historyLimit?: number } = {}) =>
    new SlackNotifier({
      client: createSlackWebClient("xoxb-test", {
        apiUrl: slack.apiUrl,
        retryConfig: FAST,
        logLevel: LogLevel.ERROR,
      }),
      securityChannel: SECURITY,
      clock,
      ...options,
    });

  it("refuses a WebClient it did not configure, whose own retries could re-send a post", () => {
    // Act
    const make = () => new SlackNotifier({ client: new WebClient("xoxb-test"), securityChannel: SECURITY });

    // Assess
    expect(make).toThrow(UnsafeSlackClientError);
  });

  it("after a post Slack accepted and then answered 500 for, returns the posted message's receipt", async () => {
    // Prepare
    const message = managerMessage();
    slack.acceptThenFail(1, { status: 500 });
    const before = clock.now().getTime();

    // Act
    const receipt = await notifier().send(message);

    // Assess
    expect(slack.messages).toHaveLength(1);
    expect(receipt).toEqual({
      channel: slack.dmOf("UBOSS"),
      messageId: slack.messages[0]?.ts,
      fallback: false,
    });
    expect(slack.calls("chat.postMessage")).toHaveLength(1);
    // Read from five minutes before the first attempt, one small page.
    const history = slack.calls("conversations.history")[0]?.params;
    expect(Number(history?.oldest)).toBeCloseTo((before - 300_000) / 1000, 0);
    expect(history?.limit).toBe("15");
  });

  it("after a plain 500, posts nothing more and says it may have been posted (not a NotDeliveredError)", async () => {
    // Prepare
    slack.fail(1, { status: 500 }, "chat.postMessage");

    // Act
    const sending = notifier().send(managerMessage());

    // Assess
    await expect(sending).rejects.toBeInstanceOf(DeliveryError);
    await expect(sending).rejects.not.toBeInstanceOf(NotDeliveredError);
    await expect(sending).rejects.toMatchObject({ details: { code: "http_500" } });
    expect(slack.calls("chat.postMessage")).toHaveLength(1);
    expect(slack.messages).toHaveLength(0);
  });

  it("a refusal is a NotDeliveredError and is not retried", async () => {
    // Prepare
    slack.fail(1, { status: 200, error: "channel_not_found" }, "chat.postMessage");

    // Act
    const sending = notifier().send(managerMessage());

    // Assess
    await expect(sending).rejects.toBeInstanceOf(NotDeliveredError);
    expect(slack.calls("chat.postMessage")).toHaveLength(1);
    expect(slack.calls("conversations.history")).toHaveLength(0);
  });

  it("reads history page by page from `since` on, and only from then", async () => {
    // Prepare: the message, then 20 others after it, so it is on the second page of 15.
    const message = managerMessage();
    const sentAt = clock.now();
    const sent = await notifier().send(message);
    for (let i = 0; i < 20; i++) await notifier().send({ ...message, key: `msg-noise-${i}` });

    // Act
    const found = await notifier().alreadySent(message, { since: sentAt });
    skippedMs = 3_600_000;
    const outsideWindow = await notifier().alreadySent(message, { since: clock.now() });

    // Assess
    expect(found).toEqual(sent);
    expect(outsideWindow).toBeUndefined();
  });

  it("cannot tell when the window holds more than historyLimit messages, and says so instead of 'not sent'", async () => {
    // Prepare
    const message = managerMessage();
    const since = clock.now();
    for (let i = 0; i < 40; i++) await notifier().send({ ...message, key: `msg-noise-${i}` });

    // Act
    const looking = notifier({ historyLimit: 30 }).alreadySent(message, { since });

    // Assess
    await expect(looking).rejects.toMatchObject({ details: { code: "history_truncated" } });
  });
});

describe("ticketLabel", () => {
  it("names the tracker's own key when the link carries one", () => {
    expect(ticketLabel("https://corp.atlassian.net/browse/SEC-42", "iam-hygiene-abc")).toBe("SEC-42");
    expect(ticketLabel("https://github.com/corp/sec/issues/17", "iam-hygiene-abc")).toBe("#17");
    expect(
      ticketLabel("https://corp.atlassian.net/issues/?jql=labels%3Diam-hygiene-abc", "iam-hygiene-abc"),
    ).toBe("iam-hygiene-abc");
  });
});
