/**
 * The service worker: wiring only. Logic lives in testable modules; nothing here keeps state in globals
 * that cannot be rebuilt, because Chrome may stop the worker at any moment (architecture.md §2).
 * Listeners are registered synchronously at top level so a wake-up event is never missed.
 */
import browser from 'webextension-polyfill';
import { createRpcHandler } from '../messaging/rpc';
import { popupRpc } from '../messaging/popup-rpc';

const popupHandler = createRpcHandler(popupRpc, {
  getStatus: () => ({
    version: browser.runtime.getManifest().version,
    activeEnvironment: { id: 'local', name: 'Local gateway', apiBase: 'http://127.0.0.1:18020/prometheus' },
  }),
});

browser.runtime.onMessage.addListener((message: unknown) => popupHandler(message, undefined));
