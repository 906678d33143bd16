/**
 * The audit trail: one JSON record per scan, never rewritten. A JSON Lines file for the CLI
 * (appended and fsync'd), one S3 object per record in Lambda (S3 cannot append; listing the
 * prefix in key order reads the trail back as JSON Lines). Dates serialise as ISO-8601.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { GetObjectCommand, PutObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import type { Clock } from "../core/clock.ts";
import type { AuditLog } from "../core/ports/store.ts";
import { isCode } from "./files.ts";

/** An audit record, as read back: dates are the ISO strings they were written as. */
export type AuditRecord = Record<string, unknown>;

/** A record that cannot be written: it does not serialise to JSON. */
export class AuditRecordError extends Error {
  override readonly name = "AuditRecordError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The audit trail as a JSON Lines file, one record per line. */
export class FileAuditLog implements AuditLog {
  /** Appends in this process are queued so lines never interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  async append(record: Readonly<Record<string, unknown>>): Promise<void> {
    const line = `${serialise(record)}\n`;
    const write = this.queue.then(() => this.write(line));
    this.queue = write.catch(() => undefined);
    await write;
  }

  /** Every record in the file, oldest first; none when the file does not exist yet. */
  async read(): Promise<AuditRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if (isCode(error, "ENOENT")) return [];
      throw error;
    }
    return parseJsonLines(text, this.path);
  }

  private async write(line: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const handle = await open(this.path, "a");
    try {
      await handle.writeFile(line, "utf8");
      // An audit record that a crash can lose is not an audit record.
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** Options of `S3AuditLog`. */
export interface S3AuditLogOptions {
  /**
   * Where the key's date and time come from.
   * @default the system clock
   */
  readonly clock?: Clock;
}

/**
 * The audit trail in S3: `<prefix>YYYY/MM/DD/<HHmmss.SSS>Z-<scanId>-<random>.json`, one
 * object per record. The time leads the name so a listing returns records in time order;
 * the random part keeps two records of one millisecond apart.
 */
export class S3AuditLog implements AuditLog {
  readonly prefix: string;
  private readonly clock: Clock;

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    prefix = "audit/",
    options: S3AuditLogOptions = {},
  ) {
    this.prefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    this.clock = options.clock ?? { now: () => new Date() };
  }

  async append(record: Readonly<Record<string, unknown>>): Promise<void> {
    const body = serialise(record);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.keyFor(record, this.clock.now()),
        Body: `${body}\n`,
        ContentType: "application/json",
      }),
    );
  }

  /** Every record under the prefix, in key (time) order. */
  async read(): Promise<AuditRecord[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: this.s3 },
      { Bucket: this.bucket, Prefix: this.prefix },
    )) {
      for (const object of page.Contents ?? []) if (object.Key?.endsWith(".json")) keys.push(object.Key);
    }
    keys.sort();
    const records: AuditRecord[] = [];
    for (const key of keys) {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = (await object.Body?.transformToString("utf8")) ?? "";
      records.push(...parseJsonLines(text, `s3://${this.bucket}/${key}`));
    }
    return records;
  }

  private keyFor(record: Readonly<Record<string, unknown>>, at: Date): string {
    const stamp = at.toISOString(); // 2024-05-06T07:08:09.123Z
    const day = `${stamp.slice(0, 4)}/${stamp.slice(5, 7)}/${stamp.slice(8, 10)}`;
    const time = `${stamp.slice(11, 13)}${stamp.slice(14, 16)}${stamp.slice(17, 23)}Z`;
    const scanId = typeof record.scanId === "string" ? safeKeyPart(record.scanId) : "";
    const random = randomBytes(6).toString("hex");
    return `${this.prefix}${day}/${time}${scanId ? `-${scanId}` : ""}-${random}.json`;
  }
}

/** One record as one line of JSON; `Date` values become ISO strings through `toJSON`. */
function serialise(record: Readonly<Record<string, unknown>>): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(record);
  } catch (error) {
    throw new AuditRecordError(`audit record does not serialise to JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (text === undefined) throw new AuditRecordError("audit record does not serialise to JSON");
  return text;
}

function parseJsonLines(text: string, where: string): AuditRecord[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, index) => {
      try {
        return JSON.parse(line) as AuditRecord;
      } catch (error) {
        throw new AuditRecordError(`${where}: line ${index + 1} is not JSON`, { cause: error });
      }
    });
}

/** Keeps a scan id to characters that are safe and readable in an S3 key. */
function safeKeyPart(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100);
}
