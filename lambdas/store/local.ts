/**
 * The Store as a directory of JSON files, for the CLI (default `.iam-hygiene/` next to the
 * config). Same semantics as the DynamoDB adapter: every file is replaced atomically, new
 * records are created exclusively, and every read-modify-write runs under a store-wide lock
 * that holds across processes, so two CLI runs never both claim, resolve or record the same
 * thing. Layout: docs/store.md.
 */
import { createHash, randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { mapLimit } from "../core/concurrency.ts";
import type { ActionRecord } from "../core/model.ts";
import type {
  AcceptedListMeta,
  DepartureEvent,
  FindingHistory,
  FindingObservation,
  FindingRef,
  Lease,
  OutboxEntry,
  OutboxItem,
  Store,
} from "../core/ports/store.ts";
import { GenerationLock, JsonFiles, unlinkQuietly } from "./files.ts";
import {
  acceptedMetaFromStored,
  acceptedMetaToStored,
  actionId,
  appendAction,
  claim,
  compareDue,
  compareQueued,
  departureFromStored,
  departureToStored,
  FindingNotFoundError,
  findingFromStored,
  isClaimable,
  iso,
  newStoredOutbox,
  OutboxItemNotFoundError,
  observe,
  outboxFromStored,
  type ResolvedStoreOptions,
  resolve as resolveFinding,
  resolveStoreOptions,
  resolvesWhenUnseen,
  type StoredAcceptedListMeta,
  type StoredDepartureEvent,
  type StoredFinding,
  type StoredOutbox,
  type StoreOptions,
} from "./records.ts";

/** The directory the CLI uses next to its config file. */
export const DEFAULT_LOCAL_STORE_DIR = ".iam-hygiene";

/**
 * How long one operation may hold the store-wide lock before another process may take it
 * over (the holder died). Operations are chunked to stay far below it.
 */
const MUTEX_TTL_MS = 30_000;
/** How many findings one hold of the lock writes. */
const OBSERVE_CHUNK = 200;

/** The store-wide lock could not be taken in time: another process holds it and is alive. */
export class StoreLockTimeoutError extends Error {
  override readonly name = "StoreLockTimeoutError";
  constructor(
    readonly dir: string,
    options?: { cause?: unknown },
  ) {
    super(`the store in ${dir} stayed locked by another process for more than ${MUTEX_TTL_MS} ms`, options);
  }
}

/** Serialises operations of every store on the same directory within this process. */
const processQueues = new Map<string, Promise<unknown>>();

/** The Store in a local directory (created on first write). */
export class LocalDirectoryStore implements Store {
  /** The directory, resolved to an absolute path. */
  readonly dir: string;
  private readonly files: JsonFiles;
  private readonly mutex: GenerationLock;
  private readonly options: ResolvedStoreOptions;

  constructor(dir: string = DEFAULT_LOCAL_STORE_DIR, options: StoreOptions = {}) {
    this.dir = resolve(dir);
    this.files = new JsonFiles(this.dir);
    this.mutex = new GenerationLock(join(this.dir, "locks", "store"), this.files);
    this.options = resolveStoreOptions(options);
  }

  // -- lease ------------------------------------------------------------------------------------

  async acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<Lease | undefined> {
    const expiresAtMs = await this.leaseLock(name).tryAcquire(holder, ttlMs, now.getTime());
    return expiresAtMs === undefined ? undefined : { name, holder, expiresAt: new Date(expiresAtMs) };
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.leaseLock(name).release(holder);
  }

  private leaseLock(name: string): GenerationLock {
    return new GenerationLock(join(this.dir, "leases", fileId(name)), this.files);
  }

  // -- findings ---------------------------------------------------------------------------------

  async observeFindings(
    scanId: string,
    observations: readonly FindingObservation[],
    now: Date,
  ): Promise<void> {
    for (let start = 0; start < observations.length; start += OBSERVE_CHUNK) {
      const chunk = observations.slice(start, start + OBSERVE_CHUNK);
      await this.exclusively(async () => {
        await this.files.ensureDir(this.findingsDir);
        for (const observation of chunk) {
          const path = this.findingPath(observation.finding.id);
          const current = await this.files.read<StoredFinding>(path);
          await this.files.write(path, observe(current, scanId, observation, now, this.options.historyLimit));
        }
      });
    }
  }

  async resolveUnseen(
    scanId: string,
    seenIds: ReadonlySet<string>,
    now: Date,
    inScope?: (finding: FindingRef) => boolean,
  ): Promise<FindingHistory[]> {
    return this.exclusively(async () => {
      const resolved: FindingHistory[] = [];
      for (const stored of await this.listStoredFindings()) {
        if (!resolvesWhenUnseen(stored, seenIds, inScope)) continue;
        const after = resolveFinding(stored, scanId, now, this.options.historyLimit);
        await this.files.write(this.findingPath(stored.findingId), after);
        resolved.push(findingFromStored(after));
      }
      return resolved;
    });
  }

  async getFinding(findingId: string): Promise<FindingHistory | undefined> {
    const stored = await this.files.read<StoredFinding>(this.findingPath(findingId));
    return stored ? findingFromStored(stored) : undefined;
  }

  async listFindings(): Promise<FindingHistory[]> {
    return (await this.listStoredFindings()).map(findingFromStored);
  }

  async recordAction(findingId: string, action: ActionRecord): Promise<void> {
    const id = actionId(action);
    await this.updateFinding(findingId, (stored) =>
      appendAction(stored, action, id, this.options.historyLimit),
    );
  }

  async setTicketKey(findingId: string, ticketKey: string): Promise<void> {
    await this.updateFinding(findingId, (stored) => ({ ...stored, ticketKey }));
  }

  /** Read-modify-write of one finding; `change` answers `undefined` when there is nothing to write. */
  private async updateFinding(
    findingId: string,
    change: (stored: StoredFinding) => StoredFinding | undefined,
  ) {
    await this.exclusively(async () => {
      const path = this.findingPath(findingId);
      const stored = await this.files.read<StoredFinding>(path);
      if (!stored) throw new FindingNotFoundError(findingId);
      const changed = change(stored);
      if (changed) await this.files.write(path, changed);
    });
  }

  private async listStoredFindings(): Promise<StoredFinding[]> {
    const records = await this.readAll<StoredFinding>(this.findingsDir);
    return records.sort((a, b) => compareStrings(a.findingId, b.findingId));
  }

  // -- outbox -----------------------------------------------------------------------------------

  async enqueue(items: readonly OutboxItem[]): Promise<number> {
    await this.files.ensureDir(this.outboxDir);
    // Nothing is resent here, but the items carry the same call token as in DynamoDB.
    const enqueuedBy = randomUUID();
    let added = 0;
    for (const item of items) {
      // Exclusive create: a known key stays as it is, whatever state it is in.
      if (await this.files.create(this.outboxPath(item.key), newStoredOutbox(item, enqueuedBy))) added++;
    }
    return added;
  }

  async dueOutbox(now: Date, limit: number): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    const all = await this.readAll<StoredOutbox>(this.outboxDir);
    await this.pruneSent(all, now);
    return all
      .filter((stored) => isClaimable(stored, now, this.options.staleSendingMs))
      .sort(compareDue)
      .slice(0, limit)
      .map(outboxFromStored);
  }

  async claimOutbox(key: string, now: Date): Promise<boolean> {
    return this.exclusively(async () => {
      const path = this.outboxPath(key);
      const stored = await this.files.read<StoredOutbox>(path);
      if (!stored || !isClaimable(stored, now, this.options.staleSendingMs)) return false;
      await this.files.write(path, claim(stored, now, randomUUID()));
      return true;
    });
  }

  async markSent(key: string, receipt: string, now: Date): Promise<void> {
    await this.exclusively(async () => {
      const path = this.outboxPath(key);
      const stored = await this.files.read<StoredOutbox>(path);
      if (!stored) throw new OutboxItemNotFoundError(key);
      const { claimedAt: _claimedAt, claimedBy: _claimedBy, ...rest } = stored;
      await this.files.write(path, {
        ...rest,
        state: "sent",
        receipt,
        sentAt: iso(now),
      } satisfies StoredOutbox);
    });
  }

  async markFailed(key: string, error: string, nextAttemptAt: Date, claimedAt: Date): Promise<void> {
    await this.exclusively(async () => {
      const path = this.outboxPath(key);
      const stored = await this.files.read<StoredOutbox>(path);
      if (!stored) throw new OutboxItemNotFoundError(key);
      // Only the caller's claim ends in failure: a reclaimer may have sent the item meanwhile, or
      // claimed it again after this claim went stale, and that stands.
      if (stored.state !== "sending" || stored.claimedAt !== iso(claimedAt)) return;
      const { claimedAt: _claimedAt, claimedBy: _claimedBy, ...rest } = stored;
      await this.files.write(path, {
        ...rest,
        state: stored.attempts >= this.options.maxAttempts ? "dead" : "pending",
        lastError: error,
        nextAttemptAt: iso(nextAttemptAt),
      } satisfies StoredOutbox);
    });
  }

  async getOutbox(key: string): Promise<OutboxEntry | undefined> {
    const stored = await this.files.read<StoredOutbox>(this.outboxPath(key));
    return stored ? outboxFromStored(stored) : undefined;
  }

  async listOutbox(keyPrefix: string): Promise<OutboxEntry[]> {
    const all = await this.readAll<StoredOutbox>(this.outboxDir);
    return all
      .filter((stored) => stored.key.startsWith(keyPrefix))
      .sort(compareQueued)
      .map(outboxFromStored);
  }

  /** The local twin of DynamoDB's TTL: sent items past their retention go. */
  private async pruneSent(all: readonly StoredOutbox[], now: Date): Promise<void> {
    const cutoff = iso(new Date(now.getTime() - this.options.sentRetentionMs));
    for (const stored of all) {
      if (stored.state === "sent" && stored.sentAt !== undefined && stored.sentAt < cutoff) {
        await unlinkQuietly(this.outboxPath(stored.key));
      }
    }
  }

  // -- departures -------------------------------------------------------------------------------

  async putDepartureEvent(event: DepartureEvent): Promise<boolean> {
    await this.files.ensureDir(this.departuresDir);
    return this.files.create(this.departurePath(event.eventId), departureToStored(event));
  }

  async getDepartureEvent(eventId: string): Promise<DepartureEvent | undefined> {
    const stored = await this.files.read<StoredDepartureEvent>(this.departurePath(eventId));
    return stored ? departureFromStored(stored) : undefined;
  }

  async listDepartureEvents(): Promise<DepartureEvent[]> {
    const records = await this.readAll<StoredDepartureEvent>(this.departuresDir);
    return records
      .map(departureFromStored)
      .sort(
        (a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || compareStrings(a.eventId, b.eventId),
      );
  }

  async getAcceptedListMeta(): Promise<AcceptedListMeta | undefined> {
    const stored = await this.files.read<StoredAcceptedListMeta>(this.acceptedListPath);
    return stored ? acceptedMetaFromStored(stored) : undefined;
  }

  async putAcceptedListMeta(meta: AcceptedListMeta): Promise<void> {
    // As the DynamoDB store's conditional put: a slower scan never replaces a newer list's
    // record. Compared and written under the lock, or two writers could both pass the check.
    await this.exclusively(async () => {
      const current = await this.getAcceptedListMeta();
      if (current && current.acceptedAt.getTime() > meta.acceptedAt.getTime()) return;
      await this.files.ensureDir(this.dir);
      await this.files.write(this.acceptedListPath, acceptedMetaToStored(meta));
    });
  }

  // -- layout and locking -----------------------------------------------------------------------

  private get findingsDir(): string {
    return join(this.dir, "findings");
  }
  private get outboxDir(): string {
    return join(this.dir, "outbox");
  }
  private get departuresDir(): string {
    return join(this.dir, "departures");
  }
  private get acceptedListPath(): string {
    return join(this.dir, "accepted-list.json");
  }
  private findingPath(findingId: string): string {
    return join(this.findingsDir, `${fileId(findingId)}.json`);
  }
  private outboxPath(key: string): string {
    return join(this.outboxDir, `${fileId(key)}.json`);
  }
  private departurePath(eventId: string): string {
    return join(this.departuresDir, `${fileId(eventId)}.json`);
  }

  private async readAll<T>(dir: string): Promise<T[]> {
    // Bounded: an account with tens of thousands of findings must not open every file at once (EMFILE).
    const records = await mapLimit(await this.files.list(dir), 64, (path) => this.files.read<T>(path));
    // A file pruned between listing and reading is simply gone.
    return records.filter((record): record is Awaited<T> => record !== undefined) as T[];
  }

  /**
   * Runs `fn` holding the store-wide lock: first in this process's queue for the directory,
   * then the lock file shared with other processes, waited for until the holder releases it
   * or its hold expires.
   */
  private exclusively<T>(fn: () => Promise<T>): Promise<T> {
    const previous = processQueues.get(this.dir) ?? Promise.resolve();
    const run = previous.then(
      () => this.withMutex(fn),
      () => this.withMutex(fn),
    );
    const tail = run.catch(() => undefined);
    processQueues.set(this.dir, tail);
    void tail.then(() => {
      if (processQueues.get(this.dir) === tail) processQueues.delete(this.dir);
    });
    return run;
  }

  private async withMutex<T>(fn: () => Promise<T>): Promise<T> {
    const token = randomUUID();
    const deadline = Date.now() + MUTEX_TTL_MS + 5_000;
    let wait = 2;
    while ((await this.mutex.tryAcquire(token, MUTEX_TTL_MS, Date.now())) === undefined) {
      if (Date.now() > deadline) throw new StoreLockTimeoutError(this.dir);
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 100);
    }
    try {
      return await fn();
    } finally {
      await this.mutex.release(token);
    }
  }
}

/** A file name for any id: ids hold `:`, `/` and worse, and may be longer than a name may be. */
function fileId(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("hex");
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
