/**
 * Chrome/Firefox match patterns (`scheme://host/*`): the pattern for an origin, and whether a granted one
 * covers a wanted one. Its own module because the popup needs only this (host access, domain/host-access.ts),
 * not the capture-origin schemas beside which it lived: those came into the popup's bundle with it.
 */

/**
 * The host-permission / content-script match pattern for an origin or URL. Match patterns for host
 * permissions carry no port, so `https://app.example.com:8443` is hooked on every port of that host.
 */
export function hostPattern(originOrUrl: string): string | undefined {
  try {
    const u = new URL(originOrUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return `${u.protocol}//${u.hostname}/*`;
  } catch {
    return undefined;
  }
}

const PATTERN = /^(\*|https?|[a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)$/i;

/** True when the granted pattern (from chrome.permissions.getAll) covers the wanted `scheme://host/*`. */
export function patternCovers(granted: string, wanted: string): boolean {
  if (granted === '<all_urls>') return /^https?:\/\//.test(wanted);
  const g = PATTERN.exec(granted);
  const w = PATTERN.exec(wanted);
  if (!g || !w) return false;
  const [, gs, gh] = g as unknown as [string, string, string];
  const [, ws, wh] = w as unknown as [string, string, string];
  const scheme = gs.toLowerCase();
  if (scheme === '*' ? !['http', 'https'].includes(ws.toLowerCase()) : scheme !== ws.toLowerCase()) return false;
  const stripPort = (h: string) => h.toLowerCase().replace(/:(\d+|\*)$/, '');
  const gHost = stripPort(gh);
  const wHost = stripPort(wh);
  if (gHost === '*') return true;
  if (gHost.startsWith('*.')) return wHost === gHost.slice(2) || wHost.endsWith(gHost.slice(1));
  return gHost === wHost;
}

/** Any of the given patterns covers `wanted`. */
export const coveredBy = (patterns: readonly string[], wanted: string) => patterns.some((p) => patternCovers(p, wanted));
