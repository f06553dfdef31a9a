// Charts for the dashboards: vega-lite specs compiled and drawn in the
// browser as SVG. Titles and axes are written for a practice leader, not an
// analyst; colours are the Okabe–Ito palette, which stays distinguishable
// with the common colour-vision deficiencies.
import * as vega from 'vega';
import * as vl from 'vega-lite';

export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

type Row = Record<string, unknown>;
type Spec = Record<string, unknown>;

const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", sans-serif',
  range: { category: PALETTE },
  axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', grid: true, gridColor: '#eee' },
  legend: { labelFontSize: 12, titleFontSize: 12, orient: 'bottom' },
  title: { fontSize: 14, anchor: 'start' },
  view: { stroke: null },
};

/** Draws a vega-lite spec into a new element (drawing finishes asynchronously). */
export function vegaLite(spec: Spec, width: number, height = 260): HTMLElement {
  const element = document.createElement('div');
  element.className = 'refloop-chart';
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: Math.max(200, width - 40), height, config: CONFIG, ...spec };
  const compiled = vl.compile(full as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'svg', container: element, hover: true });
  view.runAsync().catch((error: unknown) => {
    element.textContent = `This chart could not be drawn: ${String(error)}`;
  });
  return element;
}

export function lineChart(rows: Row[], o: { x: string; y: string; color?: string; title: string; xTitle: string; yTitle: string; yFormat?: string; width: number }) {
  return vegaLite(
    {
      title: o.title,
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
  );
}

/** Horizontal bars; with `color`, bars of a category sit side by side. */
export function barChart(rows: Row[], o: { category: string; value: string; color?: string; title: string; valueTitle: string; categoryTitle: string; valueFormat?: string; sort?: string[] | 'value'; width: number; height?: number }) {
  const sort = o.sort === 'value' ? '-x' : (o.sort ?? null);
  return vegaLite(
    {
      title: o.title,
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
  );
}

/** The funnel: one bar per stage with its share of referrals received, in stage order. */
export function funnelChart(stages: { stage: string; count: number; share: number }[], width: number) {
  return vegaLite(
    {
      title: 'Where referrals drop out (share of referrals received that reached each stage)',
      data: { values: stages },
      encoding: {
        y: { field: 'stage', type: 'nominal', title: null, sort: stages.map((s) => s.stage) },
        x: { field: 'share', type: 'quantitative', title: 'Share of referrals received', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      },
      layer: [
        { mark: { type: 'bar', color: PALETTE[0], tooltip: true } },
        { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'label' } } },
      ],
      transform: [{ calculate: "format(datum.count, ',') + ' (' + format(datum.share, '.0%') + ')'", as: 'label' }],
    },
    width,
    240,
  );
}

/** Recent weekly referrals, then the forecast with its 80% and 95% bands. */
export function forecastChart(history: Row[], future: Row[], width: number) {
  return vegaLite(
    {
      title: 'Referrals per week: the last year, then the forecast with 80% and 95% ranges',
      layer: [
        {
          data: { values: future },
          mark: { type: 'area', opacity: 0.2, color: PALETTE[0] },
          encoding: { x: { field: 'week', type: 'temporal', title: 'Week' }, y: { field: 'lo95', type: 'quantitative', title: 'Referrals' }, y2: { field: 'hi95' } },
        },
        {
          data: { values: future },
          mark: { type: 'area', opacity: 0.35, color: PALETTE[0] },
          encoding: { x: { field: 'week', type: 'temporal' }, y: { field: 'lo80', type: 'quantitative' }, y2: { field: 'hi80' } },
        },
        {
          data: { values: future },
          mark: { type: 'line', point: true, color: PALETTE[0], strokeDash: [4, 3] },
          encoding: { x: { field: 'week', type: 'temporal' }, y: { field: 'forecast_referrals', type: 'quantitative' }, tooltip: [{ field: 'week', type: 'temporal' }, { field: 'forecast_referrals', format: '.0f', title: 'forecast' }] },
        },
        {
          data: { values: history },
          mark: { type: 'line', color: '#555' },
          encoding: { x: { field: 'week', type: 'temporal' }, y: { field: 'referrals', type: 'quantitative' }, tooltip: [{ field: 'week', type: 'temporal' }, { field: 'referrals' }] },
        },
      ],
    },
    width,
  );
}
