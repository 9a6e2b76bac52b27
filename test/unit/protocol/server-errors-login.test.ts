/**
 * Every code the gateway documents for login (§11; src/gateway/README.md) must reach the user as
 * specific words, never as the generic "The gateway reported an error." (err_SERVER_ERROR).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { errorFromResponse } from '../../../src/protocol/server-errors';

const dir = resolve(import.meta.dirname, '../../../public/_locales');
const LOCALES = ['en', 'zh_CN', 'zh_TW', 'ja', 'vi'];
const load = (l: string) => JSON.parse(readFileSync(resolve(dir, l, 'messages.json'), 'utf8')) as Record<string, { message: string }>;

const LOGIN_CODES: Array<[string, number]> = [
  ['AUTH.INVALID_CREDENTIALS', 401],
  ['AUTH.MFA_CODE_INVALID', 400],
  ['AUTH.SESSION_NOT_FOUND', 404],
  ['AUTH.LOGIN_SESSION_INVALID', 401],
  ['AUTH.TOO_MANY_ATTEMPTS', 429],
  ['VALIDATION.INVALID_PARAMETER', 400],
  ['RATE_LIMIT.EXCEEDED', 429],
  ['ACCESS.PERMISSION_DENIED', 403],
  ['AUTH.FINGERPRINT_MISMATCH', 403],
];

describe('login errors', () => {
  test('an expired login session has its own code (documented §11, and the older gateway code)', () => {
    const d = errorFromResponse(404, { success: false, code: 'AUTH.SESSION_NOT_FOUND', message: 'Authentication session was not found' });
    expect(d).toMatchObject({ code: 'LOGIN_SESSION_EXPIRED', serverCode: 'AUTH.SESSION_NOT_FOUND', status: 404 });
    const e = errorFromResponse(401, { success: false, code: 'AUTH.LOGIN_SESSION_INVALID', message: 'Login session expired or invalid' });
    expect(e).toMatchObject({ code: 'LOGIN_SESSION_EXPIRED', serverCode: 'AUTH.LOGIN_SESSION_INVALID', status: 401 });
  });

  test.each(LOGIN_CODES)('%s maps to a specific code with its own localized message in every locale', (serverCode, status) => {
    const code = errorFromResponse(status, { success: false, code: serverCode, message: 'x' }).code;
    expect(code).not.toBe('SERVER_ERROR');
    for (const l of LOCALES) {
      const m = load(l);
      const text = m[`err_${code}`]?.message;
      expect(text, `${l}: err_${code}`).toBeTruthy();
      expect(text, `${l}: err_${code}`).not.toBe(m.err_SERVER_ERROR?.message);
    }
  });
});
