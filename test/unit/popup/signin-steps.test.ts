import { expect, test } from 'vitest';
import { stepAfterError } from '../../../src/popup/signin-steps';
import { errorFromResponse } from '../../../src/protocol/server-errors';

test('an expired or exhausted login session sends the form back to email and password', () => {
  const e = errorFromResponse(401, { success: false, code: 'AUTH.LOGIN_SESSION_INVALID', message: 'Login session expired' });
  expect(stepAfterError('code', e.code)).toBe('credentials');
});

test('every other failure keeps the user on the step they are on', () => {
  for (const code of ['MFA_CODE_INVALID', 'RATE_LIMITED', 'NETWORK_ERROR', 'VALIDATION_FAILED', undefined]) {
    expect(stepAfterError('code', code)).toBe('code');
  }
  expect(stepAfterError('credentials', 'LOGIN_SESSION_EXPIRED')).toBe('credentials');
});
