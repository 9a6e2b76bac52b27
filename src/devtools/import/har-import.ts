/**
 * HAR import: parse, then decrypt in chunks so rows appear progressively and the panel stays
 * responsive (a 10,000-entry HAR is ~30 MB of JSON).
 *
 * Chunk sizes grow: the first chunk is small so the first rows show at once, later ones are large so
 * per-chunk overhead (a render, a port round trip) stays negligible. Between chunks we yield to the
 * event loop so the list can paint and the user can cancel.
 */
import { parseHar } from '../../inspect';
import type { CapturedExchange, DecryptedExchange } from '../inspect-types';

export interface ImportProgress {
  phase: 'reading' | 'parsing' | 'decrypting' | 'done' | 'error' | 'cancelled';
  total: number;
  done: number;
  decrypted: number;
  failed: number;
  error?: string;
}

export type ChunkDecryptor = (chunk: CapturedExchange[]) => Promise<DecryptedExchange[]>;

export interface ImportOptions {
  decrypt: ChunkDecryptor;
  onRows: (rows: DecryptedExchange[]) => void;
  onProgress: (p: ImportProgress) => void;
  signal?: AbortSignal;
  /** Called once after parsing, before any decryption (e.g. to learn keys from the handshakes first). */
  prepare?: (all: CapturedExchange[]) => Promise<void>;
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
  const p: ImportProgress = { phase: 'parsing', total: 0, done: 0, decrypted: 0, failed: 0 };
  o.onProgress({ ...p });
  try {
    const all = parseHar(text);
    p.total = all.length;
    p.phase = 'decrypting';
    o.onProgress({ ...p });
    await o.prepare?.(all);
    for (const [a, b] of chunkRanges(all.length, o.firstChunk ?? 100, o.chunk ?? 1000)) {
      if (o.signal?.aborted) {
        p.phase = 'cancelled';
        o.onProgress({ ...p });
        return p;
      }
      const rows = await o.decrypt(all.slice(a, b));
      for (const r of rows) {
        if (r.request.status === 'failed' || r.response.status === 'failed') p.failed++;
        else if (r.request.status === 'decrypted' || r.response.status === 'decrypted') p.decrypted++;
      }
      p.done = b;
      o.onRows(rows);
      o.onProgress({ ...p });
      await yieldToEventLoop();
    }
    p.phase = 'done';
  } catch (e) {
    p.phase = 'error';
    p.error = e instanceof Error ? `${(e as { code?: string }).code ?? 'ERROR'}: ${e.message}` : String(e);
  }
  o.onProgress({ ...p });
  return p;
}
