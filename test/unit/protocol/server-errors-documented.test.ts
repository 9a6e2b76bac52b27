/**
 * §11 of the protocol reference lists the documented error codes; a client must recognise each one and
 * show the server's own message for any code it does not know (issue #11).
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { errorFromResponse } from '../../../src/protocol/server-errors';
import { errorText } from '../../../src/ui/i18n';
import { catalogue, i18nStub } from '../helpers/en-catalogue';

const LOCALES = ['en', 'zh_CN', 'zh_TW', 'ja', 'vi'];

/** The §11 table (scv2-protocol.md), with its HTTP statuses, plus the numeric scheme. */
const DOCUMENTED: Array<[string, number]> = [
  ['AUTH.INVALID_CREDENTIALS', 401],
  ['AUTH.SESSION_NOT_FOUND', 404],
  ['AUTH.ACCOUNT_LOCKED', 403],
  ['AUTH.ACCOUNT_SUSPENDED', 403],
  ['AUTH.ACCOUNT_REJECTED', 403],
  ['AUTH.MFA_CODE_INVALID', 400],
  ['AUTH.MFA_SEND_COOLDOWN', 429],
  ['AUTH.TOO_MANY_ATTEMPTS', 429],
  ['AUTH.FINGERPRINT_MISMATCH', 403],
  ['AUTH.REFRESH_TOKEN_INVALID', 401],
  ['ACCESS.UNAUTHORIZED', 401],
  ['ACCESS.TOKEN_MISSING', 401],
  ['ACCESS.PERMISSION_DENIED', 403],
  ['VALIDATION.INVALID_PARAMETER', 400],
  ['SECURE_CHANNEL.INVALID_PAYLOAD', 400],
  ['SECURE_CHANNEL.SESSION_NOT_FOUND', 401],
  ['4000', 400],
  ['4010', 401],
];
/** Documented codes that say only "server error": the words are the server's message (tested below). */
const GENERIC: Array<[string, number]> = [
  ['SYSTEM.INTERNAL_ERROR', 500],
  ['5000', 500],
];

describe('documented codes (§11)', () => {
  test.each(DOCUMENTED)('%s maps to a specific code with its own words in every locale', (serverCode, status) => {
    const e = errorFromResponse(status, { success: false, code: serverCode, message: 'x' });
    expect(e.code).not.toBe('SERVER_ERROR');
    expect(e.serverCode).toBe(serverCode);
    for (const l of LOCALES) expect(catalogue(l)[`err_${e.code}`]?.message, `${l}: err_${e.code}`).toBeTruthy();
  });

  test.each(GENERIC)('%s is a server error', (serverCode, status) => {
    expect(errorFromResponse(status, { success: false, code: serverCode, message: 'x' }).code).toBe('SERVER_ERROR');
  });
});

describe('errorText in the browser language', () => {
  const en = catalogue('en');
  beforeEach(() => {
    vi.stubGlobal('chrome', i18nStub('en'));
  });
  afterEach(() => vi.unstubAllGlobals());

  test('an expired login session says why and what to do', () => {
    const e = errorFromResponse(404, { success: false, code: 'AUTH.SESSION_NOT_FOUND', message: 'Authentication session was not found' });
    expect(errorText(e.code, e.message)).toBe(en.err_LOGIN_SESSION_EXPIRED!.message);
    expect(errorText(e.code, e.message)).toMatch(/email and password/);
  });

  test('an unknown code shows the server’s own message, never the generic text alone', () => {
    const e = errorFromResponse(409, { success: false, code: 'BILLING.QUOTA_REACHED', message: 'Monthly quota reached' });
    const text = errorText(e.code, e.message);
    expect(text).toContain('Monthly quota reached');
  });

  test('a validation refusal shows the field that failed', () => {
    const e = errorFromResponse(400, { success: false, code: 'VALIDATION.INVALID_PARAMETER', message: 'Invalid request parameters', data: { password: ['Must be 8 to 128 characters'] } });
    expect(errorText(e.code, e.message)).toContain('password: Must be 8 to 128 characters');
  });

  test('no envelope: the generic words, without our HTTP stand-in', () => {
    const e = errorFromResponse(502, undefined);
    expect(errorText(e.code, e.message)).toBe(en.err_SERVER_ERROR!.message);
  });
});
