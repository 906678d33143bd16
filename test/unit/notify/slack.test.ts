import { LogLevel, WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ComposedMessage } from "../../../lambdas/core/notifications.ts";
import { composeNotifications } from "../../../lambdas/core/notifications.ts";
import { DeliveryError } from "../../../lambdas/core/ports/notifier.ts";
import { NotDeliveredError } from "../../../lambdas/notify/outbox.ts";
import {
  createSlackWebClient,
  renderSlackBlocks,
  SLACK_BOT_SCOPES,
  SLACK_EVENT_TYPE,
  SlackNotifier,
  ticketLabel,
  UnsafeSlackClientError,
} from "../../../lambdas/notify/slack.ts";
import { FAKE_SLACK_SCOPES, FakeSlack, type FakeSlackOptions } from "../../../sandbox/providers/slack.ts";
import { item, person, threeKeysOfJane } from "./plan-items.ts";

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
      "Could not reach the manager gone@corp.example in Slack (users_not_found)",
    );
    expect(slack.calls("users.lookupByEmail")[0]?.params.email).toBe("gone@corp.example");
  });

  it.each([
    ["deactivated, found by email", "left@corp.example", undefined, "their Slack account is deactivated"],
    ["deactivated, configured by id", "hr.left@corp.example", "ULEFT", "user_disabled"],
    ["configured with a stale id", "hr.boss@corp.example", "UNOBODY", "user_not_found"],
  ])(
    "posts to the security channel, saying why, when the manager is %s",
    async (_case, email, configured, why) => {
      // Prepare: the manager has left too; their Slack member ULEFT is deactivated.
      await slack.close();
      slack = await FakeSlack.start({
        users: { "boss@corp.example": "UBOSS", "left@corp.example": "ULEFT" },
        deactivated: ["ULEFT"],
        channels: [SECURITY],
      });
      const message = managerMessage(
        threeKeysOfJane().map((i) => ({
          ...i,
          finding: {
            ...i.finding,
            match: { ...i.finding.match!, person: person({ managerEmail: email }) },
          },
        })),
      );
      const users = new Map(configured === undefined ? [] : [[email, configured]]);

      // Act
      const receipt = await notifier("xoxb-test", { users }).send(message);

      // Assess: in the security channel, with the reason; nothing in any DM.
      expect(receipt.fallback).toBe(true);
      expect(JSON.stringify(slack.messagesIn(SECURITY)[0]?.blocks)).toContain(
        `Could not reach the manager ${email} in Slack (${why})`,
      );
      expect(slack.messages.filter((m) => m.channel !== SECURITY)).toEqual([]);
    },
  );

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

  it("escapes the notification text as it escapes the blocks, so a name cannot ping a channel", async () => {
    // Prepare: the display name comes from the HR list.
    const eve = person({ displayName: "Eve <!channel> <@UBOSS> <https://evil.example|login>" });
    const message = managerMessage(
      threeKeysOfJane().map((i) => ({
        ...i,
        finding: { ...i.finding, match: { ...i.finding.match!, person: eve } },
      })),
    );

    // Act
    await notifier().send(message);

    // Assess
    const text = String(slack.calls("chat.postMessage")[0]?.params.text);
    expect(text).not.toMatch(/[<>]/);
    expect(text).toContain("Eve &lt;!channel&gt; &lt;@UBOSS&gt; &lt;https://evil.example|login&gt;");
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

  it("takes a 429 whose Retry-After is an HTTP date as rate limited: not posted, back at that date, no history read", async () => {
    // Prepare: RFC 9110 allows a date; @slack/web-api then throws a plain Error without a code.
    const retryAt = new Date(Math.ceil((clock.now().getTime() + 10 * 60_000) / 1000) * 1000);
    slack.rateLimit(1, retryAt.toUTCString(), "chat.postMessage");

    // Act
    const error = await notifier()
      .send(managerMessage())
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(NotDeliveredError);
    expect((error as DeliveryError).details).toEqual({ code: "ratelimited", retryAt });
    expect(slack.calls("chat.postMessage")).toHaveLength(1);
    expect(slack.calls("conversations.history")).toHaveLength(0);
    expect(slack.messages).toHaveLength(0);
  });

  it("takes a 429 without Retry-After as rate limited, and comes back after a default minute", async () => {
    // Prepare
    slack.rateLimit(1, null, "chat.postMessage");
    const before = clock.now().getTime();

    // Act
    const error = await notifier()
      .send(managerMessage())
      .catch((e: unknown) => e);

    // Assess: not waited out in the call (a guess is not worth a Lambda's minute); the outbox comes back.
    const after = clock.now().getTime();
    expect(error).toBeInstanceOf(NotDeliveredError);
    expect((error as DeliveryError).details.code).toBe("ratelimited");
    const retryAt = (error as DeliveryError).details.retryAt!.getTime();
    expect(retryAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(retryAt).toBeLessThanOrEqual(after + 60_000);
    expect(slack.calls("chat.postMessage")).toHaveLength(1);
    expect(slack.calls("conversations.history")).toHaveLength(0);
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

  it("says how to fix not_in_channel: invite the app to the channel", async () => {
    // Prepare: the security channel exists, but nobody invited the app (Slack's `not_in_channel`).
    slack.fail(1, { status: 200, error: "not_in_channel" }, "chat.postMessage");

    // Act
    const sending = notifier().send(managerMessage());

    // Assess
    await expect(sending).rejects.toBeInstanceOf(NotDeliveredError);
    await expect(sending).rejects.toMatchObject({
      message: expect.stringContaining(
        "not_in_channel (the app is not a member of the channel: invite it there with /invite",
      ),
      details: { code: "not_in_channel" },
    });
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

describe("SlackNotifier.preflight", () => {
  let slack: FakeSlack | undefined;

  afterEach(async () => {
    await slack?.close();
    slack = undefined;
  });

  /** A fake workspace (the security channel exists, the app in it, unless told otherwise) and a notifier on it. */
  const start = async (options: FakeSlackOptions = {}, token = "xoxb-test") => {
    slack = await FakeSlack.start({ channels: [SECURITY], ...options });
    const notifier = new SlackNotifier({
      client: createSlackWebClient(token, {
        apiUrl: slack.apiUrl,
        retryConfig: FAST,
        logLevel: LogLevel.ERROR,
      }),
      securityChannel: SECURITY,
    });
    return { fake: slack, notifier };
  };

  /** The preflight left nothing behind: no message posted, no DM opened. */
  const expectNothingWritten = (fake: FakeSlack) => {
    expect(fake.messages).toEqual([]);
    expect(fake.calls("chat.postMessage")).toEqual([]);
    expect(fake.calls("conversations.open")).toEqual([]);
  };

  it("checks the scopes of the manifest in docs/notifications.md, the ones the fake grants by default", () => {
    expect(Object.keys(SLACK_BOT_SCOPES).sort()).toEqual([...FAKE_SLACK_SCOPES].sort());
  });

  it("says the token, its scopes and the security channel are fine, with two reads", async () => {
    // Prepare
    const { fake, notifier } = await start();

    // Act
    const checks = await notifier.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: "slack: token",
        ok: true,
        detail: "accepted: bot user iam-hygiene (UBOT) in workspace Fake (T1)",
      },
      {
        name: "slack: scopes",
        ok: true,
        detail:
          "the token has the scopes the notifier uses: chat:write, im:write, users:read, users:read.email, im:history; the channel's history scope is checked with the channel",
      },
      {
        name: `slack: security channel ${SECURITY}`,
        ok: true,
        detail:
          "the app is a member and can read the channel's history (read before a message is posted again)",
      },
    ]);
    expect(fake.requests.map((r) => r.method)).toEqual(["auth.test", "conversations.history"]);
    expect(fake.calls("conversations.history")[0]?.params).toMatchObject({ channel: SECURITY, limit: "1" });
    expectNothingWritten(fake);
  });

  it.each([
    ["invalid_auth", "a token Slack does not know", undefined],
    ["token_revoked", "a revoked token", "token_revoked"],
    ["account_inactive", "the token of an uninstalled app", "account_inactive"],
  ])("says Slack refused the token (%s: %s), and asks nothing more", async (code, _case, injected) => {
    // Prepare
    const { fake, notifier } = await start({}, injected === undefined ? "xoxb-unknown" : "xoxb-test");
    if (injected !== undefined) fake.fail(1, { status: 200, error: injected }, "auth.test");

    // Act
    const checks = await notifier.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: "slack: token",
        ok: false,
        detail: `Slack refused the bot token (${code}): put the app's Bot User OAuth Token (xoxb-…, under OAuth & Permissions) in the notifications.slack.token secret; if the app was uninstalled or its token revoked, reinstall the app and store the new token`,
      },
    ]);
    expect(checks[0]?.detail).not.toContain("xoxb-unknown");
    expect(fake.requests.map((r) => r.method)).toEqual(["auth.test"]);
    expectNothingWritten(fake);
  });

  it("says Slack could not be asked during an outage, rather than blaming the token", async () => {
    // Prepare
    const { fake, notifier } = await start();
    fake.outage = true;

    // Act
    const checks = await notifier.preflight();

    // Assess
    expect(checks).toEqual([
      {
        name: "slack: token",
        ok: false,
        detail:
          "could not ask Slack (http_503), so nothing else was checked: try again later, and check notifications.slack.apiUrl if it is set",
      },
    ]);
    fake.outage = false;
    expectNothingWritten(fake);
  });

  it("names each scope the token lacks, and how to add it; a public channel needs no groups:history", async () => {
    // Prepare: the app was installed before DMs were read, and never read private channels.
    const { fake, notifier } = await start({
      scopes: FAKE_SLACK_SCOPES.filter(
        (s) => s !== "im:history" && s !== "im:write" && s !== "groups:history",
      ),
    });

    // Act
    const checks = await notifier.preflight();

    // Assess
    expect(checks.find((c) => c.name === "slack: scopes")).toEqual({
      name: "slack: scopes",
      ok: false,
      detail: `the token lacks im:write (${SLACK_BOT_SCOPES["im:write"]}), im:history (${SLACK_BOT_SCOPES["im:history"]}): add them to the app's Bot Token Scopes (OAuth & Permissions, or oauth_config.scopes.bot in the app manifest), then reinstall the app to the workspace`,
    });
    // The public security channel needs channels:history only, which the token has.
    expect(checks.find((c) => c.name.startsWith("slack: security channel"))?.ok).toBe(true);
    expectNothingWritten(fake);
  });

  it("asks for no DM scopes when messages go to the security channel only", async () => {
    // Prepare: notifyManagers and notifyOwners off; the token has chat:write and channels:history.
    slack = await FakeSlack.start({ channels: [SECURITY], scopes: ["chat:write", "channels:history"] });
    const notifier = new SlackNotifier({
      client: createSlackWebClient("xoxb-test", {
        apiUrl: slack.apiUrl,
        retryConfig: FAST,
        logLevel: LogLevel.ERROR,
      }),
      securityChannel: SECURITY,
      directMessages: false,
    });

    // Act
    const checks = await notifier.preflight();

    // Assess
    expect(checks.map((c) => c.ok)).toEqual([true, true, true]);
    expect(checks[1]?.detail).toBe(
      "the token has the scopes the notifier uses (no DMs: notifyManagers and notifyOwners are off): chat:write; the channel's history scope is checked with the channel",
    );
  });

  it("says the scopes could not be read when Slack's answer has no x-oauth-scopes header, without failing", async () => {
    // Prepare: a proxy that strips the header.
    const { fake, notifier } = await start({ scopesHeader: false });

    // Act
    const checks = await notifier.preflight();

    // Assess
    expect(checks.find((c) => c.name === "slack: scopes")).toEqual({
      name: "slack: scopes",
      ok: true,
      detail:
        "could not read the token's scopes (Slack's answer carried no x-oauth-scopes header): a missing one shows as missing_scope on the first call that needs it",
    });
    expectNothingWritten(fake);
  });

  it("says to invite the app to a security channel it is not a member of, where a post would be refused too", async () => {
    // Prepare: the channel exists; nobody invited the app.
    const { fake, notifier } = await start({ channels: [], nonMemberChannels: [SECURITY] });

    // Act
    const checks = await notifier.preflight();

    // Assess
    expect(checks.at(-1)).toEqual({
      name: `slack: security channel ${SECURITY}`,
      ok: false,
      detail:
        "the app is not a member of the channel (not_in_channel): invite the app to the channel (/invite @iam-hygiene in it)",
    });
    expectNothingWritten(fake);
    // What the preflight warns of: Slack refuses a post there (no chat:write.public).
    const digest = composeNotifications({ items: threeKeysOfJane(), mode: "enforce" }).messages.find(
      (m) => m.kind === "digest",
    )!;
    await expect(notifier.send(digest)).rejects.toMatchObject({ details: { code: "not_in_channel" } });
    expect(fake.messages).toEqual([]);
  });

  it("says no channel with the id is visible to the app: a wrong id or a private channel it was not invited to", async () => {
    // Prepare: the configured id names no channel the app can see.
    const { fake, notifier } = await start({ channels: [] });

    // Act
    const checks = await notifier.preflight();

    // Assess
    const check = checks.at(-1)!;
    expect(check).toMatchObject({ name: `slack: security channel ${SECURITY}`, ok: false });
    expect(check.detail).toBe(
      "no channel with this id is visible to the app: a wrong id, or a private channel the app was not invited to (channel_not_found): check notifications.slack.securityChannel (the id at the bottom of the channel's details), or /invite @iam-hygiene in the private channel",
    );
    expectNothingWritten(fake);
  });

  it("names the scope Slack says reading the channel needs", async () => {
    // Prepare
    const { fake, notifier } = await start({
      scopes: FAKE_SLACK_SCOPES.filter((s) => s !== "channels:history"),
    });

    // Act
    const checks = await notifier.preflight();

    // Assess
    expect(checks.at(-1)).toEqual({
      name: `slack: security channel ${SECURITY}`,
      ok: false,
      detail:
        "the token lacks channels:history to read the channel's history (missing_scope): add it to the app's Bot Token Scopes (OAuth & Permissions), then reinstall the app to the workspace",
    });
    // The scopes check leaves the channel's history scope to the channel check: one failure, one cause.
    expect(checks.find((c) => c.name === "slack: scopes")?.ok).toBe(true);
    expectNothingWritten(fake);
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

describe("renderSlackBlocks", () => {
  /** The text of the list section titled `title`. */
  const section = (blocks: ReturnType<typeof renderSlackBlocks>, title: string): string => {
    const found = blocks.find((b) =>
      (b.text as { text?: string } | undefined)?.text?.startsWith(`*${title}*`),
    );
    return (found?.text as { text?: string } | undefined)?.text ?? "";
  };

  it("fits whole lines into a list section and ends it with the true count of the rest", () => {
    // Prepare: 30 tickets with long names; the digest lists 20 and says "…and 10 more", which
    // is more than one 3,000-character section holds.
    const items = Array.from({ length: 30 }, (_, i) =>
      item({
        action: "ticket",
        credential: { nativeId: `AKIA${String(i).padStart(16, "0")}` },
        person: person({
          displayName: `Person Number ${i} of a rather long department name`,
          emails: [`person.number.${i}.of.the.department@corp.example`],
        }),
      }),
    );
    const digest = composeNotifications({ items, mode: "enforce" }).messages.find(
      (m) => m.kind === "digest",
    )!;
    expect(digest.needsHuman).toHaveLength(21);

    // Act
    const text = section(renderSlackBlocks(digest), "Needs a human");

    // Assess
    const [, ...lines] = text.split("\n");
    const bullets = lines.slice(0, -1);
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(bullets.length).toBeGreaterThan(0);
    expect(bullets.length).toBeLessThan(20);
    // Each bullet is a whole line of the message, in order; the last line counts what is not shown.
    expect(bullets).toEqual(
      digest.needsHuman
        .slice(0, bullets.length)
        .map((l) => `• ${l.replaceAll("<", "&lt;").replaceAll(">", "&gt;")}`),
    );
    expect(lines.at(-1)).toBe(`…and ${30 - bullets.length} more (see the report or ticket).`);
  });

  it("shows a line longer than a section cut short, rather than nothing, before the count", () => {
    // Prepare
    const message = {
      ...managerMessage(),
      done: [],
      needsHuman: [`${"x".repeat(5000)}`, "second", "third"],
    };

    // Act
    const text = section(renderSlackBlocks(message), "What still needs you");

    // Assess
    const lines = text.split("\n");
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^• x+…$/);
    expect(lines[2]).toBe("…and 2 more (see the report or ticket).");
  });
});
