-- Publish the analysis relations for federation (at each site, by its DBA).  The federation role
-- gets SELECT on them, and clinnova's guard then lets it run only aggregate queries of the
-- disclosure-safe aggregates; the identifier columns may never be filtered, grouped or aggregated.
-- Variables: role.
GRANT USAGE ON SCHEMA clinnova, analysis TO :"role";
GRANT SELECT ON analysis.patient, analysis.episode TO :"role";
DO $$
BEGIN
  PERFORM clinnova.federation_publish('analysis.patient', ARRAY['person_id']);
  PERFORM clinnova.federation_publish('analysis.episode', ARRAY['episode_id', 'person_id']);
END $$;
