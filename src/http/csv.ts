/**
 * CSV as spreadsheets read it (RFC 4180): fields separated by commas, lines by CRLF, a field holding a
 * comma, a quote or a line break put in quotes with its quotes doubled. A field a spreadsheet would run
 * as a formula (starting with = + - @, or a tab or carriage return that hides one) gets a leading '
 * (OWASP's CSV injection advice): a citizen's words "=HYPERLINK(...)" stay words. A phone (+33...)
 * gets it too, which keeps it text: a spreadsheet would read +33612345678 as the number 33612345678.
 */

/** Put first in a UTF-8 CSV file so that Excel reads it as UTF-8 (Arabic, accents), not in the machine's code page. */
export const UTF8_BOM = '\uFEFF';

/** One field, quoted when it must be, defused when it could run as a formula. */
export function csvField(value: string | number | null | undefined): string {
  const raw = value === null || value === undefined ? '' : String(value);
  const safe = typeof value === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record, ended by CRLF. */
export function csvLine(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
