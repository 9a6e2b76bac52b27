/**
 * Follows DevTools' theme: `devtools.panels.themeName` is 'dark' when DevTools is dark (both browsers);
 * the prefers-color-scheme query covers "match system" setups and the panel opened as a plain page (tests).
 * Theme changes arrive as Chrome's `setThemeChangeHandler` (Chrome 130+) or Firefox's
 * `devtools.panels.onThemeChanged` event; the name they pass wins over a stale `themeName`.
 */
type ThemePanels = {
  themeName?: string;
  setThemeChangeHandler?: (cb: (name: string) => void) => void;
  onThemeChanged?: { addListener(cb: (name: string) => void): void; removeListener(cb: (name: string) => void): void };
};

const panelsApi = (): ThemePanels | undefined => (globalThis as { chrome?: { devtools?: { panels?: ThemePanels } } }).chrome?.devtools?.panels;

export function isDarkTheme(name: string | undefined = panelsApi()?.themeName): boolean {
  if (name === 'dark') return true;
  if (name === 'light') return false; // Firefox names both; Chrome says 'default' for light and for "match system"
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
}

export function applyTheme(root: HTMLElement = document.documentElement): () => void {
  let named: string | undefined = panelsApi()?.themeName;
  const apply = () => root.classList.toggle('theme-dark', isDarkTheme(named));
  const onName = (name: string) => {
    named = name;
    apply();
  };
  const onSystem = () => apply();
  apply();
  const mq = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
  mq?.addEventListener('change', onSystem);
  const panels = panelsApi();
  panels?.setThemeChangeHandler?.(onName);
  panels?.onThemeChanged?.addListener(onName);
  return () => {
    mq?.removeEventListener('change', onSystem);
    panels?.onThemeChanged?.removeListener(onName);
  };
}
