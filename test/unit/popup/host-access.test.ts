/** Which host access Keyhole needs and lacks (issue #13, src/domain/host-access.ts). */
import { describe, expect, it } from 'vitest';
import { missingHostPatterns, neededHostPatterns } from '../../../src/domain/host-access';

const MANIFEST = ['http://127.0.0.1/*', 'http://localhost/*'];

describe('host access', () => {
  it('needs the manifest hosts plus each environment API origin not already among them', () => {
    expect(neededHostPatterns(MANIFEST, ['http://127.0.0.1:18020/api', 'http://10.0.0.5:8080', 'https://gw.example.com/x', 'not a url'])).toEqual([
      ...MANIFEST,
      'http://10.0.0.5/*',
      'https://gw.example.com/*',
    ]);
  });

  it('nothing is missing when all is granted, or a wildcard covers it', () => {
    const needed = neededHostPatterns(MANIFEST, ['https://gw.example.com']);
    expect(missingHostPatterns(needed, [...MANIFEST, 'https://gw.example.com/*'])).toEqual([]);
    expect(missingHostPatterns(needed, ['http://*/*', 'https://*/*'])).toEqual([]);
    expect(missingHostPatterns(needed, ['<all_urls>'])).toEqual([]);
  });

  it('a revoked install-time host is missing (Firefox lets the user revoke them)', () => {
    const needed = neededHostPatterns(MANIFEST, ['http://127.0.0.1:18020']);
    expect(missingHostPatterns(needed, ['http://localhost/*'])).toEqual(['http://127.0.0.1/*']);
    expect(missingHostPatterns(needed, [])).toEqual(MANIFEST);
  });
});
