/**
 * What the panel lets go of: after Clear, the rows it showed must be collectable. The panel opened as
 * a tab (chrome.devtools stubbed), a plain HAR imported, the garbage collected through CDP, a WeakRef
 * on one of the rows read afterwards.
 *
 * The case it guards: a keyring change while rows were shown. The App's hooks that only re-run when the
 * keyring changes keep that render's closures, and V8 gives every closure of one render the same scope:
 * a closure over the shown list in that render (the HAR export's rows) kept the whole list reachable
 * after Clear, until the next keyring change (~100 MB after the bench's 10,000-row import through the
 * worker's port, performance-notes.md, eleventh stop).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { CDPSession, Page } from 'playwright-core';
import { launchExtension, type ExtensionBrowser } from './harness';
import { openPanelAsTab } from './panel-tab';

let browser: ExtensionBrowser;
let panel: Page;
let cdp: CDPSession;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyhole-memory-'));
  browser = await launchExtension();
  panel = await openPanelAsTab(browser, 424243);
  cdp = await panel.context().newCDPSession(panel);
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

const rowCount = () => panel.evaluate(() => (globalThis as any).__keyhole.store.rows.length as number);

test('after Clear the imported rows are collectable, also when the keyring changed while they were shown', async () => {
  const n = 300;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const entries = Array.from({ length: n }, (_, i) => ({
    startedDateTime: new Date(t0 + i * 10).toISOString(),
    time: 1,
    request: { method: 'GET', url: `http://127.0.0.1:9/memory/${i}`, headers: [] },
    response: { status: 200, headers: [], content: { size: 2, mimeType: 'application/json', text: '{}' } },
  }));
  const file = join(dir, 'rows.har');
  writeFileSync(file, JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries } }));
  await panel.getByTestId('har-import').setInputFiles(file);
  await panel.waitForFunction(() => document.querySelector('[data-testid=import-progress]')?.getAttribute('data-phase') === 'done');
  await panel.getByTestId('row-count').filter({ hasText: `${n} calls` }).waitFor();
  // A weak reference to the last row and to the list the store holds now.
  await panel.evaluate(() => {
    const k = (globalThis as any).__keyhole;
    k.probes = [new WeakRef(k.store.rows.at(-1)), new WeakRef(k.store.rows)];
  });
  // The keyring changes while the rows are shown: a key added in the Keys tab, like a user.
  await panel.getByTestId('tab-keys').click();
  await panel.getByTestId('key-sessionId').fill('sess_memory_1');
  await panel.getByTestId('key-requestKey').fill('11'.repeat(32));
  await panel.getByTestId('key-add-submit').click();
  await panel.locator('[data-testid=keyring-entry][data-session=sess_memory_1]').waitFor();
  await panel.getByTestId('tab-traffic').click();
  await panel.getByTestId('clear').click();
  await expect.poll(rowCount).toBe(0);
  // The list re-renders once per frame: let its last render with the rows go.
  await panel.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0)))));
  await cdp.send('HeapProfiler.collectGarbage');
  const alive = await panel.evaluate(() => ((globalThis as any).__keyhole.probes as Array<WeakRef<object>>).map((p) => p.deref() !== undefined));
  expect(alive).toEqual([false, false]);
});
