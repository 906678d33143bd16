import { matchesFilter, type SearchableAttribute, type UserFilter } from "./filter.ts";
import type { UserStatus } from "./scenario.ts";

/** A remembered device of a user. */
export interface StoredDevice {
  readonly key: string;
  name: string | undefined;
  readonly createdAt: Date;
  lastModifiedAt: Date;
  lastAuthenticatedAt: Date | undefined;
  lastIp: string | undefined;
}

/** One recorded authentication event of a user. */
export interface StoredAuthEvent {
  readonly id: string;
  readonly type: string;
  readonly createdAt: Date;
  readonly response: string;
  readonly riskDecision: string;
  readonly riskLevel: string;
  readonly compromisedCredentialsDetected: boolean;
  readonly ipAddress: string | undefined;
  readonly deviceName: string | undefined;
  readonly city: string | undefined;
  readonly country: string | undefined;
}

/** A user as the sandbox keeps it. `attributes` keeps insertion order, which is the order served. */
export interface StoredUser {
  readonly username: string;
  attributes: Record<string, string>;
  password: string | undefined;
  enabled: boolean;
  status: UserStatus;
  readonly createdAt: Date;
  lastModifiedAt: Date;
  devices: StoredDevice[];
  authEvents: StoredAuthEvent[];
}

/** How a pool's generated users are synthesised from their index. */
export interface GeneratedUserSpec {
  readonly count: number;
  readonly prefix: string;
  readonly emailDomain: string;
  /** `name` is `<displayName> <i>`: the prefix with a capital first letter. */
  readonly displayName: string;
  readonly password: string | undefined;
  readonly status: UserStatus;
  readonly enabled: boolean;
  readonly createdAt: Date;
  /** The 24 characters every generated `sub` starts with; the last 12 hex digits are the index. */
  readonly subPrefix: string;
}

/** A page of positions from `UserStore.list`; `next` is where the following page starts, if any. */
export interface PositionPage {
  readonly positions: readonly number[];
  readonly next: number | undefined;
}

// Attributes whose equality filters are answered from an index rather than a scan.
const INDEXED = new Set<SearchableAttribute>([
  "username",
  "email",
  "phone_number",
  "name",
  "given_name",
  "family_name",
  "preferred_username",
  "sub",
]);

/**
 * The users of one pool, addressed by position: generated users occupy positions `0 .. count-1`
 * and explicit users follow in insertion order. Listing order is position order, so a pagination
 * token only has to carry a position.
 *
 * Generated users exist only as arithmetic until something changes them; then they are copied
 * ("materialised") into `#overrides`, so a pool of a million costs memory only for what tests touch.
 * Equality lookups on generated users parse the index back out of the value instead of keeping a
 * million-entry map; explicit and materialised users are found through `#index`.
 */
export class UserStore {
  readonly #generated: GeneratedUserSpec | undefined;
  readonly #generatedCount: number;
  readonly #width: number;
  /** Materialised generated users; `null` marks a deleted one. */
  readonly #overrides = new Map<number, StoredUser | null>();
  /** Explicit users at positions `generatedCount + i`; `null` marks a deleted one. */
  readonly #explicit: (StoredUser | null)[] = [];
  readonly #explicitPositions = new Map<string, number>();
  /** attribute -> value -> positions, for explicit and materialised users only. */
  readonly #index = new Map<SearchableAttribute, Map<string, Set<number>>>();
  #deleted = 0;

  constructor(generated: GeneratedUserSpec | undefined) {
    this.#generated = generated;
    this.#generatedCount = generated?.count ?? 0;
    this.#width = Math.max(6, String(Math.max(0, this.#generatedCount - 1)).length);
  }

  /** The number of live users. */
  get size(): number {
    return this.#generatedCount + this.#explicit.length - this.#deleted;
  }

  /** The position of the user named `username`, if it exists. */
  positionOf(username: string): number | undefined {
    const explicit = this.#explicitPositions.get(username);
    if (explicit !== undefined) return explicit;
    const slot = this.#generatedSlot("username", username);
    return slot !== undefined && this.#overrides.get(slot) !== null ? slot : undefined;
  }

  /**
   * The user at `position`, read-only: for a generated user not yet materialised this is a fresh
   * synthesised copy, so changes to it are lost. Use `edit` to change a user.
   */
  read(position: number): StoredUser | undefined {
    if (position < this.#generatedCount) {
      const override = this.#overrides.get(position);
      if (override === null) return undefined;
      return override ?? this.#synthesise(position);
    }
    return this.#explicit[position - this.#generatedCount] ?? undefined;
  }

  /** Applies `change` to the user at `position`, keeping the indexes right. */
  edit<T>(position: number, change: (user: StoredUser) => T): T {
    let user: StoredUser | undefined;
    if (position < this.#generatedCount) {
      const override = this.#overrides.get(position);
      if (override === null) throw new RangeError(`no user at position ${position}`);
      user = override ?? this.#synthesise(position);
      this.#overrides.set(position, user);
    } else {
      user = this.#explicit[position - this.#generatedCount] ?? undefined;
    }
    if (user === undefined) throw new RangeError(`no user at position ${position}`);
    this.#unindex(position, user);
    try {
      return change(user);
    } finally {
      this.#reindex(position, user);
    }
  }

  /** Adds an explicit user after every other user and returns its position. */
  add(user: StoredUser): number {
    if (this.positionOf(user.username) !== undefined)
      throw new RangeError(`duplicate username ${user.username}`);
    const position = this.#generatedCount + this.#explicit.length;
    this.#explicit.push(user);
    this.#explicitPositions.set(user.username, position);
    this.#reindex(position, user);
    return position;
  }

  /** Deletes the user at `position`; later positions do not move, so outstanding page tokens stay valid. */
  delete(position: number): void {
    const user = this.read(position);
    if (user === undefined) return;
    this.#unindex(position, user);
    if (position < this.#generatedCount) this.#overrides.set(position, null);
    else {
      this.#explicit[position - this.#generatedCount] = null;
      this.#explicitPositions.delete(user.username);
    }
    this.#deleted++;
  }

  /**
   * Up to `limit` positions of users matching `filter` (every user when `undefined`), starting at
   * position `from`, in position order.
   */
  list(filter: UserFilter | undefined, from: number, limit: number): PositionPage {
    if (filter?.operator === "=" && INDEXED.has(filter.attribute)) return this.#lookup(filter, from, limit);
    const positions: number[] = [];
    for (const position of this.#candidates(filter, Math.max(0, from))) {
      if (!this.#isLive(position)) continue;
      if (filter !== undefined && !matchesFilter(filter, this.#valueAt(position, filter.attribute))) continue;
      // Found one more match than the page holds: the next page starts there.
      if (positions.length === limit) return { positions, next: position };
      positions.push(position);
    }
    return { positions, next: undefined };
  }

  /** Positions from `from` on that may match `filter`, skipping generated users that provably cannot. */
  *#candidates(filter: UserFilter | undefined, from: number): Generator<number> {
    let start = from;
    if (start < this.#generatedCount && filter !== undefined && !this.#unmaterialisedMayMatch(filter)) {
      yield* [...this.#overrides.keys()].filter((position) => position >= start).sort((a, b) => a - b);
      start = this.#generatedCount;
    }
    const end = this.#generatedCount + this.#explicit.length;
    for (let position = start; position < end; position++) yield position;
  }

  /**
   * Whether any generated user not yet materialised could match `filter`. They all share one status
   * and one shape (`<fixed part><digits><fixed part>`), so a prefix incompatible with the fixed
   * leading part rules them all out without a million-step scan.
   */
  #unmaterialisedMayMatch(filter: UserFilter): boolean {
    const spec = this.#generated;
    if (spec === undefined) return false;
    if (filter.attribute === "status" || filter.attribute === "cognito:user_status") {
      const value = filter.attribute === "status" ? (spec.enabled ? "Enabled" : "Disabled") : spec.status;
      return matchesFilter(filter, value);
    }
    const lead = {
      username: `${spec.prefix}-`,
      email: `${spec.prefix}-`,
      name: `${spec.displayName} `,
      sub: spec.subPrefix,
    }[filter.attribute as string];
    if (lead === undefined) return false;
    return lead.startsWith(filter.value) || filter.value.startsWith(lead);
  }

  #lookup(filter: UserFilter, from: number, limit: number): PositionPage {
    const candidates = new Set(this.#index.get(filter.attribute)?.get(filter.value));
    const slot = this.#generatedSlot(filter.attribute, filter.value);
    if (slot !== undefined && !this.#overrides.has(slot)) candidates.add(slot);
    const sorted = [...candidates].filter((position) => position >= from).sort((a, b) => a - b);
    return { positions: sorted.slice(0, limit), next: sorted[limit] };
  }

  #isLive(position: number): boolean {
    if (position < this.#generatedCount) return this.#overrides.get(position) !== null;
    return (this.#explicit[position - this.#generatedCount] ?? null) !== null;
  }

  /** The value `attribute` has for the user at `position`, without synthesising a whole user. */
  #valueAt(position: number, attribute: SearchableAttribute): string | undefined {
    if (position < this.#generatedCount) {
      const override = this.#overrides.get(position);
      if (override === null) return undefined;
      if (override !== undefined) return filterValueOf(override, attribute);
      if (attribute === "status") return this.#generated?.enabled ? "Enabled" : "Disabled";
      if (attribute === "cognito:user_status") return this.#generated?.status;
      return this.#generatedValue(position, attribute);
    }
    const user = this.#explicit[position - this.#generatedCount];
    return user ? filterValueOf(user, attribute) : undefined;
  }

  #digits(slot: number): string {
    return String(slot).padStart(this.#width, "0");
  }

  #generatedValue(slot: number, attribute: string): string | undefined {
    const spec = this.#generated;
    if (spec === undefined) return undefined;
    switch (attribute) {
      case "username":
        return `${spec.prefix}-${this.#digits(slot)}`;
      case "email":
        return `${spec.prefix}-${this.#digits(slot)}@${spec.emailDomain}`;
      case "name":
        return `${spec.displayName} ${this.#digits(slot)}`;
      case "sub":
        return `${spec.subPrefix}${slot.toString(16).padStart(12, "0")}`;
      default:
        return undefined;
    }
  }

  /** The generated slot whose `attribute` would equal `value`, computed from the value alone. */
  #generatedSlot(attribute: string, value: string): number | undefined {
    const spec = this.#generated;
    if (spec === undefined) return undefined;
    let digits: string | undefined;
    switch (attribute) {
      case "username":
        digits = strip(value, `${spec.prefix}-`, "");
        break;
      case "email":
        digits = strip(value, `${spec.prefix}-`, `@${spec.emailDomain}`);
        break;
      case "name":
        digits = strip(value, `${spec.displayName} `, "");
        break;
      case "sub": {
        const hex = strip(value, spec.subPrefix, "");
        if (hex === undefined || !/^[0-9a-f]{12}$/.test(hex)) return undefined;
        const slot = Number.parseInt(hex, 16);
        return slot < spec.count ? slot : undefined;
      }
      default:
        return undefined;
    }
    if (digits === undefined || digits.length !== this.#width || !/^\d+$/.test(digits)) return undefined;
    const slot = Number(digits);
    return slot < spec.count ? slot : undefined;
  }

  #synthesise(slot: number): StoredUser {
    const spec = this.#generated!;
    return {
      username: `${spec.prefix}-${this.#digits(slot)}`,
      attributes: {
        sub: this.#generatedValue(slot, "sub")!,
        email_verified: "true",
        name: this.#generatedValue(slot, "name")!,
        email: this.#generatedValue(slot, "email")!,
      },
      password: spec.password,
      enabled: spec.enabled,
      status: spec.status,
      createdAt: spec.createdAt,
      lastModifiedAt: spec.createdAt,
      devices: [],
      authEvents: [],
    };
  }

  #unindex(position: number, user: StoredUser): void {
    for (const attribute of INDEXED) {
      const value = filterValueOf(user, attribute);
      if (value === undefined) continue;
      const byValue = this.#index.get(attribute);
      const positions = byValue?.get(value);
      positions?.delete(position);
      if (positions?.size === 0) byValue?.delete(value);
    }
  }

  #reindex(position: number, user: StoredUser): void {
    for (const attribute of INDEXED) {
      const value = filterValueOf(user, attribute);
      if (value === undefined) continue;
      const byValue = this.#index.get(attribute) ?? new Map<string, Set<number>>();
      this.#index.set(attribute, byValue);
      const positions = byValue.get(value) ?? new Set<number>();
      byValue.set(value, positions);
      positions.add(position);
    }
  }
}

/** The value a filter on `attribute` sees for `user`. */
function filterValueOf(user: StoredUser, attribute: SearchableAttribute): string | undefined {
  switch (attribute) {
    case "username":
      return user.username;
    case "status":
      return user.enabled ? "Enabled" : "Disabled";
    case "cognito:user_status":
      return user.status;
    default:
      return user.attributes[attribute];
  }
}

function strip(value: string, prefix: string, suffix: string): string | undefined {
  if (!value.startsWith(prefix) || !value.endsWith(suffix) || value.length < prefix.length + suffix.length) {
    return undefined;
  }
  return value.slice(prefix.length, value.length - suffix.length);
}
