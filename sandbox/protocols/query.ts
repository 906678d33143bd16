import { SandboxServiceError } from "../errors.ts";
import { escapeXml, toXml } from "./xml.ts";

/** Reads a required Query parameter or fails as AWS does (`ValidationError`). */
export function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === "") {
    throw new SandboxServiceError(
      "ValidationError",
      `1 validation error detected: Value null at '${name[0]!.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  }
  return value;
}

/** Reads an optional Query parameter. */
export function optional(params: URLSearchParams, name: string): string | undefined {
  return params.get(name) ?? undefined;
}

/** Reads a Query list of structures (`Tags.member.1.Key=...`) as objects, in index order. */
export function structList(params: URLSearchParams, name: string): Record<string, string>[] {
  const prefix = `${name}.member.`;
  const byIndex = new Map<number, Record<string, string>>();
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf(".");
    const index = Number(dot === -1 ? rest : rest.slice(0, dot));
    const field = dot === -1 ? "" : rest.slice(dot + 1);
    let entry = byIndex.get(index);
    if (!entry) {
      entry = {};
      byIndex.set(index, entry);
    }
    entry[field] = value;
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** IAM's `MaxItems`/`Marker` paging over an in-memory list; the marker is an opaque offset. */
export function page<T>(
  items: readonly T[],
  params: URLSearchParams,
  defaultMax = 100,
): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const maxRaw = params.get("MaxItems");
  const max = maxRaw === null ? defaultMax : Number(maxRaw);
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw new SandboxServiceError("ValidationError", "MaxItems must be between 1 and 1000", 400);
  }
  const marker = params.get("Marker");
  let start = 0;
  if (marker) {
    start = Number(Buffer.from(marker, "base64url").toString("utf8"));
    if (!Number.isInteger(start) || start < 0) {
      throw new SandboxServiceError("InvalidInput", "Invalid Marker", 400);
    }
  }
  const end = start + max;
  const truncated = end < items.length;
  return {
    items: items.slice(start, end),
    IsTruncated: truncated,
    ...(truncated ? { Marker: Buffer.from(String(end), "utf8").toString("base64url") } : {}),
  };
}

/** The XML namespace of each Query service. */
export const QUERY_NAMESPACES: Record<string, string> = {
  iam: "https://iam.amazonaws.com/doc/2010-05-08/",
  sts: "https://sts.amazonaws.com/doc/2011-06-15/",
};

/** `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>...` */
export function queryResponse(
  service: string,
  action: string,
  result: Record<string, unknown> | undefined,
  requestId: string,
): string {
  const ns = QUERY_NAMESPACES[service] ?? "";
  const body = result === undefined ? "" : toXml(`${action}Result`, result);
  return (
    `<${action}Response xmlns="${ns}">${body}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` */
export function queryError(service: string, error: SandboxServiceError, requestId: string): string {
  const ns = QUERY_NAMESPACES[service] ?? "";
  return (
    `<ErrorResponse xmlns="${ns}"><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
