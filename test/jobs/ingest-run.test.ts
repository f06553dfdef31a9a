import { describe, expect, it } from 'vitest';
import { fmt } from '../../src/jobs/ingest-run.ts';

describe('fmt: counts in the ingest log', () => {
  it('groups digits in threes from the right, as en-US does', () => {
    for (const n of [0, 7, 999, 1000, 1001, 99_999, 100_000, 123_456_789, 1_000_000_000, -1, -999, -1000, -1_234_567]) {
      expect(fmt(n)).toBe(n.toLocaleString('en-US'));
    }
    expect(fmt(999)).toBe('999');
    expect(fmt(1000)).toBe('1,000');
    expect(fmt(1_234_567)).toBe('1,234,567');
  });

  it('writes a number that is not a safe integer as toLocaleString does', () => {
    expect(fmt(1234.5)).toBe('1,234.5');
  });
});
