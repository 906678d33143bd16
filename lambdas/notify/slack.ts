/**
 * Slack: one Block Kit message per composed message, to the person (DM) or the security channel.
 * The message carries its idempotency key in Slack message metadata, so the conversation's history
 * tells whether it is already there.
 *
 * A post is never repeated blind. The WebClient's own retries are off (they would re-send a
 * `chat.postMessage` that Slack accepted before failing); the notifier retries itself: a 429 or a
 * connection that never reached Slack is retried after its wait, a refusal is not retried, and after
 * an ambiguous failure (5xx, `internal_error`, reset or timed-out connection) it reads the
 * conversation's recent history for the key instead of posting again.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { AuthTestResponse, LogLevel, RetryOptions, WebClient } from "@slack/web-api";
import { WebClient as SlackWebClient } from "@slack/web-api";
import type { Clock } from "../core/clock.ts";
import type { ComposedMessage } from "../core/notifications.ts";
import { accountLabel } from "../core/notifications.ts";
import type { NotificationReceipt, Notifier, SendContext } from "../core/ports/notifier.ts";
import { DeliveryError } from "../core/ports/notifier.ts";
import type { PreflightCheck } from "../core/ports/preflight.ts";
import type { AlreadySentOptions } from "./outbox.ts";
import { NotDeliveredError } from "./outbox.ts";
import {
  type CallOutcome,
  callWithRetries,
  classifySlackError,
  describeSlackError,
  givesUp,
  type RetryContext,
  retryDelayMs,
  slackDeliveryError,
  slackFailure,
} from "./slack-calls.ts";

/** The metadata event type every iam-hygiene message carries. */
export const SLACK_EVENT_TYPE = "iam_hygiene_notice";

/**
 * The bot token scopes the notifier uses, each with what needs it: the list of the app manifest in
 * docs/notifications.md. `iam-hygiene check` reports the ones a token lacks by name.
 */
export const SLACK_BOT_SCOPES: Readonly<Record<string, string>> = {
  "chat:write": "chat.postMessage, to post every message",
  "im:write": "conversations.open, to open the DM with a person",
  "users:read": "users.lookupByEmail: Slack grants users:read.email only with it",
  "users:read.email": "users.lookupByEmail, to find a person by email",
  "im:history": "conversations.history of a DM, read before a message is posted again",
  "channels:history":
    "conversations.history of a public security channel, read before a message is posted again",
  "groups:history":
    "conversations.history of a private security channel, read before a message is posted again",
};

/**
 * The notifier's retries inside one call: few and short, because the outbox retries across runs
 * anyway. A 429 is always waited out for its full Retry-After first (up to `maxRateLimitWaitMs`).
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
  /**
   * The retry policy of the notifier that uses this client (the client itself never retries).
   * @default DEFAULT_SLACK_RETRY
   */
  readonly retryConfig?: RetryOptions;
  /** The WebClient's own log level. @default LogLevel.INFO */
  readonly logLevel?: LogLevel;
  /** A request with no answer after this long fails (as an ambiguous failure). @default 30_000 */
  readonly timeoutMs?: number;
}

/** The retry policy each client made by `createSlackWebClient` was created with. */
const RETRY_POLICIES = new WeakMap<WebClient, RetryOptions>();

/**
 * Creates the WebClient for a `SlackNotifier`: no retries of its own (`retries: 0`) and 429s
 * rejected at once (`rejectRateLimitedCalls: true`), so that the notifier decides what is retried
 * and checks the history before anything is posted again. `retryConfig` is remembered for the
 * notifier.
 */
export function createSlackWebClient(token: string, settings: SlackClientSettings = {}): WebClient {
  const client = new SlackWebClient(token, {
    ...(settings.apiUrl !== undefined ? { slackApiUrl: settings.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: settings.timeoutMs ?? 30_000,
    ...(settings.logLevel !== undefined ? { logLevel: settings.logLevel } : {}),
  });
  RETRY_POLICIES.set(client, settings.retryConfig ?? DEFAULT_SLACK_RETRY);
  return client;
}

/** The WebClient was not made by `createSlackWebClient`, so it may re-send a post on its own. */
export class UnsafeSlackClientError extends Error {
  override readonly name = "UnsafeSlackClientError";
  constructor() {
    super(
      "SlackNotifier needs a WebClient made by createSlackWebClient: another client may retry a chat.postMessage that Slack already accepted, and post it twice",
    );
  }
}

/** What the Slack notifier needs. */
export interface SlackNotifierOptions {
  /** Made by `createSlackWebClient`, whose retries are off. */
  readonly client: WebClient;
  /** Channel id for the digest and for people who cannot be reached (`C0123...`). */
  readonly securityChannel: string;
  /**
   * Slack member ids known in advance, by lower-case email (`notifications.slack.users`): used
   * instead of `users.lookupByEmail`, for people whose Slack email is not their HR email.
   */
  readonly users?: ReadonlyMap<string, string>;
  /** The notifier's retries inside one call. @default the `retryConfig` the client was created with */
  readonly retry?: RetryOptions;
  /**
   * Most messages of a conversation a history search reads. A search bounded by a time that finds
   * more than this cannot tell whether the message is there, and nothing is posted.
   * @default 200
   */
  readonly historyLimit?: number;
  /**
   * `limit` of each `conversations.history` page: 15, the most Slack allows commercially
   * distributed non-Marketplace apps, works for every app.
   * @default 15
   */
  readonly historyPageSize?: number;
  /** How far before the first attempt a history search starts (clock skew, slow acceptance). @default 300_000 */
  readonly historyMarginMs?: number;
  /** A Retry-After longer than this is not waited out: the error says when to come back. @default 60_000 */
  readonly maxRateLimitWaitMs?: number;
  /** @default the system clock */
  readonly clock?: Clock;
  /**
   * Whether messages go to people (managers, owners) as well as the security channel: the DM
   * scopes `preflight()` asks for depend on it. @default true
   */
  readonly directMessages?: boolean;
}

/** A Block Kit block, as plain data. */
export type SlackBlock = { readonly type: string } & Readonly<Record<string, unknown>>;

interface Target {
  readonly channel: string;
  readonly fallback: boolean;
  /** Said at the top of the message when it went to the channel instead of a person. */
  readonly note?: string;
}

/** Delivers composed messages to Slack through `@slack/web-api`, never posting one twice. */
export class SlackNotifier implements Notifier {
  readonly #client: WebClient;
  readonly #securityChannel: string;
  readonly #directMessages: boolean;
  readonly #users: ReadonlyMap<string, string>;
  readonly #historyLimit: number;
  readonly #historyPageSize: number;
  readonly #historyMarginMs: number;
  readonly #calls: RetryContext;

  constructor(options: SlackNotifierOptions) {
    const clientPolicy = RETRY_POLICIES.get(options.client);
    if (clientPolicy === undefined) throw new UnsafeSlackClientError();
    this.#client = options.client;
    this.#securityChannel = options.securityChannel;
    this.#directMessages = options.directMessages ?? true;
    this.#users = options.users ?? new Map();
    this.#historyLimit = options.historyLimit ?? 200;
    this.#historyPageSize = Math.max(1, options.historyPageSize ?? 15);
    this.#historyMarginMs = options.historyMarginMs ?? 300_000;
    const clock = options.clock ?? { now: () => new Date() };
    this.#calls = {
      policy: options.retry ?? clientPolicy,
      maxRateLimitWaitMs: options.maxRateLimitWaitMs ?? 60_000,
      now: () => clock.now(),
    };
  }

  /**
   * Posts the message once. Throws a `NotDeliveredError` when Slack certainly does not have it
   * (refused, rate limited for too long, never reached), and a plain `DeliveryError` when it may
   * (an ambiguous failure whose outcome the history could not settle): the outbox then looks
   * before it posts again.
   */
  async send(message: ComposedMessage, context: SendContext = {}): Promise<NotificationReceipt> {
    let target: Target;
    try {
      target = await this.#resolve(message);
    } catch (error) {
      // Nothing was posted yet.
      throw NotDeliveredError.from(error);
    }
    const blocks = renderSlackBlocks(message, {
      ...(target.note !== undefined ? { note: target.note } : {}),
      ...(context.ticketLinks !== undefined ? { ticketLinks: context.ticketLinks } : {}),
    });
    const firstAttemptAt = this.#calls.now();
    for (let retry = 1; ; retry++) {
      let outcome: CallOutcome;
      let failure: unknown;
      let failedAt: Date;
      try {
        const result = await this.#client.chat.postMessage({
          channel: target.channel,
          // What notifications show; Slack parses it as mrkdwn too, so it is escaped like the blocks.
          text: escapeMrkdwn(`${message.title}: ${message.summary}`),
          blocks,
          metadata: { event_type: SLACK_EVENT_TYPE, event_payload: { key: message.key, kind: message.kind } },
          unfurl_links: false,
          unfurl_media: false,
        });
        if (result.ts !== undefined)
          return {
            channel: result.channel ?? target.channel,
            messageId: result.ts,
            fallback: target.fallback,
          };
        // ok without a ts: posted, but we cannot name it; the history can.
        outcome = { kind: "ambiguous", code: "no_ts" };
        failure = new Error("chat.postMessage answered ok without a ts");
        failedAt = this.#calls.now();
      } catch (error) {
        failedAt = this.#calls.now();
        outcome = classifySlackError(error, failedAt);
        failure = error;
      }
      if (outcome.kind === "ambiguous")
        return this.#settle(message, target, firstAttemptAt, failure, outcome);
      const wait =
        outcome.kind === "rate-limited" ? outcome.retryAfterMs : retryDelayMs(this.#calls.policy, retry);
      if (givesUp(outcome, retry, wait, this.#calls)) {
        throw NotDeliveredError.from(slackDeliveryError("chat.postMessage", failure, outcome, failedAt));
      }
      // A 429 or a request that never reached Slack: nothing was posted, so posting again is safe.
      await sleep(wait);
    }
  }

  /**
   * Looks in the target conversation for a message carrying `message.key`; its receipt if found.
   * With `since` (when the item was first queued), only messages from `since` minus the margin on
   * are read, and a window too full to read to its start is an error, not a "no".
   */
  async alreadySent(
    message: ComposedMessage,
    options: AlreadySentOptions = {},
  ): Promise<NotificationReceipt | undefined> {
    const target = await this.#resolve(message);
    return this.#findInHistory(target, message.key, options.since);
  }

  /**
   * Read-only checks for `iam-hygiene check`; posts nothing and opens no DM. Three calls at most:
   *
   * - the token: `auth.test` (https://docs.slack.dev/reference/methods/auth.test), which needs no
   *   scope and names the workspace and the bot user. Refused, nothing else is asked.
   * - its scopes: Slack names a token's scopes in the `x-oauth-scopes` header of its Web API
   *   answers, and `@slack/web-api` (7.x, `WebClient.buildResult`) hands them back as
   *   `response_metadata.scopes`; so the `auth.test` answer already says them. Without the header
   *   (a proxy may strip it) they cannot be read, which is said, not failed: a missing scope then
   *   shows as `missing_scope` on the first call that needs it.
   * - the security channel: `conversations.history` with `limit: 1`
   *   (https://docs.slack.dev/reference/methods/conversations.history), the read the notifier makes
   *   before it posts anything twice; it needs the app in the channel, as posting does.
   */
  async preflight(): Promise<PreflightCheck[]> {
    let auth: AuthTestResponse;
    try {
      auth = await callWithRetries("auth.test", this.#calls, () => this.#client.auth.test());
    } catch (error) {
      return [{ name: "slack: token", ok: false, detail: tokenProblem(error) }];
    }
    const checks: PreflightCheck[] = [
      {
        name: "slack: token",
        ok: true,
        detail: `accepted: bot user ${auth.user ?? "?"} (${auth.user_id ?? "?"}) in workspace ${auth.team ?? "?"} (${auth.team_id ?? "?"})`,
      },
      scopeCheck(auth.response_metadata?.scopes, this.#directMessages),
    ];
    if (this.#securityChannel !== "") checks.push(await this.#channelCheck(auth.user));
    return checks;
  }

  /** Whether the app can read the security channel's history, as it does before posting. */
  async #channelCheck(botUser: string | undefined): Promise<PreflightCheck> {
    const channel = this.#securityChannel;
    const name = `slack: security channel ${channel}`;
    try {
      await callWithRetries("conversations.history", this.#calls, () =>
        this.#client.conversations.history({ channel, limit: 1 }),
      );
      return {
        name,
        ok: true,
        detail:
          "the app is a member and can read the channel's history (read before a message is posted again)",
      };
    } catch (error) {
      const failure = slackFailure(error);
      switch (failure.code) {
        case "not_in_channel":
          return {
            name,
            ok: false,
            detail: `the app is not a member of the channel (not_in_channel): invite the app to the channel (/invite @${botUser ?? "app"} in it)`,
          };
        case "channel_not_found":
          return {
            name,
            ok: false,
            detail: `no channel with this id is visible to the app: a wrong id, or a private channel the app was not invited to (channel_not_found): check notifications.slack.securityChannel (the id at the bottom of the channel's details), or /invite @${botUser ?? "app"} in the private channel`,
          };
        case "missing_scope":
          return {
            name,
            ok: false,
            detail: `the token lacks ${failure.needed ?? "the channel's history scope"} to read the channel's history (missing_scope): add it to the app's Bot Token Scopes (OAuth & Permissions), then reinstall the app to the workspace`,
          };
        default:
          return { name, ok: false, detail: `could not read the channel's history (${failure.description})` };
      }
    }
  }

  /**
   * After an ambiguous failure: give Slack a moment, then read the history. Found: that is the
   * delivery. Not found, or the history cannot be read: nothing is posted in this call; the error is
   * a plain `DeliveryError`, so the outbox's next attempt (minutes later, when no request can still
   * be in flight) looks again before posting.
   */
  async #settle(
    message: ComposedMessage,
    target: Target,
    firstAttemptAt: Date,
    failure: unknown,
    outcome: CallOutcome,
  ): Promise<NotificationReceipt> {
    await sleep(retryDelayMs(this.#calls.policy, 1));
    const what = `Slack chat.postMessage failed (${describeSlackError(failure, outcome)}) and may have posted the message`;
    let found: NotificationReceipt | undefined;
    try {
      found = await this.#findInHistory(target, message.key, firstAttemptAt);
    } catch (error) {
      const retryAt = (error as Partial<DeliveryError>).details?.retryAt;
      throw new DeliveryError(
        `${what}; ${error instanceof Error ? error.message : String(error)}, so it is not posted again until the history says it is not there`,
        { code: outcome.code, ...(retryAt !== undefined ? { retryAt } : {}) },
        { cause: failure },
      );
    }
    if (found !== undefined) return found;
    throw new DeliveryError(
      `${what}; it is not in ${target.channel}'s history yet, so the next attempt looks again before posting`,
      { code: outcome.code },
      { cause: failure },
    );
  }

  async #findInHistory(target: Target, key: string, since?: Date): Promise<NotificationReceipt | undefined> {
    const oldest = since !== undefined ? slackTs(since.getTime() - this.#historyMarginMs) : undefined;
    let cursor: string | undefined;
    let read = 0;
    let pages = 0;
    const maxPages = Math.ceil(this.#historyLimit / this.#historyPageSize);
    try {
      do {
        const page = await callWithRetries("conversations.history", this.#calls, () =>
          this.#client.conversations.history({
            channel: target.channel,
            include_all_metadata: true,
            limit: this.#historyPageSize,
            ...(oldest !== undefined ? { oldest } : {}),
            ...(cursor !== undefined ? { cursor } : {}),
          }),
        );
        pages += 1;
        const messages = page.messages ?? [];
        for (const m of messages) {
          const metadata = m.metadata as
            | { event_type?: string; event_payload?: { key?: unknown } }
            | undefined;
          if (metadata?.event_type === SLACK_EVENT_TYPE && metadata.event_payload?.key === key && m.ts) {
            return { channel: target.channel, messageId: m.ts, fallback: target.fallback };
          }
        }
        read += messages.length;
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor !== undefined && pages < maxPages);
    } catch (error) {
      throw new DeliveryError(
        `could not read the history of ${target.channel} to tell whether ${key} was already posted: ${(error as Error).message}`,
        (error as DeliveryError).details ?? {},
        { cause: error },
      );
    }
    if (cursor !== undefined && oldest !== undefined) {
      throw new DeliveryError(
        `could not tell whether ${key} was already posted: ${target.channel} has more than ${read} messages since ${oldest} (historyLimit)`,
        { code: "history_truncated" },
      );
    }
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
    // Nobody to write to (not in Slack, or deactivated: a manager who left too): the security
    // channel hears it instead, saying so, rather than the message dying in the outbox.
    const elsewhere = (why: string): Target => ({
      channel: this.#securityChannel,
      fallback: true,
      note: `Could not reach the ${audience.role} ${audience.email} in Slack (${why}), so this is posted here instead: please pass it on.`,
    });
    let userId = audience.slackUserId ?? this.#users.get(audience.email.toLowerCase());
    if (userId === undefined) {
      try {
        const found = await callWithRetries("users.lookupByEmail", this.#calls, () =>
          this.#client.users.lookupByEmail({ email: audience.email }),
        );
        if (found.user?.deleted === true) return elsewhere("their Slack account is deactivated");
        userId = found.user?.id;
      } catch (error) {
        if ((error as DeliveryError).details?.code !== "users_not_found") throw error;
      }
    }
    if (userId === undefined) return elsewhere("users_not_found");
    const id = userId;
    // conversations.open returns the same DM every time: safe to retry.
    let opened: Awaited<ReturnType<WebClient["conversations"]["open"]>>;
    try {
      opened = await callWithRetries("conversations.open", this.#calls, () =>
        this.#client.conversations.open({ users: id }),
      );
    } catch (error) {
      const code = (error as DeliveryError).details?.code;
      if (code !== undefined && UNREACHABLE_MEMBER.has(code)) return elsewhere(code);
      throw error;
    }
    const channel = opened.channel?.id;
    if (channel === undefined)
      throw new DeliveryError("conversations.open returned no channel", { code: "no_channel" });
    return { channel, fallback: false };
  }
}

/**
 * What `conversations.open` answers for a member the bot cannot write to: deactivated, unknown,
 * or hidden from it (Slack's documented errors). The message goes to the security channel.
 */
const UNREACHABLE_MEMBER: ReadonlySet<string> = new Set([
  "user_disabled",
  "user_not_found",
  "user_not_visible",
]);

/** Why `auth.test` failed, and what to do: a refused token, or a Slack that could not be asked. */
function tokenProblem(error: unknown): string {
  const failure = slackFailure(error);
  // auth.test takes nothing but the token: whatever Slack refuses there is the token
  // (invalid_auth, not_authed, token_revoked, token_expired, account_inactive, ...).
  if (failure.kind === "refused")
    return `Slack refused the bot token (${failure.code}): put the app's Bot User OAuth Token (xoxb-…, under OAuth & Permissions) in the notifications.slack.token secret; if the app was uninstalled or its token revoked, reinstall the app and store the new token`;
  return `could not ask Slack (${failure.description}), so nothing else was checked: try again later, and check notifications.slack.apiUrl if it is set`;
}

/**
 * The scopes of `SLACK_BOT_SCOPES` the token lacks, from the scopes Slack named (if it named
 * them). The security channel's history scope is left to the channel check, which reads it (public
 * and private channels need different ones); the DM scopes only when messages go to people.
 */
function scopeCheck(granted: readonly string[] | undefined, directMessages: boolean): PreflightCheck {
  const name = "slack: scopes";
  if (granted === undefined)
    return {
      name,
      ok: true,
      detail:
        "could not read the token's scopes (Slack's answer carried no x-oauth-scopes header): a missing one shows as missing_scope on the first call that needs it",
    };
  const needed = Object.keys(SLACK_BOT_SCOPES).filter(
    (scope) =>
      scope !== "channels:history" &&
      scope !== "groups:history" &&
      (directMessages || scope === "chat:write"),
  );
  const have = new Set(granted);
  const missing = needed.filter((scope) => !have.has(scope));
  if (missing.length === 0)
    return {
      name,
      ok: true,
      detail: `the token has the scopes the notifier uses${directMessages ? "" : " (no DMs: notifyManagers and notifyOwners are off)"}: ${needed.join(", ")}; the channel's history scope is checked with the channel`,
    };
  return {
    name,
    ok: false,
    detail: `the token lacks ${missing.map((scope) => `${scope} (${SLACK_BOT_SCOPES[scope]})`).join(", ")}: add ${missing.length === 1 ? "it" : "them"} to the app's Bot Token Scopes (OAuth & Permissions, or oauth_config.scopes.bot in the app manifest), then reinstall the app to the workspace`,
  };
}

/** A time as a Slack timestamp (`seconds.micros`), the form `oldest` takes. */
function slackTs(ms: number): string {
  const micros = Math.max(0, Math.floor(ms * 1000));
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, "0")}`;
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

/** Most characters of a section's text (Block Kit). */
const MAX_SECTION_TEXT = 3000;

/** The "…and N more" line the composer ends a capped list with (`cap` in core/notifications.ts). */
const MORE_LINE = /^…and (\d+) more\b/;

function moreLine(n: number): string {
  return `…and ${n} more (see the report or ticket).`;
}

/**
 * One list as a section: as many whole lines as fit in Block Kit's 3,000 characters, then one
 * "…and N more" line counting every line not shown (those cut here and those the composer already
 * left out), so nothing is dropped silently. A first line too long for the section on its own is
 * shown cut short rather than not at all.
 */
function pushList(blocks: SlackBlock[], title: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  const omitted = MORE_LINE.exec(lines.at(-1) ?? "");
  const listed = omitted ? lines.slice(0, -1) : lines;
  const alreadyLeftOut = omitted ? Number(omitted[1]) : 0;
  const bullets = listed.map((l) => `• ${escapeMrkdwn(l)}`);
  const tail = (shown: number) => {
    const rest = bullets.length - shown + alreadyLeftOut;
    return rest > 0 ? `\n${moreLine(rest)}` : "";
  };
  let text = `*${escapeMrkdwn(title)}*`;
  let shown = 0;
  // Room is checked for the count line as it would read after each bullet, so the last check holds.
  while (shown < bullets.length) {
    const next = `${text}\n${bullets[shown]}`;
    if (next.length + tail(shown + 1).length > MAX_SECTION_TEXT) break;
    text = next;
    shown += 1;
  }
  if (shown === 0 && bullets.length > 0) {
    const room = MAX_SECTION_TEXT - text.length - 1 - tail(1).length;
    text = `${text}\n${limit(bullets[0]!, Math.max(room, 2))}`;
    shown = 1;
  }
  blocks.push({ type: "divider" });
  blocks.push({
    type: "section",
    text: { type: "mrkdwn", text: limit(`${text}${tail(shown)}`, MAX_SECTION_TEXT) },
  });
}

/** Slack mrkdwn needs only these three escaped. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function limit(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
