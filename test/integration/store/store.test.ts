/**
 * The Store contract, run against both adapters: DynamoDB through dynalite on 127.0.0.1
 * (a fresh table per test), and the local directory (a fresh temp directory per test).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbStore, LocalDirectoryStore } from "../../../lambdas/store/index.ts";
import { createStoreTable, localDynamoDbClient, startDynalite } from "../../support/dynalite.ts";
import { describeStoreContract } from "./store-contract.ts";

describeStoreContract("DynamoDbStore on dynalite", async () => {
  const dynalite = await startDynalite();
  const clients: DynamoDBClient[] = [];
  let tables = 0;
  return {
    async fresh() {
      const table = `iam-hygiene-store-${++tables}`;
      const admin = localDynamoDbClient(dynalite.endpoint);
      clients.push(admin);
      await createStoreTable(admin, table);
      return (options) => {
        // Each store gets its own client, as two Lambdas would.
        const client = localDynamoDbClient(dynalite.endpoint);
        clients.push(client);
        return new DynamoDbStore(client, table, options);
      };
    },
    async close() {
      for (const client of clients) client.destroy();
      await dynalite.close();
    },
  };
});

describeStoreContract("LocalDirectoryStore", async () => {
  const root = await mkdtemp(join(tmpdir(), "iam-hygiene-store-"));
  let dirs = 0;
  return {
    async fresh() {
      const dir = join(root, `store-${++dirs}`);
      return (options) => new LocalDirectoryStore(dir, options);
    },
    async close() {
      await rm(root, { recursive: true, force: true });
    },
  };
});
