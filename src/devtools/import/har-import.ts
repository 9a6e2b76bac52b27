/**
 * HAR import: parse, then decrypt in chunks so rows appear progressively and the panel stays
 * responsive (a 10,000-entry HAR is ~30 MB of JSON).
 *
 * Chunk sizes grow: the first chunk is small so the first rows show at once, later ones are large so
 * per-chunk overhead (a render, a port round trip) stays negligible. Between chunks we yield to the
 * event loop so the list can paint and the user can cancel.
 */
import { z } from 'zod';
import { fromHarEntry } from '../../inspect';
import { KeyholeError } from '../../protocol/errors';
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
  /** Called once after parsing with the handshake-looking entries, before any decryption (to learn keys first). */
  prepare?: (handshakes: CapturedExchange[]) => Promise<void>;
  firstChunk?: number;
  chunk?: number;
}

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

const yieldToEventLoop = () => new Promise<void>((r) => setTimeout(r, 0));

export async function importHarText(text: string, o: ImportOptions): Promise<ImportProgress> {
  const p: ImportProgress = { phase: 'parsing', total: 0, done: 0, decrypted: 0, failed: 0, skipped: 0 };
  o.onProgress({ ...p });
  try {
    const all = harEntries(text);
    performance.mark('keyhole:har-parsed'); // read by the bench (phase breakdown)
    p.total = all.length;
    p.phase = 'decrypting';
    o.onProgress({ ...p });
    if (o.prepare) await o.prepare(convertEntries(all.filter(looksLikeHandshake), { skipped: 0 }));
    for (const [a, b] of chunkRanges(all.length, o.firstChunk ?? 100, o.chunk ?? 1000)) {
      if (o.signal?.aborted) {
        p.phase = 'cancelled';
        o.onProgress({ ...p });
        return p;
      }
      const converted = convertEntries(all.slice(a, b), p);
      performance.mark('keyhole:chunk-converted');
      const rows = await o.decrypt(converted);
      performance.mark('keyhole:chunk-decrypted');
      for (const r of rows) {
        if (r.request.status === 'failed' || r.response.status === 'failed') p.failed++;
        else if (r.request.status === 'decrypted' || r.response.status === 'decrypted') p.decrypted++;
      }
      p.done = b;
      o.onRows(rows);
      o.onProgress({ ...p });
      await yieldToEventLoop();
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

/** Cheap pre-filter on raw entries: /session calls (spec §6) and type-1 bodies (base64 "U0MCAQ", §8). */
function looksLikeHandshake(e: unknown): boolean {
  const r = (e as { request?: { url?: unknown; postData?: { text?: unknown } } })?.request;
  if (typeof r?.url === 'string' && /\/secure-channel\/session\/?(\?|$)/.test(r.url)) return true;
  const t = r?.postData?.text;
  return typeof t === 'string' && (t.startsWith('U0MCAQ') || t.startsWith('SC\x02\x01'));
}
