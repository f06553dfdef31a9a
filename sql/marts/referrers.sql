-- Grain: one row per referring clinician: every source a referral names and every entry of the directory.
--
-- Who each source (fct_referrals.source) is, as every page and statement
-- names them: the directory's entry where there is one, else how the
-- referrals themselves name the clinician and office (the most common
-- spelling). Clinicians and offices, never patients.
--
-- @column source: The clinician as a source: their valid NPI, or the directory provider_id of one without a valid NPI.
-- @column npi: The clinician's NPI; null for a directory entry known only by provider_id.
-- @column name: The clinician's name (directory, else as the referrals write it).
-- @column office: The office (directory, else as the referrals write it); null when neither says.
-- @column organization: The group or network (directory); null when it gives none.
-- @column specialty: The clinician's specialty or taxonomy (directory).
-- @column relationship: affiliated, independent or competitor (directory).
-- @column liaison: The outreach team member who owns the relationship (directory).
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built it (runs.run_id).
select
  names.source,
  names.npi,
  names.display_name as name,
  names.display_practice as office,
  names.organization,
  names.specialty,
  names.relationship,
  names.liaison,
  config_params.as_of,
  config_params.run_id
from int_source_names as names
cross join config_params
where names.source is not null
