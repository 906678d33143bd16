import type { ActionRecord, Credential, Evidence, Person, SourceId } from "../model.ts";
import type { PreflightCheck } from "./preflight.ts";
import type { FindingHistory } from "./store.ts";

/** Who a credential belongs to, as the core resolves it (see `identity.ts`). */
export interface OwnerResolver {
  /** The departed (or departing) person this credential's hints point to, if any. */
  resolve(credential: Pick<Credential, "ownerHints" | "principal">): { person: Person } | undefined;
}

/** What a source is told when asked to discover credentials. */
export interface DiscoverContext {
  readonly now: Date;
  /** People on the departure list (already validated); targeted sources look only these up. */
  readonly people: readonly Person[];
  /** Resolves hints to people, so a source can confirm only matched principals with fresh calls. */
  readonly resolver: OwnerResolver;
  /**
   * The configured protected principals (globs), as in `RevokeContext`: a source that judges
   * whether a revocation reaching beyond the credential is complete (IAM's session policy on
   * roles) leaves out the roles its revoker would leave alone.
   */
  readonly protectedPrincipals?: readonly string[];
  /** Progress for a terminal or log: a short phrase and counts so far. */
  readonly progress?: (message: string, counts?: Record<string, number>) => void;
}

/** A problem on one principal or call that did not stop the rest of the source. */
export interface SourceProblem {
  readonly source: SourceId;
  /** The principal or operation concerned. */
  readonly subject: string;
  readonly message: string;
  readonly errorName: string;
}

/** What a source found. */
export interface Discovery {
  readonly credentials: Credential[];
  readonly problems: SourceProblem[];
  /** Counts a reader or benchmark wants (API calls, principals seen, report age, ...). */
  readonly stats: Record<string, number>;
  /** Plain-language caveats a finding should carry (e.g. "custom attributes force a slower path"). */
  readonly notes: string[];
  /**
   * The accounts (`Credential.account` values) this discovery covered, when the source can say:
   * the IAM source covers the one account it runs in. A scan decides that a finding is gone
   * only for credentials of these accounts, so a scan of the security account leaves the member
   * accounts' findings (stored in the same table by org-wide scans) to their own scans.
   * Absent: every account of the source.
   */
  readonly accounts?: readonly string[];
}

/** What a source is told when asked to revoke one credential. */
export interface RevokeContext {
  readonly now: Date;
  /** The person the credential was matched to. */
  readonly person?: Person;
  /** Sessions issued before this instant must stop working (STS, Cognito). */
  readonly revokeSessionsIssuedBefore: Date;
  /**
   * The configured protected principals (globs). The policy already keeps their own credentials
   * out of the plan; a revoker that reaches beyond the credential (IAM's session policy on the
   * roles a person could assume) must leave protected ones alone too.
   */
  readonly protectedPrincipals?: readonly string[];
}

/** What a source is told when asked for deferred work on what earlier runs did. */
export interface HousekeepingContext {
  readonly now: Date;
  /** Every finding the store remembers, with its recorded actions (e.g. when a key was deactivated). */
  readonly history: readonly FindingHistory[];
  /**
   * Why the work on a principal's credentials (named by the findings that recorded it) must not
   * be done now, or `undefined`: the principal has become protected, or an exception covers it
   * (`leaveAlone` in `policy.ts`). Asked before anything that cannot be undone.
   */
  readonly leaveAlone?: (subject: {
    readonly principal: string;
    readonly findingIds: readonly string[];
  }) => string | undefined;
}

/**
 * An action housekeeping took (or skipped, or failed), and the finding whose history it belongs
 * to: `ActionRecord` itself names no finding, and the scan records each on its finding.
 */
export interface HousekeepingAction {
  readonly findingId: string;
  readonly action: ActionRecord;
}

/** The IAM (or provider) permissions a source needs, declared once, used by the CDK construct. */
export interface SourcePermissions {
  /** Actions for discovery, on `*` or on resources the construct scopes. */
  readonly read: readonly string[];
  /** Actions for revocation. */
  readonly write: readonly string[];
}

/**
 * One outside world that holds credentials. Implemented once per source in
 * `lambdas/sources/<source>/`; the scan use case only ever sees this interface.
 */
export interface CredentialSource {
  readonly id: SourceId;
  /** Finds credentials. A failure on one principal becomes a `SourceProblem`, never a throw. */
  discover(ctx: DiscoverContext): Promise<Discovery>;
  /** Revokes one credential, reversibly where the provider allows it. Never throws for provider errors. */
  revoke(credential: Credential, ctx: RevokeContext): Promise<ActionRecord[]>;
  /** Reads the credential back and says whether the revocation holds. */
  verify(credential: Credential, ctx: RevokeContext): Promise<ActionRecord>;
  /** Extra evidence for an incident (e.g. CloudTrail events of a key used after departure). */
  investigate?(credential: Credential, since: Date): Promise<Evidence>;
  /**
   * Deferred work on credentials earlier runs acted on, such as deleting access keys after
   * their quarantine. Run only when revocations may run. Never throws for provider errors.
   */
  housekeeping?(ctx: HousekeepingContext): Promise<HousekeepingAction[]>;
  /** Read-only checks that the source can reach and read its provider (`iam-hygiene check`). */
  preflight?(): Promise<PreflightCheck[]>;
}
