/**
 * DynamoDB for tests: dynalite in-process on 127.0.0.1, in memory, and a helper that creates
 * the store's table with a real SDK client, the same key schema the CDK construct declares.
 */

import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { STORE_TABLE } from "../../lambdas/store/dynamodb.ts";

/** The slice of dynalite's API the tests use (it ships no types). */
interface DynaliteServer {
  listen(port: number, host: string, callback: (error?: Error) => void): void;
  address(): AddressInfo | string | null;
  close(callback: (error?: Error) => void): void;
  closeAllConnections?(): void;
}
type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => DynaliteServer;

const require = createRequire(import.meta.url);
const dynalite = require("dynalite") as DynaliteFactory;

/** A running dynalite. */
export interface RunningDynalite {
  /** `http://127.0.0.1:PORT`, for a client's `endpoint`. */
  readonly endpoint: string;
  /** Stops the server and drops keep-alive connections. */
  close(): Promise<void>;
}

/** Starts dynalite on a free port of 127.0.0.1, tables ready at once. */
export async function startDynalite(): Promise<RunningDynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) =>
    server.listen(0, "127.0.0.1", (error) => (error ? reject(error) : resolve())),
  );
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("dynalite did not bind a TCP port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A DynamoDB client pointed at a local endpoint, with throwaway credentials. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIATESTTESTTESTTEST", secretAccessKey: "test-secret" },
    maxAttempts: 1,
  });
}

/** Creates the store's table (on-demand, `pk`/`sk`, TTL on `expiresAt`) and waits until it is active. */
export async function createStoreTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: STORE_TABLE.partitionKey, AttributeType: "S" },
        { AttributeName: STORE_TABLE.sortKey, AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: STORE_TABLE.partitionKey, KeyType: "HASH" },
        { AttributeName: STORE_TABLE.sortKey, KeyType: "RANGE" },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: STORE_TABLE.timeToLiveAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    // dynalite does not implement TTL; real DynamoDB (and the CDK construct) does.
    if (!(error instanceof Error) || !/UnknownOperation|not supported|UnrecognizedClient/i.test(error.name)) {
      throw error;
    }
  }
}
