/**
 * HAR export's default redaction (issue #10 item 7), case by case: a token in a URL query, a
 * form-encoded token, a token under a short or unknown field name, token-looking values in headers and
 * free text, and the RSA-wrapped keys of type-1 envelopes (binary, and inside a JSON envelope's `p`).
 * Each case also checks what must stay (so redaction cannot pass by blanking everything).
 */
import { describe, expect, test } from 'vitest';
import { buildHar, parseHar } from '../../../src/inspect/har';
import { isTokenValue, redactJson, redactText, redactUrl, REDACTED } from '../../../src/inspect/redact';
import { decryptExchange } from '../../../src/inspect/decrypt-exchange';
import { Keyring } from '../../../src/inspect/keyring';
import { learnKeys, wrappedPairOf } from '../../../src/inspect/learn-keys';
import { parseBinaryEnvelope } from '../../../src/protocol/envelope-binary';
import { API, aesKey, b64, exchange, ok, rsaKeys, rsaWrap, type1Envelope } from './fixtures';
import type { CapturedExchange } from '../../../src/inspect/exchange';

// The shape of the reference gateway's refresh tokens (32 random bytes, base64url) — fixed, so no flake.
const OPAQUE = 'Qm9vX3RoZS1yZWZyZXNoLXRva2VuX0lTX2hlcmU5OTk';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2N0LTEifQ.c2lnbmF0dXJl';

async function exported(ex: CapturedExchange, redact = true) {
  const har = buildHar([await decryptExchange(ex, new Keyring())], { redact });
  return { har, entry: har.log.entries[0], text: JSON.stringify(har) };
}

describe('redaction of an exported HAR (default on)', () => {
  test('a token in the URL query or fragment, by name or by shape; other parameters stay', async () => {
    const url = `${API}/web/v1/files?refresh_token=${OPAQUE}&page=2&t=${JWT}&q=hello#access_token=${OPAQUE}&state=xyz`;
    const { entry, text } = await exported(exchange({ url, method: 'GET' }));
    expect(text).not.toContain(OPAQUE);
    expect(text).not.toContain(JWT);
    expect(entry.request.url).toBe(`${API}/web/v1/files?refresh_token=${REDACTED}&page=2&t=${REDACTED}&q=hello#access_token=${REDACTED}&state=xyz`);
    expect(entry.request.queryString).toEqual([
      { name: 'refresh_token', value: REDACTED },
      { name: 'page', value: '2' },
      { name: 't', value: REDACTED },
      { name: 'q', value: 'hello' },
    ]);
    // unredacted: the URL as captured
    expect((await exported(exchange({ url, method: 'GET' }), false)).entry.request.url).toBe(url);
  });

  test('a token in a path segment or a userinfo password', () => {
    expect(redactUrl(`https://u:hunter2@api.test/reset/${OPAQUE}/confirm`)).toBe(`https://u:${REDACTED}@api.test/reset/${REDACTED}/confirm`);
    expect(redactUrl('https://api.test/v1/users/42/orders')).toBe('https://api.test/v1/users/42/orders');
  });

  test('a form-encoded body: secrets by name (percent-encoded too) and by shape, the MFA code in requests; the rest byte for byte', async () => {
    const form = `grant_type=refresh_token&refresh%5Ftoken=${OPAQUE}&client_id=web+app&x=${encodeURIComponent(JWT)}&code=123456`;
    const { entry, text } = await exported(exchange({ req: form, reqHeaders: { 'content-type': 'application/x-www-form-urlencoded' }, res: ok(null) }));
    expect(text).not.toContain(OPAQUE);
    expect(text).not.toContain('123456');
    expect(text).not.toContain(JWT.slice(0, 30));
    const post = entry.request.postData as { text: string; encoding?: string };
    expect(post.encoding).toBeUndefined();
    expect(post.text).toBe(`grant_type=refresh_token&refresh%5Ftoken=${REDACTED}&client_id=web+app&x=${REDACTED}&code=${REDACTED}`);
  });

  test('a token under a short field name such as `rt`, or any name, in plain JSON and in a decrypted plaintext', async () => {
    const body = JSON.stringify({ rt: 'r-1', at: 1_700_000_000, blob: OPAQUE, nested: [{ whatever: JWT }], id: '7f3e2a1c-9b8d-4c6e-a5f4-0123456789ab', sha: 'a'.repeat(10) + '0123456789abcdef'.repeat(3), note: 'Bearer ' + OPAQUE });
    const { entry, text } = await exported(exchange({ req: body, res: ok(null) }));
    expect(text).not.toContain('r-1');
    expect(text).not.toContain(OPAQUE);
    expect(text).not.toContain(JWT);
    const sent = JSON.parse((entry.request.postData as { text: string }).text);
    expect(sent).toEqual({ rt: REDACTED, at: 1_700_000_000, blob: REDACTED, nested: [{ whatever: REDACTED }], id: '7f3e2a1c-9b8d-4c6e-a5f4-0123456789ab', sha: 'a'.repeat(10) + '0123456789abcdef'.repeat(3), note: REDACTED });
    // the same rules inside a decrypted plaintext
    expect(redactJson({ rt: 'x', y: OPAQUE, tokenType: 'Bearer', publicKey: 'MIIB' }, { side: 'response' })).toEqual({ rt: REDACTED, y: REDACTED, tokenType: 'Bearer', publicKey: 'MIIB' });
  });

  test('headers: secret names and token-looking values; protocol identifiers stay', async () => {
    const sid = 'sess_' + 'Ab'.repeat(20);
    const { entry } = await exported(
      exchange({ req: '{}', reqHeaders: { 'x-refresh-token': 'r-9', 'x-trace': `id ${OPAQUE}`, 'x-sc-session-id': sid, 'x-sc-version': '2' }, res: ok(null) }),
    );
    const h = Object.fromEntries((entry.request.headers as Array<{ name: string; value: string }>).map((x) => [x.name, x.value]));
    expect(h).toMatchObject({ 'x-refresh-token': REDACTED, 'x-trace': `id ${REDACTED}`, 'x-sc-session-id': sid, 'x-sc-version': '2' });
  });

  test('free text: tokens anywhere, `name: value` with a secret name', () => {
    expect(redactText(`refresh_token: r-7; user=bob; t ${OPAQUE}`)).toBe(`refresh_token: ${REDACTED}; user=bob; t ${REDACTED}`);
  });

  test('what the token patterns match, whatever the field name — and what they leave', () => {
    for (const t of [JWT, OPAQUE, OPAQUE.replace(/_/g, '+') + '=', `Bearer ${OPAQUE}`]) expect(isTokenValue(t), t).toBe(true);
    for (const t of ['7f3e2a1c-9b8d-4c6e-a5f4-0123456789ab', 'f'.repeat(64), 'SECURE_CHANNEL.SESSION_NOT_FOUND', 'hello world', 'rsa-key-2026-03-21']) expect(isTokenValue(t), t).toBe(false);
    for (const name of ['rt', 'x', 'refreshTokenV2', 'sessionJwt', 'a-b']) {
      expect(redactJson({ [name]: OPAQUE })).toEqual({ [name]: REDACTED });
      expect(redactJson({ [name]: JWT })).toEqual({ [name]: REDACTED });
    }
  });
});

describe('type-1 envelopes: the RSA-wrapped keys never leave in a redacted export', () => {
  function type1() {
    const requestKey = aesKey();
    const encReqKey = rsaWrap(requestKey);
    const encRespKey = rsaWrap(aesKey());
    const bytes = type1Envelope(requestKey, 'rsa-key-1', encReqKey, encRespKey, '{"email":"a@b.c","password":"pw-secret-1"}');
    return { bytes, encReqKey, encRespKey };
  }

  const wrappedIn = (text: string, k: Buffer) => text.includes(b64(k).slice(8, 40)) || text.includes(k.toString('base64url').slice(8, 40));

  test('binary: both wrapped keys are zero-filled; the envelope still parses with its key id and ciphertext', async () => {
    const t = type1();
    const ex = exchange({ url: `${API}/web/v1/system/auth/login/initiate`, req: t.bytes, res: ok(null), resHeaders: { 'x-sc-session-id': 'sess_t1' } });
    const { entry, text } = await exported(ex);
    expect(wrappedIn(text, t.encReqKey) || wrappedIn(text, t.encRespKey)).toBe(false);
    const post = entry.request.postData as { text: string; encoding: string };
    expect(post.encoding).toBe('base64');
    const out = parseBinaryEnvelope(Buffer.from(post.text, 'base64'));
    const orig = parseBinaryEnvelope(t.bytes);
    expect(out.type).toBe(1);
    if (out.type !== 1 || orig.type !== 1) throw new Error('type');
    expect(out.keyId).toBe('rsa-key-1');
    expect(Buffer.from(out.encReqKey).equals(Buffer.alloc(t.encReqKey.length))).toBe(true);
    expect(Buffer.from(out.encRespKey).equals(Buffer.alloc(t.encRespKey.length))).toBe(true);
    expect(Buffer.from(out.ciphertext).equals(Buffer.from(orig.ciphertext))).toBe(true);

    // Whoever holds the gateway's private key learns nothing from the redacted file…
    const back = parseHar(text)[0];
    const withPrivateKey = () => {
      const k = new Keyring();
      k.setPrivateKey(rsaKeys().pem);
      return k;
    };
    const k = withPrivateKey();
    await learnKeys(back, k).catch(() => 0);
    expect(k.snapshot().entries.filter((e) => e.requestKey || e.responseKey)).toEqual([]);
    // …while the unredacted export is byte for byte, and it does.
    const plain = parseHar((await exported(ex, false)).text)[0];
    expect(plain.requestBody?.base64).toBe(b64(t.bytes));
    expect(await learnKeys(plain, withPrivateKey())).toBe(1);
  });

  test('inside a JSON envelope `p` (Base64 and Base64url): zero-filled, other fields kept', async () => {
    for (const enc of ['base64', 'base64url'] as const) {
      const t = type1();
      const req = JSON.stringify({ v: 2, p: t.bytes.toString(enc), extra: 'kept' });
      const { entry, text } = await exported(exchange({ req, res: ok(null) }));
      expect(wrappedIn(text, t.encReqKey) || wrappedIn(text, t.encRespKey), enc).toBe(false);
      const sent = JSON.parse((entry.request.postData as { text: string }).text) as { v: number; p: string; extra: string };
      expect(sent).toMatchObject({ v: 2, extra: 'kept' });
      const inner = parseBinaryEnvelope(Buffer.from(sent.p, 'base64'));
      if (inner.type !== 1) throw new Error('type');
      expect(Buffer.from(inner.encReqKey).every((b) => b === 0)).toBe(true);
      expect(wrappedPairOf(parseHar(text)[0])?.encReqKey.every((b) => b === 0)).toBe(true);
    }
  });

  test('a truncated type-1 envelope keeps only its header', async () => {
    const t = type1();
    const cut = t.bytes.subarray(0, 200);
    const { entry } = await exported(exchange({ req: cut, res: ok(null) }));
    const out = Buffer.from((entry.request.postData as { text: string }).text, 'base64');
    expect(out.length).toBe(200);
    expect([...out.subarray(0, 4)]).toEqual([0x53, 0x43, 0x02, 0x01]);
    expect(out.subarray(4).every((b) => b === 0)).toBe(true);
  });
});
