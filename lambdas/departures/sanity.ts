/**
 * The sanity brake: a departure list that suddenly names a large share of the company, or
 * grew far beyond the last accepted one, is more likely a wrong export (the whole staff
 * list, a test file) than a wave of departures. Such a list is quarantined: rejected, so
 * it drives no revocation, with a reason a human can act on.
 */
import type { DepartureList } from "../core/ports/departure-source.ts";
import type { AcceptedListMeta } from "../core/ports/store.ts";

/** What the brake compares a list with. */
export interface SanityLimits {
  /** Identities the scan knows (distinct people or principals seen in the sources). */
  readonly knownIdentities: number;
  /** The last list accepted, if any. */
  readonly previous?: AcceptedListMeta;
  /** Quarantine when the list names more than this share of `knownIdentities` (0..1]. */
  readonly maxShareOfIdentities: number;
  /** Quarantine when the list has more than this many times the people of `previous`. */
  readonly maxGrowthFactor: number;
  /**
   * Below this many known identities the share check is skipped: in a small account one
   * departure is a large share, and the revocation brake still bounds what a run may do.
   * @default 0
   */
  readonly minIdentitiesForShare?: number;
}

/**
 * Returns the list unchanged when it passes (or was already rejected), or a rejected copy
 * with no people and a `quarantined: ...` reason. The share check is skipped when no
 * identities are known (there is nothing to act on then). For growth, an empty previous
 * list counts as one person, so a first real list after an empty one is not blocked
 * forever but a sudden jump still is.
 */
export function assessList(list: DepartureList, limits: SanityLimits): DepartureList {
  if (list.rejected) return list;
  const count = list.people.length;
  const reasons: string[] = [];

  if (limits.knownIdentities > 0 && limits.knownIdentities >= (limits.minIdentitiesForShare ?? 0)) {
    const allowed = limits.maxShareOfIdentities * limits.knownIdentities;
    if (count > allowed) {
      const share = Math.round((count / limits.knownIdentities) * 100);
      reasons.push(
        `it names ${count} people, ${share}% of the ${limits.knownIdentities} known identities (limit ${formatShare(limits.maxShareOfIdentities)})`,
      );
    }
  }

  if (limits.previous) {
    const base = Math.max(limits.previous.count, 1);
    if (count > base * limits.maxGrowthFactor) {
      reasons.push(
        `it grew from ${limits.previous.count} to ${count} people since the list accepted at ${limits.previous.acceptedAt.toISOString()} from ${limits.previous.origin} (limit ×${limits.maxGrowthFactor})`,
      );
    }
  }

  if (reasons.length === 0) return list;
  return {
    ...list,
    people: [],
    rejected: true,
    rejectionReason: `quarantined: ${reasons.join("; ")}. Check the export; if it is right, raise departures.maxShareOfIdentities or departures.maxGrowthFactor for one run`,
  };
}

function formatShare(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
