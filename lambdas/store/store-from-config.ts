/**
 * `storeFromConfig` on its own, without the audit log: the HR webhook imports it from here so
 * its bundle does not reach the S3 audit log (and the S3 client) through `store/index.ts`.
 */
import { isAbsolute, resolve } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Config } from "../config.ts";
import type { Store } from "../core/ports/store.ts";
import { DynamoDbStore } from "./dynamodb.ts";
import { LocalDirectoryStore } from "./local.ts";
import type { StoreOptions } from "./records.ts";

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

/** `path` if absolute, else resolved against `baseDir` (default: the working directory). */
export function resolveAgainst(path: string, baseDir: string | undefined): string {
  return isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
}
