// What a referrer statement says, read from the published snapshots (the
// set the dashboards were built from) for one period: per referring office,
// counts and rates about that office's own referrals only. No patient is
// named, identified or described; a statement holds aggregates of referrals
// the office itself sent.
import { quotedString } from '../warehouse/sql.ts';
import type { Query } from '../site/loader.ts';
import type { Period } from './period.ts';

/** Whose referrals a statement covers: every office, one office by name, or one clinician by NPI. */
export interface StatementFilter {
  office?: string | undefined;
  referrer?: string | undefined;
}

export interface LineFigures {
  service_line: string;
  referrals: number;
  median_days_to_appointment: number | null;
  /** The published specialty reference for the line (reference_benchmarks), days. */
  benchmark_days: number | null;
  benchmark_label: string | null;
}

export interface Statement {
  office: string;
  organization: string | null;
  liaisons: string[];
  /** Set for a statement of one clinician (--referrer). */
  clinician: { name: string | null; npi: string } | null;
  referrals: number;
  previous_referrals: number;
  last_year_referrals: number;
  in_scope: number;
  /** Referrals whose contact SLA had come due, and of them those contacted in time. */
  sla_due: number;
  sla_met: number;
  median_days_to_appointment: number | null;
  /** In scope and not declined: the referrals that could be seen. */
  accepted: number;
  seen: number;
  summaries_sent: number;
  median_days_to_summary: number | null;
  incomplete_at_receipt: number;
  missing_documents: { document_type: string; referrals: number }[];
  declined: { reason: string; referrals: number }[];
  not_offered: { service_line: string; referrals: number }[];
  open: { stage: string; referrals: number }[];
  lines: LineFigures[];
}

/** The stages an open referral waits in, in the order a statement lists them. */
export const OPEN_STAGES = ['waiting for documents', 'not yet contacted', 'contacted, not yet scheduled', 'scheduled, visit to come'] as const;

const day = (date: string) => `CAST(${quotedString(date)} AS DATE)::TIMESTAMPTZ`;

/** The referrals a statement may count: from a known clinician, with their office (snapshot views fct_referrals and referrers). */
function referralsSql(filter: StatementFilter): string {
  const where = [
    "f.source <> 'unknown'",
    // A statement goes to an office: clinicians with none on record get one only when asked for by NPI.
    filter.referrer === undefined ? 'r.office IS NOT NULL' : '',
    filter.office === undefined ? '' : `coalesce(r.office, 'No office on record') = ${quotedString(filter.office)}`,
    filter.referrer === undefined ? '' : `r.npi = ${quotedString(filter.referrer)}`,
  ].filter(Boolean);
  return `SELECT f.*, coalesce(r.office, 'No office on record') AS office, r.organization, r.liaison, r.name AS clinician_name, r.npi AS clinician_npi
    FROM fct_referrals f JOIN referrers r USING (source) WHERE ${where.join(' AND ')}`;
}

/** The office a row belongs to (one clinician's own statement with --referrer). */
const KEY = 'office, coalesce(organization, \'\') AS organization_key';

export async function readStatements(query: Query, period: Period, filter: StatementFilter): Promise<Statement[]> {
  const inPeriod = `received_at >= ${day(period.from)} AND received_at < ${day(period.to)}`;
  const base = `WITH r AS (${referralsSql(filter)})`;
  const totals = await query<Record<string, number | string | null> & { office: string; organization_key: string }>(
    `${base}
     SELECT ${KEY},
       any_value(organization) AS organization,
       string_agg(DISTINCT liaison, ', ' ORDER BY liaison) FILTER (WHERE liaison IS NOT NULL) AS liaisons,
       any_value(clinician_name) AS clinician_name, any_value(clinician_npi) AS clinician_npi,
       count(*) FILTER (WHERE ${inPeriod}) AS referrals,
       count(*) FILTER (WHERE received_at >= ${day(period.previous.from)} AND received_at < ${day(period.previous.to)}) AS previous_referrals,
       count(*) FILTER (WHERE received_at >= ${day(period.lastYear.from)} AND received_at < ${day(period.lastYear.to)}) AS last_year_referrals,
       count(*) FILTER (WHERE ${inPeriod} AND in_scope) AS in_scope,
       count(*) FILTER (WHERE ${inPeriod} AND contact_sla_met IS NOT NULL) AS sla_due,
       count(*) FILTER (WHERE ${inPeriod} AND contact_sla_met) AS sla_met,
       median(days_to_appointment) FILTER (WHERE ${inPeriod}) AS median_days_to_appointment,
       count(*) FILTER (WHERE ${inPeriod} AND in_scope AND NOT declined) AS accepted,
       count(*) FILTER (WHERE ${inPeriod} AND in_scope AND NOT declined AND completed_visit_at IS NOT NULL) AS seen,
       count(*) FILTER (WHERE ${inPeriod} AND completed_visit_at IS NOT NULL AND loop_closed_at IS NOT NULL) AS summaries_sent,
       median(date_diff('hour', completed_visit_at, loop_closed_at) / 24.0) FILTER (WHERE ${inPeriod} AND loop_closed_at IS NOT NULL AND completed_visit_at IS NOT NULL) AS median_days_to_summary,
       count(*) FILTER (WHERE ${inPeriod} AND in_scope AND NOT docs_complete_at_receipt) AS incomplete_at_receipt
     FROM r GROUP BY ALL HAVING count(*) FILTER (WHERE ${inPeriod}) > 0
     ORDER BY office, organization_key`,
  );
  const lists = async <T>(select: string, from: string, where: string, groupBy: string) =>
    query<T & { office: string; organization_key: string }>(`${base} SELECT ${KEY}, ${select} FROM ${from} WHERE ${inPeriod} AND ${where} GROUP BY ALL ORDER BY ${groupBy}`);
  const missing = await lists<{ document_type: string; referrals: number }>(
    'd.document_type, count(DISTINCT r.referral_id) AS referrals',
    'r JOIN fct_referral_documents d USING (referral_id)',
    'NOT d.is_present_at_receipt',
    'referrals DESC, document_type',
  );
  const declined = await lists<{ reason: string; referrals: number }>("coalesce(decline_reason, 'no reason recorded') AS reason, count(*) AS referrals", 'r', 'in_scope AND declined', 'referrals DESC, reason');
  const notOffered = await lists<{ service_line: string; referrals: number }>('service_line, count(*) AS referrals', 'r', 'NOT in_scope', 'referrals DESC, service_line');
  const open = await lists<{ stage: string; referrals: number }>(
    `CASE WHEN NOT is_docs_complete THEN '${OPEN_STAGES[0]}' WHEN NOT is_contacted THEN '${OPEN_STAGES[1]}'
          WHEN NOT is_scheduled THEN '${OPEN_STAGES[2]}' ELSE '${OPEN_STAGES[3]}' END AS stage, count(*) AS referrals`,
    'r',
    'in_scope AND NOT declined AND completed_visit_at IS NULL AND leaked IS DISTINCT FROM true',
    'stage',
  );
  const lines = await lists<Omit<LineFigures, 'benchmark_days' | 'benchmark_label'>>(
    'service_line, count(*) AS referrals, median(days_to_appointment) AS median_days_to_appointment',
    'r',
    'in_scope',
    'referrals DESC, service_line',
  );
  const benchmarks = await query<{ service_line: string; value: number; label: string }>(
    "SELECT service_line, value, label FROM reference_benchmarks WHERE is_current AND metric = 'median_days_to_appointment' AND reference = 'amn_merritt_hawkins_wait_times'",
  ).catch(() => []);
  const of = <T extends { office: string; organization_key: string }>(rows: T[], office: string, organization: string) =>
    rows.filter((row) => row.office === office && row.organization_key === organization).map(({ office: _o, organization_key: _k, ...rest }) => rest);
  return totals.map((t) => {
    const key = [t.office, t.organization_key] as const;
    const benchmark = (line: string) => benchmarks.find((b) => b.service_line === line) ?? benchmarks.find((b) => b.service_line === 'all');
    return {
      office: t.office,
      organization: (t.organization as string | null) ?? null,
      liaisons: t.liaisons ? String(t.liaisons).split(', ') : [],
      clinician: filter.referrer === undefined ? null : { name: (t.clinician_name as string | null) ?? null, npi: String(t.clinician_npi) },
      referrals: Number(t.referrals),
      previous_referrals: Number(t.previous_referrals),
      last_year_referrals: Number(t.last_year_referrals),
      in_scope: Number(t.in_scope),
      sla_due: Number(t.sla_due),
      sla_met: Number(t.sla_met),
      median_days_to_appointment: t.median_days_to_appointment === null ? null : Number(t.median_days_to_appointment),
      accepted: Number(t.accepted),
      seen: Number(t.seen),
      summaries_sent: Number(t.summaries_sent),
      median_days_to_summary: t.median_days_to_summary === null ? null : Number(t.median_days_to_summary),
      incomplete_at_receipt: Number(t.incomplete_at_receipt),
      missing_documents: of(missing, ...key).map((m) => ({ document_type: m.document_type, referrals: Number(m.referrals) })),
      declined: of(declined, ...key).map((d) => ({ reason: d.reason, referrals: Number(d.referrals) })),
      not_offered: of(notOffered, ...key).map((n) => ({ service_line: n.service_line, referrals: Number(n.referrals) })),
      open: of(open, ...key).map((o) => ({ stage: o.stage, referrals: Number(o.referrals) })),
      lines: of(lines, ...key).map((l) => ({
        service_line: l.service_line,
        referrals: Number(l.referrals),
        median_days_to_appointment: l.median_days_to_appointment === null ? null : Number(l.median_days_to_appointment),
        benchmark_days: benchmark(l.service_line)?.value ?? null,
        benchmark_label: benchmark(l.service_line)?.label ?? null,
      })),
    };
  });
}
