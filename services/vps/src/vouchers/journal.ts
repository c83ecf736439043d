import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TransformMethod } from './pkce.ts';

/** Everything needed to answer a requestId again after a restart, exactly as the first time. */
export interface JournalEntry {
  requestId: string;
  phoneNumber: string;
  callbackUrl: string;
  arrivedAt: number;
  latencyMs: number;
  voucherCode: string;
  /** Set when the request is acknowledged (202) rather than answered at once. */
  codeVerifier?: string;
  transformMethod?: TransformMethod;
}

/**
 * A real provider does not forget a request when it restarts: a retry with the same requestId still gets the first
 * code, and a callback due meanwhile is still sent. The simulator keeps that promise with an append-only file of
 * JSON lines (`VPS_STATE_FILE`), written synchronously before the request is answered, read back at start-up (entries
 * older than the idempotency TTL are dropped and the file is rewritten without them). Without a file it remembers in
 * memory only, as before.
 */
export class Journal {
  readonly #file: string | undefined;

  constructor(file: string | undefined) {
    this.#file = file;
    if (file) mkdirSync(dirname(file), { recursive: true });
  }

  append(entry: JournalEntry): void {
    if (this.#file) appendFileSync(this.#file, `${JSON.stringify(entry)}\n`);
  }

  /** The entries still within `ttlMs`, oldest first; the file keeps only those. A torn last line is skipped. */
  load(ttlMs: number, now = Date.now()): JournalEntry[] {
    if (!this.#file || !existsSync(this.#file)) return [];
    const entries: JournalEntry[] = [];
    for (const line of readFileSync(this.#file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as JournalEntry;
        if (entry.arrivedAt > now - ttlMs) entries.push(entry);
      } catch {
        // a line cut short by a crash mid-write: that request was never answered
      }
    }
    const compacted = `${this.#file}.compacting`;
    writeFileSync(compacted, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    renameSync(compacted, this.#file);
    return entries;
  }
}
