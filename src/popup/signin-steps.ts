/**
 * Pure step logic of the sign-in form (§11: login/initiate opens a short-lived login session that
 * login/complete needs). Kept out of the component so unit tests can pin it without a DOM.
 */

export type SignInStep = 'credentials' | 'code';

/**
 * Where the form goes after a failed call at `step`. A login session that is unknown or expired
 * (LOGIN_SESSION_EXPIRED: §11 `AUTH.SESSION_NOT_FOUND`, older gateways' `AUTH.LOGIN_SESSION_INVALID`)
 * or used up its attempts (TOO_MANY_ATTEMPTS) cannot take another code: only a new login/initiate
 * helps, so the form returns to email and password — with the error's sentence saying why. Every other
 * failure (a wrong code, a rate limit, the network) leaves the user where they are, to try again.
 */
const RESTART_CODES = new Set(['LOGIN_SESSION_EXPIRED', 'TOO_MANY_ATTEMPTS']);

export function stepAfterError(step: SignInStep, code: string | undefined): SignInStep {
  if (step === 'code' && code !== undefined && RESTART_CODES.has(code)) return 'credentials';
  return step;
}
