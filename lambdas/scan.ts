/**
 * The one use case: sources -> match -> rules -> policy -> act -> notify -> store.
 * The scheduled Lambda, the HR-webhook-triggered Lambda, the CLI and the demo all call
 * `runScan`; it only sees ports, so each caller plugs in its own adapters.
 */
import { randomUUID } from "node:crypto";
import type { Config } from "./config.ts";
import type { Clock } from "./core/clock.ts";
import { mapLimit } from "./core/concurrency.ts";
import { evaluateCredentials, findingId, runFinding, withEvidence } from "./core/evaluate.ts";
import { IdentityIndex } from "./core/identity.ts";
import type { ActionRecord, Credential, Finding, Person, RuleId, SourceId } from "./core/model.ts";
import { buildPlan, type Plan, type PlanItem, revocationTargets } from "./core/plan.ts";
import { leaveAlone, type PolicyException } from "./core/policy.ts";
import type {
  CredentialSource,
  Discovery,
  HousekeepingContext,
  RevokeContext,
} from "./core/ports/credential-source.ts";
import type { DepartureList, DepartureSource } from "./core/ports/departure-source.ts";
import type {
  AuditLog,
  FindingHistory,
  FindingObservation,
  FindingRef,
  FindingStatus,
  Lease,
  Store,
} from "./core/ports/store.ts";

/** Where a scan writes what it is doing; Powertools' Logger fits. */
export interface ScanLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** What the notification step is given after the plan has been acted on. */
export interface NotifyInput {
  readonly scanId: string;
  /** When the scan started: with the scan id, where its report will be (`reportObjectBase`). */
  readonly startedAt: Date;
  readonly now: Date;
  readonly plan: Plan;
  readonly resolved: readonly FindingHistory[];
  readonly applied: boolean;
}

/** What the notification step reports back (for the report and the audit trail). */
export interface NotifyOutcome {
  readonly enqueued: number;
  readonly sent: number;
  readonly failed: number;
  readonly pending: number;
  readonly details?: Record<string, unknown>;
  /** Lines for the report's notes, e.g. a channel whose adapter could not be set up this run. */
  readonly notes?: readonly string[];
}

/** The adapters a scan runs with. */
export interface ScanDependencies {
  readonly config: Config;
  readonly clock: Clock;
  readonly sources: readonly CredentialSource[];
  /** The HR list. Absent: no departures (hygiene rules only). */
  readonly departures?: DepartureSource;
  readonly store?: Store;
  readonly audit?: AuditLog;
  /** Composes, enqueues and delivers messages and tickets (see `notify/`). */
  readonly notify?: (input: NotifyInput) => Promise<NotifyOutcome>;
  /**
   * Checks a list for quarantine (too large a share of identities, grown too fast). Returns the
   * list unchanged or marked rejected. See `departures/sanity.ts`.
   */
  readonly assessDepartures?: (list: DepartureList, knownIdentities: number) => Promise<DepartureList>;
  /**
   * Where the finished report goes besides the caller: Security Hub, a reports bucket. Each
   * returns a one-line note for the report; a failure is a note too, never a failed scan.
   */
  readonly publishers?: ReadonlyArray<(report: ScanReport) => Promise<string>>;
  readonly log?: ScanLogger;
  /** Progress for a terminal: the phase and counts so far. */
  readonly progress?: (phase: string, detail?: Record<string, number>) => void;
  /**
   * The scan lease's length, renewal and clock.
   * @default `LEASE_TTL_MS`, renewed every `LEASE_RENEW_MS`, on the system clock
   */
  readonly lease?: ScanLeaseOptions;
}

/**
 * How long the scan lease lasts after its last renewal: a scan that dies (a killed laptop
 * process, a Lambda timeout) holds the next one back for at most this long, and every request
 * it had sent has at least this long to land before another scan may act.
 */
export const LEASE_TTL_MS = 2 * 60_000;
/** How often a running scan renews its lease, besides right before each revocation. */
export const LEASE_RENEW_MS = 30_000;

/** The `origin` of a departure list that could not be read; its reason names the source. */
export const UNREADABLE_LIST_ORIGIN = "unreadable";

/** The scan lease: one applying scan per account at a time. */
export interface ScanLeaseOptions {
  /**
   * How long the lease lasts after each renewal.
   * @default LEASE_TTL_MS (2 minutes)
   */
  readonly ttlMs?: number;
  /**
   * How often a running scan renews it.
   * @default LEASE_RENEW_MS (30 seconds)
   */
  readonly renewEveryMs?: number;
  /**
   * Real time, for the lease only. Never the scan's `clock`: that one says what time the scan
   * judges credentials at and may be pinned (tests, replays); a lease measured on it would let
   * a scan pinned later take over a dead scan's lease while that scan's requests still land.
   * @default the system clock
   */
  readonly clock?: Clock;
}

/** What to scan and whether to act. */
export interface ScanRequest {
  /** Act (revoke) if the config's mode is `enforce`. False: plan only. */
  readonly apply: boolean;
  /** Who or what started the scan: `schedule`, `cli`, `hr-webhook:<eventId>`, `s3:<key>`. */
  readonly trigger: string;
  /** Only these sources. */
  readonly only?: readonly SourceId[];
  /** A targeted scan: these people instead of the departure list (already validated). */
  readonly people?: readonly Person[];
  /**
   * The AWS account this scan covers, when several accounts share one store (org-wide scans):
   * scopes the lease, run-level findings and what "no longer seen" means.
   */
  readonly account?: string;
  readonly scanId?: string;
}

/** Per-source summary in a scan report. */
export interface SourceSummary {
  readonly source: SourceId;
  readonly credentials: number;
  readonly problems: Discovery["problems"];
  readonly stats: Discovery["stats"];
  readonly notes: readonly string[];
}

/** Everything a scan did, for reports, the audit trail and exit codes. */
export interface ScanReport {
  readonly version: 1;
  readonly scanId: string;
  readonly trigger: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** `busy`: another scan held the lease, nothing was done. */
  readonly status: "completed" | "busy";
  /** True when revocations were allowed to run (apply requested and mode enforce). */
  readonly applied: boolean;
  readonly plan: Plan;
  readonly departures: {
    readonly origin: string;
    readonly people: number;
    readonly rejected: boolean;
    readonly rejectionReason?: string;
    readonly errors: DepartureList["errors"];
  };
  readonly sources: readonly SourceSummary[];
  readonly resolved: readonly FindingHistory[];
  readonly notifications?: NotifyOutcome;
  /** Why the notification step failed as a whole (it then has no `notifications`), if it did. */
  readonly notificationFailure?: string;
  readonly notes: readonly string[];
}

const LEASE_PREFIX = "scan";
const SYSTEM_TIME: Clock = { now: () => new Date() };

/**
 * A lease this scan holds, and whether it has held it without a gap since it took it. Once a
 * renewal finds the lease taken, or comes after the previous expiry (another scan could have
 * taken it, acted and released it meanwhile), the scan has lost it for good and acts no more.
 */
class HeldLease {
  #validUntilMs: number;
  #lost = false;
  #renewing: Promise<boolean> | undefined;

  constructor(
    private readonly store: Store,
    private readonly name: string,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    acquired: Lease,
    private readonly log?: ScanLogger,
  ) {
    this.#validUntilMs = acquired.expiresAt.getTime();
  }

  /**
   * Renews the lease in the store and says whether this scan still holds it, continuously.
   * Concurrent callers share one renewal (it starts after they asked, or is one store round
   * trip old), so renewals never race each other.
   */
  confirm(): Promise<boolean> {
    if (this.#lost) return Promise.resolve(false);
    this.#renewing ??= this.#renew().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  /**
   * Ends the holding: no renewal starts after this, and one already in flight has landed when
   * it resolves, so the release that follows is the last write on the lease (a renewal landing
   * after the release would take the lease back and keep the next scan out for a whole TTL).
   */
  async stop(): Promise<void> {
    this.#lost = true;
    await this.#renewing;
  }

  async #renew(): Promise<boolean> {
    const nowMs = this.clock.now().getTime();
    if (nowMs > this.#validUntilMs) {
      this.#lost = true;
      this.log?.warn("the scan lease lapsed before it was renewed; acting no more", {
        holder: this.holder,
        expiredAt: new Date(this.#validUntilMs).toISOString(),
      });
      return false;
    }
    try {
      const lease = await this.store.acquireLease(this.name, this.holder, this.ttlMs, new Date(nowMs));
      if (!lease) {
        this.#lost = true;
        this.log?.warn("another scan holds the lease now; acting no more", { holder: this.holder });
        return false;
      }
      this.#validUntilMs = lease.expiresAt.getTime();
      return true;
    } catch (error) {
      // Not confirmed is not lost: the next renewal may still come in time. No write without it.
      this.log?.warn("lease renewal failed", { holder: this.holder, error: String(error) });
      return false;
    }
  }
}

function policyExceptions(config: Config): PolicyException[] {
  return config.exceptions.map((e) => ({
    ...(e.principal !== undefined ? { principal: e.principal } : {}),
    ...(e.credentialId !== undefined ? { credentialId: e.credentialId } : {}),
    ...(e.rule !== undefined ? { rule: e.rule } : {}),
    reason: e.reason,
    approver: e.approver,
    // A plain date expires at the end of that day (UTC).
    expires: new Date(e.expires.length === 10 ? `${e.expires}T23:59:59.999Z` : e.expires),
  }));
}

async function loadDepartures(deps: ScanDependencies, request: ScanRequest): Promise<DepartureList> {
  if (request.people) {
    return {
      origin: request.trigger,
      people: [...request.people],
      errors: [],
      rejected: false,
      rowCount: request.people.length,
    };
  }
  if (!deps.departures) return { origin: "none", people: [], errors: [], rejected: false, rowCount: 0 };
  try {
    return await deps.departures.load();
  } catch (error) {
    // An unreadable list is a rejected list: hygiene still runs, no departure drives anything.
    const message = error instanceof Error ? error.message : String(error);
    return {
      origin: UNREADABLE_LIST_ORIGIN,
      people: [],
      errors: [{ line: 0, message }],
      rejected: true,
      rejectionReason: `the departure list could not be read: ${message}`,
      rowCount: 0,
    };
  }
}

async function discoverAll(
  deps: ScanDependencies,
  sources: readonly CredentialSource[],
  people: readonly Person[],
  index: IdentityIndex,
  now: Date,
): Promise<Array<{ source: CredentialSource; discovery: Discovery }>> {
  return mapLimit(sources, sources.length, async (source) => {
    deps.progress?.(`discovering ${source.id}`);
    try {
      const discovery = await source.discover({
        now,
        people,
        resolver: index,
        protectedPrincipals: deps.config.protectedPrincipals,
        progress: (message, counts) => deps.progress?.(`${source.id}: ${message}`, counts),
      });
      deps.progress?.(`discovered ${source.id}`, { credentials: discovery.credentials.length });
      return { source, discovery };
    } catch (error) {
      // The contract says sources record problems rather than throw; a throw still must not end the scan.
      const err = error instanceof Error ? error : new Error(String(error));
      deps.log?.error("source failed", { source: source.id, error: err.message });
      return {
        source,
        discovery: {
          credentials: [],
          problems: [{ source: source.id, subject: "source", message: err.message, errorName: err.name }],
          stats: {},
          notes: [],
        },
      };
    }
  });
}

function distinctPrincipals(credentials: readonly Credential[]): number {
  return new Set(
    credentials
      .filter((c) => c.principalType !== "service")
      .map((c) => `${c.source}:${c.account}:${c.principal}`),
  ).size;
}

function sourceErrorFindings(
  results: ReadonlyArray<{ source: CredentialSource; discovery: Discovery }>,
  account: string | undefined,
): Finding[] {
  return results
    .filter((r) => r.discovery.problems.length > 0)
    .map(({ source, discovery }) => {
      const first = discovery.problems[0]!;
      const sourceWide = discovery.problems.some((p) => p.subject === "source");
      return runFinding(
        "source-error",
        sourceWide ? "high" : "medium",
        "Source could not be fully scanned",
        `${source.id}: ${discovery.problems.length} problem(s), first on ${first.subject}: ${first.message}`,
        {
          source: source.id,
          problems: discovery.problems.length,
          firstSubject: first.subject,
          firstError: first.errorName,
        },
        sourceErrorSubject(source.id, account),
      );
    });
}

async function investigate(
  findings: readonly Finding[],
  bySource: ReadonlyMap<SourceId, CredentialSource>,
): Promise<Finding[]> {
  return mapLimit(findings, 2, async (finding) => {
    const credential = finding.credential;
    const source = credential ? bySource.get(credential.source) : undefined;
    if (finding.ruleId !== "used-after-departure" || !credential || !source?.investigate || !finding.match) {
      return finding;
    }
    try {
      return withEvidence(finding, await source.investigate(credential, finding.match.person.departedAt));
    } catch (error) {
      return withEvidence(finding, {
        investigationError: error instanceof Error ? error.message : String(error),
      });
    }
  });
}

async function revokeAll(
  deps: ScanDependencies,
  plan: Plan,
  bySource: ReadonlyMap<SourceId, CredentialSource>,
  now: Date,
  mayAct: () => Promise<boolean>,
  record?: {
    /** Before the write: what is about to be sent, so a scan that dies mid-write leaves it in the history. */
    readonly intent: (credentialId: string, intent: ActionRecord) => Promise<void>;
    readonly outcome: (credentialId: string, records: readonly ActionRecord[]) => Promise<void>;
  },
): Promise<Map<string, ActionRecord[]>> {
  const outcomes = new Map<string, ActionRecord[]>();
  const targets = revocationTargets(plan);
  let done = 0;
  await mapLimit(targets, 4, async (item) => {
    const credential = item.finding.credential!;
    const source = bySource.get(credential.source);
    const ctx: RevokeContext = {
      now,
      revokeSessionsIssuedBefore: now,
      protectedPrincipals: deps.config.protectedPrincipals,
      ...(item.finding.match ? { person: item.finding.match.person } : {}),
    };
    const records: ActionRecord[] = [];
    if (!source) {
      records.push({
        type: "revoke",
        status: "failed",
        detail: `no adapter for ${credential.source}`,
        at: now,
      });
    } else if (!(await mayAct())) {
      // Another scan may hold the lease now: it acts on this credential, or the next scan does.
      records.push({
        type: "revoke",
        status: "skipped",
        detail: `${credential.kind} ${credential.nativeId} not revoked: the scan lease was not confirmed, left for the next scan`,
        at: now,
      });
    } else {
      try {
        await record?.intent(credential.id, {
          type: "revoke",
          status: "planned",
          detail: `${INTENT_PREFIX} ${credential.kind} ${credential.nativeId}`,
          at: now,
        });
        records.push(...(await source.revoke(credential, ctx)));
        if (records.every((r) => r.status !== "failed")) records.push(await source.verify(credential, ctx));
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        records.push({
          type: "revoke",
          status: "failed",
          detail: `revoke ${credential.kind} ${credential.nativeId}`,
          at: now,
          error: { name: err.name, message: err.message },
        });
      }
    }
    outcomes.set(credential.id, records);
    try {
      await record?.outcome(credential.id, records);
    } catch (error) {
      // The store is slow or down: the other revocations go on, under the lease, and the end
      // of the scan records what this write did not (the scan's report holds it either way).
      deps.log?.error("recording a revocation's outcome failed; recorded at the end of the scan", {
        credential: credential.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    deps.progress?.("revoking", { done: ++done, of: targets.length });
  });
  return outcomes;
}

/** How a revocation's intent record starts: `sending revocation of access-key AKIA…`. */
const INTENT_PREFIX = "sending revocation of";

/**
 * Revocations an earlier scan sent but never recorded the outcome of (it died mid-write), whose
 * finding this scan no longer raises because the credential is now inactive, or gone (a console
 * password's revocation deletes it; `resolved` holds only findings of sources this scan fully
 * covered, so not listed means not there): the write landed. Each gets a `verified` record
 * saying so, instead of a silent "resolved".
 */
async function confirmLandedRevocations(
  store: Store,
  resolved: readonly FindingHistory[],
  credentials: readonly Credential[],
  now: Date,
): Promise<string[]> {
  const byId = new Map(credentials.map((c) => [c.id, c]));
  const confirmed: string[] = [];
  for (const history of resolved) {
    const last = history.actions.filter((a) => a.type === "revoke" || a.type === "verify").at(-1);
    if (last?.type !== "revoke" || last.status !== "planned" || !last.detail.startsWith(INTENT_PREFIX))
      continue;
    if (!history.credentialId) continue;
    const credential = byId.get(history.credentialId);
    if (credential?.active) continue;
    const what = credential ? `${credential.kind} ${credential.nativeId}` : history.credentialId;
    const sent = `the revocation sent ${last.at ? `at ${last.at.toISOString()} ` : ""}by a scan that stopped before recording its outcome`;
    await store.recordAction(history.findingId, {
      type: "verify",
      status: "verified",
      detail: credential
        ? `${what} found inactive: ${sent} landed`
        : `${what} found gone: ${sent} landed (or the credential was removed another way since)`,
      at: now,
    });
    confirmed.push(what);
  }
  return confirmed;
}

function withOutcomes(plan: Plan, outcomes: ReadonlyMap<string, ActionRecord[]>): Plan {
  const items: PlanItem[] = plan.items.map((item) => {
    const id = item.finding.credential?.id;
    const records = id && item.decision.action === "revoke" ? outcomes.get(id) : undefined;
    if (!records) return item;
    return { ...item, actions: [...item.actions.filter((a) => a.type !== "revoke"), ...records] };
  });
  return { ...plan, items };
}

/**
 * `HousekeepingContext.leaveAlone` for this run: the policy's protection and exceptions as the
 * config says now, asked of the principal and of the credentials its findings name (as this run
 * discovered them, for their ARN and owner emails).
 */
function leaveAloneFor(
  history: readonly FindingHistory[],
  credentials: readonly Credential[],
  config: Config,
  now: Date,
): NonNullable<HousekeepingContext["leaveAlone"]> {
  const findings = new Map(history.map((h) => [h.findingId, h]));
  const discovered = new Map(credentials.map((c) => [c.id, c]));
  const settings = { protectedPrincipals: config.protectedPrincipals, exceptions: policyExceptions(config) };
  return ({ principal, findingIds }) => {
    const named = findingIds.flatMap((id) => findings.get(id) ?? []);
    const credentialIds = [...new Set(named.flatMap((h) => h.credentialId ?? []))];
    return leaveAlone(
      {
        principal,
        credentials: credentialIds.flatMap((id) => discovered.get(id) ?? []),
        credentialIds,
        ruleIds: named.map((h) => h.ruleId),
      },
      settings,
      now,
    );
  };
}

/** Credentials whose revocation an earlier run recorded as done. */
function revokedBefore(history: readonly FindingHistory[]): Set<string> {
  const ids = new Set<string>();
  for (const h of history) {
    if (h.credentialId && h.actions.some((a) => a.type === "revoke" && a.status === "done"))
      ids.add(h.credentialId);
  }
  return ids;
}

/** The subject of a source's `source-error` finding: the source, and its account in an org-wide scan. */
function sourceErrorSubject(source: string, account: string | undefined): string {
  return account ? `${source}:${account}` : source;
}

/**
 * What a scan covered, as a test of each stored finding. Only the sources that answered
 * without a single problem count (a source that missed a principal, or its whole account,
 * cannot say that principal's credentials are gone), each within the accounts it says it
 * covered (`Discovery.accounts`) or, in an org-wide scan, the scan's account. Of the run-level
 * findings, the brake and a rejected list are this run's; a source error is its source's.
 */
function scanScope(
  results: ReadonlyArray<{ source: CredentialSource; discovery: Discovery }>,
  account: string | undefined,
  runSubject: string,
): (finding: FindingRef) => boolean {
  const covered = new Map<string, ReadonlySet<string> | undefined>(
    results
      .filter((r) => r.discovery.problems.length === 0)
      .map((r) => [r.source.id, r.discovery.accounts ? new Set(r.discovery.accounts) : undefined] as const),
  );
  const sourceErrors = new Set(
    [...covered.keys()].map((source) => findingId("source-error", sourceErrorSubject(source, account))),
  );
  return (finding) => {
    if (!finding.credentialId) {
      return (
        finding.findingId === findingId(finding.ruleId as RuleId, runSubject) ||
        sourceErrors.has(finding.findingId)
      );
    }
    const [source = "", credentialAccount = ""] = finding.credentialId.split(":");
    if (!covered.has(source)) return false;
    if (account !== undefined) return credentialAccount === account;
    const accounts = covered.get(source);
    return accounts === undefined || accounts.has(credentialAccount);
  };
}

function statusOf(item: PlanItem): FindingStatus {
  if (item.actions.some((a) => a.type === "verify" && a.status === "verified")) return "revoked";
  if (item.decision.action === "ticket") return "ticketed";
  if (item.decision.action === "excepted") return "excepted";
  return "open";
}

/** Runs one scan. Throws only for setup problems; failures on credentials are recorded. */
export async function runScan(deps: ScanDependencies, request: ScanRequest): Promise<ScanReport> {
  const { config, clock } = deps;
  const startedAt = clock.now();
  const scanId =
    request.scanId ?? `${startedAt.toISOString().replace(/[:.]/g, "")}-${randomUUID().slice(0, 8)}`;
  const notes: string[] = [];
  const applied = request.apply && config.mode === "enforce";
  if (request.apply && config.mode !== "enforce")
    notes.push("apply was asked but the config mode is report: nothing was revoked");

  const holder = `${scanId}`;
  const leaseName = request.account ? `${LEASE_PREFIX}:${request.account}` : LEASE_PREFIX;
  const store = applied ? deps.store : undefined;
  let lease: HeldLease | undefined;
  if (store) {
    // The lease goes by real time: it orders this scan after a dead one's last requests.
    const ttlMs = deps.lease?.ttlMs ?? LEASE_TTL_MS;
    const leaseClock = deps.lease?.clock ?? SYSTEM_TIME;
    const acquired = await store.acquireLease(leaseName, holder, ttlMs, leaseClock.now());
    if (!acquired) {
      deps.log?.warn("another scan holds the lease; nothing done", { scanId });
      const busy = busyReport(scanId, request, startedAt, clock.now(), config);
      // A run that did nothing is still a run: the trail shows it was asked and found the lease taken.
      if (deps.audit) await deps.audit.append(auditRecord(busy));
      return busy;
    }
    lease = new HeldLease(store, leaseName, holder, ttlMs, leaseClock, acquired, deps.log);
  }
  const renewal = lease
    ? setInterval(() => void lease.confirm(), deps.lease?.renewEveryMs ?? LEASE_RENEW_MS)
    : undefined;
  renewal?.unref();
  try {
    // Before anything is read or acted on: a scan killed half-way still leaves its start in the
    // trail. An audit trail that cannot be written stops the scan here, before it acts.
    if (deps.audit) await deps.audit.append(startedAuditRecord(scanId, request, startedAt, config, applied));
    return await scanHoldingLease(deps, request, {
      scanId,
      startedAt,
      applied,
      notes,
      mayAct: lease ? () => lease.confirm() : async () => true,
    });
  } finally {
    if (renewal) clearInterval(renewal);
    await lease?.stop();
    if (store) await store.releaseLease(leaseName, holder);
  }
}

async function scanHoldingLease(
  deps: ScanDependencies,
  request: ScanRequest,
  run: {
    scanId: string;
    startedAt: Date;
    applied: boolean;
    notes: string[];
    /** Confirms the lease right before an IAM write; false: write nothing, leave it to the next scan. */
    mayAct: () => Promise<boolean>;
  },
): Promise<ScanReport> {
  const { config, clock } = deps;
  const now = run.startedAt;
  const runSubject = request.account ? `run:${request.account}` : "run";
  const sources = deps.sources.filter((s) => !request.only || request.only.includes(s.id));
  const bySource = new Map(sources.map((s) => [s.id, s] as const));
  const identitySettings = {
    domainAliases: config.ownership.domainAliases,
    usernameConventions: config.ownership.usernameConventions,
  };

  deps.progress?.("reading departures");
  let departures = await loadDepartures(deps, request);
  const people = departures.rejected ? [] : departures.people;
  const discoveryIndex = new IdentityIndex(people, identitySettings);
  const results = await discoverAll(deps, sources, people, discoveryIndex, now);
  const credentials = results.flatMap((r) => r.discovery.credentials);

  if (deps.assessDepartures && !departures.rejected && !request.people) {
    departures = await deps.assessDepartures(departures, distinctPrincipals(credentials));
  }
  const acting = departures.rejected ? [] : people;
  const index = acting === people ? discoveryIndex : new IdentityIndex([], identitySettings);

  deps.progress?.("evaluating", { credentials: credentials.length, people: acting.length });
  let findings = evaluateCredentials(credentials, index, config.rules, now);
  findings = await investigate(findings, bySource);
  if (departures.rejected) {
    findings.push(
      runFinding(
        "departure-list-rejected",
        "critical",
        "Departure list rejected",
        departures.rejectionReason ?? `${departures.origin} was rejected`,
        {
          origin: departures.origin,
          errors: departures.errors.length,
          firstError: departures.errors[0]
            ? `line ${departures.errors[0].line}${departures.errors[0].field ? `, field ${departures.errors[0].field}` : ""}: ${departures.errors[0].message}`
            : null,
        },
        runSubject,
      ),
    );
  }
  findings.push(...sourceErrorFindings(results, request.account));

  // What the store remembers, read once: which credentials earlier runs revoked (for the brake),
  // and the history housekeeping works from.
  const history = deps.store ? await deps.store.listFindings() : [];
  let plan = buildPlan({
    revokedBefore: revokedBefore(history),
    // A rejected list is bad input, and bad input changes nothing: not even the hygiene rules
    // act in such a run (they report, and the next run with a good list acts).
    mode: run.applied && !departures.rejected ? "enforce" : "report",
    now,
    findings,
    policy: {
      actions: config.rules.actions,
      gracePeriodHours: config.departures.gracePeriodHours,
      exceptions: policyExceptions(config),
      protectedPrincipals: config.protectedPrincipals,
    },
    brake: config.brake,
    credentialsSeen: credentials.length,
    runSubject,
  });

  /** Action records already in the store, by finding: the end of the scan records the rest, once. */
  const recorded = new Map<string, Set<ActionRecord>>();
  if (run.applied && departures.rejected) {
    run.notes.push(
      "the departure list was rejected: nothing was revoked or deleted in this run (hygiene findings are reported only)",
    );
  }
  if (run.applied && !plan.brake.engaged && !departures.rejected) {
    // Deferred work on what earlier runs did (deleting keys after their quarantine), recorded on
    // the findings that did it. Before this run's revocations: a key a human re-enabled is seen
    // re-enabled (and kept), not as just deactivated again by this run. A failure is a note.
    const store = deps.store;
    if (store) {
      try {
        const leaveAlone = leaveAloneFor(history, credentials, config, clock.now());
        for (const source of sources) {
          if (!source.housekeeping) continue;
          if (!(await run.mayAct())) {
            run.notes.push(
              `housekeeping of ${source.id} left for the next scan: the scan lease was not confirmed`,
            );
            continue;
          }
          for (const done of await source.housekeeping({
            now: clock.now(),
            history,
            leaveAlone,
          })) {
            await store.recordAction(done.findingId, done.action);
          }
        }
      } catch (error) {
        run.notes.push(`housekeeping failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    // Each revocation is written to its findings as soon as it is done, so a scan that dies
    // half-way leaves a history of what it changed (the findings are observed first).
    if (store) {
      await store.observeFindings(
        run.scanId,
        plan.items.map((item) => ({ finding: item.finding, status: statusOf(item) })),
        now,
      );
    }
    // The findings each revoked credential is recorded on (two rules may flag one key).
    const findingsOf = new Map<string, string[]>();
    for (const item of plan.items) {
      const credentialId = item.finding.credential?.id;
      if (item.decision.action !== "revoke" || !credentialId) continue;
      findingsOf.set(credentialId, [...(findingsOf.get(credentialId) ?? []), item.finding.id]);
    }
    const recordOn = async (credentialId: string, records: readonly ActionRecord[]): Promise<void> => {
      if (!store) return;
      for (const findingId of findingsOf.get(credentialId) ?? []) {
        for (const record of records) {
          await store.recordAction(findingId, record);
          recorded.set(findingId, (recorded.get(findingId) ?? new Set()).add(record));
        }
      }
    };
    const outcomes = await revokeAll(
      deps,
      plan,
      bySource,
      clock.now(),
      run.mayAct,
      store && {
        intent: (credentialId, intent) => recordOn(credentialId, [intent]),
        outcome: (credentialId, records) => recordOn(credentialId, records),
      },
    );
    plan = withOutcomes(plan, outcomes);
  }

  let resolved: FindingHistory[] = [];
  if (deps.store) {
    const observations: FindingObservation[] = plan.items.map((item) => ({
      finding: item.finding,
      status: statusOf(item),
    }));
    await deps.store.observeFindings(run.scanId, observations, now);
    for (const item of plan.items) {
      const already = recorded.get(item.finding.id);
      for (const action of item.actions.filter((a) => a.status !== "planned")) {
        if (already?.has(action)) continue;
        await deps.store.recordAction(item.finding.id, action);
      }
    }
    // Only a scan whose every source answered can say a finding is gone, and only within what it
    // covered: a targeted scan covers nobody's absence, a scan of some sources or one account
    // leaves the others' findings alone.
    const answered = results.every((r) => !r.discovery.problems.some((p) => p.subject === "source"));
    if (!request.people && answered && !departures.rejected) {
      const seen = new Set(plan.items.map((i) => i.finding.id));
      resolved = await deps.store.resolveUnseen(
        run.scanId,
        seen,
        now,
        scanScope(results, request.account, runSubject),
      );
      const landed = await confirmLandedRevocations(deps.store, resolved, credentials, now);
      if (landed.length > 0) {
        run.notes.push(
          `${landed.length} revocation(s) sent by an earlier scan that stopped mid-write were found landed and recorded verified: ${landed.join(", ")}`,
        );
      }
    }
  }

  let notifications: NotifyOutcome | undefined;
  let notificationFailure: string | undefined;
  if (deps.notify) {
    deps.progress?.("notifying");
    try {
      notifications = await deps.notify({
        scanId: run.scanId,
        startedAt: run.startedAt,
        now: clock.now(),
        plan,
        resolved,
        applied: run.applied,
      });
    } catch (error) {
      // Messages wait in the outbox for the next run; a notifier outage never fails the scan.
      const message = error instanceof Error ? error.message : String(error);
      deps.log?.error("notification step failed", { error: message });
      notificationFailure = message;
      run.notes.push(`notifications deferred: ${message}`);
    }
    if (notifications?.notes) run.notes.push(...notifications.notes);
  }

  const report: ScanReport = {
    version: 1,
    scanId: run.scanId,
    trigger: request.trigger,
    startedAt: run.startedAt,
    finishedAt: clock.now(),
    status: "completed",
    applied: run.applied,
    plan,
    departures: {
      origin: departures.origin,
      people: departures.people.length,
      rejected: departures.rejected,
      ...(departures.rejectionReason ? { rejectionReason: departures.rejectionReason } : {}),
      errors: departures.errors,
    },
    sources: results.map(({ source, discovery }) => ({
      source: source.id,
      credentials: discovery.credentials.length,
      problems: discovery.problems,
      stats: discovery.stats,
      notes: discovery.notes,
    })),
    resolved,
    ...(notifications ? { notifications } : {}),
    ...(notificationFailure !== undefined ? { notificationFailure } : {}),
    notes: run.notes,
  };
  for (const publish of deps.publishers ?? []) {
    try {
      run.notes.push(await publish(report));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.log?.error("publishing the report failed", { error: message });
      run.notes.push(`publishing failed: ${message}`);
    }
  }
  if (deps.audit) await deps.audit.append(auditRecord(report));
  deps.log?.info("scan finished", {
    scanId: run.scanId,
    findings: plan.items.length,
    applied: run.applied,
    brake: plan.brake.engaged,
  });
  return report;
}

function busyReport(
  scanId: string,
  request: ScanRequest,
  startedAt: Date,
  finishedAt: Date,
  config: Config,
): ScanReport {
  return {
    version: 1,
    scanId,
    trigger: request.trigger,
    startedAt,
    finishedAt,
    status: "busy",
    applied: false,
    plan: buildPlan({
      mode: config.mode,
      now: startedAt,
      findings: [],
      policy: { actions: {}, gracePeriodHours: 0, exceptions: [], protectedPrincipals: [] },
      brake: config.brake,
      credentialsSeen: 0,
    }),
    departures: { origin: "not read", people: 0, rejected: false, errors: [] },
    sources: [],
    resolved: [],
    notes: ["another scan holds the lease: this one did nothing"],
  };
}

/**
 * The audit trail's first record of a scan, written once it holds its lease (an applying scan)
 * or at once (a report-only scan), before it reads or acts on anything: a scan that is killed
 * later still shows in the trail. The final record (`auditRecord`) has the same `scanId`.
 */
export function startedAuditRecord(
  scanId: string,
  request: ScanRequest,
  startedAt: Date,
  config: Config,
  applied: boolean,
): Record<string, unknown> {
  return {
    type: "scan-started",
    scanId,
    trigger: request.trigger,
    startedAt: startedAt.toISOString(),
    mode: config.mode,
    apply: request.apply,
    applied,
    ...(request.account ? { account: request.account } : {}),
    ...(request.only ? { only: [...request.only] } : {}),
    // A targeted scan: whom it was started for (the webhook's people), as the final record names them.
    ...(request.people ? { people: request.people.map((p) => p.emails[0] ?? p.employeeId ?? null) } : {}),
  };
}

/** The audit trail's record of one scan: who or what triggered it, what was found, decided and done. */
export function auditRecord(report: ScanReport): Record<string, unknown> {
  return {
    type: "scan",
    scanId: report.scanId,
    trigger: report.trigger,
    startedAt: report.startedAt.toISOString(),
    finishedAt: report.finishedAt.toISOString(),
    status: report.status,
    applied: report.applied,
    departures: {
      origin: report.departures.origin,
      people: report.departures.people,
      rejected: report.departures.rejected,
    },
    brake: report.plan.brake,
    findings: report.plan.items.map((item) => ({
      id: item.finding.id,
      rule: item.finding.ruleId,
      severity: item.finding.severity,
      credentialId: item.finding.credential?.id ?? null,
      person: item.finding.match?.person.emails[0] ?? item.finding.match?.person.employeeId ?? null,
      decision: item.decision.action,
      why: item.decision.why,
      actions: item.actions.map((a) => ({
        type: a.type,
        status: a.status,
        detail: a.detail,
        at: a.at?.toISOString() ?? null,
        error: a.error?.message ?? null,
      })),
    })),
    resolved: report.resolved.map((r) => r.findingId),
    notifications: report.notifications ?? null,
  };
}
