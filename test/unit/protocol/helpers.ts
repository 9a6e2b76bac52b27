/** Shared test helpers: fixture access and "throws this code with this message" assertions. */
import { expect } from 'vitest';
import vectors from '../../fixtures/vectors.json';
import { KeyholeError, type ErrorCode } from '../../../src/protocol/errors';
import { fromHex } from '../../../src/protocol/bytes';

export { vectors };
export const hex = fromHex;

/** Asserts a sync function throws a KeyholeError with exactly this code and message. */
export function expectThrowsCode(fn: () => unknown, code: ErrorCode, message?: string): KeyholeError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  return checkError(caught, code, message);
}

/** Asserts a promise rejects with a KeyholeError with exactly this code and message. */
export async function expectRejectsCode(p: Promise<unknown>, code: ErrorCode, message?: string): Promise<KeyholeError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  return checkError(caught, code, message);
}

function checkError(caught: unknown, code: ErrorCode, message?: string): KeyholeError {
  expect(caught, 'expected an error').toBeInstanceOf(KeyholeError);
  const e = caught as KeyholeError;
  expect(e.code).toBe(code);
  if (message !== undefined) expect(e.message).toBe(message);
  return e;
}
