-- Installing, dropping and re-creating the extension; fixed schema; reserved settings.
-- (pg_regress created the extension already: --load-extension=clinnova.)
SELECT e.extname, e.extversion, e.extrelocatable, n.nspname
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'clinnova';

-- every extension object lives in schema clinnova
SELECT count(*) AS objects_outside_schema
FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clinnova')
  AND p.pronamespace <> 'clinnova'::regnamespace;

DROP EXTENSION clinnova;
-- nothing of the extension is left (PostgreSQL keeps the schema it created for it)
SELECT count(*) AS functions_left FROM pg_proc WHERE pronamespace = 'clinnova'::regnamespace;
CREATE EXTENSION clinnova;
SELECT clinnova.version() = extversion AS library_matches_sql FROM pg_extension WHERE extname = 'clinnova';

-- the schema is fixed: neither another schema nor relocation
CREATE SCHEMA elsewhere;
DROP EXTENSION clinnova;
CREATE EXTENSION clinnova SCHEMA elsewhere;
CREATE EXTENSION clinnova;
ALTER EXTENSION clinnova SET SCHEMA elsewhere;
DROP SCHEMA elsewhere;

-- every version on disk has an update path to the default one
SELECT count(*) AS versions_without_path
FROM pg_extension_update_paths('clinnova') u, pg_available_extensions a
WHERE a.name = 'clinnova' AND u.target = a.default_version AND u.source <> u.target AND u.path IS NULL;

-- settings: the clinnova.* prefix is reserved, federation settings are superuser-only
SELECT clinnova.version() IS NOT NULL AS loaded;
SET clinnova.no_such_setting = 1;
SHOW clinnova.min_cell_count;
-- VERBOSE is an SQL keyword: the setting is written with quotes in SET and SHOW
SHOW clinnova."verbose";
SHOW clinnova.time_grain;
SELECT setting = '' AS no_federation_roles FROM pg_settings WHERE name = 'clinnova.federation_roles';
SELECT name, context FROM pg_settings WHERE name LIKE 'clinnova.%' ORDER BY name;
CREATE ROLE clinnova_install_user;
SET ROLE clinnova_install_user;
SET clinnova.min_cell_count = 1;
SET clinnova.federation_roles = '';
SET clinnova."verbose" = on;
SHOW clinnova."verbose";
RESET ROLE;
DROP ROLE clinnova_install_user;
SET clinnova.min_cell_count = 0;
-- clinnova.federation_roles must be a list of role names: a typo is refused when it is set
SET clinnova.federation_roles = 'analyst,,partner';
SET clinnova.federation_roles = 'site_reader, "Partner Site"';
SHOW clinnova.federation_roles;
RESET clinnova.federation_roles;
