/**
 * A local fake of the Slack Web API methods iam-hygiene calls, on 127.0.0.1. It speaks what Slack
 * documents: POST `/api/<method>` with a form-encoded or JSON body, `Authorization: Bearer` token,
 * HTTP 200 with `{ ok: false, error }` for method errors (`missing_scope` with `needed` and
 * `provided`), HTTP 429 with `Retry-After` (seconds) when rate limited. Messages keep the `metadata`
 * they were posted with; `conversations.history` returns them newest first within `oldest`/`latest`,
 * `limit` at a time, with `metadata` only when `include_all_metadata` is true.
 *
 * Every answer to an accepted token carries its scopes in the `x-oauth-scopes` header, as Slack's
 * Web API answers do (`@slack/web-api` hands them back as `response_metadata.scopes`). A channel can
 * exist without the app in it (`nonMemberChannels`): reading or posting there answers
 * `not_in_channel`, as Slack answers a bot that was never invited (and has no `chat:write.public`).
 *
 * Switches let a test provoke what real Slack does on a bad day: an outage (every call 503), rate
 * limits, a failure before the call does anything (`fail`), and the ambiguous one, a call that does
 * its work and then fails anyway (`acceptThenFail`: the message is stored, then the caller gets a
 * 500 or a dropped connection). Every request is recorded, with the fake's clock.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LocalServer } from "./local-server.ts";

/** A message as the fake stored it. */
export interface FakeSlackMessage {
  readonly channel: string;
  readonly ts: string;
  readonly text?: string;
  readonly blocks: ReadonlyArray<Record<string, unknown>>;
  readonly metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** One request the fake received. */
export interface FakeSlackRequest {
  readonly method: string;
  /** HTTP status answered; 0 when the connection was dropped without an answer. */
  readonly status: number;
  readonly params: Record<string, unknown>;
  /** The fake's clock (ms) when the request was answered or dropped. */
  readonly at: number;
  /** True when the call did its work (a message was stored) before it failed or succeeded. */
  readonly accepted: boolean;
}

/** How an injected failure ends a request: an HTTP status (and Slack error code), or a dropped connection. */
export type FakeSlackFault = { readonly status: number; readonly error?: string } | "drop";

/** The scopes a bot token of the fake has unless told otherwise: all iam-hygiene needs. */
export const FAKE_SLACK_SCOPES: readonly string[] = [
  "chat:write",
  "im:write",
  "users:read",
  "users:read.email",
  "channels:history",
  "groups:history",
  "im:history",
];

/** Options of the fake workspace. */
export interface FakeSlackOptions {
  /** Email → member id. */
  readonly users?: Readonly<Record<string, string>>;
  /**
   * Member ids of deactivated members: `users.lookupByEmail` still finds them, with
   * `deleted: true`, and `conversations.open` answers `user_disabled`, as Slack documents.
   */
  readonly deactivated?: readonly string[];
  /** Channels that exist besides DMs (the security channel), with the app a member of them. */
  readonly channels?: readonly string[];
  /**
   * Channels that exist but the app was never invited to (it wins over `channels`):
   * `conversations.history` and `chat.postMessage` answer `not_in_channel`, as Slack answers a bot
   * outside a channel (without `chat:write.public`, which the app does not ask for).
   */
  readonly nonMemberChannels?: readonly string[];
  /** Accepted bot tokens. @default ["xoxb-test"] */
  readonly tokens?: readonly string[];
  /** Scopes granted to the tokens. @default FAKE_SLACK_SCOPES */
  readonly scopes?: readonly string[];
  /**
   * Whether answers to an accepted token carry `x-oauth-scopes`, as Slack's do; false stands for a
   * proxy that strips the header.
   * @default true
   */
  readonly scopesHeader?: boolean;
  /**
   * Largest `limit` `conversations.history` honours. Slack documents 999, and 15 for commercially
   * distributed apps outside the Marketplace installed since May 2025.
   * @default 999
   */
  readonly historyMaxLimit?: number;
  /** Milliseconds since the epoch; message `ts` values come from it. @default Date.now */
  readonly clock?: () => number;
}

interface Injected {
  readonly method: string | undefined;
  remaining: number;
  readonly fault: FakeSlackFault;
  /** Fail after the call did its work, not before. */
  readonly afterAccepting: boolean;
}

/** A running fake Slack. */
export class FakeSlack {
  readonly messages: FakeSlackMessage[] = [];
  readonly requests: FakeSlackRequest[] = [];
  /** When true every call answers 503, as during a Slack outage. */
  outage = false;
  #server!: LocalServer;
  readonly #users: Map<string, string>;
  readonly #deactivated: Set<string>;
  readonly #channels: Set<string>;
  readonly #nonMember: Set<string>;
  readonly #tokens: Set<string>;
  readonly #scopes: Set<string>;
  readonly #scopesHeader: boolean;
  readonly #historyMaxLimit: number;
  readonly #clock: () => number;
  #rateLimits: { method: string | undefined; remaining: number; retryAfter: number | string | null }[] = [];
  #injected: Injected[] = [];
  /** Microseconds of the last ts handed out: ts values are unique and increasing. */
  #lastMicros = 0;

  private constructor(options: FakeSlackOptions) {
    this.#users = new Map(Object.entries(options.users ?? {}).map(([e, id]) => [e.toLowerCase(), id]));
    this.#deactivated = new Set(options.deactivated ?? []);
    this.#channels = new Set(options.channels ?? []);
    this.#nonMember = new Set(options.nonMemberChannels ?? []);
    this.#tokens = new Set(options.tokens ?? ["xoxb-test"]);
    this.#scopes = new Set(options.scopes ?? FAKE_SLACK_SCOPES);
    this.#scopesHeader = options.scopesHeader ?? true;
    this.#historyMaxLimit = options.historyMaxLimit ?? 999;
    this.#clock = options.clock ?? Date.now;
  }

  /** Starts a fake on an ephemeral port. */
  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    fake.#server = await LocalServer.listen((req, res) => fake.#handle(req, res));
    return fake;
  }

  /** The base URL to give the WebClient as `slackApiUrl`. */
  get apiUrl(): string {
    return `${this.#server.url}/api/`;
  }

  /**
   * The next `times` calls (of `method`, or any) answer 429 with `Retry-After: retryAfter`: seconds,
   * as Slack documents, or any text (RFC 9110 also allows an HTTP date); `null` sends no Retry-After,
   * as a proxy in front of Slack may.
   */
  rateLimit(times: number, retryAfter: number | string | null = 1, method?: string): void {
    this.#rateLimits.push({ method, remaining: times, retryAfter });
  }

  /** The next `times` calls (of `method`, or any) fail with `fault` before doing anything. */
  fail(times: number, fault: FakeSlackFault, method?: string): void {
    this.#injected.push({ method, remaining: times, fault, afterAccepting: false });
  }

  /**
   * The next `times` calls of `method` do their work (a posted message is stored and shows in the
   * history), then fail with `fault`: Slack accepted the call, but the caller never hears so.
   */
  acceptThenFail(times: number, fault: FakeSlackFault, method = "chat.postMessage"): void {
    this.#injected.push({ method, remaining: times, fault, afterAccepting: true });
  }

  /** Messages posted to a channel, oldest first. */
  messagesIn(channel: string): FakeSlackMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  /** Messages whose metadata carries `key` in its payload (how iam-hygiene tags its messages). */
  messagesWithKey(key: string): FakeSlackMessage[] {
    return this.messages.filter((m) => m.metadata?.event_payload.key === key);
  }

  /** Requests of one method, whatever their answer. */
  calls(method: string): FakeSlackRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  /** The DM channel id the fake gives a member. */
  dmOf(userId: string): string {
    return `D${userId}`;
  }

  async close(): Promise<void> {
    await this.#server.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.url ?? "").replace(/^\/api\//, "").split("?")[0] ?? "";
    const params = await readParams(req);
    let accepted = false;
    const record = (status: number) =>
      this.requests.push({ method, status, params, at: this.#clock(), accepted });
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record(status);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(body));
    };
    const failWith = (fault: FakeSlackFault): void => {
      if (fault === "drop") {
        record(0);
        req.socket.destroy();
        return;
      }
      reply(fault.status, { ok: false, error: fault.error ?? "internal_error" });
    };
    if (this.outage) return reply(503, { ok: false, error: "service_unavailable" });
    const limit = this.#rateLimits.find(
      (l) => l.remaining > 0 && (l.method === undefined || l.method === method),
    );
    if (limit !== undefined) {
      limit.remaining -= 1;
      return reply(
        429,
        { ok: false, error: "ratelimited" },
        limit.retryAfter === null ? {} : { "retry-after": String(limit.retryAfter) },
      );
    }
    const injected = this.#injected.find(
      (f) => f.remaining > 0 && (f.method === undefined || f.method === method),
    );
    if (injected !== undefined && !injected.afterAccepting) {
      injected.remaining -= 1;
      return failWith(injected.fault);
    }
    const token = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "") || String(params.token ?? "");
    if (!this.#tokens.has(token))
      return reply(200, { ok: false, error: token ? "invalid_auth" : "not_authed" });
    const result = this.#dispatch(method, params);
    accepted = result.ok === true && method === "chat.postMessage";
    if (injected !== undefined && result.ok === true) {
      injected.remaining -= 1;
      return failWith(injected.fault);
    }
    // Slack names the token's scopes on its answers: comma-separated, in `x-oauth-scopes`.
    reply(200, result, this.#scopesHeader ? { "x-oauth-scopes": [...this.#scopes].join(",") } : {});
  }

  /** A `missing_scope` answer when the token lacks `needed`, as Slack words it. */
  #missingScope(needed: string): Record<string, unknown> | undefined {
    if (this.#scopes.has(needed)) return undefined;
    return { ok: false, error: "missing_scope", needed, provided: [...this.#scopes].join(",") };
  }

  #nextTs(): string {
    this.#lastMicros = Math.max(Math.floor(this.#clock() * 1000), this.#lastMicros + 1);
    const seconds = Math.floor(this.#lastMicros / 1_000_000);
    return `${seconds}.${String(this.#lastMicros % 1_000_000).padStart(6, "0")}`;
  }

  #dispatch(method: string, params: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case "auth.test":
        // A bot token's answer (https://docs.slack.dev/reference/methods/auth.test): `user` is the bot user.
        return {
          ok: true,
          url: "https://fake.slack.test/",
          team: "Fake",
          user: "iam-hygiene",
          team_id: "T1",
          user_id: "UBOT",
          bot_id: "BBOT",
          is_enterprise_install: false,
        };
      case "users.lookupByEmail": {
        const missing = this.#missingScope("users:read.email");
        if (missing) return missing;
        const id = this.#users.get(String(params.email ?? "").toLowerCase());
        if (id === undefined) return { ok: false, error: "users_not_found" };
        return {
          ok: true,
          user: { id, team_id: "T1", deleted: this.#deactivated.has(id), profile: { email: params.email } },
        };
      }
      case "conversations.open": {
        const missing = this.#missingScope("im:write");
        if (missing) return missing;
        const users = String(params.users ?? "");
        if (users === "" || ![...this.#users.values()].includes(users))
          return { ok: false, error: "user_not_found" };
        if (this.#deactivated.has(users)) return { ok: false, error: "user_disabled" };
        const id = this.dmOf(users);
        this.#channels.add(id);
        return { ok: true, channel: { id } };
      }
      case "chat.postMessage": {
        const missing = this.#missingScope("chat:write");
        if (missing) return missing;
        const channel = String(params.channel ?? "");
        if (this.#nonMember.has(channel)) return { ok: false, error: "not_in_channel" };
        if (!this.#channels.has(channel)) return { ok: false, error: "channel_not_found" };
        if (params.text === undefined && params.blocks === undefined) return { ok: false, error: "no_text" };
        const metadata = parseJson(params.metadata, undefined) as FakeSlackMessage["metadata"] | undefined;
        if (metadata !== undefined && (typeof metadata?.event_type !== "string" || !metadata.event_payload))
          return { ok: false, error: "invalid_metadata_format" };
        const ts = this.#nextTs();
        const message: FakeSlackMessage = {
          channel,
          ts,
          ...(typeof params.text === "string" ? { text: params.text } : {}),
          blocks: parseJson(params.blocks, []) as Record<string, unknown>[],
          ...(metadata !== undefined ? { metadata } : {}),
        };
        this.messages.push(message);
        return {
          ok: true,
          channel,
          ts,
          message: { type: "message", text: message.text, ts, ...(metadata ? { metadata } : {}) },
        };
      }
      case "conversations.history": {
        const channel = String(params.channel ?? "");
        // Slack asks for the history scope of the conversation's type: public, private, DM.
        const missing = this.#missingScope(
          channel.startsWith("D")
            ? "im:history"
            : channel.startsWith("G")
              ? "groups:history"
              : "channels:history",
        );
        if (missing) return missing;
        if (this.#nonMember.has(channel)) return { ok: false, error: "not_in_channel" };
        if (!this.#channels.has(channel)) return { ok: false, error: "channel_not_found" };
        const withMetadata = params.include_all_metadata === true || params.include_all_metadata === "true";
        const inclusive =
          params.inclusive === true || params.inclusive === "true" || params.inclusive === "1";
        const oldest = tsMicros(params.oldest ?? "0");
        const latest = params.latest !== undefined ? tsMicros(params.latest) : Number.POSITIVE_INFINITY;
        if (Number.isNaN(oldest) || Number.isNaN(latest)) return { ok: false, error: "invalid_ts_oldest" };
        const limit = Math.min(Number(params.limit ?? 100) || 100, this.#historyMaxLimit);
        const start = Number(params.cursor ?? 0) || 0;
        // Newest first, as Slack returns history.
        const all = this.messagesIn(channel)
          .filter((m) => {
            const t = tsMicros(m.ts);
            return (inclusive ? t >= oldest : t > oldest) && (inclusive ? t <= latest : t < latest);
          })
          .reverse();
        const page = all.slice(start, start + limit);
        const next = start + limit < all.length ? String(start + limit) : "";
        return {
          ok: true,
          messages: page.map((m) => ({
            type: "message",
            ts: m.ts,
            text: m.text,
            ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
          })),
          has_more: next !== "",
          response_metadata: { next_cursor: next },
        };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  }
}

/** A Slack ts (`"1700000000.000100"`, or a number) as integer microseconds; NaN if it is not one. */
function tsMicros(value: unknown): number {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(String(value));
  if (!match) return Number.NaN;
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? "").padEnd(6, "0"));
}

async function readParams(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  const query = Object.fromEntries(new URL(req.url ?? "/", "http://x").searchParams);
  if (body === "") return query;
  if ((req.headers["content-type"] ?? "").includes("application/json")) {
    return { ...query, ...(JSON.parse(body) as Record<string, unknown>) };
  }
  return { ...query, ...Object.fromEntries(new URLSearchParams(body)) };
}

function parseJson(value: unknown, fallback: unknown): unknown {
  if (typeof value !== "string") return value ?? fallback;
  try {
    return JSON.parse(value);
  } catch {
    return fallback;
  }
}
