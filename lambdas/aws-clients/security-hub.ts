/** `SecurityHubClient` alone, for `AwsClients.load`: importing the package itself would keep every command. */
export { SecurityHubClient } from "@aws-sdk/client-securityhub";
