/** Message locales the API documents (spec §2); `en` is the default and the fallback (§12). */
export const LOCALES = ['en', 'zh', 'zh-Hant', 'ja', 'vi'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export function isLocale(s: unknown): s is Locale {
  return typeof s === 'string' && (LOCALES as readonly string[]).includes(s);
}

/**
 * Best documented locale for a header value such as `zh-TW,zh;q=0.9,en;q=0.8` (§12: unknown → en).
 * Traditional-Chinese regions map to zh-Hant; other zh variants to zh.
 */
export function negotiateLocale(header: string | null | undefined): Locale {
  if (!header) return DEFAULT_LOCALE;
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q[1]) : 1, i };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag === 'zh-hant' || tag.startsWith('zh-hant-') || tag === 'zh-tw' || tag === 'zh-hk' || tag === 'zh-mo') return 'zh-Hant';
    const primary = tag.split('-')[0];
    if (primary === 'zh') return 'zh';
    if (isLocale(primary)) return primary;
  }
  return DEFAULT_LOCALE;
}
