/**
 * What only the local directory store has: races between separate processes, a lock left
 * behind by a process that died, files it cannot read, and the on-disk layout.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenerationLock, JsonFiles } from "../../../lambdas/store/files.ts";
import { CorruptRecordError, LocalDirectoryStore } from "../../../lambdas/store/index.ts";

const run = promisify(execFile);
const T0 = new Date("2024-03-01T09:00:00.000Z");
const WORKER = new URL("./lease-worker.ts", import.meta.url).pathname;
const TSX = new URL("../../../node_modules/.bin/tsx", import.meta.url).pathname;

let root: string;
let dirs = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "iam-hygiene-local-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
function freshDir(): string {
  return join(root, `store-${++dirs}`);
}

async function raceProcesses(dir: string, what: "lease" | "claim", count: number): Promise<boolean[]> {
  const startAt = Date.now() + 1_500; // after every worker has loaded
  const outputs = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      run(TSX, [WORKER, dir, `process-${i}`, String(startAt), what], { timeout: 20_000 }),
    ),
  );
  return outputs.map(({ stdout }) => (JSON.parse(stdout.trim()) as { won: boolean }).won);
}

describe("LocalDirectoryStore across processes", () => {
  it("gives the lease to exactly one of several processes", async () => {
    // Prepare
    const dir = freshDir();

    // Act
    const won = await raceProcesses(dir, "lease", 4);

    // Assess
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it("lets exactly one of several processes claim an outbox item", async () => {
    // Prepare
    const dir = freshDir();
    await new LocalDirectoryStore(dir).enqueue([{ key: "k1", channel: "slack", payload: {}, createdAt: T0 }]);

    // Act
    const won = await raceProcesses(dir, "claim", 4);

    // Assess
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await new LocalDirectoryStore(dir).getOutbox("k1")).toMatchObject({
      state: "sending",
      attempts: 1,
    });
  });
});

describe("LocalDirectoryStore on disk", () => {
  it("takes over the store lock of a process that died holding it", async () => {
    // Prepare: the lock a crashed process left, expired a minute ago
    const dir = freshDir();
    await mkdir(join(dir, "locks", "store"), { recursive: true });
    await writeFile(
      join(dir, "locks", "store", "000000000007.json"),
      JSON.stringify({ holder: "dead-process", expiresAtMs: Date.now() - 60_000 }),
    );
    const store = new LocalDirectoryStore(dir);

    // Act
    await store.observeFindings(
      "scan-1",
      [
        {
          finding: {
            id: "f1",
            ruleId: "unused-credential",
            severity: "low",
            title: "t",
            summary: "s",
            evidence: {},
          },
          status: "open",
        },
      ],
      T0,
    );

    // Assess
    expect((await store.getFinding("f1"))?.status).toBe("open");
    const generations = (await readdir(join(dir, "locks", "store"))).sort();
    expect(generations.at(-1)).toBe("000000000009.json"); // taken (8), released (9)
  });

  it("keeps only the last generations of a lock", async () => {
    // Prepare
    const dir = freshDir();
    const lock = new GenerationLock(join(dir, "lock"), new JsonFiles(dir));

    // Act
    for (let i = 0; i < 10; i++) {
      await lock.tryAcquire("me", 1_000, 0);
      await lock.release("me");
    }

    // Assess
    expect((await readdir(join(dir, "lock"))).sort()).toEqual(["000000000019.json", "000000000020.json"]);
    expect(await lock.tryAcquire("other", 1_000, 0)).toBe(1_000);
  });

  it("backs off when it re-creates a pruned generation long after the fact", async () => {
    // Prepare: generation 5 is current; a slow process read generation 1 long ago
    const dir = freshDir();
    const files = new JsonFiles(dir);
    await mkdir(join(dir, "lock"), { recursive: true });
    await writeFile(join(dir, "lock", "000000000005.json"), JSON.stringify({ holder: null, expiresAtMs: 0 }));
    const lock = new GenerationLock(join(dir, "lock"), files);
    const advance = (
      lock as unknown as { advance(g: number, s: { holder: string; expiresAtMs: number }): Promise<boolean> }
    ).advance.bind(lock);

    // Act
    const stale = await advance(1, { holder: "slow", expiresAtMs: 1_000 });

    // Assess
    expect(stale).toBe(false);
    expect(await readdir(join(dir, "lock"))).toEqual(["000000000005.json"]);
  });

  it("reports a file it cannot parse instead of treating it as absent", async () => {
    // Prepare
    const dir = freshDir();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "accepted-list.json"), "{ not json");

    // Act
    const read = new LocalDirectoryStore(dir).getAcceptedListMeta();

    // Assess
    await expect(read).rejects.toBeInstanceOf(CorruptRecordError);
  });

  it("leaves no temporary files behind", async () => {
    // Prepare
    const dir = freshDir();
    const store = new LocalDirectoryStore(dir);

    // Act
    await store.enqueue([
      { key: "k1", channel: "slack", payload: {}, createdAt: T0 },
      { key: "k1", channel: "slack", payload: {}, createdAt: T0 },
    ]);
    await store.claimOutbox("k1", T0);
    await store.putDepartureEvent({ eventId: "e1", receivedAt: T0, people: [] });

    // Assess
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(["departures", "locks", "outbox", "tmp"]);
  });

  it("prunes sent items past their retention", async () => {
    // Prepare
    const store = new LocalDirectoryStore(freshDir(), { sentRetentionMs: 60_000 });
    await store.enqueue([{ key: "k1", channel: "slack", payload: {}, createdAt: T0 }]);
    await store.claimOutbox("k1", T0);
    await store.markSent("k1", "ts-1", T0);

    // Act
    await store.dueOutbox(new Date(T0.getTime() + 60_001), 10);

    // Assess
    expect(await store.getOutbox("k1")).toBeUndefined();
  });
});
