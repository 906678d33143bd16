/** `DynamoDBClient` alone, for `AwsClients.load`: importing the package itself would keep every command. */
export { DynamoDBClient } from "@aws-sdk/client-dynamodb";
