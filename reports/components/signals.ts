// The This week page's process-behaviour (XmR) view: a card per headline
// number that says in words whether it is a signal and whether it meets its
// target, and an XmR chart with the centre line, the natural process limits,
// the target and the published reference lines, each labelled. The numbers,
// limits, signals and sentences come from the kpi_signals and
// reference_benchmarks marts; nothing here decides what is a signal. A value
// the mart could not compute is written "not available", never 0.
import { PALETTE, vegaLite } from './charts.js';
import { el } from './format.js';

export const NOT_AVAILABLE = 'not available';

type Unit = 'count' | 'rate' | 'hours' | 'days';

/** The headline numbers in card order, with how each is written. */
export const HEADLINES: { metric: string; unit: Unit }[] = [
  { metric: 'referrals', unit: 'count' },
  { metric: 'in_scope', unit: 'count' },
  { metric: 'contact_sla_met_rate', unit: 'rate' },
  { metric: 'median_hours_to_contact', unit: 'hours' },
  { metric: 'scheduled_within_14_days', unit: 'count' },
  { metric: 'seen_within_14_days', unit: 'count' },
  { metric: 'median_days_to_appointment', unit: 'days' },
  { metric: 'loop_closed_within_30_days', unit: 'count' },
  { metric: 'loop_closure_rate', unit: 'rate' },
];

const unitOf = (metric: string): Unit => HEADLINES.find((h) => h.metric === metric)?.unit ?? 'count';

/** A value as the card writes it; null (the mart could not compute it) is "not available". */
export function formatValue(metric: string, x: number | null | undefined, precise = false): string {
  if (x === null || x === undefined || Number.isNaN(x)) return NOT_AVAILABLE;
  const unit = unitOf(metric);
  if (unit === 'rate') return `${(x * 100).toFixed(precise ? 1 : 0)}%`;
  if (unit === 'count') return x.toLocaleString('en-US', { maximumFractionDigits: precise ? 1 : 0 });
  return `${x.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 })} ${unit}`;
}

export interface SignalCard {
  metric: string;
  metric_label: string;
  service_line: string;
  week: string;
  value: number | null;
  centre_line: number | null;
  lower_limit: number | null;
  upper_limit: number | null;
  is_signal: boolean;
  signal_rule: string | null;
  is_improvement: boolean | null;
  target: number | null;
  is_target_met: boolean | null;
}

const RULE_WORDS: Record<string, (c: SignalCard) => string> = {
  beyond_limits: (c) => ((c.value ?? 0) > (c.upper_limit ?? Infinity) ? 'above the upper limit' : 'below the lower limit'),
  run_above: () => '7 or more weeks in a row above the centre line',
  run_below: () => '7 or more weeks in a row below the centre line',
  trend_up: () => '6 or more weeks in a row rising',
  trend_down: () => '6 or more weeks in a row falling',
};

/** "Week of Mon 16 Nov 2026" for the card's own week, when it is not this week. */
const weekOf = (monday: string) => {
  const d = new Date(`${monday}T00:00:00Z`);
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
};

/** A card: the value, whether it is a signal (in words), its usual range, and its target met or not (in words). */
export function signalCard(card: SignalCard, thisWeek: string): HTMLElement {
  const limits = card.centre_line === null;
  const signal = card.is_signal
    ? el('div', { class: `signal ${card.is_improvement ? 'improvement' : 'concern'}`, 'data-signal': card.signal_rule ?? '' },
        `Signal: ${RULE_WORDS[card.signal_rule!]?.(card) ?? card.signal_rule} (${card.is_improvement ? 'an improvement' : 'a concern'})`)
    : limits
      ? el('div', { class: 'signal none' }, 'No limits yet: too few weeks to tell a signal from noise')
      : el('div', { class: 'signal none' }, card.value === null ? 'No signal: no value to judge' : `No signal: within its usual range of ${formatValue(card.metric, card.lower_limit, true)} to ${formatValue(card.metric, card.upper_limit, true)}`);
  const target =
    card.target === null
      ? null
      : el('div', { class: `target ${card.is_target_met === null ? 'unknown' : card.is_target_met ? 'met' : 'not-met'}`, 'data-target': String(card.target) },
          `Target ${formatValue(card.metric, card.target)}: ${card.is_target_met === null ? 'cannot be judged (no value)' : card.is_target_met ? 'met' : 'not met'}`);
  return el(
    'div',
    { class: 'card kpi', 'data-metric': card.metric },
    el('h2', {}, card.metric_label),
    el('div', { class: `big${card.value === null ? ' not-available' : ''}` }, formatValue(card.metric, card.value)),
    card.week === thisWeek ? null : el('div', { class: 'muted' }, `for the week of ${weekOf(card.week)}, the latest whose referrals have all had the time it counts`),
    signal,
    target,
  );
}

/** A week of a series; its centre line, limits and target are the series' own (its card's). */
export interface SeriesRow {
  metric: string;
  service_line: string;
  week: string;
  value: number | null;
  is_signal: boolean;
  is_improvement: boolean | null;
}

export interface Reference {
  metric: string;
  service_line: string;
  value: number;
  label: string;
  source: string;
  year: number;
}

const LIMIT_GREY = '#8a8a8a';
const TARGET_COLOUR = PALETTE[2]!;
const REFERENCE_COLOUR = PALETTE[4]!;

/**
 * An XmR chart of one metric for one service line: the weekly values (a
 * signal coloured by whether it is an improvement or a concern), the centre
 * line, the natural process limits, and the target and reference lines, each
 * labelled at the left edge with its source and year.
 */
export function xmrChart(series: SeriesRow[], card: SignalCard, references: Reference[], o: { title: string; width: number }): HTMLElement {
  const metric = card.metric;
  const rate = unitOf(metric) === 'rate';
  const yFormat = rate ? '.0%' : ',.1~f';
  const rows = series.map((r) => ({ ...r, centre_line: card.centre_line, lower_limit: card.lower_limit, upper_limit: card.upper_limit }));
  const points = rows.map((r) => ({ ...r, kind: r.is_signal ? (r.is_improvement ? 'signal: improvement' : 'signal: concern') : 'no signal' }));
  const first = rows[0]?.week;
  const target = card.target;
  const lines = [
    ...(target === null ? [] : [{ week: first, value: target, label: `Target ${formatValue(metric, target)}`, kind: 'target' }]),
    ...references.map((r) => ({ week: first, value: r.value, label: r.label, kind: 'reference' })),
  ];
  const week = { field: 'week', type: 'temporal', title: 'Week' };
  const y = (field: string) => ({ field, type: 'quantitative', title: null, axis: { format: yFormat } });
  const labelLimit = Math.max(80, Math.floor(o.width) - 70);
  const chart = vegaLite(
    o.title,
    {
      layer: [
        { data: { values: rows }, mark: { type: 'line', color: LIMIT_GREY, strokeDash: [5, 4], strokeWidth: 1 }, encoding: { x: week, y: y('upper_limit') } },
        { data: { values: rows }, mark: { type: 'line', color: LIMIT_GREY, strokeDash: [5, 4], strokeWidth: 1 }, encoding: { x: week, y: y('lower_limit') } },
        { data: { values: rows }, mark: { type: 'line', color: LIMIT_GREY, strokeWidth: 1.5 }, encoding: { x: week, y: y('centre_line') } },
        ...(lines.length
          ? [
              {
                data: { values: lines },
                mark: { type: 'rule', strokeWidth: 1.5, strokeDash: [2, 2] },
                encoding: {
                  y: { field: 'value', type: 'quantitative' },
                  color: { field: 'kind', type: 'nominal', scale: { domain: ['target', 'reference'], range: [TARGET_COLOUR, REFERENCE_COLOUR] }, legend: null },
                },
              },
              {
                data: { values: lines },
                mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 2, dy: -2, fontSize: 10, limit: labelLimit },
                encoding: {
                  x: { field: 'week', type: 'temporal' },
                  y: { field: 'value', type: 'quantitative' },
                  text: { field: 'label' },
                  color: { field: 'kind', type: 'nominal', scale: { domain: ['target', 'reference'], range: [TARGET_COLOUR, REFERENCE_COLOUR] }, legend: null },
                },
              },
            ]
          : []),
        { data: { values: rows }, mark: { type: 'line', color: '#333', strokeWidth: 1.5 }, encoding: { x: week, y: y('value') } },
        {
          data: { values: points },
          mark: { type: 'point', filled: true, size: 36, opacity: 1 },
          encoding: {
            x: week,
            y: y('value'),
            color: { field: 'kind', type: 'nominal', scale: { domain: ['no signal', 'signal: improvement', 'signal: concern'], range: ['#333', PALETTE[0], PALETTE[1]] }, legend: null },
            tooltip: [
              { field: 'week', type: 'temporal', title: 'week of' },
              { field: 'value', format: rate ? '.1%' : ',.1f', title: 'value' },
              { field: 'kind', title: 'signal' },
            ],
          },
        },
      ],
      resolve: { scale: { color: 'independent' } },
    },
    o.width,
    220,
  );
  const key = el(
    'p',
    { class: 'muted xmr-key' },
    el('span', { class: 'swatch', style: `background:${PALETTE[0]}` }), ' improvement ',
    el('span', { class: 'swatch', style: `background:${PALETTE[1]}` }), ' concern · solid grey: centre line · dashed: limits',
    target === null ? '' : ' · green dotted: target',
    references.length ? ' · pink dotted: published references' : '',
  );
  const named = references.length
    ? el('ul', { class: 'reference-list' }, ...references.map((r) => el('li', { 'data-reference': r.label }, `${r.label} — ${r.source}, ${r.year}.`)))
    : null;
  chart.append(key);
  if (named) chart.append(named);
  return chart;
}

export interface Freshness {
  feed: string;
  state: string;
  is_stale: boolean;
  stale_since: string | null;
  stale_reason: string | null;
}

/** The stale feeds, each in the mart's own sentence (which feed, why, since when); null when every feed is current. */
export function staleFeeds(freshness: Freshness[]): HTMLElement | null {
  const stale = freshness.filter((f) => f.is_stale);
  if (!stale.length) return null;
  return el(
    'div',
    { class: 'banner stale-banner', role: 'alert' },
    el('strong', {}, stale.some((f) => f.state === 'error') ? 'Some data is stale: ' : 'Some data is late: '),
    'the numbers below may not include the latest referrals or visits.',
    el('ul', {}, ...stale.map((f) => el('li', { 'data-feed': f.feed }, f.stale_reason ?? `${f.feed} is ${f.state}`))),
  );
}
