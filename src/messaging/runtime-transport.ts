/**
 * `chrome.runtime.sendMessage` adapter for one-shot calls from extension pages to the service worker.
 * Sending wakes a stopped worker; "Receiving end does not exist" means it could not start in time.
 */
import browser from 'webextension-polyfill';
import { KeyholeError } from '../protocol/errors';
import type { RpcTransport } from './rpc';

export function runtimeTransport(): RpcTransport {
  return {
    async send(request) {
      try {
        return await browser.runtime.sendMessage(request);
      } catch (e) {
        throw new KeyholeError('WORKER_UNAVAILABLE', `rpc: background not reachable (${e instanceof Error ? e.message : e})`);
      }
    },
  };
}
