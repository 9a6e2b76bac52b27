import { describe, expect, it } from 'vitest';
import { buildGatewayHeaders } from '../../../src/protocol/headers';
import { expectThrowsCode } from './helpers';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('buildGatewayHeaders', () => {
  it('adds the Cloudflare simulation with documented defaults in local mode', () => {
    const h = buildGatewayHeaders({ mode: 'local', clientHash: 'fp1' });
    expect(h['CF-Connecting-IP']).toBe('127.0.0.1');
    expect(h['Cf-Ray']).toMatch(/^[0-9a-f]{16}-DEV$/);
    expect(h['cf-ipcountry']).toBe('US');
    expect(h['X-Forwarded-Proto']).toBe('https');
  });

  it('lets the caller override the Cloudflare values', () => {
    const h = buildGatewayHeaders({ mode: 'test', clientHash: 'fp1', cf: { ip: '10.0.0.9', ray: 'abc-DEV', country: 'JP' } });
    expect([h['CF-Connecting-IP'], h['Cf-Ray'], h['cf-ipcountry']]).toEqual(['10.0.0.9', 'abc-DEV', 'JP']);
  });

  it('leaves the Cloudflare headers to the real edge in production', () => {
    const h = buildGatewayHeaders({ mode: 'production', clientHash: 'fp1' });
    expect(Object.keys(h).some((k) => k.toLowerCase().startsWith('cf-') || k === 'X-Forwarded-Proto')).toBe(false);
  });

  it('always sends JSON content type and accept, even for binary bodies', () => {
    const h = buildGatewayHeaders({ mode: 'production', clientHash: 'fp1' });
    expect(h['Content-Type']).toBe('application/json;charset=UTF-8');
    expect(h.Accept).toBe('application/json');
  });

  it('sends the session id with SC version 2', () => {
    const h = buildGatewayHeaders({ mode: 'local', clientHash: 'fp1', sessionId: 'sess_1' });
    expect(h['X-SC-Session-Id']).toBe('sess_1');
    expect(h['X-SC-Version']).toBe('2');
    expect(buildGatewayHeaders({ mode: 'local', clientHash: 'fp1' })['X-SC-Version']).toBeUndefined();
  });

  it('sends the locale both as Accept-Language and X-LOCALE', () => {
    const h = buildGatewayHeaders({ mode: 'local', clientHash: 'fp1', locale: 'zh-Hant' });
    expect(h['Accept-Language']).toBe('zh-Hant');
    expect(h['X-LOCALE']).toBe('zh-Hant');
  });

  it('gives every request a fresh UUID v4 unless one is supplied', () => {
    const a = buildGatewayHeaders({ mode: 'local', clientHash: 'fp1' })['X-Request-Id'];
    const b = buildGatewayHeaders({ mode: 'local', clientHash: 'fp1' })['X-Request-Id'];
    expect(a).toMatch(UUID_V4);
    expect(a).not.toBe(b);
    expect(buildGatewayHeaders({ mode: 'local', clientHash: 'fp1', requestId: 'r-1' })['X-Request-Id']).toBe('r-1');
  });

  it('sends the client hash, portal code and bearer token', () => {
    const h = buildGatewayHeaders({ mode: 'local', clientHash: 'fp1', portalCode: 'P-123', accessToken: 'tok' });
    expect(h['X-Client-Hash']).toBe('fp1');
    expect(h['X-PORTAL-ACCESS-CODE']).toBe('P-123');
    expect(h.Authorization).toBe('Bearer tok');
  });

  it('never sets User-Agent', () => {
    const h = buildGatewayHeaders({ mode: 'local', clientHash: 'fp1', sessionId: 's', accessToken: 't', portalCode: 'p' });
    expect(Object.keys(h).map((k) => k.toLowerCase())).not.toContain('user-agent');
  });

  it('refuses header values with line breaks', () => {
    expectThrowsCode(() => buildGatewayHeaders({ mode: 'local', clientHash: 'a\r\nX-Evil: 1' }), 'INPUT_INVALID', 'headers: invalid value for X-Client-Hash');
  });
});
