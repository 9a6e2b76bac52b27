/**
 * The panel's filter bar, DevTools Network style: whitespace-separated terms combined by AND.
 *
 *   method:POST  status:401 (or 4xx)  code:AUTH.*  path:/token  session:<id>  larger-than:10k
 *   is:failed  is:resent  is:decrypted  is:plain   -term (negates)   "quoted text"   /regex/
 *
 * Any other word is free text searched in the path, the response code and both decrypted bodies (as
 * before). An unknown `key:value` is free text too, as in DevTools. Pure: parsed once per keystroke,
 * matched against thousands of rows, unit-tested without a DOM (test/unit/devtools/filter-query.test.ts).
 *
 * A bad term never throws into the UI: `parseFilter` returns a coded problem (localized by the
 * toolbar) and the list keeps its last good result.
 */
import type { RowSummary } from './row-summary';

export const FILTER_KEYS = ['method', 'status', 'code', 'path', 'session', 'larger-than', 'is'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export const IS_VALUES = ['failed', 'resent', 'decrypted', 'plain'] as const;

/** Filter input is user text: cap it so a pasted novel does not become thousands of terms or a pattern. */
export const MAX_FILTER_LENGTH = 500;

export interface FilterRow {
  summary: RowSummary;
  /** Lazily built search text (TrafficStore); a function so rows that fail cheap terms never build it. */
  haystack(): string;
  /** A re-send of another exchange (issue #9 "Resend") carries the original's id; read by `is:resent`. */
  resentFrom?: unknown;
  data?: { exchange?: { resentFrom?: unknown } };
}

export type FilterProblem =
  | { code: 'tooLong'; max: number }
  | { code: 'badRegex'; detail: string }
  | { code: 'badSize'; value: string }
  | { code: 'badIs'; value: string }
  | { code: 'badStatus'; value: string };

export type ParsedFilter = { ok: true; empty: boolean; test: (r: FilterRow) => boolean } | { ok: false; problem: FilterProblem };

type Test = (r: FilterRow) => boolean;

/**
 * Splits on whitespace; double quotes keep spaces inside one term (`path:"/a b"`, `"two words"`). A
 * quote opens only at the start of a term or right after `key:`; elsewhere it is a literal character
 * (JSON in a /regex/ or a search word).
 */
export function tokenize(input: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let any = false;
  for (const ch of input) {
    if (ch === '"' && (quoted || cur === '' || cur === '-' || (cur.endsWith(':') && isKey(cur.replace(/^-/, '').slice(0, -1).toLowerCase())))) {
      quoted = !quoted;
      any = true;
      continue;
    }
    if (!quoted && /\s/.test(ch)) {
      if (any) out.push(cur);
      cur = '';
      any = false;
      continue;
    }
    cur += ch;
    any = true;
  }
  if (any) out.push(cur);
  return out;
}

/** `*` is the only wildcard (DevTools `domain:` style); everything else is literal; case-insensitive. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/** `10k`, `1.5M`, `300` (bytes; k = 1024, M = 1024², like DevTools' larger-than). */
export function parseSize(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)[bB]?$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  return Math.round(n * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1));
}

function keyTest(key: FilterKey, value: string): Test | FilterProblem {
  const lower = value.toLowerCase();
  switch (key) {
    case 'method':
      return (r) => r.summary.method.toLowerCase() === lower;
    case 'status': {
      if (lower === 'none') return (r) => !r.summary.status;
      if (!/^[1-5][0-9x]{2}$/.test(lower)) return { code: 'badStatus', value };
      const re = new RegExp(`^${lower.replace(/x/g, '\\d')}$`);
      return (r) => r.summary.status !== undefined && re.test(String(r.summary.status));
    }
    case 'code': {
      const re = globToRegExp(value);
      return (r) => r.summary.responseCode !== undefined && re.test(r.summary.responseCode);
    }
    case 'path': {
      if (value.includes('*')) {
        const re = globToRegExp(value);
        return (r) => re.test(r.summary.path);
      }
      return (r) => r.summary.path.toLowerCase().includes(lower);
    }
    case 'session':
      return (r) => r.summary.sessionId !== undefined && r.summary.sessionId.toLowerCase().includes(lower);
    case 'larger-than': {
      const n = parseSize(value);
      if (n === undefined) return { code: 'badSize', value };
      // Either body: SCv2 uploads are as interesting as large answers.
      return (r) => Math.max(r.summary.requestSize, r.summary.responseSize) > n;
    }
    case 'is':
      switch (lower) {
        case 'failed':
          // Decryption failed, or the call never got an answer (network error).
          return (r) => r.summary.verdict === 'failed' || r.summary.networkError === true;
        case 'resent':
          return (r) => (r.resentFrom ?? r.data?.exchange?.resentFrom ?? null) !== null;
        case 'decrypted':
          return (r) => r.summary.verdict === 'decrypted';
        case 'plain':
          return (r) => r.summary.verdict === 'plain';
        default:
          return { code: 'badIs', value };
      }
  }
}

function textTest(word: string): Test | FilterProblem {
  if (word.length > 2 && word.startsWith('/') && word.endsWith('/')) {
    let re: RegExp;
    try {
      re = new RegExp(word.slice(1, -1), 'i');
    } catch (e) {
      return { code: 'badRegex', detail: e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e) };
    }
    return (r) => re.test(r.haystack());
  }
  const needle = word.toLowerCase();
  return (r) => r.haystack().toLowerCase().includes(needle);
}

function isKey(k: string): k is FilterKey {
  return (FILTER_KEYS as readonly string[]).includes(k);
}

/** The filter bar's text → one predicate. Cheap column terms run before body searches. */
export function parseFilter(input: string): ParsedFilter {
  if (input.length > MAX_FILTER_LENGTH) return { ok: false, problem: { code: 'tooLong', max: MAX_FILTER_LENGTH } };
  const cheap: Test[] = [];
  const costly: Test[] = [];
  for (const raw of tokenize(input)) {
    const negate = raw.startsWith('-') && raw.length > 1;
    const term = negate ? raw.slice(1) : raw;
    const colon = term.indexOf(':');
    const key = colon > 0 ? term.slice(0, colon).toLowerCase() : '';
    let t: Test | FilterProblem;
    let isCheap = true;
    if (isKey(key)) {
      const value = term.slice(colon + 1);
      // A key typed without its value yet ("method:") filters nothing until the value comes.
      if (value === '') continue;
      t = keyTest(key, value);
    } else {
      t = textTest(term);
      isCheap = false;
    }
    if (typeof t !== 'function') return { ok: false, problem: t };
    const test = t;
    const final: Test = negate ? (r) => !test(r) : test;
    (isCheap ? cheap : costly).push(final);
  }
  const all = [...cheap, ...costly];
  if (all.length === 0) return { ok: true, empty: true, test: () => true };
  return { ok: true, empty: false, test: (r) => all.every((t) => t(r)) };
}

/** Values the rows offer for a key's suggestions (distinct, most frequent first, capped). */
export interface SuggestionSource {
  methods: string[];
  statuses: string[];
  codes: string[];
  sessions: string[];
}

export function collectSuggestionSource(rows: readonly FilterRow[], cap = 12): SuggestionSource {
  const count = (pick: (r: FilterRow) => string | undefined) => {
    const m = new Map<string, number>();
    for (const r of rows) {
      const v = pick(r);
      if (v) m.set(v, (m.get(v) ?? 0) + 1);
    }
    return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, cap).map(([v]) => v);
  };
  return {
    methods: count((r) => r.summary.method),
    statuses: count((r) => (r.summary.status ? String(r.summary.status) : undefined)),
    codes: count((r) => r.summary.responseCode),
    sessions: count((r) => r.summary.sessionId),
  };
}

/**
 * Completions for the term being typed (the last one): a key prefix → matching `key:` names; after
 * `key:` → the values the rows offer. Each suggestion is the whole new input, so accepting one is a
 * plain replace.
 */
export function suggest(input: string, src: SuggestionSource, max = 8): string[] {
  if (input.length > MAX_FILTER_LENGTH || /\s$/.test(input) || /(^|\s|:)"[^"]*$/.test(input)) return [];
  const start = input.search(/\S+$/);
  if (start < 0) return [];
  const before = input.slice(0, start);
  let word = input.slice(start);
  const neg = word.startsWith('-') ? '-' : '';
  word = word.slice(neg.length);
  const colon = word.indexOf(':');
  if (colon < 0) {
    const lower = word.toLowerCase();
    return FILTER_KEYS.filter((k) => k.startsWith(lower) && k !== lower)
      .map((k) => `${before}${neg}${k}:`)
      .slice(0, max);
  }
  const key = word.slice(0, colon).toLowerCase();
  if (!isKey(key)) return [];
  const typed = word.slice(colon + 1).toLowerCase();
  const values: readonly string[] =
    key === 'method' ? src.methods
    : key === 'status' ? src.statuses
    : key === 'code' ? src.codes
    : key === 'session' ? src.sessions
    : key === 'is' ? IS_VALUES
    : key === 'larger-than' ? ['1k', '10k', '100k', '1M']
    : [];
  return values
    .filter((v) => v.toLowerCase().startsWith(typed) && v.toLowerCase() !== typed)
    .map((v) => `${before}${neg}${key}:${v}`)
    .slice(0, max);
}
