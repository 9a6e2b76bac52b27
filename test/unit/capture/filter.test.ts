import { describe, expect, test } from 'vitest';
import { isScUrl, looksLikeScBody, shouldCapture } from '../../../src/capture/filter';

const api = 'http://127.0.0.1:18020/prometheus/web/v1';

describe('what counts as SCv2-looking', () => {
  test.each([
    `${api}/secure-channel/public-key`,
    `${api}/secure-channel/session`,
    `${api}/secure-channel/session/close`,
    `${api}/tenant/secure-channel/session`,
    `${api}/system/auth/token/refresh`,
    `${api}/system/auth/login/initiate?x=1`,
    `${api}/consumer/auth/login/complete`,
    `${api}/partner/auth/logout`,
  ])('SC path %s', (url) => expect(isScUrl(url)).toBe(true));

  test.each([`${api}/system/users`, 'http://127.0.0.1/demo/', 'http://x/api?next=/secure-channel/session', `${api}/system/auth/token/refresh-stats`])(
    'not an SC path: %s',
    (url) => expect(isScUrl(url)).toBe(false),
  );

  test('SC headers', () => {
    expect(shouldCapture({ url: 'http://x/any', headerNames: ['x-sc-session-id'] })).toBe(true);
    expect(shouldCapture({ url: 'http://x/any', headerNames: ['x-secure-channel-session-id'] })).toBe(true);
    expect(shouldCapture({ url: 'http://x/any', headerNames: ['content-type', 'authorization'] })).toBe(false);
  });

  test('envelope magic in a binary body, whatever the view', () => {
    const env = new Uint8Array([0x53, 0x43, 0x02, 0x02, 1, 2, 3]);
    expect(looksLikeScBody(env)).toBe(true);
    expect(looksLikeScBody(env.buffer)).toBe(true);
    expect(looksLikeScBody(new DataView(env.buffer))).toBe(true);
    expect(looksLikeScBody(new Uint8Array([0x53, 0x43, 0x02, 0x81]))).toBe(true);
    expect(looksLikeScBody(new Uint8Array([0x53, 0x43, 0x02, 0x03]))).toBe(false); // bad type
    expect(looksLikeScBody(new Uint8Array([0x53, 0x43]))).toBe(false);
  });

  test('{v,p} JSON bodies, text or bytes; other JSON is not', () => {
    expect(looksLikeScBody('{"v":2,"p":"abc"}')).toBe(true);
    expect(looksLikeScBody(' { "p" : "abc", "v": 2 }')).toBe(true);
    expect(looksLikeScBody(new TextEncoder().encode('{"v":2,"p":"x"}'))).toBe(true);
    expect(looksLikeScBody('{"name":"v","p":1}')).toBe(false);
    expect(looksLikeScBody('hello')).toBe(false);
    expect(looksLikeScBody(new Blob(['{"v":2,"p":"x"}']))).toBe(false); // not sniffable synchronously
  });

  test('only the start of a big body is examined', () => {
    const big = '{"v":2,"p":"' + 'A'.repeat(2_000_000) + '"}';
    const t = performance.now();
    for (let i = 0; i < 1000; i++) looksLikeScBody(big);
    expect(performance.now() - t).toBeLessThan(200);
  });
});
