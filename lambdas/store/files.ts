/**
 * File primitives for the local store: atomic replace (temp file + fsync + rename), atomic
 * exclusive create (temp file + fsync + hard link, which fails if the name exists, so a
 * reader never sees a half-written file), and a generation lock that settles races between
 * processes without trusting any file to be removed in time.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { CorruptRecordError } from "./records.ts";

/** JSON files under one directory, written atomically through `<root>/tmp`. */
export class JsonFiles {
  private readonly tmpDir: string;

  constructor(readonly root: string) {
    this.tmpDir = join(root, "tmp");
  }

  /** Reads and parses a JSON file; `undefined` when it does not exist. */
  async read<T>(path: string): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if (isCode(error, "ENOENT")) return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new CorruptRecordError(path, "not valid JSON", { cause: error });
    }
  }

  /** Replaces (or creates) `path` with `value`, all or nothing. */
  async write(path: string, value: unknown): Promise<void> {
    const temp = await this.writeTemp(value);
    try {
      await rename(temp, path);
    } catch (error) {
      await unlinkQuietly(temp);
      throw error;
    }
  }

  /** Creates `path` with `value` only if no such file exists; false when it does. */
  async create(path: string, value: unknown): Promise<boolean> {
    const temp = await this.writeTemp(value);
    try {
      await link(temp, path);
      return true;
    } catch (error) {
      if (isCode(error, "EEXIST")) return false;
      throw error;
    } finally {
      await unlinkQuietly(temp);
    }
  }

  /** The `.json` files of a directory, full paths; none when the directory does not exist yet. */
  async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir)).filter((name) => name.endsWith(".json")).map((name) => join(dir, name));
    } catch (error) {
      if (isCode(error, "ENOENT")) return [];
      throw error;
    }
  }

  /** Creates directories the store writes into. */
  async ensureDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
  }

  private async writeTemp(value: unknown): Promise<string> {
    await mkdir(this.tmpDir, { recursive: true });
    const temp = join(this.tmpDir, `${process.pid}-${randomBytes(8).toString("hex")}.tmp`);
    const handle = await open(temp, "wx");
    try {
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`, "utf8");
      // Durable before it becomes visible: a crash never leaves an empty file under the real name.
      await handle.sync();
    } finally {
      await handle.close();
    }
    return temp;
  }
}

/** One generation of a lock: who holds it and until when. `holder: null` means released. */
interface LockGeneration {
  readonly holder: string | null;
  readonly expiresAtMs: number;
}

const GENERATION_FILE = /^(\d{12})\.json$/;

/**
 * An exclusive lock kept as numbered files `<dir>/000000000001.json`, `...002.json`: the
 * highest number is the current state. Whoever changes the state creates the next number
 * with an exclusive create, so of two processes that read the same state exactly one moves
 * it on. A stale lock is taken over the same way: no rename or delete of someone else's
 * file is ever needed, so a slow process cannot remove a lock that was re-taken meanwhile.
 * Old generations are pruned; a slow writer re-creating a pruned number notices a higher
 * one exists and backs off.
 */
export class GenerationLock {
  constructor(
    private readonly dir: string,
    private readonly files: JsonFiles,
  ) {}

  /**
   * Takes the lock if free, expired (`expiresAtMs < nowMs`) or already held by `holder`
   * (which renews it). Returns the new expiry, or `undefined` when someone else holds it.
   */
  async tryAcquire(holder: string, ttlMs: number, nowMs: number): Promise<number | undefined> {
    await this.files.ensureDir(this.dir);
    for (let attempt = 0; attempt < 16; attempt++) {
      const { generation, state } = await this.current();
      if (state && state.holder !== null && state.holder !== holder && state.expiresAtMs >= nowMs) {
        return undefined;
      }
      const expiresAtMs = nowMs + ttlMs;
      if (await this.advance(generation, { holder, expiresAtMs })) return expiresAtMs;
    }
    return undefined;
  }

  /** Releases the lock if `holder` holds it; false when it does not (any more). */
  async release(holder: string): Promise<boolean> {
    for (let attempt = 0; attempt < 16; attempt++) {
      const { generation, state } = await this.current();
      if (!state || state.holder !== holder) return false;
      if (await this.advance(generation, { holder: null, expiresAtMs: 0 })) return true;
    }
    return false;
  }

  /** Moves from `generation` to the next one; false when someone else moved first. */
  private async advance(generation: number, next: LockGeneration): Promise<boolean> {
    const nextGeneration = generation + 1;
    const path = this.pathOf(nextGeneration);
    if (!(await this.files.create(path, next))) return false;
    const generations = await this.generations();
    if (generations.some((g) => g > nextGeneration)) {
      // We re-created a pruned number long after the fact: not the current state, take it back.
      await unlinkQuietly(path);
      return false;
    }
    await Promise.all(generations.filter((g) => g < generation).map((g) => unlinkQuietly(this.pathOf(g))));
    return true;
  }

  private async current(): Promise<{ generation: number; state: LockGeneration | undefined }> {
    for (let attempt = 0; attempt < 16; attempt++) {
      const generation = Math.max(0, ...(await this.generations()));
      if (generation === 0) return { generation, state: undefined };
      const state = await this.files.read<LockGeneration>(this.pathOf(generation));
      // Pruned between listing and reading: a newer generation exists, look again.
      if (state) return { generation, state };
    }
    throw new Error(`lock ${this.dir} keeps changing; giving up reading it`);
  }

  private async generations(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isCode(error, "ENOENT")) return [];
      throw error;
    }
    return names.flatMap((name) => {
      const match = GENERATION_FILE.exec(name);
      return match?.[1] ? [Number(match[1])] : [];
    });
  }

  private pathOf(generation: number): string {
    return join(this.dir, `${String(generation).padStart(12, "0")}.json`);
  }
}

/** Whether `error` is a Node system error with this code. */
export function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/** Removes a file, ignoring that it is already gone. */
export async function unlinkQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isCode(error, "ENOENT")) throw error;
  }
}
