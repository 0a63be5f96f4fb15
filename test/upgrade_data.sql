-- test/upgrade_data.sql — values of every type of the extension, for test/upgrade.sh (run
-- against the OLDER version before ALTER EXTENSION clinnova UPDATE, then read back after it)
-- and for the dump / restore suite (test/hardening/durability.sh).
--
-- Creates table upgrade_values: column id, one column per base type of schema clinnova and one
-- array column per type (test/hardening/corpus.sql, hz_values_table), filled with every sample
-- value the corpus defines.  The types are read from pg_type, so a type added later is covered
-- as soon as corpus.sql has a sample for it; a type without one makes this script fail.
-- Samples are built with the extension's own aggregates: when a later version adds a type whose
-- samples need functions an older version lacks, the sample is skipped for that version
-- because the type does not exist there either.
SET client_min_messages = error;   -- samples of edge cases (aliased, not converged) warn
\i test/hardening/corpus.sql
DO $$ BEGIN PERFORM pg_temp.hz_values_table('upgrade_values'); END $$;
