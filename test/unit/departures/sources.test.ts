import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import type { Person } from "../../../lambdas/core/model.ts";
import { DepartureSourceError } from "../../../lambdas/departures/errors.ts";
import { triggerReceiptId } from "../../../lambdas/departures/events.ts";
import {
  departureSourceFromConfig,
  FileDepartureSource,
  StoreDepartureSource,
} from "../../../lambdas/departures/sources.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/local.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "departures-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function person(fields: Partial<Person> & { departedAt: Date }): Person {
  return { emails: [], aliases: [], ...fields };
}

describe("FileDepartureSource", () => {
  it("reads and validates a CSV file, with the path as origin", async () => {
    // Prepare
    const path = join(dir, "departures.csv");
    await writeFile(path, "email,departed_at\r\nada@example.com,2024-03-10\r\n");

    // Act
    const list = await new FileDepartureSource(path, { timeZone: "America/New_York" }).load();

    // Assess
    expect(list.origin).toBe(path);
    expect(list.rejected).toBe(false);
    expect(list.people[0]?.departedAt.toISOString()).toBe("2024-03-10T05:00:00.000Z");
  });

  it("detects JSON Lines from the extension", async () => {
    const path = join(dir, "departures.jsonl");
    await writeFile(path, '{"employee_id":"E1","departed_at":"2024-05-01"}\n\n');
    const list = await new FileDepartureSource(path, { timeZone: "UTC" }).load();
    expect(list.people.map((p) => p.employeeId)).toEqual(["E1"]);
  });

  it("throws DepartureSourceError naming the path for a missing file", async () => {
    const path = join(dir, "missing.csv");
    const load = new FileDepartureSource(path, { timeZone: "UTC" }).load();
    await expect(load).rejects.toBeInstanceOf(DepartureSourceError);
    await expect(load).rejects.toThrow(`departure list ${path}: cannot be read (ENOENT`);
  });

  it("refuses a file larger than maxBytes before reading it", async () => {
    const path = join(dir, "big.csv");
    await writeFile(path, "email,departed_at\nada@example.com,2024-05-01\n");
    await expect(new FileDepartureSource(path, { timeZone: "UTC", maxBytes: 10 }).load()).rejects.toThrow(
      /bytes, more than the 10 allowed/,
    );
  });
});

describe("StoreDepartureSource", () => {
  it("merges the people of stored webhook events and ignores trigger receipts", async () => {
    // Prepare
    const store = new LocalDirectoryStore(join(dir, "store"));
    const receivedAt = new Date("2024-05-01T00:00:00Z");
    await store.putDepartureEvent({
      eventId: "hr-1",
      receivedAt,
      people: [
        person({
          employeeId: "E1",
          emails: ["ada@example.com"],
          departedAt: new Date("2024-05-02T00:00:00Z"),
        }),
      ],
    });
    await store.putDepartureEvent({ eventId: triggerReceiptId("hr-1"), receivedAt, people: [] });
    await store.putDepartureEvent({
      eventId: "hr-2",
      receivedAt: new Date("2024-05-01T01:00:00Z"),
      people: [
        person({
          emails: ["ADA@example.com"],
          aliases: ["ada"],
          departedAt: new Date("2024-05-01T12:00:00Z"),
        }),
        person({ employeeId: "E2", departedAt: new Date("2024-06-01T00:00:00Z") }),
      ],
    });

    // Act
    const list = await new StoreDepartureSource(store, { origin: "local:store" }).load();

    // Assess
    expect(list.origin).toBe("local:store");
    expect(list.rejected).toBe(false);
    expect(list.rowCount).toBe(3);
    expect(list.people).toEqual([
      {
        employeeId: "E1",
        emails: ["ada@example.com"],
        aliases: ["ada"],
        departedAt: new Date("2024-05-01T12:00:00Z"),
      },
      { employeeId: "E2", emails: [], aliases: [], departedAt: new Date("2024-06-01T00:00:00Z") },
    ]);
  });

  it("rejects the list when two events give one email to two employee ids, naming the events", async () => {
    const store = new LocalDirectoryStore(join(dir, "store"));
    const at = new Date("2024-05-01T00:00:00Z");
    await store.putDepartureEvent({
      eventId: "a",
      receivedAt: at,
      people: [person({ employeeId: "E1", emails: ["x@example.com"], departedAt: at })],
    });
    await store.putDepartureEvent({
      eventId: "b",
      receivedAt: new Date(at.getTime() + 1),
      people: [person({ employeeId: "E2", emails: ["x@example.com"], departedAt: at })],
    });

    const list = await new StoreDepartureSource(store).load();

    expect(list.rejected).toBe(true);
    expect(list.people).toEqual([]);
    expect(list.errors[0]?.message).toContain("employee_id E1 (event a)");
  });

  it("names the event the conflicting person came from, and their place in it, not a line across events", async () => {
    // Prepare: hr-A names two people; hr-B's only person gives x@ for another employee id.
    const store = new LocalDirectoryStore(join(dir, "store"));
    const at = new Date("2024-05-01T00:00:00Z");
    await store.putDepartureEvent({
      eventId: "hr-A",
      receivedAt: at,
      people: [
        person({ employeeId: "1", emails: ["x@example.com"], departedAt: at }),
        person({ employeeId: "9", emails: ["y@example.com"], departedAt: at }),
      ],
    });
    await store.putDepartureEvent({
      eventId: "hr-B",
      receivedAt: new Date(at.getTime() + 1),
      people: [person({ employeeId: "2", emails: ["x@example.com"], departedAt: at })],
    });

    // Act
    const list = await new StoreDepartureSource(store).load();

    // Assess
    const message =
      "event hr-B: x@example.com is already given for employee_id 1 (event hr-A); one email cannot belong to two employee ids";
    expect(list.errors).toEqual([{ line: 1, field: "email", message }]);
    expect(list.rejectionReason).toBe(
      `1 conflicting departure (first: ${message}); strict mode rejects the whole list`,
    );
  });
});

describe("departureSourceFromConfig", () => {
  it("builds the configured source, or none", async () => {
    // Prepare
    const path = join(dir, "d.csv");
    await writeFile(path, "employee_id,departed_at\nE1,2024-05-01\n");
    const store = new LocalDirectoryStore(join(dir, "store"));

    // Act
    const none = departureSourceFromConfig(parseConfig({}).departures);
    const file = departureSourceFromConfig(
      parseConfig({ departures: { source: { type: "file", path } } }).departures,
    );
    const table = departureSourceFromConfig(
      parseConfig({
        departures: { source: { type: "dynamodb", table: "hygiene" } },
        store: { type: "dynamodb", table: "hygiene" },
      }).departures,
      { store },
    );

    // Assess
    expect(none).toBeUndefined();
    expect(file).toBeInstanceOf(FileDepartureSource);
    expect((await file?.load())?.people).toHaveLength(1);
    expect(table).toBeInstanceOf(StoreDepartureSource);
    expect((await table?.load())?.origin).toBe("dynamodb:hygiene");
  });

  it("throws DepartureSourceError when a needed client is missing", () => {
    const config = parseConfig({ departures: { source: { type: "s3", uri: "s3://hr/departures.csv" } } });
    expect(() => departureSourceFromConfig(config.departures)).toThrow(
      new DepartureSourceError("s3://hr/departures.csv", "needs an S3 client"),
    );
  });
});
