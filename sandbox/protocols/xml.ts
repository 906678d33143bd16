/** Escapes text for use in XML element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c);
}

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** AWS writes timestamps in XML without milliseconds: `2024-01-02T03:04:05Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Renders a plain value as AWS Query-style XML: objects become nested elements, arrays
 * become `<member>` lists, dates ISO-8601, `undefined`/`null` members are omitted.
 */
export function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) {
    let inner = "";
    for (const item of value) inner += toXml("member", item);
    return `<${name}>${inner}</${name}>`;
  }
  if (value instanceof Date) return `<${name}>${isoSeconds(value)}</${name}>`;
  if (typeof value === "object") {
    let inner = "";
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) inner += toXml(k, v);
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}
