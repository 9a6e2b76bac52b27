/**
 * Incremental HAR reader: finds `log.entries` in the file text and hands out the entries a few at a
 * time, each parsed with its own JSON.parse, so the first rows are converted, decrypted and painted
 * before the rest of a 30 MB file has been read or parsed (a whole-file JSON.parse is ~0.2–0.6 s).
 *
 * The text can arrive in pieces (a File's stream). The scanner walks only the file's outer structure
 * — `{ …, "log": { …, "entries": [ e0, e1, … ], … }, … }` — matching braces while skipping JSON
 * strings, and JSON.parse()s every value it steps over (entries and the other members alike), so a
 * file is accepted only when a whole-file JSON.parse would accept it too. Anything unusual for a HAR
 * (another top-level shape, `log` or `entries` twice, a value that does not parse, a BOM) makes it
 * give up: the caller then falls back to the whole-file parse, which decides (and names the error,
 * INPUT_INVALID or SCHEMA_INVALID, exactly as before).
 */

const enum S {
  TopOpen,
  TopKey,
  TopAfter,
  LogOpen,
  LogKey,
  LogAfter,
  EntriesFirst,
  EntriesAfter,
  End,
}

export type TakeResult =
  /** Entries parsed this call (possibly fewer than asked: the rest of the text has not arrived). */
  | { status: 'entries'; entries: unknown[] }
  /** Nothing more can be read until more text is pushed. */
  | { status: 'need-data' }
  /** The whole file was read (and found well-formed). */
  | { status: 'done' }
  /** Not the usual layout, or not JSON: fall back to JSON.parse of the whole text. */
  | { status: 'unusual' };

const INCOMPLETE = -1;
const INVALID = -2;
const KEY_NEEDS_PARSE = /[\\\0-\x1f]/;

export class HarScanner {
  private buf = '';
  private pos = 0;
  private state = S.TopOpen;
  private ended = false;
  private failed = false;
  private seenLog = false;
  private seenEntries = false;
  /** After an incomplete value: do not rescan it before the unread text has at least doubled. */
  private retryAt = 0;
  /** Entries handed out so far. */
  count = 0;
  /** Characters consumed (pushed minus still buffered). */
  private consumedBefore = 0;

  push(piece: string): void {
    if (this.pos > 0) {
      this.consumedBefore += this.pos;
      this.buf = this.buf.slice(this.pos) + piece;
      this.pos = 0;
    } else this.buf += piece;
  }

  end(): void {
    this.ended = true;
  }

  /** Characters of the text consumed so far (for a progress estimate). */
  consumed(): number {
    return this.consumedBefore + this.pos;
  }

  /** True once the scanner is inside the entries array (the file looks like a HAR). */
  inEntries(): boolean {
    return this.state === S.EntriesFirst || this.state === S.EntriesAfter;
  }

  take(max: number): TakeResult {
    if (this.failed) return { status: 'unusual' };
    if (!this.ended && this.buf.length - this.pos < this.retryAt) return { status: 'need-data' };
    this.retryAt = 0;
    const out: unknown[] = [];
    const r = this.run(out, max);
    if (r === 'unusual') {
      this.failed = true;
      this.buf = '';
      this.pos = 0;
      return { status: 'unusual' };
    }
    if (out.length > 0) return { status: 'entries', entries: out };
    return r === 'done' ? { status: 'done' } : { status: 'need-data' };
  }

  private run(out: unknown[], max: number): 'more' | 'need-data' | 'done' | 'unusual' {
    const b = this.buf;
    for (;;) {
      const i = this.skipWs(b, this.pos);
      if (i >= b.length) {
        if (!this.ended) return 'need-data';
        return this.state === S.End ? 'done' : 'unusual';
      }
      const c = b.charCodeAt(i);
      switch (this.state) {
        case S.TopOpen:
          if (c !== 0x7b /* { */) return 'unusual';
          this.pos = i + 1;
          this.state = S.TopKey;
          if (this.closesEmpty(b, this.pos, 0x7d)) return 'unusual'; // {} is no HAR
          break;
        case S.LogOpen:
          if (c !== 0x7b) return 'unusual';
          this.pos = i + 1;
          this.state = S.LogKey;
          if (this.closesEmpty(b, this.pos, 0x7d)) return 'unusual';
          break;
        case S.TopKey:
        case S.LogKey: {
          const top = this.state === S.TopKey;
          const k = this.member(b, i);
          if (k === INCOMPLETE) return this.incomplete(i);
          if (typeof k !== 'object') return 'unusual';
          if (top && k.key === 'log') {
            if (this.seenLog) return 'unusual';
            this.seenLog = true;
            this.pos = k.valueAt;
            this.state = S.LogOpen;
            break;
          }
          if (!top && k.key === 'entries') {
            if (this.seenEntries) return 'unusual';
            this.seenEntries = true;
            if (b.charCodeAt(k.valueAt) !== 0x5b /* [ */) return 'unusual';
            this.pos = k.valueAt + 1;
            this.state = S.EntriesFirst;
            break;
          }
          // Some other member (version, creator, pages, …): step over it, but it must parse.
          const end = skipValue(b, k.valueAt, this.ended);
          if (end === INCOMPLETE) return this.incomplete(i);
          if (end === INVALID || !parses(b, k.valueAt, end)) return 'unusual';
          this.pos = end;
          this.state = top ? S.TopAfter : S.LogAfter;
          break;
        }
        case S.TopAfter:
        case S.LogAfter: {
          const top = this.state === S.TopAfter;
          if (c === 0x2c /* , */) {
            this.pos = i + 1;
            this.state = top ? S.TopKey : S.LogKey;
          } else if (c === 0x7d /* } */) {
            this.pos = i + 1;
            if (top) {
              if (!this.seenLog) return 'unusual';
              this.state = S.End;
            } else {
              if (!this.seenEntries) return 'unusual';
              this.state = S.TopAfter;
            }
          } else return 'unusual';
          break;
        }
        case S.EntriesFirst:
        case S.EntriesAfter: {
          let at = i;
          if (this.state === S.EntriesAfter || c === 0x5d /* ] */) {
            if (c === 0x5d) {
              this.pos = i + 1;
              this.state = S.LogAfter;
              break;
            }
            if (c !== 0x2c) return 'unusual';
            at = this.skipWs(b, i + 1);
            if (at >= b.length) {
              if (!this.ended) return this.incomplete(i);
              return 'unusual';
            }
          }
          if (out.length >= max) return 'more';
          const end = skipValue(b, at, this.ended);
          if (end === INCOMPLETE) return this.incomplete(i);
          if (end === INVALID) return 'unusual';
          let entry: unknown;
          try {
            entry = JSON.parse(b.slice(at, end));
          } catch {
            return 'unusual';
          }
          out.push(entry);
          this.count++;
          this.pos = end;
          this.state = S.EntriesAfter;
          break;
        }
        case S.End:
          return 'unusual'; // something after the top-level object
      }
    }
  }

  /** `"key" :` at i → the key and where its value starts. */
  private member(b: string, i: number): { key: string; valueAt: number } | typeof INCOMPLETE | typeof INVALID {
    if (b.charCodeAt(i) !== 0x22 /* " */) return INVALID;
    const end = stringEnd(b, i);
    if (end === INCOMPLETE) return this.ended ? INVALID : INCOMPLETE;
    let key = b.slice(i + 1, end - 1);
    if (KEY_NEEDS_PARSE.test(key)) {
      try {
        key = JSON.parse(b.slice(i, end)) as string;
      } catch {
        return INVALID;
      }
    }
    const colon = this.skipWs(b, end);
    if (colon >= b.length) return this.ended ? INVALID : INCOMPLETE;
    if (b.charCodeAt(colon) !== 0x3a /* : */) return INVALID;
    const valueAt = this.skipWs(b, colon + 1);
    if (valueAt >= b.length) return this.ended ? INVALID : INCOMPLETE;
    return { key, valueAt };
  }

  private closesEmpty(b: string, from: number, close: number): boolean {
    const i = this.skipWs(b, from);
    return i < b.length && b.charCodeAt(i) === close;
  }

  private incomplete(resumeAt: number): 'need-data' | 'unusual' {
    if (this.ended) return 'unusual';
    this.pos = resumeAt;
    this.retryAt = 2 * (this.buf.length - resumeAt);
    return 'need-data';
  }

  private skipWs(b: string, i: number): number {
    for (; i < b.length; i++) {
      const c = b.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    }
    return i;
  }
}

function parses(b: string, from: number, to: number): boolean {
  try {
    JSON.parse(b.slice(from, to));
    return true;
  } catch {
    return false;
  }
}

/** Index just past the closing quote of the JSON string opening at i, or INCOMPLETE. */
function stringEnd(b: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = b.indexOf('"', j);
    if (q < 0) return INCOMPLETE;
    let n = 0;
    for (let k = q - 1; b.charCodeAt(k) === 0x5c /* \ */; k--) n++;
    if ((n & 1) === 0) return q + 1;
    j = q + 1;
  }
}

/**
 * End (exclusive) of the JSON value starting at i: strings skipped whole, brackets counted. Not a
 * validator — the slice is JSON.parse()d afterwards; this only has to find where a valid value ends.
 */
export function skipValue(b: string, i: number, ended: boolean): number {
  const c = b.charCodeAt(i);
  if (c === 0x22) return stringEnd(b, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < b.length; j++) {
      const d = b.charCodeAt(j);
      if (d === 0x22) {
        const e = stringEnd(b, j);
        if (e === INCOMPLETE) return INCOMPLETE;
        j = e - 1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        if (--depth === 0) return j + 1;
        if (depth < 0) return INVALID;
      }
    }
    return INCOMPLETE;
  }
  if (c === 0x7d || c === 0x5d || c === 0x2c || c === 0x3a) return INVALID;
  // A number or a literal: up to the next delimiter (at the end of the text only once it has all arrived).
  for (let j = i; j < b.length; j++) {
    const d = b.charCodeAt(j);
    if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) return j;
  }
  return ended ? b.length : INCOMPLETE;
}
