// Charts for the dashboards: vega-lite specs compiled and drawn in the
// browser as SVG. Titles and axes are written for a practice leader, not an
// analyst; colours are the Okabe–Ito palette, which stays distinguishable
// with the common colour-vision deficiencies.
//
// A chart is exactly as wide as the width it is given (its card's, from
// resize()): axes, labels and legend are fitted inside it, never added
// beside it, so nothing is drawn past its card or past its own axis. The
// title is HTML above the drawing, so a long one wraps on a phone.
import * as vega from 'vega';
import * as vl from 'vega-lite';

export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

type Row = Record<string, unknown>;
type Spec = Record<string, unknown>;

/** Narrower than this, a chart has no room for its plot beside its labels. */
const MIN_WIDTH = 240;

/** Legend columns that fit the width: as many as there are entries, each wide enough for the longest. */
function legendColumns(rows: Row[], field: string | undefined, width: number): number {
  if (!field) return 1;
  const labels = [...new Set(rows.map((r) => String(r[field] ?? '')))];
  const longest = Math.min(140, Math.max(0, ...labels.map((l) => l.length * 7)));
  return Math.max(1, Math.min(labels.length, Math.floor(width / (longest + 30))));
}

function config(width: number, legendColumns: number) {
  return {
    // Transparent, so a chart in a card takes the card's colour.
    background: null,
    font: 'system-ui, -apple-system, "Segoe UI", sans-serif',
    range: { category: PALETTE },
    // Category labels may take up to a third of the width, so the plot keeps the rest.
    axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', grid: true, gridColor: '#eee', labelLimit: Math.round(width / 3) },
    // About one tick label per 80 px, so a narrow chart's labels do not crowd.
    axisX: { labelOverlap: true, labelFlush: true, tickCount: Math.max(2, Math.round(width / 80)) },
    legend: { labelFontSize: 12, titleFontSize: 12, orient: 'bottom', direction: 'horizontal', columns: legendColumns, labelLimit: 140 },
    view: { stroke: null },
  };
}

/** Draws a vega-lite spec into a new element `width` wide, under an HTML title (drawing finishes asynchronously). */
export function vegaLite(title: string, spec: Spec, width: number, height = 260, legend: { rows: Row[]; field?: string } = { rows: [] }): HTMLElement {
  const element = document.createElement('div');
  element.className = 'refloop-chart';
  const heading = document.createElement('div');
  heading.className = 'refloop-chart-title';
  heading.textContent = title;
  const drawing = document.createElement('div');
  element.append(heading, drawing);
  const fitted = Math.max(MIN_WIDTH, Math.floor(width));
  const full = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: fitted,
    height,
    // The width is the whole chart's (axes and legend inside it); the height is the plot's.
    autosize: { type: 'fit-x', contains: 'padding' },
    config: config(fitted, legendColumns(legend.rows, legend.field, fitted)),
    ...spec,
  };
  const compiled = vl.compile(full as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'svg', container: drawing, hover: true });
  view.runAsync().catch((error: unknown) => {
    drawing.textContent = `This chart could not be drawn: ${String(error)}`;
  });
  return element;
}

export function lineChart(rows: Row[], o: { x: string; y: string; color?: string; title: string; xTitle: string; yTitle: string; yFormat?: string; width: number }) {
  return vegaLite(
    o.title,
    {
      data: { values: rows },
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x: { field: o.x, type: 'temporal', title: o.xTitle },
        y: { field: o.y, type: 'quantitative', title: o.yTitle, axis: o.yFormat ? { format: o.yFormat } : {} },
        ...(o.color ? { color: { field: o.color, type: 'nominal', title: null } } : {}),
        tooltip: [{ field: o.x, type: 'temporal' }, ...(o.color ? [{ field: o.color }] : []), { field: o.y, type: 'quantitative', format: o.yFormat ?? ',.1f' }],
      },
    },
    o.width,
    260,
    { rows, field: o.color },
  );
}

/** Horizontal bars; with `color`, bars of a category sit side by side. */
export function barChart(rows: Row[], o: { category: string; value: string; color?: string; title: string; valueTitle: string; categoryTitle: string; valueFormat?: string; sort?: string[] | 'value'; width: number; height?: number }) {
  const sort = o.sort === 'value' ? '-x' : (o.sort ?? null);
  return vegaLite(
    o.title,
    {
      data: { values: rows },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: o.category, type: 'nominal', title: o.categoryTitle, sort },
        x: { field: o.value, type: 'quantitative', title: o.valueTitle, axis: o.valueFormat ? { format: o.valueFormat } : {} },
        ...(o.color ? { color: { field: o.color, type: 'nominal', title: null }, yOffset: { field: o.color } } : { color: { value: PALETTE[0] } }),
      },
    },
    o.width,
    o.height ?? Math.max(120, rows.length * (o.color ? 10 : 22)),
    { rows, field: o.color },
  );
}

/**
 * The funnel: one bar per stage with its share of referrals received, in
 * stage order. Each bar's count and share are written inside the bar when
 * it is long, beside it when short, so no label runs past the axis.
 */
export function funnelChart(stages: { stage: string; count: number; share: number }[], width: number, scope: string) {
  const inside = 'datum.share >= 0.5';
  return vegaLite(
    `Where referrals drop out, ${scope} (share of referrals received that reached each stage)`,
    {
      data: { values: stages },
      transform: [{ calculate: "format(datum.count, ',') + ' (' + format(datum.share, '.0%') + ')'", as: 'label' }],
      encoding: {
        y: { field: 'stage', type: 'nominal', title: null, sort: stages.map((s) => s.stage) },
        x: { field: 'share', type: 'quantitative', title: 'Share of referrals received', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      },
      layer: [
        { mark: { type: 'bar', color: PALETTE[0], tooltip: true } },
        { transform: [{ filter: inside }], mark: { type: 'text', align: 'right', dx: -4, color: 'white' }, encoding: { text: { field: 'label' } } },
        { transform: [{ filter: `!(${inside})` }], mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'label' } } },
      ],
    },
    width,
    240,
  );
}

/** Recent weekly referrals, then the forecast with its 80% and 95% bands. */
export function forecastChart(history: Row[], future: Row[], width: number, scope: string) {
  const week = { field: 'week', type: 'temporal', title: 'Week' };
  return vegaLite(
    `Referrals per week, ${scope}: the last year, then the forecast with 80% and 95% ranges`,
    {
      layer: [
        {
          data: { values: future },
          mark: { type: 'area', opacity: 0.2, color: PALETTE[0] },
          encoding: { x: week, y: { field: 'lo95', type: 'quantitative', title: 'Referrals' }, y2: { field: 'hi95' } },
        },
        {
          data: { values: future },
          mark: { type: 'area', opacity: 0.35, color: PALETTE[0] },
          encoding: { x: week, y: { field: 'lo80', type: 'quantitative' }, y2: { field: 'hi80' } },
        },
        {
          data: { values: future },
          mark: { type: 'line', point: true, color: PALETTE[0], strokeDash: [4, 3] },
          encoding: { x: week, y: { field: 'forecast_referrals', type: 'quantitative' }, tooltip: [{ field: 'week', type: 'temporal' }, { field: 'forecast_referrals', format: '.0f', title: 'forecast' }] },
        },
        {
          data: { values: history },
          mark: { type: 'line', color: '#555' },
          encoding: { x: week, y: { field: 'referrals', type: 'quantitative' }, tooltip: [{ field: 'week', type: 'temporal' }, { field: 'referrals' }] },
        },
      ],
    },
    width,
  );
}

/**
 * The coming weeks' new-patient visits against the slots: slots as bars, the
 * expected visits as a line reaching up to the 80% upper bound, a week that
 * runs short marked in orange.
 */
export function capacityChart(future: Row[], width: number, scope: string) {
  // Weeks as bands (one per forecast week), labelled by their Monday.
  const week = { field: 'week', type: 'ordinal', title: 'Week of', axis: { labelExpr: "utcFormat(toDate(datum.value), '%b %d')", labelAngle: 0 } };
  return vegaLite(
    `New-patient visits expected against the slots, ${scope}, week by week`,
    {
      data: { values: future },
      transform: [{ calculate: "datum.is_short ? 'short' : datum.is_at_risk ? 'short if busy' : 'enough'", as: 'verdict' }],
      encoding: { x: week },
      layer: [
        { mark: { type: 'bar', color: '#cfd8e3' }, encoding: { y: { field: 'slots', type: 'quantitative', title: 'New-patient visits a week' } } },
        {
          mark: { type: 'rule', color: PALETTE[0], strokeWidth: 2, opacity: 0.6 },
          encoding: { y: { field: 'expected_new_patients', type: 'quantitative' }, y2: { field: 'expected_new_patients_hi80' } },
        },
        {
          mark: { type: 'point', filled: true, size: 60, opacity: 1 },
          encoding: {
            y: { field: 'expected_new_patients', type: 'quantitative' },
            color: { field: 'verdict', type: 'nominal', title: null, scale: { domain: ['enough', 'short if busy', 'short'], range: [PALETTE[0], PALETTE[1], PALETTE[3]] } },
            tooltip: [
              { field: 'week', title: 'week of' },
              { field: 'slots', title: 'slots' },
              { field: 'expected_new_patients', format: '.0f', title: 'expected' },
              { field: 'expected_new_patients_hi80', format: '.0f', title: '80% upper' },
            ],
          },
        },
      ],
    },
    width,
    220,
    { rows: [{ verdict: 'short if busy' }, { verdict: 'enough' }, { verdict: 'short' }], field: 'verdict' },
  );
}
