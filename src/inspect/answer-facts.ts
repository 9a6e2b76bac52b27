/**
 * What the list needs of a decrypted answer — its `code` (the code column) and whether `data` carries a
 * token pair (the follow check) — read straight from the plaintext bytes, without making its text or
 * its JSON tree. A HAR import reads this from 10,000 answers of ~1 KiB and keeps neither: making each
 * text (`String.fromCharCode.apply` spreads the bytes into an argument list) and parsing it was ~50 MB
 * of garbage per import (issue #12, the panel bench's BENCH_ALLOC).
 *
 * Sound, not complete: the answer is `undefined` ("unsure") for anything outside the plain case — a
 * byte over 0x7F, an escape in a key it compares or a value it keeps, anything JSON.parse would not
 * accept — and the caller then decodes and parses as before. When it does answer, the object it returns
 * reads the same as `JSON.parse` of the text for `code`, `data`, `data.accessToken` and
 * `data.refreshToken` (last duplicate wins, as in JSON.parse), except that a value which is neither a
 * string nor a number (nor, for `data`, an object) is `null`: the callers only check those types.
 * `null` itself when the JSON is not an object. `test/unit/inspect/answer-facts.test.ts` holds it to
 * JSON.parse on generated and mutated inputs.
 */

export type AnswerData = { accessToken?: unknown; refreshToken?: unknown };
export type AnswerFacts = { code?: unknown; data?: AnswerData | null } | null;

const OBJ = 1;
const ARR = 2;

// Keys the callers read, by where they are: CODE and DATA at the top level, the tokens in that `data`.
const NONE = 0;
const CODE = 1;
const DATA = 2;
const ACCESS = 3;
const REFRESH = 4;

const bytesOf = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const K_CODE = bytesOf('code');
const K_DATA = bytesOf('data');
const K_ACCESS = bytesOf('accessToken');
const K_REFRESH = bytesOf('refreshToken');
const TRUE = bytesOf('true');
const FALSE = bytesOf('false');
const NULL = bytesOf('null');

/** Bytes a string's inside stops at: 1 for '"' and '\', 2 for what JSON forbids or this reader does not take (controls, non-ASCII). */
const STOP = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 0x20; c++) t[c] = 2;
  for (let c = 0x80; c < 0x100; c++) t[c] = 2;
  t[0x22] = 1;
  t[0x5c] = 1;
  return t;
})();

// One reading at a time (synchronous): its state lives here rather than in closures made per call.
const NO_BYTES = new Uint8Array(0);
let b: Uint8Array = NO_BYTES;
let n = 0;
let i = 0;
/** The last string or number read: where it starts and ends (quotes excluded), and whether it had an escape. */
let sStart = 0;
let sEnd = 0;
let escaped = false;

function ws(): void {
  while (i < n) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
    i++;
  }
}

/** A string at b[i] === '"'; false when malformed (or not ASCII). */
function str(): boolean {
  i++;
  sStart = i;
  escaped = false;
  for (;;) {
    while (i < n && STOP[b[i]] === 0) i++;
    if (i >= n) return false;
    const c = b[i++];
    if (c === 0x22) break;
    if (c !== 0x5c) return false;
    escaped = true;
    if (i >= n) return false;
    const e = b[i++];
    if (e === 0x75) {
      for (let k = 0; k < 4; k++) {
        const h = i < n ? b[i++] | 0x20 : 0;
        if (!((h >= 0x30 && h <= 0x39) || (h >= 0x61 && h <= 0x66))) return false;
      }
    } else if (e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return false;
  }
  sEnd = i - 1;
  return true;
}

function digits(): boolean {
  const s = i;
  while (i < n && b[i] >= 0x30 && b[i] <= 0x39) i++;
  return i > s;
}

/** A number by JSON's grammar. */
function num(): boolean {
  sStart = i;
  if (b[i] === 0x2d) i++;
  if (i < n && b[i] === 0x30) i++;
  else if (!digits()) return false;
  if (i < n && b[i] === 0x2e) {
    i++;
    if (!digits()) return false;
  }
  if (i < n && (b[i] | 0x20) === 0x65) {
    i++;
    if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    if (!digits()) return false;
  }
  sEnd = i;
  return true;
}

function lit(w: number[]): boolean {
  for (let j = 0; j < w.length; j++) if (b[i + j] !== w[j]) return false;
  i += w.length;
  return true;
}

function keyIs(k: number[]): boolean {
  if (sEnd - sStart !== k.length) return false;
  for (let j = 0; j < k.length; j++) if (b[sStart + j] !== k[j]) return false;
  return true;
}

const text = (start: number, end: number) => String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);

/**
 * A key and its colon at i (the string expected there), at `depth` open containers; `inData`: those are
 * the top-level `data` object's. The key's meaning, NONE when it is none the callers read, or -1 when
 * malformed or unsure.
 */
function readKey(depth: number, inData: boolean): number {
  if (i >= n || b[i] !== 0x22 || !str()) return -1;
  let key = NONE;
  if (depth === 1 || inData) {
    if (escaped) return -1; // an escaped key may spell one of ours
    if (depth === 1) key = keyIs(K_CODE) ? CODE : keyIs(K_DATA) ? DATA : NONE;
    else key = keyIs(K_ACCESS) ? ACCESS : keyIs(K_REFRESH) ? REFRESH : NONE;
  }
  ws();
  if (i >= n || b[i] !== 0x3a) return -1;
  i++;
  ws();
  return key;
}

/** See the file comment. Never throws. */
export function answerFacts(bytes: Uint8Array): AnswerFacts | undefined {
  b = bytes;
  n = bytes.length;
  i = 0;
  try {
    return read();
  } finally {
    b = NO_BYTES; // do not keep the caller's bytes alive
  }
}

/** Open containers (OBJ, ARR), and per open container the key it is the value of: reused, not made per reading. */
const stack: number[] = [];
const keys: number[] = [];

function read(): AnswerFacts | undefined {
  stack.length = 0;
  keys.length = 0;
  let out: { code?: unknown; data?: AnswerData | null } | undefined;
  let data: AnswerData | undefined;
  /** Open containers when the top-level `data` object is the innermost one being read, else 0. */
  let dataDepth = 0;
  /** The key the value being read belongs to. */
  let key = NONE;
  ws();
  for (;;) {
    // A value at i.
    if (i >= n) return undefined;
    const c = b[i];
    /** What the value is to a caller that checks its type: the string, the number, the `data` object, or null. */
    let v: unknown = null;
    if (c === 0x7b || c === 0x5b) {
      i++;
      const kind = c === 0x7b ? OBJ : ARR;
      stack.push(kind);
      keys.push(key);
      if (stack.length === 1 && kind === OBJ) out = {};
      if (key === DATA && kind === OBJ) {
        data = {};
        dataDepth = stack.length;
      }
      key = NONE;
      ws();
      if (i < n && b[i] === (kind === OBJ ? 0x7d : 0x5d)) {
        // Empty: it ends here.
        i++;
        key = keys.pop()!;
        if (stack.length === dataDepth) (v = data), (dataDepth = 0);
        stack.pop();
      } else if (kind === OBJ) {
        key = readKey(stack.length, stack.length === dataDepth);
        if (key < 0) return undefined;
        continue; // the first key's value
      } else continue; // the first element
    } else if (c === 0x22) {
      if (!str()) return undefined;
      if (key === CODE || key === ACCESS || key === REFRESH) {
        if (escaped) return undefined;
        v = text(sStart, sEnd);
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      if (!num()) return undefined;
      if (key === CODE) v = JSON.parse(text(sStart, sEnd)) as number;
    } else if (c === 0x74) {
      if (!lit(TRUE)) return undefined;
    } else if (c === 0x66) {
      if (!lit(FALSE)) return undefined;
    } else if (c === 0x6e) {
      if (!lit(NULL)) return undefined;
    } else return undefined;
    // A value ended (a scalar, or a container just closed): record it, then read what follows it.
    for (;;) {
      if (key === CODE) out!.code = v;
      else if (key === DATA) out!.data = v !== null && v === data ? data : null;
      else if (key === ACCESS) data!.accessToken = v;
      else if (key === REFRESH) data!.refreshToken = v;
      key = NONE;
      v = null;
      ws();
      if (stack.length === 0) return i === n ? (out ?? null) : undefined;
      const top = stack[stack.length - 1];
      if (i < n && b[i] === 0x2c) {
        i++;
        ws();
        if (top === OBJ) {
          key = readKey(stack.length, stack.length === dataDepth);
          if (key < 0) return undefined;
        }
        break; // the next value
      }
      if (i < n && b[i] === (top === OBJ ? 0x7d : 0x5d)) {
        // The container ends: it is itself the value of its parent's key.
        i++;
        key = keys.pop()!;
        if (stack.length === dataDepth) (v = data), (dataDepth = 0);
        stack.pop();
        continue;
      }
      return undefined;
    }
  }
}
