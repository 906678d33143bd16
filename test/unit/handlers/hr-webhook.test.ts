import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import type { Store } from "../../../lambdas/core/ports/store.ts";
import {
  makeHandler,
  type ScanTriggerRequest,
  signWebhookBody,
} from "../../../lambdas/handlers/hr-webhook.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/local.ts";

const SECRET = "whsec-test-0123456789";
const NOW = new Date("2024-05-01T12:00:00Z");
const NOW_S = Math.floor(NOW.getTime() / 1000);

let dir: string;
let store: Store;
let triggered: ScanTriggerRequest[];
let triggerFailures: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hr-webhook-"));
  store = new LocalDirectoryStore(dir);
  triggered = [];
  triggerFailures = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function handler(overrides: { store?: Store; secret?: () => Promise<string> } = {}) {
  return makeHandler({
    store: overrides.store ?? store,
    secret: overrides.secret ?? (async () => SECRET),
    triggerScan: async (request) => {
      if (triggerFailures > 0) {
        triggerFailures -= 1;
        throw new Error("Lambda invoke throttled");
      }
      triggered.push(request);
    },
    clock: fixedClock(NOW),
    timeZone: "America/New_York",
  });
}

const context = { functionName: "hr-webhook", awsRequestId: "req-1" } as Context;

function request(
  body: string,
  options: {
    method?: string;
    contentType?: string;
    timestamp?: number;
    signature?: string | null;
    base64?: boolean;
  } = {},
): APIGatewayProxyEventV2 {
  const timestamp = options.timestamp ?? NOW_S;
  const headers: Record<string, string> = {
    "content-type": options.contentType ?? "application/json",
    "x-iamhygiene-timestamp": String(timestamp),
  };
  const signature =
    options.signature === undefined ? signWebhookBody(SECRET, timestamp, body) : options.signature;
  if (signature !== null) headers["x-iamhygiene-signature"] = signature;
  return {
    version: "2.0",
    routeKey: "POST /departures",
    rawPath: "/departures",
    rawQueryString: "",
    headers,
    requestContext: {
      http: {
        method: options.method ?? "POST",
        path: "/departures",
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "hris",
      },
    } as APIGatewayProxyEventV2["requestContext"],
    body: options.base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: options.base64 ?? false,
  };
}

async function call(event: APIGatewayProxyEventV2, h = handler()) {
  const response = await h(event, context);
  return { ...response, json: JSON.parse(response.body ?? "null") };
}

const ada = { email: "ada@example.com", employee_id: "E1", name: "Ada", departed_at: "2024-03-10" };
const bob = { email: "bob@example.com", departed_at: "2024-05-01T17:00:00Z", aliases: "bob;rob" };
const validBody = JSON.stringify({ eventId: "hr-2024-0001", departures: [ada, bob] });

async function departureEventIds(): Promise<string[]> {
  return (await store.listDepartureEvents()).map((e) => e.eventId).sort();
}

describe("HR webhook: valid events", () => {
  it("stores the event, triggers one scan with its people and answers 202", async () => {
    // Act
    const response = await call(request(validBody));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.json).toEqual({ status: "accepted", eventId: "hr-2024-0001", people: 2 });
    const events = await store.listDepartureEvents();
    const event = events.find((e) => e.eventId === "hr-2024-0001");
    expect(event?.people.map((p) => p.departedAt.toISOString())).toEqual([
      "2024-03-10T05:00:00.000Z",
      "2024-05-01T17:00:00.000Z",
    ]);
    expect(triggered).toHaveLength(1);
    expect(triggered[0]?.eventId).toBe("hr-2024-0001");
    expect(triggered[0]?.people.map((p) => p.emails[0])).toEqual(["ada@example.com", "bob@example.com"]);
    expect(triggered[0]?.people[1]?.aliases).toEqual(["bob", "rob"]);
  });

  it("accepts a single person, a charset parameter and a base64-encoded body", async () => {
    const body = JSON.stringify({ eventId: "hr-2", person: ada });
    const response = await call(
      request(body, { contentType: "Application/JSON; charset=UTF-8", base64: true }),
    );
    expect(response.statusCode).toBe(202);
    expect(response.json.people).toBe(1);
    expect(triggered).toHaveLength(1);
  });

  it("accepts a signature among several (secret rotation)", async () => {
    const signature = `v1=${"0".repeat(64)}, ${signWebhookBody(SECRET, NOW_S, validBody)}`;
    expect((await call(request(validBody, { signature }))).statusCode).toBe(202);
  });
});

describe("HR webhook: idempotency", () => {
  it("answers a replayed request 200 duplicate, storing and triggering nothing again", async () => {
    // Prepare
    const event = request(validBody);
    await call(event);
    const before = await departureEventIds();

    // Act
    const replay = await call(event);

    // Assess
    expect(replay.statusCode).toBe(200);
    expect(replay.json).toEqual({ status: "duplicate", eventId: "hr-2024-0001" });
    expect(await departureEventIds()).toEqual(before);
    expect(triggered).toHaveLength(1);
  });

  it("answers a duplicate event id with a different body 200 duplicate and keeps the first people", async () => {
    // Prepare
    await call(request(validBody));
    const other = JSON.stringify({
      eventId: "hr-2024-0001",
      person: { email: "eve@example.com", departed_at: "2024-01-01" },
    });

    // Act
    const response = await call(request(other, { timestamp: NOW_S + 30 }));

    // Assess
    expect(response.json.status).toBe("duplicate");
    const stored = (await store.listDepartureEvents()).find((e) => e.eventId === "hr-2024-0001");
    expect(stored?.people.flatMap((p) => p.emails)).toEqual(["ada@example.com", "bob@example.com"]);
    expect(triggered).toHaveLength(1);
  });

  it("answers 500 when the trigger fails after storing, and triggers again on the retry, once", async () => {
    // Prepare
    triggerFailures = 1;

    // Act
    const first = await call(request(validBody));
    const retry = await call(request(validBody, { timestamp: NOW_S + 60 }));
    const again = await call(request(validBody, { timestamp: NOW_S + 120 }));

    // Assess
    expect(first.statusCode).toBe(500);
    expect(first.json.error.code).toBe("scan_trigger_failed");
    expect(retry.statusCode).toBe(202);
    expect(retry.json).toEqual({ status: "accepted", eventId: "hr-2024-0001", people: 2, retriggered: true });
    expect(again.statusCode).toBe(200);
    expect(again.json.status).toBe("duplicate");
    expect(triggered.map((t) => t.eventId)).toEqual(["hr-2024-0001"]);
  });

  it("answers 500 store_unavailable and triggers nothing when the store fails", async () => {
    const broken: Store = Object.create(store, {
      putDepartureEvent: { value: async () => Promise.reject(new Error("ProvisionedThroughputExceeded")) },
    });
    const response = await call(request(validBody), handler({ store: broken }));
    expect(response.statusCode).toBe(500);
    expect(response.json.error.code).toBe("store_unavailable");
    expect(triggered).toEqual([]);
  });
});

describe("HR webhook: refused requests store and trigger nothing", () => {
  const cases: [string, () => APIGatewayProxyEventV2, number, string][] = [
    [
      "a forged signature",
      () => request(validBody, { signature: signWebhookBody("wrong-secret", NOW_S, validBody) }),
      401,
      "bad_signature",
    ],
    [
      "a signature of another body",
      () => request(validBody, { signature: signWebhookBody(SECRET, NOW_S, "{}") }),
      401,
      "bad_signature",
    ],
    [
      "a malformed signature header",
      () => request(validBody, { signature: "sha256=abc" }),
      401,
      "bad_signature",
    ],
    ["no signature", () => request(validBody, { signature: null }), 401, "missing_signature"],
    [
      "a timestamp 6 minutes old",
      () => request(validBody, { timestamp: NOW_S - 360 }),
      401,
      "stale_timestamp",
    ],
    [
      "a timestamp 6 minutes ahead",
      () => request(validBody, { timestamp: NOW_S + 360 }),
      401,
      "stale_timestamp",
    ],
    [
      "a body over 64 KiB",
      () => request(JSON.stringify({ eventId: "big", pad: "x".repeat(65_536) })),
      413,
      "payload_too_large",
    ],
    [
      "a base64 body over 64 KiB",
      () => request(JSON.stringify({ eventId: "big", pad: "x".repeat(65_536) }), { base64: true }),
      413,
      "payload_too_large",
    ],
    ["text/plain", () => request(validBody, { contentType: "text/plain" }), 415, "unsupported_media_type"],
    [
      "a latin1 charset",
      () => request(validBody, { contentType: "application/json; charset=latin1" }),
      415,
      "unsupported_media_type",
    ],
    ["GET", () => request(validBody, { method: "GET" }), 405, "method_not_allowed"],
    ["malformed JSON", () => request('{"eventId": "x", "departures": [', {}), 400, "malformed_json"],
    [
      "an unknown top-level key",
      () => request(JSON.stringify({ eventId: "x", person: ada, extra: 1 })),
      400,
      "invalid_event",
    ],
    [
      "an event id with #",
      () => request(JSON.stringify({ eventId: "x#scan-triggered", person: ada })),
      400,
      "invalid_event",
    ],
  ];

  it.each(cases)("refuses %s", async (_label, build, status, code) => {
    // Act
    const response = await call(build());

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.headers?.["Content-Type"]).toBe("application/json");
    expect(response.json.error.code).toBe(code);
    expect(response.json.error.message).toEqual(expect.any(String));
    expect(await departureEventIds()).toEqual([]);
    expect(triggered).toEqual([]);
  });

  it("names the invalid field of an invalid row", async () => {
    // Prepare
    const body = JSON.stringify({
      eventId: "hr-3",
      departures: [ada, { email: "eve@example.com", departed_at: "2024-05-01T10:00" }],
    });

    // Act
    const response = await call(request(body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error.message).toBe(
      "field departures[1].departed_at: not a date with a zone or a date (e.g. 2024-05-01T17:30:00Z or 2024-05-01)",
    );
    expect(response.json.error.problems).toHaveLength(1);
    expect(await departureEventIds()).toEqual([]);
    expect(triggered).toEqual([]);
  });

  it("refuses a person field given twice in different case, naming it", async () => {
    // Prepare
    const body = JSON.stringify({
      eventId: "hr-4",
      person: { email: "ada@example.com", EMAIL: "eve@example.com", departed_at: "2024-05-01" },
    });

    // Act
    const response = await call(request(body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error).toEqual({
      code: "invalid_event",
      message: 'field person.email: field email given twice ("email" and "EMAIL")',
      problems: [{ field: "person.email", message: 'field email given twice ("email" and "EMAIL")' }],
    });
    expect(await departureEventIds()).toEqual([]);
    expect(triggered).toEqual([]);
  });

  it("says departed_at must be text when it is a number", async () => {
    // Prepare
    const body = JSON.stringify({
      eventId: "hr-5",
      departures: [ada, { email: "eve@example.com", departed_at: 1714521600 }],
    });

    // Act
    const response = await call(request(body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error.message).toBe(
      "field departures[1].departed_at: expected text: a date with a zone or a date (e.g. 2024-05-01T17:30:00Z or 2024-05-01), not a number",
    );
    expect(await departureEventIds()).toEqual([]);
    expect(triggered).toEqual([]);
  });

  it("sends Allow: POST with a 405", async () => {
    const response = await call(request(validBody, { method: "PUT" }));
    expect(response.headers?.Allow).toBe("POST");
  });

  it("answers a JSON 500 when the secret cannot be read", async () => {
    const response = await call(
      request(validBody),
      handler({ secret: async () => Promise.reject(new Error("AccessDenied")) }),
    );
    expect(response.statusCode).toBe(500);
    expect(response.json.error.code).toBe("internal");
    expect(triggered).toEqual([]);
  });
});

describe("HR webhook: a signature that does not match the cached secret", () => {
  function rotatingHandler(cached: string, current: () => Promise<string>) {
    return makeHandler({
      store,
      secret: async () => cached,
      refreshSecret: current,
      triggerScan: async (request) => {
        triggered.push(request);
      },
      clock: fixedClock(NOW),
      timeZone: "America/New_York",
    });
  }

  it("re-reads the secret once and accepts a call signed with the rotated one", async () => {
    // Prepare
    let rereads = 0;
    const h = rotatingHandler("whsec-before-rotation", async () => {
      rereads += 1;
      return SECRET;
    });

    // Act
    const response = await call(request(validBody), h);

    // Assess
    expect(response.statusCode).toBe(202);
    expect(rereads).toBe(1);
    expect(triggered).toHaveLength(1);
  });

  it("answers 401 when the re-read secret does not match either, and 500 when it cannot be read", async () => {
    // Prepare
    const forged = () => request(validBody, { signature: signWebhookBody("guess", NOW_S, validBody) });

    // Act
    const unchanged = await call(
      forged(),
      rotatingHandler(SECRET, async () => SECRET),
    );
    const unreadable = await call(
      forged(),
      rotatingHandler(SECRET, async () => Promise.reject(new Error("ThrottlingException"))),
    );

    // Assess
    expect(unchanged.statusCode).toBe(401);
    expect(unchanged.json.error.code).toBe("bad_signature");
    expect(unreadable.statusCode).toBe(500);
    expect(unreadable.json.error.code).toBe("internal");
    expect(await departureEventIds()).toEqual([]);
    expect(triggered).toEqual([]);
  });
});

describe("signWebhookBody", () => {
  it("is the hex HMAC-SHA256 of timestamp.body, as openssl computes it", () => {
    // echo -n '1714564800.{}' | openssl dgst -sha256 -hmac 'whsec-test-0123456789'
    expect(signWebhookBody(SECRET, 1714564800, "{}")).toBe(
      "v1=e115c3fb89ae1d12a94685507f9c34413f37b3fe72d47385f41ea4b91bd10053",
    );
  });
});
