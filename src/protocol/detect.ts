/**
 * Body-form detection (spec §8, §9, §12 "response form": detect by magic, then JSON shape).
 *
 * Order matters: the binary magic first (a binary envelope is never valid UTF-8 JSON anyway, but the
 * check is O(1)), then `{"v","p"}`, then any JSON. Strings are accepted too because HAR files and
 * DevTools give bodies as text; a string starting "SC" followed by a control character is a
 * Latin-1 "binary string", which no JSON or prose body looks like.
 */
import { hasEnvelopeMagic } from './envelope-binary';
import { looksLikeJsonEnvelope } from './envelope-json';

export type BodyForm = 'binary' | 'json-envelope' | 'plain-json' | 'empty' | 'other';

const decoder = new TextDecoder('utf-8', { fatal: true });

export function detectBodyForm(body: Uint8Array | string): BodyForm {
  let text: string;
  if (typeof body === 'string') {
    if (body.length >= 3 && body.charCodeAt(0) === 0x53 && body.charCodeAt(1) === 0x43 && body.charCodeAt(2) < 0x20) return 'binary';
    text = body;
  } else {
    if (hasEnvelopeMagic(body)) return 'binary';
    try {
      text = decoder.decode(body);
    } catch {
      return 'other';
    }
  }
  const t = text.trim();
  if (t.length === 0) return 'empty';
  if (looksLikeJsonEnvelope(t)) return 'json-envelope';
  try {
    JSON.parse(t);
    return 'plain-json';
  } catch {
    return 'other';
  }
}
