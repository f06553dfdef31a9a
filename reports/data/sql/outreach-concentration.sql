-- How concentrated the practice's visits are (source_concentration).
select top_1_visit_share, top_10_visit_share, visits_at_risk_if_largest_lapsed, hhi from source_concentration
