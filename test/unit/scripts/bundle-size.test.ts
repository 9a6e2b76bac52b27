import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { measure } from '../../../scripts/bundle-size';

const dist = mkdtempSync(join(tmpdir(), 'kh-size-'));
afterAll(() => rmSync(dist, { recursive: true, force: true }));
const put = (file: string, text: string) => {
  mkdirSync(dirname(join(dist, file)), { recursive: true });
  writeFileSync(join(dist, file), text);
};
const gz = (text: string) => gzipSync(Buffer.from(text), { level: 9 }).length;

describe('bundle-size', () => {
  it('follows each context from the manifest and HTML through static and dynamic imports, minified or not', () => {
    const shared = 'export const s = 1; // import "./nothing.js" in a comment is not an import\n';
    const lazy = 'export const lazy = 2;';
    const popup = 'import{s as a}from"./shared-1.js";const l=()=>import(`./lazy-2.js`);console.log(a,l)';
    const sw = 'import { s } from "./assets/shared-1.js";\nconsole.log(s);';
    const panel = "import { s } from './shared-1.js';";
    const devtools = 'chrome.devtools.panels.create(`K`,``,`devtools/panel.html`);';
    put('manifest.json', JSON.stringify({
      action: { default_popup: 'popup/index.html' },
      background: { service_worker: 'bg.js' },
      devtools_page: 'devtools/devtools.html',
      content_scripts: [{ js: ['main.js'], world: 'MAIN' }, { js: ['relay.js'] }],
    }));
    put('popup/index.html', '<script type="module" crossorigin src="../assets/popup-1.js"></script>');
    put('devtools/devtools.html', '<script type="module" src="../assets/devtools-1.js"></script>');
    put('devtools/panel.html', '<script type="module" src="../assets/panel-1.js"></script>');
    put('assets/popup-1.js', popup);
    put('assets/shared-1.js', shared);
    put('assets/lazy-2.js', lazy);
    put('assets/devtools-1.js', devtools);
    put('assets/panel-1.js', panel);
    put('bg.js', sw);
    put('main.js', 'm');
    put('relay.js', 'r');
    const byName = Object.fromEntries(measure(dist).map((c) => [c.context, c]));
    expect(byName['popup']!.files.map((f) => f.file).sort()).toEqual(['assets/lazy-2.js', 'assets/popup-1.js', 'assets/shared-1.js']);
    expect(byName['popup']!.gzip).toBe(gz(popup) + gz(shared) + gz(lazy));
    expect(byName['service worker']!.files.map((f) => f.file)).toEqual(['bg.js', 'assets/shared-1.js']);
    expect(byName['DevTools panel']!.files.map((f) => f.file)).toEqual(['assets/panel-1.js', 'assets/shared-1.js']);
    expect(byName['DevTools panel']!.budget).toBe(70 * 1024);
    expect(byName['MAIN-world hook']!.files.map((f) => f.file)).toEqual(['main.js']);
    expect(byName['ISOLATED relay']!.gzip).toBe(gz('r'));
  });
});
