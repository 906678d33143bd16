/**
 * Where this source remembers that it signed a person out. Google has no API that lists a user's
 * web sessions, so after `users.signOut` nothing can be read back; the only evidence that sessions
 * were ended is that we ended them. The ledger holds that evidence between revoke, verify and the
 * next discovery.
 */

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
