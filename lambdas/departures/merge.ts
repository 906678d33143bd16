/**
 * Merging rows that describe the same person: same employee id, or same email once
 * trimmed and lower-cased (the core's `foldIdentifier`, which `normaliseEmail` starts from).
 * The earliest departure wins, because acting earlier is the safe side for revocation.
 *
 * Only that fold: rows are not merged on `normaliseEmail`'s plus-addressing or domain aliases
 * (it would merge rows, and report conflicts, that this list has never merged), and rows are
 * validated as addresses before they get here.
 */
import { foldIdentifier } from "../core/identity.ts";
import type { Person } from "../core/model.ts";
import type { DepartureRowError } from "../core/ports/departure-source.ts";

/** A validated row and where it came from. */
export interface MergeEntry {
  readonly person: Person;
  /** 1-based line (or event ordinal) the row came from. */
  readonly line: number;
  /** How to name the row in a message: `line 7`, `event hr-123`. @default `line N` */
  readonly where?: string;
}

/** The merged people, and the rows that could not be merged (left out of `people`). */
export interface MergeResult {
  readonly people: Person[];
  readonly conflicts: DepartureRowError[];
}

interface Group {
  readonly line: number;
  readonly where: string;
  employeeId?: string;
  readonly emails: Map<string, string>;
  readonly aliases: Set<string>;
  displayName?: string;
  departedAt: Date;
  managerEmail?: string;
  slackUserId?: string;
  /** Set when merged into another group. */
  into?: Group;
}

function root(group: Group): Group {
  let g = group;
  while (g.into) g = g.into;
  return g;
}

/**
 * Merges rows of one person. Emails and aliases are united (first spelling kept), the
 * earliest `departedAt` wins, and name, manager and Slack id come from the first row that
 * has them (conflicting managers are not an error). A row that would join two different
 * employee ids (one email given for two ids) is a conflict: it is reported and left out.
 */
export function mergePeople(entries: readonly MergeEntry[]): MergeResult {
  const groups: Group[] = [];
  const byId = new Map<string, Group>();
  const byEmail = new Map<string, Group>();
  const conflicts: DepartureRowError[] = [];

  for (const entry of entries) {
    const { person } = entry;
    const where = entry.where ?? `line ${entry.line}`;
    const found = new Set<Group>();
    const idKey = person.employeeId !== undefined ? foldIdentifier(person.employeeId) : undefined;
    if (idKey !== undefined) {
      const g = byId.get(idKey);
      if (g) found.add(root(g));
    }
    for (const email of person.emails) {
      const g = byEmail.get(foldIdentifier(email));
      if (g) found.add(root(g));
    }

    const conflict = findConflict(person, idKey, found);
    if (conflict) {
      conflicts.push({ line: entry.line, field: conflict.field, message: conflict.message });
      continue;
    }

    const [target, ...others] = [...found].sort((a, b) => a.line - b.line);
    let group: Group;
    if (target) {
      group = target;
      for (const other of others) absorb(group, other);
    } else {
      group = {
        line: entry.line,
        where,
        emails: new Map(),
        aliases: new Set(),
        departedAt: person.departedAt,
      };
      groups.push(group);
    }
    apply(group, person);
    if (group.employeeId !== undefined) byId.set(foldIdentifier(group.employeeId), group);
    for (const key of group.emails.keys()) byEmail.set(key, group);
  }

  const people = groups.filter((g) => g.into === undefined).map(toPerson);
  return { people, conflicts };
}

function findConflict(
  person: Person,
  idKey: string | undefined,
  found: ReadonlySet<Group>,
): { field: string; message: string } | undefined {
  const withIds = [...found].filter((g) => g.employeeId !== undefined);
  if (idKey !== undefined) {
    const other = withIds.find((g) => foldIdentifier(g.employeeId ?? "") !== idKey);
    if (other) {
      const shared = person.emails.find((e) => other.emails.has(foldIdentifier(e))) ?? "";
      return {
        field: "email",
        message: `${shared} is already given for employee_id ${other.employeeId} (${other.where}); one email cannot belong to two employee ids`,
      };
    }
    return undefined;
  }
  const distinct = new Map(withIds.map((g) => [foldIdentifier(g.employeeId ?? ""), g]));
  if (distinct.size > 1) {
    const [a, b] = [...distinct.values()];
    return {
      field: "email",
      message: `these emails belong to employee_id ${a?.employeeId} (${a?.where}) and employee_id ${b?.employeeId} (${b?.where}); one row cannot be both`,
    };
  }
  return undefined;
}

function absorb(into: Group, from: Group): void {
  from.into = into;
  into.employeeId ??= from.employeeId;
  for (const [key, email] of from.emails) if (!into.emails.has(key)) into.emails.set(key, email);
  for (const alias of from.aliases) into.aliases.add(alias);
  into.displayName ??= from.displayName;
  into.managerEmail ??= from.managerEmail;
  into.slackUserId ??= from.slackUserId;
  if (from.departedAt < into.departedAt) into.departedAt = from.departedAt;
}

function apply(group: Group, person: Person): void {
  group.employeeId ??= person.employeeId;
  for (const email of person.emails) {
    const key = foldIdentifier(email);
    if (!group.emails.has(key)) group.emails.set(key, email);
  }
  for (const alias of person.aliases) group.aliases.add(alias);
  group.displayName ??= person.displayName;
  group.managerEmail ??= person.managerEmail;
  group.slackUserId ??= person.slackUserId;
  if (person.departedAt < group.departedAt) group.departedAt = person.departedAt;
}

function toPerson(g: Group): Person {
  return {
    ...(g.employeeId !== undefined ? { employeeId: g.employeeId } : {}),
    emails: [...g.emails.values()],
    aliases: [...g.aliases],
    ...(g.displayName !== undefined ? { displayName: g.displayName } : {}),
    departedAt: g.departedAt,
    ...(g.managerEmail !== undefined ? { managerEmail: g.managerEmail } : {}),
    ...(g.slackUserId !== undefined ? { slackUserId: g.slackUserId } : {}),
  };
}
