/**
 * Identity resolution: whose credential is this, and is that person on the departure list?
 * Every match records what it was made on and how strong it is. A weak match never leads
 * to an automatic revocation (see `policy.ts`).
 */
import type { Credential, Match, MatchBasis, MatchStrength, Person } from "./model.ts";
import type { OwnerResolver } from "./ports/credential-source.ts";
import { StringTable } from "./string-table.ts";

/** How user names are derived from people's names. */
export type UsernameConvention = "first.last" | "flast" | "firstl" | "first_last" | "email-local-part";

export interface IdentitySettings {
  /** Domains that are the same company: canonical domain -> other spellings. */
  readonly domainAliases: Readonly<Record<string, readonly string[]>>;
  readonly usernameConventions: readonly UsernameConvention[];
}

/**
 * The form an identifier is compared in: surrounding space trimmed, case folded. Employee ids
 * and user names are compared this way, and it is where `normaliseEmail` starts; the departure
 * list merges its rows on it.
 */
export function foldIdentifier(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Other spellings of a domain -> the canonical domain, folded; the first canonical listed wins. */
type DomainLookup = ReadonlyMap<string, string>;

function domainLookup(aliases: IdentitySettings["domainAliases"]): DomainLookup {
  const lookup = new Map<string, string>();
  for (const [canonical, others] of Object.entries(aliases)) {
    for (const other of others) {
      const key = foldIdentifier(other);
      if (!lookup.has(key)) lookup.set(key, foldIdentifier(canonical));
    }
  }
  return lookup;
}

/**
 * Normalises an email for comparison: surrounding space, case, `+tag` plus-addressing and
 * configured domain aliases. Returns `undefined` for anything that is not an address.
 */
export function normaliseEmail(
  raw: string,
  domainAliases: IdentitySettings["domainAliases"] = {},
): string | undefined {
  return emailKey(raw, domainLookup(domainAliases));
}

/** `normaliseEmail` with the aliases looked up once per index, not once per address. */
function emailKey(raw: string, domains: DomainLookup): string | undefined {
  const folded = foldIdentifier(raw);
  const at = folded.lastIndexOf("@");
  if (at <= 0 || at === folded.length - 1 || /\s/.test(folded)) return undefined;
  const plus = folded.indexOf("+");
  const tagged = plus > 0 && plus < at;
  const canonical = domains.size > 0 ? domains.get(folded.slice(at + 1)) : undefined;
  // Most addresses are already in normal form: no new string for them.
  if (!tagged && canonical === undefined) return folded;
  return `${folded.slice(0, tagged ? plus : at)}@${canonical ?? folded.slice(at + 1)}`;
}

/** A display name of plain ASCII letters, digits and spaces: most names, and the fast path. */
const PLAIN_NAME = /^[A-Za-z0-9 ]*$/;

/** Splits a display name into lower-case ASCII name parts ("Zoë O'Brien-Smith" -> ["zoe", "obriensmith"]). */
function nameParts(displayName: string): string[] {
  if (PLAIN_NAME.test(displayName)) {
    // Nothing to strip: no accents, punctuation or other white space (a hundred thousand
    // departures are a hundred thousand names, and the general path allocates five times each).
    const parts = displayName.toLowerCase().split(" ");
    return parts.includes("") ? parts.filter((part) => part.length > 0) : parts;
  }
  return displayName
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/\s+/)
    .map((part) => part.replace(/[^a-z0-9]/g, ""))
    .filter((part) => part.length > 0);
}

/** `text` up to the first `separator`, or all of it: `text.split(separator)[0]` without the array. */
function before(text: string, separator: string): string {
  const at = text.indexOf(separator);
  return at < 0 ? text : text.slice(0, at);
}

/** The user names a person would have under each convention. */
export function conventionalUsernames(
  person: Pick<Person, "displayName" | "emails">,
  conventions: readonly UsernameConvention[],
): Array<{ username: string; convention: UsernameConvention }> {
  const out: Array<{ username: string; convention: UsernameConvention }> = [];
  forEachConventionalUsername(person, conventions, (username, convention) => {
    out.push({ username, convention });
  });
  return out;
}

/** `conventionalUsernames` without building the list: the index takes each name as it comes. */
function forEachConventionalUsername(
  person: Pick<Person, "displayName" | "emails">,
  conventions: readonly UsernameConvention[],
  take: (username: string, convention: UsernameConvention) => void,
): void {
  let parts: string[] | undefined;
  for (const convention of conventions) {
    if (convention === "email-local-part") {
      for (const email of person.emails) {
        const local = before(before(foldIdentifier(email), "@"), "+");
        if (local) take(local, convention);
      }
      continue;
    }
    parts ??= person.displayName ? nameParts(person.displayName) : [];
    const first = parts[0];
    const last = parts.length > 1 ? parts[parts.length - 1] : undefined;
    if (!first || !last) continue;
    take(
      convention === "first.last"
        ? `${first}.${last}`
        : convention === "first_last"
          ? `${first}_${last}`
          : convention === "flast"
            ? `${first[0]}${last}`
            : `${first}${last[0]}`,
      convention,
    );
  }
}

/** How a name on the list was come by; one object per way, shared by every name it gave. */
interface NameOrigin {
  readonly strength: MatchStrength;
  readonly basis: MatchBasis;
  readonly how: string;
}

const ALIAS_ORIGIN: NameOrigin = { strength: "strong", basis: "alias", how: "alias on the departure list" };

const CONVENTION_ORIGINS: Readonly<Record<UsernameConvention, NameOrigin>> = {
  // An email's local part is unique in the company; a name-built user name is not.
  "email-local-part": conventionOrigin("email-local-part", "strong"),
  "first.last": conventionOrigin("first.last", "weak"),
  flast: conventionOrigin("flast", "weak"),
  firstl: conventionOrigin("firstl", "weak"),
  first_last: conventionOrigin("first_last", "weak"),
};

function conventionOrigin(convention: UsernameConvention, strength: MatchStrength): NameOrigin {
  return { strength, basis: "username-convention", how: `user name convention ${convention}` };
}

/** A person a name may belong to; the rare name that fits several people chains them. */
interface Candidate {
  readonly person: Person;
  readonly origin: NameOrigin;
  next: Candidate | undefined;
}

/**
 * An index of the people on a departure list, built once per scan so that matching a million
 * credentials is a handful of map look-ups each.
 */
export class IdentityIndex implements OwnerResolver {
  // Open-addressing tables, not `Map`s: most look-ups are misses on fresh strings (see `string-table.ts`).
  readonly #byEmployeeId: StringTable<Person>;
  readonly #byEmail: StringTable<Person>;
  readonly #byName: StringTable<Candidate>;
  readonly #domains: DomainLookup;

  constructor(
    readonly people: readonly Person[],
    settings: IdentitySettings,
  ) {
    this.#domains = domainLookup(settings.domainAliases);
    this.#byEmployeeId = new StringTable(people.length);
    this.#byEmail = new StringTable(people.length);
    this.#byName = new StringTable(people.length * settings.usernameConventions.length);
    for (const person of people) {
      if (person.employeeId) setEarliest(this.#byEmployeeId, foldIdentifier(person.employeeId), person);
      for (const email of person.emails) {
        const normal = emailKey(email, this.#domains);
        if (normal) setEarliest(this.#byEmail, normal, person);
      }
      for (const alias of person.aliases) this.#addName(alias, person, ALIAS_ORIGIN);
      forEachConventionalUsername(person, settings.usernameConventions, (username, convention) =>
        this.#addName(username, person, CONVENTION_ORIGINS[convention]),
      );
    }
  }

  #addName(name: string, person: Person, origin: NameOrigin): void {
    const key = foldIdentifier(name);
    if (!key) return;
    let candidate = this.#byName.setIfAbsent(key, { person, origin, next: undefined });
    if (!candidate) return;
    for (;;) {
      if (candidate.person === person && candidate.origin.strength === origin.strength) return;
      if (!candidate.next) break;
      candidate = candidate.next;
    }
    candidate.next = { person, origin, next: undefined };
  }

  /** Resolves a credential to a person on the list, strongest evidence first. */
  match(credential: Pick<Credential, "ownerHints" | "principal">): Match | undefined {
    const hints = credential.ownerHints;
    for (const id of hints.employeeIds) {
      const person = this.#byEmployeeId.get(foldIdentifier(id));
      if (person) {
        return {
          person,
          by: "employee-id",
          strength: "exact",
          value: id,
          evidence: `employee id ${id} on the credential`,
        };
      }
    }
    for (const email of hints.emails) {
      const person = this.#personByEmail(email);
      if (person) {
        return {
          person,
          by: "owner-tag",
          strength: "exact",
          value: email,
          evidence: `owner email ${email} on the principal`,
        };
      }
    }
    const principal = credential.principal;
    if (principal.includes("@")) {
      const person = this.#personByEmail(principal);
      if (person)
        return {
          person,
          by: "email",
          strength: "exact",
          value: principal,
          evidence: `principal is ${principal}`,
        };
    }
    // Names are the common miss: look them up before building anything.
    let best = this.#nameMatch(principal);
    for (const name of hints.usernames) {
      const match = this.#nameMatch(name);
      if (match && (!best || strengthRank(match.strength) > strengthRank(best.strength))) best = match;
    }
    return best;
  }

  #personByEmail(email: string): Person | undefined {
    const normal = emailKey(email, this.#domains);
    return normal ? this.#byEmail.get(normal) : undefined;
  }

  #nameMatch(name: string): Match | undefined {
    const first = this.#byName.get(foldIdentifier(name));
    if (!first) return undefined;
    let top = first;
    let ambiguous = false;
    for (let c = first.next; c; c = c.next) {
      if (strengthRank(c.origin.strength) > strengthRank(top.origin.strength)) top = c;
      if (c.person !== first.person) ambiguous = true;
    }
    // Two people who would both own this name: only a human can tell which.
    const people = ambiguous ? candidatePeople(first) : 1;
    return {
      person: top.person,
      by: top.origin.basis,
      strength: ambiguous ? "weak" : top.origin.strength,
      value: name,
      evidence: `${name} fits ${top.origin.how}${ambiguous ? ` (ambiguous: ${people} people fit)` : ""}`,
    };
  }

  /** The `OwnerResolver` view used by sources to decide which principals to confirm. */
  resolve(credential: Pick<Credential, "ownerHints" | "principal">): { person: Person } | undefined {
    const match = this.match(credential);
    return match ? { person: match.person } : undefined;
  }
}

/**
 * Keys `person` under `key` unless someone who left earlier has it. Two list entries the merge
 * kept apart can share a key here (`jane+hr@corp.example` and `jane@corp.example`, or two
 * domains the config names as one): the earlier departure wins, the merge's safe side.
 */
function setEarliest(table: StringTable<Person>, key: string, person: Person): void {
  const other = table.setIfAbsent(key, person);
  if (other && person.departedAt.getTime() < other.departedAt.getTime()) table.set(key, person);
}

/** How many different people a chain of candidates names. */
function candidatePeople(first: Candidate): number {
  const people = new Set<Person>();
  for (let c: Candidate | undefined = first; c; c = c.next) people.add(c.person);
  return people.size;
}

function strengthRank(strength: MatchStrength): number {
  return strength === "exact" ? 3 : strength === "strong" ? 2 : 1;
}
