/** `CognitoIdentityProviderClient` alone, for `AwsClients.load`: importing the package itself would keep every command. */
export { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
