/**
 * ISOLATED world, document_start: pairs with the hook and holds its messages (inbox.ts); asks the worker
 * for the relay (relay.ts) when the first one is held, and tells it the tab is hooked after the page's
 * load if nothing was captured by then. chrome.runtime directly, no RPC client (relay.ts says why).
 */
import { RELAY_BOUNDARY } from '../messaging/relay-boundary';
import { openInbox } from './inbox';

let told = false;
let attached = false;
/** `attach` once per document; `hello` only if nothing was told before it. */
function tell(method: 'attach' | 'hello', input: object): void {
  if (method === 'hello' ? told : attached) return;
  told = true;
  if (method === 'attach') attached = true;
  try {
    chrome.runtime.sendMessage({ boundary: RELAY_BOUNDARY, method, input }).catch(() => {});
  } catch {
    // the extension was reloaded: this document's scripts are orphaned
  }
}

openInbox(undefined, () => tell('attach', {}));

// "hooked", for a page that captured nothing yet: after its load, when it idles, in the top frame only
// (the worker refuses frames), so neither the extension bindings nor a woken worker compete with the page.
if (window === window.top) {
  // No `{ once: true }`: the first options dictionary a world converts is paid on every new tab (issue #12).
  const onLoad = () => {
    removeEventListener('load', onLoad);
    const hello = () => tell('hello', { url: location.href });
    if (typeof requestIdleCallback === 'function') requestIdleCallback(hello, { timeout: 1000 });
    else setTimeout(hello, 0);
  };
  addEventListener('load', onLoad);
}
