/**
 * The Store contract: one suite that every adapter must pass unchanged. An adapter's test
 * file calls `describeStoreContract` with a harness that hands out fresh, empty backings
 * (a new table, a new directory) and opens any number of stores on the same backing, so
 * races between two stores (two Lambdas, two CLI processes) are real races.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../../lambdas/core/model.ts";
import type { FindingStatus, OutboxItem, Store } from "../../../lambdas/core/ports/store.ts";
import {
  FindingNotFoundError,
  OutboxItemNotFoundError,
  type StoreOptions,
} from "../../../lambdas/store/index.ts";

/** Opens stores on one backing. */
export type OpenStore = (options?: StoreOptions) => Store;

/** What an adapter's test file provides. */
export interface StoreHarness {
  /** A new, empty backing; the function opens stores on it. */
  fresh(): Promise<OpenStore>;
  /** Stops whatever `start` started. */
  close(): Promise<void>;
}

/** The instant the store tests start at. */
export const T0 = new Date("2024-03-01T09:00:00.000Z");
const MINUTE = 60_000;

/** `minutes` after `T0`. */
export function at(minutes: number): Date {
  return new Date(T0.getTime() + minutes * MINUTE);
}

/** A departed owner's active access key finding with id `id`. */
export function finding(id: string, overrides: Partial<Finding> = {}): Finding {
  return {
    id,
    ruleId: "departed-owner-active-credential",
    severity: "high",
    title: "Active credential of a departed person",
    summary: `${id} belongs to someone who left`,
    evidence: { departedAt: "2024-02-01" },
    credential: {
      id: `aws-iam:111122223333:access-key:${id}`,
      source: "aws-iam",
      kind: "access-key",
      nativeId: id,
      account: "111122223333",
      principal: "alice",
      principalType: "human",
      ownerHints: { employeeIds: [], emails: [], usernames: [], tags: {} },
      active: true,
      observedAt: T0,
    },
    ...overrides,
  };
}

/** `finding(id)` as a scan observes it, with `status`. */
export function seen(id: string, status: FindingStatus = "open") {
  return { finding: finding(id), status };
}

function item(key: string, payload: unknown = { text: `message ${key}` }): OutboxItem {
  return { key, channel: "slack", payload, createdAt: T0 };
}

/** Runs the whole Store contract against the adapter `start` sets up. */
export function describeStoreContract(name: string, start: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    beforeAll(async () => {
      harness = await start();
    });
    afterAll(async () => {
      await harness?.close();
    });

    describe("lease", () => {
      it("is taken when free and renewed by its holder", async () => {
        // Prepare
        const store = (await harness.fresh())();

        // Act
        const first = await store.acquireLease("scan", "run-a", 10 * MINUTE, T0);
        const renewed = await store.acquireLease("scan", "run-a", 10 * MINUTE, at(5));

        // Assess
        expect(first).toEqual({ name: "scan", holder: "run-a", expiresAt: at(10) });
        expect(renewed).toEqual({ name: "scan", holder: "run-a", expiresAt: at(15) });
      });

      it("is refused to another holder until it expires, then taken over", async () => {
        // Prepare
        const open = await harness.fresh();
        const [a, b] = [open(), open()];
        await a.acquireLease("scan", "run-a", 10 * MINUTE, T0);

        // Act
        const whileHeld = await b.acquireLease("scan", "run-b", 10 * MINUTE, at(10));
        const afterExpiry = await b.acquireLease("scan", "run-b", 10 * MINUTE, at(10.001));

        // Assess
        expect(whileHeld).toBeUndefined();
        expect(afterExpiry?.holder).toBe("run-b");
      });

      it("is released only by its holder", async () => {
        // Prepare
        const open = await harness.fresh();
        const [a, b] = [open(), open()];
        await a.acquireLease("scan", "run-a", 10 * MINUTE, T0);
        await b.acquireLease("scan", "run-b", 10 * MINUTE, at(11)); // a's lease expired: taken over

        // Act
        await a.releaseLease("scan", "run-a"); // too late: no longer a's
        const stillHeld = await a.acquireLease("scan", "run-c", 10 * MINUTE, at(12));
        await b.releaseLease("scan", "run-b");
        const free = await a.acquireLease("scan", "run-c", 10 * MINUTE, at(12));

        // Assess
        expect(stillHeld).toBeUndefined();
        expect(free?.holder).toBe("run-c");
      });

      it("cannot be renewed by a holder it was taken over from", async () => {
        // Prepare: a's lease expired (a scan paused or died) and b took it over.
        const open = await harness.fresh();
        const [a, b] = [open(), open()];
        await a.acquireLease("scan", "run-a", 10 * MINUTE, T0);
        await b.acquireLease("scan", "run-b", 10 * MINUTE, at(11));

        // Act: a wakes up and renews, as a scan does right before each revocation.
        const renewed = await a.acquireLease("scan", "run-a", 10 * MINUTE, at(12));

        // Assess
        expect(renewed).toBeUndefined();
      });

      it("goes to exactly one of many concurrent takers, free or expired", async () => {
        // Prepare
        const open = await harness.fresh();
        const stores = [open(), open()];
        const race = (now: Date) =>
          Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              stores[i % 2]!.acquireLease("scan", `run-${now.getTime()}-${i}`, 10 * MINUTE, now),
            ),
          );

        // Act
        const onFree = await race(T0);
        const onExpired = await race(at(20));

        // Assess
        expect(onFree.filter(Boolean)).toHaveLength(1);
        expect(onExpired.filter(Boolean)).toHaveLength(1);
      });

      it("keeps leases of different names apart", async () => {
        // Prepare
        const store = (await harness.fresh())();
        await store.acquireLease("scan", "run-a", 10 * MINUTE, T0);

        // Act
        const other = await store.acquireLease("webhook", "run-b", 10 * MINUTE, T0);

        // Assess
        expect(other?.holder).toBe("run-b");
      });
    });

    describe("findings", () => {
      it("records first and last seen, and a change only when the status changes", async () => {
        // Prepare
        const store = (await harness.fresh())();

        // Act
        await store.observeFindings("scan-1", [seen("f1")], T0);
        await store.observeFindings("scan-2", [seen("f1")], at(60));
        await store.observeFindings("scan-3", [seen("f1", "ticketed")], at(120));

        // Assess
        expect(await store.getFinding("f1")).toEqual({
          findingId: "f1",
          ruleId: "departed-owner-active-credential",
          credentialId: "aws-iam:111122223333:access-key:f1",
          severity: "high",
          status: "ticketed",
          firstSeen: T0,
          lastSeen: at(120),
          changes: [
            { at: T0, from: null, to: "open", scanId: "scan-1" },
            { at: at(120), from: "open", to: "ticketed", scanId: "scan-3" },
          ],
          actions: [],
        });
      });

      it("keeps the latest severity and omits a credential id for run-level findings", async () => {
        // Prepare
        const store = (await harness.fresh())();
        const brake = finding("brake", { ruleId: "revocation-brake-engaged", credential: undefined });

        // Act
        await store.observeFindings("scan-1", [{ finding: brake, status: "open" }, seen("f1")], T0);
        await store.observeFindings(
          "scan-2",
          [{ finding: finding("f1", { severity: "critical" }), status: "open" }],
          at(1),
        );

        // Assess
        const history = await store.getFinding("brake");
        expect(history?.credentialId).toBeUndefined();
        expect(history?.ruleId).toBe("revocation-brake-engaged");
        expect((await store.getFinding("f1"))?.severity).toBe("critical");
      });

      it("lists findings in id order and answers undefined for an unknown one", async () => {
        // Prepare
        const store = (await harness.fresh())();
        await store.observeFindings("scan-1", [seen("b"), seen("c"), seen("a")], T0);

        // Act
        const listed = await store.listFindings();
        const unknown = await store.getFinding("nope");

        // Assess
        expect(listed.map((f) => f.findingId)).toEqual(["a", "b", "c"]);
        expect(unknown).toBeUndefined();
      });

      it("resolves only the unseen findings the scan's scope accepts, judged as each is read", async () => {
        // Prepare
        const store = (await harness.fresh())();
        await store.observeFindings("scan-1", [seen("mine-gone"), seen("theirs-gone")], T0);

        // Act: the scope sees each stored finding, and keeps "theirs" out.
        const asked: string[] = [];
        const resolved = await store.resolveUnseen("scan-2", new Set(), at(60), (f) => {
          asked.push(f.findingId);
          return f.findingId.startsWith("mine");
        });

        // Assess
        expect(resolved.map((f) => f.findingId)).toEqual(["mine-gone"]);
        expect(asked.sort()).toEqual(["mine-gone", "theirs-gone"]);
        expect((await store.getFinding("theirs-gone"))?.status).toBe("open");
      });

      it("resolves unseen findings that still await action, once, and reopens them when seen again", async () => {
        // Prepare
        const store = (await harness.fresh())();
        await store.observeFindings(
          "scan-1",
          [
            seen("open-seen"),
            seen("open-gone"),
            seen("ticketed-gone", "ticketed"),
            seen("revoked-gone", "revoked"),
          ],
          T0,
        );

        // Act
        const resolved = await store.resolveUnseen("scan-2", new Set(["open-seen"]), at(60));
        const again = await store.resolveUnseen("scan-3", new Set(["open-seen"]), at(120));
        await store.observeFindings("scan-4", [seen("open-gone")], at(180));

        // Assess
        expect(resolved.map((f) => [f.findingId, f.status]).sort()).toEqual([
          ["open-gone", "resolved"],
          ["ticketed-gone", "resolved"],
        ]);
        expect(resolved.find((f) => f.findingId === "ticketed-gone")?.changes.at(-1)).toEqual({
          at: at(60),
          from: "ticketed",
          to: "resolved",
          scanId: "scan-2",
        });
        expect(again).toEqual([]);
        expect((await store.getFinding("revoked-gone"))?.status).toBe("revoked");
        expect((await store.getFinding("open-seen"))?.status).toBe("open");
        const reopened = await store.getFinding("open-gone");
        expect(reopened?.status).toBe("open");
        expect(reopened?.changes.map((c) => c.to)).toEqual(["open", "resolved", "open"]);
      });

      it("appends actions with their dates and keeps only the latest ones", async () => {
        // Prepare
        const store = (await harness.fresh())({ historyLimit: 5 });
        await store.observeFindings("scan-1", [seen("f1")], T0);

        // Act
        for (let i = 0; i < 8; i++) {
          await store.recordAction("f1", {
            type: "revoke",
            status: i % 2 === 0 ? "done" : "failed",
            detail: `UpdateAccessKey f1 Inactive #${i}`,
            at: at(i),
            ...(i % 2 === 0 ? {} : { error: { name: "ThrottlingError", message: "slow down" } }),
          });
        }

        // Assess
        const actions = (await store.getFinding("f1"))?.actions ?? [];
        expect(actions.map((a) => a.detail)).toEqual(
          [3, 4, 5, 6, 7].map((i) => `UpdateAccessKey f1 Inactive #${i}`),
        );
        expect(actions[0]).toEqual({
          type: "revoke",
          status: "failed",
          detail: "UpdateAccessKey f1 Inactive #3",
          at: at(3),
          error: { name: "ThrottlingError", message: "slow down" },
        });
        expect(actions[1]?.at).toEqual(at(4));
      });

      it("keeps only the latest status changes", async () => {
        // Prepare
        const store = (await harness.fresh())({ historyLimit: 3 });
        const statuses: FindingStatus[] = ["open", "ticketed", "open", "excepted", "open", "revoked"];

        // Act
        for (const [i, status] of statuses.entries())
          await store.observeFindings(`s${i}`, [seen("f1", status)], at(i));

        // Assess
        const history = await store.getFinding("f1");
        expect(history?.changes.map((c) => c.scanId)).toEqual(["s3", "s4", "s5"]);
        expect(history?.firstSeen).toEqual(T0);
        expect(history?.status).toBe("revoked");
      });

      it("loses no action when two stores record at once", async () => {
        // Prepare
        const open = await harness.fresh();
        const [a, b] = [open(), open()];
        await a.observeFindings("scan-1", [seen("f1")], T0);

        // Act
        await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 ? a : b).recordAction("f1", { type: "notify", status: "done", detail: `message ${i}` }),
          ),
        );

        // Assess
        const details = (await a.getFinding("f1"))?.actions.map((x) => x.detail).sort();
        expect(details).toEqual(Array.from({ length: 12 }, (_, i) => `message ${i}`).sort());
      });

      it("keeps one copy of an action recorded again with the same time, and every untimed one", async () => {
        // Prepare: a caller that saw a write fail records the same action again.
        const store = (await harness.fresh())();
        await store.observeFindings("scan-1", [seen("f1")], T0);
        const revoked = {
          type: "revoke",
          status: "done",
          detail: "UpdateAccessKey f1 Inactive",
          at: at(1),
        } as const;
        const held = { type: "revoke", status: "skipped", detail: "held by the revocation brake" } as const;

        // Act
        await store.recordAction("f1", revoked);
        await store.recordAction("f1", held);
        await store.recordAction("f1", { ...revoked });
        await store.recordAction("f1", held);
        await store.recordAction("f1", { ...revoked, at: at(2) });

        // Assess
        expect((await store.getFinding("f1"))?.actions).toEqual([
          revoked,
          held,
          held,
          { ...revoked, at: at(2) },
        ]);
      });

      it("records a ticket key", async () => {
        // Prepare
        const store = (await harness.fresh())();
        await store.observeFindings("scan-1", [seen("f1")], T0);

        // Act
        await store.setTicketKey("f1", "SEC-42");
        await store.observeFindings("scan-2", [seen("f1", "ticketed")], at(1));

        // Assess
        expect((await store.getFinding("f1"))?.ticketKey).toBe("SEC-42");
      });

      it("refuses actions and ticket keys for a finding it never observed", async () => {
        // Prepare
        const store = (await harness.fresh())();

        // Act (both settled at once: neither rejection goes unhandled while the other is awaited)
        const [action, ticket] = await Promise.allSettled([
          store.recordAction("ghost", { type: "notify", status: "done", detail: "x" }),
          store.setTicketKey("ghost", "SEC-1"),
        ]);

        // Assess
        expect(action.status === "rejected" && action.reason).toBeInstanceOf(FindingNotFoundError);
        expect(ticket.status === "rejected" && ticket.reason).toBeInstanceOf(FindingNotFoundError);
        expect(await store.getFinding("ghost")).toBeUndefined();
      });
    });

    describe("outbox", () => {
      it("enqueues a key once, however often it is offered", async () => {
        // Prepare
        const store = (await harness.fresh())();

        // Act
        const first = await store.enqueue([
          item("k1", { text: "first" }),
          item("k2"),
          item("k1", { text: "dup" }),
        ]);
        const second = await store.enqueue([item("k1", { text: "again" })]);

        // Assess
        expect(first).toBe(2);
        expect(second).toBe(0);
        expect(await store.getOutbox("k1")).toEqual({
          key: "k1",
          channel: "slack",
          payload: { text: "first" },
          createdAt: T0,
          state: "pending",
          attempts: 0,
          nextAttemptAt: T0,
        });
      });

      it("gives the payload back as JSON gives it back", async () => {
        // Prepare
        const store = (await harness.fresh())();
        const payload = { blocks: [{ type: "section", text: "hi" }], n: 3, flag: true, none: null, when: T0 };

        // Act
        await store.enqueue([item("k1", payload)]);

        // Assess
        expect((await store.getOutbox("k1"))?.payload).toEqual(JSON.parse(JSON.stringify(payload)));
      });

      it("lists due items, oldest first, up to the limit", async () => {
        // Prepare
        const store = (await harness.fresh())();
        await store.enqueue([
          { ...item("late"), createdAt: at(2) },
          { ...item("early"), createdAt: at(1) },
          { ...item("future"), createdAt: at(30) },
          { ...item("earliest"), createdAt: at(0) },
        ]);

        // Act
        const due = await store.dueOutbox(at(10), 2);
        const all = await store.dueOutbox(at(10), 10);

        // Assess
        expect(due.map((e) => e.key)).toEqual(["earliest", "early"]);
        expect(all.map((e) => e.key)).toEqual(["earliest", "early", "late"]);
        expect(await store.dueOutbox(at(10), 0)).toEqual([]);
      });

      it("lets exactly one of two concurrent claims win", async () => {
        // Prepare
        const open = await harness.fresh();
        const [a, b] = [open(), open()];
        await a.enqueue([item("k1")]);

        // Act
        const claims = await Promise.all([a.claimOutbox("k1", at(1)), b.claimOutbox("k1", at(1))]);

        // Assess
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await a.getOutbox("k1")).toMatchObject({ state: "sending", attempts: 1 });
        expect(await a.dueOutbox(at(2), 10)).toEqual([]);
        expect(await b.claimOutbox("missing", at(1))).toBe(false);
      });

      it("marks a sent item with its receipt and never offers it again", async () => {
        // Prepare
        const store = (await harness.fresh())();
        await store.enqueue([item("k1")]);
        await store.claimOutbox("k1", at(1));

        // Act
        await store.markSent("k1", "1712345678.000100", at(2));

        // Assess
        expect(await store.getOutbox("k1")).toMatchObject({
          state: "sent",
          receipt: "1712345678.000100",
          attempts: 1,
        });
        expect(await store.dueOutbox(at(10_000), 10)).toEqual([]);
        expect(await store.claimOutbox("k1", at(10_000))).toBe(false);
        await expect(store.markSent("missing", "x", at(2))).rejects.toBeInstanceOf(OutboxItemNotFoundError);
      });

      it("refuses a second claim of a claimed item, even by the same caller, and counts one attempt", async () => {
        // Prepare
        const store = (await harness.fresh())();
        await store.enqueue([item("k1")]);

        // Act: a claim belongs to the call that made it, not to whoever asks again.
        const first = await store.claimOutbox("k1", at(1));
        const second = await store.claimOutbox("k1", at(1));

        // Assess
        expect([first, second]).toEqual([true, false]);
        expect(await store.getOutbox("k1")).toMatchObject({ state: "sending", attempts: 1 });
      });

      it("records a repeated markSent as the same send", async () => {
        // Prepare
        const store = (await harness.fresh())();
        await store.enqueue([item("k1")]);
        await store.claimOutbox("k1", at(1));

        // Act
        await store.markSent("k1", "1712345678.000100", at(2));
        await store.markSent("k1", "1712345678.000100", at(2));

        // Assess
        expect(await store.getOutbox("k1")).toEqual({
          key: "k1",
          channel: "slack",
          payload: { text: "message k1" },
          createdAt: T0,
          state: "sent",
          attempts: 1,
          nextAttemptAt: T0,
          receipt: "1712345678.000100",
        });
        expect(await store.claimOutbox("k1", at(10_000))).toBe(false);
      });

      it("ignores a markFailed repeated after the first: one failure, one attempt", async () => {
        // Prepare
        const store = (await harness.fresh())({ maxAttempts: 3 });
        await store.enqueue([item("k1")]);
        await store.claimOutbox("k1", at(1));

        // Act
        await store.markFailed("k1", "channel_not_found", at(11), at(1));
        await store.markFailed("k1", "channel_not_found", at(11), at(1));
        await store.markFailed("k1", "a late second opinion", at(12), at(2));

        // Assess
        expect(await store.getOutbox("k1")).toMatchObject({
          state: "pending",
          attempts: 1,
          lastError: "channel_not_found",
          nextAttemptAt: at(11),
        });
      });

      it("respects the backoff of a failed item, then gives up after the last attempt", async () => {
        // Prepare
        const store = (await harness.fresh())({ maxAttempts: 2 });
        await store.enqueue([item("k1")]);
        await store.claimOutbox("k1", at(1));

        // Act
        await store.markFailed("k1", "channel_not_found", at(11), at(1));
        const afterFailure = await store.getOutbox("k1");
        const dueBefore = await store.dueOutbox(at(10), 10);
        const claimBefore = await store.claimOutbox("k1", at(10));
        const dueAt = await store.dueOutbox(at(11), 10);
        const claimAt = await store.claimOutbox("k1", at(11));
        await store.markFailed("k1", "still failing", at(30), at(11));

        // Assess
        expect(afterFailure).toMatchObject({
          state: "pending",
          attempts: 1,
          lastError: "channel_not_found",
          nextAttemptAt: at(11),
        });
        expect(dueBefore).toEqual([]);
        expect(claimBefore).toBe(false);
        expect(dueAt.map((e) => e.key)).toEqual(["k1"]);
        expect(claimAt).toBe(true);
        expect(await store.getOutbox("k1")).toMatchObject({
          state: "dead",
          attempts: 2,
          lastError: "still failing",
        });
        expect(await store.dueOutbox(at(1_000), 10)).toEqual([]);
        await expect(store.markFailed("missing", "x", at(2), at(1))).rejects.toBeInstanceOf(
          OutboxItemNotFoundError,
        );
      });

      it("lists the items whose key starts with a prefix, in any state, first queued first", async () => {
        // Prepare
        const store = (await harness.fresh())();
        await store.enqueue([
          { ...item("ticket:K1:r2"), channel: "ticket", createdAt: at(60) },
          { ...item("ticket:K1:r1"), channel: "ticket", createdAt: at(0) },
          { ...item("ticket:K10:r1"), channel: "ticket", createdAt: at(0) },
          { ...item("ticket-resolved:K1:x"), channel: "ticket", createdAt: at(30) },
          item("slack:msg-1"),
        ]);
        await store.claimOutbox("ticket:K1:r1", at(1));
        await store.markSent("ticket:K1:r1", "created #1", at(2));

        // Act
        const ticketK1 = await store.listOutbox("ticket:K1:");
        const resolutionsK1 = await store.listOutbox("ticket-resolved:K1:");
        const everything = await store.listOutbox("");
        const none = await store.listOutbox("ticket:K2:");

        // Assess
        expect(ticketK1.map((e) => [e.key, e.state, e.createdAt])).toEqual([
          ["ticket:K1:r1", "sent", at(0)],
          ["ticket:K1:r2", "pending", at(60)],
        ]);
        expect(ticketK1[0]).toMatchObject({ receipt: "created #1", attempts: 1, channel: "ticket" });
        expect(resolutionsK1.map((e) => e.key)).toEqual(["ticket-resolved:K1:x"]);
        expect(everything.map((e) => e.key)).toEqual([
          "slack:msg-1",
          "ticket:K10:r1",
          "ticket:K1:r1",
          "ticket-resolved:K1:x",
          "ticket:K1:r2",
        ]);
        expect(none).toEqual([]);
      });

      it("leaves a reclaimer's live claim alone when the stale sender wakes up and fails", async () => {
        // Prepare: one sender claims, hangs past the stale timeout; a second one reclaims.
        const store = (await harness.fresh())({ staleSendingMs: 15 * MINUTE, maxAttempts: 5 });
        await store.enqueue([item("k1")]);
        await store.claimOutbox("k1", at(0));
        await store.claimOutbox("k1", at(15));

        // Act: the first sender wakes and reports its failure; then the reclaimer's fails too.
        await store.markFailed("k1", "the first sender woke up", at(20), at(0));
        const afterLateFailure = await store.getOutbox("k1");
        const thirdClaim = await store.claimOutbox("k1", at(21));
        await store.markFailed("k1", "the reclaimer failed", at(40), at(15));

        // Assess: the late failure changed nothing, so nobody else could claim the item meanwhile.
        expect(afterLateFailure).toMatchObject({ state: "sending", attempts: 2 });
        expect(afterLateFailure?.lastError).toBeUndefined();
        expect(thirdClaim).toBe(false);
        expect(await store.getOutbox("k1")).toMatchObject({
          state: "pending",
          attempts: 2,
          lastError: "the reclaimer failed",
          nextAttemptAt: at(40),
        });
      });

      it("offers a stale `sending` item again, and a late failure does not undo a send", async () => {
        // Prepare
        const store = (await harness.fresh())({ staleSendingMs: 15 * MINUTE });
        await store.enqueue([item("k1")]);
        await store.claimOutbox("k1", at(0)); // this sender dies mid-send

        // Act
        const dueTooEarly = await store.dueOutbox(at(14), 10);
        const reclaimTooEarly = await store.claimOutbox("k1", at(14));
        const dueWhenStale = await store.dueOutbox(at(15), 10);
        const reclaims = await Promise.all([
          store.claimOutbox("k1", at(15)),
          store.claimOutbox("k1", at(15)),
        ]);
        await store.markSent("k1", "receipt-2", at(16));
        await store.markFailed("k1", "the first sender woke up", at(20), at(0));

        // Assess
        expect(dueTooEarly).toEqual([]);
        expect(reclaimTooEarly).toBe(false);
        expect(dueWhenStale).toMatchObject([{ key: "k1", state: "sending", attempts: 1 }]);
        expect(reclaims.filter(Boolean)).toHaveLength(1);
        expect(await store.getOutbox("k1")).toMatchObject({
          state: "sent",
          receipt: "receipt-2",
          attempts: 2,
        });
      });
    });

    describe("departures and the accepted list", () => {
      it("stores a departure event once and gives it back with dates", async () => {
        // Prepare
        const open = await harness.fresh();
        const [a, b] = [open(), open()];
        const event = {
          eventId: "hr-evt-1",
          receivedAt: at(1),
          people: [
            {
              employeeId: "E100",
              emails: ["alice@corp.example"],
              aliases: ["alice", "asmith"],
              displayName: "Alice Smith",
              departedAt: new Date("2024-02-29T17:00:00.000Z"),
            },
          ],
        };

        // Act
        const puts = await Promise.all([a.putDepartureEvent(event), b.putDepartureEvent(event)]);
        const again = await a.putDepartureEvent({ ...event, receivedAt: at(2), people: [] });
        await a.putDepartureEvent({ eventId: "hr-evt-0", receivedAt: T0, people: [] });

        // Assess
        expect(puts.filter(Boolean)).toHaveLength(1);
        expect(again).toBe(false);
        expect(await b.listDepartureEvents()).toEqual([
          { eventId: "hr-evt-0", receivedAt: T0, people: [] },
          event,
        ]);
        // One event read alone, as the webhook reads an id's receipt: the first put's, or nothing.
        expect(await b.getDepartureEvent(event.eventId)).toEqual(event);
        expect(await b.getDepartureEvent("hr-evt-unknown")).toBeUndefined();
      });

      it("never lets an older list replace a newer one written at the same time", async () => {
        // Prepare: two stores (two scans) on one backing; many rounds, as the race is timing-bound.
        const open = await harness.fresh();
        const [a, b] = [open(), open()];
        const rounds = 40;
        let rolledBack = 0;

        // Act: each round, a newer list and a slower scan's older list (both newer than the last round's).
        for (let round = 0; round < rounds; round++) {
          const older = {
            origin: `s3://hr/v${2 * round + 1}.csv`,
            count: 2 * round + 1,
            acceptedAt: at(2 * round + 1),
          };
          const newer = {
            origin: `s3://hr/v${2 * round + 2}.csv`,
            count: 2 * round + 2,
            acceptedAt: at(2 * round + 2),
          };
          await Promise.all([a.putAcceptedListMeta(newer), b.putAcceptedListMeta(older)]);
          if ((await a.getAcceptedListMeta())?.count !== newer.count) rolledBack++;
        }

        // Assess
        expect(rolledBack).toBe(0);
      });

      it("remembers the last accepted list", async () => {
        // Prepare
        const store = (await harness.fresh())();

        // Act
        const before = await store.getAcceptedListMeta();
        await store.putAcceptedListMeta({ origin: "s3://hr/departures.csv", count: 12, acceptedAt: T0 });
        await store.putAcceptedListMeta({ origin: "s3://hr/departures.csv", count: 14, acceptedAt: at(60) });
        // A slower scan that accepted an older list finishes last: it does not win.
        await store.putAcceptedListMeta({ origin: "s3://hr/departures.csv", count: 13, acceptedAt: at(30) });

        // Assess
        expect(before).toBeUndefined();
        expect(await store.getAcceptedListMeta()).toEqual({
          origin: "s3://hr/departures.csv",
          count: 14,
          acceptedAt: at(60),
        });
      });
    });
  });
}
