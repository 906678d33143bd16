/**
 * Cancelling a webhook departure the documented way (docs/hr-webhook.md, docs/departures.md):
 * delete its DynamoDB item (`pk = DEPARTURE`, `sk = <eventId>`). The webhook's deduplication
 * must survive it: the trigger receipt stays, so a late or repeated delivery of that id is a
 * `200 duplicate` that stores and starts nothing. DynamoDB is dynalite on 127.0.0.1.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import { StoreDepartureSource } from "../../../lambdas/departures/sources.ts";
import {
  handleDepartureWebhook,
  type ScanTriggerRequest,
  signWebhookBody,
} from "../../../lambdas/departures/webhook.ts";
import { DynamoDbStore, STORE_PARTITIONS } from "../../../lambdas/store/index.ts";
import {
  createStoreTable,
  localDynamoDbClient,
  type RunningDynalite,
  startDynalite,
} from "../../support/dynalite.ts";

const SECRET = "whsec-cancel-test";
const NOW = new Date("2026-06-01T12:00:00Z");
const NOW_S = Math.floor(NOW.getTime() / 1000);

let dynalite: RunningDynalite;
let client: DynamoDBClient;
let tables = 0;
let table: string;
let store: DynamoDbStore;
let triggered: ScanTriggerRequest[];

beforeAll(async () => {
  dynalite = await startDynalite();
  client = localDynamoDbClient(dynalite.endpoint);
});
afterAll(async () => {
  client.destroy();
  await dynalite.close();
});
beforeEach(async () => {
  table = `webhook-cancel-${++tables}`;
  await createStoreTable(client, table);
  store = new DynamoDbStore(client, table);
  triggered = [];
});

async function deliver(body: string, timestamp = NOW_S) {
  const response = await handleDepartureWebhook(
    {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-IamHygiene-Timestamp": String(timestamp),
        "X-IamHygiene-Signature": signWebhookBody(SECRET, timestamp, body),
      },
      body,
    },
    {
      store,
      secret: async () => SECRET,
      triggerScan: async (request) => {
        triggered.push(request);
      },
      clock: fixedClock(NOW),
      timeZone: "UTC",
    },
  );
  return { status: response.statusCode, json: JSON.parse(response.body) };
}

/** The documented cancel: delete the event's item, nothing else. */
async function cancel(eventId: string): Promise<void> {
  await DynamoDBDocumentClient.from(client).send(
    new DeleteCommand({ TableName: table, Key: { pk: STORE_PARTITIONS.departure, sk: eventId } }),
  );
}

const body = JSON.stringify({
  eventId: "hris-evt-77",
  person: { email: "cancelled@example.com", departed_at: "2026-06-15" },
});

describe("HR webhook: a departure cancelled by deleting its stored event", () => {
  it("answers a later delivery of the id 200 duplicate, storing and starting nothing", async () => {
    // Prepare: accepted, then cancelled as the docs say.
    expect((await deliver(body)).status).toBe(202);
    await cancel("hris-evt-77");

    // Act: HR's retry queue delivers it once more.
    const late = await deliver(body, NOW_S + 120);

    // Assess
    expect(late).toEqual({ status: 200, json: { status: "duplicate", eventId: "hris-evt-77" } });
    expect((await store.listDepartureEvents()).map((e) => e.eventId)).toEqual(["hris-evt-77#scan-triggered"]);
    expect(triggered.map((t) => t.eventId)).toEqual(["hris-evt-77"]);
    expect((await new StoreDepartureSource(store).load()).people).toEqual([]);
  });

  it("still triggers again an event stored whose scan never started, then deduplicates it", async () => {
    // Prepare: stored by a delivery whose trigger failed (no receipt).
    await store.putDepartureEvent({
      eventId: "hris-evt-77",
      receivedAt: NOW,
      people: [{ emails: ["first@example.com"], aliases: [], departedAt: NOW }],
    });

    // Act
    const retry = await deliver(body);
    const again = await deliver(body, NOW_S + 60);

    // Assess
    expect(retry.json).toEqual({ status: "accepted", eventId: "hris-evt-77", people: 1, retriggered: true });
    expect(again.json.status).toBe("duplicate");
    expect(triggered.map((t) => t.people[0]?.emails)).toEqual([["first@example.com"]]);
  });
});
