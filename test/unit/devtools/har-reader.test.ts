import { describe, expect, test } from 'vitest';
import { HarScanner } from '../../../src/devtools/import/har-reader';
import { CHUNK, FIRST_CHUNK, fileEntrySource, importHarFile, importHarText, textEntrySource } from '../../../src/devtools/import/har-import';
import type { CapturedExchange, DecryptedExchange } from '../../../src/devtools/inspect-types';
import { isKeyholeError } from '../../../src/protocol/errors';

const entry = (i: number) => ({ request: { method: 'GET', url: `http://h/x?i=${i}`, headers: [{ name: 'a', value: 'b"}]{[\\' }] }, response: { status: 200, headers: [] } });
const har = (n: number, extra = '') => JSON.stringify({ log: { version: '1.2', creator: { name: 'x', version: '1' }, pages: [{ id: 'p' }], entries: Array.from({ length: n }, (_, i) => entry(i)) } }).replace('{"log"', `{${extra}"log"`);

/** Reads everything with the text pushed in pieces of `size` characters. */
function readAll(text: string, size: number, take = 3): { entries: unknown[]; status: string } {
  const s = new HarScanner();
  const entries: unknown[] = [];
  let at = 0;
  for (;;) {
    const r = s.take(take);
    if (r.status === 'entries') entries.push(...r.entries);
    else if (r.status === 'need-data') {
      if (at >= text.length) s.end();
      else s.push(text.slice(at, (at += size)));
    } else return { entries, status: r.status };
  }
}

describe('HarScanner', () => {
  test('yields every entry, whatever the piece boundaries', () => {
    const text = har(7, '"x":[1,{"y":"}"}],');
    for (const size of [1, 2, 3, 7, 50, text.length]) {
      const r = readAll(text, size);
      expect(r.status).toBe('done');
      expect(r.entries).toEqual(JSON.parse(text).log.entries);
    }
  });

  test('unusual layouts and non-JSON give up (the whole-file parse then decides)', () => {
    for (const text of ['not json', '{"foo":1}', '[]', '{}', '{"log":{"entries":{}}}', '{"log":{}}', `${har(2)} x`, har(2).slice(0, -3), '{"log":{"entries":[1,]}}', '{"log":{"entries":[]},"log":{"entries":[]}}', '{"a":tru,"log":{"entries":[]}}']) {
      expect(readAll(text, 5).status, text).toBe('unusual');
    }
  });

  test('an escaped key still names the log', () => {
    const r = readAll('{"\\u006cog":{"entries":[{"a":1}]}}', 4);
    expect(r).toEqual({ entries: [{ a: 1 }], status: 'done' });
  });
});

describe('entry sources', () => {
  test('text and file sources agree with JSON.parse', async () => {
    const text = har(25);
    const want = JSON.parse(text).log.entries;
    for (const src of [textEntrySource(text), fileEntrySource(new Blob([text]), 64, 100)]) {
      const got: unknown[] = [];
      for (let b; (b = await src.next(4)); ) got.push(...b);
      expect(got).toEqual(want);
      expect(src.estimate()).toBe(25);
    }
  });

  test('a damaged file: the file source still hands out the entries before the damage, then the same coded error', async () => {
    const text = har(25).slice(0, -40); // cut inside the last entry
    const results = [];
    for (const src of [textEntrySource(text), fileEntrySource(new Blob([text]), 64, 100)]) {
      const got: unknown[] = [];
      let code = 'no-error';
      try {
        for (let b; (b = await src.next(4)); ) got.push(...b);
      } catch (e) {
        code = isKeyholeError(e) ? e.code : 'other';
      }
      results.push({ got, code });
    }
    // Both end with the same code; which entries of the last batch before the damage are lost depends
    // on where the batches fall (the scanner drops a batch that ends in the damage), as before.
    expect(results[1].code).toBe(results[0].code);
    expect(results[0].code).toBe('INPUT_INVALID');
    expect(Math.abs(results[1].got.length - results[0].got.length)).toBeLessThan(4);
    // More than the first batch: after the whole-file parse failed, the scanner read on.
    expect(results[1].got.length).toBeGreaterThan(4);
    expect(results[1].got).toEqual(JSON.parse(har(25)).log.entries.slice(0, results[1].got.length));
  });

  test('fallback keeps the coded errors', async () => {
    const codeOf = async (text: string) => {
      try {
        await textEntrySource(text).next(10);
        return 'no-error';
      } catch (e) {
        return isKeyholeError(e) ? e.code : 'other';
      }
    };
    expect(await codeOf('not json')).toBe('INPUT_INVALID');
    expect(await codeOf('{"foo":1}')).toBe('SCHEMA_INVALID');
    const p = await importHarText('{"log":{"entries":[{"nope":1}]}}', { decrypt: async () => [], onRows: () => {}, onProgress: () => {} });
    expect(p.phase).toBe('error');
    expect(p.error).toMatch(/^SCHEMA_INVALID/);
  });
});

describe('the import hands rows over in chunks', () => {
  // A stand-in decryptor: every exchange "decrypted", in order (what is measured here is the chunking).
  const decrypt = async (list: CapturedExchange[]) => list.map((exchange): DecryptedExchange => ({ exchange, path: '/x', kind: 'other', request: { form: 'none', status: 'none' }, response: { form: 'none', status: 'decrypted' } as DecryptedExchange['response'] }));

  test('a small first chunk, then CHUNK entries at a time, every entry once and in order (from text and from a file)', async () => {
    expect(FIRST_CHUNK).toBe(100);
    expect(CHUNK).toBe(5000);
    const n = FIRST_CHUNK + 2 * CHUNK + 150;
    const text = har(n);
    for (const run of [(o: Parameters<typeof importHarText>[1]) => importHarText(text, o), (o: Parameters<typeof importHarText>[1]) => importHarFile(new Blob([text]), o)]) {
      const sizes: number[] = [];
      const urls: string[] = [];
      const p = await run({ decrypt, onRows: (rows) => (sizes.push(rows.length), rows.forEach((r) => urls.push(r.exchange.url))), onProgress: () => {} });
      expect(p).toMatchObject({ phase: 'done', total: n, done: n, decrypted: n, failed: 0, skipped: 0 });
      expect(sizes).toEqual([FIRST_CHUNK, CHUNK, CHUNK, 150]);
      expect(urls).toEqual(Array.from({ length: n }, (_, i) => `http://h/x?i=${i}`));
    }
  });
});
