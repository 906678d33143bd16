/**
 * Where the HR departure list comes from: a file (CLI), an S3 object (Lambda), or the
 * events the HR webhook stored. Each implements `DepartureSource`; parsing and validation
 * are shared (`parse.ts`, `merge.ts`), so every source is equally strict.
 */
import { readFile, stat } from "node:fs/promises";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Config } from "../config.ts";
import type { DepartureList, DepartureRowError, DepartureSource } from "../core/ports/departure-source.ts";
import type { Store } from "../core/ports/store.ts";
import { DepartureSourceError } from "./errors.ts";
import { isDepartureMarker } from "./events.ts";
import { type MergeEntry, mergePeople } from "./merge.ts";
import { type DepartureFormat, parseDepartureList } from "./parse.ts";

/** How a source reads its list. */
export interface DepartureSourceOptions {
  /** IANA zone for plain dates (`departures.timeZone`). */
  readonly timeZone: string;
  /** Skip invalid rows instead of rejecting the list (`departures.lenient`). @default false */
  readonly lenient?: boolean;
  /** Force a format instead of detecting it from the name and content. */
  readonly format?: DepartureFormat;
  /** Refuse lists larger than this; a 20 MiB HR list is an export gone wrong. @default 20 MiB */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

function parseOptions(origin: string, fileName: string, options: DepartureSourceOptions) {
  return {
    origin,
    fileName,
    timeZone: options.timeZone,
    lenient: options.lenient ?? false,
    ...(options.format ? { format: options.format } : {}),
  };
}

/** A departure list in a local file (CLI and demo). */
export class FileDepartureSource implements DepartureSource {
  constructor(
    readonly path: string,
    private readonly options: DepartureSourceOptions,
  ) {}

  async load(): Promise<DepartureList> {
    const maxBytes = this.options.maxBytes ?? DEFAULT_MAX_BYTES;
    let bytes: Uint8Array;
    try {
      const info = await stat(this.path);
      if (!info.isFile()) throw new DepartureSourceError(this.path, "is not a file");
      if (info.size > maxBytes) {
        throw new DepartureSourceError(this.path, `is ${info.size} bytes, more than the ${maxBytes} allowed`);
      }
      bytes = await readFile(this.path);
    } catch (error) {
      if (error instanceof DepartureSourceError) throw error;
      throw new DepartureSourceError(this.path, `cannot be read (${describe(error)})`, { cause: error });
    }
    return parseDepartureList(bytes, parseOptions(this.path, this.path, this.options));
  }
}

/** A departure list in S3. The origin records the object version read, for the audit trail. */
export class S3DepartureSource implements DepartureSource {
  readonly bucket: string;
  readonly key: string;

  /** `uri` is `s3://bucket/key`. */
  constructor(
    private readonly s3: S3Client,
    readonly uri: string,
    private readonly options: DepartureSourceOptions,
  ) {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!match?.[1] || !match[2]) throw new DepartureSourceError(uri, "is not an s3://bucket/key address");
    this.bucket = match[1];
    this.key = match[2];
  }

  async load(): Promise<DepartureList> {
    const maxBytes = this.options.maxBytes ?? DEFAULT_MAX_BYTES;
    let bytes: Uint8Array;
    let versionId: string | undefined;
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      if (result.ContentLength !== undefined && result.ContentLength > maxBytes) {
        result.Body?.transformToWebStream().cancel();
        throw new DepartureSourceError(
          this.uri,
          `is ${result.ContentLength} bytes, more than the ${maxBytes} allowed`,
        );
      }
      if (!result.Body) throw new DepartureSourceError(this.uri, "has no body");
      bytes = await result.Body.transformToByteArray();
      versionId = result.VersionId && result.VersionId !== "null" ? result.VersionId : undefined;
    } catch (error) {
      if (error instanceof DepartureSourceError) throw error;
      throw new DepartureSourceError(this.uri, `cannot be read (${describe(error)})`, { cause: error });
    }
    if (bytes.length > maxBytes) {
      throw new DepartureSourceError(this.uri, `is ${bytes.length} bytes, more than the ${maxBytes} allowed`);
    }
    const origin = versionId ? `${this.uri}#${versionId}` : this.uri;
    return parseDepartureList(bytes, parseOptions(origin, this.key, this.options));
  }
}

/** Options of `StoreDepartureSource`. */
export interface StoreDepartureSourceOptions {
  /** Strict (default) rejects the list when stored events conflict; lenient leaves the conflicting ones out. */
  readonly lenient?: boolean;
  /** Named in `DepartureList.origin`. @default "store:departure-events" */
  readonly origin?: string;
}

/**
 * The departures the HR webhook stored, as one list. Events were validated on receipt, so
 * the only problems left are conflicts between events (one email for two employee ids);
 * people named by several events are merged like duplicate rows (earliest departure wins).
 */
export class StoreDepartureSource implements DepartureSource {
  constructor(
    private readonly store: Store,
    private readonly options: StoreDepartureSourceOptions = {},
  ) {}

  async load(): Promise<DepartureList> {
    const origin = this.options.origin ?? "store:departure-events";
    let events: Awaited<ReturnType<Store["listDepartureEvents"]>>;
    try {
      events = await this.store.listDepartureEvents();
    } catch (error) {
      throw new DepartureSourceError(origin, `cannot be read (${describe(error)})`, { cause: error });
    }
    const entries: MergeEntry[] = [];
    /** The event and position (index + 1) of each entry, by the entry's ordinal `line`. */
    const from = new Map<number, { eventId: string; position: number }>();
    for (const event of events) {
      // Receipts and supersessions are markers, not departures (see `events.ts`).
      if (isDepartureMarker(event)) continue;
      for (const [index, person] of event.people.entries()) {
        const line = entries.length + 1;
        from.set(line, { eventId: event.eventId, position: index + 1 });
        entries.push({ person, line, where: `event ${event.eventId}` });
      }
    }
    const merged = mergePeople(entries);
    const { people } = merged;
    // A line across all events means nothing to a reader: name the event the conflicting person
    // came from, and their place in it (index + 1, as for a JSON array).
    const conflicts: DepartureRowError[] = merged.conflicts.map((c) => {
      const event = from.get(c.line);
      return event ? { ...c, line: event.position, message: `event ${event.eventId}: ${c.message}` } : c;
    });
    const first = conflicts[0];
    if (first && !this.options.lenient) {
      return {
        origin,
        people: [],
        errors: conflicts,
        rejected: true,
        rejectionReason: `${conflicts.length} conflicting departure${conflicts.length === 1 ? "" : "s"} (first: ${first.message}); strict mode rejects the whole list`,
        rowCount: entries.length,
      };
    }
    return { origin, people, errors: conflicts, rejected: false, rowCount: entries.length };
  }
}

/** The `departures` section of the configuration, as far as sources need it. */
export type DeparturesConfig = Pick<Config["departures"], "source" | "timeZone" | "lenient">;

/** Clients and adapters a source may need, created once per cold start by the caller. */
export interface DepartureSourceDeps {
  readonly s3?: S3Client;
  /** The store on the configured table, for `type: "dynamodb"` (webhook events). */
  readonly store?: Store;
}

/**
 * The source the configuration names, or `undefined` when none is configured (the scan
 * then runs its hygiene rules without departures). A missing dependency is a setup
 * error and throws `DepartureSourceError`.
 */
export function departureSourceFromConfig(
  config: DeparturesConfig,
  deps: DepartureSourceDeps = {},
): DepartureSource | undefined {
  const { source } = config;
  if (!source) return undefined;
  const options = { timeZone: config.timeZone, lenient: config.lenient };
  switch (source.type) {
    case "file":
      return new FileDepartureSource(source.path, options);
    case "s3":
      if (!deps.s3) throw new DepartureSourceError(source.uri, "needs an S3 client");
      return new S3DepartureSource(deps.s3, source.uri, options);
    case "dynamodb":
      if (!deps.store)
        throw new DepartureSourceError(`dynamodb:${source.table}`, "needs the store on that table");
      return new StoreDepartureSource(deps.store, {
        lenient: config.lenient,
        origin: `dynamodb:${source.table}`,
      });
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Node's errors carry their code in the message; SDK errors in the name (NoSuchKey, AccessDenied).
  return error.name === "Error" ? error.message : `${error.name}: ${error.message}`;
}
