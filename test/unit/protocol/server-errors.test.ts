import { describe, expect, it } from 'vitest';
import { errorFromResponse, parseRetryAfter } from '../../../src/protocol/server-errors';
import { KeyholeError, isKeyholeError } from '../../../src/protocol/errors';

describe('errorFromResponse', () => {
  it.each([
    ['SECURE_CHANNEL.SESSION_NOT_FOUND', 401, 'SC_SESSION_NOT_FOUND'],
    ['SECURE_CHANNEL.INVALID_PAYLOAD', 400, 'SC_INVALID_PAYLOAD'],
    ['SECURE_CHANNEL.REPLAY_DETECTED', 400, 'SC_REPLAY_DETECTED'],
    ['AUTH.REFRESH_TOKEN_INVALID', 401, 'REFRESH_REJECTED'],
    ['AUTH.FINGERPRINT_MISMATCH', 403, 'FINGERPRINT_MISMATCH'],
    ['ACCESS.TOKEN_MISSING', 401, 'TOKEN_MISSING'],
    ['ACCESS.PERMISSION_DENIED', 403, 'PERMISSION_DENIED'],
    ['ACCESS.SOMETHING_NEW', 403, 'PERMISSION_DENIED'],
    ['AUTH.INVALID_CREDENTIALS', 400, 'INVALID_CREDENTIALS'],
    ['AUTH.MFA_CODE_INVALID', 400, 'MFA_CODE_INVALID'],
    ['AUTH.LOGIN_SESSION_INVALID', 401, 'LOGIN_SESSION_EXPIRED'],
    ['VALIDATION.INVALID_PARAMETER', 400, 'VALIDATION_FAILED'],
    ['VALIDATION.PAYLOAD_TOO_LARGE', 413, 'VALIDATION_FAILED'],
    ['SYSTEM.INTERNAL_ERROR', 500, 'SERVER_ERROR'],
    ['AUTH.SESSION_NOT_FOUND', 404, 'LOGIN_SESSION_EXPIRED'],
    ['AUTH.TOO_MANY_ATTEMPTS', 429, 'TOO_MANY_ATTEMPTS'],
    ['AUTH.MFA_SEND_COOLDOWN', 429, 'MFA_SEND_COOLDOWN'],
    ['AUTH.ACCOUNT_LOCKED', 403, 'ACCOUNT_LOCKED'],
    ['AUTH.ACCOUNT_SUSPENDED', 403, 'ACCOUNT_SUSPENDED'],
    ['AUTH.ACCOUNT_REJECTED', 403, 'ACCOUNT_REJECTED'],
    ['ACCESS.UNAUTHORIZED', 401, 'UNAUTHORIZED'],
    ['4010', 401, 'UNAUTHORIZED'],
    ['4000', 400, 'VALIDATION_FAILED'],
    ['5000', 500, 'SERVER_ERROR'],
    ['SOMETHING.NEW', 418, 'SERVER_ERROR'],
    ['constructor', 400, 'SERVER_ERROR'],
  ])('maps %s to its Keyhole code', (serverCode, status, code) => {
    const e = errorFromResponse(status, { success: false, code: serverCode, message: 'localized text' });
    expect(e.code).toBe(code);
    expect(e.serverCode).toBe(serverCode);
    expect(e.message).toBe('localized text');
    expect(e.status).toBe(status);
  });

  it('maps a rate limit with Retry-After seconds', () => {
    const e = errorFromResponse(429, { success: false, code: 'RATE_LIMIT.EXCEEDED', message: 'Too many requests' }, '17');
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.retryAfterMs).toBe(17_000);
  });

  it('maps a bare 429 without an envelope', () => {
    const e = errorFromResponse(429, undefined, '2');
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.retryAfterMs).toBe(2000);
    expect(e.message).toBe('server: HTTP 429');
  });

  it('keeps validation field errors as details, and in the message (the message crosses RPC)', () => {
    const e = errorFromResponse(400, { success: false, code: 'VALIDATION.INVALID_PARAMETER', message: 'bad', data: { refreshToken: ['required'] } });
    expect(e.details).toEqual({ refreshToken: ['required'] });
    expect(e.message).toBe('bad (refreshToken: required)');
  });

  it('parses an HTTP-date Retry-After', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('KeyholeError', () => {
  it('carries code, message and extras', () => {
    const e = new KeyholeError('RATE_LIMITED', 'slow down', { status: 429, retryAfterMs: 1000 });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('KeyholeError');
    expect(e.toJSON()).toEqual({ name: 'KeyholeError', code: 'RATE_LIMITED', message: 'slow down', status: 429, retryAfterMs: 1000 });
  });

  it('is recognised with and without a code, also after a structured clone', () => {
    const e = new KeyholeError('TIMEOUT');
    expect(e.message).toBe('TIMEOUT');
    expect(isKeyholeError(e)).toBe(true);
    expect(isKeyholeError(e, 'TIMEOUT')).toBe(true);
    expect(isKeyholeError(e, 'NO_KEY')).toBe(false);
    expect(isKeyholeError({ ...e.toJSON() }, 'TIMEOUT')).toBe(true);
    expect(isKeyholeError(new Error('x'))).toBe(false);
  });
});
