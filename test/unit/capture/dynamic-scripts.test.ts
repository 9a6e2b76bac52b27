import { expect, test } from 'vitest';
import { extraCaptureOrigins } from '../../../src/background/capture/dynamic-scripts';

test('only granted http(s) origins the manifest does not already hook get a dynamic registration', () => {
  const manifest = ['http://127.0.0.1/*', 'http://localhost/*'];
  expect(extraCaptureOrigins(['http://127.0.0.1/*', 'https://api.test.example/*', 'chrome://x/*', 'https://api.test.example/*', 'http://10.0.0.5/*'], manifest)).toEqual([
    'http://10.0.0.5/*',
    'https://api.test.example/*',
  ]);
  expect(extraCaptureOrigins(manifest, manifest)).toEqual([]);
});
