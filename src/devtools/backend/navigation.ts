/**
 * The inspected page's navigations, for "Preserve log" (DevTools habit): chrome.devtools.network
 * .onNavigated, stamped with the new document's start (`performance.timeOrigin`, the clock the hook's
 * `startedAt` uses), so the early calls of the new page are never taken for the old page's.
 *
 * The page can forge what `inspectedWindow.eval` returns: the time is only trusted within the minute
 * before the event arrived, else the arrival time is used.
 */
export type NavigationListener = (at: number, url: string) => void;

interface DevtoolsApi {
  network?: { onNavigated?: { addListener(l: (url: string) => void): void; removeListener(l: (url: string) => void): void } };
  inspectedWindow?: { eval?(expr: string, cb: (result: unknown, exception?: unknown) => void): void };
}

/** The navigation's time: the page's reported timeOrigin when plausible, else when the event arrived. */
export function navigationTime(reported: unknown, arrivedAt: number): number {
  return typeof reported === 'number' && Number.isFinite(reported) && reported <= arrivedAt && reported >= arrivedAt - 60_000 ? reported : arrivedAt;
}

export function watchNavigation(onNavigated: NavigationListener, api: DevtoolsApi | undefined = globalThis.chrome?.devtools as DevtoolsApi | undefined): () => void {
  const ev = api?.network?.onNavigated;
  if (!ev) return () => {};
  let stopped = false;
  const listener = (url: string) => {
    const arrivedAt = Date.now();
    const done = (reported: unknown) => {
      if (!stopped) onNavigated(navigationTime(reported, arrivedAt), String(url).slice(0, 2048));
    };
    try {
      if (api?.inspectedWindow?.eval) api.inspectedWindow.eval('performance.timeOrigin', (r, exc) => done(exc ? undefined : r));
      else done(undefined);
    } catch {
      done(undefined);
    }
  };
  ev.addListener(listener);
  return () => {
    stopped = true;
    ev.removeListener(listener);
  };
}
