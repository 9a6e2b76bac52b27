/**
 * The run-time Chrome/Firefox differences the panel handles (issue #13): the panel path for
 * devtools.panels.create, the theme events, and the network source reading Firefox's getContent.
 */
import { describe, expect, it, vi } from 'vitest';
import { startNetworkSource, GRACE_MS } from '../../../src/devtools/backend/network-source';
import { TrafficStore } from '../../../src/devtools/model/traffic-store';
import { bodyBytes, type CapturedExchange } from '../../../src/inspect/exchange';
import { isFirefox, panelPagePath } from '../../../src/ui/platform';

describe('platform', () => {
  it('tells Firefox from Chrome by the extension URL scheme', () => {
    expect(isFirefox(() => 'moz-extension://0f1e2d3c-4b5a-4678-9abc-def012345678/')).toBe(true);
    expect(isFirefox(() => 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/')).toBe(false);
    expect(isFirefox(undefined)).toBe(false);
  });

  it('Firefox gets an absolute panel path (it resolves against devtools/devtools.html), Chrome the root-relative one', () => {
    expect(panelPagePath(true)).toBe('/devtools/panel.html');
    expect(panelPagePath(false)).toBe('devtools/panel.html');
    // What each browser makes of it, relative to the calling page:
    expect(new URL(panelPagePath(true), 'moz-extension://id/devtools/devtools.html').pathname).toBe('/devtools/panel.html');
  });
});

describe('theme', () => {
  it("follows Firefox's devtools.panels.onThemeChanged", async () => {
    const listeners: Array<(n: string) => void> = [];
    const panels = { themeName: 'light', onThemeChanged: { addListener: (l: (n: string) => void) => listeners.push(l), removeListener: vi.fn() } };
    vi.stubGlobal('chrome', { devtools: { panels } });
    vi.stubGlobal('matchMedia', () => ({ matches: false, addEventListener() {}, removeEventListener() {} }));
    try {
      const { applyTheme } = await import('../../../src/devtools/theme');
      const classes = new Set<string>();
      const root = { classList: { toggle: (c: string, on: boolean) => (on ? classes.add(c) : classes.delete(c)) } } as unknown as HTMLElement;
      const stop = applyTheme(root);
      expect(classes.has('theme-dark')).toBe(false);
      listeners.forEach((l) => l('dark'));
      expect(classes.has('theme-dark')).toBe(true);
      listeners.forEach((l) => l('light'));
      expect(classes.has('theme-dark')).toBe(false);
      stop();
      expect(panels.onThemeChanged.removeListener).toHaveBeenCalled();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('network source in Firefox', () => {
  it('reads getContent (text, mimeType) as Firefox means it: a Base64 binary body becomes its exact bytes', async () => {
    vi.useFakeTimers();
    try {
      const wire = new Uint8Array([0x53, 0x43, 0x02, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x80]);
      let listener: ((r: unknown) => void) | undefined;
      const decrypted: CapturedExchange[] = [];
      const heard = vi.fn();
      startNetworkSource({
        tabId: 7,
        store: new TrafficStore(),
        accept: () => true,
        firefox: true,
        heard,
        decrypt: async (list) => {
          decrypted.push(...list);
          return [];
        },
        network: { onRequestFinished: { addListener: (l) => (listener = l as never), removeListener() {} } },
      });
      listener!({
        request: { method: 'POST', url: 'http://127.0.0.1:1/web/v1/x', headers: [] },
        response: { status: 200, headers: [], content: { mimeType: 'application/octet-stream' } },
        _resourceType: 'fetch',
        getContent: (cb: (t: string, m: string) => void) => cb(Buffer.from(wire).toString('base64'), 'application/octet-stream'),
      });
      expect(heard).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(GRACE_MS + 500);
      expect(decrypted).toHaveLength(1);
      expect(Buffer.from(bodyBytes(decrypted[0]!.responseBody)!).toString('hex')).toBe(Buffer.from(wire).toString('hex'));
    } finally {
      vi.useRealTimers();
    }
  });
});
