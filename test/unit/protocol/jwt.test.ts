import { describe, expect, it } from 'vitest';
import { accessTokenExpiry, decodeJwt } from '../../../src/protocol/jwt';
import { toBase64Url, utf8Encode } from '../../../src/protocol/bytes';
import { expectThrowsCode } from './helpers';

const seg = (o: unknown) => toBase64Url(utf8Encode(JSON.stringify(o)));
/**
 * Shaped like the documented example token (§11): HS256 header, sub/sid/iat payload, and the
 * literal signature part "new-token", so it ends in `…fQ.new-token`. Typed in, not generated.
 */
const DOC_TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMDAwMSIsInNpZCI6InNlc3NfYWJjIiwiaWF0IjoxNzExOTI5NjAwfQ.new-token';

describe('decodeJwt', () => {
  it('decodes the documented example token whose signature is not base64url', () => {
    expect(DOC_TOKEN.startsWith('eyJ')).toBe(true);
    expect(DOC_TOKEN.endsWith('fQ.new-token')).toBe(true);
    expect(decodeJwt(DOC_TOKEN)).toEqual({
      header: { alg: 'HS256', typ: 'JWT' },
      payload: { sub: '10001', sid: 'sess_abc', iat: 1711929600 },
      signature: 'new-token',
    });
  });

  it('decodes a token with an empty signature', () => {
    expect(decodeJwt(`${seg({ alg: 'none' })}.${seg({ a: 1 })}.`).signature).toBe('');
  });

  it('rejects a token without three parts', () => {
    expectThrowsCode(() => decodeJwt('abc.def'), 'JWT_MALFORMED', 'jwt: expected three dot-separated parts');
    expectThrowsCode(() => decodeJwt('a.b.c.d'), 'JWT_MALFORMED', 'jwt: expected three dot-separated parts');
  });

  it('rejects a header that is not base64url JSON', () => {
    expectThrowsCode(() => decodeJwt(`%%%.${seg({})}.x`), 'JWT_MALFORMED', 'jwt: header is not base64url JSON');
  });

  it('rejects a payload that is not a JSON object', () => {
    expectThrowsCode(() => decodeJwt(`${seg({ alg: 'HS256' })}.${seg([1, 2])}.x`), 'JWT_MALFORMED', 'jwt: payload is not a JSON object');
  });

  it('rejects an opaque refresh token', () => {
    expectThrowsCode(() => decodeJwt('dGhpcyBpcyBvcGFxdWU'), 'JWT_MALFORMED');
  });
});

describe('accessTokenExpiry', () => {
  const received = 1_711_929_600_000;

  it('uses exp when the token has one', () => {
    const t = `${seg({ alg: 'HS256' })}.${seg({ exp: 1711933200 })}.sig`;
    expect(accessTokenExpiry(t, 60, received)).toBe(1711933200_000);
  });

  it('uses receipt time plus expiresIn when the token has no exp', () => {
    expect(accessTokenExpiry(DOC_TOKEN, 3600, received)).toBe(received + 3_600_000);
  });

  it('uses receipt time plus expiresIn for an opaque token', () => {
    expect(accessTokenExpiry('opaque', 10, received)).toBe(received + 10_000);
  });
});
