/**
 * `chrome.runtime.sendMessage` adapter for one-shot calls from extension pages to the service worker.
 * Sending wakes a stopped worker; "Receiving end does not exist" means it could not start in time.
 * No webextension-polyfill here: `sendMessage` returns a promise natively (Chrome MV3; Firefox's own
 * `browser`), and the polyfill would cost every screen ~3 KB gzipped (issue #12). The worker keeps it for
 * its promise-returning `onMessage` listener.
 */
import { KeyholeError } from '../protocol/errors';
import type { RpcTransport } from './rpc';

export function runtimeTransport(): RpcTransport {
  return {
    async send(request) {
      try {
        return await runtime().sendMessage(request);
      } catch (e) {
        throw new KeyholeError('WORKER_UNAVAILABLE', `rpc: background not reachable (${e instanceof Error ? e.message : e})`);
      }
    },
  };
}

function runtime(): typeof chrome.runtime {
  return ((globalThis as { browser?: typeof chrome }).browser ?? chrome).runtime;
}
