/**
 * Pure step logic of the sign-in form (§11: login/initiate opens a short-lived login session that
 * login/complete needs). Kept out of the component so unit tests can pin it without a DOM.
 */

export type SignInStep = 'credentials' | 'code';

/**
 * Where the form goes after a failed call at `step`. A login session that expired or used up its
 * attempts (LOGIN_SESSION_EXPIRED, gateway `AUTH.LOGIN_SESSION_INVALID`) cannot take another code:
 * only a new login/initiate helps, so the form returns to email and password. Every other failure
 * (a wrong code, a rate limit, the network) leaves the user where they are, to try again.
 */
export function stepAfterError(step: SignInStep, code: string | undefined): SignInStep {
  if (step === 'code' && code === 'LOGIN_SESSION_EXPIRED') return 'credentials';
  return step;
}
