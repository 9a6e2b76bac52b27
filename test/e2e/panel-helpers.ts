/**
 * Steps shared by the tests that drive the Keyhole panel inside real DevTools (openDevToolsPanel).
 */
import type { DevToolsPanel } from './harness';

/** Selects the newest row whose path ends with `suffix` (the virtual list keeps the tail in view). */
export async function selectLastRow(panel: DevToolsPanel, suffix: string): Promise<void> {
  await panel.waitFor(`(() => {
    const rows = [...document.querySelectorAll('[data-testid=traffic-row]')].filter(r => r.dataset.path.endsWith(${JSON.stringify(suffix)}));
    const row = rows.at(-1);
    if (!row) return false;
    row.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));
    return true;
  })()`);
}

/** textContent of the first element with this data-testid ('' when absent). */
export function panelText(panel: DevToolsPanel, testId: string): Promise<string> {
  return panel.evaluate<string>(`document.querySelector('[data-testid=${testId}]')?.textContent ?? ''`);
}
