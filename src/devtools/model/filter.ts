/**
 * The list's filter predicate: free-text or regex search across the decrypted bodies, plus path,
 * status class and "failed only" filters. Pure, so it is unit-tested without a DOM.
 *
 * A bad regex never throws into the UI: `compileSearch` returns a message the toolbar shows inline
 * while the list keeps showing the last valid result.
 */
import type { DecryptedExchange, DecryptedSide } from '../inspect-types';
import type { RowSummary } from './row-summary';

export type StatusClass = 'all' | '2xx' | '3xx' | '4xx' | '5xx' | 'none';

export interface FilterState {
  query: string;
  regex: boolean;
  path: string;
  status: StatusClass;
  failedOnly: boolean;
}

export const EMPTY_FILTER: FilterState = { query: '', regex: false, path: '', status: 'all', failedOnly: false };

export type SearchMatcher = { ok: true; test: (haystack: string) => boolean } | { ok: false; message: string };

/** Regex bodies are user input: cap the length so a pasted novel does not become the pattern. */
const MAX_PATTERN = 500;

export function compileSearch(query: string, regex: boolean): SearchMatcher {
  if (query === '') return { ok: true, test: () => true };
  if (query.length > MAX_PATTERN) return { ok: false, message: `Search is longer than ${MAX_PATTERN} characters` };
  if (!regex) {
    const needle = query.toLowerCase();
    return { ok: true, test: (h) => h.toLowerCase().includes(needle) };
  }
  let re: RegExp;
  try {
    re = new RegExp(query, 'i');
  } catch (e) {
    return { ok: false, message: `Invalid regular expression: ${e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e)}` };
  }
  return { ok: true, test: (h) => re.test(h) };
}

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

export function statusMatches(status: number | undefined, cls: StatusClass): boolean {
  if (cls === 'all') return true;
  if (cls === 'none') return status === undefined || status === 0;
  if (status === undefined) return false;
  return Math.floor(status / 100) === Number(cls[0]);
}

export interface FilterableRow {
  summary: RowSummary;
  /** Lazily computed haystack (see TrafficStore); a function so rows that fail cheap filters never build it. */
  haystack(): string;
}

/**
 * Builds the predicate once per filter change. Cheap column filters run first so the body search only
 * touches rows that survive them.
 */
export function buildPredicate(f: FilterState): { ok: true; test: (r: FilterableRow) => boolean } | { ok: false; message: string } {
  const search = compileSearch(f.query, f.regex);
  if (!search.ok) return search;
  const pathNeedle = f.path.trim().toLowerCase();
  return {
    ok: true,
    test: (r) => {
      const s = r.summary;
      if (f.failedOnly && s.verdict !== 'failed') return false;
      if (!statusMatches(s.status, f.status)) return false;
      if (pathNeedle && !s.path.toLowerCase().includes(pathNeedle)) return false;
      return f.query === '' || search.test(r.haystack());
    },
  };
}
