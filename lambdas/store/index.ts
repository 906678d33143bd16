/**
 * Builds the store and the audit log a configuration asks for. Clients are created by the
 * caller once per cold start and passed in; a setting that needs a client it was not given
 * is a setup problem, so it throws.
 */
import { isAbsolute, resolve } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Config } from "../config.ts";
import type { Clock } from "../core/clock.ts";
import type { AuditLog, Store } from "../core/ports/store.ts";
import { FileAuditLog, S3AuditLog } from "./audit.ts";
import { DynamoDbStore } from "./dynamodb.ts";
import { LocalDirectoryStore } from "./local.ts";
import type { StoreOptions } from "./records.ts";

export type { AuditRecord, S3AuditLogOptions } from "./audit.ts";
export { AuditRecordError, FileAuditLog, S3AuditLog } from "./audit.ts";
export { DynamoDbStore, STORE_PARTITIONS, STORE_TABLE, StoreContentionError } from "./dynamodb.ts";
export { DEFAULT_LOCAL_STORE_DIR, LocalDirectoryStore, StoreLockTimeoutError } from "./local.ts";
export type { StoreOptions } from "./records.ts";
export {
  CorruptRecordError,
  FindingNotFoundError,
  OutboxItemNotFoundError,
  STORE_DEFAULTS,
  UNRESOLVED_STATUSES,
} from "./records.ts";

/** A store or audit setting that cannot be honoured with what the caller passed in. */
export class StoreSetupError extends Error {
  override readonly name = "StoreSetupError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** What `storeFromConfig` may need. */
export interface StoreDeps {
  /** Required for `type: "dynamodb"`. */
  readonly dynamoDb?: DynamoDBClient | DynamoDBDocumentClient;
  /**
   * Directory a relative local `dir` is resolved against: the config file's directory.
   * @default process.cwd()
   */
  readonly baseDir?: string;
  /** Timeouts and limits; see `StoreOptions`. */
  readonly options?: StoreOptions;
}

/** The Store for `config.store`. */
export function storeFromConfig(config: Config["store"], deps: StoreDeps = {}): Store {
  switch (config.type) {
    case "local":
      return new LocalDirectoryStore(resolveAgainst(config.dir, deps.baseDir), deps.options);
    case "dynamodb":
      if (!deps.dynamoDb) {
        throw new StoreSetupError(`store.type "dynamodb" (table ${config.table}) needs a DynamoDB client`);
      }
      return new DynamoDbStore(deps.dynamoDb, config.table, deps.options);
  }
}

/** What `auditLogFromConfig` may need. */
export interface AuditLogDeps {
  /** Required for `type: "s3"`. */
  readonly s3?: S3Client;
  /**
   * Directory a relative file `path` is resolved against: the config file's directory.
   * @default process.cwd()
   */
  readonly baseDir?: string;
  /**
   * Where S3 keys take their date from.
   * @default the system clock
   */
  readonly clock?: Clock;
}

/** The AuditLog for `config.audit`; `undefined` when no audit trail is configured. */
export function auditLogFromConfig(config: Config["audit"], deps: AuditLogDeps = {}): AuditLog | undefined {
  if (config === undefined) return undefined;
  switch (config.type) {
    case "file":
      return new FileAuditLog(resolveAgainst(config.path, deps.baseDir));
    case "s3":
      if (!deps.s3) throw new StoreSetupError(`audit.type "s3" (bucket ${config.bucket}) needs an S3 client`);
      return new S3AuditLog(deps.s3, config.bucket, config.prefix, deps.clock ? { clock: deps.clock } : {});
  }
}

function resolveAgainst(path: string, baseDir: string | undefined): string {
  return isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
}
