/**
 * The outbox: what a scan wants said is first written to the store (idempotent by key), then
 * delivered. A provider outage leaves items pending for the next run (nothing lost); an item
 * whose key is already known is never enqueued again, and one a crashed run may have sent is
 * looked up at the provider before it is re-sent (nothing duplicated).
 */
import type { Clock } from "../core/clock.ts";
import type { ComposedMessage, Composition, TicketGroup, TicketResolution } from "../core/notifications.ts";
import type { NotificationReceipt, Notifier, SendContext } from "../core/ports/notifier.ts";
import { DeliveryError, formatReceipt } from "../core/ports/notifier.ts";
import type { OutboxEntry, OutboxItem, Store } from "../core/ports/store.ts";
import type { TicketRef, TicketSink } from "../core/ports/ticket-sink.ts";

/** What an outbox item carries. Plain JSON, as the store keeps it. */
export type OutboxPayload =
  | { readonly type: "message"; readonly message: ComposedMessage }
  | { readonly type: "ticket-upsert"; readonly group: TicketGroup }
  | { readonly type: "ticket-resolve"; readonly resolution: TicketResolution };

/** The outbox key of a message: its idempotency key. */
export function messageOutboxKey(message: ComposedMessage): string {
  return `slack:${message.key}`;
}

/** The outbox key of a ticket revision: one delivery per stable key × revision. */
export function ticketOutboxKey(group: TicketGroup): string {
  return `ticket:${group.key}:${group.revision}`;
}

/** The outbox key of a ticket resolution. */
export function resolutionOutboxKey(resolution: TicketResolution): string {
  return `ticket-resolved:${resolution.key}:${resolution.revision}`;
}

/** The key prefixes of every outbox item about one ticket: its revisions and its resolutions. */
export function ticketOutboxPrefixes(ticketKey: string): readonly string[] {
  return [`ticket:${ticketKey}:`, `ticket-resolved:${ticketKey}:`];
}

/** Which channels to enqueue for: only those with a configured adapter, so nothing waits forever. */
export interface EnqueueChannels {
  /** @default true */
  readonly messages?: boolean;
  /** @default true */
  readonly tickets?: boolean;
}

/** The outbox items for one scan's composition (tickets first, so messages can link them). */
export function outboxItemsFor(
  composition: Composition,
  now: Date,
  channels: EnqueueChannels = {},
): OutboxItem[] {
  const items: OutboxItem[] = [];
  if (channels.tickets !== false) {
    for (const group of composition.tickets) {
      const payload: OutboxPayload = { type: "ticket-upsert", group };
      items.push({ key: ticketOutboxKey(group), channel: "ticket", payload, createdAt: now });
    }
    for (const resolution of composition.resolutions) {
      const payload: OutboxPayload = { type: "ticket-resolve", resolution };
      items.push({ key: resolutionOutboxKey(resolution), channel: "ticket", payload, createdAt: now });
    }
  }
  if (channels.messages !== false) {
    for (const message of composition.messages) {
      const payload: OutboxPayload = { type: "message", message };
      items.push({ key: messageOutboxKey(message), channel: "slack", payload, createdAt: now });
    }
  }
  return items;
}

/** Enqueues everything a scan wants delivered; returns how many items were new. */
export async function enqueueForScan(
  store: Store,
  composition: Composition,
  now: Date,
  channels: EnqueueChannels = {},
): Promise<number> {
  return store.enqueue(outboxItemsFor(composition, now, channels));
}

/**
 * A delivery that certainly did not reach the provider: it refused, rate limited, or was never
 * reached, or the item never got as far as the request. The next attempt re-sends without looking
 * first. Any other failure of a message may have posted it, so the next attempt looks first.
 */
export class NotDeliveredError extends DeliveryError {
  override readonly name: string = "NotDeliveredError";

  /** The same failure, marked as certainly not delivered. */
  static from(error: unknown): NotDeliveredError {
    if (error instanceof NotDeliveredError) return error;
    if (error instanceof DeliveryError)
      return new NotDeliveredError(error.message, error.details, { cause: error.cause });
    return new NotDeliveredError(
      error instanceof Error ? error.message : String(error),
      {},
      { cause: error },
    );
  }
}

/** How a `NotDeliveredError` starts in an item's `lastError`. */
const NOT_DELIVERED = "NotDeliveredError";

/** What a history search is bounded by. */
export interface AlreadySentOptions {
  /** When the item was first queued: nothing before it (less a margin) needs reading. */
  readonly since?: Date;
}

/**
 * The notifier the outbox drives: the `Notifier` port, whose `alreadySent` may take the time the
 * item was queued to bound its search (the Slack notifier does; others ignore it).
 */
export type OutboxNotifier = Notifier & {
  alreadySent(
    message: ComposedMessage,
    options?: AlreadySentOptions,
  ): Promise<NotificationReceipt | undefined>;
};

/** Delay after the `attempt`-th failure (1-based), in milliseconds. */
export type Backoff = (attempt: number) => number;

/**
 * Exponential backoff: `baseMs · 2^(attempt-1)`, capped at `maxMs`. Runs are scheduled, so the
 * delay says when the item is due again, not when it is retried.
 */
export function exponentialBackoff(baseMs = 5 * 60_000, maxMs = 6 * 3_600_000): Backoff {
  return (attempt) => Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** What `deliver` needs. */
export interface DeliverOptions {
  readonly store: Store;
  /** The chat adapter; items for it fail (and eventually die) when it is missing. */
  readonly notifier?: OutboxNotifier;
  readonly ticketSink?: TicketSink;
  readonly now: Date;
  /**
   * The time of each claim, and of the sent or failed mark that ends it. A claim carries the time
   * it was made: one made late in a long run, stamped with the run's start, would look older
   * than it is, and another run could take it over as stale (`staleSendingMs`) while it is still
   * being sent. @default `now`, plus the time elapsed since `deliver` was called
   */
  readonly clock?: Clock;
  /**
   * Attempts after which an item counts as dead in the report. The store decides the state with its
   * own `maxAttempts`; give the same number.
   * @default 8
   */
  readonly maxAttempts?: number;
  /** @default exponentialBackoff() */
  readonly backoff?: Backoff;
  /** Most items handled in one run. @default 100 */
  readonly limit?: number;
}

/** One item's outcome. */
export interface DeliveryOutcome {
  readonly key: string;
  readonly channel: OutboxItem["channel"];
  readonly attempts: number;
  readonly receipt?: string;
  readonly error?: string;
  readonly nextAttemptAt?: Date;
}

/** What one delivery run did. */
export interface DeliveryReport {
  /** Sent in this run. */
  readonly sent: DeliveryOutcome[];
  /** Found already delivered at the provider (a run died after sending), marked sent without re-sending. */
  readonly recovered: DeliveryOutcome[];
  /**
   * Ticket items not delivered because an item for the same ticket was queued after them (a later
   * revision, or a resolution): out of date, so marked sent without contacting the tracker, with
   * the receipt `superseded by <newer key>`.
   */
  readonly superseded: DeliveryOutcome[];
  /** Failed; pending again at `nextAttemptAt`. */
  readonly failed: DeliveryOutcome[];
  /** Failed for the last time: a human must look (the store keeps them as `dead`). */
  readonly dead: DeliveryOutcome[];
  /** Claimed by another run meanwhile. */
  readonly skipped: string[];
  /** Not attempted: their channel failed repeatedly in this run (an outage), so they wait, unclaimed. */
  readonly deferred: string[];
  /** Book-keeping that failed after a successful send (the send stands). */
  readonly warnings: string[];
}

const CHANNEL_ORDER: Readonly<Record<OutboxItem["channel"], number>> = {
  ticket: 0,
  "security-hub": 1,
  slack: 2,
};

/** Claims and delivers due outbox items, marking each sent or failed. Never throws for a provider error. */
export async function deliver(options: DeliverOptions): Promise<DeliveryReport> {
  const { store, now } = options;
  const started = performance.now();
  const clock = options.clock ?? {
    now: () => new Date(now.getTime() + Math.round(performance.now() - started)),
  };
  const maxAttempts = options.maxAttempts ?? 8;
  const backoff = options.backoff ?? exponentialBackoff();
  const report: DeliveryReport = {
    sent: [],
    recovered: [],
    superseded: [],
    failed: [],
    dead: [],
    skipped: [],
    deferred: [],
    warnings: [],
  };
  // A provider that fails twice in a row is treated as down for the rest of this run: hammering
  // it would only burn attempts (and a Lambda's time); the next run tries again.
  const consecutiveFailures = new Map<OutboxItem["channel"], number>();
  const OUTAGE_AFTER = 2;
  const due = await store.dueOutbox(now, options.limit ?? 100);
  // Tickets first, in the order they were enqueued, so a message can link the ticket it mentions.
  due.sort(
    (a, b) =>
      CHANNEL_ORDER[a.channel] - CHANNEL_ORDER[b.channel] ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      a.key.localeCompare(b.key),
  );
  const ticketLinks: Record<string, string> = {};

  for (const entry of due) {
    if ((consecutiveFailures.get(entry.channel) ?? 0) >= OUTAGE_AFTER) {
      report.deferred.push(entry.key);
      continue;
    }
    const claimedAt = clock.now();
    if (!(await store.claimOutbox(entry.key, claimedAt))) {
      report.skipped.push(entry.key);
      continue;
    }
    // The claim counted this attempt. A previous one may have reached the provider unless it is
    // known not to have (its error was a NotDeliveredError); a crashed one (stale `sending`) may have.
    const attempts = entry.attempts + 1;
    const mayHaveBeenSent =
      entry.state === "sending" ||
      (entry.attempts > 0 && !(entry.lastError ?? "").startsWith(`${NOT_DELIVERED}:`));
    try {
      const payload = readPayload(entry);
      const { newer, knownTickets } = await ticketHistory(store, entry, payload);
      if (newer !== undefined) {
        // Delivering it now would bring back what a later item replaced: an old revision would
        // reopen a ticket its resolution closed, an old resolution would close a ticket whose
        // findings came back. The newer item says (or said) what holds.
        const receipt = `superseded by ${newer.key}`;
        await store.markSent(entry.key, receipt, clock.now());
        report.superseded.push({ key: entry.key, channel: entry.channel, attempts, receipt });
        continue;
      }
      let receipt: string;
      let recovered = false;
      if (payload.type === "message") {
        const notifier = required(options.notifier, "no notifier is configured for Slack messages");
        // If the search cannot tell (history unreadable), it throws: the item stays queued, unsent.
        const found = mayHaveBeenSent
          ? await notifier.alreadySent(payload.message, { since: entry.createdAt })
          : undefined;
        if (found !== undefined) {
          receipt = formatReceipt(found);
          recovered = true;
        } else {
          const context: SendContext = {
            ticketLinks: linksFor(payload.message, ticketLinks, options.ticketSink),
          };
          receipt = formatReceipt(await notifier.send(payload.message, context));
        }
      } else if (payload.type === "ticket-upsert") {
        const sink = required(options.ticketSink, "no ticket tracker is configured");
        const result = await sink.upsert(payload.group, { knownTickets });
        ticketLinks[payload.group.key] = result.url;
        recovered = result.outcome === "unchanged";
        // Remembered per finding before marking sent: a resolution later finds its ticket by it.
        for (const id of payload.group.findingIds) await setTicketKey(store, id, payload.group.key);
        receipt = ticketReceipt(result.outcome, result);
      } else {
        const sink = required(options.ticketSink, "no ticket tracker is configured");
        const result = await sink.resolve(payload.resolution, { knownTickets });
        receipt = result.ticket !== undefined ? ticketReceipt(result.outcome, result.ticket) : result.outcome;
      }
      const sentAt = clock.now();
      await store.markSent(entry.key, receipt, sentAt);
      (recovered ? report.recovered : report.sent).push({
        key: entry.key,
        channel: entry.channel,
        attempts,
        receipt,
      });
      await recordDelivery(store, payload, receipt, sentAt, report.warnings);
      consecutiveFailures.set(entry.channel, 0);
    } catch (error) {
      consecutiveFailures.set(entry.channel, (consecutiveFailures.get(entry.channel) ?? 0) + 1);
      const message = describe(error);
      const retryAt = error instanceof DeliveryError ? error.details.retryAt : undefined;
      const failedAt = clock.now().getTime();
      const nextAttemptAt = new Date(Math.max(failedAt + backoff(attempts), retryAt?.getTime() ?? 0));
      // Only this run's claim ends, not a reclaimer's.
      await store.markFailed(entry.key, message, nextAttemptAt, claimedAt);
      const after = await store.getOutbox(entry.key);
      const outcome = { key: entry.key, channel: entry.channel, attempts, error: message };
      if (after?.state === "dead" || (after === undefined && attempts >= maxAttempts))
        report.dead.push(outcome);
      else report.failed.push({ ...outcome, nextAttemptAt });
    }
  }
  return report;
}

/** An outbox item's payload is not one this module wrote. */
export class OutboxPayloadError extends Error {
  override readonly name = "OutboxPayloadError";
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`outbox item ${key} has an unknown payload`, options);
  }
}

function readPayload(entry: OutboxEntry): OutboxPayload {
  const payload = entry.payload as Partial<Record<string, unknown>> | null;
  const ok =
    payload !== null &&
    typeof payload === "object" &&
    ((payload.type === "message" &&
      typeof (payload.message as ComposedMessage | undefined)?.key === "string") ||
      (payload.type === "ticket-upsert" &&
        typeof (payload.group as TicketGroup | undefined)?.key === "string") ||
      (payload.type === "ticket-resolve" &&
        typeof (payload.resolution as TicketResolution | undefined)?.key === "string"));
  if (!ok) throw new OutboxPayloadError(entry.key);
  return payload as unknown as OutboxPayload;
}

/** A ticket item's receipt: what the tracker did, to which ticket (`created SEC-42 https://…`). */
export function ticketReceipt(outcome: string, ticket: TicketRef): string {
  return `${outcome} ${ticket.key} ${ticket.url}`;
}

/** The tracker key in a ticket item's receipt, when the item reached a ticket it left open. */
function openedTicketOf(receipt: string | undefined): string | undefined {
  return /^(?:created|commented|unchanged) (\S+) /.exec(receipt ?? "")?.[1];
}

/** What the outbox knows of a ticket item's ticket from the other items about it. */
interface TicketHistory {
  /**
   * The last item about the same ticket queued after this one, if any. Queue order is the order
   * the scans saw things in; delivery order is not (backoffs differ), so a ticket item is only
   * delivered while it is the latest word on its ticket. A finding that comes back after its
   * ticket was closed is queued after the resolution, so it still opens a new ticket.
   */
  readonly newer?: OutboxEntry;
  /**
   * The tracker keys earlier deliveries created or updated, the latest queued first: the tracker's search may
   * not show a ticket created seconds ago, so the sink reads these by key (`TicketHints`).
   */
  readonly knownTickets: readonly string[];
}

async function ticketHistory(
  store: Store,
  entry: OutboxEntry,
  payload: OutboxPayload,
): Promise<TicketHistory> {
  if (payload.type === "message") return { knownTickets: [] };
  const ticketKey = payload.type === "ticket-upsert" ? payload.group.key : payload.resolution.key;
  let newer: OutboxEntry | undefined;
  const delivered: OutboxEntry[] = [];
  for (const prefix of ticketOutboxPrefixes(ticketKey)) {
    for (const other of await store.listOutbox(prefix)) {
      if (openedTicketOf(other.receipt) !== undefined) delivered.push(other);
      if (other.createdAt.getTime() <= (newer ?? entry).createdAt.getTime()) continue;
      newer = other;
    }
  }
  delivered.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const knownTickets = [...new Set(delivered.map((other) => openedTicketOf(other.receipt)!))];
  return { ...(newer !== undefined ? { newer } : {}), knownTickets };
}

function required<T>(adapter: T | undefined, why: string): T {
  if (adapter === undefined) throw new NotDeliveredError(why, { code: "not_configured" });
  return adapter;
}

function linksFor(
  message: ComposedMessage,
  known: Readonly<Record<string, string>>,
  sink: TicketSink | undefined,
): Record<string, string> {
  const links: Record<string, string> = {};
  for (const key of message.ticketKeys) {
    const link = known[key] ?? sink?.linkFor(key);
    if (link !== undefined) links[key] = link;
  }
  return links;
}

/** Findings the store has not observed (a plan delivered without a store scan) have no history to update. */
async function setTicketKey(store: Store, findingId: string, ticketKey: string): Promise<void> {
  try {
    await store.setTicketKey(findingId, ticketKey);
  } catch (error) {
    if ((error as Error).name !== "FindingNotFoundError") throw error;
  }
}

/** Appends the delivery to each finding's history; best effort, because the send already happened. */
async function recordDelivery(
  store: Store,
  payload: OutboxPayload,
  receipt: string,
  now: Date,
  warnings: string[],
): Promise<void> {
  const [type, ids, detail] =
    payload.type === "message"
      ? payload.message.kind === "digest"
        ? [undefined, [], ""]
        : (["notify", payload.message.findingIds, `${payload.message.kind} message ${receipt}`] as const)
      : payload.type === "ticket-upsert"
        ? (["ticket", payload.group.findingIds, `ticket ${receipt}`] as const)
        : (["ticket", payload.resolution.findingIds, `ticket ${receipt}`] as const);
  if (type === undefined) return;
  for (const id of ids) {
    try {
      await store.recordAction(id, { type, status: "done", detail, at: now });
    } catch (error) {
      if ((error as Error).name !== "FindingNotFoundError") warnings.push(`${id}: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 1000);
  return String(error).slice(0, 1000);
}
