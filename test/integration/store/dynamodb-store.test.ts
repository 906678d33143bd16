/**
 * DynamoDB-only behaviour of the store: what happens when the SDK retries a write that
 * DynamoDB had applied (a 5xx or a dropped connection after the write landed), and when the
 * trim that caps a history fails. dynalite on 127.0.0.1 answers; a client middleware drops
 * or refuses answers the way a flaky network does, after the server applied the write, so the
 * SDK's own retries (a real `DynamoDBClient`, adaptive mode as in production) resend it.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbStore, type StoreOptions } from "../../../lambdas/store/index.ts";
import {
  createStoreTable,
  localDynamoDbClient,
  type RunningDynalite,
  startDynalite,
} from "../../support/dynalite.ts";
import { at, seen, T0 } from "./store-contract.ts";

/** A write request as the link sees it: the command, its update expression, its partition. */
interface WriteRequest {
  readonly command: string;
  /** The UpdateItem's update expression; "" for other writes. */
  readonly update: string;
  /** The item's partition (`pk`): which kind of record it writes. */
  readonly partition: string | undefined;
  /** The state an outbox write sets (`:state`), if it names one. */
  readonly state: string | undefined;
}

/** Which write requests a fault applies to. */
const isAppendOfActions = ({ update }: WriteRequest) => update.includes("actions = list_append");
const isResolve = ({ update }: WriteRequest) => update.includes(":resolved");
const isTrim = ({ update }: WriteRequest) => update.startsWith("REMOVE");
const isClaim = ({ update }: WriteRequest) => update.includes("#state = :sending");
const isMarkSent = ({ update }: WriteRequest) => update.includes("#state = :sent");
const isMarkFailedTo =
  (to: "pending" | "dead") =>
  ({ update, state }: WriteRequest) =>
    update.includes("lastAttemptAt = :claimedAt") && state === to;
const isEnqueue = ({ command, partition }: WriteRequest) =>
  command === "PutItemCommand" && partition === "OUTBOX";

interface Fault {
  readonly matches: (request: WriteRequest) => boolean;
  /** `lose-answer`: the server applied the write, its answer never arrives. `refuse`: the request never lands. */
  readonly effect: "lose-answer" | "refuse";
  /** How many requests it hits; each of the SDK's attempts is a request. */
  remaining: number;
  /** Runs before the request is sent (another writer getting in first). */
  readonly before?: () => Promise<void>;
}

const WRITES = new Set(["UpdateItemCommand", "PutItemCommand", "DeleteItemCommand"]);

/**
 * A flaky link between one client and DynamoDB. Its errors are `TimeoutError`s, which the
 * SDK retries as it would a dropped connection.
 */
class FlakyLink {
  private readonly faults: Fault[] = [];
  /** The name of every command sent over the link, each SDK attempt once. */
  readonly sent: string[] = [];

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as {
          UpdateExpression?: string;
          Key?: { pk?: { S?: string } };
          Item?: { pk?: { S?: string } };
          ExpressionAttributeValues?: { ":state"?: { S?: string } };
        };
        this.sent.push(context.commandName ?? "");
        const request: WriteRequest = {
          command: context.commandName ?? "",
          update: input.UpdateExpression ?? "",
          partition: (input.Key ?? input.Item)?.pk?.S,
          state: input.ExpressionAttributeValues?.[":state"]?.S,
        };
        const fault = WRITES.has(request.command)
          ? this.faults.find((f) => f.remaining > 0 && f.matches(request))
          : undefined;
        if (!fault) return next(args);
        fault.remaining--;
        await fault.before?.();
        if (fault.effect === "refuse") throw timeout("connect ETIMEDOUT");
        try {
          await next(args); // DynamoDB applied the write (or refused its condition) ...
        } catch {
          // ... and whatever it answered is lost on the way back.
        }
        throw timeout("socket hang up");
      },
      { step: "deserialize", name: "flakyLink" },
    );
  }

  add(fault: Omit<Fault, "remaining"> & { readonly times?: number }): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** How many requests the faults were still waiting for: 0 once each hit what it was meant to. */
  unused(): number {
    return this.faults.reduce((sum, f) => sum + f.remaining, 0);
  }
}

function timeout(message: string): Error {
  return Object.assign(new Error(message), { name: "TimeoutError" });
}

describe("DynamoDbStore under the SDK's retries", () => {
  let dynalite: RunningDynalite;
  const clients: DynamoDBClient[] = [];
  let tables = 0;

  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await dynalite?.close();
  });

  /** A fresh table; `open` gives a store whose client retries (as production's) over a flaky link. */
  async function fresh() {
    const table = `iam-hygiene-retries-${++tables}`;
    const admin = localDynamoDbClient(dynalite.endpoint);
    clients.push(admin);
    await createStoreTable(admin, table);
    return {
      open(options?: StoreOptions) {
        const client = new DynamoDBClient({
          endpoint: dynalite.endpoint,
          region: "us-east-1",
          credentials: { accessKeyId: "AKIATESTTESTTESTTEST", secretAccessKey: "test-secret" },
          // Production uses adaptive mode with 8 attempts; 3 keep a give-up quick.
          retryMode: "adaptive",
          maxAttempts: 3,
        });
        clients.push(client);
        return { store: new DynamoDbStore(client, table, options), link: new FlakyLink(client) };
      },
      /** A store on the same table over a plain link: another Lambda. */
      other() {
        const client = localDynamoDbClient(dynalite.endpoint);
        clients.push(client);
        return new DynamoDbStore(client, table);
      },
    };
  }

  const revoked = {
    type: "revoke",
    status: "done",
    detail: "UpdateAccessKey f1 Inactive",
    at: at(1),
  } as const;

  describe("recordAction", () => {
    it("records an action once when the answer to its append is lost and the SDK resends it", async () => {
      // Prepare
      const { store, link } = (await fresh()).open();
      await store.observeFindings("scan-1", [seen("f1")], T0);
      link.add({ matches: isAppendOfActions, effect: "lose-answer" });

      // Act
      await store.recordAction("f1", revoked);

      // Assess
      expect((await store.getFinding("f1"))?.actions).toEqual([revoked]);
    });

    it("records an action once when the SDK gives up after the append landed and the caller records it again", async () => {
      // Prepare: every answer to the append is lost, so the SDK's retries end in an error.
      const { store, link } = (await fresh()).open();
      await store.observeFindings("scan-1", [seen("f1")], T0);
      link.add({ matches: isAppendOfActions, effect: "lose-answer", times: 3 });
      const failed = await store.recordAction("f1", revoked).catch((error: unknown) => error);
      link.clear();

      // Act: the scan records at its end what it could not record before.
      await store.recordAction("f1", revoked);

      // Assess
      expect(failed).toMatchObject({ name: "TimeoutError" });
      expect((await store.getFinding("f1"))?.actions).toEqual([revoked]);
    });

    it("still refuses an action for a finding it never observed when answers are lost", async () => {
      // Prepare
      const { store, link } = (await fresh()).open();
      link.add({ matches: isAppendOfActions, effect: "lose-answer" });

      // Act
      const action = store.recordAction("ghost", revoked);

      // Assess
      await expect(action).rejects.toMatchObject({ name: "FindingNotFoundError" });
      expect(await store.getFinding("ghost")).toBeUndefined();
    });

    it("keeps an appended action when the trim that caps the history fails, and caps it later", async () => {
      // Prepare
      const { store, link } = (await fresh()).open({ historyLimit: 3 });
      await store.observeFindings("scan-1", [seen("f1")], T0);
      const action = (i: number) =>
        ({ type: "notify", status: "done", detail: `message ${i}`, at: at(i) }) as const;
      for (let i = 0; i < 3; i++) await store.recordAction("f1", action(i));
      link.add({ matches: isTrim, effect: "refuse", times: 3 });

      // Act
      const fourth = store.recordAction("f1", action(3));
      await fourth.catch(() => undefined);
      const uncapped = (await store.getFinding("f1"))?.actions.length;
      link.clear();
      await store.recordAction("f1", action(3)); // a caller that saw a failure records it again
      await store.recordAction("f1", action(4));

      // Assess
      await expect(fourth).resolves.toBeUndefined();
      expect(uncapped).toBe(4);
      expect((await store.getFinding("f1"))?.actions.map((a) => a.detail)).toEqual([
        "message 2",
        "message 3",
        "message 4",
      ]);
    });
  });

  describe("resolveUnseen", () => {
    it("returns a finding it resolved when the answer to the resolving write is lost", async () => {
      // Prepare
      const { store, link } = (await fresh()).open();
      await store.observeFindings("scan-1", [seen("f1"), seen("f2")], T0);
      link.add({ matches: isResolve, effect: "lose-answer" });

      // Act
      const resolved = await store.resolveUnseen("scan-2", new Set(["f1"]), at(1));
      const again = await store.resolveUnseen("scan-3", new Set(["f1"]), at(2));

      // Assess
      expect(resolved.map((f) => [f.findingId, f.status])).toEqual([["f2", "resolved"]]);
      expect(resolved[0]?.changes.map((c) => [c.to, c.scanId])).toEqual([
        ["open", "scan-1"],
        ["resolved", "scan-2"],
      ]);
      expect(again).toEqual([]);
    });

    it("leaves a finding to the scan that resolved it first, even when its own write is resent", async () => {
      // Prepare: right before this scan's write, another scan resolves the same finding.
      const tables = await fresh();
      const { store, link } = tables.open();
      const other = tables.other();
      await store.observeFindings("scan-1", [seen("f1")], T0);
      let otherResolved: string[] = [];
      link.add({
        matches: isResolve,
        effect: "lose-answer",
        before: async () => {
          otherResolved = (await other.resolveUnseen("scan-3", new Set(), at(1))).map((f) => f.findingId);
        },
      });

      // Act
      const resolved = await store.resolveUnseen("scan-2", new Set(), at(1));

      // Assess
      expect(otherResolved).toEqual(["f1"]);
      expect(resolved).toEqual([]);
      expect((await store.getFinding("f1"))?.changes.map((c) => c.scanId)).toEqual(["scan-1", "scan-3"]);
    });

    it("leaves a finding another writer moved on meanwhile", async () => {
      // Prepare: right before this scan's write, another scan revokes it.
      const tables = await fresh();
      const { store, link } = tables.open();
      const other = tables.other();
      await store.observeFindings("scan-1", [seen("f1")], T0);
      link.add({
        matches: isResolve,
        effect: "lose-answer",
        before: () => other.observeFindings("scan-3", [seen("f1", "revoked")], at(1)),
      });

      // Act
      const resolved = await store.resolveUnseen("scan-2", new Set(), at(1));

      // Assess
      expect(resolved).toEqual([]);
      expect((await store.getFinding("f1"))?.status).toBe("revoked");
    });

    it("returns a finding it resolved when the trim that caps its history fails", async () => {
      // Prepare
      const { store, link } = (await fresh()).open({ historyLimit: 1 });
      await store.observeFindings("scan-1", [seen("f1")], T0);
      link.add({ matches: isTrim, effect: "refuse", times: 3 });

      // Act
      const resolved = await store.resolveUnseen("scan-2", new Set(), at(1));

      // Assess
      expect(resolved.map((f) => [f.findingId, f.status])).toEqual([["f1", "resolved"]]);
      expect((await store.getFinding("f1"))?.status).toBe("resolved");
    });
  });

  describe("outbox", () => {
    const message = (key: string) =>
      ({ key, channel: "slack", payload: { text: key }, createdAt: T0 }) as const;

    it("claims an item when the answer to its claim is lost and the SDK resends it", async () => {
      // Prepare
      const { store, link } = (await fresh()).open();
      await store.enqueue([message("k1")]);
      link.add({ matches: isClaim, effect: "lose-answer" });

      // Act
      const claimed = await store.claimOutbox("k1", at(1));

      // Assess
      expect(link.unused()).toBe(0);
      expect(claimed).toBe(true);
      expect(await store.getOutbox("k1")).toMatchObject({ state: "sending", attempts: 1 });
    });

    it("reclaims a stale `sending` item when the answer to its reclaim is lost", async () => {
      // Prepare: the first sender died mid-send; its claim is stale after 15 minutes.
      const { store, link } = (await fresh()).open({ staleSendingMs: 15 * 60_000 });
      await store.enqueue([message("k1")]);
      await store.claimOutbox("k1", T0);
      link.add({ matches: isClaim, effect: "lose-answer" });

      // Act
      const reclaimed = await store.claimOutbox("k1", at(15));

      // Assess
      expect(link.unused()).toBe(0);
      expect(reclaimed).toBe(true);
      expect(await store.getOutbox("k1")).toMatchObject({ state: "sending", attempts: 2 });
    });

    it("leaves an item to the store that claimed it first, even when its own claim is resent", async () => {
      // Prepare: right before this store's claim, another Lambda claims the same item.
      const tables = await fresh();
      const { store, link } = tables.open();
      const other = tables.other();
      await store.enqueue([message("k1")]);
      let otherClaimed: boolean | undefined;
      link.add({
        matches: isClaim,
        effect: "lose-answer",
        before: async () => {
          otherClaimed = await other.claimOutbox("k1", at(1));
        },
      });

      // Act
      const claimed = await store.claimOutbox("k1", at(1));

      // Assess
      expect(link.unused()).toBe(0);
      expect(otherClaimed).toBe(true);
      expect(claimed).toBe(false);
      expect(await store.getOutbox("k1")).toMatchObject({ state: "sending", attempts: 1 });
    });

    it("marks an item sent once when the answer to markSent is lost", async () => {
      // Prepare
      const { store, link } = (await fresh()).open();
      await store.enqueue([message("k1")]);
      await store.claimOutbox("k1", at(1));
      link.add({ matches: isMarkSent, effect: "lose-answer" });

      // Act
      const marked = store.markSent("k1", "1712345678.000100", at(2));

      // Assess
      await expect(marked).resolves.toBeUndefined();
      expect(link.unused()).toBe(0);
      expect(await store.getOutbox("k1")).toMatchObject({
        state: "sent",
        receipt: "1712345678.000100",
        attempts: 1,
      });
      expect(await store.dueOutbox(at(10_000), 10)).toEqual([]);
    });

    it("puts a failed item back once when the answer to markFailed is lost", async () => {
      // Prepare
      const { store, link } = (await fresh()).open({ maxAttempts: 2 });
      await store.enqueue([message("k1")]);
      await store.claimOutbox("k1", at(1));
      link.add({ matches: isMarkFailedTo("pending"), effect: "lose-answer" });

      // Act
      const marked = store.markFailed("k1", "channel_not_found", at(11), at(1));
      await marked.catch(() => undefined);
      const afterFailure = await store.getOutbox("k1");
      const reclaimed = await store.claimOutbox("k1", at(11));

      // Assess
      await expect(marked).resolves.toBeUndefined();
      expect(link.unused()).toBe(0);
      expect(afterFailure).toMatchObject({
        state: "pending",
        attempts: 1,
        lastError: "channel_not_found",
        nextAttemptAt: at(11),
      });
      expect(reclaimed).toBe(true);
      expect(await store.getOutbox("k1")).toMatchObject({ state: "sending", attempts: 2 });
    });

    it("gives a failed item up once when the answer to its last markFailed is lost", async () => {
      // Prepare
      const { store, link } = (await fresh()).open({ maxAttempts: 1 });
      await store.enqueue([message("k1")]);
      await store.claimOutbox("k1", at(1));
      link.add({ matches: isMarkFailedTo("dead"), effect: "lose-answer" });

      // Act
      const marked = store.markFailed("k1", "channel_not_found", at(11), at(1));
      await marked.catch(() => undefined);

      // Assess
      await expect(marked).resolves.toBeUndefined();
      expect(link.unused()).toBe(0);
      expect(await store.getOutbox("k1")).toMatchObject({
        state: "dead",
        attempts: 1,
        lastError: "channel_not_found",
      });
      expect(await store.dueOutbox(at(1_000), 10)).toEqual([]);
    });

    it("counts an item as new when the answer to its put is lost and the SDK resends it", async () => {
      // Prepare
      const { store, link } = (await fresh()).open();
      link.add({ matches: isEnqueue, effect: "lose-answer" });

      // Act
      const added = await store.enqueue([message("k1"), message("k2"), message("k1")]);
      const again = await store.enqueue([message("k1")]);

      // Assess
      expect(link.unused()).toBe(0);
      expect(added).toBe(2);
      expect(again).toBe(0);
      expect(await store.getOutbox("k1")).toMatchObject({ state: "pending", attempts: 0 });
    });

    it("reads nothing back for a key it finds already queued on the first request", async () => {
      // Prepare: a scan offers again the tickets it queued before (unchanged revisions).
      const { store, link } = (await fresh()).open();
      await store.enqueue([message("k1"), message("k2")]);
      link.sent.length = 0;

      // Act
      const added = await store.enqueue([message("k1"), message("k2")]);

      // Assess
      expect(added).toBe(0);
      expect(link.sent).toEqual(["PutItemCommand", "PutItemCommand"]);
    });

    it("counts a key another store queued first as known, even when its own put is resent", async () => {
      // Prepare: right before this store's put, another Lambda queues the same key.
      const tables = await fresh();
      const { store, link } = tables.open();
      const other = tables.other();
      let otherAdded: number | undefined;
      link.add({
        matches: isEnqueue,
        effect: "lose-answer",
        before: async () => {
          otherAdded = await other.enqueue([message("k1")]);
        },
      });

      // Act
      const added = await store.enqueue([message("k1")]);

      // Assess
      expect(link.unused()).toBe(0);
      expect(otherAdded).toBe(1);
      expect(added).toBe(0);
    });
  });
});
