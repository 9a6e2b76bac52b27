/**
 * Keyhole protocol core — pure SCv2 (spec: ../shared/docs/scv2-protocol.md). Runs in browsers, the
 * MV3 service worker and Node; the only platform API used is WebCrypto (globalThis.crypto).
 */
export * from './errors';
export * from './bytes';
export * from './envelope-binary';
export * from './envelope-json';
export * from './detect';
export * from './aead';
export * from './iv';
export * from './message';
export * from './rsa';
export * from './schemas';
export * from './locales';
export * from './paths';
export * from './headers';
export * from './jwt';
export * from './server-errors';
