/**
 * `SecretsManagerClient` and the one command iam-hygiene sends, for `AwsClients.load` and
 * `SecretResolver`: importing the package itself would keep every command.
 */
export { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
