/**
 * A small company for reliability runs: the sandbox (behind a counting proxy) with departed
 * users ("leavers", two keys each, one of them used after leaving) and colleagues who stay
 * ("bystanders"), a departure file, a local store and audit file, fake Slack and Jira, and a
 * configuration in enforce mode. Scans go through the real composition root (`createRuntime`,
 * `scanDependencies`, `runScan`), in-process or in a child process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../lambdas/config.ts";
import { fixedClock } from "../../lambdas/core/clock.ts";
import type { Plan } from "../../lambdas/core/plan.ts";
import { runScan, type ScanLeaseOptions, type ScanReport, type ScanRequest } from "../../lambdas/scan.ts";
import { LocalDirectoryStore } from "../../lambdas/store/local.ts";
import { createRuntime, scanDependencies } from "../../lambdas/wiring.ts";
import { type Sandbox, type ScenarioUser, startSandbox } from "../../sandbox/index.ts";
import { FakeJira } from "../../sandbox/providers/jira.ts";
import { FakeSlack } from "../../sandbox/providers/slack.ts";
import { CountingProxy } from "./proxy.ts";

/** The time every scan of a world is pinned to (plus offsets). */
export const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
const iso = (daysAgo: number): string => new Date(NOW.getTime() - daysAgo * DAY).toISOString();
export const SECURITY_CHANNEL = "CSECURITY";

/** How big a world is. */
export interface WorldSize {
  readonly leavers: number;
  readonly bystanders: number;
}

/** What a world looks like after some runs: the invariants a reliability run checks. */
export interface WorldCheck {
  /** Leavers' keys that are Inactive, of all leavers' keys. */
  readonly leaverKeysInactive: number;
  readonly leaverKeys: number;
  /** Bystanders' keys still Active, and writes aimed at bystanders (must be 0). */
  readonly bystanderKeysActive: number;
  readonly bystanderKeys: number;
  readonly writesOnBystanders: number;
  /**
   * Most `UpdateAccessKey` calls the sandbox applied to one key (1 = no duplicate); the SDK's
   * re-sends of one call count once (`CountingProxy.perTarget`).
   */
  readonly maxUpdatesPerKey: number;
  /** The same, every applied request counted: above the calls when the SDK re-sent a write whose answer was lost. */
  readonly maxUpdateRequestsPerKey: number;
  /** Most scans whose audit record shows a done revocation of one credential (1 = no duplicate). */
  readonly maxAuditedRevocationsPerCredential: number;
  /** Audit records of type scan, by status. */
  readonly auditRecords: Readonly<Record<string, number>>;
  /** Slack messages posted, and the most posted under one idempotency key (1 = no duplicate). */
  readonly slackMessages: number;
  readonly maxSlackPerKey: number;
  /** Jira issues, and the most issues with one ticket label (1 = no duplicate). */
  readonly jiraIssues: number;
  readonly maxJiraPerLabel: number;
  /** Outbox items still waiting (due at any time), and dead ones. */
  readonly outboxPending: number;
}

/** Finding ids and decisions of a plan, sorted: what "the same findings" compares. */
export function decisionsOf(plan: Plan): string[] {
  return plan.items.map((i) => `${i.finding.id} ${i.decision.action}`).sort();
}

/** A running world. Close it. */
export class World {
  /** The AWS clients' request deadline for the next scans (`ClientSettings.requestTimeoutMs`). @default the production one */
  awsRequestTimeoutMs: number | undefined;
  readonly leaverKeys: string[] = [];
  readonly bystanderKeys: string[] = [];
  readonly bystanderUsers: string[] = [];

  private constructor(
    readonly size: WorldSize,
    readonly sb: Sandbox,
    readonly proxy: CountingProxy,
    readonly slack: FakeSlack,
    readonly jira: FakeJira,
    readonly dir: string,
  ) {}

  /** Starts the sandbox, proxy and fakes, and writes the departure file and configuration. */
  static async create(size: WorldSize): Promise<World> {
    const users: ScenarioUser[] = [];
    const leaverKeys: string[] = [];
    const bystanderKeys: string[] = [];
    for (let i = 0; i < size.leavers; i++) {
      const keys = [`AKIALEAVERA${String(i).padStart(9, "0")}`, `AKIALEAVERB${String(i).padStart(9, "0")}`];
      leaverKeys.push(...keys);
      users.push({
        userName: `leaver${i}`,
        tags: { email: `leaver${i}@corp.example` },
        createdAt: iso(400),
        password: { createdAt: iso(400), lastUsedAt: iso(9) },
        mfa: true,
        accessKeys: [
          { id: keys[0]!, createdAt: iso(60), lastUsedAt: iso(10), lastUsedService: "s3" },
          // The first leaver's second key was used after they left: an incident with CloudTrail evidence.
          { id: keys[1]!, createdAt: iso(30), lastUsedAt: iso(i === 0 ? 1 : 12), lastUsedService: "sts" },
        ],
      });
    }
    const bystanderUsers: string[] = [];
    for (let i = 0; i < size.bystanders; i++) {
      const key = `AKIASTAYER${String(i).padStart(10, "0")}`;
      bystanderKeys.push(key);
      bystanderUsers.push(`stayer${i}`);
      users.push({
        userName: `stayer${i}`,
        tags: { email: `stayer${i}@corp.example` },
        createdAt: iso(300),
        accessKeys: [{ id: key, createdAt: iso(20), lastUsedAt: iso(1), lastUsedService: "s3" }],
      });
    }
    const sb = await startSandbox({ scenario: { now: NOW.toISOString(), iam: { users } } });
    const proxy = await CountingProxy.start(sb.endpoint);
    const managers: Record<string, string> = {};
    for (let m = 0; m < 3; m++) managers[`manager${m}@corp.example`] = `UMGR${m}`;
    const slack = await FakeSlack.start({ users: managers, channels: [SECURITY_CHANNEL] });
    const jira = await FakeJira.start();
    const dir = mkdtempSync(join(tmpdir(), "iam-hygiene-reliability-"));
    const world = new World(size, sb, proxy, slack, jira, dir);
    world.leaverKeys.push(...leaverKeys);
    world.bystanderKeys.push(...bystanderKeys);
    world.bystanderUsers.push(...bystanderUsers);
    const rows = ["email,name,departed_at,manager_email"];
    for (let i = 0; i < size.leavers; i++)
      rows.push(`leaver${i}@corp.example,Leaver ${i},${iso(5)},manager${i % 3}@corp.example`);
    writeFileSync(join(dir, "departures.csv"), `${rows.join("\n")}\n`);
    world.writeConfig();
    return world;
  }

  get configPath(): string {
    return join(this.dir, "config.json");
  }

  /** The configuration every scan of this world reads (`overrides` replace top-level keys). */
  configObject(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      mode: "enforce",
      departures: {
        source: { type: "file", path: "departures.csv" },
        maxShareOfIdentities: 1,
        maxGrowthFactor: 1000,
      },
      brake: { maxRevocationsPerRun: 1000, maxRevocationFraction: 1 },
      store: { type: "local", dir: "state" },
      audit: { type: "file", path: "audit.jsonl" },
      sources: { "aws-iam": { reportPollMs: 20, concurrency: 4 } },
      notifications: {
        slack: {
          enabled: true,
          token: { env: "RELIABILITY_SLACK_TOKEN" },
          securityChannel: SECURITY_CHANNEL,
          apiUrl: this.slack.apiUrl,
        },
      },
      tickets: {
        type: "jira",
        host: this.jira.host,
        projectKey: "SEC",
        email: "bot@example.com",
        apiToken: { env: "RELIABILITY_JIRA_TOKEN" },
      },
      ...overrides,
    };
  }

  writeConfig(overrides: Record<string, unknown> = {}): void {
    writeFileSync(this.configPath, JSON.stringify(this.configObject(overrides), null, 2));
  }

  /** Environment for a scan of this world (in this process or a child). */
  env(): Record<string, string> {
    return {
      ...this.sb.env(),
      AWS_ENDPOINT_URL: this.proxy.endpoint,
      RELIABILITY_SLACK_TOKEN: "xoxb-test",
      RELIABILITY_JIRA_TOKEN: "jira-token",
    };
  }

  /**
   * One scan in this process through the real composition root. The world's environment is set
   * and left in place (not restored): SDK clients read region and endpoint lazily, so restoring
   * it when one of two concurrent scans ends would pull it from under the other.
   */
  async scan(
    options: { at?: Date; apply?: boolean; trigger?: string; lease?: ScanLeaseOptions } = {},
  ): Promise<ScanReport> {
    Object.assign(process.env, this.env());
    const config = parseConfigText(readFileSync(this.configPath, "utf8"), this.configPath);
    const runtime = createRuntime({
      config,
      env: process.env,
      configPath: this.configPath,
      clock: fixedClock(options.at ?? NOW),
      ...(this.awsRequestTimeoutMs !== undefined
        ? { clientSettings: { requestTimeoutMs: this.awsRequestTimeoutMs } }
        : {}),
    });
    try {
      const request: ScanRequest = {
        apply: options.apply ?? true,
        trigger: options.trigger ?? "reliability",
      };
      const deps = await scanDependencies(runtime);
      return await runScan(options.lease ? { ...deps, lease: options.lease } : deps, request);
    } finally {
      for (const client of [runtime.clients.iam(), runtime.clients.sts(), runtime.clients.cloudTrail()])
        client.destroy();
    }
  }

  store(): LocalDirectoryStore {
    return new LocalDirectoryStore(join(this.dir, "state"));
  }

  /** The audit records written so far. */
  audit(): Array<Record<string, unknown>> {
    try {
      return readFileSync(join(this.dir, "audit.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch {
      return [];
    }
  }

  /** IAM state that a refused input must leave alone. */
  iamSnapshot(): string {
    const keys = [...this.leaverKeys, ...this.bystanderKeys].map(
      (id) => `${id}=${this.sb.iam.accessKeys.get(id)?.status}`,
    );
    const users = [...this.sb.iam.users.values()].map(
      (u) => `${u.userName}:${u.loginProfile ? "pw" : "-"}:${[...u.inlinePolicies.keys()].join("+")}`,
    );
    return [...keys, ...users].join("\n");
  }

  /** Checks every invariant. */
  async check(): Promise<WorldCheck> {
    const status = (id: string) => this.sb.iam.accessKeys.get(id)?.status;
    const updates = this.proxy.perTarget("UpdateAccessKey");
    const bystanders = new Set([...this.bystanderKeys, ...this.bystanderUsers]);
    const revokedIn = new Map<string, number>();
    const auditRecords: Record<string, number> = {};
    for (const record of this.audit()) {
      if (record.type !== "scan") continue;
      const key = String(record.status);
      auditRecords[key] = (auditRecords[key] ?? 0) + 1;
      const done = new Set<string>();
      for (const f of (record.findings ?? []) as Array<{ credentialId: string | null; actions: unknown[] }>) {
        const acted = (f.actions as Array<{ type: string; status: string }>).some(
          (a) => a.type === "revoke" && a.status === "done",
        );
        if (acted && f.credentialId) done.add(f.credentialId);
      }
      for (const id of done) revokedIn.set(id, (revokedIn.get(id) ?? 0) + 1);
    }
    const perSlackKey = new Map<string, number>();
    for (const m of this.slack.messages) {
      const key = String(m.metadata?.event_payload.key ?? m.ts);
      perSlackKey.set(key, (perSlackKey.get(key) ?? 0) + 1);
    }
    const perLabel = new Map<string, number>();
    for (const issue of this.jira.issues)
      for (const label of issue.labels.filter((l) => l.startsWith("iam-hygiene-")))
        perLabel.set(label, (perLabel.get(label) ?? 0) + 1);
    const pending = await this.store().dueOutbox(new Date(NOW.getTime() + 365 * DAY), 10_000);
    return {
      leaverKeysInactive: this.leaverKeys.filter((k) => status(k) === "Inactive").length,
      leaverKeys: this.leaverKeys.length,
      bystanderKeysActive: this.bystanderKeys.filter((k) => status(k) === "Active").length,
      bystanderKeys: this.bystanderKeys.length,
      writesOnBystanders: this.proxy.applied.filter(
        (w) => bystanders.has(w.accessKeyId ?? "") || bystanders.has(w.userName ?? ""),
      ).length,
      maxUpdatesPerKey: Math.max(0, ...updates.values()),
      maxUpdateRequestsPerKey: Math.max(
        0,
        ...this.proxy.perTarget("UpdateAccessKey", { requests: true }).values(),
      ),
      maxAuditedRevocationsPerCredential: Math.max(0, ...revokedIn.values()),
      auditRecords,
      slackMessages: this.slack.messages.length,
      maxSlackPerKey: Math.max(0, ...perSlackKey.values()),
      jiraIssues: this.jira.issues.length,
      maxJiraPerLabel: Math.max(0, ...perLabel.values()),
      outboxPending: pending.length,
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.proxy.close(), this.slack.close(), this.jira.close()]);
    await this.sb.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** True when a check shows nothing lost and nothing duplicated. */
export function clean(c: WorldCheck, options: { expectDelivered?: boolean } = {}): boolean {
  return (
    c.leaverKeysInactive === c.leaverKeys &&
    c.bystanderKeysActive === c.bystanderKeys &&
    c.writesOnBystanders === 0 &&
    c.maxUpdatesPerKey <= 1 &&
    c.maxAuditedRevocationsPerCredential <= 1 &&
    c.maxSlackPerKey <= 1 &&
    c.maxJiraPerLabel <= 1 &&
    (options.expectDelivered === false || c.outboxPending === 0)
  );
}
