/**
 * Builds the store and the audit log a configuration asks for. Clients are created by the
 * caller once per cold start and passed in; a setting that needs a client it was not given
 * is a setup problem, so it throws.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Config } from "../config.ts";
import type { Clock } from "../core/clock.ts";
import type { AuditLog } from "../core/ports/store.ts";
import { FileAuditLog, S3AuditLog } from "./audit.ts";
import { resolveAgainst, StoreSetupError } from "./store-from-config.ts";

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
export { type StoreDeps, StoreSetupError, storeFromConfig } from "./store-from-config.ts";

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
