-- The coordinator: clinnova and postgres_fdw, and a schema "demo" for this demo's own helpers.
CREATE EXTENSION clinnova;
CREATE EXTENSION postgres_fdw;

CREATE SCHEMA demo;
COMMENT ON SCHEMA demo IS 'helpers of the clinnova demo (not part of the extension)';

-- the sites' harmonisation summaries (counts of codes; no patient data), for the report
CREATE TABLE demo.coding_summary (
    site text PRIMARY KEY, name text, diagnoses_coded_as text, raw_diagnosis_values bigint,
    crohn_recorded_as text, vedolizumab_recorded_as text, atc_codes_remapped bigint,
    crp_recorded_as text, episodes bigint);

-- the sites in the order the demo lists them
CREATE FUNCTION demo.site_order(site text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT array_position(ARRAY['lux', 'gre', 'bw', 'bas'], site) $$;

-- a p-value for display: two significant digits, "< 1e-300" where a double underflows
CREATE FUNCTION demo.p_value(p float8) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p IS NULL THEN NULL WHEN p = 0 THEN '< 1e-300'
              WHEN p >= 0.001 THEN round(p::numeric, 3)::text ELSE btrim(to_char(p, '9.9EEEE')) END
$$;

-- readable names of the covariates of the demo's models
CREATE FUNCTION demo.term_label(term text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce((SELECT l FROM (VALUES
    ('anti_integrin', 'anti-integrin (vs anti-TNF)'), ('il_inhibitor', 'IL inhibitor (vs anti-TNF)'),
    ('jak_inhibitor', 'JAK inhibitor (vs anti-TNF)'), ('age_decades', 'age, per 10 years'), ('female', 'female'),
    ('ln_crp', 'CRP, per e-fold (ln mg/L)'), ('line', 'treatment line (1 = first)'),
    ('disease_duration', 'disease duration, per year'), ('uc', 'ulcerative colitis (vs Crohn''s)'),
    ('adalimumab', 'adalimumab (vs infliximab)'), ('vedolizumab', 'vedolizumab (vs infliximab)'),
    ('ustekinumab', 'ustekinumab (vs infliximab)'), ('azathioprine', 'azathioprine (vs infliximab)')) v(t, l)
    WHERE v.t = term), term)
$$;

-- try(statement): run a statement and return how it ended (the error a site raised, if any),
-- so that the demo can show a refusal as a result instead of stopping
CREATE FUNCTION demo.try(statement text,
                         OUT outcome text, OUT error_code text, OUT message text, OUT detail text,
                         OUT hint text, OUT context text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  outcome := 'succeeded';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS error_code = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                          hint = PG_EXCEPTION_HINT, context = PG_EXCEPTION_CONTEXT;
  outcome := 'error';
END $$;

-- pooled copy of the sites' episodes (filled by demo/run), ONLY to check the federated answers
CREATE SCHEMA pooled;
COMMENT ON SCHEMA pooled IS 'a copy of every site''s rows, to compare federated with pooled answers; impossible in a real network';

-- a role that applies the sites' disclosure rules at the coordinator, to reproduce the sites'
-- exported risk tables from the pooled copy (demo/sql/coord/2_km.sql)
CREATE ROLE demo_site_rules NOLOGIN;
GRANT USAGE ON SCHEMA clinnova, pooled TO demo_site_rules;
