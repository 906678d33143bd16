/**
 * The scan lease and the revoker's last read, through the one use case and the real composition
 * root against the sandbox: work a dead or displaced scan left is retried by the next scan,
 * never done twice.
 *
 * - The lease is measured in real time, not on the scan's clock: a scan pinned to a later time
 *   cannot take over a dead scan's lease while that scan's requests may still be landing.
 * - A scan confirms its lease right before each credential's revocation, and writes nothing
 *   more once it lost it (taken over, lapsed, or not confirmable).
 * - The revoker reads a credential right before writing it: one already Inactive is not
 *   written again.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { type Clock, fixedClock } from "../../../lambdas/core/clock.ts";
import type { ActionRecord } from "../../../lambdas/core/model.ts";
import type { CredentialSource } from "../../../lambdas/core/ports/credential-source.ts";
import type { Store } from "../../../lambdas/core/ports/store.ts";
import {
  LEASE_TTL_MS,
  runScan,
  type ScanDependencies,
  type ScanLeaseOptions,
  type ScanReport,
} from "../../../lambdas/scan.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/index.ts";
import { createRuntime, scanDependencies } from "../../../lambdas/wiring.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const days = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();
const KEY_1 = "AKIAJANEKEY000000001";
const KEY_2 = "AKIAJANEKEY000000002";
const IAM_WRITES = ["iam:UpdateAccessKey", "iam:DeleteLoginProfile", "iam:PutUserPolicy"];

let sb: Sandbox;
let dir: string;
const savedEnv = { ...process.env };

beforeEach(async () => {
  sb = await startSandbox({
    scenario: {
      now: NOW.toISOString(),
      iam: {
        users: [
          {
            userName: "jane.doe",
            tags: { email: "jane.doe@corp.example" },
            createdAt: days(400),
            password: { createdAt: days(400), lastUsedAt: days(12) },
            accessKeys: [
              { id: KEY_1, createdAt: days(200), lastUsedAt: days(20), lastUsedService: "s3" },
              { id: KEY_2, createdAt: days(60), lastUsedAt: days(15), lastUsedService: "s3" },
            ],
          },
        ],
      },
    },
  });
  Object.assign(process.env, sb.env());
  dir = mkdtempSync(join(tmpdir(), "iam-hygiene-lease-"));
  writeFileSync(
    join(dir, "departures.csv"),
    `email,name,departed_at\njane.doe@corp.example,Jane Doe,${days(10)}\n`,
  );
});

afterEach(async () => {
  process.env = { ...savedEnv };
  await sb.close();
});

/** The deps of an applying scan at `at` on this test's store, changed by `adjust`. */
async function deps(
  at: Date,
  adjust: (d: ScanDependencies) => ScanDependencies = (d) => d,
): Promise<ScanDependencies> {
  const config = parseConfig({
    mode: "enforce",
    departures: { source: { type: "file", path: "departures.csv" } },
    store: { type: "local", dir: "state" },
    sources: { "aws-iam": { reportPollMs: 0 } },
  });
  const runtime = createRuntime({
    config,
    env: process.env,
    configPath: join(dir, "config.json"),
    clock: fixedClock(at),
  });
  return adjust(await scanDependencies(runtime));
}

const scan = async (d: ScanDependencies): Promise<ScanReport> => runScan(d, { apply: true, trigger: "test" });

/** The store with some methods replaced. */
function storeWith(store: Store, replaced: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property in replaced) return replaced[property as keyof Store];
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A source whose revoke runs `before` first. */
function sourceWith(
  source: CredentialSource,
  before: (...args: Parameters<CredentialSource["revoke"]>) => void,
): CredentialSource {
  return new Proxy(source, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === "revoke") {
        return async (...args: Parameters<CredentialSource["revoke"]>) => {
          before(...args);
          return target.revoke(...args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const iamWrites = (): number => IAM_WRITES.reduce((n, action) => n + (sb.calls()[action] ?? 0), 0);

const revokeRecords = (report: ScanReport) =>
  report.plan.items
    .filter((i) => i.decision.action === "revoke")
    .flatMap((i) => i.actions.filter((a) => a.type === "revoke"));

describe("the scan lease", () => {
  it("keeps a rerun out for the dead scan's lease in real time, whatever time the rerun is pinned to", async () => {
    // Prepare: a scan that dies before it can release its lease (its process was killed).
    const dead = await scan(
      await deps(NOW, (d) => ({ ...d, store: storeWith(d.store!, { releaseLease: async () => {} }) })),
    );
    expect(dead.status).toBe("completed");

    // Act: the scheduler's next run, pinned 16 minutes on (a scan's clock says when credentials
    // are judged, not how much real time passed); then one whose real time is past the lease.
    const atOnce = await scan(await deps(new Date(NOW.getTime() + 16 * 60_000)));
    const pastLease: ScanLeaseOptions = { clock: { now: () => new Date(Date.now() + LEASE_TTL_MS + 1_000) } };
    const afterLease = await scan(
      await deps(new Date(NOW.getTime() + 16 * 60_000), (d) => ({ ...d, lease: pastLease })),
    );

    // Assess
    expect(atOnce.status).toBe("busy");
    expect(afterLease.status).toBe("completed");
  });

  it.each([
    ["taken over by another scan", "taken"],
    ["lapsed before it was renewed", "lapsed"],
    ["not confirmable (the store is unreachable)", "unreachable"],
  ] as const)("writes nothing more once the lease is %s", async (_, how) => {
    // Prepare: the lease changes hands (or cannot be confirmed) while the scan evaluates.
    let offsetMs = 0;
    const leaseClock: Clock = { now: () => new Date(Date.now() + offsetMs) };
    const other = new LocalDirectoryStore(join(dir, "state"));
    let evaluated = false;
    const d = await deps(NOW, (d) => ({
      ...d,
      lease: { clock: leaseClock },
      progress: (phase) => {
        if (phase !== "evaluating" || evaluated) return;
        evaluated = true;
        if (how !== "unreachable") offsetMs = LEASE_TTL_MS + 1_000;
        if (how === "taken") void other.acquireLease("scan", "another-scan", LEASE_TTL_MS, leaseClock.now());
      },
      store:
        how === "unreachable"
          ? storeWith(d.store!, {
              acquireLease: async (name, holder, ttlMs, now) => {
                if (evaluated) throw new Error("store unreachable");
                return d.store!.acquireLease(name, holder, ttlMs, now);
              },
            })
          : d.store!,
    }));

    // Act
    const report = await scan(d);

    // Assess: nothing written to IAM, every revocation left for the next scan.
    expect(report.status).toBe("completed");
    expect(iamWrites()).toBe(0);
    expect(sb.iam.accessKeys.get(KEY_1)?.status).toBe("Active");
    const records = revokeRecords(report);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      expect(record.status).toBe("skipped");
      expect(record.detail).toContain("the scan lease was not confirmed, left for the next scan");
    }
    if (how === "taken") {
      // Still the other scan's: the displaced one did not release it.
      expect(
        await other.acquireLease("scan", "a-third-scan", LEASE_TTL_MS, leaseClock.now()),
      ).toBeUndefined();
    }
  });
});

describe("the revoker's last read", () => {
  it("does not deactivate a key again that went Inactive after discovery", async () => {
    // Prepare: KEY_1 goes Inactive between the plan and its write (a human in the console, or
    // the request of a scan that died landing late).
    const d = await deps(NOW, (d) => ({
      ...d,
      sources: d.sources.map((s) =>
        sourceWith(s, (credential) => {
          if (credential.nativeId === KEY_1) sb.iam.accessKeys.get(KEY_1)!.status = "Inactive";
        }),
      ),
    }));

    // Act
    const report = await scan(d);

    // Assess: KEY_2 written once, KEY_1 not at all; both verified.
    expect(sb.calls()["iam:UpdateAccessKey"]).toBe(1);
    const item = report.plan.items.find(
      (i) => i.finding.credential?.nativeId === KEY_1 && i.decision.action === "revoke",
    )!;
    expect(item.actions.map((a) => [a.type, a.status, a.detail])).toEqual(
      expect.arrayContaining([
        [
          "revoke",
          "skipped",
          `UpdateAccessKey ${KEY_1} Inactive (user jane.doe): not sent, it is already Inactive`,
        ],
        ["verify", "verified", `access key ${KEY_1} of jane.doe is Inactive`],
      ]),
    );
    expect(sb.iam.accessKeys.get(KEY_2)?.status).toBe("Inactive");
  });
});

describe("a store that fails while a revocation is recorded", () => {
  it("stops neither the other revocations nor the scan, and loses and doubles no record", async () => {
    // Prepare: the store times out once, on the first revocation outcome it is asked to keep.
    let failures = 0;
    const d = await deps(NOW, (d) => ({
      ...d,
      store: storeWith(d.store!, {
        recordAction: async (findingId, action) => {
          if (failures === 0 && action.type === "revoke" && action.status === "done") {
            failures++;
            throw new Error("store timed out");
          }
          return d.store!.recordAction(findingId, action);
        },
      }),
    }));

    // Act
    const report = await scan(d);

    // Assess: every revocation made and verified, and the store holds each record once.
    expect(failures).toBe(1);
    expect(report.status).toBe("completed");
    expect(sb.iam.accessKeys.get(KEY_1)?.status).toBe("Inactive");
    expect(sb.iam.accessKeys.get(KEY_2)?.status).toBe("Inactive");
    const store = new LocalDirectoryStore(join(dir, "state"));
    const revoked = report.plan.items.filter((i) => i.decision.action === "revoke");
    expect(revoked.length).toBeGreaterThanOrEqual(3);
    for (const item of revoked) {
      const kept = (await store.getFinding(item.finding.id))!.actions.filter((a) => a.status !== "planned");
      const made = item.actions.filter((a) => a.status !== "planned");
      expect(
        kept.map((a) => [a.type, a.status, a.detail]),
        item.finding.summary,
      ).toEqual(made.map((a) => [a.type, a.status, a.detail]));
      expect(made.some((a) => a.type === "verify" && a.status === "verified")).toBe(true);
    }
  });
});

describe("the lease at the end of a scan", () => {
  it("is free when the scan has finished, even with a renewal in flight as it ends", async () => {
    // Prepare: renewals take 300 ms (a throttled store) and start every 100 ms; the scan's
    // notification step takes long enough for one to be in flight when the scan finishes.
    const real = new LocalDirectoryStore(join(dir, "lease-state"));
    let acquisitions = 0;
    const slow = storeWith(real, {
      acquireLease: async (...args: Parameters<Store["acquireLease"]>) => {
        if (acquisitions++ > 0) await new Promise((r) => setTimeout(r, 300));
        return real.acquireLease(...args);
      },
    });
    const notify = async () => {
      await new Promise((r) => setTimeout(r, 150));
      return { enqueued: 0, sent: 0, failed: 0, pending: 0 };
    };

    // Act
    const report = await runScan(
      {
        config: parseConfig({ mode: "enforce" }),
        clock: { now: () => new Date() },
        sources: [],
        store: slow,
        notify,
        lease: { ttlMs: 120_000, renewEveryMs: 100 },
      },
      { apply: true, trigger: "test", scanId: "scan-A" },
    );
    await new Promise((r) => setTimeout(r, 400));
    const next = await real.acquireLease("scan", "scan-B", 120_000, new Date());

    // Assess: a renewal ran, and the next scan gets the lease at once.
    expect(report.status).toBe("completed");
    expect(acquisitions).toBeGreaterThan(1);
    expect(next).toBeDefined();
  });
});

describe("a revocation whose scan died before recording it", () => {
  it.each([
    {
      what: "a deactivated key",
      sent: KEY_1,
      finding: `:access-key:${KEY_1}`,
      intent: `sending revocation of access-key ${KEY_1}`,
      landed: `access-key ${KEY_1} found inactive: the revocation sent at`,
      writes: { "iam:UpdateAccessKey": 2 },
    },
    {
      what: "a deleted console password",
      sent: "DeleteLoginProfile",
      finding: ":console-password:jane.doe",
      intent: "sending revocation of console-password jane.doe",
      landed: ":console-password:jane.doe found gone: the revocation sent at",
      writes: { "iam:DeleteLoginProfile": 1 },
    },
  ])(
    "is recorded as sent before the write, and verified by the next scan that finds it landed: $what",
    async ({ sent, finding, intent, landed, writes }) => {
      // Prepare: the first scan's process dies right after the write landed, before its outcome
      // reached the store: from then on nothing it does reaches the store.
      let dead = false;
      const died = await deps(NOW, (d) => ({
        ...d,
        store: new Proxy(d.store!, {
          get(target, property) {
            const value = Reflect.get(target, property, target);
            if (typeof value !== "function") return value;
            return async (...args: unknown[]) => {
              const action = property === "recordAction" ? (args[1] as ActionRecord) : undefined;
              if (action && action.status !== "planned" && action.detail.includes(sent)) dead = true;
              if (dead) throw new Error("process killed");
              return value.apply(target, args);
            };
          },
        }),
      }));
      await expect(scan(died)).rejects.toThrow("process killed");
      const store = new LocalDirectoryStore(join(dir, "state"));
      const theFinding = async () =>
        (await store.listFindings()).find(
          (h) => h.credentialId?.endsWith(finding) && h.ruleId === "departed-owner-active-credential",
        )!;
      expect((await theFinding()).actions.map((a) => [a.type, a.status, a.detail])).toEqual([
        ["revoke", "planned", intent],
      ]);

      // Act: the next scan, after the dead one's lease.
      const pastLease: ScanLeaseOptions = {
        clock: { now: () => new Date(Date.now() + LEASE_TTL_MS + 1_000) },
      };
      const next = await scan(
        await deps(new Date(NOW.getTime() + 3_600_000), (d) => ({ ...d, lease: pastLease })),
      );

      // Assess: not written again (each write made once in all); its finding says the earlier
      // write landed, and so does the run.
      expect(next.status).toBe("completed");
      const history = await theFinding();
      expect(history.status).toBe("resolved");
      expect(history.actions.at(-1)).toMatchObject({
        type: "verify",
        status: "verified",
        detail: expect.stringContaining(landed),
      });
      expect(next.notes.join(" ")).toMatch(/found landed and recorded verified: /);
      expect(sb.calls()).toMatchObject(writes);
      expect(sb.iam.accessKeys.get(KEY_1)?.status).toBe("Inactive");
      expect(sb.iam.users.get("jane.doe")?.loginProfile).toBeUndefined();
    },
  );
});
