import { LogLevel } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ComposedMessage } from "../../../lambdas/core/notifications.ts";
import { composeNotifications } from "../../../lambdas/core/notifications.ts";
import { DeliveryError } from "../../../lambdas/core/ports/notifier.ts";
import {
  createSlackWebClient,
  SLACK_EVENT_TYPE,
  SlackNotifier,
  ticketLabel,
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

  beforeEach(async () => {
    slack = await FakeSlack.start({ users: { "boss@corp.example": "UBOSS" }, channels: [SECURITY] });
  });
  afterEach(async () => {
    await slack.close();
  });

  const notifier = (token = "xoxb-test") =>
    new SlackNotifier({
      client: createSlackWebClient(token, {
        apiUrl: slack.apiUrl,
        retryConfig: FAST,
        logLevel: LogLevel.ERROR,
      }),
      securityChannel: SECURITY,
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
    await expect(sending).rejects.toMatchObject({ name: "DeliveryError" });
    slack.outage = false;
    expect(slack.messages).toHaveLength(0);
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
