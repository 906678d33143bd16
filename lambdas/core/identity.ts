/**
 * Identity resolution: whose credential is this, and is that person on the departure list?
 * Every match records what it was made on and how strong it is. A weak match never leads
 * to an automatic revocation (see `policy.ts`).
 */
import type { Credential, Match, MatchBasis, MatchStrength, Person } from "./model.ts";
import type { OwnerResolver } from "./ports/credential-source.ts";

/** How user names are derived from people's names. */
export type UsernameConvention = "first.last" | "flast" | "firstl" | "first_last" | "email-local-part";

export interface IdentitySettings {
  /** Domains that are the same company: canonical domain -> other spellings. */
  readonly domainAliases: Readonly<Record<string, readonly string[]>>;
  readonly usernameConventions: readonly UsernameConvention[];
}

/**
 * Normalises an email for comparison: surrounding space, case, `+tag` plus-addressing and
 * configured domain aliases. Returns `undefined` for anything that is not an address.
 */
export function normaliseEmail(
  raw: string,
  domainAliases: IdentitySettings["domainAliases"] = {},
): string | undefined {
  const trimmed = raw.trim().toLowerCase();
  const at = trimmed.lastIndexOf("@");
  if (at <= 0 || at === trimmed.length - 1 || /\s/.test(trimmed)) return undefined;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  domain = canonicalDomain(domain, domainAliases);
  return `${local}@${domain}`;
}

function canonicalDomain(domain: string, aliases: IdentitySettings["domainAliases"]): string {
  for (const [canonical, others] of Object.entries(aliases)) {
    if (others.some((other) => other.trim().toLowerCase() === domain)) return canonical.trim().toLowerCase();
  }
  return domain;
}

/** Splits a display name into lower-case ASCII name parts ("Zoë O'Brien-Smith" -> ["zoe", "obriensmith"]). */
function nameParts(displayName: string): string[] {
  return displayName
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/\s+/)
    .map((part) => part.replace(/[^a-z0-9]/g, ""))
    .filter((part) => part.length > 0);
}

/** The user names a person would have under each convention. */
export function conventionalUsernames(
  person: Pick<Person, "displayName" | "emails">,
  conventions: readonly UsernameConvention[],
): Array<{ username: string; convention: UsernameConvention }> {
  const out: Array<{ username: string; convention: UsernameConvention }> = [];
  const parts = person.displayName ? nameParts(person.displayName) : [];
  const first = parts[0];
  const last = parts.length > 1 ? parts[parts.length - 1] : undefined;
  for (const convention of conventions) {
    if (convention === "email-local-part") {
      for (const email of person.emails) {
        const local = email.trim().toLowerCase().split("@")[0]?.split("+")[0];
        if (local) out.push({ username: local, convention });
      }
      continue;
    }
    if (!first || !last) continue;
    const username =
      convention === "first.last"
        ? `${first}.${last}`
        : convention === "first_last"
          ? `${first}_${last}`
          : convention === "flast"
            ? `${first[0]}${last}`
            : `${first}${last[0]}`;
    out.push({ username, convention });
  }
  return out;
}

interface Candidate {
  readonly person: Person;
  readonly strength: MatchStrength;
  readonly basis: MatchBasis;
  readonly how: string;
}

/**
 * An index of the people on a departure list, built once per scan so that matching a million
 * credentials is a handful of map look-ups each.
 */
export class IdentityIndex implements OwnerResolver {
  readonly #byEmployeeId = new Map<string, Person>();
  readonly #byEmail = new Map<string, Person>();
  readonly #byName = new Map<string, Candidate[]>();

  constructor(
    readonly people: readonly Person[],
    private readonly settings: IdentitySettings,
  ) {
    for (const person of people) {
      if (person.employeeId) this.#byEmployeeId.set(person.employeeId.trim().toLowerCase(), person);
      for (const email of person.emails) {
        const normal = normaliseEmail(email, settings.domainAliases);
        if (normal) this.#byEmail.set(normal, person);
      }
      for (const alias of person.aliases) {
        this.#addName(alias, {
          person,
          strength: "strong",
          basis: "alias",
          how: "alias on the departure list",
        });
      }
      for (const { username, convention } of conventionalUsernames(person, settings.usernameConventions)) {
        // An email's local part is unique in the company; a name-built user name is not.
        const strength: MatchStrength = convention === "email-local-part" ? "strong" : "weak";
        this.#addName(username, {
          person,
          strength,
          basis: "username-convention",
          how: `user name convention ${convention}`,
        });
      }
    }
  }

  #addName(name: string, candidate: Candidate): void {
    const key = name.trim().toLowerCase();
    if (!key) return;
    const list = this.#byName.get(key) ?? [];
    if (!list.some((c) => c.person === candidate.person && c.strength === candidate.strength))
      list.push(candidate);
    this.#byName.set(key, list);
  }

  /** Resolves a credential to a person on the list, strongest evidence first. */
  match(credential: Pick<Credential, "ownerHints" | "principal">): Match | undefined {
    const hints = credential.ownerHints;
    for (const id of hints.employeeIds) {
      const person = this.#byEmployeeId.get(id.trim().toLowerCase());
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
    const normal = normaliseEmail(email, this.settings.domainAliases);
    return normal ? this.#byEmail.get(normal) : undefined;
  }

  #nameMatch(name: string): Match | undefined {
    const candidates = this.#byName.get(name.trim().toLowerCase());
    if (!candidates || candidates.length === 0) return undefined;
    let top = candidates[0]!;
    let ambiguous = false;
    for (const candidate of candidates) {
      if (strengthRank(candidate.strength) > strengthRank(top.strength)) top = candidate;
      if (candidate.person !== candidates[0]!.person) ambiguous = true;
    }
    // Two people who would both own this name: only a human can tell which.
    const people = ambiguous ? new Set(candidates.map((c) => c.person)).size : 1;
    return {
      person: top.person,
      by: top.basis,
      strength: ambiguous ? "weak" : top.strength,
      value: name,
      evidence: `${name} fits ${top.how}${ambiguous ? ` (ambiguous: ${people} people fit)` : ""}`,
    };
  }

  /** The `OwnerResolver` view used by sources to decide which principals to confirm. */
  resolve(credential: Pick<Credential, "ownerHints" | "principal">): { person: Person } | undefined {
    const match = this.match(credential);
    return match ? { person: match.person } : undefined;
  }
}

function strengthRank(strength: MatchStrength): number {
  return strength === "exact" ? 3 : strength === "strong" ? 2 : 1;
}
