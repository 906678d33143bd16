/**
 * Preflight: what `iam-hygiene check` asks of each outside world before a scan is trusted with
 * it. Each adapter checks, with reads only, that it can reach its provider, that its credentials
 * are accepted, and that what the configuration names exists and is usable (the Slack security
 * channel the app is a member of, the Jira project, the repository it may label issues in...).
 * Nothing is written, sent or revoked.
 */

/**
 * One thing a preflight checked. An adapter's `preflight()` never throws for a provider's answer:
 * a refusal, an outage or a missing permission is a check with `ok: false` naming the provider's
 * error.
 */
export interface PreflightCheck {
  /** What was checked, starting with the adapter: `slack: security channel C0123ABC`. */
  readonly name: string;
  readonly ok: boolean;
  /** What was found (`ok`), or what is wrong and how to fix it. Never a secret's value. */
  readonly detail: string;
}
