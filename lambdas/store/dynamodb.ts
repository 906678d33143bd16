/**
 * The Store on one DynamoDB table (Lambda). Every write is a single conditional PutItem,
 * UpdateItem or DeleteItem: no transactions, so the adapter runs unchanged on dynalite and
 * every race is settled by a condition, never by a read followed by a blind write.
 *
 * Key design (see docs/store.md): one partition per kind of record, `pk` = kind, `sk` = id.
 * A scan lists all findings and all due outbox items on every run, which a partition Query
 * answers in a few pages; a few thousand findings per deployment written once per run stay
 * far below one partition's 1,000 writes/s, so the "hot partition" is not hot.
 */
import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mapLimit } from "../core/concurrency.ts";
import type { ActionRecord } from "../core/model.ts";
import type {
  AcceptedListMeta,
  DepartureEvent,
  FindingHistory,
  FindingObservation,
  FindingRef,
  FindingStatus,
  Lease,
  OutboxEntry,
  OutboxItem,
  Store,
} from "../core/ports/store.ts";
import {
  acceptedMetaFromStored,
  acceptedMetaToStored,
  actionId,
  actionToStored,
  CorruptRecordError,
  compareDue,
  compareQueued,
  departureFromStored,
  departureToStored,
  FindingNotFoundError,
  findingFromStored,
  isClaimedBy,
  iso,
  keepLast,
  newStoredOutbox,
  OutboxItemNotFoundError,
  outboxFromStored,
  type ResolvedStoreOptions,
  resolveStoreOptions,
  resolvesWhenUnseen,
  type StoredAcceptedListMeta,
  type StoredDepartureEvent,
  type StoredFinding,
  type StoredOutbox,
  type StoreOptions,
  staleBefore,
} from "./records.ts";

/** The table's key schema and TTL attribute, for the CDK construct that creates it. */
export const STORE_TABLE = {
  partitionKey: "pk",
  sortKey: "sk",
  timeToLiveAttribute: "expiresAt",
} as const;

/** Partition key values: one partition per kind of record. */
export const STORE_PARTITIONS = {
  finding: "FINDING",
  outbox: "OUTBOX",
  lease: "LEASE",
  departure: "DEPARTURE",
  meta: "META",
} as const;

const ACCEPTED_LIST_SK = "accepted-list";

/** How many findings are written at once by `observeFindings`. */
const WRITE_CONCURRENCY = 16;

/** How often a conditional write is retried after losing a race with another writer. */
const MAX_RACE_RETRIES = 8;

/** A write kept losing races with concurrent writers; the caller may retry the whole operation. */
export class StoreContentionError extends Error {
  override readonly name = "StoreContentionError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The Store on DynamoDB. Create the client once per cold start and pass it in; a plain
 * `DynamoDBClient` is wrapped in a document client here.
 */
export class DynamoDbStore implements Store {
  private readonly doc: DynamoDBDocumentClient;
  private readonly options: ResolvedStoreOptions;

  constructor(
    client: DynamoDBDocumentClient | DynamoDBClient,
    private readonly tableName: string,
    options: StoreOptions = {},
  ) {
    this.doc =
      client instanceof DynamoDBDocumentClient
        ? client
        : DynamoDBDocumentClient.from(client as DynamoDBClient, {
            marshallOptions: { removeUndefinedValues: true },
          });
    this.options = resolveStoreOptions(options);
  }

  // -- lease ------------------------------------------------------------------------------------

  async acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<Lease | undefined> {
    const expiresAt = new Date(now.getTime() + ttlMs);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: STORE_PARTITIONS.lease, sk: name, name, holder, expiresAtMs: expiresAt.getTime() },
          ConditionExpression: "attribute_not_exists(pk) OR expiresAtMs < :now OR holder = :me",
          ExpressionAttributeValues: { ":now": now.getTime(), ":me": holder },
        }),
      );
      return { name, holder, expiresAt };
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: STORE_PARTITIONS.lease, sk: name },
          ConditionExpression: "holder = :me",
          ExpressionAttributeValues: { ":me": holder },
        }),
      );
    } catch (error) {
      // Not ours (any more): someone took it over after it expired, or it is gone.
      if (!isConditionFailed(error)) throw error;
    }
  }

  // -- findings ---------------------------------------------------------------------------------

  async observeFindings(
    scanId: string,
    observations: readonly FindingObservation[],
    now: Date,
  ): Promise<void> {
    await mapLimit(observations, WRITE_CONCURRENCY, (observation) =>
      this.observeOne(scanId, observation, now),
    );
  }

  /**
   * One observation: first assume the status is unchanged (the common case, one write);
   * when the condition says otherwise, read the current status and append the change
   * conditional on it, so two writers never both record the same transition.
   */
  private async observeOne(scanId: string, observation: FindingObservation, now: Date): Promise<void> {
    const { finding, status } = observation;
    let assumed: FindingStatus | null = status;
    for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
      if (attempt > 0) assumed = (await this.readFinding(finding.id))?.status ?? null;
      const changed = assumed !== status;
      const sets = [
        "findingId = :id",
        "ruleId = :rule",
        "severity = :severity",
        "lastSeen = :now",
        "lastScanId = :scan",
        "firstSeen = if_not_exists(firstSeen, :now)",
      ];
      const values: Record<string, NativeAttributeValue> = {
        ":id": finding.id,
        ":rule": finding.ruleId,
        ":severity": finding.severity,
        ":now": iso(now),
        ":scan": scanId,
      };
      if (finding.credential) {
        sets.push("credentialId = :cred");
        values[":cred"] = finding.credential.id;
      }
      if (changed) {
        sets.push(
          "#status = :to",
          "changes = list_append(if_not_exists(changes, :empty), :change)",
          "actions = if_not_exists(actions, :empty)",
        );
        values[":to"] = status;
        values[":empty"] = [];
        values[":change"] = [{ at: iso(now), from: assumed, to: status, scanId }];
      }
      if (assumed !== null) values[":from"] = assumed;
      try {
        const result = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: findingKey(finding.id),
            UpdateExpression: `SET ${sets.join(", ")}`,
            ConditionExpression: assumed === null ? "attribute_not_exists(pk)" : "#status = :from",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: values,
            ReturnValues: changed ? "UPDATED_NEW" : "NONE",
          }),
        );
        if (changed) await this.trimHistory(finding.id, { changes: listLength(result.Attributes?.changes) });
        return;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
    throw new StoreContentionError(`finding ${finding.id}: status kept changing under concurrent writers`);
  }

  async resolveUnseen(
    scanId: string,
    seenIds: ReadonlySet<string>,
    now: Date,
    inScope?: (finding: FindingRef) => boolean,
  ): Promise<FindingHistory[]> {
    const resolved: FindingHistory[] = [];
    for (const stored of await this.listStoredFindings()) {
      if (!resolvesWhenUnseen(stored, seenIds, inScope)) continue;
      const after = await this.resolveOne(stored, scanId, now);
      if (!after) continue;
      await this.trimHistory(stored.findingId, { changes: listLength(after.changes) });
      resolved.push(
        findingFromStored({ ...after, changes: keepLast(after.changes, this.options.historyLimit) }),
      );
    }
    return resolved;
  }

  /**
   * Resolves one finding if its status is still the one listed; answers it as resolved, or
   * `undefined` when someone else changed it first. `resolvedBy` tells the two apart when the
   * SDK resent a write that had landed: the resend fails its own condition, and the item then
   * names this scan as the one that resolved it.
   */
  private async resolveOne(
    stored: StoredFinding,
    scanId: string,
    now: Date,
  ): Promise<StoredFinding | undefined> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: findingKey(stored.findingId),
          UpdateExpression:
            "SET #status = :resolved, resolvedBy = :scan, changes = list_append(if_not_exists(changes, :empty), :change)",
          ConditionExpression: "#status = :from",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":resolved": "resolved",
            ":scan": scanId,
            ":from": stored.status,
            ":empty": [],
            ":change": [{ at: iso(now), from: stored.status, to: "resolved", scanId }],
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return findingFromItem(result.Attributes ?? {});
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const current = await this.readFinding(stored.findingId);
      if (current?.status === "resolved" && current.resolvedBy === scanId) return current;
      // Its status changed since it was listed: whoever changed it decided, not this scan.
      return undefined;
    }
  }

  async getFinding(findingId: string): Promise<FindingHistory | undefined> {
    const stored = await this.readFinding(findingId);
    return stored ? findingFromStored(stored) : undefined;
  }

  async listFindings(): Promise<FindingHistory[]> {
    return (await this.listStoredFindings()).map(findingFromStored);
  }

  /**
   * Appends the action unless its id (`actionId`) is already recorded: the id is made once, so
   * a write the SDK resends after it landed, or an equal timed action a caller records again
   * after seeing a failure, finds it there and is done. A failed condition is read back to
   * tell "already recorded" from "no such finding".
   */
  async recordAction(findingId: string, action: ActionRecord): Promise<void> {
    const id = actionId(action);
    for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
      try {
        const result = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: findingKey(findingId),
            UpdateExpression:
              "SET actions = list_append(if_not_exists(actions, :empty), :action), actionIds = list_append(if_not_exists(actionIds, :empty), :ids)",
            ConditionExpression: "attribute_exists(pk) AND NOT contains(actionIds, :id)",
            ExpressionAttributeValues: {
              ":empty": [],
              ":action": [actionToStored(action)],
              ":ids": [id],
              ":id": id,
            },
            ReturnValues: "UPDATED_NEW",
          }),
        );
        await this.trimHistory(findingId, {
          actions: listLength(result.Attributes?.actions),
          actionIds: listLength(result.Attributes?.actionIds),
        });
        return;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        const stored = await this.readFinding(findingId);
        if (!stored) throw new FindingNotFoundError(findingId, { cause: error });
        if (stored.actionIds?.includes(id)) {
          // Already recorded; its trim may not have happened (that write failed), so do it now.
          await this.trimHistory(findingId, {
            actions: stored.actions.length,
            actionIds: stored.actionIds.length,
          });
          return;
        }
        // The finding appeared between the write and the read: write again.
      }
    }
    throw new StoreContentionError(`finding ${findingId}: recording an action kept failing its condition`);
  }

  async setTicketKey(findingId: string, ticketKey: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: findingKey(findingId),
          UpdateExpression: "SET ticketKey = :ticket",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":ticket": ticketKey },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) throw new FindingNotFoundError(findingId, { cause: error });
      throw error;
    }
  }

  /**
   * Keeps history lists at `historyLimit` entries. `list_append` cannot trim, so the writer
   * that pushed a list over the limit removes the oldest entries, conditional on the lengths
   * it saw: if someone appended meanwhile, their own trim does the job. Best effort: the write
   * it follows has landed and stands, so a failed trim fails nothing; it leaves the list a
   * little long until the next append past the limit, whose trim removes all the excess.
   */
  private async trimHistory(
    findingId: string,
    lengths: Partial<Record<"changes" | "actions" | "actionIds", number>>,
  ): Promise<void> {
    const removals: string[] = [];
    const conditions: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, NativeAttributeValue> = {};
    for (const [index, [list, length]] of Object.entries(lengths).entries()) {
      const excess = (length ?? 0) - this.options.historyLimit;
      if (excess <= 0) continue;
      names[`#l${index}`] = list;
      values[`:n${index}`] = length;
      conditions.push(`size(#l${index}) = :n${index}`);
      for (let i = 0; i < excess; i++) removals.push(`#l${index}[${i}]`);
    }
    if (removals.length === 0) return;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: findingKey(findingId),
          UpdateExpression: `REMOVE ${removals.join(", ")}`,
          ConditionExpression: conditions.join(" AND "),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch {
      // A failed condition: someone appended meanwhile and trims. Anything else: see above.
    }
  }

  private async readFinding(findingId: string): Promise<StoredFinding | undefined> {
    const item = await this.getItem(findingKey(findingId));
    return item ? findingFromItem(item) : undefined;
  }

  /** One item by its key, read consistently: a read that follows a conditional write sees it. */
  private async getItem(
    Key: Record<string, string>,
  ): Promise<Record<string, NativeAttributeValue> | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }),
    );
    return result.Item;
  }

  private async listStoredFindings(): Promise<StoredFinding[]> {
    const items = await this.queryPartition(STORE_PARTITIONS.finding);
    return items.map(findingFromItem).sort((a, b) => compareStrings(a.findingId, b.findingId));
  }

  // -- outbox -----------------------------------------------------------------------------------

  /**
   * Puts each item whose key is unknown. The items carry a token made once per call
   * (`enqueuedBy`): a put the SDK resent after it landed fails `attribute_not_exists`, and the
   * item, read back, holds this call's token, so it is still counted as new. A key offered twice
   * in one call is written (and counted) once.
   */
  async enqueue(items: readonly OutboxItem[]): Promise<number> {
    const enqueuedBy = randomUUID();
    const offered = new Set<string>();
    let added = 0;
    for (const item of items) {
      if (offered.has(item.key)) continue;
      offered.add(item.key);
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: outboxToItem(newStoredOutbox(item, enqueuedBy)),
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        added++;
      } catch (error) {
        // Known key: the same change was enqueued before, which is the point of the key.
        if (!isConditionFailed(error)) throw error;
        if (wasResent(error) && (await this.readOutbox(item.key))?.enqueuedBy === enqueuedBy) added++;
      }
    }
    return added;
  }

  async dueOutbox(now: Date, limit: number): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    const items = await this.queryPartition(STORE_PARTITIONS.outbox, {
      FilterExpression:
        "(#state = :pending AND nextAttemptAt <= :now) OR (#state = :sending AND (attribute_not_exists(claimedAt) OR claimedAt <= :staleBefore))",
      ExpressionAttributeNames: { "#state": "state" },
      ExpressionAttributeValues: {
        ":pending": "pending",
        ":sending": "sending",
        ":now": iso(now),
        ":staleBefore": iso(staleBefore(now, this.options.staleSendingMs)),
      },
    });
    return items.map(outboxFromItem).sort(compareDue).slice(0, limit).map(outboxFromStored);
  }

  /**
   * Claims the item if it is pending and due, or stale in `sending`. The claim carries a token
   * made once per call (`claimedBy`): a claim the SDK resent after it landed fails its own
   * condition, and the item, read back, holds this call's token, so the claim is this caller's
   * (one attempt counted) rather than nobody's until it goes stale.
   */
  async claimOutbox(key: string, now: Date): Promise<boolean> {
    const claimedBy = randomUUID();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: outboxKey(key),
          UpdateExpression:
            "SET #state = :sending, claimedAt = :now, claimedBy = :token, attempts = attempts + :one",
          ConditionExpression:
            "(#state = :pending AND nextAttemptAt <= :now) OR (#state = :sending AND (attribute_not_exists(claimedAt) OR claimedAt <= :staleBefore))",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":pending": "pending",
            ":sending": "sending",
            ":now": iso(now),
            ":staleBefore": iso(staleBefore(now, this.options.staleSendingMs)),
            ":token": claimedBy,
            ":one": 1,
          },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // Someone else's claim, a state that is not claimable, no such item: or our own, resent.
      return wasResent(error) && isClaimedBy(await this.readOutbox(key), claimedBy);
    }
  }

  async markSent(key: string, receipt: string, now: Date): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: outboxKey(key),
          UpdateExpression:
            "SET #state = :sent, receipt = :receipt, sentAt = :now, expiresAt = :expiresAt REMOVE claimedAt, claimedBy",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":sent": "sent",
            ":receipt": receipt,
            ":now": iso(now),
            ":expiresAt": Math.ceil((now.getTime() + this.options.sentRetentionMs) / 1000),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) throw new OutboxItemNotFoundError(key, { cause: error });
      throw error;
    }
  }

  /**
   * Ends the claim made at `claimedAt` that failed: `pending` again at `nextAttemptAt`, or `dead`
   * once the attempts are used up. Only that claim ends: if the item was meanwhile sent, or
   * reclaimed after the claim went stale, that stands. DynamoDB cannot choose a value by
   * condition, so two conditional writes.
   */
  async markFailed(key: string, error: string, nextAttemptAt: Date, claimedAt: Date): Promise<void> {
    const values = {
      ":sending": "sending",
      ":max": this.options.maxAttempts,
      ":error": error,
      ":next": iso(nextAttemptAt),
      ":claimedAt": iso(claimedAt),
    };
    for (const [state, condition] of [
      ["dead", "#state = :sending AND claimedAt = :claimedAt AND attempts >= :max"],
      ["pending", "#state = :sending AND claimedAt = :claimedAt AND attempts < :max"],
    ] as const) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: outboxKey(key),
            UpdateExpression:
              "SET #state = :state, lastError = :error, nextAttemptAt = :next, lastAttemptAt = :claimedAt REMOVE claimedAt, claimedBy",
            ConditionExpression: condition,
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: { ...values, ":state": state },
          }),
        );
        return;
      } catch (cause) {
        if (!isConditionFailed(cause)) throw cause;
      }
    }
    if (!(await this.getOutbox(key))) throw new OutboxItemNotFoundError(key);
  }

  async getOutbox(key: string): Promise<OutboxEntry | undefined> {
    const stored = await this.readOutbox(key);
    return stored ? outboxFromStored(stored) : undefined;
  }

  private async readOutbox(key: string): Promise<StoredOutbox | undefined> {
    const item = await this.getItem(outboxKey(key));
    return item ? outboxFromItem(item) : undefined;
  }

  async listOutbox(keyPrefix: string): Promise<OutboxEntry[]> {
    // The key is the sort key: a key-condition Query reads only the matching items (DynamoDB
    // refuses an empty string in a key condition, and an empty prefix matches every item anyway).
    const items = await this.queryPartition(STORE_PARTITIONS.outbox, {}, keyPrefix || undefined);
    return items.map(outboxFromItem).sort(compareQueued).map(outboxFromStored);
  }

  // -- departures -------------------------------------------------------------------------------

  async putDepartureEvent(event: DepartureEvent): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: STORE_PARTITIONS.departure, sk: event.eventId, ...departureToStored(event) },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async getDepartureEvent(eventId: string): Promise<DepartureEvent | undefined> {
    const item = await this.getItem({ pk: STORE_PARTITIONS.departure, sk: eventId });
    return item ? departureFromStored(withoutKeys(item) as unknown as StoredDepartureEvent) : undefined;
  }

  async listDepartureEvents(): Promise<DepartureEvent[]> {
    const items = await this.queryPartition(STORE_PARTITIONS.departure);
    return items
      .map((item) => departureFromStored(withoutKeys(item) as unknown as StoredDepartureEvent))
      .sort(
        (a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || compareStrings(a.eventId, b.eventId),
      );
  }

  async getAcceptedListMeta(): Promise<AcceptedListMeta | undefined> {
    const item = await this.getItem({ pk: STORE_PARTITIONS.meta, sk: ACCEPTED_LIST_SK });
    return item ? acceptedMetaFromStored(withoutKeys(item) as unknown as StoredAcceptedListMeta) : undefined;
  }

  async putAcceptedListMeta(meta: AcceptedListMeta): Promise<void> {
    const stored = acceptedMetaToStored(meta);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: STORE_PARTITIONS.meta, sk: ACCEPTED_LIST_SK, ...stored },
          // Conditional like every write: a slower scan never replaces a newer list's record.
          ConditionExpression: "attribute_not_exists(pk) OR acceptedAt <= :at",
          ExpressionAttributeValues: { ":at": stored.acceptedAt },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  // -- helpers ----------------------------------------------------------------------------------

  private async queryPartition(
    pk: string,
    filter: {
      FilterExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Record<string, NativeAttributeValue>;
    } = {},
    skPrefix?: string,
  ): Promise<Record<string, NativeAttributeValue>[]> {
    const items: Record<string, NativeAttributeValue>[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression:
          skPrefix === undefined ? "pk = :pk" : "pk = :pk AND begins_with(sk, :skPrefix)",
        ConsistentRead: true,
        ...filter,
        ExpressionAttributeValues: {
          ...filter.ExpressionAttributeValues,
          ":pk": pk,
          ...(skPrefix !== undefined ? { ":skPrefix": skPrefix } : {}),
        },
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  }
}

function findingKey(findingId: string): Record<string, string> {
  return { pk: STORE_PARTITIONS.finding, sk: findingId };
}

function outboxKey(key: string): Record<string, string> {
  return { pk: STORE_PARTITIONS.outbox, sk: key };
}

function findingFromItem(item: Record<string, NativeAttributeValue>): StoredFinding {
  const stored = withoutKeys(item) as unknown as StoredFinding;
  if (typeof stored.findingId !== "string" || typeof stored.status !== "string") {
    throw new CorruptRecordError(`finding item ${String(item.sk)}`, "missing findingId or status");
  }
  return { ...stored, changes: stored.changes ?? [], actions: stored.actions ?? [] };
}

/** The payload is kept as JSON text: any shape the notifier likes, no DynamoDB type surprises. */
function outboxToItem(stored: StoredOutbox): Record<string, NativeAttributeValue> {
  const { payload, ...rest } = stored;
  return { pk: STORE_PARTITIONS.outbox, sk: stored.key, ...rest, payloadJson: JSON.stringify(payload) };
}

function outboxFromItem(item: Record<string, NativeAttributeValue>): StoredOutbox {
  const { payloadJson, expiresAt: _ttl, lastAttemptAt: _lastAttemptAt, ...rest } = withoutKeys(item);
  let payload: unknown;
  try {
    payload = JSON.parse(String(payloadJson));
  } catch (error) {
    throw new CorruptRecordError(`outbox item ${String(item.sk)}`, "payload is not JSON", { cause: error });
  }
  return { ...(rest as unknown as Omit<StoredOutbox, "payload">), payload };
}

function withoutKeys(item: Record<string, NativeAttributeValue>): Record<string, NativeAttributeValue> {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest;
}

function listLength(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/**
 * Whether the SDK sent the request more than once (its retry middleware counts attempts in
 * `$metadata`): only then can a failed condition be our own earlier attempt, which landed. When
 * it does not say, assume it did, and read back.
 */
function wasResent(error: unknown): boolean {
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts;
  return attempts === undefined || attempts > 1;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
