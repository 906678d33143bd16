/**
 * Credential ids of the `aws-iam` source. A credential read with targeted calls carries the
 * provider's id (`AKIA...`, `APKA...`, a certificate id). A credential seen only in the
 * credential report has no provider id (the report lists key slots, not key ids), so it
 * carries a stable slot id instead: `<user>#1` for access key slot 1, `<user>#cert2` for
 * certificate slot 2. Revocation and verification turn a slot id back into the real id with
 * one listing call, by matching the creation time the report gives.
 */
import type { CredentialKind } from "../../core/model.ts";

/** `aws-iam:<account>:<kind>:<nativeId>`, the `Credential.id` shape the model asks for. */
export function credentialId(account: string, kind: CredentialKind, nativeId: string): string {
  return `aws-iam:${account}:${kind}:${nativeId}`;
}

/** The slot id of a report-only access key or certificate. */
export function slotId(userName: string, kind: "access-key" | "signing-certificate", slot: 1 | 2): string {
  return kind === "access-key" ? `${userName}#${slot}` : `${userName}#cert${slot}`;
}

/** Reads a slot id back; `undefined` for a provider id. */
export function parseSlotId(nativeId: string): { userName: string; slot: 1 | 2 } | undefined {
  const match = /^(.+)#(?:cert)?([12])$/.exec(nativeId);
  if (!match) return undefined;
  return { userName: match[1]!, slot: match[2] === "1" ? 1 : 2 };
}
