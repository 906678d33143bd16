/**
 * The HR webhook's logic, free of Lambda and middy: authenticate (HMAC-SHA256 over
 * `timestamp + "." + rawBody`), bound (64 KiB, JSON only, 5-minute replay window),
 * validate every person exactly like a list row, store the event once per event id, then
 * trigger a scan.
 *
 * Store, then trigger. A retry of an event whose trigger failed must trigger again, and a
 * retry of one that was triggered must not: after a successful trigger a receipt is
 * stored (see `events.ts`), so a duplicate event id is answered `200 duplicate` only when
 * its receipt exists; otherwise the stored event is triggered again. The receipt is looked for
 * before storing, so an event deleted to cancel it is not stored again by a late delivery.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import type { Clock } from "../core/clock.ts";
import type { Person } from "../core/model.ts";
import type { DepartureEvent, Store } from "../core/ports/store.ts";
import { EVENT_ID_PATTERN, triggerReceiptId } from "./events.ts";
import { mergePeople } from "./merge.ts";
import { departureFields, validateRow } from "./row.ts";

/** Largest accepted body, in bytes after base64 decoding. */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;
/** How far the signed timestamp may be from now, either way. */
export const REPLAY_WINDOW_SECONDS = 300;
/** Most people one event may name; a bulk list belongs in the S3 list, not a webhook. */
export const MAX_PEOPLE_PER_EVENT = 500;
export const TIMESTAMP_HEADER = "X-IamHygiene-Timestamp";
export const SIGNATURE_HEADER = "X-IamHygiene-Signature";

/** An HTTP request as the webhook needs it. */
export interface WebhookRequest {
  readonly method: string;
  /** Header names in any case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

/** The HTTP answer: a JSON body. */
export interface WebhookResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What the webhook asks the scan to do. */
export interface ScanTriggerRequest {
  readonly people: readonly Person[];
  readonly eventId: string;
}

/** Everything the webhook talks to. */
export interface WebhookDeps {
  readonly store: Store;
  /** The shared HMAC secret (cached by the caller, for a few minutes at most). */
  readonly secret: () => Promise<string>;
  /**
   * Reads the secret again, bypassing the caller's cache, when a signature does not match the
   * secret `secret` gave: it may have been rotated since. The caller limits how often this
   * really reads (a forged request must not cost a Secrets Manager call each). Absent: no re-read.
   */
  readonly refreshSecret?: () => Promise<string>;
  /** Starts a scan for these people (an async Lambda invoke in AWS). */
  readonly triggerScan: (request: ScanTriggerRequest) => Promise<void>;
  readonly clock: Clock;
  /** IANA zone for `departed_at` values that are plain dates. */
  readonly timeZone: string;
  /** Where problems that do not change the answer are reported. */
  readonly logger?: { warn(message: string, ...extra: unknown[]): void };
}

/** Error codes in `{ "error": { "code", "message" } }`. */
export type WebhookErrorCode =
  | "method_not_allowed"
  | "unsupported_media_type"
  | "payload_too_large"
  | "missing_signature"
  | "bad_timestamp"
  | "stale_timestamp"
  | "bad_signature"
  | "malformed_json"
  | "invalid_event"
  | "store_unavailable"
  | "scan_trigger_failed"
  | "internal";

/**
 * The signature header value for a body: `v1=` and the hex HMAC-SHA256 of
 * `timestamp + "." + body` under `secret`. For HR integrations, docs and tests.
 */
export function signWebhookBody(
  secret: string,
  timestamp: number | string,
  body: string | Uint8Array,
): string {
  return `v1=${digest(secret, String(timestamp), typeof body === "string" ? Buffer.from(body, "utf8") : body).toString("hex")}`;
}

function digest(secret: string, timestamp: string, body: Uint8Array): Buffer {
  return createHmac("sha256", secret).update(`${timestamp}.`, "utf8").update(body).digest();
}

const personRow = z.record(z.string(), z.unknown(), { error: "expected an object" });
const envelope = z.union(
  [
    z.strictObject({
      eventId: z.string(),
      departures: z
        .array(personRow, { error: "expected an array of people" })
        .min(1, { error: "names no one" })
        .max(MAX_PEOPLE_PER_EVENT, { error: `more than ${MAX_PEOPLE_PER_EVENT} people` }),
    }),
    z.strictObject({ eventId: z.string(), person: personRow }),
  ],
  { error: "expected { eventId, departures: [...] } or { eventId, person: {...} }" },
);

/** Answers one webhook request. Never throws: every failure is a JSON error response. */
export async function handleDepartureWebhook(
  request: WebhookRequest,
  deps: WebhookDeps,
): Promise<WebhookResponse> {
  if (request.method.toUpperCase() !== "POST") {
    return error(405, "method_not_allowed", "use POST", { Allow: "POST" });
  }
  const headers = lowerCaseKeys(request.headers);
  if (!isJsonContentType(headers["content-type"])) {
    return error(415, "unsupported_media_type", "send Content-Type: application/json (charset utf-8 if any)");
  }

  const body = rawBody(request);
  if (body === undefined) {
    return error(413, "payload_too_large", `the body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes`);
  }

  const timestamp = headers[TIMESTAMP_HEADER.toLowerCase()];
  const signature = headers[SIGNATURE_HEADER.toLowerCase()];
  if (!timestamp || !signature) {
    return error(401, "missing_signature", `send ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} headers`);
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return error(401, "bad_timestamp", `${TIMESTAMP_HEADER} must be unix seconds`);
  }
  const skew = Math.abs(Math.floor(deps.clock.now().getTime() / 1000) - Number(timestamp));
  if (skew > REPLAY_WINDOW_SECONDS) {
    return error(
      401,
      "stale_timestamp",
      `the timestamp is more than ${REPLAY_WINDOW_SECONDS} seconds from now`,
    );
  }
  let secret: string;
  try {
    secret = await deps.secret();
  } catch (cause) {
    deps.logger?.warn("HR webhook secret unavailable", cause);
    return error(500, "internal", "the webhook cannot verify requests right now; retry later");
  }
  let verified = signatureMatches(signature, digest(secret, timestamp, body));
  if (!verified && deps.refreshSecret) {
    // The secret may have been rotated since it was cached: a request signed with the new one
    // must not wait for the cache to expire (HR does not retry a 401).
    let current: string;
    try {
      current = await deps.refreshSecret();
    } catch (cause) {
      deps.logger?.warn("HR webhook secret unavailable", cause);
      return error(500, "internal", "the webhook cannot verify requests right now; retry later");
    }
    if (current !== secret) verified = signatureMatches(signature, digest(current, timestamp, body));
  }
  if (!verified) {
    return error(401, "bad_signature", "the signature does not match the body and timestamp");
  }

  const parsed = parseEvent(body, deps.timeZone);
  if ("response" in parsed) return parsed.response;
  const { eventId, people } = parsed;

  const event: DepartureEvent = { eventId, receivedAt: deps.clock.now(), people };
  let stored: DepartureEvent | undefined = event;
  try {
    // The receipt is looked for before storing, not only when the event is already stored: a
    // departure cancelled by deleting its event keeps its receipt, and a late delivery of that
    // id must not store the departure again. One item read, however long the history.
    const receipt = () => deps.store.getDepartureEvent(triggerReceiptId(eventId));
    if (await receipt()) return json(200, { status: "duplicate", eventId });
    if (!(await deps.store.putDepartureEvent(event))) {
      if (await receipt()) return json(200, { status: "duplicate", eventId });
      // Stored before, but its scan was never confirmed started: trigger it again, with
      // the people first stored (the first delivery of an event id is authoritative).
      stored = await deps.store.getDepartureEvent(eventId);
    }
  } catch (cause) {
    deps.logger?.warn("HR webhook could not store the event", cause);
    return error(500, "store_unavailable", "the departure could not be stored; retry with the same eventId");
  }

  const triggered = stored ?? event;
  try {
    await deps.triggerScan({ people: triggered.people, eventId });
  } catch (cause) {
    deps.logger?.warn("HR webhook stored the event but could not trigger a scan", cause);
    return error(
      500,
      "scan_trigger_failed",
      "the departure was stored but the scan could not be started; retry with the same eventId",
    );
  }
  try {
    await deps.store.putDepartureEvent({
      eventId: triggerReceiptId(eventId),
      receivedAt: deps.clock.now(),
      people: [],
    });
  } catch (cause) {
    // The scan is running; without a receipt a retry only starts one more (idempotent) scan.
    deps.logger?.warn("HR webhook could not record the trigger receipt", cause);
  }
  return json(202, {
    status: "accepted",
    eventId,
    people: triggered.people.length,
    ...(stored === event ? {} : { retriggered: true }),
  });
}

function parseEvent(
  body: Buffer,
  timeZone: string,
): { eventId: string; people: Person[] } | { response: WebhookResponse } {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    return { response: error(400, "malformed_json", "the body is not valid UTF-8 JSON") };
  }
  const shape = envelope.safeParse(value);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    const field = issue ? fieldPath(issue.path) : "";
    const message = `${field ? `field ${field}: ` : ""}${issue?.message ?? "invalid event"}`;
    return { response: error(400, "invalid_event", message) };
  }
  const { eventId } = shape.data;
  if (!EVENT_ID_PATTERN.test(eventId)) {
    return {
      response: error(400, "invalid_event", "field eventId: 1 to 128 letters, digits, '.', '_', ':' or '-'"),
    };
  }
  const rows = "departures" in shape.data ? shape.data.departures : [shape.data.person];
  const base = "departures" in shape.data ? "departures" : "person";
  const problems: { field: string; message: string }[] = [];
  const entries = [];
  for (const [index, row] of rows.entries()) {
    const prefix = base === "departures" ? `departures[${index}]` : "person";
    const fields = departureFields(row);
    if ("problem" in fields) {
      problems.push({ field: `${prefix}.${fields.problem.field}`, message: fields.problem.message });
      continue;
    }
    const result = validateRow(fields.values, timeZone);
    if (result.ok) entries.push({ person: result.person, line: index + 1, where: prefix });
    else
      for (const p of result.problems)
        problems.push({ field: `${prefix}.${p.field ?? ""}`, message: p.message });
  }
  const merged = mergePeople(entries);
  for (const c of merged.conflicts)
    problems.push({ field: `departures[${c.line - 1}].${c.field}`, message: c.message });
  const first = problems[0];
  if (first) {
    return {
      response: error(400, "invalid_event", `field ${first.field}: ${first.message}`, {}, { problems }),
    };
  }
  return { eventId, people: merged.people };
}

/** The raw body bytes, or `undefined` when over the limit (checked before decoding base64 too). */
function rawBody(request: WebhookRequest): Buffer | undefined {
  const body = request.body ?? "";
  if (request.isBase64Encoded) {
    if (body.length > Math.ceil(MAX_WEBHOOK_BODY_BYTES / 3) * 4 + 4) return undefined;
    const bytes = Buffer.from(body, "base64");
    return bytes.length > MAX_WEBHOOK_BODY_BYTES ? undefined : bytes;
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes: cheap guard before encoding.
  if (body.length > MAX_WEBHOOK_BODY_BYTES) return undefined;
  const bytes = Buffer.from(body, "utf8");
  return bytes.length > MAX_WEBHOOK_BODY_BYTES ? undefined : bytes;
}

/** Accepts `v1=<hex>` entries, comma-separated (several during a secret rotation). */
function signatureMatches(header: string, expected: Buffer): boolean {
  let ok = false;
  for (const part of header.split(",")) {
    const match = /^\s*v1=([0-9a-fA-F]{64})\s*$/.exec(part);
    if (!match?.[1]) continue;
    // Same length by construction (32 bytes), as timingSafeEqual requires.
    if (timingSafeEqual(Buffer.from(match[1], "hex"), expected)) ok = true;
  }
  return ok;
}

function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const [type, ...params] = value.split(";");
  if (type?.trim().toLowerCase() !== "application/json") return false;
  return params.every((p) => /^\s*charset\s*=\s*"?utf-8"?\s*$/i.test(p));
}

function lowerCaseKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(record)) out[key.trim().toLowerCase()] = value;
  return out;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i > 0 ? "." : ""}${String(p)}`)).join("");
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): WebhookResponse {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

function error(
  statusCode: number,
  code: WebhookErrorCode,
  message: string,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): WebhookResponse {
  return json(statusCode, { error: { code, message, ...extra } }, headers);
}
