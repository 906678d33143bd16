/**
 * How webhook departures sit in the store. Besides the event itself, the webhook stores a
 * receipt once the scan it triggered was started: an event with no people whose id is the
 * event id plus `#scan-triggered`. Event ids may not contain `#`, so a receipt can never
 * collide with a real event, and a retry can tell "stored and triggered" (a duplicate)
 * from "stored but the trigger failed" (trigger again).
 */
import type { DepartureEvent } from "../core/ports/store.ts";

/** Suffix of a trigger receipt's event id. */
export const TRIGGER_RECEIPT_SUFFIX = "#scan-triggered";

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
