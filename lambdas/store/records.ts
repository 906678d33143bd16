/**
 * What both store adapters keep, as JSON-safe records (dates as ISO-8601 strings), and the
 * pure rules both follow: how an observation changes a finding, when an outbox item may be
 * claimed, when a failed one is given up. The DynamoDB adapter expresses these rules as
 * condition expressions; the local adapter applies them in memory under its lock. The shared
 * contract suite checks both behave the same.
 */
import { createHash, randomUUID } from "node:crypto";
import type { ActionRecord, Person, Severity } from "../core/model.ts";
import type {
  AcceptedListMeta,
  DepartureEvent,
  FindingHistory,
  FindingObservation,
  FindingRef,
  FindingStatus,
  FindingStatusChange,
  OutboxEntry,
  OutboxItem,
} from "../core/ports/store.ts";

/** Tunables shared by both adapters. */
export interface StoreOptions {
  /**
   * How long an item may stay `sending` before it is claimable again: the scan that claimed
   * it died mid-send. The notifier checks the destination for the idempotency key before
   * re-sending, so a reclaim never duplicates a message.
   * @default 900000 (15 minutes)
   */
  readonly staleSendingMs?: number;
  /**
   * Failed attempts after which an outbox item is `dead` instead of `pending` again.
   * @default 8
   */
  readonly maxAttempts?: number;
  /**
   * How many status changes and actions a finding keeps (the most recent ones), so a
   * DynamoDB item stays far below its 400 KB limit.
   * @default 100
   */
  readonly historyLimit?: number;
  /**
   * How long a `sent` outbox item is kept (DynamoDB TTL; the local store prunes in `dueOutbox`).
   * @default 2592000000 (30 days)
   */
  readonly sentRetentionMs?: number;
}

/** `StoreOptions` with every default filled in. */
export type ResolvedStoreOptions = Required<StoreOptions>;

/** The defaults, in one place for both adapters and the docs. */
export const STORE_DEFAULTS: ResolvedStoreOptions = {
  staleSendingMs: 15 * 60_000,
  maxAttempts: 8,
  historyLimit: 100,
  sentRetentionMs: 30 * 86_400_000,
};

/** Fills in the defaults of `StoreOptions`. */
export function resolveStoreOptions(options: StoreOptions = {}): ResolvedStoreOptions {
  return { ...STORE_DEFAULTS, ...definedOnly(options) };
}

/** Statuses that still await action: a finding in one of them that a scan no longer sees is resolved. */
export const UNRESOLVED_STATUSES: readonly FindingStatus[] = ["open", "ticketed"];

/** An operation named a finding the store has never observed. */
export class FindingNotFoundError extends Error {
  override readonly name = "FindingNotFoundError";
  constructor(
    readonly findingId: string,
    options?: { cause?: unknown },
  ) {
    super(`finding ${findingId} is not in the store`, options);
  }
}

/** An operation named an outbox key that was never enqueued. */
export class OutboxItemNotFoundError extends Error {
  override readonly name = "OutboxItemNotFoundError";
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`outbox item ${key} is not in the store`, options);
  }
}

/** A stored record could not be read back (hand-edited file, foreign item in the table). */
export class CorruptRecordError extends Error {
  override readonly name = "CorruptRecordError";
  constructor(
    readonly where: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${where}: ${message}`, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Stored shapes

/** A status change as stored. */
export interface StoredStatusChange {
  readonly at: string;
  readonly from: FindingStatus | null;
  readonly to: FindingStatus;
  readonly scanId: string;
}

/** An action as stored. */
export interface StoredAction {
  readonly type: ActionRecord["type"];
  readonly status: ActionRecord["status"];
  readonly detail: string;
  readonly at?: string;
  readonly error?: { readonly name: string; readonly message: string };
}

/** A finding's history as stored. */
export interface StoredFinding {
  readonly findingId: string;
  readonly ruleId: string;
  readonly credentialId?: string;
  readonly severity: Severity;
  readonly status: FindingStatus;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** The scan that last observed it, for debugging a resolve. */
  readonly lastScanId?: string;
  readonly changes: readonly StoredStatusChange[];
  readonly actions: readonly StoredAction[];
  /**
   * The ids of the latest recorded actions (`actionId`), at most `historyLimit`: an action whose
   * id is here is not appended again. Absent on findings recorded before ids existed.
   */
  readonly actionIds?: readonly string[];
  /** The scan that last resolved it: a scan whose resolving write was resent knows it was its own. */
  readonly resolvedBy?: string;
  readonly ticketKey?: string;
}

/** An outbox entry as stored; the payload is whatever JSON gives back. */
export interface StoredOutbox {
  readonly key: string;
  readonly channel: OutboxItem["channel"];
  readonly payload: unknown;
  readonly createdAt: string;
  readonly state: OutboxEntry["state"];
  readonly attempts: number;
  readonly nextAttemptAt: string;
  /** When the current `sending` claim was made; decides when it is stale. */
  readonly claimedAt?: string;
  /**
   * The token of the `claimOutbox` call that made the current claim (random, one per call): a
   * claim the SDK resent after it landed fails its own condition, and finds its token here.
   */
  readonly claimedBy?: string;
  /**
   * The token of the `enqueue` call that created the item (random, one per call): a put the SDK
   * resent after it landed fails `attribute_not_exists`, and finds its token here, so the item
   * is still counted as new.
   */
  readonly enqueuedBy?: string;
  readonly lastError?: string;
  readonly receipt?: string;
  readonly sentAt?: string;
}

/** A person as stored. */
export interface StoredPerson {
  readonly employeeId?: string;
  readonly emails: readonly string[];
  readonly aliases: readonly string[];
  readonly displayName?: string;
  readonly departedAt: string;
  readonly managerEmail?: string;
  readonly slackUserId?: string;
}

/** A webhook departure as stored. */
export interface StoredDepartureEvent {
  readonly eventId: string;
  readonly receivedAt: string;
  readonly people: readonly StoredPerson[];
}

/** The accepted list's metadata as stored. */
export interface StoredAcceptedListMeta {
  readonly origin: string;
  readonly count: number;
  readonly acceptedAt: string;
}

// ---------------------------------------------------------------------------------------------
// Codecs

/** Dates go out as ISO-8601 UTC strings; they sort lexically in time order (years 0000-9999). */
export function iso(date: Date): string {
  return date.toISOString();
}

/** Reads an ISO string back; a value that is not one is a corrupt record, not a silent `Invalid Date`. */
export function parseIso(value: unknown, where: string): Date {
  const date = typeof value === "string" ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new CorruptRecordError(where, `not an ISO date: ${String(value)}`);
  return date;
}

/** Converts an action for storage. */
export function actionToStored(action: ActionRecord): StoredAction {
  return definedOnly({
    type: action.type,
    status: action.status,
    detail: action.detail,
    at: action.at ? iso(action.at) : undefined,
    error: action.error ? { name: action.error.name, message: action.error.message } : undefined,
  }) as StoredAction;
}

/**
 * The id an action is recorded under, made once per `recordAction` so a resent write carries
 * the same one. An action with a time is identified by its content: recording an equal one
 * again (a caller that saw a write fail after it landed) is the same action. One without a
 * time gets a fresh id, so repeating it is never taken for a resend (the scan times every action
 * it records; an untimed one can only come from another caller).
 */
export function actionId(action: ActionRecord): string {
  if (action.at === undefined) return randomUUID();
  const stored = actionToStored(action);
  const content = [
    stored.type,
    stored.status,
    stored.detail,
    stored.at,
    stored.error?.name,
    stored.error?.message,
  ];
  return createHash("sha256").update(JSON.stringify(content), "utf8").digest("hex").slice(0, 32);
}

/** Converts a status change for storage. */
export function changeToStored(change: FindingStatusChange): StoredStatusChange {
  return { at: iso(change.at), from: change.from, to: change.to, scanId: change.scanId };
}

/** Reads a stored finding back into the port's shape. */
export function findingFromStored(stored: StoredFinding): FindingHistory {
  const where = `finding ${stored.findingId}`;
  return definedOnly({
    findingId: stored.findingId,
    ruleId: stored.ruleId,
    credentialId: stored.credentialId,
    severity: stored.severity,
    status: stored.status,
    firstSeen: parseIso(stored.firstSeen, where),
    lastSeen: parseIso(stored.lastSeen, where),
    changes: (stored.changes ?? []).map((c) => ({
      at: parseIso(c.at, where),
      from: c.from ?? null,
      to: c.to,
      scanId: c.scanId,
    })),
    actions: (stored.actions ?? []).map((a) =>
      definedOnly({
        type: a.type,
        status: a.status,
        detail: a.detail,
        at: a.at === undefined ? undefined : parseIso(a.at, where),
        error: a.error,
      }),
    ),
    ticketKey: stored.ticketKey,
  }) as FindingHistory;
}

/** Reads a stored outbox entry back into the port's shape. */
export function outboxFromStored(stored: StoredOutbox): OutboxEntry {
  const where = `outbox item ${stored.key}`;
  return definedOnly({
    key: stored.key,
    channel: stored.channel,
    payload: stored.payload,
    createdAt: parseIso(stored.createdAt, where),
    state: stored.state,
    attempts: stored.attempts,
    nextAttemptAt: parseIso(stored.nextAttemptAt, where),
    lastError: stored.lastError,
    receipt: stored.receipt,
  }) as OutboxEntry;
}

/**
 * A new outbox item as stored: pending, due at once, created by the `enqueue` call whose token is
 * `enqueuedBy`. The payload goes through JSON, as on reading.
 */
export function newStoredOutbox(item: OutboxItem, enqueuedBy: string): StoredOutbox {
  return {
    key: item.key,
    channel: item.channel,
    payload: item.payload === undefined ? null : JSON.parse(JSON.stringify(item.payload)),
    createdAt: iso(item.createdAt),
    state: "pending",
    attempts: 0,
    nextAttemptAt: iso(item.createdAt),
    enqueuedBy,
  };
}

/** Converts a departure event for storage. */
export function departureToStored(event: DepartureEvent): StoredDepartureEvent {
  return {
    eventId: event.eventId,
    receivedAt: iso(event.receivedAt),
    people: event.people.map(personToStored),
  };
}

/** Reads a stored departure event back. */
export function departureFromStored(stored: StoredDepartureEvent): DepartureEvent {
  const where = `departure event ${stored.eventId}`;
  return {
    eventId: stored.eventId,
    receivedAt: parseIso(stored.receivedAt, where),
    people: stored.people.map(
      (p) =>
        definedOnly({
          employeeId: p.employeeId,
          emails: [...p.emails],
          aliases: [...p.aliases],
          displayName: p.displayName,
          departedAt: parseIso(p.departedAt, where),
          managerEmail: p.managerEmail,
          slackUserId: p.slackUserId,
        }) as Person,
    ),
  };
}

function personToStored(person: Person): StoredPerson {
  return definedOnly({
    employeeId: person.employeeId,
    emails: [...person.emails],
    aliases: [...person.aliases],
    displayName: person.displayName,
    departedAt: iso(person.departedAt),
    managerEmail: person.managerEmail,
    slackUserId: person.slackUserId,
  }) as StoredPerson;
}

/** Converts the accepted list's metadata for storage. */
export function acceptedMetaToStored(meta: AcceptedListMeta): StoredAcceptedListMeta {
  return { origin: meta.origin, count: meta.count, acceptedAt: iso(meta.acceptedAt) };
}

/** Reads the accepted list's metadata back. */
export function acceptedMetaFromStored(stored: StoredAcceptedListMeta): AcceptedListMeta {
  return {
    origin: stored.origin,
    count: stored.count,
    acceptedAt: parseIso(stored.acceptedAt, "accepted list metadata"),
  };
}

// ---------------------------------------------------------------------------------------------
// Rules (applied in memory by the local adapter; mirrored as conditions by DynamoDB)

/** Applies one observation to a finding's stored history (or creates it). */
export function observe(
  current: StoredFinding | undefined,
  scanId: string,
  observation: FindingObservation,
  now: Date,
  historyLimit: number,
): StoredFinding {
  const { finding, status } = observation;
  const from = current?.status ?? null;
  const changes =
    from === status
      ? (current?.changes ?? [])
      : keepLast([...(current?.changes ?? []), { at: iso(now), from, to: status, scanId }], historyLimit);
  return definedOnly({
    findingId: finding.id,
    ruleId: finding.ruleId,
    credentialId: finding.credential?.id ?? current?.credentialId,
    severity: finding.severity,
    status,
    firstSeen: current?.firstSeen ?? iso(now),
    lastSeen: iso(now),
    lastScanId: scanId,
    changes,
    actions: current?.actions ?? [],
    actionIds: current?.actionIds,
    resolvedBy: current?.resolvedBy,
    ticketKey: current?.ticketKey,
  }) as StoredFinding;
}

/**
 * Appends an action recorded under `id` (`actionId`), keeping the last `historyLimit` actions
 * and ids; `undefined` when an action with that id is already recorded.
 */
export function appendAction(
  stored: StoredFinding,
  action: ActionRecord,
  id: string,
  historyLimit: number,
): StoredFinding | undefined {
  if (stored.actionIds?.includes(id)) return undefined;
  return {
    ...stored,
    actions: keepLast([...stored.actions, actionToStored(action)], historyLimit),
    actionIds: keepLast([...(stored.actionIds ?? []), id], historyLimit),
  };
}

/** Whether `resolveUnseen` resolves this finding. */
export function resolvesWhenUnseen(
  stored: StoredFinding,
  seenIds: ReadonlySet<string>,
  inScope: (finding: FindingRef) => boolean = () => true,
): boolean {
  return UNRESOLVED_STATUSES.includes(stored.status) && !seenIds.has(stored.findingId) && inScope(stored);
}

/** A finding moved to `resolved` by a scan that did not see it. */
export function resolve(
  stored: StoredFinding,
  scanId: string,
  now: Date,
  historyLimit: number,
): StoredFinding {
  return {
    ...stored,
    status: "resolved",
    resolvedBy: scanId,
    changes: keepLast(
      [...stored.changes, { at: iso(now), from: stored.status, to: "resolved", scanId }],
      historyLimit,
    ),
  };
}

/** Keeps the last `limit` entries of a history. */
export function keepLast<T>(entries: readonly T[], limit: number): T[] {
  return entries.length > limit ? entries.slice(entries.length - limit) : [...entries];
}

/** A `sending` claim made by the `claimOutbox` call whose token is `claimedBy`. */
export function claim(stored: StoredOutbox, now: Date, claimedBy: string): StoredOutbox {
  return { ...stored, state: "sending", claimedAt: iso(now), claimedBy, attempts: stored.attempts + 1 };
}

/** Whether the item is in the `sending` claim made by the call whose token is `claimedBy`. */
export function isClaimedBy(stored: StoredOutbox | undefined, claimedBy: string): boolean {
  return stored?.state === "sending" && stored.claimedBy === claimedBy;
}

/** Whether an outbox item may be claimed now: pending and due, or `sending` for longer than the stale timeout. */
export function isClaimable(stored: StoredOutbox, now: Date, staleSendingMs: number): boolean {
  if (stored.state === "pending") return stored.nextAttemptAt <= iso(now);
  if (stored.state === "sending") {
    return stored.claimedAt === undefined || stored.claimedAt <= iso(staleBefore(now, staleSendingMs));
  }
  return false;
}

/** The instant before which a `sending` claim is stale. */
export function staleBefore(now: Date, staleSendingMs: number): Date {
  return new Date(now.getTime() - staleSendingMs);
}

/** Orders due outbox entries: the longest-waiting first, then by key so the order is stable. */
export function compareDue(a: StoredOutbox, b: StoredOutbox): number {
  if (a.nextAttemptAt !== b.nextAttemptAt) return a.nextAttemptAt < b.nextAttemptAt ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Orders outbox entries as `listOutbox` gives them: the first queued first, then by key. */
export function compareQueued(a: StoredOutbox, b: StoredOutbox): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Drops `undefined` properties so records compare and serialise the same in both adapters. */
export function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
