import { describe, expect, it } from 'vitest';
import { detectBodyForm } from '../../../src/protocol/detect';
import { bytesToLatin1, utf8Encode } from '../../../src/protocol/bytes';
import { hex, vectors } from './helpers';

describe('detectBodyForm', () => {
  it('detects a binary envelope by its magic', () => {
    expect(detectBodyForm(hex(vectors.envelopes.type2.envelope))).toBe('binary');
  });

  it('detects a binary envelope given as a Latin-1 string', () => {
    expect(detectBodyForm(bytesToLatin1(hex(vectors.envelopes.type129.envelope)))).toBe('binary');
  });

  it('detects a JSON envelope as text and as bytes', () => {
    expect(detectBodyForm(vectors.jsonEnvelopes.request.text)).toBe('json-envelope');
    expect(detectBodyForm(utf8Encode(vectors.jsonEnvelopes.response.text))).toBe('json-envelope');
  });

  it('detects a plain standard envelope as plain JSON', () => {
    expect(detectBodyForm('{"success":false,"code":"AUTH.REFRESH_TOKEN_INVALID","message":"Invalid or expired refresh token"}')).toBe('plain-json');
  });

  it('calls an empty or blank body empty', () => {
    expect(detectBodyForm(new Uint8Array())).toBe('empty');
    expect(detectBodyForm('  \n')).toBe('empty');
  });

  it('calls anything else other', () => {
    expect(detectBodyForm('hello')).toBe('other');
    expect(detectBodyForm(new Uint8Array([0xff, 0x00, 0x53]))).toBe('other');
    expect(detectBodyForm('SCAN the code')).toBe('other');
  });
});
