/**
 * How webhook departures sit in the store. Besides the events themselves, two kinds of marker
 * are stored as events with no people, their id being the event id plus a `#` suffix (event
 * ids may not contain `#`, so a marker can never collide with a real event):
 *
 * - a trigger receipt, `<eventId>#scan-triggered`, once the scan the event triggered was
 *   started, so a retry can tell "stored and triggered" (a duplicate) from "stored but the
 *   trigger failed" (trigger again);
 * - a supersession, `<eventId>#superseded:<n>`, once an accepted departure list named the
 *   event's `n`-th person (0-based): from then on the list, not the event, says whether that
 *   person is leaving, so a person later removed from the list (a cancelled departure, a
 *   re-hire) is removed, as for any list row. Until then the event keeps the person on the
 *   departure list of every scan, whatever the configured list says.
 */
import type { DepartureEvent } from "../core/ports/store.ts";

/** Suffix of a trigger receipt's event id. */
export const TRIGGER_RECEIPT_SUFFIX = "#scan-triggered";

/** What comes between the event id and the person's index in a supersession's id. */
export const SUPERSEDED_INFIX = "#superseded:";

/** What an HR event id may look like: 1 to 128 of letters, digits, `.`, `_`, `:`, `-`. */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The receipt id for an event id. */
export function triggerReceiptId(eventId: string): string {
  return `${eventId}${TRIGGER_RECEIPT_SUFFIX}`;
}

/** Whether a stored event is a trigger receipt rather than a departure. */
export function isTriggerReceipt(event: Pick<DepartureEvent, "eventId">): boolean {
  return event.eventId.endsWith(TRIGGER_RECEIPT_SUFFIX);
}

/** The supersession id for the `index`-th (0-based) person of an event. */
export function supersededId(eventId: string, index: number): string {
  return `${eventId}${SUPERSEDED_INFIX}${index}`;
}

/** Whether a stored event is a marker (a receipt or a supersession) rather than a departure. */
export function isDepartureMarker(event: Pick<DepartureEvent, "eventId">): boolean {
  return event.eventId.includes("#");
}
