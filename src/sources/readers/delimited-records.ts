// Records of delimited text, split the way refloop reads canonical CSV
// (record-scanner.ts), with any one-character delimiter and quote:
// - LF, CRLF and a lone CR each end a physical line; a line with no
//   characters is blank and is not a record;
// - a quote opens a quoted field only at the start of a field (elsewhere it
//   is a literal character); inside one, a doubled quote is a literal quote,
//   and a quote followed by the delimiter, a line end or the end of the text
//   closes it; line ends inside a quoted field belong to the value;
// - text after a closing quote is broken quoting: the record is reported as
//   broken and runs from its start to the end of that physical line;
// - a quote still open at the end of the text is reported with the line the
//   record started on (the caller then reads each line from there on its own,
//   as extracts.md requires).
// The first `skipLines` physical lines are passed over unread (a report's
// title and parameters above its header), quotes in them included.
//
// csv-parse is not used here: measured with csv-parse 7.0.3, `info.lines`
// counts CRLF inside a quoted field as two lines, and after an invalid closing
// quote its error recovery reads the rest of the file as one unclosed field.

const LF = 0x0a;
const CR = 0x0d;

export type SplitItem = { kind: 'record'; line: number; fields: string[] } | { kind: 'broken'; line: number };

export interface SplitOptions {
  delimiter: string;
  /** The quote character, or null when the text has no quoting. */
  quote: string | null;
  skipLines: number;
}

const PREAMBLE = 0;
const FIELD_START = 1;
const UNQUOTED = 2;
const QUOTED = 3;
/** Inside quotes, just after a quote: a second one is a literal, anything else closes the field. */
const QUOTE_PENDING = 4;
/** After broken quoting, the rest of the line belongs to the broken record. */
const SKIP_TO_LINE_END = 5;

export class DelimitedSplitter {
  private readonly delimiter: number;
  private readonly quote: number;
  private readonly quoteText: string;
  private state: number;
  private skipRemaining: number;
  /** Physical line of the next character. */
  private line = 1;
  /** A CR ended a line: an LF right after it is the same line end. */
  private afterCR = false;
  private recordOpen = false;
  private recordLine = 0;
  private fields: string[] = [];
  private field = '';

  constructor(options: SplitOptions) {
    this.delimiter = options.delimiter.charCodeAt(0);
    this.quote = options.quote ? options.quote.charCodeAt(0) : -1;
    this.quoteText = options.quote ?? '';
    this.skipRemaining = options.skipLines;
    this.state = options.skipLines > 0 ? PREAMBLE : FIELD_START;
  }

  /** Splits a chunk of text; returns the records (and broken records) it completed. */
  push(text: string): SplitItem[] {
    const out: SplitItem[] = [];
    const n = text.length;
    const delimiter = this.delimiter;
    const quote = this.quote;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (this.afterCR) {
        this.afterCR = false;
        if (c === LF) {
          if (this.state === QUOTED) this.field += '\n';
          i++;
          continue;
        }
      }
      switch (this.state) {
        case PREAMBLE:
          if (c === CR || c === LF) {
            this.endLine(c);
            if (--this.skipRemaining === 0) this.state = FIELD_START;
          }
          i++;
          break;
        case FIELD_START:
          if (c === CR || c === LF) {
            if (this.recordOpen) {
              // After a delimiter: the record ends in an empty field.
              this.fields.push('');
              this.endRecord(out);
            }
            this.endLine(c);
            i++;
          } else {
            this.openRecord();
            if (c === quote) {
              this.state = QUOTED;
              i++;
            } else if (c === delimiter) {
              this.fields.push('');
              i++;
            } else {
              this.state = UNQUOTED;
            }
          }
          break;
        case UNQUOTED: {
          let j = i;
          let d = c;
          while (d !== delimiter && d !== CR && d !== LF) {
            if (++j === n) break;
            d = text.charCodeAt(j);
          }
          this.field += text.slice(i, j);
          i = j;
          if (j === n) break;
          this.fields.push(this.field);
          this.field = '';
          this.state = FIELD_START;
          if (d !== delimiter) {
            this.endRecord(out);
            this.endLine(d);
          }
          i++;
          break;
        }
        case QUOTED: {
          let j = i;
          let d = c;
          while (d !== quote && d !== CR && d !== LF) {
            if (++j === n) break;
            d = text.charCodeAt(j);
          }
          this.field += text.slice(i, j);
          i = j;
          if (j === n) break;
          if (d === quote) {
            this.state = QUOTE_PENDING;
          } else {
            this.field += d === CR ? '\r' : '\n';
            this.line++;
            this.afterCR = d === CR;
          }
          i++;
          break;
        }
        case QUOTE_PENDING:
          if (c === quote) {
            this.field += this.quoteText;
            this.state = QUOTED;
          } else if (c === delimiter) {
            this.fields.push(this.field);
            this.field = '';
            this.state = FIELD_START;
          } else if (c === CR || c === LF) {
            this.fields.push(this.field);
            this.endRecord(out);
            this.endLine(c);
            this.state = FIELD_START;
          } else {
            out.push({ kind: 'broken', line: this.recordLine });
            this.resetRecord();
            this.state = SKIP_TO_LINE_END;
          }
          i++;
          break;
        case SKIP_TO_LINE_END:
          if (c === CR || c === LF) {
            this.endLine(c);
            this.state = FIELD_START;
          }
          i++;
          break;
      }
    }
    return out;
  }

  /** The end of the text: the last record, and the line of a quote left open. */
  finish(): { items: SplitItem[]; openQuoteLine?: number } {
    const items: SplitItem[] = [];
    switch (this.state) {
      case FIELD_START:
        if (this.recordOpen) {
          this.fields.push('');
          this.endRecord(items);
        }
        break;
      case UNQUOTED:
      case QUOTE_PENDING:
        this.fields.push(this.field);
        this.endRecord(items);
        break;
      case QUOTED:
        return { items, openQuoteLine: this.recordLine };
    }
    return { items };
  }

  private openRecord() {
    if (this.recordOpen) return;
    this.recordOpen = true;
    this.recordLine = this.line;
  }

  private endRecord(out: SplitItem[]) {
    out.push({ kind: 'record', line: this.recordLine, fields: this.fields });
    this.resetRecord();
  }

  private resetRecord() {
    this.recordOpen = false;
    this.fields = [];
    this.field = '';
  }

  private endLine(c: number) {
    this.line++;
    this.afterCR = c === CR;
  }
}

/** Physical lines of text (line ends removed), numbered from 1; LF, CRLF and a lone CR end a line. */
export class PhysicalLines {
  private line = 1;
  private current = '';
  private afterCR = false;

  push(text: string): { line: number; text: string }[] {
    const out: { line: number; text: string }[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.afterCR) {
        this.afterCR = false;
        if (c === LF) {
          start = i + 1;
          continue;
        }
      }
      if (c !== CR && c !== LF) continue;
      out.push({ line: this.line++, text: this.current + text.slice(start, i) });
      this.current = '';
      this.afterCR = c === CR;
      start = i + 1;
    }
    this.current += text.slice(start);
    return out;
  }

  /** The last line when the text does not end with a line end. */
  finish(): { line: number; text: string }[] {
    return this.current.length > 0 ? [{ line: this.line, text: this.current }] : [];
  }
}
