/**
 * The refresh tokens a hand-made request body carries (issue #9: a resend, a compose or `keyhole send`
 * must not present a single-use token that is already spent — §12 reuse detection revokes the family).
 *
 * §11 puts it at the top level (`{"refreshToken": "…"}`); an edited body may nest it or use the
 * snake_case spelling, and the guard must not be fooled by that. Depth and count are bounded: the body
 * is user input.
 */
const NAMES = /^refresh_?token$/i;

export function refreshTokensIn(json: unknown, maxDepth = 8): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > maxDepth || out.length >= 16 || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      for (const x of v.slice(0, 256)) walk(x, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (NAMES.test(k) && typeof x === 'string' && x.length > 0) out.push(x);
      else walk(x, depth + 1);
    }
  };
  walk(json, 0);
  return [...new Set(out)];
}
