/** `S3Client` alone, for `AwsClients.load`: importing the package itself would keep every command. */
export { S3Client } from "@aws-sdk/client-s3";
