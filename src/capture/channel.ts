/**
 * The one-way channel from the MAIN-world hook to the ISOLATED relay, private to the two (issue #10
 * item 9: window.postMessage showed every captured exchange to any script of the page, and told it
 * Keyhole was there). At document_start — before any page script exists — the two scripts pair over a
 * synchronous event on window carrying an EventTarget in no document; from then on the hook
 * dispatches CustomEvents on that target, which no page listener can reach. Chrome clones an
 * event's `detail` into the reading world (ArrayBuffers included), so bodies cross without a page-visible
 * copy. Works whichever script runs first; the relay still validates every message (page-message.ts).
 * Dependency-free: inlined into both content scripts.
 */
export const CAPTURE_CHANNEL = '__keyhole_capture_v1__';
/** The worker's body limit (limits.ts is constants only, so the hook stays dependency-free). */
export { MAX_BODY_BYTES as CAPTURE_BODY_LIMIT } from '../inspect/limits';

/**
 * Registry symbol key the hook answers through its own Function.prototype.toString wrapper
 * (`Function.prototype.toString.call(f, Symbol.for(KEY)) === that symbol`; the native returns f's source):
 * how a second injection, and the e2e tests, tell the hook is installed without a window property.
 */
export const CAPTURE_PROBE = 'keyhole.capture.probe.v1';

const PAIR_EVENT = 'kh:c1:pair';
const ACK_EVENT = 'kh:c1:ack';
export const MESSAGE_EVENT = 'kh:c1:msg';

/**
 * Announces `mine` and listens for the counterpart's announcement; `onPaired(node)` runs once, with the
 * node both sides then use. Both scripts call this at document_start. Returns a function that gives up
 * (removes the window listener) — the hook stops waiting once its page has scripts of its own running.
 */
export function pairWithCounterpart(onPaired: (node: EventTarget) => void): () => void {
  // A bare EventTarget, in no tree: events on it reach no page listener. Not a detached element: the first
  // createElement of a world builds the HTMLSpanElement/HTMLElement/Element/Node interfaces there, which
  // measured ~1 ms in the page's world and ~0.6 ms in ours on every new tab (issue #12).
  const mine = new EventTarget();
  let paired = false;
  const stop = () => window.removeEventListener(PAIR_EVENT, onAnnounce, true);
  const done = (node: EventTarget) => {
    if (paired) return;
    paired = true;
    stop();
    onPaired(node);
  };
  function onAnnounce(e: Event): void {
    const node = (e as FocusEvent).relatedTarget;
    if (paired || !node || node === mine) return;
    e.stopImmediatePropagation();
    node.dispatchEvent(new Event(ACK_EVENT)); // synchronous: the announcer knows before its dispatch returns
    done(node);
  }
  mine.addEventListener(ACK_EVENT, () => done(mine), { once: true });
  window.addEventListener(PAIR_EVENT, onAnnounce, true);
  // FocusEvent: the smallest event type whose relatedTarget carries a target across worlds (a MouseEvent,
  // used before, cost ~0.4 ms more to build the first time in each world of a new tab).
  window.dispatchEvent(new FocusEvent(PAIR_EVENT, { relatedTarget: mine }));
  return stop;
}
