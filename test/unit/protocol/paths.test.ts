import { describe, expect, it } from 'vitest';
import { HEALTH_PATH, PUBLIC_KEY_PATH, SESSION_CLOSE_PATH, authPaths, joinUrl, scPaths, scRoot } from '../../../src/protocol/paths';
import { LOCALES, negotiateLocale } from '../../../src/protocol/locales';

const API = 'http://127.0.0.1:18020/prometheus';

describe('paths', () => {
  it('builds the documented SC root', () => {
    expect(scRoot(API)).toBe(`${API}/web/v1/secure-channel`);
    expect(scRoot(`${API}/`, 'system')).toBe(`${API}/web/v1/secure-channel`);
  });

  it('builds a portal SC root for non-system portals', () => {
    expect(scRoot(API, 'tenant')).toBe(`${API}/web/v1/tenant/secure-channel`);
    expect(scPaths('partner').sessionClose).toBe('/web/v1/partner/secure-channel/session/close');
  });

  it('exposes the fixed SC and health paths relative to the API base', () => {
    expect(PUBLIC_KEY_PATH).toBe('/web/v1/secure-channel/public-key');
    expect(SESSION_CLOSE_PATH).toBe('/web/v1/secure-channel/session/close');
    expect(joinUrl(API, HEALTH_PATH)).toBe(`${API}/actuator/health`);
  });

  it('builds the system auth paths', () => {
    expect(authPaths('system')).toEqual({
      loginInitiate: '/web/v1/system/auth/login/initiate',
      loginComplete: '/web/v1/system/auth/login/complete',
      refresh: '/web/v1/system/auth/token/refresh',
      logout: '/web/v1/system/auth/logout',
    });
  });

  it('builds other portals under their own prefix', () => {
    expect(authPaths('consumer').refresh).toBe('/web/v1/consumer/auth/token/refresh');
  });
});

describe('locales', () => {
  it('lists the documented locales', () => {
    expect(LOCALES).toEqual(['en', 'zh', 'zh-Hant', 'ja', 'vi']);
  });

  it('negotiates Accept-Language with quality values and falls back to en', () => {
    expect(negotiateLocale('fr-FR,ja;q=0.8,en;q=0.5')).toBe('ja');
    expect(negotiateLocale('zh-TW')).toBe('zh-Hant');
    expect(negotiateLocale('zh-CN,zh;q=0.9')).toBe('zh');
    expect(negotiateLocale('de')).toBe('en');
    expect(negotiateLocale(undefined)).toBe('en');
  });
});
