/**
 * Which browser runs the extension, for the few places where Chrome and Firefox differ at run time
 * (README "Chrome and Firefox"). Read from the extension's own URL scheme: one build of the sources
 * serves both browsers, so there is no build-time flag to consult, and user agents lie.
 */
export function isFirefox(getURL: ((path: string) => string) | undefined = globalThis.chrome?.runtime?.getURL): boolean {
  try {
    return getURL?.('').startsWith('moz-extension:') ?? false;
  } catch {
    return false;
  }
}

/**
 * The page path for devtools.panels.create: Chrome resolves it against the extension root, Firefox
 * against the calling page (devtools/devtools.html), so 'devtools/panel.html' became
 * devtools/devtools/panel.html there. An absolute path means the same in Firefox.
 */
export function panelPagePath(firefox: boolean): string {
  return firefox ? '/devtools/panel.html' : 'devtools/panel.html';
}
