/**
 * One manifest.json in the repo, one generated manifest per browser (issue #13; architecture.md §5b).
 *
 * Chrome gets the top-level manifest as it is (version stamped). Firefox differs in what its MV3
 * accepts and requires:
 *  - no extension service worker: `background.scripts` with `type: module` loads the same background.js;
 *  - `browser_specific_settings.gecko`: an add-on id (signing and storage are keyed by it), and
 *    `strict_min_version` 140 — the oldest Firefox with every API and key used here: `world: "MAIN"`
 *    content scripts and scripting.registerContentScripts (128), `data_collection_permissions` (140, also
 *    the current ESR);
 *  - `data_collection_permissions`: Keyhole sends nothing anywhere but the user's own environments;
 *  - `minimum_chrome_version` is Chrome's alone, and so is `background.service_worker`.
 * Chrome's manifest carries the Firefox keys too (a dual `service_worker` + `scripts` background and the
 * gecko settings, which Chrome ≥ 121 ignores), so that `web-ext lint` passes the Chrome package with 0
 * errors as well (`npm run package`) and the Chrome zip still loads in Firefox. Both get an explicit `extension_pages` CSP: Firefox's MV3 default adds `upgrade-insecure-requests`,
 * which turns an `http://` environment on a LAN test server into a network error from the popup.
 */
export type TargetBrowser = 'chrome' | 'firefox';

export const GECKO_ID = 'keyhole@keyhole.dev';
export const FIREFOX_MIN_VERSION = '140.0';
/** Chrome's MV3 default without 'wasm-unsafe-eval' (no WebAssembly here), written out so that neither browser adds to it. */
export const EXTENSION_PAGES_CSP = "script-src 'self'; object-src 'self'";

type Manifest = Record<string, unknown> & { background?: Record<string, unknown> };

export function manifestFor(base: Manifest, browser: TargetBrowser, version: string): Manifest {
  const m: Manifest = structuredClone(base);
  m.version = version;
  m.content_security_policy = { extension_pages: EXTENSION_PAGES_CSP };
  m.browser_specific_settings = {
    gecko: {
      id: GECKO_ID,
      strict_min_version: FIREFOX_MIN_VERSION,
      data_collection_permissions: { required: ['none'] },
    },
  };
  const worker = (base.background as { service_worker?: string } | undefined)?.service_worker ?? 'background.js';
  if (browser === 'chrome') {
    m.background = { service_worker: worker, scripts: [worker], type: 'module' };
    return m;
  }
  delete m.minimum_chrome_version;
  m.background = { scripts: [worker], type: 'module' };
  return m;
}
