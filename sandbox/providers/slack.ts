/**
 * A local fake of the Slack Web API methods iam-hygiene calls, on 127.0.0.1. It speaks what Slack
 * documents: POST `/api/<method>` with a form-encoded or JSON body, `Authorization: Bearer` token,
 * HTTP 200 with `{ ok: false, error }` for method errors, HTTP 429 with `Retry-After` (seconds) when
 * rate limited. Switches let a test provoke rate limits and outages; posted messages are recorded.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

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
  readonly status: number;
  readonly params: Record<string, unknown>;
}

/** Options of the fake workspace. */
export interface FakeSlackOptions {
  /** Email → member id. */
  readonly users?: Readonly<Record<string, string>>;
  /** Channels that exist besides DMs (the security channel). */
  readonly channels?: readonly string[];
  /** Accepted bot tokens. @default ["xoxb-test"] */
  readonly tokens?: readonly string[];
}

/** A running fake Slack. */
export class FakeSlack {
  readonly messages: FakeSlackMessage[] = [];
  readonly requests: FakeSlackRequest[] = [];
  /** When true every call answers 503, as during a Slack outage. */
  outage = false;
  readonly #server: Server;
  readonly #users: Map<string, string>;
  readonly #channels: Set<string>;
  readonly #tokens: Set<string>;
  #rateLimits: { method: string | undefined; remaining: number; retryAfter: number }[] = [];
  #seq = 0;

  private constructor(options: FakeSlackOptions) {
    this.#users = new Map(Object.entries(options.users ?? {}).map(([e, id]) => [e.toLowerCase(), id]));
    this.#channels = new Set(options.channels ?? []);
    this.#tokens = new Set(options.tokens ?? ["xoxb-test"]);
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
  }

  /** Starts a fake on an ephemeral port. */
  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  /** The base URL to give the WebClient as `slackApiUrl`. */
  get apiUrl(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/api/`;
  }

  /** The next `times` calls (of `method`, or any) answer 429 with `Retry-After: retryAfter`. */
  rateLimit(times: number, retryAfter = 1, method?: string): void {
    this.#rateLimits.push({ method, remaining: times, retryAfter });
  }

  /** Messages posted to a channel, oldest first. */
  messagesIn(channel: string): FakeSlackMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  /** Requests of one method that the fake answered with 200 and ok:true or ok:false. */
  calls(method: string): FakeSlackRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  /** The DM channel id the fake gives a member. */
  dmOf(userId: string): string {
    return `D${userId}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((e) => (e ? reject(e) : resolve())));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.url ?? "").replace(/^\/api\//, "").split("?")[0] ?? "";
    const params = await readParams(req);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      this.requests.push({ method, status, params });
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(body));
    };
    if (this.outage) return reply(503, { ok: false, error: "service_unavailable" });
    const limit = this.#rateLimits.find(
      (l) => l.remaining > 0 && (l.method === undefined || l.method === method),
    );
    if (limit !== undefined) {
      limit.remaining -= 1;
      return reply(429, { ok: false, error: "ratelimited" }, { "retry-after": String(limit.retryAfter) });
    }
    const token = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "") || String(params.token ?? "");
    if (!this.#tokens.has(token))
      return reply(200, { ok: false, error: token ? "invalid_auth" : "not_authed" });
    reply(200, this.#dispatch(method, params));
  }

  #dispatch(method: string, params: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case "auth.test":
        return {
          ok: true,
          url: "https://fake.slack.test/",
          team: "Fake",
          user: "iam-hygiene",
          team_id: "T1",
          user_id: "UBOT",
        };
      case "users.lookupByEmail": {
        const id = this.#users.get(String(params.email ?? "").toLowerCase());
        if (id === undefined) return { ok: false, error: "users_not_found" };
        return { ok: true, user: { id, team_id: "T1", profile: { email: params.email } } };
      }
      case "conversations.open": {
        const users = String(params.users ?? "");
        if (users === "" || ![...this.#users.values()].includes(users))
          return { ok: false, error: "user_not_found" };
        const id = this.dmOf(users);
        this.#channels.add(id);
        return { ok: true, channel: { id } };
      }
      case "chat.postMessage": {
        const channel = String(params.channel ?? "");
        if (!this.#channels.has(channel)) return { ok: false, error: "channel_not_found" };
        if (params.text === undefined && params.blocks === undefined) return { ok: false, error: "no_text" };
        this.#seq += 1;
        const ts = `${1_700_000_000 + this.#seq}.${String(this.#seq).padStart(6, "0")}`;
        const message: FakeSlackMessage = {
          channel,
          ts,
          ...(typeof params.text === "string" ? { text: params.text } : {}),
          blocks: parseJson(params.blocks, []) as Record<string, unknown>[],
          ...(params.metadata !== undefined
            ? { metadata: parseJson(params.metadata, undefined) as never }
            : {}),
        };
        this.messages.push(message);
        return { ok: true, channel, ts, message: { type: "message", text: message.text, ts } };
      }
      case "conversations.history": {
        const channel = String(params.channel ?? "");
        if (!this.#channels.has(channel)) return { ok: false, error: "channel_not_found" };
        const withMetadata = params.include_all_metadata === true || params.include_all_metadata === "true";
        const limit = Math.min(Number(params.limit ?? 100) || 100, 999);
        const start = Number(params.cursor ?? 0) || 0;
        // Newest first, as Slack returns history.
        const all = this.messagesIn(channel).reverse();
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
