/**
 * The hook ↔ pair.ts pairing (channel.ts) on a minimal window, in both orders: the hook listens from its
 * document_start and takes pair.ts's announcement by cancelling it; if pair.ts ran first, the hook's one
 * `hello` makes it announce again. Neither side's events reach a listener registered after them.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { awaitRelay, announceToHook, MESSAGE_EVENT } from '../../../src/capture/channel';
import { FakeFocusEvent } from './fake-focus-event';

const g = globalThis as Record<string, unknown>;
let heard: string[];
beforeEach(() => {
  g.window = new EventTarget();
  g.FocusEvent = FakeFocusEvent;
  heard = [];
});
afterEach(() => {
  for (const k of ['window', 'FocusEvent']) delete g[k];
});
/** A page script's listeners, registered after both content scripts (capture and bubble). */
function pageListens(): void {
  for (const type of ['kh:c2:pair', 'kh:c2:hello']) {
    window.addEventListener(type, () => heard.push(`capture:${type}`), true);
    window.addEventListener(type, () => heard.push(`bubble:${type}`));
  }
}
/** Both ends of the channel are the same node: what the hook dispatches, the relay hears. */
function connected(hookNode: EventTarget | undefined, relayNode: EventTarget | undefined): boolean {
  if (!hookNode || hookNode !== relayNode) return false;
  let got: unknown;
  relayNode.addEventListener(MESSAGE_EVENT, (e) => (got = (e as CustomEvent).detail));
  hookNode.dispatchEvent(new CustomEvent(MESSAGE_EVENT, { detail: 42 }));
  return got === 42;
}

test('the hook first (the manifest order): paired at pair.ts’s document_start, no hello, nothing a page hears', () => {
  let hookNode: EventTarget | undefined;
  let relayNode: EventTarget | undefined;
  const hello = awaitRelay((n) => (hookNode = n));
  announceToHook((n) => (relayNode = n));
  expect(connected(hookNode, relayNode)).toBe(true);
  pageListens();
  hello(); // paired: says nothing
  window.dispatchEvent(new FakeFocusEvent('kh:c2:pair', { relatedTarget: new EventTarget(), cancelable: true }));
  expect(heard).toEqual(['capture:kh:c2:pair', 'bubble:kh:c2:pair']); // a page's own event reaches only the page
});

test('pair.ts first: it waits; the hook’s hello (when it has something to send) pairs them synchronously, and the page hears neither event', () => {
  let hookNode: EventTarget | undefined;
  let relayNode: EventTarget | undefined;
  announceToHook((n) => (relayNode = n));
  expect(relayNode).toBeUndefined();
  const hello = awaitRelay((n) => (hookNode = n));
  pageListens();
  hello();
  expect(connected(hookNode, relayNode)).toBe(true);
  expect(heard).toEqual([]);
});

test('the hook says hello once: with no relay waiting nothing answers and a page hears one event, not one per message', () => {
  let hookNode: EventTarget | undefined;
  const hello = awaitRelay((n) => (hookNode = n));
  pageListens();
  hello();
  hello();
  expect(hookNode).toBeUndefined();
  expect(heard).toEqual(['capture:kh:c2:hello', 'bubble:kh:c2:hello']);
});

test('once paired, neither side listens on window: a later announcement (a page posing as either side) pairs nothing', () => {
  let hookPairs = 0;
  let relayPairs = 0;
  const hello = awaitRelay(() => hookPairs++);
  announceToHook(() => relayPairs++);
  const forged = new FakeFocusEvent('kh:c2:pair', { relatedTarget: new EventTarget(), cancelable: true });
  expect(window.dispatchEvent(forged)).toBe(true); // nobody cancelled it: the hook no longer takes targets
  window.dispatchEvent(new Event('kh:c2:hello'));
  hello();
  expect([hookPairs, relayPairs]).toEqual([1, 1]);
});
