/**
 * The relay's document_start half (inbox.ts): pairs with the hook, bounds and holds what it sends until
 * relay.ts takes over (injected by the worker on the first message, which the inbox asks for). Runs the real
 * pairing (channel.ts) on a minimal window.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { CAPTURE_CHANNEL, MESSAGE_EVENT, awaitRelay } from '../../../src/capture/channel';
import { inbox, openInbox } from '../../../src/capture/inbox';
import { createLimiter } from '../../../src/capture/relay-limit';
import { FakeFocusEvent } from './fake-focus-event';

const g = globalThis as Record<string, unknown>;
beforeEach(() => {
  g.window = new EventTarget();
  g.FocusEvent = FakeFocusEvent; // no document: the channel's private target is a bare EventTarget
  delete g.__keyholeInbox;
});
afterEach(() => {
  for (const k of ['window', 'FocusEvent', '__keyholeInbox']) delete g[k];
});

/** The hook's side of the pairing (it runs first, as the manifest lists it): returns how the hook sends. */
let hookSend: ((detail: unknown) => void) | undefined;
beforeEach(() => {
  let node: EventTarget | undefined;
  awaitRelay((n) => (node = n));
  hookSend = (detail) => node!.dispatchEvent(new CustomEvent(MESSAGE_EVENT, { detail }));
});
const hook = () => hookSend!;

const msg = (n: number, size = 0) => ({ channel: CAPTURE_CHANNEL, kind: 'exchange', n, exchange: { url: 'https://x/y', responseBody: { data: 'x'.repeat(size) } } });

test('holds what the hook sends until the relay takes over, then hands each message straight on', () => {
  openInbox();
  const send = hook();
  send(msg(1));
  send(msg(2));
  send({ channel: 'someone-else', n: 3 }); // not ours: ignored
  send(null);
  const box = inbox()!;
  expect(box.held.map((m) => (m as { n: number }).n)).toEqual([1, 2]);
  const taken: unknown[] = [];
  box.take = (m) => taken.push(m);
  send(msg(4));
  expect(taken).toEqual([msg(4)]);
  expect(box.held).toHaveLength(2); // the relay empties it itself (relay.ts)
});

test('the flood bound applies before anything is held: refusals are counted and told', () => {
  openInbox(createLimiter({ messages: 3, bytes: 10_000, windowMs: 10_000, now: () => 0 }));
  const send = hook();
  const box = inbox()!;
  const onDrop = vi.fn();
  box.onDrop = onDrop;
  for (let i = 0; i < 5; i++) send(msg(i));
  send(msg(9, 20_000));
  expect(box.held).toHaveLength(3);
  expect(box.dropped()).toBe(3);
  expect(onDrop).toHaveBeenCalledTimes(3);
});

test('opened twice (manifest and a dynamic registration): one inbox, one pairing', () => {
  openInbox();
  const first = inbox();
  openInbox();
  expect(inbox()).toBe(first);
  const send = hook();
  send(msg(1));
  expect(first!.held).toHaveLength(1);
});

test('asks for the relay once, when the first message within the bound is held — not for foreign or refused ones, nor once the relay took over', () => {
  const ask = vi.fn();
  openInbox(createLimiter({ messages: 2, bytes: 1_000, windowMs: 10_000, now: () => 0 }), ask);
  const send = hook();
  send({ channel: 'someone-else', n: 0 }); // not ours
  send(msg(9, 2_000)); // over the byte bound: refused
  expect(ask).not.toHaveBeenCalled();
  send(msg(1));
  expect(ask).toHaveBeenCalledTimes(1);
  send(msg(2));
  expect(ask).toHaveBeenCalledTimes(1);
  expect(inbox()!.held).toHaveLength(2);
});

test('a message that goes straight to the relay asks for nothing', () => {
  const ask = vi.fn();
  openInbox(undefined, ask);
  const send = hook();
  const taken: unknown[] = [];
  inbox()!.take = (m) => taken.push(m);
  send(msg(1));
  expect(taken).toEqual([msg(1)]);
  expect(ask).not.toHaveBeenCalled();
});
