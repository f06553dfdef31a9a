// The parts of an .xlsx workbook needed before a sheet can be read: its sheet
// list (tab order, and the part of each worksheet), its date system, the
// number format of each cell style, and the shared string table. Parts are
// found through the package's relationships, not by fixed names, so a
// workbook whose writer names or places its parts differently still reads.
import { posix } from 'node:path';
import { BUILTIN_FORMATS, decodeOoxmlEscapes } from './xlsx-values.ts';
import { parseXmlPart } from './xml-part.ts';
import type { ZipArchive } from './zip-archive.ts';

export interface WorkbookSheet {
  name: string;
  /** The zip path of its worksheet part; undefined for chart and other non-worksheet sheets. */
  part?: string;
}

export interface WorkbookInfo {
  sheets: WorkbookSheet[];
  /** Dates count from 1904-01-01 (old Mac workbooks) rather than 1900. */
  date1904: boolean;
  stylesPart?: string;
  sharedStringsPart?: string;
}

interface Relationship {
  type: string;
  target: string;
}

export async function readWorkbook(archive: ZipArchive, file: string): Promise<WorkbookInfo> {
  const rootRels = await readRelationships(archive, file, '_rels/.rels', '');
  const workbookPart = [...rootRels.values()].find((r) => r.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
  if (!archive.has(workbookPart)) throw new Error(`${file}: not an .xlsx workbook (it has no ${workbookPart})`);
  const dir = posix.dirname(workbookPart);
  const rels = await readRelationships(archive, file, posix.join(dir, '_rels', `${posix.basename(workbookPart)}.rels`), dir);

  const sheets: WorkbookSheet[] = [];
  let date1904 = false;
  await parseXmlPart(archive, file, workbookPart, {
    open(name, attributes) {
      if (name === 'workbookPr') date1904 = attributes.date1904 === '1' || attributes.date1904 === 'true';
      if (name !== 'sheet') return;
      const id = Object.entries(attributes).find(([key]) => key.endsWith(':id'))?.[1];
      const rel = id === undefined ? undefined : rels.get(id);
      const isWorksheet = rel !== undefined && rel.type.endsWith('/worksheet') && archive.has(rel.target);
      sheets.push(isWorksheet ? { name: attributes.name ?? '', part: rel.target } : { name: attributes.name ?? '' });
    },
  });
  const byType = (suffix: string) => [...rels.values()].find((r) => r.type.endsWith(suffix) && archive.has(r.target))?.target;
  const stylesPart = byType('/styles');
  const sharedStringsPart = byType('/sharedStrings');
  return { sheets, date1904, ...(stylesPart ? { stylesPart } : {}), ...(sharedStringsPart ? { sharedStringsPart } : {}) };
}

/** A part's relationships by id, targets resolved to zip paths (external targets left out). */
async function readRelationships(archive: ZipArchive, file: string, part: string, baseDir: string): Promise<Map<string, Relationship>> {
  const rels = new Map<string, Relationship>();
  if (!archive.has(part)) return rels;
  await parseXmlPart(archive, file, part, {
    open(name, attributes) {
      if (name !== 'Relationship' || attributes.TargetMode === 'External' || !attributes.Id || !attributes.Target) return;
      rels.set(attributes.Id, { type: attributes.Type ?? '', target: resolveTarget(baseDir, attributes.Target) });
    },
  });
  return rels;
}

/** A relationship target as a zip path: relative to the source part's folder, or absolute from the package root. */
function resolveTarget(baseDir: string, target: string): string {
  let decoded = target;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    // not percent-encoded after all
  }
  const path = decoded.startsWith('/') ? decoded.slice(1) : posix.join(baseDir, decoded);
  return posix.normalize(path).replace(/^\.\//, '');
}

/** The number format code of each cell style (`cellXfs`), by style index. */
export async function readCellFormats(archive: ZipArchive, file: string, part: string): Promise<(string | undefined)[]> {
  const custom = new Map<number, string>();
  const styleFormatIds: number[] = [];
  let inCellXfs = false;
  await parseXmlPart(archive, file, part, {
    open(name, attributes) {
      if (name === 'numFmt') custom.set(Number(attributes.numFmtId), attributes.formatCode ?? '');
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) styleFormatIds.push(Number(attributes.numFmtId ?? 0));
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
  });
  return styleFormatIds.map((id) => custom.get(id) ?? BUILTIN_FORMATS[id]);
}

/** The shared string table: each `<si>`'s text, its rich-text runs joined, phonetic guides (`<rPh>`) left out. */
export async function readSharedStrings(archive: ZipArchive, file: string, part: string): Promise<string[]> {
  const strings: string[] = [];
  let current: string | undefined;
  let phonetic = 0;
  let inText = false;
  await parseXmlPart(archive, file, part, {
    open(name) {
      if (name === 'si') current = '';
      else if (name === 'rPh') phonetic++;
      else if (name === 't' && current !== undefined && phonetic === 0) inText = true;
    },
    text(text) {
      if (inText) current += text;
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si' && current !== undefined) {
        strings.push(decodeOoxmlEscapes(current));
        current = undefined;
      }
    },
  });
  return strings;
}
