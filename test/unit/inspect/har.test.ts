import { describe, expect, test } from 'vitest';
import { buildHar, fromHarEntry, parseHar } from '../../../src/inspect/har';
import { redactJson, REDACTED } from '../../../src/inspect/redact';
import { decryptExchange } from '../../../src/inspect/decrypt-exchange';
import { Keyring } from '../../../src/inspect/keyring';
import { isKeyholeError } from '../../../src/protocol/errors';
import { API, aesKey, b64, binaryEnvelope, exchange, jsonEnvelope, ok } from './fixtures';

const entry = (o: { postText?: string; content?: { text?: string; encoding?: string; mimeType?: string } }) => ({
  startedDateTime: '2026-01-01T00:00:00.000Z',
  time: 12,
  request: {
    method: 'POST',
    url: `${API}/web/v1/system/auth/token/refresh`,
    headers: [{ name: 'X-SC-Session-Id', value: 's1' }, { name: 'Authorization', value: 'Bearer x' }],
    ...(o.postText !== undefined && { postData: { mimeType: 'application/json', text: o.postText } }),
  },
  response: { status: 200, headers: [{ name: 'Content-Type', value: 'application/json' }], content: { size: 0, mimeType: 'application/json', ...o.content } },
});

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isKeyholeError(e) ? e.code : 'not-keyhole';
  }
  return 'no-error';
};

describe('parseHar', () => {
  test('bad input gives coded errors', () => {
    expect(codeOf(() => parseHar('not json'))).toBe('INPUT_INVALID');
    expect(codeOf(() => parseHar('{"foo":1}'))).toBe('SCHEMA_INVALID');
    expect(codeOf(() => parseHar('{"log":{"entries":[{"nope":1}]}}'))).toBe('SCHEMA_INVALID');
    expect(codeOf(() => fromHarEntry({ request: {} }))).toBe('SCHEMA_INVALID');
  });

  test('an odd entry does not sink the file', () => {
    const list = parseHar(JSON.stringify({ log: { entries: [{ bad: true }, entry({ postText: '{"a":1}' })] } }));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ source: 'har', method: 'POST', requestHeaders: { 'x-sc-session-id': 's1' }, durationMs: 12, startedAt: Date.parse('2026-01-01T00:00:00.000Z') });
  });

  test('base64 content is exact', () => {
    const bytes = binaryEnvelope(0x81, aesKey(), '{}');
    const ex = fromHarEntry(entry({ content: { text: b64(bytes), encoding: 'base64' } }));
    expect(ex.responseBody).toEqual({ base64: b64(bytes), size: bytes.length, truncated: false });
  });

  test('text content of a binary body labelled application/json is lossy', () => {
    const bytes = binaryEnvelope(0x81, aesKey(), '{}');
    const mangled = new TextDecoder().decode(bytes); // what getContent() does: U+FFFD replacements
    expect(fromHarEntry(entry({ content: { text: mangled } })).responseBody?.lossy).toBe(true);
  });

  test('text content of a JSON envelope is exact', () => {
    const text = jsonEnvelope(aesKey(), '{}');
    const ex = fromHarEntry(entry({ content: { text } }));
    expect(ex.responseBody?.lossy).toBeUndefined();
    expect(Buffer.from(ex.responseBody!.base64, 'base64').toString()).toBe(text);
  });

  test('a binary request body written as Latin-1 is recovered byte for byte', () => {
    const bytes = binaryEnvelope(2, aesKey(), '{"refreshToken":"r"}');
    const ex = fromHarEntry(entry({ postText: bytes.toString('latin1') }));
    expect(ex.requestBody?.base64).toBe(b64(bytes));
    expect(ex.requestBody?.lossy).toBe(true); // non-ASCII: Chrome's rule, not the spec's
  });

  test('devtools entries keep their source', () => {
    expect(fromHarEntry(entry({}), 7, 'devtools')).toMatchObject({ source: 'devtools', tabId: 7 });
  });
});

describe('buildHar and redaction', () => {
  // '-' and '!' are outside the Base64 alphabet, so random ciphertext in the HAR can never contain it.
  const SECRET_KEY = 'key-marker!';
  async function decrypted() {
    const req = aesKey();
    const res = aesKey();
    const k = new Keyring();
    k.add({ sessionId: 's1', requestKey: b64(req), responseKey: b64(res), source: 'manual' });
    const access = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig';
    const ex = exchange({
      url: `${API}/web/v1/system/auth/token/refresh`,
      reqHeaders: { 'x-sc-session-id': 's1', authorization: `Bearer ${access}` },
      req: binaryEnvelope(2, req, '{"refreshToken":"rt-old"}'),
      res: binaryEnvelope(0x81, res, ok({ accessToken: access, refreshToken: 'rt-new', expiresIn: 3600 })),
    });
    const plain = exchange({ url: `${API}/web/v1/system/auth/logout`, res: ok({ accessToken: access, note: 'kept' }) });
    return { list: [await decryptExchange(ex, k), await decryptExchange(plain, k)], k };
  }

  test('redacts tokens, Authorization and keys by default — in headers and inside decrypted JSON', async () => {
    const { list } = await decrypted();
    const har = buildHar(list, { keys: () => ({ requestKey: SECRET_KEY }) });
    const text = JSON.stringify(har);
    expect(text).not.toContain('rt-old');
    expect(text).not.toContain('rt-new');
    expect(text).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(text).not.toContain(SECRET_KEY);
    const e0 = har.log.entries[0];
    expect(e0.request.headers).toContainEqual({ name: 'authorization', value: REDACTED });
    expect(e0._keyhole.request).toMatchObject({ status: 'decrypted', keySource: 'manual', plaintext: { refreshToken: REDACTED } });
    // the plain body with a token is re-serialised redacted; other fields stay
    const e1 = har.log.entries[1].response.content as { text: string; encoding?: string };
    expect(e1.encoding).toBeUndefined();
    expect(JSON.parse(e1.text).data).toEqual({ accessToken: REDACTED, note: 'kept' });
  });

  test('redact:false keeps secrets and exact bodies that parse back identically', async () => {
    const { list } = await decrypted();
    const har = buildHar(list, { redact: false, keys: () => ({ requestKey: SECRET_KEY }) });
    expect(JSON.stringify(har)).toContain('rt-new');
    expect(har.log.entries[0]._keyhole.keys).toEqual({ requestKey: SECRET_KEY });
    const back = parseHar(JSON.stringify(har));
    expect(back[0].requestBody?.base64).toBe(list[0].exchange.requestBody?.base64);
    expect(back[0].responseBody?.base64).toBe(list[0].exchange.responseBody?.base64);
    expect(back[0].requestBody?.lossy).toBeUndefined();
  });

  test('a page refresh flagged for token reuse carries the reason into the export, without Keyhole\'s session key', async () => {
    const { list } = await decrypted();
    const message = 'The page sent a refresh token Keyhole had already used for session demo (u).';
    const flagged = { ...list[0], conflict: { kind: 'page-reused-spent-token' as const, sessionKey: 'internal-key-1', label: 'demo (u)', message } };
    const har = buildHar([flagged, list[1]]);
    expect(har.log.entries[0]._keyhole.conflict).toEqual({ kind: 'page-reused-spent-token', message });
    expect(har.log.entries[1]._keyhole.conflict).toBeUndefined();
    expect(JSON.stringify(har)).not.toContain('internal-key-1');
  });

  test('redactJson: nested tokens, JWT-looking strings, MFA code only in requests', () => {
    expect(redactJson({ a: { refreshToken: 'x', list: ['eyJhbGciOi.eyJzdWIiOi.x'] }, keyId: 'k' })).toEqual({ a: { refreshToken: REDACTED, list: [REDACTED] }, keyId: 'k' });
    expect(redactJson({ code: '123456' }, { side: 'request' })).toEqual({ code: REDACTED });
    expect(redactJson({ code: '2000' }, { side: 'response' })).toEqual({ code: '2000' });
  });
});

test("the Base64 of a HAR's ASCII request text is exactly the text's bytes", () => {
  for (const text of ['{"v":2,"p":"AAAA"}', 'x', 'a'.repeat(70_000)]) {
    const ex = fromHarEntry({ request: { method: 'POST', url: `${API}/x`, headers: [], postData: { mimeType: 'application/json', text } }, response: { status: 200, headers: [], content: { size: 0, mimeType: 'x' } } });
    expect(ex.requestBody).toMatchObject({ base64: Buffer.from(text).toString('base64'), size: text.length, truncated: false });
  }
});
