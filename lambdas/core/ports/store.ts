import type { ActionRecord, Finding, Person, Severity } from "../model.ts";

/** A finding's life across runs. */
export type FindingStatus = "open" | "revoked" | "ticketed" | "excepted" | "resolved";

export interface FindingStatusChange {
  readonly at: Date;
  readonly from: FindingStatus | null;
  readonly to: FindingStatus;
  readonly scanId: string;
}

/** What the store keeps per finding id. */
export interface FindingHistory {
  readonly findingId: string;
  readonly ruleId: string;
  readonly credentialId?: string;
  readonly severity: Severity;
  readonly status: FindingStatus;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  readonly changes: readonly FindingStatusChange[];
  readonly actions: readonly ActionRecord[];
  /** The ticket this finding is tracked in, once one exists. */
  readonly ticketKey?: string;
}

/** What names a stored finding: enough to tell which scan covers it. */
export type FindingRef = Pick<FindingHistory, "findingId" | "ruleId" | "credentialId">;

/** A finding as observed by one scan, with the status the scan gives it. */
export interface FindingObservation {
  readonly finding: Finding;
  readonly status: FindingStatus;
}

/** A notification or ticket waiting to be delivered. The key makes delivery idempotent. */
export interface OutboxItem {
  /** Idempotency key: the same change always produces the same key. */
  readonly key: string;
  readonly channel: "slack" | "ticket" | "security-hub";
  /** What to deliver; the notifier or ticket sink knows its shape. */
  readonly payload: unknown;
  readonly createdAt: Date;
}

export interface OutboxEntry extends OutboxItem {
  readonly state: "pending" | "sending" | "sent" | "dead";
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly lastError?: string;
  /** Where it landed (message ts, ticket key), once sent. */
  readonly receipt?: string;
}

/** A scan's exclusive right to act, until it expires. */
export interface Lease {
  readonly name: string;
  readonly holder: string;
  readonly expiresAt: Date;
}

/** A departure received from the HR webhook, stored once per event id. */
export interface DepartureEvent {
  readonly eventId: string;
  readonly receivedAt: Date;
  readonly people: readonly Person[];
}

/** What we remember of the last departure list we accepted (for the growth brake). */
export interface AcceptedListMeta {
  readonly origin: string;
  readonly count: number;
  readonly acceptedAt: Date;
}

/**
 * Findings, actions, outbox, lease and departures: everything that must survive between runs.
 * Adapters: DynamoDB (Lambda) and a local directory (CLI). Writes are conditional, never
 * transactional, so the DynamoDB adapter runs on dynalite.
 */
export interface Store {
  /** Takes the named lease if free or expired; `undefined` when another holder has it. */
  acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<Lease | undefined>;
  /** Gives the lease back, only if still held by `holder`. */
  releaseLease(name: string, holder: string): Promise<void>;

  /** Updates first/last seen and status of each observed finding; a status change is appended to its history. */
  observeFindings(scanId: string, observations: readonly FindingObservation[], now: Date): Promise<void>;
  /**
   * Marks findings still awaiting action (`open`, `ticketed`) not seen in this scan as resolved;
   * returns them. With `inScope`, only findings it accepts (what the scan covered): decided as
   * each stored finding is read, so one another scan adds meanwhile is judged like the rest.
   * A finding is returned to the scan that resolved it, even when the write was retried.
   */
  resolveUnseen(
    scanId: string,
    seenIds: ReadonlySet<string>,
    now: Date,
    inScope?: (finding: FindingRef) => boolean,
  ): Promise<FindingHistory[]>;
  getFinding(findingId: string): Promise<FindingHistory | undefined>;
  listFindings(): Promise<FindingHistory[]>;
  /**
   * Appends an action (revocation, verification, ticket, message) to a finding's history. An
   * action with a time is recorded once: recording an equal one again (same type, status,
   * detail, time and error; a caller retrying after a failure) changes nothing.
   */
  recordAction(findingId: string, action: ActionRecord): Promise<void>;
  setTicketKey(findingId: string, ticketKey: string): Promise<void>;

  /**
   * Adds items whose key is not yet known; returns how many were new (a key offered twice in one
   * call counts once). An item this call created counts as new even when the write was retried.
   */
  enqueue(items: readonly OutboxItem[]): Promise<number>;
  /** Items pending (or stuck in `sending`) whose next attempt is due. */
  dueOutbox(now: Date, limit: number): Promise<OutboxEntry[]>;
  /**
   * Claims an item for sending (conditional on its state; one attempt counted). True to the call
   * that made the claim, even when its write was retried; false to any other call, including a
   * second one by the same caller, and for an unknown key.
   */
  claimOutbox(key: string, now: Date): Promise<boolean>;
  /** Records a delivery, in any state; repeating it with the same arguments changes nothing. */
  markSent(key: string, receipt: string, now: Date): Promise<void>;
  /**
   * Ends a claim that failed: `pending` again at `nextAttemptAt`, or `dead` after the last
   * attempt. `claimedAt` is the `now` the caller gave `claimOutbox`: only the claim made then
   * ends, so a repeat changes nothing (and counts no attempt), and a sender that wakes after its
   * stale claim was taken over leaves the new claim alone.
   */
  markFailed(key: string, error: string, nextAttemptAt: Date, claimedAt: Date): Promise<void>;
  getOutbox(key: string): Promise<OutboxEntry | undefined>;
  /**
   * Every item whose key starts with `keyPrefix`, in any state (a sent one until its retention
   * ends), oldest `createdAt` first, then by key. The outbox asks it for the items of one ticket.
   */
  listOutbox(keyPrefix: string): Promise<OutboxEntry[]>;

  /** Stores a webhook departure once; false when the event id was seen before. */
  putDepartureEvent(event: DepartureEvent): Promise<boolean>;
  /** One stored departure event (or marker) by id, read consistently; `undefined` when absent. */
  getDepartureEvent(eventId: string): Promise<DepartureEvent | undefined>;
  listDepartureEvents(): Promise<DepartureEvent[]>;
  getAcceptedListMeta(): Promise<AcceptedListMeta | undefined>;
  putAcceptedListMeta(meta: AcceptedListMeta): Promise<void>;
}

/** The append-only audit trail: one JSON record per scan (S3 in Lambda, a file in the CLI). */
export interface AuditLog {
  append(record: Readonly<Record<string, unknown>>): Promise<void>;
}
