/**
 * Decrypting HAR chunks in the panel itself, with a snapshot of the service worker's keyring.
 *
 * Why not always through the SW port (decryptBatch)? Every exchange would cross the port twice as JSON
 * (base64 bodies in, plaintext out) and be decrypted one at a time in a single worker; the bench
 * (test/bench/panel.bench.ts) measured that against decrypting here with WebCrypto in parallel, and the
 * local path is the one that meets the ≤ 1.5× target. The SW stays the authority for *learning* keys:
 * handshakes (/session, type-1) go to it first, and anything the snapshot cannot open goes to it
 * afterwards, so nothing the SW could decrypt is reported as failed.
 *
 * The same local path re-decrypts imported rows when the keyring learns keys later (snapshotDecryptor,
 * driven by model/redecrypt.ts), and a private key set later gets the imported handshakes to unwrap
 * (learnPanelHandshakes): the rows never need importing again.
 */
import { Keyring, base64Head, classifyPath, decryptExchange, pathOf } from '../../inspect';
import type { CapturedExchange, DecryptedExchange, KeyringSnapshot } from '../inspect-types';
import type { PanelBackend } from '../backend/backend';
import type { ChunkDecryptor } from './har-import';
import { hasNoKey, panelOwned } from '../model/redecrypt';
import type { Row } from '../model/traffic-store';
import { DECRYPT_BATCH_MAX } from '../../messaging/panel-rpc';

export function keyringFromSnapshot(s: KeyringSnapshot): Keyring {
  return Keyring.fromState({ entries: s.entries, candidates: s.candidates, wraps: [] });
}

/** Exchanges only the SW can learn keys from (it holds the wraps and the private key). */
export function isHandshake(ex: CapturedExchange): boolean {
  const kind = classifyPath(pathOf(ex.url));
  if (kind === 'session') return true;
  // Type-1 inline key exchange: binary "SC" 0x02 0x01 (spec §8) — base64 "U0MCAQ".
  return ex.requestBody !== undefined && base64Head(ex.requestBody).startsWith('U0MCAQ');
}


/**
 * WebCrypto calls in flight at once. Enough to overlap the crypto thread with our JS; far fewer than a
 * whole chunk, because thousands of pending promises cost more in Chrome than they overlap (measured:
 * 20,000 decrypts all in flight were slower than a plain sequential loop).
 */
const POOL = 32;

export async function mapPool<T, R>(items: readonly T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}

export async function decryptViaSw(backend: PanelBackend, list: CapturedExchange[]): Promise<DecryptedExchange[]> {
  const out: DecryptedExchange[] = [];
  for (let i = 0; i < list.length; i += DECRYPT_BATCH_MAX) out.push(...(await backend.decryptBatch(list.slice(i, i + DECRYPT_BATCH_MAX))));
  return out;
}

export interface LocalDecryptorHandle {
  decrypt: ChunkDecryptor;
  prepare: (all: CapturedExchange[]) => Promise<void>;
  /** The keyring snapshot the rows were decrypted with last (what a later catch-up starts from). */
  snapshot: () => KeyringSnapshot | undefined;
}

/** Decrypts a list here with a keyring built from `snapshot` (pooled WebCrypto; trial successes stay in it). */
export function snapshotDecryptor(snapshot: KeyringSnapshot): (list: CapturedExchange[]) => Promise<DecryptedExchange[]> {
  const keyring = keyringFromSnapshot(snapshot);
  return (list) => mapPool(list, POOL, (ex) => decryptExchange(ex, keyring));
}

export function createLocalDecryptor(backend: PanelBackend, snapshot?: KeyringSnapshot): LocalDecryptorHandle {
  let keyring = snapshot ? keyringFromSnapshot(snapshot) : new Keyring();
  let current = !!snapshot;
  let used = snapshot;
  return {
    snapshot: () => used,
    // Called per chunk that holds handshakes (and once at the start).
    async prepare(handshakes) {
      const learn = handshakes.filter(isHandshake);
      // No new handshakes: the snapshot we have is current (the keyring push keeps it so).
      if (learn.length === 0 && current) return;
      if (learn.length > 0) await decryptViaSw(backend, learn).catch(() => []);
      used = await backend.getKeyring();
      keyring = keyringFromSnapshot(used);
      current = true;
    },
    async decrypt(chunk) {
      const pool = (globalThis as { __keyhole?: { importPool?: number } }).__keyhole?.importPool ?? POOL; // bench knob
      const rows = await mapPool(chunk, pool, (ex) => decryptExchange(ex, keyring));
      const retry = rows.map((r, i) => (hasNoKey(r) ? i : -1)).filter((i) => i >= 0);
      if (retry.length > 0) {
        const again = await decryptViaSw(backend, retry.map((i) => chunk[i])).catch(() => undefined);
        again?.forEach((d, j) => (rows[retry[j]] = d));
      }
      return rows;
    },
  };
}

/**
 * Handshakes only the panel holds (HAR and DevTools-network rows) that a newly set private key may
 * unwrap: those of sessions the keyring has no key for that still have rows failing with NO_KEY, and
 * those whose session is unknown (a /session call whose answer was not recorded). Pure.
 */
export function handshakesToLearn(rows: readonly Row[], keyring: KeyringSnapshot): DecryptedExchange[] {
  const keyed = keyedSessions(keyring);
  const waiting = new Set<string | undefined>();
  for (const r of rows) if (panelOwned(r) && hasNoKey(r.data)) waiting.add(r.data.sessionId);
  if (waiting.size === 0) return [];
  const out: DecryptedExchange[] = [];
  for (const r of rows) {
    if (!panelOwned(r) || !isHandshake(r.data.exchange)) continue;
    const sid = r.data.sessionId;
    if (sid === undefined || (!keyed.has(sid) && waiting.has(sid))) out.push(r.data);
  }
  return out;
}

/**
 * A private key was just set. The worker unwraps the handshakes in its own buffer by itself; those of
 * HAR and DevTools-network rows live only here, so they are sent to it (decryptBatch learns from them
 * first). Its keyring then holds their sessions' keys, and the panel re-decrypts those sessions' rows
 * (redecrypt.ts). Returns how many of those sessions now have keys, and the fresh snapshot.
 */
export async function learnPanelHandshakes(backend: PanelBackend, rows: readonly Row[]): Promise<{ learnt: number; keyring?: KeyringSnapshot }> {
  const list = handshakesToLearn(rows, await backend.getKeyring());
  if (list.length === 0) return { learnt: 0 };
  const learnt = await decryptViaSw(backend, list.map((d) => d.exchange)).catch(() => [] as DecryptedExchange[]);
  const keyring = await backend.getKeyring();
  const keyed = keyedSessions(keyring);
  // The worker names a handshake's session from its answer, as the panel did: count each one once.
  const sessions = new Set(learnt.flatMap((d) => (d.sessionId !== undefined && keyed.has(d.sessionId) ? [d.sessionId] : [])));
  return { learnt: sessions.size, keyring };
}

/** Sessions the keyring holds keys for. */
function keyedSessions(keyring: KeyringSnapshot): Set<string> {
  return new Set(keyring.entries.flatMap((e) => (e.sessionId === undefined ? [] : [e.sessionId])));
}
