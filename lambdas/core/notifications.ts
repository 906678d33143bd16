/**
 * What a scan tells people, and what it tickets. Pure: from a scan's plan items it builds grouped
 * messages (one per manager × account, one per credential owner × account, one digest per run) and
 * ticket groups (one per person × account), each with a key derived from what it says, so a re-run
 * with the same state produces the same keys and the outbox sends nothing new.
 *
 * Payloads are plain JSON (strings, numbers, arrays): they are stored in the outbox as they are.
 */
import { createHash } from "node:crypto";
import type { ActionRecord, Credential, DecisionAction, Finding, Person, RuleId, Severity } from "./model.ts";
import { SEVERITIES, severityRank } from "./model.ts";
import type { BrakeState, PlanItem } from "./plan-types.ts";
import type { FindingHistory } from "./ports/store.ts";

/** An account as a reader knows it: the id, and a name when the configuration gives one. */
export interface AccountRef {
  readonly id: string;
  readonly name?: string;
}

/** Who a message is for. The Slack adapter turns this into a conversation. */
export type Audience =
  | {
      readonly kind: "person";
      readonly role: "manager" | "owner";
      readonly email: string;
      /** A Slack member id known in advance, which spares the lookup. */
      readonly slackUserId?: string;
    }
  | {
      readonly kind: "security-channel";
      /** Why the message goes to the channel rather than to a person, said in the message. */
      readonly reason?: string;
    };

/** One label and value shown side by side (Slack section fields). */
export interface MessageField {
  readonly label: string;
  readonly value: string;
}

/** A titled list of lines. */
export interface MessageSection {
  readonly title: string;
  readonly lines: readonly string[];
}

/** A message ready for any chat adapter: grouped, never one per credential. */
export interface ComposedMessage {
  /** Idempotency key: changes only when what the message says changes. */
  readonly key: string;
  readonly kind: "manager" | "owner" | "digest";
  readonly audience: Audience;
  readonly severity: Severity;
  /** True when at least one finding is an incident (a credential used after its owner left). */
  readonly incident: boolean;
  readonly mode: "report" | "enforce";
  /** Header line. */
  readonly title: string;
  /** One line for notifications and clients without blocks. */
  readonly summary: string;
  readonly account?: AccountRef;
  readonly fields: readonly MessageField[];
  /** What was revoked, verified or failed. */
  readonly done: readonly string[];
  /** What still needs the reader: tickets, held revocations, weak matches, failures. */
  readonly needsHuman: readonly string[];
  /** Further sections (the digest's incidents and counts). */
  readonly sections: readonly MessageSection[];
  /** Stable ticket group keys this message refers to; the adapter links them. */
  readonly ticketKeys: readonly string[];
  readonly findingIds: readonly string[];
  readonly reportUrl?: string;
}

/** One credential line in a ticket. */
export interface TicketCredentialLine {
  readonly findingId: string;
  readonly credentialId?: string;
  readonly source?: string;
  readonly kind?: string;
  readonly principal?: string;
  readonly nativeId?: string;
  readonly severity: Severity;
  readonly ruleId: RuleId;
  readonly title: string;
  /** Why: the finding's summary and the policy's reason. */
  readonly why: string;
  /** What a human should do about it. */
  readonly whatToDo: string;
  /** What the scanner already did (revoked, failed, held), if anything. */
  readonly status: string;
}

/** One ticket: a person (or owner) × account, for the findings that need a human. */
export interface TicketGroup {
  /** Stable across runs (the ticket's label): `iam-hygiene-<hash(subject + account)>`. */
  readonly key: string;
  /** Changes only when the ticket's content changes; the sink comments once per revision. */
  readonly revision: string;
  readonly title: string;
  readonly severity: Severity;
  readonly incident: boolean;
  readonly account: AccountRef;
  /** Who the credentials belong to, as a reader would name them. */
  readonly subject: string;
  readonly summary: string;
  /** The most severe credentials first, at most `MAX_CREDENTIALS_PER_TICKET`. */
  readonly credentials: readonly TicketCredentialLine[];
  /** How many more credentials the ticket is about than it lists (the report lists them all). */
  readonly moreCredentials?: number;
  readonly findingIds: readonly string[];
  readonly reportUrl?: string;
}

/** A ticket whose findings are all resolved: the sink comments and closes it. */
export interface TicketResolution {
  readonly key: string;
  readonly revision: string;
  readonly findingIds: readonly string[];
  readonly summary: string;
}

/** What composition needs besides the plan items. */
export interface CompositionInput {
  readonly items: readonly PlanItem[];
  readonly mode: "report" | "enforce";
  /** Names for account ids (`123456789012` → `prod`). */
  readonly accountNames?: Readonly<Record<string, string>>;
  readonly reportUrl?: string;
  /** Findings the store marked resolved in this scan (with the ticket key they were tracked in). */
  readonly resolved?: readonly FindingHistory[];
  /**
   * How many times each finding has come back after being resolved (`reopenCount`; absent: never).
   * A finding that comes back is news again: its messages and its ticket get new keys, so a
   * ticket closed on its resolution is followed by a new one, not silenced by the old one's.
   */
  readonly reopened?: ReadonlyMap<string, number>;
  readonly brake?: BrakeState;
  /** @default true */
  readonly notifyManagers?: boolean;
  /** @default true */
  readonly notifyOwners?: boolean;
}

/** Everything one scan wants delivered. */
export interface Composition {
  readonly messages: readonly ComposedMessage[];
  readonly tickets: readonly TicketGroup[];
  readonly resolutions: readonly TicketResolution[];
}

/** Rules whose findings concern the credential owner's hygiene rather than a departure. */
const HYGIENE_RULES: ReadonlySet<RuleId> = new Set<RuleId>([
  "unused-credential",
  "unrotated-access-key",
  "console-password-without-mfa",
  "root-access-key",
]);

/** Decisions nobody needs to hear about in a personal message (the digest still counts them). */
const QUIET_ACTIONS: ReadonlySet<DecisionAction> = new Set<DecisionAction>([
  "ignore",
  "excepted",
  "protected",
]);

/** Most lines one message lists per section; the rest is summarised, never dropped silently. */
export const MAX_LINES_PER_SECTION = 20;

/**
 * Most credentials one ticket lists, the most severe first; the ticket says how many more there
 * are. Every unowned key of an account is one ticket: unbounded, hundreds of them would pass
 * GitHub's 65,536-character issue body, Jira's 32,767-character field and DynamoDB's 400 KB
 * item (the outbox), and the ticket would never be opened.
 */
export const MAX_CREDENTIALS_PER_TICKET = 25;

/** The line a ticket ends its list with when it lists fewer credentials than it is about. */
export function moreCredentialsLine(more: number): string {
  return `…and ${count(more, "more credential")}, not listed here (of the same or lower severity): the scan report lists every one.`;
}

/** Longest "why" one ticket line carries (a caveat can be long); the report has the full text. */
const MAX_TICKET_WHY = 1_000;

/** Builds every message, ticket and ticket resolution for one scan. Deterministic for the same input. */
export function composeNotifications(input: CompositionInput): Composition {
  const tickets = composeTickets(input);
  const ticketKeyOf = new Map<string, string>();
  for (const group of tickets) for (const id of group.findingIds) ticketKeyOf.set(id, group.key);
  const messages = [
    ...composeManagerMessages(input, ticketKeyOf),
    ...composeOwnerMessages(input, ticketKeyOf),
    ...composeDigest(input, ticketKeyOf),
  ];
  return { messages, tickets, resolutions: composeResolutions(input.resolved ?? [], tickets) };
}

/** True when a finding is an incident: a credential used after its owner left. */
export function isIncident(item: PlanItem): boolean {
  return item.finding.ruleId === "used-after-departure";
}

/** A short, stable hash of the given parts (SHA-256, hex). */
export function stableHash(parts: readonly string[], length = 20): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(`${part.length}:${part}`);
  return hash.digest("hex").slice(0, length);
}

/** The stable ticket key (and label) of a subject × account. */
export function ticketKeyFor(subjectKey: string, accountId: string): string {
  return `iam-hygiene-${stableHash([subjectKey, accountId], 16)}`;
}

// ---------------------------------------------------------------------------------------------
// Managers: one message per departed person × account.

function composeManagerMessages(
  input: CompositionInput,
  ticketKeyOf: Map<string, string>,
): ComposedMessage[] {
  if (input.notifyManagers === false) return [];
  const groups = groupBy(
    input.items.filter(
      (item) => item.finding.match !== undefined && !QUIET_ACTIONS.has(item.decision.action),
    ),
    (item) => `${personKey(item.finding.match!.person)}\u0000${accountOf(item.finding)}`,
  );
  const messages: ComposedMessage[] = [];
  for (const items of groups.values()) {
    const first = items[0]!;
    const person = first.finding.match!.person;
    const account = accountRef(accountOf(first.finding), input.accountNames);
    const who = personName(person);
    const audience: Audience =
      person.managerEmail !== undefined && person.managerEmail.trim() !== ""
        ? { kind: "person", role: "manager", email: person.managerEmail.trim() }
        : { kind: "security-channel", reason: `No manager is on record for ${who}.` };
    // Two findings on one credential (used after departure, and still active) share one revocation:
    // the manager reads it once.
    const done = new Set<string>();
    const needs = new Set<string>();
    for (const item of items) {
      const { doneLine, needsLine } = describeOutcome(item, input.mode);
      if (doneLine !== undefined) done.add(doneLine);
      if (needsLine !== undefined) needs.add(needsLine);
    }
    const credentials = new Set(items.map((i) => i.finding.credential?.id ?? i.finding.id)).size;
    const severity = maxSeverity(items);
    const incident = items.some(isIncident);
    const ticketKeys = uniqueSorted(items.map((i) => ticketKeyOf.get(i.finding.id)));
    const findingIds = items.map((i) => i.finding.id).sort();
    const title = `${incident ? "Incident: " : ""}Credentials of ${who} in ${accountLabel(account)}`;
    messages.push({
      key: messageKey("manager", audience, account.id, input, items),
      kind: "manager",
      audience,
      severity,
      incident,
      mode: input.mode,
      title: truncate(title, 150),
      summary: `${who} left on ${isoDay(person.departedAt)}: ${count(credentials, "credential")} in ${accountLabel(account)}, ${count(done.size, "action")} taken, ${count(needs.size, "item")} need you.`,
      account,
      fields: [
        { label: "Severity", value: severity },
        { label: "Account", value: accountLabel(account) },
        { label: "Person", value: `${who} (left ${isoDay(person.departedAt)})` },
        { label: "Mode", value: input.mode },
      ],
      done: cap([...done]),
      needsHuman: cap([...needs]),
      sections: [],
      ticketKeys,
      findingIds,
      ...(input.reportUrl !== undefined ? { reportUrl: input.reportUrl } : {}),
    });
  }
  return messages;
}

// ---------------------------------------------------------------------------------------------
// Owners: hygiene findings of people still here, one message per owner × account.

function composeOwnerMessages(input: CompositionInput, ticketKeyOf: Map<string, string>): ComposedMessage[] {
  if (input.notifyOwners === false) return [];
  const hygiene = input.items.filter(
    (item) =>
      item.finding.match === undefined &&
      HYGIENE_RULES.has(item.finding.ruleId) &&
      !QUIET_ACTIONS.has(item.decision.action) &&
      item.finding.credential !== undefined,
  );
  const groups = groupBy(
    hygiene,
    (item) => `${ownerEmail(item.finding.credential!) ?? ""}\u0000${accountOf(item.finding)}`,
  );
  const messages: ComposedMessage[] = [];
  for (const items of groups.values()) {
    const first = items[0]!;
    const email = ownerEmail(first.finding.credential!);
    const account = accountRef(accountOf(first.finding), input.accountNames);
    const audience: Audience =
      email !== undefined
        ? { kind: "person", role: "owner", email }
        : {
            kind: "security-channel",
            reason: "These credentials carry no owner email, so nobody could be told.",
          };
    const done: string[] = [];
    const needs: string[] = [];
    for (const item of items) {
      const { doneLine, needsLine } = describeOutcome(item, input.mode);
      if (doneLine !== undefined) done.push(doneLine);
      needs.push(needsLine ?? `${credentialLabel(item.finding)}: ${item.finding.summary} ${whatToDo(item)}`);
    }
    const severity = maxSeverity(items);
    messages.push({
      key: messageKey("owner", audience, account.id, input, items),
      kind: "owner",
      audience,
      severity,
      incident: false,
      mode: input.mode,
      title: truncate(`Credential hygiene in ${accountLabel(account)}: ${count(items.length, "item")}`, 150),
      summary: `${count(items.length, "credential")} of yours in ${accountLabel(account)} need attention (unused, unrotated or without MFA).`,
      account,
      fields: [
        { label: "Severity", value: severity },
        { label: "Account", value: accountLabel(account) },
        { label: "Owner", value: email ?? "unknown" },
        { label: "Mode", value: input.mode },
      ],
      done: cap(done),
      needsHuman: cap(needs),
      sections: [],
      ticketKeys: uniqueSorted(items.map((i) => ticketKeyOf.get(i.finding.id))),
      findingIds: items.map((i) => i.finding.id).sort(),
      ...(input.reportUrl !== undefined ? { reportUrl: input.reportUrl } : {}),
    });
  }
  return messages;
}

// ---------------------------------------------------------------------------------------------
// Security channel: one digest per run, incidents first.

function composeDigest(input: CompositionInput, ticketKeyOf: Map<string, string>): ComposedMessage[] {
  const items = input.items.filter((item) => item.decision.action !== "ignore");
  if (items.length === 0 && input.brake?.engaged !== true) return [];
  const bySeverity = new Map<Severity, number>();
  const byAction = new Map<string, number>();
  for (const item of items) {
    bySeverity.set(item.finding.severity, (bySeverity.get(item.finding.severity) ?? 0) + 1);
    byAction.set(item.decision.action, (byAction.get(item.decision.action) ?? 0) + 1);
  }
  const incidents = items.filter(isIncident);
  const done: string[] = [];
  const needs: string[] = [];
  for (const item of sortBySeverity(items)) {
    if (isIncident(item)) continue;
    const { doneLine, needsLine } = describeOutcome(item, input.mode);
    const owner = item.finding.match !== undefined ? ` (${personName(item.finding.match.person)})` : "";
    if (doneLine !== undefined) done.push(`${doneLine}${owner}`);
    if (needsLine !== undefined) needs.push(`${needsLine}${owner}`);
  }
  const sections: MessageSection[] = [];
  if (incidents.length > 0) {
    sections.push({
      title: `:rotating_light: Incidents (${incidents.length})`,
      lines: cap(
        incidents.map(
          (item) =>
            `${credentialLabel(item.finding)}${item.finding.match !== undefined ? ` of ${personName(item.finding.match.person)}` : ""}: ${item.finding.summary}`,
        ),
      ),
    });
  }
  if (input.brake?.engaged === true) {
    sections.push({
      title: "Revocation brake engaged",
      lines: [
        `${input.brake.reason ?? "Too many revocations"}: would revoke ${input.brake.wouldRevoke}, limit ${input.brake.limit}, ${input.brake.credentialsSeen} credentials seen.`,
      ],
    });
  }
  const severity = items.length > 0 ? maxSeverity(items) : "high";
  const severityCounts = [...SEVERITIES]
    .reverse()
    .filter((s) => (bySeverity.get(s) ?? 0) > 0)
    .map((s) => `${s}: ${bySeverity.get(s)}`)
    .join(", ");
  const actionCounts = [...byAction.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([a, n]) => `${a}: ${n}`)
    .join(", ");
  const audience: Audience = { kind: "security-channel" };
  const accounts = uniqueSorted(items.map((i) => accountOf(i.finding)));
  const brakeState = input.brake?.engaged === true ? ["brake:engaged"] : [];
  return [
    {
      key: messageKey("digest", audience, "*", input, items, brakeState),
      kind: "digest",
      audience,
      severity,
      incident: incidents.length > 0,
      mode: input.mode,
      title: truncate(
        `${incidents.length > 0 ? `${count(incidents.length, "incident")}, ` : ""}IAM hygiene digest: ${count(items.length, "finding")}`,
        150,
      ),
      summary: `${count(items.length, "finding")} across ${count(accounts.length, "account")} (${severityCounts || "none"}).`,
      fields: [
        { label: "By severity", value: severityCounts || "none" },
        { label: "By action", value: actionCounts || "none" },
        {
          label: "Accounts",
          value: accounts.map((a) => accountLabel(accountRef(a, input.accountNames))).join(", ") || "none",
        },
        { label: "Mode", value: input.mode },
      ],
      done: cap(done),
      needsHuman: cap(needs),
      sections,
      ticketKeys: uniqueSorted(items.map((i) => ticketKeyOf.get(i.finding.id))),
      findingIds: items.map((i) => i.finding.id).sort(),
      ...(input.reportUrl !== undefined ? { reportUrl: input.reportUrl } : {}),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Tickets: one per person (or owner) × account, for what a human must do.

function composeTickets(input: CompositionInput): TicketGroup[] {
  const ticketed = input.items.filter((item) => item.decision.action === "ticket" || isIncident(item));
  const groups = groupBy(ticketed, (item) => `${subjectKey(item)}\u0000${accountOf(item.finding)}`);
  const tickets: TicketGroup[] = [];
  for (const items of groups.values()) {
    const first = items[0]!;
    const account = accountRef(accountOf(first.finding), input.accountNames);
    const subject = subjectName(first);
    const sorted = sortBySeverity(items);
    const listed = sorted.slice(0, MAX_CREDENTIALS_PER_TICKET);
    const credentials: TicketCredentialLine[] = listed.map((item) => {
      const c = item.finding.credential;
      return {
        findingId: item.finding.id,
        ...(c !== undefined
          ? {
              credentialId: c.id,
              source: c.source,
              kind: c.kind,
              principal: c.principal,
              nativeId: c.nativeId,
            }
          : {}),
        severity: item.finding.severity,
        ruleId: item.finding.ruleId,
        title: item.finding.title,
        why: truncate(
          `${item.finding.summary} Policy: ${item.decision.why}${caveatOf(item.finding)}`,
          MAX_TICKET_WHY,
        ),
        whatToDo: whatToDo(item),
        status: statusLabel(item),
      };
    });
    const severity = maxSeverity(items);
    const incident = items.some(isIncident);
    const findingIds = items.map((i) => i.finding.id).sort();
    tickets.push({
      key: ticketKeyFor(subjectKey(first), account.id),
      revision: stableHash(["ticket", ...items.map((i) => itemState(i, input.reopened)).sort()]),
      title: truncate(
        `[iam-hygiene] ${incident ? "Incident: " : ""}${subject}: ${count(items.length, "credential")} in ${accountLabel(account)}`,
        250,
      ),
      severity,
      incident,
      account,
      subject,
      summary: `${count(items.length, "credential")} of ${subject} in ${accountLabel(account)} ${items.length === 1 ? "needs" : "need"} a human (highest severity: ${severity}).`,
      credentials,
      ...(sorted.length > listed.length ? { moreCredentials: sorted.length - listed.length } : {}),
      findingIds,
      ...(input.reportUrl !== undefined ? { reportUrl: input.reportUrl } : {}),
    });
  }
  return tickets;
}

function composeResolutions(
  resolved: readonly FindingHistory[],
  open: readonly TicketGroup[],
): TicketResolution[] {
  const stillOpen = new Set(open.map((g) => g.key));
  const groups = groupBy(
    resolved.filter((h) => h.ticketKey !== undefined && !stillOpen.has(h.ticketKey)),
    (h) => h.ticketKey!,
  );
  return [...groups.entries()].map(([key, histories]) => {
    const findingIds = histories.map((h) => h.findingId).sort();
    // A finding resolved again after coming back closes the ticket of its new episode: another key.
    const episodes = histories
      .map((h) => [h.findingId, reopenCount(h)] as const)
      .filter(([, times]) => times > 0)
      .map(([id, times]) => `${id}|back-${times}`)
      .sort();
    return {
      key,
      revision: stableHash(["resolved", ...findingIds, ...episodes]),
      findingIds,
      summary: `All ${count(findingIds.length, "finding")} tracked here are resolved: the credentials are gone, revoked or no longer flagged.`,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Describing items.

/** Where an item stands, in a word: the part of its state a message or ticket reports. */
function outcomeOf(item: PlanItem): string {
  const revokes = item.actions.filter((a) => a.type === "revoke" || a.type === "verify");
  if (revokes.some((a) => a.status === "failed")) return "revoke-failed";
  if (revokes.some((a) => a.type === "verify" && a.status === "verified")) return "revoke-verified";
  if (revokes.some((a) => a.status === "verified" || a.status === "done")) return "revoked";
  if (revokes.some((a) => a.status === "planned")) return "revoke-planned";
  return item.decision.action;
}

/** The part of an item's state that changes what is said about it (never wording or day counts). */
function itemState(item: PlanItem, reopened: CompositionInput["reopened"]): string {
  const weak = item.finding.match?.strength === "weak" ? "weak" : "";
  const state = [item.finding.id, item.finding.severity, item.decision.action, outcomeOf(item), weak].join(
    "|",
  );
  // Only a finding that came back changes its state's spelling: every other key stays as it was.
  const times = reopened?.get(item.finding.id) ?? 0;
  return times > 0 ? `${state}|back-${times}` : state;
}

/**
 * How many times a finding has come back after the store resolved it: its changes out of
 * `resolved`. Each comeback is a new episode for messages and tickets (`CompositionInput.reopened`).
 */
export function reopenCount(history: Pick<FindingHistory, "changes">): number {
  return history.changes.filter((change) => change.from === "resolved").length;
}

/** `CompositionInput.reopened` from the store's findings: those that came back, and how often. */
export function reopenedFindings(histories: Iterable<FindingHistory>): Map<string, number> {
  const reopened = new Map<string, number>();
  for (const history of histories) {
    const times = reopenCount(history);
    if (times > 0) reopened.set(history.findingId, times);
  }
  return reopened;
}

function describeOutcome(
  item: PlanItem,
  mode: "report" | "enforce",
): { doneLine?: string; needsLine?: string } {
  const label = credentialLabel(item.finding);
  const outcome = outcomeOf(item);
  // What the revocation could not do (e.g. Cognito tokens already issued), said where it was done.
  const caveat = caveatOf(item.finding);
  const weak = item.finding.match?.strength === "weak";
  const weakNote = weak
    ? ` Weak match (${item.finding.match!.by} "${item.finding.match!.value}"): please confirm this is theirs.`
    : "";
  if (isIncident(item)) {
    return {
      ...(outcome.startsWith("revoke") && outcome !== "revoke-failed" && outcome !== "revoke-planned"
        ? { doneLine: `Revoked ${label}${outcome === "revoke-verified" ? " (verified)" : ""}.${caveat}` }
        : {}),
      needsLine: `INCIDENT: ${label} was used after the departure. ${item.finding.summary}${weakNote}`,
    };
  }
  switch (outcome) {
    case "revoke-verified":
      return {
        doneLine: `Revoked ${label} (verified).${caveat}`,
        ...(weak ? { needsLine: `${label}:${weakNote}` } : {}),
      };
    case "revoked":
      return {
        doneLine: `Revoked ${label} (not yet verified).${caveat}`,
        ...(weak ? { needsLine: `${label}:${weakNote}` } : {}),
      };
    case "revoke-failed":
      return {
        needsLine: `Revocation FAILED for ${label}: ${failureOf(item.actions)}. It is still active.${weakNote}`,
      };
    case "revoke-planned":
      return mode === "report"
        ? { needsLine: `Would revoke ${label} (report mode: nothing was changed).${weakNote}` }
        : { needsLine: `Revocation of ${label} is planned.${weakNote}` };
    case "ticket":
      return { needsLine: `${label}: ticketed. ${whatToDo(item)}${weakNote}` };
    case "held-by-brake":
      return {
        needsLine: `${label}: held by the revocation brake (too many revocations this run); revoke it by hand or raise the limit.${weakNote}`,
      };
    case "scheduled":
      return { needsLine: `${label}: revocation scheduled for the departure date.${weakNote}` };
    case "notify":
      return { needsLine: `${label}: ${item.finding.summary} ${whatToDo(item)}${weakNote}` };
    default:
      return weak ? { needsLine: `${label}:${weakNote}` } : {};
  }
}

function whatToDo(item: PlanItem): string {
  const credential = item.finding.credential;
  switch (item.finding.ruleId) {
    case "used-after-departure":
      return "Treat as an incident: confirm the credential is revoked, review its activity since the departure, rotate any secret it could read.";
    case "departed-owner-active-credential":
      return credential?.principalType === "service"
        ? "Transfer ownership of this service credential to a current owner (update its owner tag), then rotate it: the departed person may still know the secret."
        : "Revoke it (deactivate, then delete), or record an exception with an approver and an expiry.";
    case "unused-credential":
      return "Deactivate it if nothing needs it; otherwise say what uses it.";
    case "unrotated-access-key":
      return "Rotate it: create a new key, switch the workload, deactivate the old one.";
    case "console-password-without-mfa":
      return "Enable MFA, or remove the console password if it is not needed.";
    case "root-access-key":
      return "Delete the root user's access keys; use roles instead.";
    case "unowned-credential":
      return "Find its owner and tag the principal with them, or remove it.";
    default:
      return item.decision.why;
  }
}

function statusLabel(item: PlanItem): string {
  switch (outcomeOf(item)) {
    case "revoke-verified":
      return "revoked (verified)";
    case "revoked":
      return "revoked (not verified)";
    case "revoke-failed":
      return `revocation failed: ${failureOf(item.actions)}`;
    case "revoke-planned":
      return "revocation planned";
    case "held-by-brake":
      return "held by the revocation brake";
    default:
      return "open";
  }
}

/** ` <caveat>` when the finding's evidence carries one (see `core/evaluate.ts`), else "". */
function caveatOf(finding: Finding): string {
  const caveat = finding.evidence.caveat;
  return typeof caveat === "string" && caveat !== "" ? ` ${caveat}` : "";
}

function failureOf(actions: readonly ActionRecord[]): string {
  const failed = actions.find((a) => a.status === "failed");
  return failed?.error?.message ?? failed?.detail ?? "unknown error";
}

function credentialLabel(finding: Finding): string {
  const c = finding.credential;
  if (c === undefined) return finding.title;
  return `${c.kind} ${c.nativeId} of ${c.principal} (${c.source})`;
}

function ownerEmail(credential: Credential): string | undefined {
  const email = credential.ownerHints.emails.find((e) => e.trim() !== "");
  return email?.trim().toLowerCase();
}

function personKey(person: Person): string {
  if (person.employeeId !== undefined && person.employeeId !== "") return `employee:${person.employeeId}`;
  const email = person.emails[0];
  return email !== undefined
    ? `email:${email.trim().toLowerCase()}`
    : `name:${person.displayName ?? "unknown"}`;
}

function personName(person: Person): string {
  const email = person.emails[0];
  if (person.displayName !== undefined && person.displayName !== "") {
    return email !== undefined ? `${person.displayName} <${email}>` : person.displayName;
  }
  return email ?? person.employeeId ?? "an unnamed person";
}

function subjectKey(item: PlanItem): string {
  const match = item.finding.match;
  if (match !== undefined) return personKey(match.person);
  const email = item.finding.credential !== undefined ? ownerEmail(item.finding.credential) : undefined;
  return email !== undefined ? `owner:${email}` : "unowned";
}

function subjectName(item: PlanItem): string {
  const match = item.finding.match;
  if (match !== undefined) return personName(match.person);
  const email = item.finding.credential !== undefined ? ownerEmail(item.finding.credential) : undefined;
  return email ?? "credentials without a known owner";
}

function accountOf(finding: Finding): string {
  return finding.credential?.account ?? "run";
}

function accountRef(id: string, names: Readonly<Record<string, string>> | undefined): AccountRef {
  const name = names?.[id];
  return name !== undefined ? { id, name } : { id };
}

/** `prod (123456789012)`, or the id alone. */
export function accountLabel(account: AccountRef): string {
  return account.name !== undefined ? `${account.name} (${account.id})` : account.id;
}

function messageKey(
  kind: string,
  audience: Audience,
  accountId: string,
  input: Pick<CompositionInput, "mode" | "reopened">,
  items: readonly PlanItem[],
  extra: readonly string[] = [],
): string {
  const who = audience.kind === "person" ? `person:${audience.email.toLowerCase()}` : "security-channel";
  const states = items.map((item) => itemState(item, input.reopened)).sort();
  return `msg-${stableHash([kind, who, accountId, input.mode, ...states, ...extra])}`;
}

function maxSeverity(items: readonly PlanItem[]): Severity {
  let max: Severity = "info";
  for (const item of items)
    if (severityRank(item.finding.severity) > severityRank(max)) max = item.finding.severity;
  return max;
}

function sortBySeverity(items: readonly PlanItem[]): PlanItem[] {
  return [...items].sort(
    (a, b) =>
      severityRank(b.finding.severity) - severityRank(a.finding.severity) ||
      a.finding.id.localeCompare(b.finding.id),
  );
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  // Sorted keys so the output order does not depend on the order sources answered in.
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [item]);
    else list.push(item);
  }
  return new Map([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function uniqueSorted(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))].sort();
}

function cap(lines: readonly string[]): string[] {
  if (lines.length <= MAX_LINES_PER_SECTION) return [...lines];
  return [
    ...lines.slice(0, MAX_LINES_PER_SECTION),
    `…and ${lines.length - MAX_LINES_PER_SECTION} more (see the report or ticket).`,
  ];
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function isoDay(date: Date | string): string {
  const d = date instanceof Date ? date : new Date(date);
  return Number.isNaN(d.getTime()) ? String(date) : d.toISOString().slice(0, 10);
}
