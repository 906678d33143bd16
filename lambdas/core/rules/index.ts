/** Every credential rule, in the order findings are listed. Add a rule: one file, one line here. */
import { consolePasswordWithoutMfa } from "./console-password-without-mfa.ts";
import { departedOwnerActiveCredential } from "./departed-owner-active-credential.ts";
import { rootAccessKey } from "./root-access-key.ts";
import type { Rule } from "./rule.ts";
import { unownedCredential } from "./unowned-credential.ts";
import { unrotatedAccessKey } from "./unrotated-access-key.ts";
import { unusedCredential } from "./unused-credential.ts";
import { usedAfterDeparture } from "./used-after-departure.ts";

export type { Rule, RuleInput, RuleSettings, RuleVerdict } from "./rule.ts";

export const rules: readonly Rule[] = [
  usedAfterDeparture,
  departedOwnerActiveCredential,
  rootAccessKey,
  consolePasswordWithoutMfa,
  unusedCredential,
  unrotatedAccessKey,
  unownedCredential,
];
