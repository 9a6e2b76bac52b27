import { expect, test } from 'vitest';
import { stepAfterError } from '../../../src/popup/signin-steps';
import { errorFromResponse } from '../../../src/protocol/server-errors';

test.each([
  [404, 'AUTH.SESSION_NOT_FOUND'],
  [401, 'AUTH.LOGIN_SESSION_INVALID'],
  [429, 'AUTH.TOO_MANY_ATTEMPTS'],
])('an expired or exhausted login session (%s %s) sends the form back to email and password', (status, code) => {
  const e = errorFromResponse(status, { success: false, code, message: 'Login session expired' });
  expect(stepAfterError('code', e.code)).toBe('credentials');
});

test('every other failure keeps the user on the step they are on', () => {
  for (const code of ['MFA_CODE_INVALID', 'RATE_LIMITED', 'NETWORK_ERROR', 'VALIDATION_FAILED', undefined]) {
    expect(stepAfterError('code', code)).toBe('code');
  }
  expect(stepAfterError('credentials', 'LOGIN_SESSION_EXPIRED')).toBe('credentials');
});
