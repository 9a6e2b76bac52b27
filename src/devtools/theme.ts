/**
 * Follows DevTools' theme: `chrome.devtools.panels.themeName` is 'dark' when DevTools is dark; the
 * prefers-color-scheme query covers "match system" setups and the panel opened as a plain page (tests).
 */
export function isDarkTheme(): boolean {
  const name = (globalThis as { chrome?: typeof chrome }).chrome?.devtools?.panels?.themeName;
  if (name === 'dark') return true;
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
}

export function applyTheme(root: HTMLElement = document.documentElement): () => void {
  const apply = () => root.classList.toggle('theme-dark', isDarkTheme());
  apply();
  const mq = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
  mq?.addEventListener('change', apply);
  // DevTools only exposes a theme-change event since Chrome 130 (setThemeChangeHandler); use it when present.
  const panels = (globalThis as { chrome?: typeof chrome }).chrome?.devtools?.panels as
    | { setThemeChangeHandler?: (cb: (name: string) => void) => void }
    | undefined;
  panels?.setThemeChangeHandler?.(() => apply());
  return () => mq?.removeEventListener('change', apply);
}
