import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { csvStream, csvText, type CsvRow } from '../../src/csv';

describe('the one CSV writer', () => {
  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['\rCR', `"'\rCR"`],
    ['\uFF1DSUM(A1)', "'\uFF1DSUM(A1)"],
    ['a,b', '"a,b"'],
    ['line\nbreak', '"line\nbreak"'],
    ['say "hi"', '"say ""hi"""'],
    ['plain', 'plain'],
    ['', ''],
    [null, ''],
    [undefined, ''],
    [85.5, '85.5'],
    [-2, '-2'],
    [true, 'true'],
    [new Date('2026-01-02T03:04:05Z'), '2026-01-02T03:04:05.000Z'],
  ])('writes the cell %p as %p (formulas defused, RFC 4180 quoting)', (input, expected) => {
    expect(csvText([[input]])).toBe(`${expected}\r\n`);
  });

  it('ends every record with CRLF and starts with a BOM only when asked', () => {
    expect(csvText([['a', 'b'], ['c', null]])).toBe('a,b\r\nc,\r\n');
    expect(csvText([['a']], { bom: true })).toBe('\uFEFFa\r\n');
    expect(csvText([])).toBe('');
  });

  it('streams the same text, row by row, with a BOM', async () => {
    const rows: CsvRow[] = [['name', 'score'], ['=cmd|"/c calc"!A0', 90], ['Ada, Countess', null]];
    let out = '';
    await pipeline(Readable.from(rows), csvStream({ bom: true }), new Writable({ write(chunk: Buffer, _enc, done) { out += chunk.toString('utf8'); done(); } }));
    expect(out).toBe(csvText(rows, { bom: true }));
    expect(out).toBe(`\uFEFFname,score\r\n"'=cmd|""/c calc""!A0",90\r\n"Ada, Countess",\r\n`);
  });
});
