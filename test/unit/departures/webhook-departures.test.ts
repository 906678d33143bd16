/**
 * The webhook's stored departures merged into every scan's list: a person only an event names
 * stays (the list's silence is not a removal), a person the list took over is removed when the
 * list drops them, and the list's validation and merge rules apply to events too.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Person } from "../../../lambdas/core/model.ts";
import type { DepartureList, DepartureSource } from "../../../lambdas/core/ports/departure-source.ts";
import { DepartureSourceError } from "../../../lambdas/departures/errors.ts";
import { supersededId, triggerReceiptId } from "../../../lambdas/departures/events.ts";
import { parseDepartureList } from "../../../lambdas/departures/parse.ts";
import {
  recordSupersessions,
  supersessionsOf,
  WebhookDeparturesSource,
} from "../../../lambdas/departures/webhook-departures.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/local.ts";

const AT = new Date("2026-06-01T00:00:00Z");
let dir: string;
let store: LocalDirectoryStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "webhook-departures-"));
  store = new LocalDirectoryStore(join(dir, "store"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function person(fields: Partial<Person> & { departedAt: Date }): Person {
  return { emails: [], aliases: [], ...fields };
}

/** A list source answering whatever CSV it currently holds, like an S3 object HR replaces. */
class CsvList implements DepartureSource {
  constructor(
    public csv: string,
    private readonly lenient = false,
  ) {}
  async load(): Promise<DepartureList> {
    return parseDepartureList(this.csv, {
      origin: "s3://hr/departures.csv",
      timeZone: "UTC",
      lenient: this.lenient,
    });
  }
}

async function storeEvent(eventId: string, people: Person[]): Promise<void> {
  await store.putDepartureEvent({ eventId, receivedAt: AT, people });
}

const emails = (list: DepartureList) => list.people.flatMap((p) => p.emails).sort();

describe("WebhookDeparturesSource", () => {
  it("adds the people only a webhook event names to the list, ignoring receipts", async () => {
    // Prepare
    await storeEvent("hr-1", [
      person({ emails: ["bob@corp.example"], departedAt: new Date("2026-07-01T00:00:00Z") }),
    ]);
    await store.putDepartureEvent({ eventId: triggerReceiptId("hr-1"), receivedAt: AT, people: [] });
    const list = new CsvList("email,departed_at\nada@corp.example,2026-05-01\n");

    // Act
    const merged = await new WebhookDeparturesSource(store, list).load();

    // Assess
    expect(merged.rejected).toBe(false);
    expect(emails(merged)).toEqual(["ada@corp.example", "bob@corp.example"]);
    expect(merged.origin).toBe("s3://hr/departures.csv + 1 webhook departure");
    expect(merged.rowCount).toBe(2);
    // Bob is not on the list: nothing supersedes his event.
    expect(supersessionsOf(merged)).toEqual([]);
  });

  it("keeps a webhook-only person on every later list: the list's silence is not a removal", async () => {
    await storeEvent("hr-1", [
      person({ emails: ["bob@corp.example"], departedAt: new Date("2026-07-01T00:00:00Z") }),
    ]);
    const list = new CsvList("email,departed_at\nada@corp.example,2026-05-01\n");
    const source = new WebhookDeparturesSource(store, list);
    await recordSupersessions(store, await source.load(), AT);

    list.csv = "email,departed_at\ncy@corp.example,2026-05-02\n";
    const later = await source.load();

    expect(emails(later)).toEqual(["bob@corp.example", "cy@corp.example"]);
  });

  it("merges a person the list and an event both name (earliest date), and the list's removal removes them", async () => {
    // Prepare: the event says 1 July, the list 15 July.
    await storeEvent("hr-1", [
      person({
        emails: ["Bob@Corp.example"],
        employeeId: "E7",
        departedAt: new Date("2026-07-01T00:00:00Z"),
      }),
    ]);
    const list = new CsvList("email,departed_at\nbob@corp.example,2026-07-15\nada@corp.example,2026-05-01\n");
    const source = new WebhookDeparturesSource(store, list);

    // Act: a scan accepts the list naming Bob, then HR removes him (a re-hire).
    const first = await source.load();
    const stored = await recordSupersessions(store, first, AT);
    const whileNamed = await source.load();
    list.csv = "email,departed_at\nada@corp.example,2026-05-01\n";
    const afterRemoval = await source.load();

    // Assess
    expect(first.people).toHaveLength(2);
    expect(first.people.find((p) => p.employeeId === "E7")?.departedAt).toEqual(
      new Date("2026-07-01T00:00:00Z"),
    );
    expect(supersessionsOf(first)).toEqual([supersededId("hr-1", 0)]);
    expect(stored).toBe(1);
    // While the list names him, the event still lends its earlier date; it is no longer "live".
    expect(whileNamed.people.find((p) => p.employeeId === "E7")?.departedAt).toEqual(
      new Date("2026-07-01T00:00:00Z"),
    );
    expect(whileNamed.origin).toBe("s3://hr/departures.csv");
    expect(emails(afterRemoval)).toEqual(["ada@corp.example"]);
  });

  it("supersedes only the event people the list names", async () => {
    await storeEvent("hr-2", [
      person({ emails: ["bob@corp.example"], departedAt: new Date("2026-07-01T00:00:00Z") }),
      person({ employeeId: "E9", departedAt: new Date("2026-07-02T00:00:00Z") }),
    ]);
    const list = new CsvList("employee_id,departed_at\nE9,2026-07-03\n");
    const source = new WebhookDeparturesSource(store, list);
    await recordSupersessions(store, await source.load(), AT);
    list.csv = "employee_id,departed_at\nE10,2026-07-03\n";

    const later = await source.load();

    expect(later.people.map((p) => p.emails[0] ?? p.employeeId).sort()).toEqual(["E10", "bob@corp.example"]);
  });

  it("stores no supersession for a rejected list, and says the webhook departures wait", async () => {
    await storeEvent("hr-1", [person({ emails: ["bob@corp.example"], departedAt: AT })]);
    const list = new CsvList("email,departed_at\nbob@corp.example,yesterday\n");

    const merged = await new WebhookDeparturesSource(store, list).load();
    const stored = await recordSupersessions(store, { ...merged, rejected: true }, AT);

    expect(merged.rejected).toBe(true);
    expect(merged.people).toEqual([]);
    expect(merged.rejectionReason).toMatch(/1 webhook departure not yet on an accepted list waits for one$/);
    expect(stored).toBe(0);
    expect((await store.listDepartureEvents()).map((e) => e.eventId)).toEqual(["hr-1"]);
  });

  it("rejects the whole list in strict mode when an event gives a listed email to another employee id", async () => {
    await storeEvent("hr-3", [person({ employeeId: "E2", emails: ["ada@corp.example"], departedAt: AT })]);
    const csv = "email,employee_id,departed_at\nada@corp.example,E1,2026-05-01\n";

    const strict = await new WebhookDeparturesSource(store, new CsvList(csv)).load();
    const lenient = await new WebhookDeparturesSource(store, new CsvList(csv, true), {
      lenient: true,
    }).load();

    expect(strict.rejected).toBe(true);
    expect(strict.rejectionReason).toMatch(
      /^1 webhook departure conflicts with the list or another event \(first: webhook event hr-3: /,
    );
    expect(lenient.rejected).toBe(false);
    expect(lenient.people.map((p) => p.employeeId)).toEqual(["E1"]);
    expect(lenient.errors[0]?.message).toMatch(
      /^webhook event hr-3: ada@corp\.example is already given for employee_id E1/,
    );
    expect(supersessionsOf(lenient)).toEqual([]);
  });

  it("is the events alone without a list, and the empty list without events", async () => {
    const none = await new WebhookDeparturesSource(store, undefined).load();
    await storeEvent("hr-1", [person({ emails: ["bob@corp.example"], departedAt: AT })]);
    const onlyEvents = await new WebhookDeparturesSource(store, undefined).load();

    expect(none).toEqual({ origin: "none", people: [], errors: [], rejected: false, rowCount: 0 });
    expect(onlyEvents.origin).toBe("webhook-events");
    expect(emails(onlyEvents)).toEqual(["bob@corp.example"]);
  });

  it("throws DepartureSourceError when the stored events cannot be read", async () => {
    const broken = Object.assign(Object.create(store) as LocalDirectoryStore, {
      listDepartureEvents: async () => {
        throw new Error("store down");
      },
    });
    await expect(new WebhookDeparturesSource(broken, undefined).load()).rejects.toBeInstanceOf(
      DepartureSourceError,
    );
  });
});
