/** The per-browser manifests generated from manifest.json (issue #13, scripts/manifest.ts). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTENSION_PAGES_CSP, GECKO_ID, manifestFor } from '../../../scripts/manifest';

const base = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../manifest.json'), 'utf8'));

describe('manifestFor', () => {
  it('Firefox: background scripts as a module, a gecko id, min version 140, no data collected, no Chrome keys', () => {
    const m = manifestFor(base, 'firefox', '1.2.3') as Record<string, any>;
    expect(m.version).toBe('1.2.3');
    expect(m.background).toEqual({ scripts: ['background.js'], type: 'module' });
    expect(m.browser_specific_settings.gecko).toEqual({ id: GECKO_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } });
    expect(m.minimum_chrome_version).toBeUndefined();
    expect(m.devtools_page).toBe(base.devtools_page);
  });

  it('both: an explicit extension_pages CSP without upgrade-insecure-requests (http LAN environments)', () => {
    for (const b of ['chrome', 'firefox'] as const) {
      const csp = (manifestFor(base, b, '1.0.0') as any).content_security_policy.extension_pages as string;
      expect(csp).toBe(EXTENSION_PAGES_CSP);
      expect(csp).not.toMatch(/upgrade-insecure-requests/);
      expect(csp).toMatch(/script-src 'self'/);
    }
  });

  it('Chrome: the service worker stays, with a Firefox fallback; the repo manifest is not modified', () => {
    const before = JSON.stringify(base);
    const m = manifestFor(base, 'chrome', '1.0.0') as Record<string, any>;
    expect(m.background).toEqual({ service_worker: 'background.js', scripts: ['background.js'], type: 'module' });
    expect(m.minimum_chrome_version).toBe(base.minimum_chrome_version);
    expect(JSON.stringify(base)).toBe(before);
  });
});
