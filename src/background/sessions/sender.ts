/**
 * Who may call the popup/options RPC (architecture.md §2: every boundary checks its sender, like the
 * relay and the panel port do). That RPC hands out access tokens (revealAccessToken), adopts tokens and
 * rewrites environments, so only this extension's own pages may use it: the popup, the options page,
 * the DevTools panel (all `chrome-extension://<our id>/…`). A content script shares our extension id but
 * its `sender.url` is the web page's, and it comes with `sender.tab`; another extension has another id.
 */

/** The parts of `chrome.runtime.MessageSender` the check reads. */
export interface RpcSender {
  id?: string;
  url?: string;
  tab?: { url?: string; pendingUrl?: string };
}

/**
 * True when `sender` is a page of this extension (`extensionId`, pages under `extensionBaseUrl`, i.e.
 * `chrome.runtime.getURL('')`). A tab is allowed only when its URL is one of ours too (the options page
 * opened in a tab, or a test page): our page framed inside a web page must not pass. A tab whose URL
 * Chrome withheld (no "tabs" permission) is judged by `sender.url`, which Chrome always fills in.
 */
export function isExtensionPageSender(sender: RpcSender | undefined, extensionId: string, extensionBaseUrl: string): boolean {
  if (!sender || !extensionId || !extensionBaseUrl) return false;
  if (sender.id !== extensionId) return false;
  if (typeof sender.url !== 'string' || !sender.url.startsWith(extensionBaseUrl)) return false;
  const tabUrl = sender.tab?.url || sender.tab?.pendingUrl;
  if (sender.tab && tabUrl !== undefined && !tabUrl.startsWith(extensionBaseUrl)) return false;
  return true;
}
