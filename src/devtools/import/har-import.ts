/**
 * HAR import: parse, then decrypt in chunks so rows appear progressively and the panel stays
 * responsive (a 10,000-entry HAR is ~30 MB of JSON).
 *
 * Chunk sizes grow: the first chunk is small so the first rows show at once, later ones are large so
 * per-chunk overhead (a render, a port round trip) stays negligible. Between chunks we yield to the
 * event loop so the list can paint and the user can cancel.
 */
import * as z from '../../protocol/zod';
import { base64Head, fromHarEntry } from '../../inspect';
import { KeyholeError } from '../../protocol/errors';
import { HarScanner } from './har-reader';
import { macrotask } from '../model/macrotask';
import type { CapturedExchange, DecryptedExchange } from '../inspect-types';

const HarLog = z.object({ log: z.looseObject({ entries: z.array(z.unknown()) }) });

/**
 * The entries of a HAR file, not yet converted. Conversion (fromHarEntry: zod + base64 work) costs about
 * as much as decryption, so it happens per chunk — otherwise the first rows would wait for all of it.
 */
export function harEntries(text: string): unknown[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyholeError('INPUT_INVALID', 'har: not JSON');
  }
  const file = HarLog.safeParse(json);
  if (!file.success) throw new KeyholeError('SCHEMA_INVALID', 'har: not a HAR 1.2 log (log.entries missing)');
  return file.data.log.entries;
}

/** Converts one chunk; entries that are not HTTP exchanges (websockets, data: URLs) are skipped and counted. */
export function convertEntries(entries: readonly unknown[], p: { skipped: number }): CapturedExchange[] {
  const out: CapturedExchange[] = [];
  for (const e of entries) {
    try {
      out.push(fromHarEntry(e, -1, 'har'));
    } catch {
      p.skipped++;
    }
  }
  return out;
}

export interface ImportProgress {
  phase: 'reading' | 'parsing' | 'decrypting' | 'done' | 'error' | 'cancelled';
  /** Entries in the file: an estimate while it is still being read, exact once done. */
  total: number;
  done: number;
  decrypted: number;
  failed: number;
  skipped: number;
  error?: string;
}

export type ChunkDecryptor = (chunk: CapturedExchange[]) => Promise<DecryptedExchange[]>;

export interface ImportOptions {
  decrypt: ChunkDecryptor;
  onRows: (rows: DecryptedExchange[]) => void;
  onProgress: (p: ImportProgress) => void;
  signal?: AbortSignal;
  /**
   * Called with the handshake-looking exchanges of each chunk before that chunk is decrypted (to
   * learn keys first), and once for the first chunk even when it has none. Rows that found no key
   * before a later chunk taught new ones are decrypted again at the end.
   */
  prepare?: (handshakes: CapturedExchange[]) => Promise<void>;
  firstChunk?: number;
  chunk?: number;
}

/** Entries in the first chunk: the first rows on screen at once. */
export const FIRST_CHUNK = 100;
/**
 * Entries in each later chunk. Each chunk costs a yield, a render and a progress update: at 1,000 a
 * chunk that was a quarter of the import; 2,500 → 5,000 took another ~0.1 s off a 10,000-row import
 * (imports with either size alternating in one browser, the panel bench's BENCH_CHUNKS). The price is a
 * longer task per chunk (~0.25 → ~0.5 s on the bench machine), about what the whole-file parse before
 * the second chunk already takes; the first rows are on screen long before.
 */
export const CHUNK = 5000;

/** Chunk boundaries: one small first chunk, then full ones. Pure; unit-tested. */
export function chunkRanges(total: number, first: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  if (total > 0) {
    out.push([0, Math.min(total, first)]);
    i = Math.min(total, first);
  }
  for (; i < total; i += size) out.push([i, Math.min(total, i + size)]);
  return out;
}

// ── where the entries come from ──────────────────────────────────────────────────────────────────

/** Raw HAR entries, a batch at a time. Errors are coded (INPUT_INVALID, SCHEMA_INVALID). */
export interface EntrySource {
  /** Up to `max` more entries; undefined once the file is exhausted. */
  next(max: number): Promise<unknown[] | undefined>;
  /** How many entries the file holds: estimated from the part read so far, exact at the end. */
  estimate(): number;
}

/**
 * Serves the rest of a whole-file parse. Entries handed out are dropped from the list, so a chunk's
 * raw entries can be collected once it is converted instead of living until the import ends.
 */
function fromList(list: unknown[]): EntrySource['next'] {
  let i = 0;
  return async (max) => {
    if (i >= list.length) return undefined;
    const out = list.slice(i, i + max);
    list.fill(undefined, i, i + out.length);
    i += out.length;
    return out;
  };
}

/** Entries of a HAR held as text: read incrementally, whole-file JSON.parse when the layout is unusual. */
export function textEntrySource(text: string): EntrySource {
  const scanner = new HarScanner();
  scanner.push(text);
  scanner.end();
  let fallback: EntrySource['next'] | undefined;
  let exact: number | undefined;
  return {
    async next(max) {
      if (fallback) return fallback(max);
      const r = scanner.take(max);
      if (r.status === 'entries') return r.entries;
      if (r.status === 'done') {
        exact = scanner.count;
        return undefined;
      }
      // 'unusual' ('need-data' cannot happen: all the text is there).
      const all = harEntries(text);
      exact = all.length;
      fallback = fromList(all.slice(scanner.count));
      return fallback(max);
    },
    estimate: () => exact ?? estimateTotal(scanner.count, scanner.consumed(), text.length),
  };
}

/**
 * Entries of a HAR file: the first batch parsed while the rest is still being read (a 36 MB File
 * takes ~0.3–0.5 s to read whole), everything after it from one whole-file read and JSON.parse.
 *
 * The first batch comes from small pieces (the first one 512 KB, then doubling up to `piece`) through
 * the scanner, so the first rows show at once. Once it is handed out, the whole file is read and
 * parsed in one go, as any importer must: scanning 36 MB entry by entry (brace matching, one
 * JSON.parse per entry, re-buffering each piece) cost ~0.3 s more than one JSON.parse (the panel
 * bench). Should that parse fail (a truncated or damaged file), the scanner carries on over the rest
 * of the text, so the valid entries before the damage still arrive and the error is the same coded
 * one as before (INPUT_INVALID, SCHEMA_INVALID) — exactly what a scan to the end gave.
 */
export function fileEntrySource(file: Blob, firstPiece = 512 * 1024, piece = 8 * 1024 * 1024): EntrySource {
  const scanner = new HarScanner();
  const decoder = new TextDecoder(); // UTF-8, BOM stripped, U+FFFD for bad bytes: what Blob.text() does
  let offset = 0;
  let size = 0;
  /** Characters of decoded text pushed into the scanner (a prefix of file.text()). */
  let pushed = 0;
  const readNext = (): Promise<ArrayBuffer> | undefined => {
    if (offset >= file.size) return undefined;
    // Doubling from the first piece up to `piece`: the second chunk does not wait for a whole 8 MB read.
    size = size === 0 ? firstPiece : Math.min(piece, size * 2);
    const end = Math.min(file.size, offset + size);
    const p = file.slice(offset, end).arrayBuffer();
    offset = end;
    return p;
  };
  const push = (text: string) => {
    pushed += text.length;
    scanner.push(text);
  };
  let ahead = readNext();
  /** The whole file's text, read once the first batch is out (undefined before, or when the pieces were the file). */
  let whole: Promise<string> | undefined;
  let fallback: EntrySource['next'] | undefined;
  let exact: number | undefined;
  return {
    async next(max) {
      if (fallback) return fallback(max);
      if (whole) {
        const text = await whole;
        whole = undefined;
        let all: unknown[] | undefined;
        try {
          all = harEntries(text);
        } catch {
          // Damaged: let the scanner read on to the damage (same rows, same coded error at the end).
        }
        if (all) {
          exact = all.length;
          fallback = fromList(all.slice(scanner.count));
          return fallback(max);
        }
        push(text.slice(pushed));
        scanner.end();
      }
      for (;;) {
        const r = scanner.take(max);
        if (r.status === 'entries') {
          // The first batch is out: read the rest whole (unless the pieces already reached the end).
          if (ahead && !whole) {
            ahead = undefined;
            whole = file.text();
          }
          return r.entries;
        }
        if (r.status === 'done') {
          exact = scanner.count;
          return undefined;
        }
        if (r.status === 'unusual') {
          ahead = undefined;
          const all = harEntries(await file.text());
          exact = all.length;
          fallback = fromList(all.slice(scanner.count));
          return fallback(max);
        }
        if (!ahead) {
          push(decoder.decode());
          scanner.end();
          continue;
        }
        const bytes = await ahead;
        ahead = readNext();
        push(decoder.decode(bytes, { stream: true }));
      }
    },
    // Characters ≈ bytes for a HAR (JSON punctuation, Base64 and mostly-ASCII text).
    estimate: () => exact ?? estimateTotal(scanner.count, scanner.consumed(), file.size),
  };
}

function estimateTotal(count: number, consumed: number, length: number): number {
  if (count === 0 || consumed <= 0) return count;
  return Math.max(count, Math.round((count * length) / consumed));
}

// ── the import ───────────────────────────────────────────────────────────────────────────────────

/**
 * Until the frame after the one that drew the first rows has begun (or 50 ms, for a hidden panel where
 * requestAnimationFrame does not run). The rows are rendered in one frame's callbacks and presented at
 * its end; the next frame's callback is the first moment they are surely on screen. Waiting for it
 * matters since the bulk after the first rows starts with one long whole-file JSON.parse, which would
 * otherwise hold that next frame back (~16 ms once, against ~0.2 s of a first-rows frame delayed).
 */
function nextPaint(): Promise<void> {
  if (typeof requestAnimationFrame !== 'function') return macrotask();
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 50);
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        clearTimeout(t);
        void macrotask().then(resolve);
      }),
    );
  });
}

/** Imports a HAR given as text (see importHarFile, which does not wait for the whole file). */
export function importHarText(text: string, o: ImportOptions): Promise<ImportProgress> {
  return importEntries(() => textEntrySource(text), o);
}

/** Imports a HAR file, streaming it: rows appear while the rest of the file is still being read. */
export function importHarFile(file: Blob, o: ImportOptions): Promise<ImportProgress> {
  return importEntries(() => fileEntrySource(file), o);
}

export async function importEntries(open: () => EntrySource, o: ImportOptions): Promise<ImportProgress> {
  const p: ImportProgress = { phase: 'parsing', total: 0, done: 0, decrypted: 0, failed: 0, skipped: 0 };
  o.onProgress({ ...p });
  const count = (rows: readonly DecryptedExchange[], sign: 1 | -1) => {
    for (const r of rows) {
      if (r.request.status === 'failed' || r.response.status === 'failed') p.failed += sign;
      else if (r.request.status === 'decrypted' || r.response.status === 'decrypted') p.decrypted += sign;
    }
  };
  try {
    const src = open();
    const noKey: Array<{ ex: CapturedExchange; row: DecryptedExchange }> = [];
    let redo = false;
    for (let n = 0; ; n++) {
      if (o.signal?.aborted) {
        p.phase = 'cancelled';
        o.onProgress({ ...p });
        return p;
      }
      // Later chunks are large (CHUNK says why).
      const batch = await src.next(n === 0 ? (o.firstChunk ?? FIRST_CHUNK) : (o.chunk ?? CHUNK));
      if (!batch) break;
      performance.mark('keyhole:chunk-read');
      if (n === 0) {
        performance.mark('keyhole:har-parsed'); // read by the bench (phase breakdown): first entries parsed
        p.phase = 'decrypting';
      }
      const converted = convertEntries(batch, p);
      performance.mark('keyhole:chunk-converted');
      if (o.prepare) {
        const handshakes = converted.filter(looksLikeHandshake);
        if (n === 0 || handshakes.length > 0) await o.prepare(handshakes);
        if (n > 0 && handshakes.length > 0 && noKey.length > 0) redo = true;
      }
      const rows = await o.decrypt(converted);
      performance.mark('keyhole:chunk-decrypted');
      count(rows, 1);
      rows.forEach((r, i) => isNoKey(r) && noKey.push({ ex: converted[i], row: r }));
      p.done += batch.length;
      p.total = Math.max(src.estimate(), p.done);
      o.onRows(rows);
      o.onProgress({ ...p });
      performance.mark('keyhole:chunk-shown');
      // After the first rows: let them paint before the bulk of the work starts (a yielded task alone
      // does not guarantee a frame while decrypt completions keep the main thread busy).
      await (n === 0 ? nextPaint() : macrotask());
    }
    p.total = p.done;
    if (redo) {
      // A handshake late in the file taught keys that earlier rows needed (HAR entries are usually in
      // time order, so this is rare): decrypt those rows again; the store replaces them by id.
      const again = await o.decrypt(noKey.map((x) => x.ex));
      count(noKey.map((x) => x.row), -1);
      count(again, 1);
      o.onRows(again);
    }
    if (p.total > 0 && p.skipped === p.total) throw new KeyholeError('SCHEMA_INVALID', `har: none of ${p.total} entries is an HTTP exchange`);
    p.phase = 'done';
  } catch (e) {
    p.phase = 'error';
    p.error = e instanceof Error ? `${(e as { code?: string }).code ?? 'ERROR'}: ${e.message}` : String(e);
  }
  o.onProgress({ ...p });
  return p;
}

function isNoKey(d: DecryptedExchange): boolean {
  return d.request.error?.code === 'NO_KEY' || d.response.error?.code === 'NO_KEY';
}

/** Cheap pre-filter: /session calls (spec §6) and type-1 request bodies ("SC" 2 1, §8). */
function looksLikeHandshake(ex: CapturedExchange): boolean {
  if (/\/secure-channel\/session\/?(\?|#|$)/.test(ex.url)) return true;
  return ex.requestBody !== undefined && base64Head(ex.requestBody).startsWith('U0MCAQ');
}
