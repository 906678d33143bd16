/**
 * Progress on a terminal: one status line on stderr, rewritten in place, with the elapsed time,
 * the current phase and, per source, its phase and counts so far. A scan of a large account
 * takes minutes; a silent terminal for that long gets the process killed.
 */
import { SOURCE_IDS } from "../lambdas/core/model.ts";

/** Where progress goes: a TTY stream (stderr). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly columns?: number;
}

interface SourceState {
  phase: string;
  counts: Record<string, number>;
}

const SOURCES = new Set<string>(SOURCE_IDS);

/** Renders `ScanDependencies.progress` calls as a live status line. */
export class TerminalProgress {
  readonly #stream: ProgressStream;
  readonly #started: number;
  readonly #sources = new Map<string, SourceState>();
  #phase = "starting";
  #phaseCounts: Record<string, number> = {};
  #lastDraw = 0;

  constructor(stream: ProgressStream, started = performance.now()) {
    this.#stream = stream;
    this.#started = started;
  }

  /** The callback to hand to `scanDependencies` overrides. */
  readonly update = (phase: string, detail?: Record<string, number>): void => {
    const source = /^(discovering|discovered) (\S+)$/.exec(phase);
    const scoped = /^([\w-]+): (.*)$/.exec(phase);
    if (source?.[2] && SOURCES.has(source[2])) {
      if (source[1] === "discovering") this.#phase = "discovering";
      const state = this.#source(source[2]);
      state.phase = source[1] === "discovered" ? "done" : "discovering";
      if (detail) state.counts = { ...state.counts, ...detail };
    } else if (scoped?.[1] && scoped[2] && SOURCES.has(scoped[1])) {
      const state = this.#source(scoped[1]);
      // Some sources prefix their own messages with their id too.
      state.phase = scoped[2].startsWith(`${scoped[1]}: `)
        ? scoped[2].slice(scoped[1].length + 2)
        : scoped[2];
      if (detail) state.counts = { ...state.counts, ...detail };
    } else {
      this.#phase = phase;
      this.#phaseCounts = detail ?? {};
    }
    // Sources report per page; redrawing more than ~10 times a second only costs time.
    const now = performance.now();
    if (now - this.#lastDraw >= 100 || source?.[1] === "discovered") {
      this.#lastDraw = now;
      this.#draw();
    }
  };

  /** Clears the status line (before the report or summary is printed). */
  done(): void {
    this.#stream.write("\r\x1b[K");
  }

  #source(id: string): SourceState {
    let state = this.#sources.get(id);
    if (!state) {
      state = { phase: "waiting", counts: {} };
      this.#sources.set(id, state);
    }
    return state;
  }

  #draw(): void {
    const elapsed = ((performance.now() - this.#started) / 1000).toFixed(1);
    const parts = [`[${elapsed}s] ${this.#phase}${formatCounts(this.#phaseCounts)}`];
    for (const [id, state] of this.#sources) parts.push(`${id}: ${state.phase}${formatCounts(state.counts)}`);
    let line = parts.join(" | ");
    const width = this.#stream.columns ?? 120;
    if (line.length > width - 1) line = `${line.slice(0, width - 2)}…`;
    this.#stream.write(`\r\x1b[K${line}`);
  }
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  if (entries.length === 0) return "";
  return ` (${entries.map(([k, v]) => `${k} ${v}`).join(", ")})`;
}
