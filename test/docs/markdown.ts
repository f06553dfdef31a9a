// Just enough Markdown reading for the docs tests: tables, sections by
// heading, heading anchors and links. The docs are written to a plain
// subset (pipe tables, ATX headings, inline links), so a small reader does.

export interface Table {
  header: string[];
  rows: string[][];
}

/** Fenced code blocks blanked out (line count kept), so nothing in a code sample counts as a table, heading or link. */
export function withoutCodeBlocks(markdown: string): string {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line;
    })
    .join('\n');
}

/** Cells of a pipe-table line, trimmed; a `\|` stays inside its cell. */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replaceAll('\\|', '|'));
}

export function tables(markdown: string): Table[] {
  const found: Table[] = [];
  let block: string[] = [];
  const flush = () => {
    if (block.length >= 2 && /^\|?\s*:?-{3,}/.test(block[1]!.trim())) found.push({ header: cells(block[0]!), rows: block.slice(2).map(cells) });
    block = [];
  };
  for (const line of withoutCodeBlocks(markdown).split('\n')) {
    if (line.trim().startsWith('|')) block.push(line);
    else flush();
  }
  flush();
  return found;
}

export interface Section {
  level: number;
  title: string;
  body: string;
}

/** Each heading with the text below it up to the next heading of the same or a higher level. */
export function sections(markdown: string): Section[] {
  const lines = withoutCodeBlocks(markdown).split('\n');
  const headings = lines.flatMap((line, index) => {
    const match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    return match ? [{ level: match[1]!.length, title: match[2]!, index }] : [];
  });
  return headings.map((h, i) => {
    const next = headings.slice(i + 1).find((later) => later.level <= h.level);
    return { level: h.level, title: h.title, body: lines.slice(h.index + 1, next?.index ?? lines.length).join('\n') };
  });
}

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const { title } of sections(markdown)) {
    const base = title
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Link targets: inline links and images, reference definitions, and HTML href/src, outside code. */
export function linkTargets(markdown: string): string[] {
  const text = withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, '');
  const targets: string[] = [];
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!);
  for (const m of text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) targets.push(m[1]!);
  for (const m of text.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)) targets.push(m[1]!);
  return targets;
}

/** Every http(s) URL written anywhere in the text, code included. */
/**
 * URLs a reader could follow: in prose, outside code. Inside code spans and
 * fenced blocks a URL is an identifier (a FHIR coding system such as
 * `http://loinc.org`), which names a system and points nowhere.
 */
export function urls(markdown: string): string[] {
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '').replace(/`[^`\n]+`/g, '');
  return [...prose.matchAll(/\bhttps?:\/\/[^\s)>\]`'"|]+/gi)].map((m) => m[0]);
}

/** The names written in backticks in a piece of text. */
export function codeSpans(text: string): string[] {
  // Fenced blocks first: their ``` would pair with the spans around them.
  const prose = text.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}
