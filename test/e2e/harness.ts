/**
 * Real-browser harness: Debian's Chromium with the built extension from dist/ (architecture.md §5).
 * Never downloads a browser. One browser per test file; a fresh profile directory each launch.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Worker } from 'playwright-core';

/** KEYHOLE_DIST: test a copy of the build (several people build into dist/ in one working tree). */
export const DIST = process.env.KEYHOLE_DIST ?? resolve(import.meta.dirname, '../../dist');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The same Chromium without Keyhole and with a throw-away profile: "another machine" for traffic that
 * Keyhole must not have seen (e.g. a HAR recorded elsewhere). Close the returned browser when done.
 */
export function launchPlainBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: BROWSER_ARGS });
}

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  /** The current service worker (it changes after the worker is stopped and restarted). */
  serviceWorker(): Promise<Worker>;
  close(): Promise<void>;
}

/**
 * `lang`: the browser's UI language (what chrome.i18n follows), e.g. 'ja' (`--lang` plus LANGUAGE for Linux).
 * `dist`: another unpacked extension instead of Keyhole's build (a bench's control); it needs a service worker.
 */
export async function launchExtension(options: { colorScheme?: 'light' | 'dark'; lang?: string; dist?: string } = {}): Promise<ExtensionBrowser> {
  const dist = options.dist ?? DIST;
  if (!existsSync(join(dist, 'manifest.json'))) throw new Error(`no built extension in ${dist}: run npm run build`);
  const profile = mkdtempSync(join(tmpdir(), 'keyhole-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    colorScheme: options.colorScheme ?? 'light',
    args: [...BROWSER_ARGS, `--disable-extensions-except=${dist}`, `--load-extension=${dist}`, ...(options.lang ? [`--lang=${options.lang}`] : [])],
    ...(options.lang ? { locale: options.lang, env: { ...process.env, LANGUAGE: options.lang, LANG: `${options.lang.replace('-', '_')}.UTF-8` } } : {}),
  });
  const serviceWorker = async (): Promise<Worker> => {
    const live = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
    return live ?? context.waitForEvent('serviceworker', { timeout: 15_000 });
  };
  const extensionId = new URL((await serviceWorker()).url()).host;
  return {
    context,
    extensionId,
    serviceWorker,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function openExtensionPage(b: ExtensionBrowser, path: string): Promise<Page> {
  const page = await b.context.newPage();
  await page.goto(`chrome-extension://${b.extensionId}/${path}`);
  return page;
}

export const openPopup = (b: ExtensionBrowser) => openExtensionPage(b, 'popup/index.html');

/**
 * Stops the extension's service worker the way Chrome does when it idles (CDP ServiceWorker domain).
 * The domain lives on page targets (the browser target does not have it), so a page session is used;
 * resolves once the worker's target is gone.
 */
export async function stopServiceWorker(b: ExtensionBrowser): Promise<void> {
  const page = b.context.pages().find((p) => p.url().startsWith(`chrome-extension://${b.extensionId}/`)) ?? b.context.pages()[0] ?? (await b.context.newPage());
  const browserCdp = await b.context.browser()!.newBrowserCDPSession();
  const workerAlive = async () => {
    const { targetInfos } = (await browserCdp.send('Target.getTargets')) as { targetInfos: Array<{ type: string; url: string }> };
    return targetInfos.some((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${b.extensionId}/`));
  };
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const session = await b.context.newCDPSession(page);
      await session.send('ServiceWorker.enable' as never).catch(() => {});
      await session.send('ServiceWorker.stopAllWorkers' as never);
      await session.detach().catch(() => {});
      for (let i = 0; i < 50; i++) {
        if (!(await workerAlive())) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    throw new Error('stopServiceWorker: the extension service worker is still running');
  } finally {
    await browserCdp.detach().catch(() => {});
  }
}

/**
 * The browser's clipboard, read and written from a page at `origin` (http, e.g. the gateway's): CDP refuses
 * to grant clipboard permissions to chrome-extension:// origins ("opaque"), and Keyhole does not ask for
 * clipboardRead. Headless Chromium keeps one clipboard per browser, so this is what the panel wrote.
 * The reader must be the front tab (the async Clipboard API wants a focused document); `backTo` is
 * brought back to the front afterwards — pass the inspected page, or its docked DevTools stays hidden
 * (no frames: trusted input then stalls and requestAnimationFrame never runs).
 */
export async function clipboardVia(b: ExtensionBrowser, origin: string, backTo: Page): Promise<{ read(): Promise<string>; write(text: string): Promise<void> }> {
  await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const reader = await b.context.newPage();
  await reader.goto(`${origin}/`).catch(() => {}); // any document of that origin will do, even a 404
  await backTo.bringToFront();
  const withReader = async <T>(fn: () => Promise<T>): Promise<T> => {
    await reader.bringToFront();
    try {
      return await fn();
    } finally {
      await backTo.bringToFront();
    }
  };
  return {
    read: () => withReader(() => reader.evaluate(() => navigator.clipboard.readText())),
    write: (text) => withReader(() => reader.evaluate((t) => navigator.clipboard.writeText(t), text)),
  };
}

// ── DevTools panel (architecture.md §5) ──────────────────────────────────────────────────────────
import type { CDPSession } from 'playwright-core';

/**
 * A CDP target reached through the browser session with `flatten: false`: Playwright cannot drive
 * flattened child sessions of the DevTools front-end, so messages go through Target.sendMessageToTarget.
 */
class NestedTarget {
  private nextId = 0;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private readonly onMessage = (e: { sessionId: string; message: string }) => {
    if (e.sessionId !== this.sessionId) return;
    const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: { message: string } };
    const p = m.id !== undefined ? this.pending.get(m.id) : undefined;
    if (!p) return;
    this.pending.delete(m.id!);
    if (m.error) p.reject(new Error(m.error.message));
    else p.resolve(m.result);
  };
  constructor(
    private readonly browserSession: CDPSession,
    readonly sessionId: string,
  ) {
    browserSession.on('Target.receivedMessageFromTarget' as never, this.onMessage as never);
  }
  static async attach(browserSession: CDPSession, targetId: string): Promise<NestedTarget> {
    const { sessionId } = (await browserSession.send('Target.attachToTarget', { targetId, flatten: false })) as { sessionId: string };
    return new NestedTarget(browserSession, sessionId);
  }
  send<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.browserSession
        .send('Target.sendMessageToTarget' as never, { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) } as never)
        .catch(reject);
    });
  }
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send<{ result: { value?: T }; exceptionDetails?: { exception?: { description?: string }; text: string } }>('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }
  async detach(): Promise<void> {
    this.browserSession.off('Target.receivedMessageFromTarget' as never, this.onMessage as never);
    await this.browserSession.send('Target.detachFromTarget' as never, { sessionId: this.sessionId } as never).catch(() => {});
  }
}

export interface DevToolsPanel {
  /** Evaluates an expression (awaited, returned by value) inside the panel's document. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** Polls an expression in the panel until it is truthy; returns its value. */
  waitFor<T = unknown>(expression: string, timeoutMs?: number): Promise<T>;
  /**
   * Clicks the first element matching `selector` in the panel like a user: a trusted mouse press and
   * release (CDP Input) at the element's centre, so handlers get real user activation (clipboard).
   */
  click(selector: string): Promise<void>;
  /** Sets files on an <input type=file> in the panel (fires input/change like a user pick). */
  setInputFiles(selector: string, files: string[]): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function targetIdOf(page: Page): Promise<string> {
  const s = await page.context().newCDPSession(page);
  const { targetInfo } = (await s.send('Target.getTargetInfo')) as { targetInfo: { targetId: string } };
  await s.detach().catch(() => {});
  return targetInfo.targetId;
}

/** Height of DevTools' own tab strip above a panel: a panel in DevTools of height H is H minus this. */
export const DEVTOOLS_TABSTRIP_PX = 28;

/**
 * Sizes docked DevTools to `size` (e.g. docked right, 550 × 700), measured as the panel iframe plus
 * DevTools' tab strip: the window's height moves by the difference, and the dock splitter is dragged
 * in the front-end (which covers the window; the page shows through its hole) for the width. Best
 * effort: the caller asserts the size it needs.
 */
async function sizeDockedDevTools(cdp: CDPSession, pageTargetId: string, front: NestedTarget, panel: NestedTarget, size: { width: number; height: number }): Promise<void> {
  const { windowId, bounds } = (await cdp.send('Browser.getWindowForTarget' as never, { targetId: pageTargetId } as never)) as { windowId: number; bounds: { width: number; height: number } };
  let height = bounds.height;
  for (let i = 0; i < 4; i++) {
    await sleep(200);
    const [w, h] = await panel.evaluate<[number, number]>('[innerWidth, innerHeight]');
    const wantH = size.height - DEVTOOLS_TABSTRIP_PX;
    if (w === size.width && h === wantH) return;
    if (w !== size.width) {
      const [fw, fh] = await front.evaluate<[number, number]>('[innerWidth, innerHeight]');
      const from = fw - w;
      const to = fw - size.width;
      const y = Math.round(fh / 2);
      for (const [type, x] of [['mouseMoved', from], ['mousePressed', from], ['mouseMoved', Math.round((from + to) / 2)], ['mouseMoved', to], ['mouseReleased', to]] as const) {
        await front.send('Input.dispatchMouseEvent', { type, x, y, button: type === 'mouseMoved' ? 'none' : 'left', buttons: type === 'mouseReleased' || (type === 'mouseMoved' && x === from) ? 0 : 1, clickCount: 1 }).catch(() => {});
      }
    }
    if (h !== wantH) {
      height += wantH - h;
      await cdp.send('Browser.setWindowBounds' as never, { windowId, bounds: { height } } as never);
    }
  }
}

/**
 * Opens real DevTools for `page` (headless, via CDP) and shows the extension panel titled `title`.
 * Returns a driver for the panel's iframe. Costs ~2–4 s; open it once per test file where possible.
 */
export async function openDevToolsPanel(b: ExtensionBrowser, page: Page, title = 'Keyhole', o: { size?: { width: number; height: number } } = {}): Promise<DevToolsPanel> {
  const cdp = await b.context.browser()!.newBrowserCDPSession();
  const targets = async () => ((await cdp.send('Target.getTargets')) as { targetInfos: Array<{ targetId: string; type: string; url: string }> }).targetInfos;
  const before = new Set((await targets()).map((t) => t.targetId));
  await cdp.send('Target.openDevTools' as never, { targetId: await targetIdOf(page) } as never);
  const fresh = async (pred: (t: { type: string; url: string }) => boolean, what: string) => {
    for (let i = 0; i < 150; i++) {
      const t = (await targets()).find((x) => !before.has(x.targetId) && pred(x));
      if (t) return t;
      await sleep(100);
    }
    throw new Error(`openDevToolsPanel: no ${what} target`);
  };
  const front = await NestedTarget.attach(cdp, (await fresh((t) => t.url.startsWith('devtools://'), 'DevTools front-end')).targetId);
  const panelUrl = `chrome-extension://${b.extensionId}/`;
  let panelTarget: { targetId: string } | undefined;
  for (let i = 0; i < 100 && !panelTarget; i++) {
    // The extension panel registers a moment after the front-end loads; showPanel is a no-op until then.
    await front.evaluate(`typeof DevToolsAPI !== 'undefined' && DevToolsAPI.showPanel(${JSON.stringify(`chrome-extension://${b.extensionId}${title}`)}), true`).catch(() => false);
    panelTarget = (await targets()).find((x) => !before.has(x.targetId) && x.type === 'iframe' && x.url.startsWith(panelUrl) && x.url.includes('panel'));
    if (!panelTarget) await sleep(100);
  }
  if (!panelTarget) throw new Error('openDevToolsPanel: the panel did not show');
  const panel = await NestedTarget.attach(cdp, panelTarget.targetId);
  await panel.send('Runtime.enable').catch(() => {});
  if (o.size) await sizeDockedDevTools(cdp, await targetIdOf(page), front, panel, o.size);
  const driver: DevToolsPanel = {
    evaluate: (expression) => panel.evaluate(expression),
    async waitFor<T>(expression: string, timeoutMs = 15_000): Promise<T> {
      const end = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        try {
          last = await panel.evaluate<T>(expression);
          if (last) return last as T;
        } catch (e) {
          last = e;
        }
        if (Date.now() > end) throw new Error(`waitFor timed out: ${expression} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
        await sleep(100);
      }
    },
    async click(selector) {
      const at = await panel.evaluate<{ x: number; y: number; hit: boolean } | null>(`(() => {
        const el = document.querySelector(${JSON.stringify(selector)});
        if (!el) return null;
        el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
        const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        const top = document.elementFromPoint(x, y);
        return { x, y, hit: !!top && (top === el || el.contains(top) || (el.tagName === 'INPUT' && top === el.closest('label'))) };
      })()`);
      if (!at) throw new Error(`click: no ${selector}`);
      // What a user's click at that point would hit: refuse to click through something covering it.
      if (!at.hit) throw new Error(`click: ${selector} is covered or not visible`);
      for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased']) {
        await panel.send('Input.dispatchMouseEvent', { type, x: at.x, y: at.y, button: type === 'mouseMoved' ? 'none' : 'left', clickCount: 1 });
      }
    },
    async setInputFiles(selector, files) {
      const { root } = await panel.send<{ root: { nodeId: number } }>('DOM.getDocument', { depth: 0 });
      const { nodeId } = await panel.send<{ nodeId: number }>('DOM.querySelector', { nodeId: root.nodeId, selector });
      if (!nodeId) throw new Error(`setInputFiles: no ${selector}`);
      await panel.send('DOM.setFileInputFiles', { nodeId, files });
    },
    async close() {
      await panel.detach();
      await front.detach();
      await cdp.detach().catch(() => {});
    },
  };
  await driver.waitFor(`document.readyState === 'complete' && !!globalThis.__keyhole`);
  return driver;
}

/**
 * Evaluated in a page: true when Keyhole's capture hook is installed there. The hook leaves nothing on
 * window (issue #10); its Function.prototype.toString wrapper answers one property name with itself
 * (src/capture/channel.ts CAPTURE_PROBE), where the native has none. Builds before that (a bench's
 * KEYHOLE_DIST baseline) answered a registry symbol passed to the wrapper, where the native returns source.
 */
export const HOOK_PROBE_JS = `(() => { const k = 'keyhole.capture.probe.v2'; const s = Symbol.for('keyhole.capture.probe.v1'); const f = Function.prototype.toString; try { return f[k] === k || f.call(f, s) === s; } catch { return false; } })()`;
