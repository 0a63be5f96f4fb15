-- Load the site's synthetic cohort into schema cdm: OMOP CDM shaped source tables, coded the way
-- this site codes (clinnova.synth_load; deterministic by seed).  Prints one summary line.
-- Variables: site (generator key LU, GE, BW, BS), n (persons), seed.
CREATE EXTENSION clinnova;
SELECT format('%s condition rows, %s drug exposures, %s lab values',
              to_char(sum(rows_loaded) FILTER (WHERE table_name = 'condition_occurrence'), 'FM999,999,999'),
              to_char(sum(rows_loaded) FILTER (WHERE table_name = 'drug_exposure'), 'FM999,999,999'),
              to_char(sum(rows_loaded) FILTER (WHERE table_name = 'measurement'), 'FM999,999,999'))
FROM clinnova.synth_load('cdm', :'site', :n, :seed);
