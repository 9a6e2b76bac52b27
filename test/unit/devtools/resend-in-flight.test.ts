/**
 * Resends the panel sent, recognised in DevTools' Network events before their answer is fetched
 * (resend/in-flight.ts, issue #9): by the sealed body as HAR postData renders it, once each.
 */
import { describe, expect, it } from 'vitest';
import { IN_FLIGHT_MS, ResendsInFlight } from '../../../src/devtools/resend/in-flight';
import { startNetworkSource } from '../../../src/devtools/backend/network-source';
import { TrafficStore } from '../../../src/devtools/model/traffic-store';

const URL_ = 'http://127.0.0.1:1/web/v1/system/auth/login/initiate';
const entry = (text: string | undefined, method = 'POST', url = URL_) => ({ request: { method, url, ...(text !== undefined && { postData: { text } }) } });
const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

describe('resends in flight', () => {
  it('recognises a binary envelope by its bytes as Chrome renders them (Latin-1 when not UTF-8), once', () => {
    const bytes = new Uint8Array([0x02, 0xff, 0x10, 0x80, 0x41, 0x00, 0xc3]);
    const f = new ResendsInFlight();
    f.note({ method: 'post', url: URL_, body: { base64: Buffer.from(bytes).toString('base64') } });
    expect(f.claim(entry(latin1(new Uint8Array([0x02, 0xff, 0x10, 0x80, 0x41, 0x00, 0xc4]))))).toBe(false); // another IV
    expect(f.claim(entry(latin1(bytes), 'POST', `${URL_}?x`))).toBe(false);
    expect(f.claim(entry(latin1(bytes)))).toBe(true);
    expect(f.claim(entry(latin1(bytes)))).toBe(false); // once
  });

  it('a body that is valid UTF-8 compares as UTF-8; a JSON envelope as its text; a bodiless resend by method and URL', () => {
    const f = new ResendsInFlight();
    const utf8 = new TextEncoder().encode('{"v":2,"p":"é"}');
    f.note({ method: 'POST', url: URL_, body: { base64: Buffer.from(utf8).toString('base64') } });
    f.note({ method: 'POST', url: URL_, body: { text: '{"v":2,"p":"AAAA"}' } });
    f.note({ method: 'GET', url: URL_, body: undefined });
    expect(f.claim(entry('{"v":2,"p":"é"}'))).toBe(true);
    expect(f.claim(entry('{"v":2,"p":"AAAB"}'))).toBe(false);
    expect(f.claim(entry('{"v":2,"p":"AAAA"}'))).toBe(true);
    expect(f.claim(entry('x', 'GET'))).toBe(false);
    expect(f.claim(entry(undefined, 'GET'))).toBe(true);
    expect(f.size).toBe(0);
  });

  it('forgets what DevTools never reported after IN_FLIGHT_MS', () => {
    let now = 1_000;
    const f = new ResendsInFlight(() => now);
    f.note({ method: 'POST', url: URL_, body: { text: 'a' } });
    now += IN_FLIGHT_MS + 1;
    expect(f.claim(entry('a'))).toBe(false);
    expect(f.size).toBe(0);
  });

  it("the DevTools source does not fetch a resend's answer (no getContent) and still reads the page's own requests", () => {
    const f = new ResendsInFlight();
    let listener: ((r: unknown) => void) | undefined;
    const stop = startNetworkSource({
      tabId: 7,
      store: new TrafficStore(),
      accept: () => true,
      decrypt: async () => [],
      ours: (req) => f.claim(req),
      network: { onRequestFinished: { addListener: (l) => (listener = l as never), removeListener() {} } },
    });
    const contents: string[] = [];
    const report = (text: string) =>
      listener!({ ...entry(text), _resourceType: 'fetch', response: { status: 200, headers: [] }, getContent: () => contents.push(text) });
    f.note({ method: 'POST', url: URL_, body: { text: 'sealed-1' } });
    report('sealed-1');
    report('page-own');
    expect(contents).toEqual(['page-own']);
    stop();
  });
});
