// Workbooks for the .xlsx reader's tests, written part by part the way Excel
// writes them (ECMA-376 SpreadsheetML: shared strings, cell styles, the
// package relationships), so a test can also reorder the parts, prefix the
// elements or drop a part, as other writers do.
import { writeZip } from './readers-helpers.ts';

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';

export const xml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** A shared string table being built: `index(text)` gives the string's index. */
export class SharedStrings {
  /** Plain strings, or the raw body of a rich-text / phonetic <si>. */
  readonly items: (string | { raw: string })[] = [];
  private readonly byText = new Map<string, number>();
  index(text: string): number {
    let at = this.byText.get(text);
    if (at === undefined) this.byText.set(text, (at = this.items.push(text) - 1));
    return at;
  }
  /** A string written as the given <si> body (runs, phonetic guides). */
  raw(body: string): number {
    return this.items.push({ raw: body }) - 1;
  }
  /** A cell holding a shared string. */
  cell(ref: string, text: string): string {
    return `<c r="${ref}" t="s"><v>${this.index(text)}</v></c>`;
  }
}

export interface FixtureSheet {
  name: string;
  /** The inner XML of <sheetData>. */
  rows: string;
  /** 'chartsheet' for a sheet with no cells. */
  kind?: 'worksheet' | 'chartsheet';
}

export interface FixtureWorkbook {
  /** In tab order; part N+1 is written for the N-th sheet in reverse, so tab order and part order differ. */
  sheets: FixtureSheet[];
  /** Custom number formats by id (164 and up). */
  numFmts?: Record<number, string>;
  /** numFmtId of each cell style, style 0 first. */
  cellXfs?: number[];
  strings?: SharedStrings;
  date1904?: boolean;
  /** Relationship targets written absolute (/xl/...) instead of relative. */
  absoluteTargets?: boolean;
}

/** The workbook's parts as [zip path, XML], in the order Excel stores them. */
export function workbookParts(book: FixtureWorkbook): [string, string][] {
  const strings = book.strings ?? new SharedStrings();
  const target = (path: string) => (book.absoluteTargets ? `/xl/${path}` : path);
  const parts: [string, string][] = [];
  const sheetParts = book.sheets.map((sheet, i) => {
    const n = book.sheets.length - i;
    return sheet.kind === 'chartsheet' ? `chartsheets/sheet${n}.xml` : `worksheets/sheet${n}.xml`;
  });
  parts.push([
    '[Content_Types].xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
  ]);
  parts.push(['_rels/.rels', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`]);
  const sheetEntries = book.sheets.map((sheet, i) => `<sheet name="${xml(sheet.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('');
  parts.push([
    'xl/workbook.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="${MAIN}" xmlns:r="${REL}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x15"><fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27425"/><workbookPr${book.date1904 ? ' date1904="1"' : ''} defaultThemeVersion="166925"/><bookViews><workbookView xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300"/></bookViews><sheets>${sheetEntries}</sheets><calcPr calcId="191029"/></workbook>`,
  ]);
  const n = book.sheets.length;
  const rels = book.sheets.map(
    (sheet, i) => `<Relationship Id="rId${i + 1}" Type="${REL}/${sheet.kind ?? 'worksheet'}" Target="${target(sheetParts[i]!)}"/>`,
  );
  rels.push(`<Relationship Id="rId${n + 1}" Type="${REL}/theme" Target="${target('theme/theme1.xml')}"/>`);
  rels.push(`<Relationship Id="rId${n + 2}" Type="${REL}/styles" Target="${target('styles.xml')}"/>`);
  rels.push(`<Relationship Id="rId${n + 3}" Type="${REL}/sharedStrings" Target="${target('sharedStrings.xml')}"/>`);
  parts.push(['xl/_rels/workbook.xml.rels', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="${PKG_REL}">${rels.join('')}</Relationships>`]);
  // Worksheets in part order (sheet1.xml first).
  const worksheets = book.sheets
    .map((sheet, i) => [sheet, sheetParts[i]!] as const)
    .sort((a, b) => a[1].localeCompare(b[1]))
    .map(([sheet, part]): [string, string] => [
      `xl/${part}`,
      sheet.kind === 'chartsheet'
        ? `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<chartsheet xmlns="${MAIN}" xmlns:r="${REL}"><sheetViews><sheetView workbookViewId="0"/></sheetViews><drawing r:id="rId1"/></chartsheet>`
        : `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${MAIN}" xmlns:r="${REL}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac xr" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" xr:uid="{00000000-0001-0000-0000-000000000000}"><dimension ref="A1"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/><sheetData>${sheet.rows}</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`,
    ]);
  parts.push(...worksheets);
  parts.push(['xl/theme/theme1.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Office Theme"><a:themeElements/></a:theme>`]);
  const numFmts = Object.entries(book.numFmts ?? {});
  const xfs = (book.cellXfs ?? [0]).map((id) => `<xf numFmtId="${id}" fontId="0" fillId="0" borderId="0" xfId="0"${id ? ' applyNumberFormat="1"' : ''}/>`).join('');
  parts.push([
    'xl/styles.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="${MAIN}">${numFmts.length ? `<numFmts count="${numFmts.length}">${numFmts.map(([id, code]) => `<numFmt numFmtId="${id}" formatCode="${xml(code)}"/>`).join('')}</numFmts>` : ''}<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="${(book.cellXfs ?? [0]).length}">${xfs}</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`,
  ]);
  const items = strings.items.map((item) =>
    typeof item === 'string' ? `<si><t${/^\s|\s$/.test(item) ? ' xml:space="preserve"' : ''}>${xml(item)}</t></si>` : `<si>${item.raw}</si>`,
  );
  parts.push(['xl/sharedStrings.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="${MAIN}" count="${items.length}" uniqueCount="${items.length}">${items.join('')}</sst>`]);
  parts.push(['docProps/app.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Excel</Application></Properties>`]);
  return parts;
}

export async function writeWorkbook(path: string, book: FixtureWorkbook, reorder: (parts: [string, string][]) => [string, string][] = (p) => p): Promise<void> {
  await writeZip(path, reorder(workbookParts(book)));
}
