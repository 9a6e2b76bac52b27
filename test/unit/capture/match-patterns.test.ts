import { expect, test } from 'vitest';
import { coveredBy, hostPattern, patternCovers } from '../../../src/domain/match-patterns';

test('host patterns drop the port (Chrome host permissions cover every port of a host)', () => {
  expect(hostPattern('https://app.example.com:8443')).toBe('https://app.example.com/*');
  expect(hostPattern('http://127.0.0.1:18020/prometheus')).toBe('http://127.0.0.1/*');
  expect(hostPattern('ftp://x.example')).toBeUndefined();
  expect(hostPattern('not a url')).toBeUndefined();
});

test('granted patterns cover wanted hosts, wildcards included', () => {
  const w = 'https://app.example.com/*';
  expect(patternCovers('https://app.example.com/*', w)).toBe(true);
  expect(patternCovers('http://app.example.com/*', w)).toBe(false);
  expect(patternCovers('*://app.example.com/*', w)).toBe(true);
  expect(patternCovers('https://*/*', w)).toBe(true);
  expect(patternCovers('https://*.example.com/*', w)).toBe(true);
  expect(patternCovers('https://*.example.com/*', 'https://example.com/*')).toBe(true);
  expect(patternCovers('https://*.example.com/*', 'https://badexample.com/*')).toBe(false);
  expect(patternCovers('https://app.example.com:8443/*', w)).toBe(true);
  expect(patternCovers('<all_urls>', w)).toBe(true);
  expect(patternCovers('https://api.example.com/*', w)).toBe(false);
  expect(patternCovers('garbage', w)).toBe(false);
});

test('coveredBy: any of the granted patterns will do', () => {
  expect(coveredBy(['http://127.0.0.1/*', 'https://*.example.com/*'], 'https://app.example.com/*')).toBe(true);
  expect(coveredBy(['http://127.0.0.1/*'], 'https://app.example.com/*')).toBe(false);
  expect(coveredBy([], 'https://app.example.com/*')).toBe(false);
});
