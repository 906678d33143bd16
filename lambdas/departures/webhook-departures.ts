/**
 * Every scan's departure list includes the departures the HR webhook stored, whatever list
 * source is configured: an event's targeted scan may have found the lease busy, or scheduled
 * the person for later (a future `departed_at`, a grace period), and only a later scan can act
 * then. Without this, a deployment reading an S3 list would never see that person again.
 *
 * The list's own semantics stay intact:
 *
 * - The same merge rules as list rows: a person named by the list and by an event is merged
 *   (earliest departure wins); one email given for two employee ids is a conflict, which
 *   rejects the whole list in strict mode and leaves the event's person out in lenient mode.
 * - Removal from the list (a cancelled departure, a re-hire) still removes. A person only an
 *   event names was never on the list, so the list's silence about them is not a removal: they
 *   stay. Once an accepted list names an event's person, a supersession is stored for them
 *   (see `events.ts`) and from then on the list decides whether they are leaving: the event
 *   still lends its date to the merge while the list names them, and the first list without
 *   them removes them, as it would any row.
 * - A list that is unreadable, invalid or quarantined drives nothing, webhook departures
 *   included: they wait, stored, for the first accepted list (the rejection says how many).
 */
import { foldIdentifier } from "../core/identity.ts";
import type { Person } from "../core/model.ts";
import type { DepartureList, DepartureRowError, DepartureSource } from "../core/ports/departure-source.ts";
import type { DepartureEvent, Store } from "../core/ports/store.ts";
import { DepartureSourceError } from "./errors.ts";
import { isDepartureMarker, supersededId } from "./events.ts";
import { type MergeEntry, mergePeople } from "./merge.ts";

/** A departure list with the webhook's departures merged in. */
export interface ListWithWebhookDepartures extends DepartureList {
  /** People of stored events not yet superseded (before merging). */
  readonly webhookPeople: number;
  /**
   * Supersession ids (`<eventId>#superseded:<n>`) for the event people this list names, to
   * store once the list is accepted (`recordSupersessions`): not before, since a list the sanity
   * brake quarantines (a whole-staff export) names everyone and must not supersede anything.
   */
  readonly supersedes: readonly string[];
}

/** Options of `WebhookDeparturesSource`. */
export interface WebhookDeparturesOptions {
  /** Lenient leaves conflicting event people out instead of rejecting the list. @default false */
  readonly lenient?: boolean;
  /** The origin named when there is no list and some events. @default "webhook-events" */
  readonly origin?: string;
}

interface EventPerson {
  readonly eventId: string;
  readonly index: number;
  readonly person: Person;
}

/**
 * The configured list (if any) and the stored, not superseded webhook departures, as one list.
 * Not for `departures.source.type: "dynamodb"`: that list already is the stored events.
 */
export class WebhookDeparturesSource implements DepartureSource {
  constructor(
    private readonly store: Store,
    private readonly list: DepartureSource | undefined,
    private readonly options: WebhookDeparturesOptions = {},
  ) {}

  async load(): Promise<DepartureList | ListWithWebhookDepartures> {
    // An unreadable list throws as before: the scan records it rejected, and nothing drives.
    const listed = this.list ? await this.list.load() : undefined;
    const { live, superseded } = eventPeople(await this.#events());
    if (listed?.rejected) {
      if (live.length === 0) return listed;
      return {
        ...listed,
        rejectionReason: `${listed.rejectionReason ?? `${listed.origin} was rejected`}; ${live.length} webhook departure${live.length === 1 ? "" : "s"} not yet on an accepted list wait${live.length === 1 ? "s" : ""} for one`,
      };
    }
    const listPeople = listed?.people ?? [];
    const named = identifiers(listPeople);
    // A superseded event person counts only while the list names them (their earlier date still
    // wins the merge); once the list drops them, so does the scan.
    const attached = superseded.filter((entry) => isNamed(entry.person, named));
    if (live.length === 0 && attached.length === 0) {
      return listed ?? { origin: "none", people: [], errors: [], rejected: false, rowCount: 0 };
    }

    const entries: MergeEntry[] = listPeople.map((person, i) => ({
      person,
      line: i + 1,
      where: `${listed?.origin ?? "the list"}, person ${i + 1}`,
    }));
    const fromEvents = new Map<number, EventPerson & { readonly live: boolean }>();
    for (const [entry, isLive] of [
      ...live.map((e) => [e, true] as const),
      ...attached.map((e) => [e, false] as const),
    ]) {
      const line = entries.length + 1;
      fromEvents.set(line, { ...entry, live: isLive });
      entries.push({ person: entry.person, line, where: `webhook event ${entry.eventId}` });
    }
    const merged = mergePeople(entries);
    const conflicts: DepartureRowError[] = merged.conflicts.map((c) => {
      const event = fromEvents.get(c.line);
      return event ? { ...c, message: `webhook event ${event.eventId}: ${c.message}` } : c;
    });
    const origin = listed
      ? live.length > 0
        ? `${listed.origin} + ${live.length} webhook departure${live.length === 1 ? "" : "s"}`
        : listed.origin
      : (this.options.origin ?? "webhook-events");
    const rowCount = (listed?.rowCount ?? 0) + live.length;
    const errors = [...(listed?.errors ?? []), ...conflicts];
    const first = conflicts[0];
    if (first && !this.options.lenient) {
      return {
        origin,
        people: [],
        errors,
        rejected: true,
        rejectionReason: `${conflicts.length} webhook departure${conflicts.length === 1 ? "" : "s"} conflict${conflicts.length === 1 ? "s" : ""} with the list or another event (first: ${first.message}); strict mode rejects the whole list`,
        rowCount,
        webhookPeople: live.length,
        supersedes: [],
      } satisfies ListWithWebhookDepartures;
    }
    const conflicting = new Set(merged.conflicts.map((c) => c.line));
    const supersedes = [...fromEvents]
      .filter(([line, entry]) => entry.live && !conflicting.has(line) && isNamed(entry.person, named))
      .map(([, entry]) => supersededId(entry.eventId, entry.index));
    return {
      origin,
      people: merged.people,
      errors,
      rejected: false,
      rowCount,
      webhookPeople: live.length,
      supersedes,
    } satisfies ListWithWebhookDepartures;
  }

  async #events(): Promise<DepartureEvent[]> {
    try {
      return await this.store.listDepartureEvents();
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new DepartureSourceError("the stored webhook departures", `cannot be read (${message})`, {
        cause: error,
      });
    }
  }
}

/** The supersessions a loaded list carries (none for a list of another source). */
export function supersessionsOf(list: DepartureList): readonly string[] {
  const supersedes = (list as Partial<ListWithWebhookDepartures>).supersedes;
  return Array.isArray(supersedes) ? supersedes : [];
}

/**
 * Stores the supersessions of an accepted list; returns how many were new. Call it only for a
 * list that passed the sanity brake. A write that fails leaves the event in force (the person
 * stays on the list), which is the safe side; the caller reports it.
 */
export async function recordSupersessions(store: Store, list: DepartureList, now: Date): Promise<number> {
  if (list.rejected) return 0;
  let stored = 0;
  for (const eventId of supersessionsOf(list)) {
    if (await store.putDepartureEvent({ eventId, receivedAt: now, people: [] })) stored += 1;
  }
  return stored;
}

/** Each person of each stored event: live, or superseded (the list has taken them over). */
function eventPeople(events: readonly DepartureEvent[]): { live: EventPerson[]; superseded: EventPerson[] } {
  const markers = new Set(events.filter(isDepartureMarker).map((e) => e.eventId));
  const live: EventPerson[] = [];
  const superseded: EventPerson[] = [];
  for (const event of events) {
    if (isDepartureMarker(event)) continue;
    for (const [index, person] of event.people.entries()) {
      const entry = { eventId: event.eventId, index, person };
      (markers.has(supersededId(event.eventId, index)) ? superseded : live).push(entry);
    }
  }
  return { live, superseded };
}

/** Folded employee ids and emails of a list's people: what the merge joins rows on. */
function identifiers(people: readonly Person[]): { ids: Set<string>; emails: Set<string> } {
  const ids = new Set<string>();
  const emails = new Set<string>();
  for (const person of people) {
    if (person.employeeId !== undefined) ids.add(foldIdentifier(person.employeeId));
    for (const email of person.emails) emails.add(foldIdentifier(email));
  }
  return { ids, emails };
}

function isNamed(person: Person, named: { ids: Set<string>; emails: Set<string> }): boolean {
  if (person.employeeId !== undefined && named.ids.has(foldIdentifier(person.employeeId))) return true;
  return person.emails.some((email) => named.emails.has(foldIdentifier(email)));
}
