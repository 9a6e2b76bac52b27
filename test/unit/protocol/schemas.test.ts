import { describe, expect, it } from 'vitest';
import {
  LoginCompleteRequest, LoginInitiateData, LoginInitiateRequest, LogoutData, PublicKeyData, RefreshData, RefreshRequest,
  SessionCreateData, SessionCreateRequest, StandardEnvelope, TokenPairData, parseSchema, standardEnvelopeOf,
} from '../../../src/protocol/schemas';
import { expectThrowsCode, vectors } from './helpers';

describe('schemas', () => {
  it('parses a full success envelope', () => {
    const env = StandardEnvelope.parse({ version: '2.0.0', timestamp: 1711929600000, success: true, code: '2000', message: 'SUCCESS', data: {} });
    expect(env.code).toBe('2000');
  });

  it('parses an error envelope without version, timestamp or data', () => {
    const env = StandardEnvelope.parse({ success: false, code: 'AUTH.REFRESH_TOKEN_INVALID', message: 'Invalid or expired refresh token' });
    expect(env).toEqual({ success: false, code: 'AUTH.REFRESH_TOKEN_INVALID', message: 'Invalid or expired refresh token' });
  });

  it('accepts a numeric code and turns it into a string', () => {
    expect(StandardEnvelope.parse({ success: false, code: 5000, message: 'x', data: null }).code).toBe('5000');
  });

  it('rejects an envelope without success', () => {
    expect(StandardEnvelope.safeParse({ code: '2000', message: 'SUCCESS' }).success).toBe(false);
  });

  it('types data with standardEnvelopeOf', () => {
    const S = standardEnvelopeOf(SessionCreateData);
    expect(S.parse({ success: true, code: '2000', message: 'SUCCESS', data: { sessionId: 'sess_1', expiresAt: 1 } }).data.sessionId).toBe('sess_1');
    expect(S.safeParse({ success: true, code: '2000', message: 'SUCCESS', data: null }).success).toBe(false);
  });

  it('parses the documented public key data with a null expiry', () => {
    const d = PublicKeyData.parse({ keyId: 'rsa-key-2026-03-21', publicKey: vectors.rsa.publicKeySpkiBase64, algorithm: 'RSA-OAEP-2048', keySize: 2048, createdAt: '2026-03-21T00:00:00Z', expiresAt: null });
    expect(d.expiresAt).toBeNull();
  });

  it('validates a session create request strictly', () => {
    const ok = { keyId: 'k', encReqKey: vectors.rsa.oaepSha256.encReqKey, encRespKey: vectors.rsa.oaepSha256.encRespKey };
    expect(SessionCreateRequest.safeParse(ok).success).toBe(true);
    expect(SessionCreateRequest.safeParse({ ...ok, extra: 1 }).success).toBe(false);
    expect(SessionCreateRequest.safeParse({ ...ok, encReqKey: 'not base64!' }).success).toBe(false);
  });

  it('parses login initiate and complete bodies', () => {
    expect(LoginInitiateRequest.safeParse({ email: 'a@b.c', password: 'p' }).success).toBe(true);
    expect(LoginInitiateData.parse({ sessionId: 'u', mfaMethods: [{ code: 'OTP', value: 10011002, label: 'OTP' }], expiresIn: 300, accountStatus: null }).mfaMethods[0].value).toBe(10011002);
    expect(LoginCompleteRequest.safeParse({ sessionId: 'u', method: 10011002, code: '123456' }).success).toBe(true);
  });

  it('rejects a login code shorter than six characters', () => {
    expect(LoginCompleteRequest.safeParse({ sessionId: 'u', method: 10011002, code: '12345' }).success).toBe(false);
  });

  it('parses a token pair with optional token type and account status', () => {
    expect(TokenPairData.parse({ accessToken: 'a', refreshToken: 'r', expiresIn: 3600, tokenType: 'Bearer', accountStatus: null }).tokenType).toBe('Bearer');
    expect(TokenPairData.parse({ accessToken: 'a', refreshToken: 'r', expiresIn: 3600 }).tokenType).toBeUndefined();
  });

  it('accepts a refresh request with exactly refreshToken', () => {
    expect(RefreshRequest.parse({ refreshToken: 'rt' })).toEqual({ refreshToken: 'rt' });
  });

  it('rejects a refresh request with an extra field', () => {
    expect(RefreshRequest.safeParse({ refreshToken: 'rt', deviceId: 'x' }).success).toBe(false);
  });

  it('rejects a refresh request without refreshToken', () => {
    expect(RefreshRequest.safeParse({}).success).toBe(false);
  });

  it('parses refresh and logout data', () => {
    expect(RefreshData.parse({ accessToken: 'a', refreshToken: 'r2', expiresIn: 3600 }).refreshToken).toBe('r2');
    expect(LogoutData.parse({ success: true, terminatedSessions: 1 }).terminatedSessions).toBe(1);
  });

  it('throws SCHEMA_INVALID with field errors from parseSchema', () => {
    const e = expectThrowsCode(() => parseSchema(RefreshRequest, { refreshToken: 'rt', x: 1 }, 'refresh request'), 'SCHEMA_INVALID', 'schema: invalid refresh request');
    expect(Object.keys(e.details as object)).toContain('x');
  });
});
