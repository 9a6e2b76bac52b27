/**
 * The SCv2 calls that hand out or spend tokens (§11), for the relay's flood bound (relay-limit.ts). Apart from
 * filter.ts so the ISOLATED relay does not carry the hook's saved builtins (its own world: nothing to guard).
 */
const AUTH_PATH = /\/auth\/(?:login\/complete|token\/refresh|logout)\/?$/i;

/** Login complete, refresh, logout — with any query or fragment. */
export function isAuthUrl(url: string): boolean {
  const q = url.search(/[?#]/);
  return AUTH_PATH.test(q < 0 ? url : url.slice(0, q));
}
