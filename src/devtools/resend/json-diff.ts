/**
 * A structural JSON diff (issue #9: a resent answer beside the original's "with the differences
 * highlighted — a JSON diff, not a text diff"). Objects compare by key, arrays by index, leaves by value;
 * key order and formatting never count. Pure and bounded (the answers are the server's, any size).
 */
export type DiffKind = 'added' | 'removed' | 'changed';
export interface DiffEntry {
  /** JSON-pointer-like path, e.g. `data.items[2].name`; '' for the root. */
  path: string;
  kind: DiffKind;
  before?: unknown;
  after?: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const child = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`);

export function jsonDiff(before: unknown, after: unknown, o: { ignore?: (path: string) => boolean; max?: number } = {}): DiffEntry[] {
  const out: DiffEntry[] = [];
  const max = o.max ?? 500;
  const walk = (a: unknown, b: unknown, path: string, depth: number): void => {
    if (out.length >= max || o.ignore?.(path)) return;
    if (isObj(a) && isObj(b) && depth < 64) {
      for (const k of Object.keys(a)) {
        if (!Object.hasOwn(b, k)) {
          if (!o.ignore?.(child(path, k))) out.push({ path: child(path, k), kind: 'removed', before: a[k] });
        } else walk(a[k], b[k], child(path, k), depth + 1);
      }
      for (const k of Object.keys(b)) if (!Object.hasOwn(a, k) && !o.ignore?.(child(path, k))) out.push({ path: child(path, k), kind: 'added', after: b[k] });
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && depth < 64) {
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n; i++) {
        if (i >= b.length) out.push({ path: child(path, i), kind: 'removed', before: a[i] });
        else if (i >= a.length) out.push({ path: child(path, i), kind: 'added', after: b[i] });
        else walk(a[i], b[i], child(path, i), depth + 1);
      }
      return;
    }
    if (!sameLeaf(a, b)) out.push({ path, kind: 'changed', before: a, after: b });
  };
  walk(before, after, '', 0);
  return out;
}

function sameLeaf(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
