-- federation: SQLSTATEs of the guard, of publishing and of the coordinator functions, and the
-- privileges of the federation objects.  Guard checks run a statement as a federation role
-- through pg_temp.as_fed (SET LOCAL ROLE inside the test's transaction).
BEGIN;
SELECT plan(45);

SELECT clinnova.version() IS NOT NULL;	-- loads the library (and its hooks) in this session

CREATE ROLE clinnova_fed_tap NOLOGIN;
CREATE TABLE public.fed_tap (id integer, age integer, sex integer, t float8, status integer);
INSERT INTO public.fed_tap SELECT g, 30 + g % 40, 1 + g % 2, g, g % 2 FROM generate_series(1, 100) g;
CREATE TABLE public.fed_tap_secret (a integer);
GRANT USAGE ON SCHEMA clinnova TO clinnova_fed_tap;
GRANT SELECT ON public.fed_tap, public.fed_tap_secret TO clinnova_fed_tap;
SET LOCAL clinnova.federation_roles = 'clinnova_fed_tap';
SET LOCAL clinnova.min_cell_count = 5;

-- One EXECUTE of three commands: SPI analyses each only when the previous one has run, so sql
-- is analysed as the federation role and no PL/pgSQL expression runs in between.
CREATE FUNCTION pg_temp.as_fed(sql text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'SET LOCAL ROLE clinnova_fed_tap; ' || sql || '; RESET ROLE';
END
$$;

-- ---- surface ------------------------------------------------------------------------------
SELECT has_function('clinnova', 'federation_publish', ARRAY['regclass', 'text[]'], 'federation_publish(regclass, text[]) exists');
SELECT has_function('clinnova', 'federation_unpublish', ARRAY['regclass'], 'federation_unpublish(regclass) exists');
SELECT has_view('clinnova', 'federation_site_info', 'the site info view exists');
SELECT has_table('clinnova', 'federation_audit', 'the audit table exists');
SELECT has_table('clinnova', 'federation_published', 'the publication table exists');
SELECT has_table('clinnova', 'federation_sites', 'the coordinator''s site table exists');
SELECT has_function('clinnova', 'federation_add_site',
                    ARRAY['text', 'text', 'integer', 'text', 'text', 'text', 'integer', 'text'], 'federation_add_site exists');
SELECT has_function('clinnova', 'federated_describe', ARRAY['text', 'text[]', 'text', 'text', 'text[]'], 'federated_describe exists');
SELECT ok((SELECT array_agg(c::regclass::text) FROM pg_extension e, unnest(e.extconfig) c WHERE e.extname = 'clinnova')
          @> ARRAY['clinnova.federation_audit', 'clinnova.federation_audit_id_seq', 'clinnova.federation_published', 'clinnova.federation_sites'],
          'publications, audit and sites are extension configuration (dumped by pg_dump)');

-- ---- privileges -------------------------------------------------------------------------
SELECT ok(has_table_privilege('clinnova_fed_tap', 'clinnova.federation_site_info', 'SELECT'),
          'federation roles may read the site info view');
SELECT ok(NOT has_table_privilege('clinnova_fed_tap', 'clinnova.federation_audit', 'SELECT'),
          'federation roles may not read the audit table');
SELECT ok(NOT has_table_privilege('clinnova_fed_tap', 'clinnova.federation_published', 'INSERT'),
          'federation roles may not publish by writing the publication table');

-- ---- publishing -------------------------------------------------------------------------
SELECT throws_ok($$SELECT clinnova.federation_publish('public.fed_tap', ARRAY['id'])$$, '55000',
                 'clinnova is not loaded through shared_preload_libraries',
                 'publishing refuses when the guard is not loaded at server start');
SELECT throws_ok($$SELECT clinnova.federation_unpublish(NULL)$$, '22023', NULL, 'unpublish(NULL) is a bad argument');
INSERT INTO clinnova.federation_published (relation, identifiers) VALUES ('public.fed_tap', '{id}');

-- ---- the guard: allowed --------------------------------------------------------------------
SELECT lives_ok($$SELECT pg_temp.as_fed('SELECT sex, clinnova.safe_count(*), clinnova.describe(age) FROM public.fed_tap GROUP BY sex')$$,
                'a grouped disclosure-safe aggregate query is allowed');
SELECT lives_ok($$SELECT pg_temp.as_fed('SELECT min_cell_count FROM clinnova.federation_site_info')$$,
                'the site info view is readable');
SELECT lives_ok($$SELECT pg_temp.as_fed('SET extra_float_digits = 3')$$, 'postgres_fdw''s settings are allowed');

-- ---- the guard: refused (42501) ------------------------------------------------------------
SELECT throws_ok($$SELECT pg_temp.as_fed('SELECT * FROM public.fed_tap')$$, '42501',
                 'federated query refused: only aggregate queries are allowed', 'SELECT * is refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('SELECT count(*) FROM public.fed_tap')$$, '42501',
                 'federated query refused: aggregate count() is not disclosure-safe', 'count(*) is refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('SELECT array_agg(age) FROM public.fed_tap')$$, '42501',
                 'federated query refused: aggregate array_agg() is not disclosure-safe', 'array_agg is refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('SELECT clinnova.safe_count(*) FROM public.fed_tap WHERE CASE WHEN id = 42 THEN 1 / (sex - 1) = 1 END')$$,
                 '42501', NULL, 'the error-leak query is refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('SELECT clinnova.safe_count(*) FROM public.fed_tap WHERE 1 / (sex - 1) = 1')$$,
                 '42501', 'federated query refused: operator / is not allowed', 'division is refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('SELECT clinnova.safe_count(*) FROM public.fed_tap WHERE id = 42')$$,
                 '42501', 'federated query refused: column "id" is an identifier', 'identifier columns are refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('SELECT clinnova.describe(t) FROM public.fed_tap WHERE age = 31 AND sex = 2')$$,
                 '42501', 'federated query refused: a result cell describes fewer than 5 people', 'a one-patient WHERE is refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('SELECT t, clinnova.safe_count(*) FROM public.fed_tap GROUP BY t')$$,
                 '42501', 'federated query refused: a result cell describes fewer than 5 people', 'a small-group GROUP BY is refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('SELECT clinnova.safe_count(*) FROM public.fed_tap_secret')$$,
                 '42501', 'federated query refused: relation "fed_tap_secret" is not published', 'an unpublished table is refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('COPY public.fed_tap TO ''/tmp/clinnova_fed_tap.csv''')$$,
                 '42501', 'federated query refused: COPY is not allowed', 'COPY is refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('DO $do$ BEGIN END $do$')$$,
                 '42501', 'federated query refused: DO is not allowed', 'DO is refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('SET work_mem = ''1GB''')$$,
                 '42501', 'federated query refused: SET work_mem is not allowed', 'other settings are refused');
SELECT throws_ok($$SELECT pg_temp.as_fed('SELECT clinnova.version()')$$,
                 '42501', 'federated query refused: queries without a published relation are not allowed',
                 'function calls without a relation are refused');

-- ---- descriptive and grid types: bad input -------------------------------------------------
SELECT throws_ok($$SELECT 'n=1 sum=1'::clinnova.summary$$, '22P02', NULL, 'malformed summary text is 22P02');
SELECT throws_ok($$SELECT 'n=1 sum=1 m2=3'::clinnova.summary$$, '22P02', NULL, 'an inconsistent summary is 22P02');
SELECT throws_ok($$SELECT '{"p": 0}'::clinnova.coxgrid$$, '22P02', NULL, 'malformed coxgrid text is 22P02');
SELECT throws_ok($$SELECT clinnova.coxph_grid_step(1, true, '{1}', '{0}', '{0}', 0, '{10}')$$, '22023', NULL,
                 'a non-positive grain is 22023');
SELECT throws_ok($$SELECT clinnova.coxph_grid_step(1, true, '{1}', '{0}', '{0}', 10, '{15}')$$, '22023', NULL,
                 'a grid off the grain is 22023');
SELECT throws_ok($$SELECT clinnova.coxph_grid_step(5, true, '{1}', '{1000}', '{0}', 10, '{10}')$$, '22000', NULL,
                 'an overflowing linear predictor is 22000');
SELECT throws_ok($$SELECT clinnova.federated_logreg('cohort', 'y', NULL)$$, '22023', NULL,
                 'a federated regression without covariates is 22023');
SELECT throws_ok($$SELECT clinnova.federated_coxph('cohort', 'time', 'event', ARRAY[]::text[])$$, '22023', NULL,
                 'a federated Cox model without covariates is 22023');
SELECT throws_ok($$SELECT clinnova.federated_coxph_grid('cohort', 'time', 'event', ARRAY['age'], options => '{"ties": "exact"}')$$,
                 '22023', 'ties must be "efron" or "breslow"', 'an unknown tie method is 22023');

-- ---- coordinator functions: bad input --------------------------------------------------------
SELECT throws_ok($$SELECT clinnova.federation_add_site('Bad Name', '/tmp', 5432, 'db', 'u', 'p')$$, '22023', NULL,
                 'a site name that is not a lower-case identifier is 22023');
SELECT throws_ok($$SELECT * FROM clinnova.federated_counts('cohort')$$, '22023', 'no federation site selected',
                 'an analysis without sites is 22023');
SELECT throws_ok($$SELECT * FROM clinnova.federated_counts('cohort', sites => ARRAY['nowhere'])$$, '22023',
                 'unknown federation site "nowhere"', 'an unknown site is 22023');
SELECT is(clinnova.federation_remove_site('nowhere'), false, 'removing an unknown site returns false');
SELECT throws_ok($$SELECT clinnova.federation_add_site('tap_site', '/nonexistent', 1, 'db', 'u', 'p')$$, '08001', NULL,
                 'an unreachable site fails the handshake with the connection error');
SELECT is((SELECT count(*) FROM pg_foreign_server WHERE srvname = 'clinnova_tap_site'), 0::bigint,
          'a failed federation_add_site leaves no server behind');

SELECT * FROM finish();
ROLLBACK;
