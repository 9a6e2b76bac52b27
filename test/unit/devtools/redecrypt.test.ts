/**
 * Re-decrypting rows the panel owns when the keyring learns keys (src/devtools/model/redecrypt.ts):
 * which rows are retried for which new keys, chunking and yielding, and that still-failing rows keep
 * their coded error. The crypto cases use real envelopes (node:crypto fixtures) and the panel's real
 * local decryptor.
 */
import { describe, expect, test } from 'vitest';
import { decryptExchange, Keyring } from '../../../src/inspect';
import type { CapturedExchange, DecryptedExchange, KeyringSnapshot } from '../../../src/devtools/inspect-types';
import { handshakesToLearn, snapshotDecryptor } from '../../../src/devtools/import/local-decryptor';
import {
  chunks,
  createRedecryptor,
  keyringDelta,
  retryOutcome,
  selectRetries,
  type KeyringDelta,
  type RedecryptDeps,
} from '../../../src/devtools/model/redecrypt';
import { TrafficStore } from '../../../src/devtools/model/traffic-store';
import { exchange as decrypted } from './fixtures';
import { API, aesKey, b64, binaryEnvelope, exchange as captured, handshake, ok } from '../inspect/fixtures';

const K = (n: number) => Buffer.alloc(32, n).toString('base64');
const snap = (o: Partial<KeyringSnapshot> = {}): KeyringSnapshot => ({ entries: [], candidates: [], wraps: 0, hasPrivateKey: false, ...o });
const entry = (sessionId: string | undefined, requestKey?: string, responseKey?: string, source: 'manual' | 'private-key' | 'trial' = 'manual') => ({
  ...(sessionId !== undefined && { sessionId }),
  ...(requestKey && { requestKey }),
  ...(responseKey && { responseKey }),
  source,
  addedAt: 1,
});
const noKey = { status: 'failed' as const, error: { code: 'NO_KEY' as const, message: 'keyring: no key' } };
const authFailed = { status: 'failed' as const, error: { code: 'AEAD_AUTH_FAILED' as const, message: 'aead: authentication failed' } };
const sessions = (...ids: string[]): KeyringDelta => ({ sessions: new Set(ids) });

describe('which keys are new', () => {
  test('a session that gains a key is named; the same keys again, a label, an AAD note or the private-key flag are no change', () => {
    const before = snap({ entries: [entry('s1', K(1), K(2))] });
    expect([...keyringDelta(before, snap({ entries: [entry('s1', K(1), K(2)), entry('s2', K(3))] })).sessions]).toEqual(['s2']);
    expect([...keyringDelta(before, snap({ entries: [{ ...entry('s1', K(1), K(2)), aad: 'session-id', label: 'x' }], hasPrivateKey: true, wraps: 4 })).sessions]).toEqual([]);
    expect(keyringDelta(before, snap({ entries: [entry('s1', K(1), K(2))] })).loose).toBeUndefined();
    // A response key filled in later for a session that had only the request key.
    expect([...keyringDelta(snap({ entries: [entry('s1', K(1))] }), snap({ entries: [entry('s1', K(1), K(2))] })).sessions]).toEqual(['s1']);
  });

  test('keys without a session (candidates, sessionless entries) are trial material, kept apart as their own snapshot', () => {
    const d = keyringDelta(
      snap({ candidates: [{ key: K(1), origin: 'aes-import', at: 1 }] }),
      snap({ candidates: [{ key: K(1), origin: 'aes-import', at: 1 }, { key: K(2), origin: 'aes-export', at: 2 }], entries: [entry(undefined, K(3))] }),
    );
    expect(d.sessions.size).toBe(0);
    expect(d.loose?.candidates.map((c) => c.key)).toEqual([K(2)]);
    expect(d.loose?.entries.map((e) => e.requestKey)).toEqual([K(3)]);
  });

  test('the first snapshot is all new', () => {
    expect([...keyringDelta(undefined, snap({ entries: [entry('s1', K(1))] })).sessions]).toEqual(['s1']);
  });
});

describe('which rows are retried', () => {
  function store() {
    const s = new TrafficStore();
    s.upsert([
      decrypted({ id: 'har-nokey', source: 'har', response: noKey, request: noKey }),
      decrypted({ id: 'har-ok', source: 'har' }),
      decrypted({ id: 'har-auth', source: 'har', response: authFailed }),
      decrypted({ id: 'devtools-nokey', source: 'devtools', response: noKey, startedAt: 5 }),
      decrypted({ id: 'hook-nokey', source: 'hook-fetch', response: noKey, startedAt: 9_000_000 }),
      decrypted({ id: 'har-other-session', source: 'har', response: noKey, headers: { 'x-sc-session-id': 'sess_2' } }),
      decrypted({ id: 'har-malformed', source: 'har', response: { status: 'failed', error: { code: 'ENVELOPE_MALFORMED', message: 'bad' } } }),
    ]);
    // The fixture names sess_1 on every row; give the last-but-one its own session.
    const other = s.byExchangeId('har-other-session')!;
    s.upsert([{ ...other.data, sessionId: 'sess_2' }]);
    return s;
  }
  const ids = (picks: ReturnType<typeof selectRetries>) => picks.map((p) => `${p.id}:${p.reason}`);

  test("a session's new key: its panel-owned rows that failed with NO_KEY or AEAD_AUTH_FAILED; never hook rows (the worker re-sends those)", () => {
    expect(ids(selectRetries(store().rows, sessions('sess_1')))).toEqual(['devtools-nokey:session', 'har-nokey:session', 'har-auth:session']); // time order
    expect(ids(selectRetries(store().rows, sessions('sess_2')))).toEqual(['har-other-session:session']);
  });

  test('new loose keys: every panel-owned NO_KEY row, by trial; a tag mismatch or a malformed envelope is not a missing key', () => {
    const delta: KeyringDelta = { sessions: new Set(), loose: snap({ candidates: [{ key: K(1), origin: 'aes-import', at: 1 }] }) };
    expect(ids(selectRetries(store().rows, delta))).toEqual(['devtools-nokey:loose', 'har-nokey:loose', 'har-other-session:loose']); // time order
  });

  test('no new keys, no work', () => {
    expect(selectRetries(store().rows, sessions())).toEqual([]);
  });

  test('chunks cover the list in order, none larger than asked', () => {
    const list = Array.from({ length: 1001 }, (_, i) => i);
    const parts = chunks(list, 200);
    expect(parts.map((p) => p.length)).toEqual([200, 200, 200, 200, 200, 1]);
    expect(parts.flat()).toEqual(list);
    expect(chunks([], 200)).toEqual([]);
  });
});

describe('what replaces a row', () => {
  test('a row that still fails with the same code is left alone (it keeps its coded error)', () => {
    const before = decrypted({ response: noKey });
    expect(retryOutcome(before, decrypted({ response: { ...noKey, error: { code: 'NO_KEY', message: 'keyring: none of 3 candidate keys opened this message' } } }))).toBeUndefined();
  });

  test('a side that opens replaces the row; a side that was decrypted is never lost', () => {
    const before = decrypted({ response: noKey });
    const probe = decrypted({ request: noKey }); // a probe with only the new keys: the request side's key was not among them
    const merged = retryOutcome(before, probe)!;
    expect(merged.request).toBe(before.request);
    expect(merged.response.status).toBe('decrypted');
    expect(merged.responseCode).toBe('2000');
  });

  test('NO_KEY becoming AEAD_AUTH_FAILED (a wrong key was added) is shown', () => {
    expect(retryOutcome(decrypted({ response: noKey }), decrypted({ response: authFailed }))?.response.error?.code).toBe('AEAD_AUTH_FAILED');
  });
});

// ── the driver, with real envelopes ─────────────────────────────────────────────────────────────

/** A recorded call of `sessionId` (binary envelopes both ways), as a HAR row decrypted with no keys. */
function harCall(sessionId: string, requestKey: Uint8Array, responseKey: Uint8Array, n = 0): CapturedExchange {
  return {
    ...captured({
      url: `${API}/web/v1/system/auth/token/refresh`,
      reqHeaders: { 'x-sc-session-id': sessionId, 'x-sc-version': '2' },
      req: binaryEnvelope(2, requestKey, `{"refreshToken":"rt-${n}"}`),
      res: binaryEnvelope(0x81, responseKey, ok({ accessToken: `at-${n}`, refreshToken: `rt-${n + 1}`, expiresIn: 3600 })),
    }),
    source: 'har',
    tabId: -1,
  };
}

async function importedRows(list: CapturedExchange[]): Promise<TrafficStore> {
  const store = new TrafficStore();
  const empty = new Keyring();
  store.upsert(await Promise.all(list.map((ex) => decryptExchange(ex, empty))));
  return store;
}

function driver(store: TrafficStore, over: Partial<RedecryptDeps> = {}) {
  const calls = { local: [] as number[], worker: [] as number[], yields: 0 };
  const r = createRedecryptor({
    rows: () => store.rows,
    row: (id) => store.byExchangeId(id),
    upsert: (list) => store.upsert(list),
    local: (s) => {
      const d = snapshotDecryptor(s);
      return (list) => (calls.local.push(list.length), d(list));
    },
    worker: async (list) => (calls.worker.push(list.length), Promise.all(list.map((ex) => decryptExchange(ex, new Keyring())))),
    yieldNow: async () => {
      calls.yields++;
      await new Promise((res) => setTimeout(res, 0));
    },
    ...over,
  });
  return { r, calls };
}

describe('re-decrypting imported rows', () => {
  test('a manual key for one session decrypts its rows in place (same row, same seq); the other session keeps its NO_KEY rows untouched', async () => {
    const a = { id: 'sess_a', q: aesKey(), s: aesKey() };
    const b = { id: 'sess_b', q: aesKey(), s: aesKey() };
    const store = await importedRows([harCall(a.id, a.q, a.s, 1), harCall(b.id, b.q, b.s, 2), harCall(a.id, a.q, a.s, 3)]);
    expect(store.rows.map((r) => r.summary.errorCode)).toEqual(['NO_KEY', 'NO_KEY', 'NO_KEY']);
    const seqs = store.rows.map((r) => r.seq);
    const untouched = store.rows[1];
    const { r } = driver(store);
    r.keyring(snap()); // the panel's first snapshot: nothing to retry
    r.keyring(snap({ entries: [entry(a.id, b64(a.q), b64(a.s))] }));
    await r.idle();
    expect(store.rows.map((x) => x.seq)).toEqual(seqs);
    expect(store.rows.map((x) => x.summary.verdict)).toEqual(['decrypted', 'failed', 'decrypted']);
    expect(store.rows[0].data.request.json).toEqual({ refreshToken: 'rt-1' });
    expect(store.rows[2].data.response).toMatchObject({ status: 'decrypted', keySource: 'manual' });
    expect(store.rows[1]).toBe(untouched);
    expect(store.rows[1].data.response.error?.code).toBe('NO_KEY');
  });

  test('a key with no session (a loose candidate) opens the rows it belongs to by trial, probing with only the new key', async () => {
    const a = { id: 'sess_a', q: aesKey(), s: aesKey() };
    const store = await importedRows([harCall(a.id, a.q, a.s), harCall('sess_b', aesKey(), aesKey())]);
    const { r, calls } = driver(store);
    r.keyring(snap());
    r.keyring(snap({ candidates: [{ key: b64(a.q), origin: 'aes-import', at: 1 }, { key: b64(a.s), origin: 'aes-export', at: 1 }] }));
    await r.idle();
    expect(store.rows.map((x) => [x.summary.verdict, x.data.request.keySource, x.data.response.keySource])).toEqual([
      ['decrypted', 'trial', 'trial'],
      ['failed', undefined, undefined],
    ]);
    expect(calls.worker).toEqual([]); // trial rows never go to the worker: it has no more loose keys than the push said
  });

  test('10,000 failed rows are done in chunks with a yield between each; pushes meanwhile merge into one next pass', async () => {
    const a = { id: 'sess_a', q: aesKey(), s: aesKey() };
    const store = await importedRows(Array.from({ length: 10_000 }, (_, i) => harCall(a.id, a.q, a.s, i)));
    let passes = 0;
    const { r, calls } = driver(store, {
      chunkSize: 500,
      local: (s) => {
        passes++;
        const d = snapshotDecryptor(s);
        return (l) => (calls.local.push(l.length), d(l));
      },
    });
    r.keyring(snap());
    r.keyring(snap({ entries: [entry(a.id, b64(a.q))] })); // the request key first: every row half-decrypted
    // Two more pushes while that pass runs: one more pass, not two.
    await new Promise((res) => setTimeout(res, 0));
    r.keyring(snap({ entries: [entry(a.id, b64(a.q)), entry('sess_x', K(9))] }));
    r.keyring(snap({ entries: [entry(a.id, b64(a.q), b64(a.s)), entry('sess_x', K(9))] }));
    await r.idle();
    expect(store.rows.every((x) => x.summary.verdict === 'decrypted')).toBe(true);
    expect(Math.max(...calls.local)).toBeLessThanOrEqual(500);
    expect(calls.local.reduce((n, x) => n + x, 0)).toBe(20_000); // each row once per pass
    expect(calls.yields).toBeGreaterThanOrEqual(40);
    expect(passes).toBe(2);
    // No page wraps in the keyring: the worker knows nothing the snapshot does not, so nothing was sent to it.
    expect(calls.worker).toEqual([]);
  }, 60_000);

  test('rows still NO_KEY after their session was tried locally go to the worker (≤ 200 a call) when it holds page wraps; its answer replaces them', async () => {
    const a = { id: 'sess_a', q: aesKey(), s: aesKey() };
    const store = await importedRows(Array.from({ length: 450 }, (_, i) => harCall(a.id, a.q, a.s, i)));
    // The worker holds the response key the snapshot lacks (say, a page wrap it tried by trial).
    const workerKeys = new Keyring();
    workerKeys.add({ sessionId: a.id, requestKey: b64(a.q), responseKey: b64(a.s), source: 'page-handshake' });
    const { r, calls } = driver(store, { worker: async (list) => (calls.worker.push(list.length), Promise.all(list.map((ex) => decryptExchange(ex, workerKeys)))) });
    r.keyring(snap());
    r.keyring(snap({ entries: [entry(a.id, b64(a.q))], wraps: 2 }));
    await r.idle();
    expect(calls.worker).toEqual([200, 200, 50]);
    expect(store.rows.every((x) => x.summary.verdict === 'decrypted')).toBe(true);
  });

  test('a list cleared during a pass is not refilled; rows re-sent meanwhile are not overwritten', async () => {
    const a = { id: 'sess_a', q: aesKey(), s: aesKey() };
    const store = await importedRows(Array.from({ length: 50 }, (_, i) => harCall(a.id, a.q, a.s, i)));
    const { r } = driver(store, { chunkSize: 10, yieldNow: async () => store.clear() });
    r.keyring(snap());
    r.keyring(snap({ entries: [entry(a.id, b64(a.q), b64(a.s))] }));
    await r.idle();
    expect(store.rows.length).toBe(0);

    const again = await importedRows([harCall(a.id, a.q, a.s)]);
    const newer = { ...again.rows[0].data, responseCode: 'from-elsewhere' } as DecryptedExchange;
    const { r: r2 } = driver(again, {
      local: (s) => {
        const d = snapshotDecryptor(s);
        return async (l) => {
          again.upsert([newer]); // e.g. the worker re-sent this exchange while we decrypted
          return d(l);
        };
      },
    });
    r2.keyring(snap());
    r2.keyring(snap({ entries: [entry(a.id, b64(a.q), b64(a.s))] }));
    await r2.idle();
    expect(again.rows[0].data).toBe(newer);
  });

  test('an import that ran while keys arrived catches up with the keyring it missed', async () => {
    const a = { id: 'sess_a', q: aesKey(), s: aesKey() };
    const store = new TrafficStore();
    const { r } = driver(store);
    const old = snap();
    r.keyring(old);
    r.keyring(snap({ entries: [entry(a.id, b64(a.q), b64(a.s))] })); // nothing listed yet
    await r.idle();
    store.upsert([await decryptExchange(harCall(a.id, a.q, a.s), new Keyring())]); // decrypted with `old`
    r.since(old);
    await r.idle();
    expect(store.rows[0].summary.verdict).toBe('decrypted');
  });
});

test("a private key set later: the panel's own handshakes of sessions still failing are the ones sent to the worker", async () => {
  const h = handshake('sess_h');
  const known = handshake('sess_known');
  const store = new TrafficStore();
  const empty = new Keyring();
  const har = (ex: CapturedExchange): CapturedExchange => ({ ...ex, source: 'har', tabId: -1 });
  store.upsert(
    await Promise.all(
      [har(h.ex), har(harCall('sess_h', h.requestKey, h.responseKey)), har(known.ex), har(harCall('sess_known', known.requestKey, known.responseKey)), { ...handshake('sess_hook').ex }].map((ex) =>
        decryptExchange(ex, empty),
      ),
    ),
  );
  const keyring = snap({ entries: [entry('sess_known', b64(known.requestKey), b64(known.responseKey))] });
  expect(handshakesToLearn(store.rows, keyring).map((d) => d.sessionId)).toEqual(['sess_h']);
  expect(handshakesToLearn(store.rows, snap({ entries: [entry('sess_h', K(1)), entry('sess_known', K(2))] }))).toEqual([]);
});
