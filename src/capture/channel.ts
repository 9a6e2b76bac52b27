/**
 * The one-way channel from the MAIN-world hook to the ISOLATED relay, private to the two (issue #10
 * item 9: window.postMessage showed every captured exchange to any script of the page, and told it
 * Keyhole was there). At document_start — before any page script exists — pair.ts announces an
 * EventTarget in no document as the `relatedTarget` of a synchronous, cancelable event on window; the
 * hook, listening since its own document_start, takes it and cancels the event, which is the answer
 * (pair.ts's `dispatchEvent` returns false). From then on the hook dispatches CustomEvents on that target,
 * which no page listener can reach. Chrome clones an event's `detail` into the reading world (ArrayBuffers
 * included), so bodies cross without a page-visible copy. The relay still validates every message
 * (page-message.ts).
 *
 * Why the hook only listens (issue #12): in a new tab every Web IDL interface a world touches first is
 * built there, and every first use of a builtin is paid in a cold process. Announcing cost the hook an
 * EventTarget, a FocusEvent, an options dictionary and an answer Event on every new tab (~0.5 ms before
 * the page's first script, measured); listening costs one `addEventListener`. The manifest (and the dynamic
 * registration) list the hook first, so it is listening when pair.ts announces. Should pair.ts ever run
 * first, nobody cancels its announcement: it then waits for the hook's `hello`, which the hook says only
 * when it has something to send and no relay yet; both listeners were registered before any page script,
 * so each stops the event before a page listener on window could see it.
 * Dependency-free: inlined into both content scripts.
 */
export const CAPTURE_CHANNEL = '__keyhole_capture_v1__';
/** The worker's body limit (limits.ts is constants only, so the hook stays dependency-free). */
export { MAX_BODY_BYTES as CAPTURE_BODY_LIMIT } from '../inspect/limits';

/**
 * A property the hook's `Function.prototype.toString` wrapper answers with this very string
 * (`Function.prototype.toString[CAPTURE_PROBE] === CAPTURE_PROBE`; on the native it is undefined): how a
 * second injection, and the e2e tests, tell the hook is installed without a window property.
 */
export const CAPTURE_PROBE = 'keyhole.capture.probe.v2';

const PAIR_EVENT = 'kh:c2:pair';
const HELLO_EVENT = 'kh:c2:hello';
export const MESSAGE_EVENT = 'kh:c2:msg';

/**
 * The hook's side (MAIN world, document_start): `onPaired(node)` runs once, with the relay's target.
 * Returns `hello`, for when the hook has something to send and is not paired yet: it asks, once, a relay
 * that ran before the hook to announce again (nothing happens when it is paired or no relay waits).
 */
export function awaitRelay(onPaired: (node: EventTarget) => void): () => void {
  // Saved now (document_start, before any page script): `hello` and a late pairing run after the page's
  // scripts, which may have replaced these by then (the hook's other saved builtins are in main.ts).
  const apply = Reflect.apply;
  const EventCtor = CustomEvent; // the hook sends CustomEvents anyway: no second interface to build
  const EventProto = Reflect.getPrototypeOf(CustomEvent.prototype) as Event;
  const preventDefault = EventProto.preventDefault;
  const stopImmediatePropagation = EventProto.stopImmediatePropagation;
  const dispatch = window.dispatchEvent;
  const removeListener = window.removeEventListener;
  let paired = false;
  function onAnnounce(e: Event): void {
    const node = (e as FocusEvent).relatedTarget;
    if (paired || !node) return;
    paired = true;
    apply(preventDefault, e, []); // the answer: the relay's dispatchEvent returns false
    apply(stopImmediatePropagation, e, []);
    apply(removeListener, window, [PAIR_EVENT, onAnnounce, true]);
    onPaired(node);
  }
  window.addEventListener(PAIR_EVENT, onAnnounce, true);
  let asked = false;
  return () => {
    if (paired || asked) return;
    asked = true; // once: with no relay waiting, nothing answers, and a page listener would hear every one
    apply(dispatch, window, [new EventCtor(HELLO_EVENT)]);
  };
}

/**
 * pair.ts's side (ISOLATED world, document_start): announces a bare EventTarget of its own and runs
 * `onPaired(node)` once the hook has taken it — at once when the hook is listening (it runs first), else
 * when the hook says hello.
 */
export function announceToHook(onPaired: (node: EventTarget) => void): void {
  // A bare EventTarget, in no tree: events on it reach no page listener. Not a detached element: the first
  // createElement of a world builds the HTMLSpanElement/HTMLElement/Element/Node interfaces there (issue #12).
  const mine = new EventTarget();
  // FocusEvent: the smallest event type whose relatedTarget carries a target across worlds.
  const taken = () => !window.dispatchEvent(new FocusEvent(PAIR_EVENT, { relatedTarget: mine, cancelable: true }));
  if (taken()) return onPaired(mine);
  function onHello(e: Event): void {
    e.stopImmediatePropagation();
    if (!taken()) return;
    window.removeEventListener(HELLO_EVENT, onHello, true);
    onPaired(mine);
  }
  window.addEventListener(HELLO_EVENT, onHello, true);
}
