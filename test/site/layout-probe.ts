// What a person would see wrong on a page, measured in the browser from the
// elements' boxes: the page scrolling sideways, anything of the page drawn
// over its footer, a chart wider than its card, a bar or area past its axis,
// a chart label outside its card. Returns one sentence per problem.
//
// It is a script's source, not a function: page.evaluate() would ship a
// function's compiled text, and the test transform adds helpers to it that
// the page does not have.
export const LAYOUT_PROBE = String.raw`(() => {
  const problems = [];
  const most = 12;
  const add = (text) => { if (problems.length < most) problems.push(text); };
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return { left: r.left + scrollX, right: r.right + scrollX, top: r.top + scrollY, bottom: r.bottom + scrollY, width: r.width, height: r.height };
  };
  const px = (n) => Math.round(n) + 'px';
  const name = (e) => {
    const text = (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return '<' + e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') + '>' + (text ? ' "' + text + '"' : '');
  };

  // The part of an element left visible by the boxes around it that clip (overflow other than visible).
  const clips = new Map();
  const clipOf = (a) => {
    if (!clips.has(a)) {
      const style = getComputedStyle(a);
      clips.set(a, style.overflowX !== 'visible' || style.overflowY !== 'visible' ? box(a) : null);
    }
    return clips.get(a);
  };
  const visibleBox = (e) => {
    const style = getComputedStyle(e);
    if (style.visibility === 'hidden' || style.display === 'none') return null;
    let b = box(e);
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const c = clipOf(a);
      if (c) b = { left: Math.max(b.left, c.left), right: Math.min(b.right, c.right), top: Math.max(b.top, c.top), bottom: Math.min(b.bottom, c.bottom) };
    }
    return b.right - b.left < 0.5 || b.bottom - b.top < 0.5 ? null : b;
  };

  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) add('the page scrolls sideways: ' + px(root.scrollWidth) + ' of content in a ' + px(root.clientWidth) + ' window');

  const main = document.querySelector('#observablehq-main');
  const footer = document.querySelector('#observablehq-footer');
  if (!main || !footer) return ['the page has no main column or no footer'];
  const f = box(footer);
  for (const e of main.querySelectorAll('*')) {
    const v = visibleBox(e);
    if (v && v.bottom > f.top + 1 && v.right > f.left && v.left < f.right) add(name(e) + ' is drawn ' + px(v.bottom - f.top) + ' into the footer');
  }

  const charts = [...document.querySelectorAll('.refloop-chart')];
  charts.forEach((chart, i) => {
    const title = (chart.querySelector('.refloop-chart-title') || {}).textContent || 'chart ' + (i + 1);
    const svg = chart.querySelector('svg');
    if (!svg) return add(title + ': not drawn');
    const holder = chart.closest('.card') || main;
    const where = holder === main ? 'the page column' : 'its card';
    const h = box(holder);
    const s = box(svg);
    if (s.left < h.left - 1 || s.right > h.right + 1) add(title + ': ' + px(s.width) + ' wide, past ' + where + ' (' + px(h.left) + ' to ' + px(h.right) + ')');
    for (const t of svg.querySelectorAll('text')) {
      // An axis hides the labels that would overlap with opacity 0: they are not seen.
      if (Number(getComputedStyle(t).opacity) === 0) continue;
      const b = box(t);
      if (b.width && (b.left < h.left - 1 || b.right > h.right + 1)) add(title + ': the label "' + t.textContent + '" runs past ' + where);
    }
    const domain = (axis) => svg.querySelector('g.role-axis[aria-label^="' + axis + '-axis"] .role-axis-domain > *');
    const xLine = domain('X');
    const yLine = domain('Y');
    if (!xLine || !yLine) return add(title + ': no x and y axis line to measure its bars against');
    const x = box(xLine);
    const y = box(yLine);
    for (const mark of svg.querySelectorAll('g.mark-rect.role-mark path, g.mark-area.role-mark path')) {
      const b = box(mark);
      if (b.left < x.left - 1 || b.right > x.right + 1 || b.top < y.top - 1 || b.bottom > y.bottom + 1) {
        add(title + ': a bar or band is drawn past its axis (it spans ' + px(b.left - x.left) + ' to ' + px(b.right - x.left) + ' along an axis ' + px(x.width) + ' long)');
      }
    }
  });
  return problems;
})()`;

/** Counts what a chart has drawn: its marks, its axes, and its bars. */
export const CHART_MARKS = String.raw`[...document.querySelectorAll('.refloop-chart')].map((chart) => ({
  title: ((chart.querySelector('.refloop-chart-title') || {}).textContent || '').trim(),
  marks: chart.querySelectorAll('svg .role-mark path, svg .role-mark line, svg .role-mark text').length,
  bars: chart.querySelectorAll('svg g.mark-rect.role-mark path').length,
}))`;

/** The titles of the charts and the headings of the tables: each names the service lines it covers. */
export const SCOPE_TITLES = String.raw`[
  ...[...document.querySelectorAll('.refloop-chart-title')].map((e) => e.textContent.trim()),
  ...[...document.querySelectorAll('#observablehq-main h3')].map((e) => e.textContent.trim()),
]`;
