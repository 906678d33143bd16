import type { TicketGroup, TicketResolution } from "../notifications.ts";
import type { PreflightCheck } from "./preflight.ts";

/** A ticket as the tracker knows it. */
export interface TicketRef {
  /** The tracker's key: `SEC-42` (Jira), `#17` (GitHub). */
  readonly key: string;
  readonly url: string;
}

/** What `upsert` did: created a ticket, commented a new revision, or found this revision already there. */
export interface TicketUpsertResult extends TicketRef {
  readonly outcome: "created" | "commented" | "unchanged";
}

/** What `resolve` did: closed an open ticket, or found none open under the key. */
export interface TicketResolveResult {
  readonly outcome: "closed" | "absent";
  readonly ticket?: TicketRef;
}

/**
 * What the caller already knows of a stable key's tickets: the tracker keys its earlier
 * deliveries created or updated, newest first. A tracker whose search lags behind its writes
 * (Jira's) reads these directly, so a ticket created seconds ago is found and not created again.
 */
export interface TicketHints {
  readonly knownTickets?: readonly string[];
}

/**
 * A ticket tracker (Jira, GitHub Issues). Idempotent by the group's stable key (a label on the
 * ticket) and its revision (a marker in the ticket's text): calling `upsert` twice with the same
 * group creates one ticket and adds no second comment.
 */
export interface TicketSink {
  /** Finds the open ticket labelled `group.key`: comments when the revision is new, else creates one. */
  upsert(group: TicketGroup, hints?: TicketHints): Promise<TicketUpsertResult>;
  /** Comments on and closes the open ticket labelled `resolution.key`, if there is one. */
  resolve(resolution: TicketResolution, hints?: TicketHints): Promise<TicketResolveResult>;
  /** A link that finds the ticket(s) of a stable key in the tracker's UI, without an API call. */
  linkFor(key: string): string;
  /** Read-only checks that tickets can be found, created and closed as configured (`iam-hygiene check`). */
  preflight?(): Promise<PreflightCheck[]>;
}

/** The marker written into a ticket's text for each revision, so re-runs can tell it is there. */
export function revisionMarker(key: string, revision: string): string {
  return `iam-hygiene:${key}:rev:${revision}`;
}
