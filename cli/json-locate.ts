/**
 * Line numbers for configuration problems. zod reports a path (`brake.maxRevocationsPerRun`);
 * a person fixing a file wants `iam-hygiene.json:14`. This walks the JSON text once and records
 * where every member starts, so each problem can name its line.
 */

/** Line (1-based) of every path in a JSON document, keyed like zod paths: `a.b.0.c`. */
export type LineIndex = ReadonlyMap<string, number>;

/**
 * Indexes the lines of a JSON text whose `//` comments were already blanked out (line numbers
 * kept). Returns an empty index for text that is not JSON: the caller then reports no line.
 */
export function indexJsonLines(text: string): LineIndex {
  const index = new Map<string, number>();
  let pos = 0;
  let line = 1;

  const skipSpace = (): void => {
    while (pos < text.length) {
      const ch = text[pos];
      if (ch === "\n") line += 1;
      else if (ch !== " " && ch !== "\t" && ch !== "\r" && ch !== "\uFEFF") return;
      pos += 1;
    }
  };
  const readString = (): string => {
    // pos is on the opening quote; JSON.parse does the unescaping.
    const start = pos;
    pos += 1;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === "\\" ? 2 : 1;
    pos += 1;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const value = (path: string): void => {
    skipSpace();
    const ch = text[pos];
    if (ch === "{") {
      pos += 1;
      skipSpace();
      if (text[pos] === "}") {
        pos += 1;
        return;
      }
      for (;;) {
        skipSpace();
        const keyLine = line;
        const key = readString();
        const child = path ? `${path}.${key}` : key;
        index.set(child, keyLine);
        skipSpace();
        pos += 1; // the colon
        value(child);
        skipSpace();
        if (text[pos++] !== ",") return;
      }
    }
    if (ch === "[") {
      pos += 1;
      skipSpace();
      if (text[pos] === "]") {
        pos += 1;
        return;
      }
      for (let i = 0; ; i += 1) {
        skipSpace();
        const child = path ? `${path}.${i}` : String(i);
        index.set(child, line);
        value(child);
        skipSpace();
        if (text[pos++] !== ",") return;
      }
    }
    if (ch === '"') {
      readString();
      return;
    }
    while (pos < text.length && !/[\s,\]}]/.test(text[pos] ?? "")) pos += 1;
  };

  try {
    JSON.parse(text);
    value("");
  } catch {
    return new Map();
  }
  return index;
}

/**
 * The line a problem at `path` is on: the member itself, or for a missing member the nearest
 * ancestor that exists (a missing `token` is reported on its `slack` object's line).
 */
export function lineOf(index: LineIndex, path: string): number | undefined {
  let parts = path === "" ? [] : path.split(".");
  while (parts.length > 0) {
    const line = index.get(parts.join("."));
    if (line !== undefined) return line;
    parts = parts.slice(0, -1);
  }
  return undefined;
}

/** Line and column of a JSON syntax error, from V8's "at position N" (or its own "line L column C"). */
export function syntaxErrorLine(text: string, message: string): number | undefined {
  const explicit = /\(line (\d+) column \d+\)/.exec(message);
  if (explicit?.[1]) return Number(explicit[1]);
  const position = /at position (\d+)/.exec(message);
  if (position?.[1]) return text.slice(0, Number(position[1])).split("\n").length;
  if (/Unexpected end of JSON input/.test(message)) return text.split("\n").length;
  return undefined;
}
