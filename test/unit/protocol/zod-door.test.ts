/**
 * Extension schemas must never reach `new Function` (CSP violation reports in the page, web-ext lint's
 * DANGEROUS_EVAL): the door module sets zod's `jitless` before any schema exists. This counts every
 * `Function` construction while schemas of each kind the extension uses are built and parsed.
 */
import { afterEach, describe, expect, it } from 'vitest';

const RealFunction = globalThis.Function;
afterEach(() => {
  globalThis.Function = RealFunction;
});

describe('protocol/zod door', () => {
  it('is jitless, and building and parsing object schemas constructs no Function', async () => {
    let constructed = 0;
    globalThis.Function = new Proxy(RealFunction, {
      construct(target, args) {
        constructed++;
        return Reflect.construct(target, args);
      },
      apply(target, self, args) {
        constructed++;
        return Reflect.apply(target, self, args);
      },
    });
    const z = await import('../../../src/protocol/zod');
    const { SessionRecord } = await import('../../../src/domain/session');
    const { PageMessage } = await import('../../../src/capture/page-message');
    expect(z.config().jitless).toBe(true);
    const S = z.looseObject({ a: z.string().check(z.maxLength(3)), b: z.optional(z.int()) });
    for (let i = 0; i < 3; i++) {
      expect(S.safeParse({ a: 'abc', b: 1, c: true }).success).toBe(true);
      expect(S.safeParse({ a: 'abcd' }).success).toBe(false);
      expect(SessionRecord.safeParse({ key: 'k', envId: 'e', source: 'signin', createdAt: 1, refreshToken: 'r', status: 'active' }).success).toBe(true);
      expect(PageMessage.safeParse({ channel: 'x', kind: 'nope' }).success).toBe(false);
    }
    expect(constructed).toBe(0);
  });
});
