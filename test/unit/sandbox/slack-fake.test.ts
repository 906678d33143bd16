/** The fake Slack answers as Slack documents, so the notifier's tests prove something about Slack. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAKE_SLACK_SCOPES, FakeSlack } from "../../../sandbox/providers/slack.ts";

describe("FakeSlack", () => {
  let slack: FakeSlack;
  let nowMs = Date.UTC(2026, 5, 1, 12);

  beforeEach(async () => {
    nowMs = Date.UTC(2026, 5, 1, 12);
    slack = await FakeSlack.start({
      channels: ["C1"],
      scopes: FAKE_SLACK_SCOPES.filter((s) => s !== "im:history"),
      clock: () => nowMs,
    });
  });
  afterEach(async () => {
    await slack.close();
  });

  const call = async (method: string, body: Record<string, unknown>) => {
    const response = await fetch(`${slack.apiUrl}${method}`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-test", "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = (key: string) =>
    call("chat.postMessage", {
      channel: "C1",
      text: key,
      metadata: { event_type: "iam_hygiene_notice", event_payload: { key } },
    });

  it("keeps metadata, and returns it in history only with include_all_metadata, newest first within oldest", async () => {
    // Prepare
    await post("a");
    nowMs += 60_000;
    const b = await post("b");
    nowMs += 60_000;
    await post("c");

    // Act
    const plain = await call("conversations.history", { channel: "C1" });
    const since = await call("conversations.history", {
      channel: "C1",
      oldest: b.body.ts,
      inclusive: true,
      include_all_metadata: true,
      limit: 1,
    });

    // Assess
    expect(b.body.ts).toBe(`${(Date.UTC(2026, 5, 1, 12) + 60_000) / 1000}.000000`);
    expect(
      (plain.body.messages as { text: string; metadata?: unknown }[]).map((m) => [m.text, m.metadata]),
    ).toEqual([
      ["c", undefined],
      ["b", undefined],
      ["a", undefined],
    ]);
    expect(since.body).toMatchObject({
      messages: [{ text: "c", metadata: { event_type: "iam_hygiene_notice", event_payload: { key: "c" } } }],
      has_more: true,
    });
  });

  it("answers missing_scope with the scope needed, as Slack does", async () => {
    // Act
    const dm = await call("conversations.history", { channel: "DU1" });

    // Assess
    expect(dm).toMatchObject({
      status: 200,
      body: { ok: false, error: "missing_scope", needed: "im:history" },
    });
  });

  it("accepts then drops the connection: the message is stored, the caller gets no answer", async () => {
    // Prepare
    slack.acceptThenFail(1, "drop");

    // Act
    const dropped = await post("a").catch((error: unknown) => error);

    // Assess
    expect(dropped).toBeInstanceOf(Error);
    expect(slack.messagesWithKey("a")).toHaveLength(1);
    expect(slack.calls("chat.postMessage")[0]).toMatchObject({ status: 0, accepted: true });
  });
});
