/**
 * Masking of tokens and keys for display (architecture.md §2: masked in every UI by default).
 * Which JSON fields count as secrets is decided by name, because SCv2 bodies are ordinary JSON whose
 * token fields have well-known names (spec §11) and a name list errs on the side of hiding.
 */

const SECRET_KEY_RE = /(^|_|-)(access_?token|refresh_?token|id_?token|token|password|secret|otp|code_?verifier|private_?key|request_?key|response_?key|enc_?req_?key|enc_?resp_?key|authorization)$/i;

export function isSecretField(name: string): boolean {
  return SECRET_KEY_RE.test(name);
}

/** Keeps enough to recognise a value (first 6 and last 4 characters) without revealing it. */
export function maskSecret(value: string): string {
  if (value.length <= 12) return '•'.repeat(Math.max(4, value.length));
  return `${value.slice(0, 6)}…${value.slice(-4)}`;
}

/** Deep copy of a JSON value with secret string fields masked (for the tree and raw views when masked). */
export function maskJson(value: unknown, depth = 0): unknown {
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskJson(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = typeof v === 'string' && isSecretField(k) ? maskSecret(v) : maskJson(v, depth + 1);
  }
  return out;
}
