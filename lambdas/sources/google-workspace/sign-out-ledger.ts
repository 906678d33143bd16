/**
 * Where this source remembers that it signed a person out. Google has no API that lists a user's
 * web sessions, so after `users.signOut` nothing can be read back; the only evidence that sessions
 * were ended is that we ended them. The ledger holds that evidence between revoke, verify and the
 * next discovery.
 */
import type { Store } from "../../core/ports/store.ts";

/** Records of `users.signOut` calls, keyed by Google's immutable user id. */
export interface SignOutLedger {
  /** When this source last signed the user out, if it ever did. */
  lastSignOut(userId: string): Promise<Date | undefined>;
  /** Remembers a successful `users.signOut`. */
  recordSignOut(userId: string, at: Date): Promise<void>;
}

/**
 * A ledger that lives as long as the process: enough for one scan (revoke, then verify) and for
 * warm Lambda invocations. The composition root passes a persistent one to carry it across runs.
 */
export function memorySignOutLedger(): SignOutLedger {
  const signOuts = new Map<string, Date>();
  return {
    lastSignOut: async (userId) => {
      const at = signOuts.get(userId);
      return at === undefined ? undefined : new Date(at.getTime());
    },
    recordSignOut: async (userId, at) => {
      const previous = signOuts.get(userId);
      if (previous === undefined || previous.getTime() < at.getTime())
        signOuts.set(userId, new Date(at.getTime()));
    },
  };
}

/**
 * A ledger that survives between runs by reading the scan's own store: a sign-out is the
 * `revoke` action recorded on the person's `web-sessions` finding. Sign-outs made in this
 * process are remembered in memory too, since the scan records actions after verification.
 */
export function storeSignOutLedger(store: Pick<Store, "listFindings">): SignOutLedger {
  const recent = memorySignOutLedger();
  let stored: Promise<Map<string, Date>> | undefined;
  const load = async (): Promise<Map<string, Date>> => {
    const byUser = new Map<string, Date>();
    for (const history of await store.listFindings()) {
      const id = history.credentialId ?? "";
      const marker = ":web-sessions:";
      if (!id.startsWith("google-workspace:") || !id.includes(marker)) continue;
      const userId = id.slice(id.lastIndexOf(marker) + marker.length);
      for (const action of history.actions) {
        if (action.type !== "revoke" || action.status !== "done" || !action.at) continue;
        const previous = byUser.get(userId);
        if (!previous || previous < action.at) byUser.set(userId, action.at);
      }
    }
    return byUser;
  };
  return {
    lastSignOut: async (userId) => {
      stored ??= load();
      const fromStore = (await stored).get(userId);
      const fromRun = await recent.lastSignOut(userId);
      if (!fromStore) return fromRun;
      if (!fromRun) return new Date(fromStore.getTime());
      return fromRun > fromStore ? fromRun : new Date(fromStore.getTime());
    },
    recordSignOut: (userId, at) => recent.recordSignOut(userId, at),
  };
}
