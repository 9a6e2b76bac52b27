/**
 * "Copy as cURL" for a decrypted exchange. It carries the *plaintext* body the user sees, so a leading
 * shell comment says that the wire body was an SCv2 envelope: replaying this command against a real
 * SCv2 endpoint is answered SECURE_CHANNEL.INVALID_PAYLOAD (spec §11) unless the body is re-encrypted.
 */
import type { DecryptedExchange } from '../inspect-types';
import { sideText } from './filter';

/** POSIX single-quoting: the only character that needs care inside '…' is the quote itself. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Headers curl computes itself, or that only make sense for the original connection. */
const SKIP_HEADERS = new Set(['content-length', 'host', 'connection', 'accept-encoding']);

export function buildCurl(d: DecryptedExchange): string {
  const ex = d.exchange;
  const lines: string[] = [];
  const encrypted = d.request.form === 'binary' || d.request.form === 'json-envelope';
  if (encrypted) {
    lines.push(
      `# Keyhole: decrypted plaintext shown. On the wire this body was an SCv2 ${d.request.form} envelope` +
        (d.sessionId ? ` (session ${d.sessionId})` : '') +
        '; re-encrypt it with the session request key before replaying.',
    );
  }
  const parts = [`curl ${shellQuote(ex.url)}`];
  const method = ex.method.toUpperCase();
  const body = d.request.status === 'decrypted' || d.request.status === 'plain' ? sideText(d.request) : '';
  if (method !== 'GET' || body) parts.push(`-X ${method}`);
  for (const [name, value] of Object.entries(ex.requestHeaders)) {
    if (name.startsWith(':') || SKIP_HEADERS.has(name.toLowerCase())) continue;
    parts.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  }
  if (body) parts.push(`--data-raw ${shellQuote(body)}`);
  lines.push(parts.join(' \\\n  '));
  return lines.join('\n');
}
