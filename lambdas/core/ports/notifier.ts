import type { ComposedMessage } from "../notifications.ts";
import type { PreflightCheck } from "./preflight.ts";

/** Where a message landed: enough to find it again (and to dedupe against it). */
export interface NotificationReceipt {
  /** The conversation (DM or channel id) the message went to. */
  readonly channel: string;
  /** The provider's message id (Slack `ts`). */
  readonly messageId: string;
  /** True when the message went to the security channel because the person could not be reached. */
  readonly fallback: boolean;
}

/** What the caller knows at send time and the composed message could not (it is built before tickets exist). */
export interface SendContext {
  /** Links to the tickets the message refers to, by stable ticket key. */
  readonly ticketLinks?: Readonly<Record<string, string>>;
}

/**
 * A chat system that tells people (Slack). Delivery is at-most-once per idempotency key only when
 * paired with the outbox: `alreadySent` answers from the provider itself, so a run that crashed
 * between sending and recording can tell that the message is already there.
 */
export interface Notifier {
  /** Sends one composed message; throws a `DeliveryError` when it could not. */
  send(message: ComposedMessage, context?: SendContext): Promise<NotificationReceipt>;
  /** Looks in the target conversation for a message carrying `message.key`; its receipt if found. */
  alreadySent(message: ComposedMessage): Promise<NotificationReceipt | undefined>;
  /** Read-only checks that messages can be delivered as configured (`iam-hygiene check`). */
  preflight?(): Promise<PreflightCheck[]>;
}

/** A provider refused or failed a delivery. The outbox records it and retries later. */
export class DeliveryError extends Error {
  override readonly name: string = "DeliveryError";
  constructor(
    message: string,
    readonly details: {
      /** The provider's own error code (`invalid_auth`, HTTP 503, ...). */
      readonly code?: string;
      /** The provider said when to come back (Retry-After, x-ratelimit-reset). */
      readonly retryAt?: Date;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Encodes a receipt as the outbox's receipt string: `channel/messageId[/fallback]`. */
export function formatReceipt(receipt: NotificationReceipt): string {
  return `${receipt.channel}/${receipt.messageId}${receipt.fallback ? "/fallback" : ""}`;
}
