/** `STSClient` alone, for `AwsClients.load`: importing the package itself would keep every command. */
export { STSClient } from "@aws-sdk/client-sts";
