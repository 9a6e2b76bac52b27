import { describe, expect, test } from 'vitest';
import { searchHaystack } from '../../../src/devtools/model/filter';
import { exchange } from './fixtures';

describe('search haystack', () => {
  test('holds the path, the response code and both decrypted bodies', () => {
    const h = searchHaystack(exchange());
    expect(h).toContain('/token/refresh');
    expect(h).toContain('2000');
    expect(h).toContain('rt-abc');
    expect(h).toContain('at-xyz');
  });

  test('a side known only as parsed JSON is searched through its serialisation', () => {
    const d = exchange({ response: { text: undefined, json: { data: { needle: 1 } } } });
    expect(searchHaystack(d)).toContain('"needle":1');
  });
});
