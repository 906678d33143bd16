/**
 * Discovery for the `aws-cognito` source: a targeted lookup, never a walk of a large pool.
 *
 * For each departed person, each configured pool and each filterable match attribute, one
 * `ListUsers` call with an exact filter (`email = "jane@corp.example"`), following
 * `PaginationToken` only when a filter matches more than a page. A 34-million-user pool is
 * 566,000 pages of 60 users; looking one person up is one call.
 *
 * Custom attributes cannot be filtered. They are matched only by walking a pool the
 * configuration says is small (`staffOnly` or `hygieneSweep.enabled`, and
 * `EstimatedNumberOfUsers` within `hygieneSweep.maxUsers`); otherwise they are reported as
 * unusable and skipped. The same bounded walk serves the optional hygiene sweep.
 */
import {
  AdminListUserAuthEventsCommand,
  ListUsersCommand,
  type UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import type { Config } from "../../config.ts";
import type { Clock } from "../../core/clock.ts";
import { DAY_MS } from "../../core/clock.ts";
import { normaliseEmail } from "../../core/identity.ts";
import type { Credential, LastUse, Person } from "../../core/model.ts";
import type { DiscoverContext, Discovery, SourceProblem } from "../../core/ports/credential-source.ts";
import { type CallCounter, errorInfo, mapLimited } from "../aws-iam/aws-calls.ts";
import type { CognitoCalls } from "./calls.ts";
import { equalsFilter, type FilterableAttribute, isCustomAttribute, isFilterable } from "./filter.ts";
import type { PoolFacts, PoolFactsCache } from "./pool-facts.ts";
import { regionOfPool } from "./pool-id.ts";
import { attributesOf, sessionsCredential } from "./user-credential.ts";

/** One configured pool. */
export type CognitoPoolConfig = Config["sources"]["aws-cognito"]["pools"][number];

/** What discovery needs. */
export interface DiscoverDeps {
  readonly calls: CognitoCalls;
  readonly counter: CallCounter;
  readonly facts: PoolFactsCache;
  readonly config: Config["sources"]["aws-cognito"];
  readonly clock: Clock;
}

/** ListUsers pages followed for one exact filter before giving up: 600 users share one email only by mistake. */
const MAX_PAGES_PER_FILTER = 10;
/** AdminListUserAuthEvents pages (60 events each, newest first) read to find the last successful sign-in. */
const MAX_AUTH_EVENT_PAGES = 3;

/** The note every finding in a pool with custom match attributes carries. */
export const CUSTOM_ATTRIBUTE_NOTE =
  "ListUsers cannot filter on custom attributes (custom:...): they can only be matched by walking the whole pool";

/** A user found for one or more departed people. */
interface Found {
  user: UserType;
  readonly people: Set<Person>;
  readonly matchedBy: Set<string>;
}

/** The values a person is looked up by, per attribute. */
export function searchValues(attribute: FilterableAttribute, person: Person): string[] {
  const emails = person.emails.flatMap((e) => [e.trim(), e.trim().toLowerCase()]);
  const aliases = person.aliases.map((a) => a.trim());
  let values: string[];
  switch (attribute) {
    case "email":
      values = emails;
      break;
    case "username":
    case "preferred_username":
      // Pools that use the email as username store it as the username itself.
      values = [...aliases, ...emails];
      break;
    case "name":
      values = person.displayName ? [person.displayName.trim()] : [];
      break;
    default:
      values = [];
  }
  return [...new Set(values.filter((v) => v !== ""))];
}

/** Discovers the `cognito-sessions` credentials of departed people in every configured pool. */
export async function discoverPools(deps: DiscoverDeps, ctx: DiscoverContext): Promise<Discovery> {
  const before = deps.counter.stats();
  const credentials: Credential[] = [];
  const problems: SourceProblem[] = [];
  const notes = new Set<string>();
  const stats: Record<string, number> = { people: ctx.people.length, pools: deps.config.pools.length };
  const bump = (key: string, n = 1) => {
    stats[key] = (stats[key] ?? 0) + n;
  };
  // The accounts of the pools read: a scan calls a finding gone only in these (`accounts`), so the
  // security account's scan leaves the findings of member accounts' pools to their own scans.
  const accounts = new Set<string>();
  for (const pool of deps.config.pools) {
    const result = await discoverPool(deps, ctx, pool, bump);
    if (result.account !== undefined) accounts.add(result.account);
    credentials.push(...result.credentials);
    problems.push(...result.problems);
    for (const note of result.notes) notes.add(note);
    ctx.progress?.(`aws-cognito: ${pool.userPoolId} looked up`, { credentials: credentials.length });
  }
  const after = deps.counter.stats();
  for (const [key, n] of Object.entries(after)) {
    const diff = n - (before[key] ?? 0);
    if (diff > 0) stats[key] = diff;
  }
  return { credentials, problems, stats, notes: [...notes], accounts: [...accounts] };
}

interface PoolResult {
  readonly credentials: Credential[];
  readonly problems: SourceProblem[];
  readonly notes: string[];
  /** The account in the pool's ARN, once its facts were read. */
  readonly account?: string;
}

async function discoverPool(
  deps: DiscoverDeps,
  ctx: DiscoverContext,
  pool: CognitoPoolConfig,
  bump: (key: string, n?: number) => void,
): Promise<PoolResult> {
  const { calls, config } = deps;
  const UserPoolId = pool.userPoolId;
  const region = pool.region ?? regionOfPool(UserPoolId);
  const problems: SourceProblem[] = [];
  const notes: string[] = [];
  const problem = (subject: string, error: unknown) => {
    const { name, message } = errorInfo(error);
    problems.push({ source: "aws-cognito", subject, errorName: name, message });
  };

  let facts: PoolFacts;
  try {
    facts = await deps.facts.get(UserPoolId, region);
  } catch (error) {
    problem(UserPoolId, error);
    return { credentials: [], problems, notes };
  }

  const filterable: FilterableAttribute[] = [];
  const custom: string[] = [];
  for (const attribute of pool.matchAttributes) {
    if (isFilterable(attribute)) {
      if (ctx.people.some((p) => searchValues(attribute, p).length > 0)) filterable.push(attribute);
      else if (ctx.people.length > 0)
        notes.push(
          `${UserPoolId}: match attribute ${attribute} has no value on the departure list to look up`,
        );
    } else if (isCustomAttribute(attribute)) custom.push(attribute);
    else
      notes.push(
        `${UserPoolId}: match attribute ${attribute} is neither filterable by ListUsers nor a custom attribute; ignored`,
      );
  }

  // Targeted lookup: one exact filter per person, attribute and value.
  const found = new Map<string, Found>();
  const add = (user: UserType, person: Person | undefined, matchedBy: string) => {
    const username = user.Username;
    if (username === undefined) return;
    let entry = found.get(username);
    if (!entry) {
      entry = { user, people: new Set(), matchedBy: new Set() };
      found.set(username, entry);
    }
    if (person) entry.people.add(person);
    entry.matchedBy.add(matchedBy);
  };
  const lookups = ctx.people.flatMap((person) =>
    filterable.flatMap((attribute) =>
      searchValues(attribute, person).map((value) => ({ person, attribute, value })),
    ),
  );
  await mapLimited(lookups, config.concurrency, async ({ person, attribute, value }) => {
    const Filter = equalsFilter(attribute, value);
    try {
      const users = await listUsers(calls, region, UserPoolId, Filter, MAX_PAGES_PER_FILTER);
      bump("lookups");
      for (const user of users.users) add(user, person, `${attribute} = ${value}`);
      if (users.truncated) {
        notes.push(
          `${UserPoolId}: ${Filter} matched more than ${MAX_PAGES_PER_FILTER * 60} users; stopped there`,
        );
      }
    } catch (error) {
      problem(`${UserPoolId} ${Filter}`, error);
    }
  });

  // The bounded walk, for custom attributes and the hygiene sweep, only where the pool is small.
  const walkable =
    (pool.staffOnly || pool.hygieneSweep.enabled) && facts.estimatedUsers <= pool.hygieneSweep.maxUsers;
  const wantCustom = custom.length > 0 && ctx.people.length > 0;
  if (custom.length > 0) notes.push(`${UserPoolId}: ${CUSTOM_ATTRIBUTE_NOTE} (${custom.join(", ")})`);
  if (wantCustom && !walkable) {
    notes.push(
      `${UserPoolId}: ${custom.join(", ")} not used: the pool is ${
        pool.staffOnly || pool.hygieneSweep.enabled
          ? `estimated at ${facts.estimatedUsers} users, more than hygieneSweep.maxUsers (${pool.hygieneSweep.maxUsers})`
          : "neither staffOnly nor hygieneSweep-enabled"
      }, and a large pool is never walked`,
    );
  }
  if (pool.hygieneSweep.enabled && facts.estimatedUsers > pool.hygieneSweep.maxUsers) {
    const message = `hygiene sweep refused: the pool holds about ${facts.estimatedUsers} users, more than hygieneSweep.maxUsers (${pool.hygieneSweep.maxUsers})`;
    notes.push(`${UserPoolId}: ${message}`);
    problems.push({ source: "aws-cognito", subject: UserPoolId, errorName: "HygieneSweepRefused", message });
  }
  let walked: UserType[] = [];
  if (walkable && (wantCustom || pool.hygieneSweep.enabled)) {
    const maxPages = Math.ceil(pool.hygieneSweep.maxUsers / 60) + 1;
    try {
      const result = await listUsers(calls, region, UserPoolId, undefined, maxPages);
      walked = result.users;
      bump("walkedUsers", walked.length);
      if (result.truncated) {
        problems.push({
          source: "aws-cognito",
          subject: UserPoolId,
          errorName: "PoolWalkTruncated",
          message: `stopped walking after ${walked.length} users: the pool grew past hygieneSweep.maxUsers (${pool.hygieneSweep.maxUsers})`,
        });
      }
    } catch (error) {
      problem(`${UserPoolId} walk`, error);
    }
    if (wantCustom) {
      const index = personIndex(ctx.people);
      for (const user of walked) {
        const attributes = attributesOf(user);
        for (const attribute of custom) {
          const value = attributes[attribute];
          const person = value === undefined ? undefined : lookupPerson(index, value);
          if (person) add(user, person, `${attribute} = ${value} (pool walk)`);
        }
      }
    }
  }

  // Last successful sign-in of each match, where advanced security records it. Auth events only
  // go back to when it was turned on, and only the newest pages are read: no sign-in found is
  // not "never used", so such a user's `lastUsed` stays unknown (as in the sweep below).
  const matched = [...found.values()];
  const lastSignIns = new Map<string, LastUse>();
  if (facts.authEvents) {
    await mapLimited(matched, config.concurrency, async ({ user }) => {
      try {
        const signIn = await lastSuccessfulSignIn(calls, region, UserPoolId, user.Username!);
        if (signIn) lastSignIns.set(user.Username!, signIn);
      } catch (error) {
        problem(`${UserPoolId}/${user.Username} auth events`, error);
      }
    });
  }

  const observedAt = deps.clock.now();
  const perPerson = new Map<Person, string[]>();
  for (const entry of matched) {
    for (const person of entry.people)
      perPerson.set(person, [...(perPerson.get(person) ?? []), entry.user.Username!]);
  }
  for (const [person, usernames] of perPerson) {
    if (usernames.length > 1) {
      notes.push(
        `${UserPoolId}: ${labelOf(person)} matches ${usernames.length} users (${usernames.join(", ")}); each is reported`,
      );
    }
  }
  const credentials: Credential[] = matched.map((entry) => {
    const username = entry.user.Username!;
    const siblings = new Set<string>();
    for (const person of entry.people) for (const other of perPerson.get(person) ?? []) siblings.add(other);
    siblings.delete(username);
    if (entry.people.size > 1) {
      notes.push(
        `${UserPoolId}: user ${username} matches ${entry.people.size} departed people (${[...entry.people].map(labelOf).join(", ")})`,
      );
    }
    const lastUsed = lastSignIns.get(username);
    return sessionsCredential({
      facts,
      user: entry.user,
      principalType: "human",
      observedAt,
      ...(lastUsed !== undefined ? { lastUsed } : {}),
      details: {
        matchedBy: [...entry.matchedBy].join("; "),
        otherMatchesForPerson: siblings.size > 0 ? [...siblings].join(", ") : null,
        ...(custom.length > 0 ? { customAttributeNote: CUSTOM_ATTRIBUTE_NOTE } : {}),
      },
    });
  });

  if (pool.hygieneSweep.enabled && walkable) {
    const swept = await sweep(deps, ctx, pool, facts, walked, found, problem);
    bump("sweepInactive", swept.length);
    credentials.push(...swept);
  }
  bump("matches", matched.length);
  return { credentials, problems, notes, account: facts.account };
}

/** Users of the pool that have not signed in (or changed) for `inactiveDays`, matched or not. */
async function sweep(
  deps: DiscoverDeps,
  ctx: DiscoverContext,
  pool: CognitoPoolConfig,
  facts: PoolFacts,
  walked: readonly UserType[],
  found: ReadonlyMap<string, Found>,
  problem: (subject: string, error: unknown) => void,
): Promise<Credential[]> {
  const cutoff = ctx.now.getTime() - pool.hygieneSweep.inactiveDays * DAY_MS;
  const candidates = walked.filter((u) => u.Enabled !== false && u.Username && !found.has(u.Username));
  const observedAt = deps.clock.now();
  const out = await mapLimited(candidates, deps.config.concurrency, async (user) => {
    const username = user.Username!;
    let lastUsed: LastUse | undefined;
    let basis: string;
    let since: Date | undefined;
    if (facts.authEvents) {
      let signIn: LastUse | null;
      try {
        signIn = await lastSuccessfulSignIn(deps.calls, facts.region, facts.userPoolId, username);
      } catch (error) {
        problem(`${facts.userPoolId}/${username} auth events`, error);
        return undefined;
      }
      // Auth events only go back to when advanced security was turned on: no event is not "never
      // used", so `lastUsed` stays unknown and the user's creation date stands in.
      lastUsed = signIn ?? undefined;
      basis = signIn
        ? "AdminListUserAuthEvents"
        : "AdminListUserAuthEvents (no successful sign-in recorded): UserCreateDate";
      since = signIn ? signIn.at : user.UserCreateDate;
    } else {
      basis = "UserLastModifiedDate";
      since = user.UserLastModifiedDate ?? user.UserCreateDate;
    }
    if (since === undefined || since.getTime() > cutoff) return undefined;
    return sessionsCredential({
      facts,
      user,
      principalType: pool.staffOnly ? "human" : "unknown",
      observedAt,
      ...(lastUsed !== undefined ? { lastUsed } : {}),
      details: {
        hygiene: "inactive",
        inactiveDays: Math.floor((ctx.now.getTime() - since.getTime()) / DAY_MS),
        inactiveThresholdDays: pool.hygieneSweep.inactiveDays,
        inactivityBasis: basis,
        inactiveSince: since.toISOString(),
      },
    });
  });
  return out.filter((c): c is Credential => c !== undefined);
}

/** Users matching `Filter` (every user when `undefined`), at most `maxPages` pages of 60. */
export async function listUsers(
  calls: CognitoCalls,
  region: string,
  UserPoolId: string,
  Filter: string | undefined,
  maxPages: number,
): Promise<{ users: UserType[]; truncated: boolean }> {
  const users: UserType[] = [];
  let PaginationToken: string | undefined;
  let pages = 0;
  do {
    if (pages === maxPages) return { users, truncated: true };
    const page = await calls.send("ListUsers", region, (c) =>
      c.send(new ListUsersCommand({ UserPoolId, Limit: 60, PaginationToken, ...(Filter ? { Filter } : {}) })),
    );
    pages++;
    users.push(...(page.Users ?? []));
    PaginationToken = page.PaginationToken;
  } while (PaginationToken);
  return { users, truncated: false };
}

/**
 * The user's last successful sign-in from the advanced security auth events (newest first), or
 * `null` when none of the pages read holds one:
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminListUserAuthEvents.html
 */
export async function lastSuccessfulSignIn(
  calls: CognitoCalls,
  region: string,
  UserPoolId: string,
  Username: string,
): Promise<LastUse | null> {
  let NextToken: string | undefined;
  for (let page = 0; page < MAX_AUTH_EVENT_PAGES; page++) {
    const result = await calls.send("AdminListUserAuthEvents", region, (c) =>
      c.send(new AdminListUserAuthEventsCommand({ UserPoolId, Username, MaxResults: 60, NextToken })),
    );
    for (const event of result.AuthEvents ?? []) {
      if (event.EventType === "SignIn" && event.EventResponse === "Pass" && event.CreationDate) {
        const ip = event.EventContextData?.IpAddress;
        return { at: event.CreationDate, service: "cognito-idp", ...(ip ? { ip } : {}) };
      }
    }
    NextToken = result.NextToken;
    if (!NextToken) break;
  }
  return null;
}

/** Departed people by every identifier a custom attribute may hold (employee id, email, alias). */
function personIndex(people: readonly Person[]): Map<string, Person> {
  const index = new Map<string, Person>();
  for (const person of people) {
    if (person.employeeId) index.set(person.employeeId.trim().toLowerCase(), person);
    for (const email of person.emails) {
      index.set(email.trim().toLowerCase(), person);
      const normal = normaliseEmail(email);
      if (normal) index.set(normal, person);
    }
    for (const alias of person.aliases) index.set(alias.trim().toLowerCase(), person);
  }
  return index;
}

function lookupPerson(index: ReadonlyMap<string, Person>, value: string): Person | undefined {
  const key = value.trim().toLowerCase();
  if (key === "") return undefined;
  return index.get(key) ?? index.get(normaliseEmail(value) ?? "\u0000");
}

function labelOf(person: Person): string {
  return person.displayName ?? person.emails[0] ?? person.employeeId ?? "a departed person";
}
