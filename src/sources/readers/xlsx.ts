// One sheet of an .xlsx workbook as the private CSV the ingest reads. The
// zip is read through its central directory (zip-archive.ts) and the sheet's
// XML streamed through saxes, so rows are never all in memory (the shared
// string table is, as in every xlsx reader) and nothing is unpacked to disk.
//
// - The sheet: the one named (an exact match, else the one whose name matches
//   ignoring case, as Excel does), else the first worksheet in tab order. An
//   unknown name is an error that names the sheets the workbook has.
// - The header is the first row with a non-empty cell; its columns run to its
//   last non-empty cell. Rows with no value are not records. A data row with
//   a value right of the header's last column is quarantined (its values have
//   no column), not written.
// - `__origin_line` is the sheet's row number (row 1 is Excel's row 1).
// - Cell values are written as the cell shows them: see xlsx-values.ts.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { csvLine, originHeaderLine, type QuarantinedLine } from './csv-output.ts';
import { type PrivateFileWriter, withPrivateFile } from './private-file.ts';
import { cellText, type RawCell, UnreadableCellError } from './xlsx-values.ts';
import { readCellFormats, readSharedStrings, readWorkbook, type WorkbookSheet } from './xlsx-workbook.ts';
import { parseXmlPart } from './xml-part.ts';
import { ZipArchive } from './zip-archive.ts';

export interface XlsxOptions {
  /** The sheet to read; default the first worksheet. */
  sheet?: string;
}

export interface XlsxResult {
  /** SHA-256 (hex) and length of the .xlsx file's bytes. */
  sha256: string;
  bytes: number;
  /** The name of the sheet read. */
  sheet: string;
  /** Every sheet of the workbook, in tab order. */
  sheets: string[];
  /** The header's columns (before `__origin_line`); empty when the sheet has no value. */
  header: string[];
  /** Sheet row of the header (0 when the sheet has no value). */
  headerRow: number;
  /** Records written. rows read = rows + quarantined.length. */
  rows: number;
  quarantined: QuarantinedLine[];
}

interface SheetContext {
  file: string;
  sheet: string;
  formats: readonly (string | undefined)[];
  sharedStrings: readonly string[];
  date1904: boolean;
}

export async function xlsxToCsv(src: string, dst: string, options: XlsxOptions = {}): Promise<XlsxResult> {
  const file = basename(src);
  // Everything that can refuse the workbook happens before dst exists.
  const archive = await ZipArchive.open(src);
  try {
    const workbook = await readWorkbook(archive, file);
    const target = chooseSheet(workbook.sheets, options.sheet, file);
    const context: SheetContext = {
      file,
      sheet: target.name,
      formats: workbook.stylesPart ? await readCellFormats(archive, file, workbook.stylesPart) : [],
      sharedStrings: workbook.sharedStringsPart ? await readSharedStrings(archive, file, workbook.sharedStringsPart) : [],
      date1904: workbook.date1904,
    };
    const [digest, sheet] = await Promise.all([hashFile(src), withPrivateFile(dst, (out) => writeSheet(archive, target.part!, context, out))]);
    return { ...digest, sheet: target.name, sheets: workbook.sheets.map((s) => s.name), ...sheet };
  } finally {
    await archive.close();
  }
}

function chooseSheet(sheets: WorkbookSheet[], requested: string | undefined, file: string): WorkbookSheet & { part: string } {
  const names = () => sheets.map((s) => JSON.stringify(s.name)).join(', ');
  if (requested === undefined) {
    const first = sheets.find((s) => s.part !== undefined);
    if (!first) throw new Error(`${file}: the workbook has no worksheet (its sheets: ${names() || 'none'})`);
    return first as WorkbookSheet & { part: string };
  }
  const found = sheets.find((s) => s.name === requested) ?? sheets.find((s) => s.name.toLowerCase() === requested.toLowerCase());
  if (!found) throw new Error(`${file}: no sheet named ${JSON.stringify(requested)}; the workbook has ${names()}`);
  if (found.part === undefined) throw new Error(`${file}: sheet ${JSON.stringify(found.name)} is not a worksheet (a chart or dialog sheet has no rows)`);
  return found as WorkbookSheet & { part: string };
}

interface SheetRow {
  number: number;
  /** Cell texts by column (0-based); holes are empty cells. */
  cells: string[];
  /** Index of the last non-empty cell, -1 for none. */
  last: number;
}

async function writeSheet(archive: ZipArchive, part: string, context: SheetContext, out: PrivateFileWriter) {
  let header: string[] | undefined;
  let headerRow = 0;
  let written = 0;
  const quarantined: QuarantinedLine[] = [];
  const writeRows = async (rows: SheetRow[]) => {
    for (const row of rows) {
      if (row.last === -1) continue; // a row with no value is not a record
      if (header === undefined) {
        header = Array.from({ length: row.last + 1 }, (_, i) => row.cells[i] ?? '');
        headerRow = row.number;
        await out.write(originHeaderLine(header, context.file));
      } else if (row.last >= header.length) {
        quarantined.push({ line: row.number, reason: `has a value in column ${columnLetters(row.last + 1)}, right of the header's last column` });
      } else {
        const fields = Array.from({ length: header.length }, (_, i) => row.cells[i] ?? '');
        fields.push(String(row.number));
        await out.write(csvLine(fields));
        written++;
      }
    }
  };
  await readSheetRows(archive, part, context, writeRows);
  if (header === undefined) await out.write(originHeaderLine([], context.file));
  return { header: header ?? [], headerRow, rows: written, quarantined };
}

/**
 * Streams a worksheet's `<sheetData>`, handing over the rows each chunk
 * completes. A row or cell without its `r` reference follows the one before.
 */
async function readSheetRows(archive: ZipArchive, part: string, context: SheetContext, onRows: (rows: SheetRow[]) => Promise<void>) {
  let ready: SheetRow[] = [];
  let inSheetData = false;
  let row: SheetRow | undefined;
  let nextRow = 1;
  let cell: (RawCell & { column: number; style: number }) | undefined;
  let nextColumn = 1;
  let capture: 'v' | 't' | undefined;
  let inInline = false;
  let phonetic = 0;
  await parseXmlPart(
    archive,
    context.file,
    part,
    {
      open(name, attributes) {
        switch (name) {
          case 'sheetData':
            inSheetData = true;
            break;
          case 'row':
            if (!inSheetData) break;
            row = { number: attributes.r ? Number(attributes.r) : nextRow, cells: [], last: -1 };
            nextColumn = 1;
            break;
          case 'c':
            if (!row) break;
            cell = { column: attributes.r ? columnOf(attributes.r, context, row.number) : nextColumn, type: attributes.t ?? 'n', style: Number(attributes.s ?? 0), value: undefined, inline: undefined };
            break;
          case 'v':
            if (cell) {
              capture = 'v';
              cell.value = '';
            }
            break;
          case 'is':
            if (cell) {
              inInline = true;
              cell.inline = '';
            }
            break;
          case 'rPh':
            if (inInline) phonetic++;
            break;
          case 't':
            if (inInline && phonetic === 0) capture = 't';
            break;
        }
      },
      text(text) {
        if (!cell) return;
        if (capture === 'v') cell.value += text;
        else if (capture === 't') cell.inline += text;
      },
      close(name) {
        switch (name) {
          case 'v':
          case 't':
            capture = undefined;
            break;
          case 'rPh':
            if (inInline) phonetic--;
            break;
          case 'is':
            inInline = false;
            break;
          case 'c':
            if (!cell || !row) break;
            {
              const text = textOf(cell, context, row.number);
              if (text !== '') {
                row.cells[cell.column - 1] = text;
                row.last = Math.max(row.last, cell.column - 1);
              }
              nextColumn = cell.column + 1;
              cell = undefined;
            }
            break;
          case 'row':
            if (!row) break;
            ready.push(row);
            nextRow = row.number + 1;
            row = undefined;
            break;
          case 'sheetData':
            inSheetData = false;
            break;
        }
      },
    },
    async () => {
      if (ready.length === 0) return;
      const rows = ready;
      ready = [];
      await onRows(rows);
    },
  );
}

function textOf(cell: RawCell & { column: number; style: number }, context: SheetContext, rowNumber: number): string {
  try {
    return cellText(cell, context.formats[cell.style], context.date1904, context.sharedStrings);
  } catch (error) {
    if (error instanceof UnreadableCellError) {
      throw new Error(`${context.file} sheet ${JSON.stringify(context.sheet)} cell ${columnLetters(cell.column)}${rowNumber}: ${error.message}`);
    }
    throw error;
  }
}

/** The column of a cell reference: `B7` → 2. */
function columnOf(reference: string, context: SheetContext, rowNumber: number): number {
  const letters = /^\$?([A-Za-z]{1,3})/.exec(reference)?.[1];
  if (!letters) throw new Error(`${context.file} sheet ${JSON.stringify(context.sheet)} row ${rowNumber}: a cell reference ${JSON.stringify(reference)} that is not a cell`);
  let column = 0;
  for (const letter of letters.toUpperCase()) column = column * 26 + (letter.charCodeAt(0) - 64);
  return column;
}

/** 1 → A, 27 → AA. */
function columnLetters(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
