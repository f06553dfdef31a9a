-- Each office's latest referrer statement: the manifests of data/statements/<period>/ (the loader's view
-- statement_manifests), the latest period first (the one ending last; of two ending together, the shorter),
-- linked under config_params.statements_link_base (config statements.link_base). An office of no
-- organization is named as source_rollup names it ("No organization on record"), so the page finds its row.
with periods as (
  select office, coalesce(nullif(organization, ''), 'No organization on record') as organization, pdf, regexp_extract(replace(filename, '\', '/'), '([^/]+)/manifest\.csv$', 1) as period
  from statement_manifests
),
dated as (
  select
    *,
    case
      when regexp_matches(period, '^\d{4}$') then make_date(cast(period as integer), 1, 1)
      when regexp_matches(period, '^\d{4}-Q[1-4]$') then make_date(cast(left(period, 4) as integer), 3 * cast(right(period, 1) as integer) - 2, 1)
      when regexp_matches(period, '^\d{4}-\d{2}$') then cast(period || '-01' as date)
      else try_cast(left(period, 10) as date)
    end as period_start,
    case
      when regexp_matches(period, '^\d{4}$') then make_date(cast(period as integer), 12, 31)
      when regexp_matches(period, '^\d{4}-Q[1-4]$') then cast(make_date(cast(left(period, 4) as integer), 3 * cast(right(period, 1) as integer) - 2, 1) + interval 3 month - interval 1 day as date)
      when regexp_matches(period, '^\d{4}-\d{2}$') then cast(cast(period || '-01' as date) + interval 1 month - interval 1 day as date)
      else try_cast(right(period, 10) as date)
    end as period_end
  from periods
),
latest as (
  select *, row_number() over (partition by office, organization order by period_end desc nulls last, period_start desc nulls last, period desc) as recency
  from dated
)
select latest.office, latest.organization, latest.period, latest.pdf,
       config_params.statements_link_base || '/' || latest.period || '/' || latest.pdf as pdf_link
from latest
cross join config_params
where latest.recency = 1
order by latest.office, latest.organization
