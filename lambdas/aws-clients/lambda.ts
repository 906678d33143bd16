/** `LambdaClient` alone, for `AwsClients.load`: importing the package itself would keep every command. */
export { LambdaClient } from "@aws-sdk/client-lambda";
