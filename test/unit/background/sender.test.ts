import { describe, expect, test } from 'vitest';
import { isExtensionPageSender } from '../../../src/background/sessions/sender';

const ID = 'abcdefghijklmnopabcdefghijklmnop';
const BASE = `chrome-extension://${ID}/`;

describe('popup/options RPC sender check', () => {
  test('the popup, the options page in a tab and the DevTools panel are accepted', () => {
    expect(isExtensionPageSender({ id: ID, url: `${BASE}popup/index.html` }, ID, BASE)).toBe(true);
    expect(isExtensionPageSender({ id: ID, url: `${BASE}options/index.html`, tab: { url: `${BASE}options/index.html` } }, ID, BASE)).toBe(true);
    expect(isExtensionPageSender({ id: ID, url: `${BASE}devtools/panel.html` }, ID, BASE)).toBe(true);
    // Chrome withholds tab.url without the "tabs" permission; sender.url still decides.
    expect(isExtensionPageSender({ id: ID, url: `${BASE}blank.html`, tab: {} }, ID, BASE)).toBe(true);
  });

  test('a content script of this extension (web URL, with a tab) is refused', () => {
    expect(isExtensionPageSender({ id: ID, url: 'http://127.0.0.1:18020/prometheus/demo/', tab: { url: 'http://127.0.0.1:18020/prometheus/demo/' } }, ID, BASE)).toBe(false);
    expect(isExtensionPageSender({ id: ID, url: 'http://127.0.0.1/x', tab: {} }, ID, BASE)).toBe(false);
  });

  test('our page inside a web tab is refused', () => {
    expect(isExtensionPageSender({ id: ID, url: `${BASE}popup/index.html`, tab: { url: 'https://evil.example/' } }, ID, BASE)).toBe(false);
  });

  test('another extension, a missing id or url, or a look-alike URL is refused', () => {
    const other = 'ponmlkjihgfedcbaponmlkjihgfedcba';
    expect(isExtensionPageSender({ id: other, url: `chrome-extension://${other}/popup.html` }, ID, BASE)).toBe(false);
    expect(isExtensionPageSender({ id: other, url: `${BASE}popup/index.html` }, ID, BASE)).toBe(false);
    expect(isExtensionPageSender({ url: `${BASE}popup/index.html` }, ID, BASE)).toBe(false);
    expect(isExtensionPageSender({ id: ID }, ID, BASE)).toBe(false);
    expect(isExtensionPageSender({ id: ID, url: `chrome-extension://${ID}.evil/` }, ID, BASE)).toBe(false);
    expect(isExtensionPageSender(undefined, ID, BASE)).toBe(false);
    expect(isExtensionPageSender({ id: ID, url: `${BASE}x.html` }, ID, '')).toBe(false);
  });
});
