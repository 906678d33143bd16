/** `IAMClient` alone, for `AwsClients.load`: importing the package itself would keep every command. */
export { IAMClient } from "@aws-sdk/client-iam";
