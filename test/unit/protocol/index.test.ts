import { describe, expect, it } from 'vitest';
import * as protocol from '../../../src/protocol/index';

describe('protocol index', () => {
  it('re-exports the contract surface', () => {
    for (const name of [
      'KeyholeError', 'isKeyholeError', 'utf8Encode', 'utf8Decode', 'toBase64', 'fromBase64', 'toBase64Url', 'fromBase64Url',
      'fromBase64Any', 'toHex', 'fromHex', 'decodeKey', 'concatBytes', 'bytesEqual', 'randomBytes', 'ENVELOPE_TYPE',
      'hasEnvelopeMagic', 'parseBinaryEnvelope', 'buildBinaryEnvelope', 'looksLikeJsonEnvelope', 'parseJsonEnvelope',
      'buildJsonEnvelope', 'detectBodyForm', 'webCryptoAead', 'nobleAead', 'sealMessage', 'openMessage', 'describeEnvelope',
      'generateAesKey', 'rsaOaepEncrypt', 'wrapSessionKeys', 'importPrivateKeyPem', 'rsaOaepUnwrap', 'StandardEnvelope',
      'PublicKeyData', 'SessionCreateRequest', 'SessionCreateData', 'LoginInitiateRequest', 'LoginInitiateData',
      'LoginCompleteRequest', 'TokenPairData', 'RefreshRequest', 'RefreshData', 'LogoutData', 'LOCALES', 'scRoot', 'authPaths',
      'PUBLIC_KEY_PATH', 'buildGatewayHeaders', 'decodeJwt', 'accessTokenExpiry', 'errorFromResponse',
    ]) {
      expect(protocol, name).toHaveProperty(name);
    }
  });

  it('names envelope types as the spec does', () => {
    expect(protocol.ENVELOPE_TYPE).toEqual({ KEY_EXCHANGE: 1, SESSION_DATA: 2, RESPONSE_DATA: 0x81 });
  });
});
