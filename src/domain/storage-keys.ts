/**
 * Every storage key the extension writes, in one dependency-free file so that extension pages (options)
 * and the service worker name them identically without importing each other's modules.
 * Layout and which area holds what: src/background/sessions/index.ts.
 */
export const KEYS = {
  settings: 'kh:settings',
  envs: 'kh:envs',
  clientHash: 'kh:clientHash',
  sessionPrefix: 'kh:sess:',
  scPrefix: 'kh:sc:',
  /** string[] of normalized page origins the user asked to capture on (options → "Capture on these sites"). */
  captureOrigins: 'kh:captureOrigins',
} as const;
