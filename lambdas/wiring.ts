/**
 * The composition root: from a validated configuration to the adapters a scan runs with.
 * The Lambda handlers and the CLI both come through here, so a laptop scan and a scheduled
 * scan use exactly the same code path; only the environment (endpoints, secrets) differs.
 */
import { dirname, join } from "node:path";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IAMClient } from "@aws-sdk/client-iam";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type AwsClientConstructors, AwsClients, type ClientSettings } from "./aws-clients.ts";
import { type Config, ownAccountPools, type SecretRef } from "./config.ts";
import type { Clock } from "./core/clock.ts";
import type { ActionRecord, Credential, SourceId } from "./core/model.ts";
import { composeNotifications, reopenedFindings } from "./core/notifications.ts";
import type { CredentialSource, Discovery, RevokeContext } from "./core/ports/credential-source.ts";
import type { DepartureList, DepartureSource } from "./core/ports/departure-source.ts";
import type { Notifier } from "./core/ports/notifier.ts";
import type { PreflightCheck } from "./core/ports/preflight.ts";
import type { AcceptedListMeta, AuditLog, OutboxItem, Store } from "./core/ports/store.ts";
import type { TicketSink } from "./core/ports/ticket-sink.ts";
import { assessList, type SanityLimits } from "./departures/sanity.ts";
import { departureSourceFromConfig } from "./departures/sources.ts";
import { recordSupersessions, WebhookDeparturesSource } from "./departures/webhook-departures.ts";
import { deliver, enqueueForScan } from "./notify/outbox.ts";
import type { NotifyInput, NotifyOutcome, ScanDependencies, ScanLogger, ScanReport } from "./scan.ts";
import { causeOf, SecretResolver } from "./secrets.ts";
import { AwsIamSource } from "./sources/aws-iam/index.ts";
import { auditLogFromConfig, storeFromConfig } from "./store/index.ts";

/**
 * The clients every deployed scan uses (the IAM source, the DynamoDB store, the S3 departure
 * list, audit and reports), imported statically. The others (Cognito, Security Hub, Secrets
 * Manager, Lambda) are loaded by `AwsClients.load` only when the configuration needs them.
 */
const SCAN_CLIENTS: AwsClientConstructors = {
  iam: IAMClient,
  sts: STSClient,
  cloudTrail: CloudTrailClient,
  dynamoDb: DynamoDBClient,
  s3: S3Client,
};

/** The system clock: the only place outside tests where time is read. */
export const systemClock: Clock = { now: () => new Date() };

/** What a process has: its configuration, its environment, and where the config came from. */
export interface RuntimeOptions {
  readonly config: Config;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The config file, so relative paths (departure file, local store) resolve next to it. */
  readonly configPath?: string;
  readonly clock?: Clock;
  readonly clientSettings?: ClientSettings;
  /** Read secrets from Secrets Manager (Lambda) rather than only from environment variables (CLI). */
  readonly useSecretsManager?: boolean;
  readonly log?: ScanLogger;
}

/** Everything built once per cold start (or once per CLI run). */
export interface Runtime {
  readonly config: Config;
  readonly clock: Clock;
  readonly clients: AwsClients;
  /**
   * The clients of the account whose credentials are scanned: the AWS credential sources (IAM,
   * STS, CloudTrail, Cognito) and Security Hub, whose default product takes a finding only from
   * the account the finding names (`AwsAccountId`). An org-wide scan sets them to the member
   * account's assumed role; the departure list, store, audit, reports and secrets keep
   * `clients` (the security account's).
   * @default clients
   */
  readonly sourceClients?: AwsClients;
  readonly secrets: SecretResolver;
  readonly store: Store;
  readonly audit?: AuditLog;
  readonly baseDir: string;
  readonly log?: ScanLogger;
}

/** Builds the clients, secrets, store and audit log a configuration asks for. */
export function createRuntime(options: RuntimeOptions): Runtime {
  const clients = new AwsClients(options.clientSettings, SCAN_CLIENTS);
  const baseDir = options.configPath ? dirname(options.configPath) : process.cwd();
  const config = options.config;
  const secrets = new SecretResolver({
    env: options.env,
    ...(options.useSecretsManager
      ? { secretsManager: async () => (await clients.load("secretsManager")).secretsManager() }
      : {}),
  });
  const store = storeFromConfig(config.store, {
    baseDir,
    ...(config.store.type === "dynamodb" ? { dynamoDb: clients.dynamoDb() } : {}),
  });
  // A laptop's scans are audited too: with the local store and no audit configured, the trail
  // goes next to the store (`<store dir>/audit.jsonl`).
  const auditConfig: Config["audit"] =
    config.audit ??
    (config.store.type === "local"
      ? { type: "file", path: join(config.store.dir, "audit.jsonl") }
      : undefined);
  const audit = auditConfig
    ? auditLogFromConfig(auditConfig, {
        baseDir,
        ...(auditConfig.type === "s3" ? { s3: clients.s3() } : {}),
      })
    : undefined;
  return {
    config,
    clock: options.clock ?? systemClock,
    clients,
    secrets,
    store,
    ...(audit ? { audit } : {}),
    baseDir,
    ...(options.log ? { log: options.log } : {}),
  };
}

/**
 * A connector that could not be set up (its secret is missing or unreadable, its key malformed):
 * it discovers nothing and reports one source-wide problem, so the scan raises a `source-error`
 * finding for it and every other source still runs and acts. The problem names the secret's
 * reference, never its value.
 */
export class UnavailableSource implements CredentialSource {
  readonly #problem: Discovery["problems"][number];

  constructor(
    readonly id: SourceId,
    error: unknown,
    secretValues: readonly string[] = [],
  ) {
    const err = error instanceof Error ? error : new Error(String(error));
    this.#problem = {
      source: id,
      subject: "source",
      message: `setup failed, not scanned: ${setupFailure(err, secretValues)}`,
      errorName: err.name,
    };
  }

  async discover(): Promise<Discovery> {
    return { credentials: [], problems: [this.#problem], stats: {}, notes: [] };
  }

  async revoke(_credential: Credential, ctx: RevokeContext): Promise<ActionRecord[]> {
    return [{ type: "revoke", status: "failed", detail: this.#problem.message, at: ctx.now }];
  }

  async verify(_credential: Credential, ctx: RevokeContext): Promise<ActionRecord> {
    return { type: "verify", status: "failed", detail: this.#problem.message, at: ctx.now };
  }

  async preflight(): Promise<PreflightCheck[]> {
    return [{ name: `${this.id}: setup`, ok: false, detail: this.#problem.message }];
  }
}

/**
 * Replaces any secret value (or a long piece of one, such as a line of a private key) that an
 * error message might quote. Messages here are written not to quote secrets; this is the belt.
 */
/**
 * Why an adapter could not be set up, secrets redacted: the error's message, and its cause by
 * name and message (Secrets Manager's or KMS's refusal says what to fix).
 */
function setupFailure(err: Error, secretValues: readonly string[]): string {
  const cause = causeOf(err);
  return `${redact(err.message, secretValues)}${cause ? ` (${cause.name}: ${redact(cause.message, secretValues)})` : ""}`;
}

function redact(message: string, secretValues: readonly string[]): string {
  let out = message;
  for (const value of secretValues) {
    for (const piece of [value, ...value.split(/(?:\\n|[\s"',:{}])+/)]) {
      if (piece.length >= 12) out = out.split(piece).join("[redacted]");
    }
  }
  return out;
}

/**
 * Builds one connector; a failure (its secret, its key, its client) becomes an
 * `UnavailableSource` for that connector alone, logged without the secret.
 */
async function connector(
  runtime: Runtime,
  id: SourceId,
  build: (secret: (ref: SecretRef) => Promise<string>) => Promise<CredentialSource>,
): Promise<CredentialSource> {
  const resolved: string[] = [];
  try {
    return await build(async (ref) => {
      const value = await runtime.secrets.resolve(ref);
      resolved.push(value);
      return value;
    });
  } catch (error) {
    const source = new UnavailableSource(id, error, resolved);
    const problem = (await source.discover()).problems[0];
    // The cause says why (Secrets Manager's or KMS's refusal), by name and message only.
    const cause = causeOf(error);
    runtime.log?.error("source could not be set up; the scan goes on without it", {
      source: id,
      error: problem?.message,
      errorName: problem?.errorName,
      ...(cause ? { causeName: cause.name, causeMessage: redact(cause.message, resolved) } : {}),
    });
    return source;
  }
}

/**
 * The credential sources the configuration enables, each with its clients and secrets. A
 * connector that cannot be set up is an `UnavailableSource`: one `source-error` finding, never
 * a failed scan (AWS IAM and the other connectors still run and act).
 */
export async function sourcesFromConfig(runtime: Runtime): Promise<CredentialSource[]> {
  const { config, clock } = runtime;
  const clients = runtime.sourceClients ?? runtime.clients;
  const sources: CredentialSource[] = [];
  const iam = config.sources["aws-iam"];
  if (iam.enabled) {
    sources.push(
      new AwsIamSource({
        iam: clients.iam(),
        sts: clients.sts(),
        cloudTrail: clients.cloudTrail(),
        config: iam,
        ownership: config.ownership,
        clock,
      }),
    );
  }
  // The pools of this account; those with an `account` are that member account's org scan's.
  const cognito = {
    ...config.sources["aws-cognito"],
    pools: ownAccountPools(config.sources["aws-cognito"].pools),
  };
  const memberPools = config.sources["aws-cognito"].pools.filter((p) => p.account !== undefined);
  if (cognito.enabled && memberPools.length > 0) {
    runtime.log?.info("Cognito pools of member accounts left to their org scans", {
      pools: memberPools.map((p) => `${p.account}/${p.userPoolId}`),
    });
  }
  // Connectors, notifiers and report writers are loaded only when configured: each brings a
  // large client library, and a Lambda should not pay for what its config does not use.
  if (cognito.enabled && cognito.pools.length > 0) {
    sources.push(
      await connector(runtime, "aws-cognito", async () => {
        const [{ AwsCognitoSource }] = await Promise.all([
          import("./sources/aws-cognito/index.ts"),
          clients.load("cognito"),
        ]);
        return new AwsCognitoSource({ cognito: (region) => clients.cognito(region), config: cognito });
      }),
    );
  }
  const google = config.sources["google-workspace"];
  if (google?.enabled) {
    sources.push(
      await connector(runtime, "google-workspace", async (secret) => {
        const { GoogleWorkspaceSource, parseServiceAccountKey, storeSignOutLedger } = await import(
          "./sources/google-workspace/index.ts"
        );
        const key = parseServiceAccountKey(await secret(google.serviceAccountKey));
        return new GoogleWorkspaceSource({
          serviceAccountKey: key,
          adminSubject: google.adminSubject,
          customer: google.customer,
          signOut: google.signOut,
          signOutLedger: storeSignOutLedger(runtime.store),
          clock,
          ...(google.rootUrl ? { rootUrl: google.rootUrl } : {}),
          ...(google.tokenUrl ? { tokenUrl: google.tokenUrl } : {}),
        });
      }),
    );
  }
  const okta = config.sources.okta;
  if (okta?.enabled) {
    sources.push(
      await connector(runtime, "okta", async (secret) => {
        const { oktaSourceFromConfig } = await import("./sources/okta/index.ts");
        // The schema lets exactly one of the two through.
        if (okta.oauth)
          return oktaSourceFromConfig(okta, { privateKey: await secret(okta.oauth.privateKey) });
        return oktaSourceFromConfig(okta, okta.apiToken ? { apiToken: await secret(okta.apiToken) } : {});
      }),
    );
  }
  const github = config.sources.github;
  if (github?.enabled) {
    sources.push(
      await connector(runtime, "github", async (secret) => {
        const { githubSourceFromConfig } = await import("./sources/github/index.ts");
        // App JWTs and token expiry follow the wall clock (GitHub checks them), not the scan's clock.
        return githubSourceFromConfig(github, {
          ...(github.token ? { token: await secret(github.token) } : {}),
          ...(github.patGrantsToken ? { patGrantsToken: await secret(github.patGrantsToken) } : {}),
          ...(github.app ? { appPrivateKey: await secret(github.app.privateKey) } : {}),
        });
      }),
    );
  }
  return sources;
}

const SLACK_IN_CALL_RETRY = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 };

/** A delivery channel the configuration asks for but that could not be set up. */
export interface UnavailableDelivery {
  readonly channel: Extract<OutboxItem["channel"], "slack" | "ticket">;
  /** What failed, naming the secret's reference, never its value. */
  readonly reason: string;
}

/** The delivery adapters a configuration asks for, and those that could not be set up. */
export interface DeliveryAdapters {
  readonly notifier?: Notifier;
  readonly ticketSink?: TicketSink;
  /** Configured channels whose adapter could not be built: their items wait in the outbox. */
  readonly unavailable?: readonly UnavailableDelivery[];
}

/**
 * The Slack notifier and ticket sink the configuration asks for, secrets resolved. An adapter
 * that cannot be set up (its secret missing or unreadable) is reported in `unavailable`, never
 * thrown: the scan still runs, and what it has to say waits in the outbox for a later run.
 */
export async function deliveryAdaptersFromConfig(runtime: Runtime): Promise<DeliveryAdapters> {
  const { config, secrets } = runtime;
  const slack = config.notifications.slack;
  const tickets = config.tickets;
  if (!slack?.enabled && !tickets) return {};
  const unavailable: UnavailableDelivery[] = [];
  const attempt = async <T>(
    channel: UnavailableDelivery["channel"],
    what: string,
    build: (secret: (ref: SecretRef) => Promise<string>) => Promise<T>,
  ): Promise<T | undefined> => {
    const resolved: string[] = [];
    try {
      return await build(async (ref) => {
        const value = await secrets.resolve(ref);
        resolved.push(value);
        return value;
      });
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      const cause = causeOf(err);
      const reason = `${what} could not be set up: ${setupFailure(err, resolved)}`;
      runtime.log?.error("delivery adapter could not be set up; its items wait in the outbox", {
        channel,
        error: reason,
        errorName: err.name,
        ...(cause ? { causeName: cause.name, causeMessage: redact(cause.message, resolved) } : {}),
      });
      unavailable.push({ channel, reason });
      return undefined;
    }
  };
  const { notifierFromConfig, ticketSinkFromConfig } = await import("./notify/index.ts");
  // Short in-call retries: the outbox retries across runs, and a run must not stall on an outage.
  const notifier = slack?.enabled
    ? await attempt("slack", "Slack", async (secret) =>
        notifierFromConfig(slack, await secret(slack.token), SLACK_IN_CALL_RETRY),
      )
    : undefined;
  const ticketSink = tickets
    ? await attempt("ticket", tickets.type === "jira" ? "Jira" : "GitHub Issues", async (secret) =>
        ticketSinkFromConfig(
          tickets,
          await secret(tickets.type === "jira" ? tickets.apiToken : tickets.token),
        ),
      )
    : undefined;
  return {
    ...(notifier ? { notifier } : {}),
    ...(ticketSink ? { ticketSink } : {}),
    ...(unavailable.length > 0 ? { unavailable } : {}),
  };
}

/**
 * The store as `deliver` should see it when some channels have no adapter this run: their due
 * items are left out, so they are neither claimed nor failed (no attempt used up, never `dead`
 * for want of a secret), and wait, pending, for a run that can deliver them.
 */
function withoutChannels(store: Store, held: ReadonlySet<OutboxItem["channel"]>): Store {
  if (held.size === 0) return store;
  return new Proxy(store, {
    get(target, property) {
      if (property === "dueOutbox") {
        // Both adapters read every due item anyway; the limit only trims the sorted result.
        return async (now: Date, limit: number) =>
          (await target.dueOutbox(now, Number.MAX_SAFE_INTEGER))
            .filter((entry) => !held.has(entry.channel))
            .slice(0, limit);
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * The notification step of a scan: compose grouped messages and tickets, put them in the
 * outbox (idempotent by key), then deliver whatever is due, this run's and earlier runs'.
 * With no Slack and no tickets configured nothing is enqueued: there is nobody to tell. A
 * configured channel whose adapter could not be set up still gets its items enqueued; they
 * wait, unclaimed, and the outcome says so in `notes`.
 */
export function notificationStep(
  runtime: Runtime,
  adapters: DeliveryAdapters,
): ((input: NotifyInput) => Promise<NotifyOutcome>) | undefined {
  const { notifier, ticketSink } = adapters;
  const unavailable = adapters.unavailable ?? [];
  if (!notifier && !ticketSink && unavailable.length === 0) return undefined;
  const { config, store } = runtime;
  const held = new Set(unavailable.map((u) => u.channel));
  return async ({ scanId, startedAt, plan, resolved, now }) => {
    const reportUrl = config.reports
      ? reportConsoleUrl(config.reports, await runtime.clients.s3().config.region(), scanId, startedAt)
      : undefined;
    const base = {
      mode: plan.mode,
      resolved,
      brake: plan.brake,
      accountNames: config.notifications.accountNames,
      ...(reportUrl !== undefined ? { reportUrl } : {}),
      notifyManagers: config.notifications.slack?.notifyManagers ?? true,
      notifyOwners: config.notifications.slack?.notifyOwners ?? true,
    };
    // People hear about what changed: findings first seen or changed in this scan, and actions
    // taken now. Tickets always carry every open finding of their person and account.
    const histories = new Map((await store.listFindings()).map((h) => [h.findingId, h]));
    const reopened = reopenedFindings(histories.values());
    const news = plan.items.filter(
      (item) =>
        item.actions.some((a) => a.status !== "planned") ||
        (histories.get(item.finding.id)?.changes.some((c) => c.scanId === scanId) ?? true),
    );
    const all = composeNotifications({ ...base, reopened, items: plan.items });
    const composition = {
      ...all,
      messages: composeNotifications({ ...base, reopened, items: news }).messages,
    };
    const enqueued = await enqueueForScan(store, composition, now, {
      messages: notifier !== undefined || held.has("slack"),
      tickets: ticketSink !== undefined || held.has("ticket"),
    });
    const report =
      notifier || ticketSink
        ? await deliver({
            store: withoutChannels(store, held),
            now,
            clock: runtime.clock,
            ...(notifier ? { notifier } : {}),
            ...(ticketSink ? { ticketSink } : {}),
          })
        : { sent: [], recovered: [], failed: [], dead: [], deferred: [], warnings: [], skipped: [] };
    // Still queued: failed this run (retried later with backoff), deferred by an outage, or not reached yet.
    const due = await store.dueOutbox(now, 1000);
    const pending = report.failed.length + report.deferred.length + due.length;
    const notes = unavailable.map((u) => {
      const waiting = due.filter((entry) => entry.channel === u.channel).length;
      return `${u.channel === "slack" ? "Slack messages" : "tickets"} deferred: ${u.reason}; ${waiting} item${waiting === 1 ? "" : "s"} wait${waiting === 1 ? "s" : ""} in the outbox for a run that can deliver them`;
    });
    return {
      enqueued,
      sent: report.sent.length + report.recovered.length,
      failed: report.failed.length + report.dead.length,
      pending,
      details: {
        messages: composition.messages.length,
        tickets: composition.tickets.length,
        resolutions: composition.resolutions.length,
        dead: report.dead.map((d) => d.key),
        errors: report.failed.map((f) => f.error ?? "unknown"),
        ...(unavailable.length > 0
          ? { unavailable: unavailable.map((u) => `${u.channel}: ${u.reason}`) }
          : {}),
      },
      ...(notes.length > 0 ? { notes } : {}),
    };
  };
}

/**
 * Publishes a finished scan's findings (ASFF) to Security Hub in the scanned account and this
 * region: with the default product, `BatchImportFindings` takes a finding only from the account
 * named by its `AwsAccountId`, so an org-wide member scan imports with the member role
 * (`sourceClients`), into the member account's Security Hub.
 */
export function securityHubPublisher(runtime: Runtime): (report: ScanReport) => Promise<string> {
  return async (report) => {
    const [{ publishToSecurityHub }, { toAsffFindings }] = await Promise.all([
      import("./notify/security-hub.ts"),
      import("./report/asff.ts"),
    ]);
    const clients = runtime.sourceClients ?? runtime.clients;
    const client = (await clients.load("securityHub")).securityHub();
    const [region, identity] = await Promise.all([
      client.config.region(),
      clients.sts().send(new GetCallerIdentityCommand({})),
    ]);
    const accountId = identity.Account ?? "000000000000";
    const result = await publishToSecurityHub(client, toAsffFindings(report, { region, accountId }));
    return `Security Hub: ${result.imported} of ${result.total} finding(s) imported${result.failed ? `, ${result.failed} failed` : ""}`;
  };
}

/** Where a scan's reports go in the reports bucket: `prefix/YYYY-MM-DD/<scanId>`, then `.json` or `.html`. */
export function reportObjectBase(
  target: NonNullable<Config["reports"]>,
  scanId: string,
  startedAt: Date,
): string {
  return `${target.prefix}${startedAt.toISOString().slice(0, 10)}/${scanId}`;
}

/**
 * The S3 console's page of a scan's HTML report, for the "Full report" link of messages and
 * tickets (they are composed before the report is written; the console asks readers to sign in).
 */
export function reportConsoleUrl(
  target: NonNullable<Config["reports"]>,
  region: string,
  scanId: string,
  startedAt: Date,
): string {
  const key = `${reportObjectBase(target, scanId, startedAt)}.html`;
  return `https://${region}.console.aws.amazon.com/s3/object/${encodeURIComponent(target.bucket)}?region=${encodeURIComponent(region)}&prefix=${encodeURIComponent(key)}`;
}

/** Writes each scan's JSON and HTML reports to S3, under `prefix/YYYY-MM-DD/<scanId>.*`. */
export function s3ReportPublisher(
  runtime: Runtime,
  target: NonNullable<Config["reports"]>,
): (report: ScanReport) => Promise<string> {
  return async (report) => {
    const [{ formatJsonReport }, { toHtmlReport }] = await Promise.all([
      import("./report/json.ts"),
      import("./report/html.ts"),
    ]);
    const base = reportObjectBase(target, report.scanId, report.startedAt);
    const s3 = runtime.clients.s3();
    await s3.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: `${base}.json`,
        Body: formatJsonReport(report),
        ContentType: "application/json",
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: `${base}.html`,
        Body: toHtmlReport(report),
        ContentType: "text/html; charset=utf-8",
      }),
    );
    return `reports written to s3://${target.bucket}/${base}.{json,html}`;
  };
}

/**
 * The departures a scan reads: the configured list (a relative file path resolved next to the
 * config) and, whatever list is configured, the webhook's stored departures. A targeted scan
 * that found the lease busy, or scheduled a person for later, leaves them to a later scan.
 * (With `type: "dynamodb"` the list already is those events.)
 */
export function departuresFromRuntime(runtime: Runtime): DepartureSource | undefined {
  const { config, clients, store } = runtime;
  const listSource = departureSourceFromConfig(
    {
      ...config.departures,
      source:
        config.departures.source?.type === "file" && !config.departures.source.path.startsWith("/")
          ? { type: "file", path: `${runtime.baseDir}/${config.departures.source.path}` }
          : config.departures.source,
    },
    {
      store,
      ...(config.departures.source?.type === "s3" ? { s3: clients.s3() } : {}),
    },
  );
  return config.departures.source?.type === "dynamodb"
    ? listSource
    : new WebhookDeparturesSource(store, listSource, { lenient: config.departures.lenient });
}

/**
 * The departure list's brakes as the config sets them: the share of `knownIdentities` (0 skips
 * it) and the growth since `previous`, the last accepted list.
 */
export function sanityLimits(
  config: Config,
  knownIdentities: number,
  previous: AcceptedListMeta | undefined,
): SanityLimits {
  return {
    knownIdentities,
    maxShareOfIdentities: config.departures.maxShareOfIdentities,
    minIdentitiesForShare: config.departures.minIdentitiesForShare,
    maxGrowthFactor: config.departures.maxGrowthFactor,
    ...(previous ? { previous } : {}),
  };
}

/** Everything `runScan` needs, from one runtime. `overrides` lets a caller swap one adapter (targeted scans). */
export async function scanDependencies(
  runtime: Runtime,
  overrides: Partial<ScanDependencies> = {},
): Promise<ScanDependencies> {
  const { config, store } = runtime;
  const departures = departuresFromRuntime(runtime);
  const assessDepartures = async (list: DepartureList, knownIdentities: number): Promise<DepartureList> => {
    const previous = await store.getAcceptedListMeta();
    const assessed = assessList(list, sanityLimits(config, knownIdentities, previous));
    if (!assessed.rejected) {
      await store.putAcceptedListMeta({
        origin: list.origin,
        count: list.people.length,
        acceptedAt: runtime.clock.now(),
      });
      // Webhook departures this accepted list names are the list's from now on (its removal of
      // them removes them). A failed write only leaves them in force: the safe side.
      try {
        await recordSupersessions(store, assessed, runtime.clock.now());
      } catch (error) {
        runtime.log?.warn("could not record which webhook departures the list now names", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return assessed;
  };
  const notify = notificationStep(runtime, await deliveryAdaptersFromConfig(runtime));
  const publishers = [
    ...(config.notifications.securityHub?.enabled ? [securityHubPublisher(runtime)] : []),
    ...(config.reports ? [s3ReportPublisher(runtime, config.reports)] : []),
  ];
  return {
    config,
    clock: runtime.clock,
    sources: await sourcesFromConfig(runtime),
    ...(notify ? { notify } : {}),
    ...(publishers.length > 0 ? { publishers } : {}),
    ...(departures ? { departures } : {}),
    store,
    ...(runtime.audit ? { audit: runtime.audit } : {}),
    assessDepartures,
    ...(runtime.log ? { log: runtime.log } : {}),
    ...overrides,
  };
}
