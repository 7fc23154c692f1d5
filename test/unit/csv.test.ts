import { describe, expect, it } from 'vitest';
import { csvField, csvLine } from '../../src/http/csv.ts';
import { parseCsv } from '../fakes/csv.ts';

describe('CSV fields', () => {
  it('read back as written, whatever they hold: commas, quotes, line breaks, Arabic', () => {
    const values = ['plain', 'a, b', 'say "help"', 'line one\nline two', 'cr\r\nlf', 'محاصرون في الطابق الثالث', '', 'ends with "'];
    expect(parseCsv(csvLine(values))).toEqual([values]);
  });

  it('defuse what a spreadsheet would run as a formula with a leading quote', () => {
    for (const text of ['=1+1', '+33612345678', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])
      expect(parseCsv(csvLine([text]))[0]?.[0], JSON.stringify(text)).toBe(`'${text}`);
    expect(csvField('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    // Numbers the export writes itself (seconds, counts) stay numbers; a dash inside text is text.
    expect(csvLine([-3, 12, 'a - b'])).toBe('-3,12,a - b\r\n');
  });
});
