/**
 * The private keys of the Okta service app and the GitHub App are secrets the scan reads: the
 * construct collects them from the config (or takes them as props) and grants read access.
 */
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { describe, expect, it } from "vitest";
import { scanSecretReads } from "./support.ts";

const ACCOUNT = "123456789012";
const OKTA_KEY_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:iam-hygiene/okta-app-key-AbCdEf`;
const GITHUB_KEY_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:iam-hygiene/github-app-key-GhIjKl`;
const okta = { enabled: true, orgUrl: "https://acme.okta.com", oauth: { clientId: "0oascanner" } };
const github = { enabled: true, org: "corp", app: { appId: 1234, installationId: 5678 } };

describe("the Okta service app key and the GitHub App key", () => {
  it("named by the config's secretArn, are readable by the scan", () => {
    // Act
    const { reads } = scanSecretReads(() => ({
      config: {
        sources: {
          okta: { ...okta, oauth: { ...okta.oauth, privateKey: { secretArn: OKTA_KEY_ARN } } },
          github: { ...github, app: { ...github.app, privateKey: { secretArn: GITHUB_KEY_ARN } } },
        },
      },
    }));

    // Assess
    expect(reads).toEqual(expect.arrayContaining([OKTA_KEY_ARN, GITHUB_KEY_ARN]));
  });

  it("given as props, are put in the config and readable by the scan", () => {
    // Act
    const { reads, scanner } = scanSecretReads((scope) => ({
      config: {
        sources: {
          okta: { ...okta, oauth: { ...okta.oauth, privateKey: { env: "UNUSED" } } },
          github: { ...github, app: { ...github.app, privateKey: { env: "UNUSED" } } },
        },
      },
      connectorSecrets: {
        oktaPrivateKey: secretsmanager.Secret.fromSecretCompleteArn(scope, "OktaKey", OKTA_KEY_ARN),
        githubAppPrivateKey: secretsmanager.Secret.fromSecretCompleteArn(scope, "GitHubKey", GITHUB_KEY_ARN),
      },
    }));

    // Assess
    expect(scanner.config.sources.okta?.oauth?.privateKey).toEqual({ secretArn: OKTA_KEY_ARN });
    expect(scanner.config.sources.github?.app?.privateKey).toEqual({ secretArn: GITHUB_KEY_ARN });
    expect(reads).toEqual(expect.arrayContaining([OKTA_KEY_ARN, GITHUB_KEY_ARN]));
  });
});
