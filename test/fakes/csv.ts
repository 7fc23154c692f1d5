/**
 * Reads CSV strictly as RFC 4180 writes it (CRLF between records, quoted fields with doubled quotes):
 * any other shape (a bare LF, a quote inside an unquoted field, text after a closing quote, a missing
 * final CRLF) throws, so a test parsing an export proves a spreadsheet would read it the same way.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  const fail = (what: string) => {
    throw new Error(`not RFC 4180 CSV at character ${i} (record ${records.length + 1}): ${what}`);
  };
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) fail('a quoted field never closes');
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i += 1;
          break;
        } else field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') fail('a quote in an unquoted field');
        field += text[i++];
      }
    }
    record.push(field);
    if (text[i] === ',') i += 1;
    else if (text[i] === '\r' && text[i + 1] === '\n') {
      records.push(record);
      record = [];
      i += 2;
    } else fail(i >= text.length ? 'no CRLF after the last record' : `unexpected ${JSON.stringify(text[i])}`);
  }
  const widths = new Set(records.map((r) => r.length));
  if (widths.size > 1) throw new Error(`records of different lengths: ${[...widths].join(', ')}`);
  return records;
}
