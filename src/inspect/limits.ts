/**
 * Every length a captured value may have, in one place (issue #10: a value one layer accepted and the
 * next refused made a never-throws path throw). The hook's page-message schema, the relay→worker RPC,
 * the tab buffers, the keyring and the panel port all read these, so what passes the first gate fits
 * every later one. Constants only: the MAIN-world hook inlines this file and must stay dependency-free.
 */

/** Bodies above this are recorded as truncated (size kept, bytes dropped), never silently lost. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** A URL as the page wrote it (the browser itself allows more; longer ones are not SCv2 calls). */
export const MAX_URL_LENGTH = 16_384;
export const MAX_HEADER_NAME_LENGTH = 256;
export const MAX_HEADER_VALUE_LENGTH = 16_384;
export const MAX_HEADERS = 200;
/**
 * An SC session id the keyring can hold (the gateway's are `sess_<uuid>`, 41 characters). A longer
 * `X-SC-Session-Id` is captured and shown, but its exchange cannot be keyed: it says so with a coded
 * error instead of reaching the keyring.
 */
export const MAX_SESSION_ID_LENGTH = 512;
/** The hook's exchange ids (`<time>-<random>-<seq>`); the worker's own ids for HAR/devtools rows fit too. */
export const MAX_EXCHANGE_ID_LENGTH = 128;
export const MAX_ERROR_LENGTH = 2000;
/** RSA-OAEP output of a key up to 8192 bits, the largest a page could plausibly wrap with. */
export const MAX_WRAPPED_BYTES = 1024;
/** Base64 of MAX_WRAPPED_BYTES. */
export const MAX_WRAPPED_BASE64 = Math.ceil(MAX_WRAPPED_BYTES / 3) * 4;
/** A JWK `k` of a 32-byte AES key is 43 characters; a little slack for padding forms. */
export const MAX_JWK_K_LENGTH = 64;
