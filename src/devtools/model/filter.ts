/**
 * What the filter bar's free text searches (filter-query.ts parses and matches the terms): the path,
 * the response code and both decrypted bodies.
 */
import type { DecryptedExchange, DecryptedSide } from '../inspect-types';

/** Text of one side as searched and shown raw: the decrypted text, else the parsed JSON re-serialized. */
export function sideText(side: DecryptedSide): string {
  if (side.text !== undefined) return side.text;
  if (side.json !== undefined) {
    try {
      return JSON.stringify(side.json);
    } catch {
      return '';
    }
  }
  return '';
}

/** What a search looks at: the path, the response code and both decrypted bodies. */
export function searchHaystack(d: DecryptedExchange): string {
  return `${d.path}\n${d.responseCode ?? ''}\n${sideText(d.request)}\n${sideText(d.response)}`;
}
