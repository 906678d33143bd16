/**
 * Slack: one Block Kit message per composed message, to the person (DM) or the security channel.
 * The message carries its idempotency key in Slack message metadata, so a later run can find it in
 * the conversation's history and not post it twice.
 */
import type { LogLevel, RetryOptions, WebClient } from "@slack/web-api";
import { ErrorCode, WebClient as SlackWebClient } from "@slack/web-api";
import type { ComposedMessage } from "../core/notifications.ts";
import { accountLabel } from "../core/notifications.ts";
import type { NotificationReceipt, Notifier, SendContext } from "../core/ports/notifier.ts";
import { DeliveryError } from "../core/ports/notifier.ts";

/** The metadata event type every iam-hygiene message carries. */
export const SLACK_EVENT_TYPE = "iam_hygiene_notice";

/**
 * In-call retries: few and short, because the outbox retries across runs anyway. A 429 is always
 * waited out for its full Retry-After before the retry (the WebClient pauses its queue).
 */
export const DEFAULT_SLACK_RETRY: RetryOptions = {
  retries: 3,
  factor: 2,
  minTimeout: 1_000,
  maxTimeout: 10_000,
};

/**
 * What a person calls the ticket: the tracker's own key (`SEC-42`, `#17`) when the link names
 * one, else our stable key (a search link, before the ticket exists).
 */
export function ticketLabel(link: string, key: string): string {
  const jira = /\/browse\/([A-Z][A-Z0-9_]*-\d+)$/.exec(link);
  if (jira?.[1]) return jira[1];
  const github = /\/issues\/(\d+)$/.exec(link);
  if (github?.[1]) return `#${github[1]}`;
  return key;
}

/** Options of the WebClient the caller creates once per cold start. */
export interface SlackClientSettings {
  /** Slack Web API base URL. @default https://slack.com/api/ */
  readonly apiUrl?: string;
  /** @default DEFAULT_SLACK_RETRY */
  readonly retryConfig?: RetryOptions;
  /** The WebClient's own log level (its warnings on retried calls). @default LogLevel.INFO */
  readonly logLevel?: LogLevel;
}

/**
 * Creates the WebClient with retries on and rate-limited calls retried after Retry-After
 * (`rejectRateLimitedCalls: false`), which is what a background job wants.
 */
export function createSlackWebClient(token: string, settings: SlackClientSettings = {}): WebClient {
  return new SlackWebClient(token, {
    ...(settings.apiUrl !== undefined ? { slackApiUrl: settings.apiUrl } : {}),
    retryConfig: settings.retryConfig ?? DEFAULT_SLACK_RETRY,
    rejectRateLimitedCalls: false,
    ...(settings.logLevel !== undefined ? { logLevel: settings.logLevel } : {}),
  });
}

/** What the Slack notifier needs. */
export interface SlackNotifierOptions {
  readonly client: WebClient;
  /** Channel id for the digest and for people who cannot be reached (`C0123...`). */
  readonly securityChannel: string;
  /** How many recent messages of a conversation `alreadySent` reads at most. @default 400 */
  readonly historyLimit?: number;
}

/** A Block Kit block, as plain data. */
export type SlackBlock = { readonly type: string } & Readonly<Record<string, unknown>>;

interface Target {
  readonly channel: string;
  readonly fallback: boolean;
  /** Said at the top of the message when it went to the channel instead of a person. */
  readonly note?: string;
}

/** Delivers composed messages to Slack through `@slack/web-api`. */
export class SlackNotifier implements Notifier {
  readonly #client: WebClient;
  readonly #securityChannel: string;
  readonly #historyLimit: number;

  constructor(options: SlackNotifierOptions) {
    this.#client = options.client;
    this.#securityChannel = options.securityChannel;
    this.#historyLimit = options.historyLimit ?? 400;
  }

  async send(message: ComposedMessage, context: SendContext = {}): Promise<NotificationReceipt> {
    const target = await this.#resolve(message);
    const blocks = renderSlackBlocks(message, {
      ...(target.note !== undefined ? { note: target.note } : {}),
      ...(context.ticketLinks !== undefined ? { ticketLinks: context.ticketLinks } : {}),
    });
    const result = await call("chat.postMessage", () =>
      this.#client.chat.postMessage({
        channel: target.channel,
        text: `${message.title}: ${message.summary}`,
        blocks,
        metadata: { event_type: SLACK_EVENT_TYPE, event_payload: { key: message.key, kind: message.kind } },
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    if (result.ts === undefined)
      throw new DeliveryError("chat.postMessage returned no ts", { code: "no_ts" });
    return { channel: result.channel ?? target.channel, messageId: result.ts, fallback: target.fallback };
  }

  async alreadySent(message: ComposedMessage): Promise<NotificationReceipt | undefined> {
    const target = await this.#resolve(message);
    let cursor: string | undefined;
    let read = 0;
    do {
      const page = await call("conversations.history", () =>
        this.#client.conversations.history({
          channel: target.channel,
          include_all_metadata: true,
          limit: Math.min(200, this.#historyLimit - read),
          ...(cursor !== undefined ? { cursor } : {}),
        }),
      );
      const messages = page.messages ?? [];
      for (const m of messages) {
        const metadata = m.metadata as { event_type?: string; event_payload?: { key?: unknown } } | undefined;
        if (
          metadata?.event_type === SLACK_EVENT_TYPE &&
          metadata.event_payload?.key === message.key &&
          m.ts
        ) {
          return { channel: target.channel, messageId: m.ts, fallback: target.fallback };
        }
      }
      read += messages.length;
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor !== undefined && read < this.#historyLimit);
    return undefined;
  }

  /** The conversation for an audience: a DM with the person, else the security channel saying why. */
  async #resolve(message: ComposedMessage): Promise<Target> {
    const audience = message.audience;
    if (audience.kind === "security-channel") {
      return {
        channel: this.#securityChannel,
        fallback: false,
        ...(audience.reason !== undefined ? { note: audience.reason } : {}),
      };
    }
    let userId = audience.slackUserId;
    if (userId === undefined) {
      try {
        const found = await this.#client.users.lookupByEmail({ email: audience.email });
        userId = found.user?.id;
      } catch (error) {
        if (platformCode(error) !== "users_not_found") throw toDeliveryError("users.lookupByEmail", error);
      }
    }
    if (userId === undefined) {
      return {
        channel: this.#securityChannel,
        fallback: true,
        note: `Could not find the ${audience.role} ${audience.email} in Slack (users_not_found), so this is posted here instead: please pass it on.`,
      };
    }
    const opened = await call("conversations.open", () => this.#client.conversations.open({ users: userId }));
    const channel = opened.channel?.id;
    if (channel === undefined)
      throw new DeliveryError("conversations.open returned no channel", { code: "no_channel" });
    return { channel, fallback: false };
  }
}

/** Options for rendering. */
export interface RenderOptions {
  /** A warning shown first (why this went to the channel). */
  readonly note?: string;
  readonly ticketLinks?: Readonly<Record<string, string>>;
}

const SEVERITY_EMOJI: Readonly<Record<string, string>> = {
  critical: ":red_circle:",
  high: ":large_orange_circle:",
  medium: ":large_yellow_circle:",
  low: ":large_blue_circle:",
  info: ":white_circle:",
};

/** Renders a composed message as Block Kit blocks (header, note, summary, fields, lists, context). */
export function renderSlackBlocks(message: ComposedMessage, options: RenderOptions = {}): SlackBlock[] {
  const blocks: SlackBlock[] = [
    { type: "header", text: { type: "plain_text", text: limit(message.title, 150), emoji: true } },
  ];
  if (options.note !== undefined) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: limit(`:warning: ${escapeMrkdwn(options.note)}`, 3000) },
    });
  }
  blocks.push({
    type: "section",
    text: { type: "mrkdwn", text: limit(escapeMrkdwn(message.summary), 3000) },
  });

  const tickets = message.ticketKeys.map((key) => {
    const link = options.ticketLinks?.[key];
    return link !== undefined ? `<${link}|${ticketLabel(link, key)}>` : key;
  });
  // Values from the message are text; only the ticket links below are mrkdwn built here.
  const fields = [
    ...message.fields.map((f) => ({
      label: f.label,
      value:
        f.label === "Severity" ? `${SEVERITY_EMOJI[f.value] ?? ""} ${f.value}`.trim() : escapeMrkdwn(f.value),
    })),
    ...(message.kind !== "digest" &&
    message.account !== undefined &&
    !message.fields.some((f) => f.label === "Account")
      ? [{ label: "Account", value: escapeMrkdwn(accountLabel(message.account)) }]
      : []),
    {
      label: "What was done",
      value: message.done.length > 0 ? `${message.done.length} action(s), listed below` : "nothing",
    },
    {
      label: "What needs a human",
      value: message.needsHuman.length > 0 ? `${message.needsHuman.length} item(s), listed below` : "nothing",
    },
    ...(tickets.length > 0 ? [{ label: "Ticket", value: tickets.join(", ") }] : []),
  ].slice(0, 10);
  blocks.push({
    type: "section",
    fields: fields.map((f) => ({
      type: "mrkdwn",
      text: limit(`*${escapeMrkdwn(f.label)}*\n${f.value}`, 2000),
    })),
  });

  for (const section of message.sections) pushList(blocks, section.title, section.lines);
  pushList(blocks, message.kind === "digest" ? "Needs a human" : "What still needs you", message.needsHuman);
  pushList(blocks, "What was done", message.done);

  const context = [
    message.reportUrl !== undefined ? `<${message.reportUrl}|Full report>` : undefined,
    `iam-hygiene · ${message.mode} mode`,
  ].filter((t): t is string => t !== undefined);
  blocks.push({ type: "context", elements: context.map((text) => ({ type: "mrkdwn", text })) });
  return blocks;
}

function pushList(blocks: SlackBlock[], title: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  blocks.push({ type: "divider" });
  const text = `*${escapeMrkdwn(title)}*\n${lines.map((l) => `• ${escapeMrkdwn(l)}`).join("\n")}`;
  blocks.push({ type: "section", text: { type: "mrkdwn", text: limit(text, 3000) } });
}

/** Slack mrkdwn needs only these three escaped. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function limit(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

async function call<T>(method: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toDeliveryError(method, error);
  }
}

function platformCode(error: unknown): string | undefined {
  const e = error as { code?: string; data?: { error?: string } };
  return e.code === ErrorCode.PlatformError ? e.data?.error : undefined;
}

function toDeliveryError(method: string, error: unknown): DeliveryError {
  const e = error as { code?: string; statusCode?: number; retryAfter?: number; message?: string };
  const platform = platformCode(error);
  const code =
    platform ??
    (e.code === ErrorCode.HTTPError
      ? `http_${e.statusCode}`
      : e.code === ErrorCode.RateLimitedError
        ? "ratelimited"
        : e.code);
  return new DeliveryError(
    `Slack ${method} failed: ${platform ?? e.message ?? String(error)}`,
    code ? { code } : {},
    {
      cause: error,
    },
  );
}
