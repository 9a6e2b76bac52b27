/** DecryptedExchange fixtures for the panel's pure logic. */
import type { DecryptedExchange } from '../../../src/devtools/inspect-types';

let n = 0;
export function exchange(over: {
  path?: string;
  method?: string;
  status?: number;
  request?: Partial<DecryptedExchange['request']>;
  response?: Partial<DecryptedExchange['response']>;
  source?: DecryptedExchange['exchange']['source'];
  startedAt?: number;
  id?: string;
  headers?: Record<string, string>;
} = {}): DecryptedExchange {
  const path = over.path ?? '/prometheus/web/v1/system/auth/token/refresh';
  return {
    exchange: {
      id: over.id ?? `ex-${++n}`,
      tabId: 1,
      source: over.source ?? 'hook-fetch',
      startedAt: over.startedAt ?? 1_700_000_000_000,
      method: over.method ?? 'POST',
      url: `http://127.0.0.1:18020${path}`,
      requestHeaders: over.headers ?? { 'content-type': 'application/json;charset=UTF-8', 'x-sc-session-id': 'sess_1' },
      status: over.status ?? 200,
      responseHeaders: {},
      requestBody: { base64: 'U0MCAg==', size: 40, truncated: false },
      responseBody: { base64: 'U0MCgQ==', size: 120, truncated: false },
    },
    path,
    sessionId: 'sess_1',
    kind: 'refresh',
    request: { form: 'binary', status: 'decrypted', text: '{"refreshToken":"rt-abc"}', json: { refreshToken: 'rt-abc' }, ...over.request },
    response: { form: 'binary', status: 'decrypted', text: '{"code":"2000","data":{"accessToken":"at-xyz"}}', json: { code: '2000', data: { accessToken: 'at-xyz' } }, ...over.response },
    responseCode: '2000',
  } as DecryptedExchange;
}
