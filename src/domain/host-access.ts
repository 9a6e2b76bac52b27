/**
 * Host access Keyhole needs and may have lost (issue #13). Firefox lets the user revoke the host
 * permissions granted at install (about:addons → Permissions), Chrome lets them withhold site access;
 * either way sign-in, refresh and capture then fail with a bare network error. The popup and the options
 * page compare what is needed with chrome.permissions.getAll() and offer to grant the rest.
 *
 * Needed: the manifest's host_permissions (loopback gateways and the demo portal) and the API origin of
 * every environment (a LAN or staging gateway, granted when the environment was saved).
 */
import { coveredBy } from './match-patterns';
import { originPattern } from './environment';

export function neededHostPatterns(manifestHosts: readonly string[], apiBases: readonly string[]): string[] {
  const out = new Set(manifestHosts);
  for (const base of apiBases) {
    try {
      const p = originPattern(base);
      if (!coveredBy([...out], p)) out.add(p);
    } catch {
      // a stored environment with an unparsable URL: the options form reports that one
    }
  }
  return [...out];
}

/** The needed patterns that no granted pattern covers, in the order given. */
export function missingHostPatterns(needed: readonly string[], granted: readonly string[]): string[] {
  return needed.filter((p) => !coveredBy(granted, p));
}
