-- Grain: one row per (benchmark_id, service_line): each published reference line, for the practice ('all') and for each configured service line it is drawn for.
--
-- Published reference lines, kept here as data (not in page code), each with
-- its source, the year it is for and the version of the publication:
--   CMS Quality ID #374 (Closing the Referral Loop: Receipt of Specialist
--   Report), eCQM benchmark for performance year 2025: median 43.3%, 90th
--   percentile 95.2%. The measure counts referrals from the referring
--   clinician's side (report received / referrals made); refloop's
--   loop_closure_rate is the specialist's side (summary sent within 30 days /
--   referrals seen within 30 days), so the benchmark is a reference, not the
--   same measure.
--   AMN Healthcare / Merritt Hawkins 2025 survey of physician appointment
--   wait times: mean days to a new-patient appointment, by specialty
--   (cardiology 33, orthopedics 12, gastroenterology 40, dermatology 36.5,
--   OB/GYN 42; all specialties surveyed 31). A mean from the call for an
--   appointment, set beside refloop's median days from receipt.
--   The VA's access standard for specialty care (38 CFR 17.4040, in force
--   since 2019): an appointment within 28 days.
-- A specialty's row is drawn for a service line whose id, name or one of
-- whose aliases (config service_lines[].aliases, table
-- config_service_line_aliases) is one of the specialty's names, compared in
-- lower case; a service line no specialty matches gets the all-specialty
-- row, and so does the practice as a whole. To add a year's figures, add
-- rows with the new year and version: the latest version of a reference is
-- the one drawn (is_current).
--
-- @column benchmark_id: The published figure: its reference, statistic and specialty, e.g. amn_2025_new_patient_days_cardiology.
-- @column reference: The publication the figure belongs to: cms_qid_374, amn_merritt_hawkins_wait_times or va_access_standard.
-- @column metric: The kpi_weekly metric it is drawn against (loop_closure_rate or median_days_to_appointment).
-- @column specialty: The specialty the figure is published for, or 'all'.
-- @column service_line: The service line it is drawn for, or 'all' for the whole practice.
-- @column value: The published figure, in the metric's unit (a fraction for a rate, days for days).
-- @column unit: share or days.
-- @column label: How a chart labels the line: the figure, its source and year.
-- @column source: The publication, in words.
-- @column year: The year the figure is for (the performance or survey year, or the year a standard took effect).
-- @column version: The edition of the publication (e.g. PY2025).
-- @column is_current: The latest version of its reference and specialty: the one drawn.
-- @column as_of: The moment the marts were built for (config_params.as_of); the figures themselves do not depend on it.
-- @column run_id: The run that built it (runs.run_id).
-- @unique benchmark_id, service_line
-- @not_null benchmark_id, reference, metric, specialty, service_line, value, unit, label, source, year, version, is_current
-- @accepted_values unit: share, days
with params as (
  select * from config_params
),
published as (
  select * from (values
    ('cms_2025_qid_374_median', 'cms_qid_374', 'loop_closure_rate', 'all', ['all'], 0.433, 'share',
      'CMS #374 median 43.3% (PY2025)', 'CMS Quality Payment Program, Quality ID #374 Closing the Referral Loop (eCQM), benchmark median', 2025, 'PY2025'),
    ('cms_2025_qid_374_p90', 'cms_qid_374', 'loop_closure_rate', 'all', ['all'], 0.952, 'share',
      'CMS #374 90th pct 95.2% (PY2025)', 'CMS Quality Payment Program, Quality ID #374 Closing the Referral Loop (eCQM), benchmark 90th percentile', 2025, 'PY2025'),
    ('amn_2025_new_patient_days_all', 'amn_merritt_hawkins_wait_times', 'median_days_to_appointment', 'all', ['all'], 31, 'days',
      'AMN/Merritt Hawkins 2025: 31 days (all)', 'AMN Healthcare / Merritt Hawkins survey of physician appointment wait times, mean days to a new-patient appointment, all specialties surveyed', 2025, '2025'),
    ('amn_2025_new_patient_days_cardiology', 'amn_merritt_hawkins_wait_times', 'median_days_to_appointment', 'cardiology', ['cardiology', 'cardiovascular disease'], 33, 'days',
      'AMN/Merritt Hawkins 2025: 33 days (cardiology)', 'AMN Healthcare / Merritt Hawkins survey of physician appointment wait times, mean days to a new-patient appointment, cardiology', 2025, '2025'),
    ('amn_2025_new_patient_days_orthopedics', 'amn_merritt_hawkins_wait_times', 'median_days_to_appointment', 'orthopedics', ['orthopedics', 'orthopaedics', 'orthopedic surgery', 'orthopaedic surgery'], 12, 'days',
      'AMN/Merritt Hawkins 2025: 12 days (orthopedics)', 'AMN Healthcare / Merritt Hawkins survey of physician appointment wait times, mean days to a new-patient appointment, orthopedic surgery', 2025, '2025'),
    ('amn_2025_new_patient_days_gastroenterology', 'amn_merritt_hawkins_wait_times', 'median_days_to_appointment', 'gastroenterology', ['gastroenterology'], 40, 'days',
      'AMN/Merritt Hawkins 2025: 40 days (GI)', 'AMN Healthcare / Merritt Hawkins survey of physician appointment wait times, mean days to a new-patient appointment, gastroenterology', 2025, '2025'),
    ('amn_2025_new_patient_days_dermatology', 'amn_merritt_hawkins_wait_times', 'median_days_to_appointment', 'dermatology', ['dermatology'], 36.5, 'days',
      'AMN/Merritt Hawkins 2025: 36.5 days (dermatology)', 'AMN Healthcare / Merritt Hawkins survey of physician appointment wait times, mean days to a new-patient appointment, dermatology', 2025, '2025'),
    ('amn_2025_new_patient_days_obgyn', 'amn_merritt_hawkins_wait_times', 'median_days_to_appointment', 'ob/gyn', ['ob/gyn', 'obgyn', 'ob-gyn', 'obstetrics and gynecology', 'obstetrics & gynecology'], 42, 'days',
      'AMN/Merritt Hawkins 2025: 42 days (OB/GYN)', 'AMN Healthcare / Merritt Hawkins survey of physician appointment wait times, mean days to a new-patient appointment, obstetrics and gynecology', 2025, '2025'),
    ('va_2019_specialty_care_28_days', 'va_access_standard', 'median_days_to_appointment', 'all', ['all'], 28, 'days',
      'VA access standard 28 days (2019)', 'U.S. Department of Veterans Affairs access standard for specialty care (38 CFR 17.4040): an appointment within 28 days', 2019, '2019')
  ) as p(benchmark_id, reference, metric, specialty, specialty_names, value, unit, label, source, year, version)
),
versioned as (
  select published.*, version = max(version) over (partition by reference, specialty) as is_current
  from published
),
lines as (
  select 'all' as service_line
  union all
  select service_line from config_service_lines
),
matched as (
  -- Specialties a service line is named by (id, name or alias).
  select distinct lines.service_line, versioned.reference, versioned.specialty
  from lines
  join config_service_line_aliases on config_service_line_aliases.service_line = lines.service_line
  join versioned on list_contains(versioned.specialty_names, config_service_line_aliases.alias)
  where versioned.specialty <> 'all'
),
drawn as (
  -- A line's own specialty where one matches, else the all-specialty figure.
  select versioned.*, lines.service_line
  from versioned
  cross join lines
  where versioned.specialty = coalesce(
    (select min(matched.specialty) from matched where matched.service_line = lines.service_line and matched.reference = versioned.reference),
    'all'
  )
),
final as (
  select
    benchmark_id, reference, metric, specialty, service_line, cast(value as double) as value, unit, label, source, year, version, is_current, params.as_of, params.run_id
  from drawn
  cross join params
)
select * from final
