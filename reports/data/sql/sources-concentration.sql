-- How concentrated the referrals are (source_concentration).
select top_1_share, top_5_share, top_10_share, hhi, sources from source_concentration
