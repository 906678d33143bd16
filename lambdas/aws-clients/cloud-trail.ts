/** `CloudTrailClient` alone, for `AwsClients.load`: importing the package itself would keep every command. */
export { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
