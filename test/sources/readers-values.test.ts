// The small rules under the readers: numbers without exponents, spreadsheet
// date formats and serials, and a JSON parser that keeps numbers as written.
import { describe, expect, it } from 'vitest';
import { JsonNumber, type JsonValue, parseJson } from '../../src/sources/readers/json-text.ts';
import { expandExponent, plainNumber } from '../../src/sources/readers/plain-number.ts';
import { cellText, dateFormatKind, decodeOoxmlEscapes, serialText, UnreadableCellError } from '../../src/sources/readers/xlsx-values.ts';

describe('plainNumber', () => {
  it('writes integers without a decimal point and never an exponent', () => {
    expect(plainNumber(12345)).toBe('12345');
    expect(plainNumber(1e21)).toBe('1000000000000000000000');
    expect(plainNumber(1.5e-7)).toBe('0.00000015');
    expect(plainNumber(-1234.5)).toBe('-1234.5');
    expect(plainNumber(-0)).toBe('0');
  });

  it('rounds to the 15 significant digits a spreadsheet shows', () => {
    expect(plainNumber(0.1 + 0.2)).toBe('0.3');
    expect(plainNumber(123456789012345678)).toBe('123456789012346000');
    expect(plainNumber(Number.NaN)).toBe('');
  });
});

describe('expandExponent', () => {
  it('moves the point instead of rounding', () => {
    expect(expandExponent('1.50e1')).toBe('15');
    expect(expandExponent('-2E-3')).toBe('-0.002');
    expect(expandExponent('12345678901234567890e2')).toBe('1234567890123456789000');
    expect(expandExponent('0e5')).toBe('0');
    expect(expandExponent('-0.0e0')).toBe('0');
  });

  it('leaves text without an exponent as written', () => {
    expect(expandExponent('12345.0')).toBe('12345.0');
    expect(expandExponent('007')).toBe('007');
  });
});

describe('dateFormatKind', () => {
  it.each([
    ['yyyy-mm-dd', 'date'],
    ['mm-dd-yy', 'date'],
    ['d-mmm-yy', 'date'],
    ['mmm-yy', 'date'],
    ['[$-409]mmmm d, yyyy;@', 'date'],
    ['m/d/yyyy h:mm', 'datetime'],
    ['yyyy-mm-dd hh:mm:ss', 'datetime'],
    ['m/d/yy h:mm', 'datetime'],
    ['[$-409]m/d/yy\\ h:mm\\ AM/PM;@', 'datetime'],
    ['h:mm AM/PM', 'time'],
    ['mm:ss', 'time'],
    ['[h]:mm:ss', 'elapsed'],
  ] as const)('%s is a %s format', (format, kind) => {
    expect(dateFormatKind(format)).toBe(kind);
  });

  it.each(['General', '0', '#,##0.00', '0.00E+00', '[Red]0.00', '"Day "0', '0\\d', '0" days"', '@', '# ?/?', '[$$-409]#,##0.00;[Red]-[$$-409]#,##0.00'])(
    '%s is not a date format',
    (format) => {
      expect(dateFormatKind(format)).toBeUndefined();
    },
  );
});

describe('serialText', () => {
  it('reads 1900-system serials, checked against known dates', () => {
    expect(serialText(45658, 'date', false)).toBe('2025-01-01');
    expect(serialText(46086, 'date', false)).toBe('2026-03-05');
    expect(serialText(46086.6043402778, 'datetime', false)).toBe('2026-03-05 14:30:15');
    expect(serialText(46086.75, 'date', false)).toBe('2026-03-05'); // the format shows the date only
  });

  it('keeps Excel’s count before March 1900', () => {
    expect(serialText(1, 'date', false)).toBe('1900-01-01');
    expect(serialText(59, 'date', false)).toBe('1900-02-28');
    expect(serialText(61, 'date', false)).toBe('1900-03-01');
  });

  it('reads the 1904 system', () => {
    expect(serialText(0, 'date', true)).toBe('1904-01-01');
    expect(serialText(44196, 'date', true)).toBe('2025-01-01');
  });

  it('rounds to the second, carrying into the next day', () => {
    expect(serialText(46086 + 86399.6 / 86400, 'datetime', false)).toBe('2026-03-06 00:00:00');
    expect(serialText(0.75, 'time', false)).toBe('18:00:00');
    expect(serialText(1.25, 'elapsed', false)).toBe('30:00:00');
  });
});

describe('cellText', () => {
  const cell = (type: string, value?: string, inline?: string) => ({ type, value, inline });
  const shared = ['Doe, "Jane"'];

  it('reads each cell type as the cell shows it', () => {
    expect(cellText(cell('n', '46086'), 'yyyy-mm-dd', false, shared)).toBe('2026-03-05');
    expect(cellText(cell('n', '46086'), undefined, false, shared)).toBe('46086');
    expect(cellText(cell('n', '1E+21'), 'General', false, shared)).toBe('1000000000000000000000');
    expect(cellText(cell('s', '0'), undefined, false, shared)).toBe('Doe, "Jane"');
    expect(cellText(cell('b', '1'), undefined, false, shared)).toBe('TRUE');
    expect(cellText(cell('b', '0'), undefined, false, shared)).toBe('FALSE');
    expect(cellText(cell('e', '#N/A'), undefined, false, shared)).toBe('#N/A');
    expect(cellText(cell('str', 'a_x000D_b'), undefined, false, shared)).toBe('a\rb');
    expect(cellText(cell('inlineStr', undefined, 'typed'), undefined, false, shared)).toBe('typed');
    expect(cellText(cell('n'), 'yyyy-mm-dd', false, shared)).toBe(''); // a formula with no cached value
  });

  it('reads ISO dates (t="d") in the shape of the format', () => {
    expect(cellText(cell('d', '2026-03-05T14:30:15Z'), 'yyyy-mm-dd', false, shared)).toBe('2026-03-05');
    expect(cellText(cell('d', '2026-03-05T14:30:15Z'), 'yyyy-mm-dd hh:mm:ss', false, shared)).toBe('2026-03-05 14:30:15');
    expect(cellText(cell('d', '2026-03-05T14:30'), undefined, false, shared)).toBe('2026-03-05 14:30:00');
    expect(cellText(cell('d', '2026-03-05'), undefined, false, shared)).toBe('2026-03-05');
  });

  it('refuses a shared string the table does not have', () => {
    expect(() => cellText(cell('s', '1'), undefined, false, shared)).toThrow(UnreadableCellError);
  });

  it('decodes the _xHHHH_ escapes OOXML uses for line breaks', () => {
    expect(decodeOoxmlEscapes('a_x000D__x000A_b')).toBe('a\r\nb');
    expect(decodeOoxmlEscapes('keep_x005F_x000D_')).toBe('keep_x000D_');
  });
});

describe('parseJson', () => {
  /** The parse as plain JS values, numbers as JSON.parse would read them. */
  const plain = (value: JsonValue): unknown => {
    if (value instanceof JsonNumber) return Number(value.text);
    if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, plain(v)]));
    return Array.isArray(value) ? value.map(plain) : value;
  };

  it.each([
    '{"a":[1,-2.5e3,0,true,false,null,{"b":"c"}],"d":"\\u00e9\\n\\"\\\\\\/"}',
    ' { "x" : [ ] , "y" : { } } ',
    '{"a":1,"a":2}',
    '{"__proto__":1}',
    '"plain"',
    '-0.0e-0',
    '[[[]]]',
  ])('reads %s as JSON.parse does', (text) => {
    expect(plain(parseJson(text))).toEqual(JSON.parse(text));
  });

  it.each(['{"a":1,}', "{'a':1}", '01', '1.', '.5', '-', 'NaN', '{"a" 1}', '[1 2]', '"tab\there"', '"\\x"', '{"a":1} x', '', 'tru', '"open'])(
    'refuses %s as JSON.parse does',
    (text) => {
      expect(() => JSON.parse(text)).toThrow();
      expect(() => parseJson(text)).toThrow();
    },
  );

  it('keeps the text of numbers JSON.parse would round', () => {
    const value = parseJson('{"id":12345678901234567890}') as Map<string, JsonValue>;
    expect((value.get('id') as JsonNumber).text).toBe('12345678901234567890');
  });
});
