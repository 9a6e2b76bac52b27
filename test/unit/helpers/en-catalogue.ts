/** chrome.i18n.getMessage over a locale's messages.json, as the browser would answer it ($1… substituted). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export function catalogue(locale = 'en'): Record<string, { message: string }> {
  return JSON.parse(readFileSync(resolve(import.meta.dirname, `../../../public/_locales/${locale}/messages.json`), 'utf8')) as Record<string, { message: string }>;
}

export function i18nStub(locale = 'en'): { i18n: { getMessage: (k: string, subs?: string | string[]) => string } } {
  const messages = catalogue(locale);
  return {
    i18n: {
      getMessage: (k, subs) => {
        const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
        return (messages[k]?.message ?? '').replace(/\$(\d)/g, (_m, n: string) => list[Number(n) - 1] ?? '');
      },
    },
  };
}
