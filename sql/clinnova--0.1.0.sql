-- clinnova 0.1.0: precision-medicine analytics inside PostgreSQL.
-- Schema clinnova is fixed (relocatable = false): postgres_fdw ships schema-qualified names, so
-- every site and the coordinator must agree on it.  SQL bodies qualify every name, because
-- remote sessions run with search_path = pg_catalog.

\echo Use "CREATE EXTENSION clinnova" to load this file. \quit

-- ============================================================================================
-- core
-- ============================================================================================

CREATE FUNCTION clinnova.version()
RETURNS text
AS 'MODULE_PATHNAME', 'clinnova_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION clinnova.version() IS 'version of the loaded clinnova library';

CREATE FUNCTION clinnova.build_info(
    OUT library_version text,
    OUT postgres_version text,
    OUT blas_config text,
    OUT blas_mode text,
    OUT blas_threads integer,
    OUT backend_threads integer,
    OUT blas_check boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'clinnova_build_info'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION clinnova.build_info() IS
  'library and server versions, BLAS library and threading, backend thread count, BLAS self-check';

-- ============================================================================================
-- codes
-- ============================================================================================

-- ============================================================================================
-- survival
-- ============================================================================================

-- The survfit risk table: the sufficient statistic of every survival estimator.  Text form is
-- a JSON object (exact float8 round trip); binary form starts with a format version byte.

CREATE TYPE clinnova.survfit;

CREATE FUNCTION clinnova.survfit_in(cstring) RETURNS clinnova.survfit
AS 'MODULE_PATHNAME', 'survfit_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.survfit_out(clinnova.survfit) RETURNS cstring
AS 'MODULE_PATHNAME', 'survfit_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.survfit_recv(internal) RETURNS clinnova.survfit
AS 'MODULE_PATHNAME', 'survfit_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.survfit_send(clinnova.survfit) RETURNS bytea
AS 'MODULE_PATHNAME', 'survfit_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.survfit (
    INPUT = clinnova.survfit_in,
    OUTPUT = clinnova.survfit_out,
    RECEIVE = clinnova.survfit_recv,
    SEND = clinnova.survfit_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);

COMMENT ON TYPE clinnova.survfit IS
  'risk table: per distinct time the events by cause, censorings and late entries (with weight sums); input of every survival estimator';
COMMENT ON TYPE clinnova.survfit[] IS 'array of survfit risk tables';
COMMENT ON FUNCTION clinnova.survfit_in(cstring) IS 'text input of survfit (the JSON form survfit_out writes)';
COMMENT ON FUNCTION clinnova.survfit_out(clinnova.survfit) IS 'text output of survfit: a JSON object, floats in shortest exact form';
COMMENT ON FUNCTION clinnova.survfit_recv(internal) IS 'binary input of survfit (format version byte first; all checks of the text input)';
COMMENT ON FUNCTION clinnova.survfit_send(clinnova.survfit) IS 'binary output of survfit';

CREATE FUNCTION clinnova.survfit_eq(clinnova.survfit, clinnova.survfit) RETURNS boolean
AS 'MODULE_PATHNAME', 'survfit_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.survfit_ne(clinnova.survfit, clinnova.survfit) RETURNS boolean
AS 'MODULE_PATHNAME', 'survfit_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.survfit_eq(clinnova.survfit, clinnova.survfit) IS 'true when two risk tables are identical';
COMMENT ON FUNCTION clinnova.survfit_ne(clinnova.survfit, clinnova.survfit) IS 'true when two risk tables differ';

CREATE OPERATOR clinnova.= (
    LEFTARG = clinnova.survfit, RIGHTARG = clinnova.survfit, FUNCTION = clinnova.survfit_eq,
    COMMUTATOR = OPERATOR(clinnova.=), NEGATOR = OPERATOR(clinnova.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR clinnova.<> (
    LEFTARG = clinnova.survfit, RIGHTARG = clinnova.survfit, FUNCTION = clinnova.survfit_ne,
    COMMUTATOR = OPERATOR(clinnova.<>), NEGATOR = OPERATOR(clinnova.=),
    RESTRICT = neqsel, JOIN = neqjoinsel);
COMMENT ON OPERATOR clinnova.= (clinnova.survfit, clinnova.survfit) IS 'identical risk tables';
COMMENT ON OPERATOR clinnova.<> (clinnova.survfit, clinnova.survfit) IS 'different risk tables';

-- Aggregate support shared by km, km_merge and cif (one state type: the risk table under
-- construction, counted by time without sorting rows).

CREATE FUNCTION clinnova.km_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'km_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'km_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.km_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'km_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.km_finalfn(internal) RETURNS clinnova.survfit
AS 'MODULE_PATHNAME', 'km_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_merge_finalfn(internal) RETURNS clinnova.survfit
AS 'MODULE_PATHNAME', 'km_merge_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.cif_finalfn(internal) RETURNS clinnova.survfit
AS 'MODULE_PATHNAME', 'cif_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.km_combine(internal, internal) IS 'combine function of km, km_merge and cif: adds two partial risk tables';
COMMENT ON FUNCTION clinnova.km_serialize(internal) IS 'serial function of km, km_merge and cif: the partial risk table in survfit binary form';
COMMENT ON FUNCTION clinnova.km_deserialize(bytea, internal) IS 'deserial function of km, km_merge and cif (checks version, lengths and invariants)';
COMMENT ON FUNCTION clinnova.km_finalfn(internal) IS 'final function of km: the sorted risk table, after disclosure control for federation roles';
COMMENT ON FUNCTION clinnova.km_merge_finalfn(internal) IS 'final function of km_merge: the merged risk table, after disclosure control for federation roles';
COMMENT ON FUNCTION clinnova.cif_finalfn(internal) IS 'final function of cif: the risk table by cause, after disclosure control for federation roles';

CREATE FUNCTION clinnova.km_transfn(internal, float8, boolean) RETURNS internal
AS 'MODULE_PATHNAME', 'km_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_int_transfn(internal, float8, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'km_int_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_weighted_transfn(internal, float8, boolean, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'km_weighted_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_entry_transfn(internal, float8, float8, boolean) RETURNS internal
AS 'MODULE_PATHNAME', 'km_entry_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_entry_weighted_transfn(internal, float8, float8, boolean, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'km_entry_weighted_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_merge_transfn(internal, clinnova.survfit) RETURNS internal
AS 'MODULE_PATHNAME', 'km_merge_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.cif_transfn(internal, float8, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'cif_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.cif_weighted_transfn(internal, float8, integer, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'cif_weighted_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.km_transfn(internal, float8, boolean) IS 'transition function of km(time, event boolean)';
COMMENT ON FUNCTION clinnova.km_int_transfn(internal, float8, integer) IS 'transition function of km(time, event integer 0/1)';
COMMENT ON FUNCTION clinnova.km_weighted_transfn(internal, float8, boolean, float8) IS 'transition function of km(time, event boolean, weight)';
COMMENT ON FUNCTION clinnova.km_entry_transfn(internal, float8, float8, boolean) IS 'transition function of km(entry, time, event boolean)';
COMMENT ON FUNCTION clinnova.km_entry_weighted_transfn(internal, float8, float8, boolean, float8) IS 'transition function of km(entry, time, event boolean, weight)';
COMMENT ON FUNCTION clinnova.km_merge_transfn(internal, clinnova.survfit) IS 'transition function of km_merge(survfit)';
COMMENT ON FUNCTION clinnova.cif_transfn(internal, float8, integer) IS 'transition function of cif(time, cause)';
COMMENT ON FUNCTION clinnova.cif_weighted_transfn(internal, float8, integer, float8) IS 'transition function of cif(time, cause, weight)';

CREATE AGGREGATE clinnova.km("time" float8, event boolean) (
    SFUNC = clinnova.km_transfn, STYPE = internal, FINALFUNC = clinnova.km_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.km("time" float8, event integer) (
    SFUNC = clinnova.km_int_transfn, STYPE = internal, FINALFUNC = clinnova.km_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.km("time" float8, event boolean, weight float8) (
    SFUNC = clinnova.km_weighted_transfn, STYPE = internal, FINALFUNC = clinnova.km_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.km(entry float8, "time" float8, event boolean) (
    SFUNC = clinnova.km_entry_transfn, STYPE = internal, FINALFUNC = clinnova.km_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.km(entry float8, "time" float8, event boolean, weight float8) (
    SFUNC = clinnova.km_entry_weighted_transfn, STYPE = internal, FINALFUNC = clinnova.km_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.km_merge(curve clinnova.survfit) (
    SFUNC = clinnova.km_merge_transfn, STYPE = internal, FINALFUNC = clinnova.km_merge_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.cif("time" float8, cause integer) (
    SFUNC = clinnova.cif_transfn, STYPE = internal, FINALFUNC = clinnova.cif_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.cif("time" float8, cause integer, weight float8) (
    SFUNC = clinnova.cif_weighted_transfn, STYPE = internal, FINALFUNC = clinnova.cif_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE clinnova.km(float8, boolean) IS 'risk table for Kaplan-Meier from (time, event); NULL rows skipped';
COMMENT ON AGGREGATE clinnova.km(float8, integer) IS 'risk table for Kaplan-Meier from (time, event 0/1); NULL rows skipped';
COMMENT ON AGGREGATE clinnova.km(float8, boolean, float8) IS 'risk table with case weights (weight 0 or NULL rows skipped)';
COMMENT ON AGGREGATE clinnova.km(float8, float8, boolean) IS 'risk table of (entry, time] rows: left truncation and counting-process data';
COMMENT ON AGGREGATE clinnova.km(float8, float8, boolean, float8) IS 'risk table of weighted (entry, time] rows';
COMMENT ON AGGREGATE clinnova.km_merge(clinnova.survfit) IS 'sum of risk tables: equals one km over the union of their rows';
COMMENT ON AGGREGATE clinnova.cif(float8, integer) IS 'competing-risks risk table from (time, cause): cause 0 = censored, 1..64 = event causes';
COMMENT ON AGGREGATE clinnova.cif(float8, integer, float8) IS 'weighted competing-risks risk table (weight 0 or NULL rows skipped)';

-- Accessors: a risk table read as R's survfit reads it.

CREATE FUNCTION clinnova.km_table(curve clinnova.survfit, conf_type text DEFAULT 'log',
    conf_level float8 DEFAULT 0.95, variance text DEFAULT 'auto',
    OUT "time" float8, OUT n_risk float8, OUT n_event float8, OUT n_censor float8,
    OUT surv float8, OUT std_err float8, OUT lower float8, OUT upper float8,
    OUT cumhaz float8, OUT std_chaz float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'km_table' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION clinnova.km_table(clinnova.survfit, text, float8, text) IS
  'Kaplan-Meier curve, one row per exit time: at risk, events, censored, survival, std_err of -log S, confidence limits, Nelson-Aalen hazard';

CREATE FUNCTION clinnova.surv_at(curve clinnova.survfit, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'surv_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.surv_at(clinnova.survfit, float8) IS
  'Kaplan-Meier survival at time t (1 before the first time, NULL after the last)';

CREATE FUNCTION clinnova.median_survival(curve clinnova.survfit, conf_type text DEFAULT 'log',
    conf_level float8 DEFAULT 0.95, variance text DEFAULT 'auto',
    OUT median float8, OUT lower float8, OUT upper float8)
RETURNS record
AS 'MODULE_PATHNAME', 'median_survival' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.median_survival(clinnova.survfit, text, float8, text) IS
  'median survival time with confidence limits (R print.survfit rule; NULL where R gives NA)';

CREATE FUNCTION clinnova.surv_quantile(curve clinnova.survfit, p float8, conf_type text DEFAULT 'log',
    conf_level float8 DEFAULT 0.95, variance text DEFAULT 'auto',
    OUT quantile float8, OUT lower float8, OUT upper float8)
RETURNS record
AS 'MODULE_PATHNAME', 'surv_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.surv_quantile(clinnova.survfit, float8, text, float8, text) IS
  'time by which a fraction p has had the event, with confidence limits (R quantile.survfit rule)';

CREATE FUNCTION clinnova.nelson_aalen(curve clinnova.survfit, ctype integer DEFAULT 1,
    conf_type text DEFAULT 'log', conf_level float8 DEFAULT 0.95, variance text DEFAULT 'auto',
    OUT "time" float8, OUT cumhaz float8, OUT std_err float8, OUT n_risk float8,
    OUT n_event float8, OUT n_censor float8, OUT surv float8, OUT lower float8, OUT upper float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'nelson_aalen' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION clinnova.nelson_aalen(clinnova.survfit, integer, text, float8, text) IS
  'cumulative hazard (ctype 1 Nelson-Aalen, 2 Fleming-Harrington) with std_err, and survival exp(-cumhaz) with confidence limits';

CREATE FUNCTION clinnova.rmst(curve clinnova.survfit, tau float8, OUT rmst float8, OUT se float8)
RETURNS record
AS 'MODULE_PATHNAME', 'rmst' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.rmst(clinnova.survfit, float8) IS
  'restricted mean survival time up to tau and its standard error (R print(fit, rmean = tau))';

CREATE FUNCTION clinnova.rmst_diff(curve_a clinnova.survfit, curve_b clinnova.survfit, tau float8,
    conf_level float8 DEFAULT 0.95,
    OUT diff float8, OUT se float8, OUT lower float8, OUT upper float8, OUT p float8)
RETURNS record
AS 'MODULE_PATHNAME', 'rmst_diff' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.rmst_diff(clinnova.survfit, clinnova.survfit, float8, float8) IS
  'difference of restricted mean survival times (a - b) with se, normal confidence limits and two-sided p';

CREATE FUNCTION clinnova.cif_table(curve clinnova.survfit, conf_type text DEFAULT 'log',
    conf_level float8 DEFAULT 0.95,
    OUT "time" float8, OUT cause integer, OUT n_risk float8, OUT n_event float8, OUT cif float8,
    OUT std_err float8, OUT lower float8, OUT upper float8, OUT n_censor float8, OUT cumhaz float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cif_table' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION clinnova.cif_table(clinnova.survfit, text, float8) IS
  'Aalen-Johansen cumulative incidence per exit time and cause (cause 0 = event-free) with robust std_err and confidence limits';

CREATE FUNCTION clinnova.survfit_summary(curve clinnova.survfit,
    OUT records bigint, OUT n_max float8, OUT n_start float8, OUT events float8,
    OUT causes integer, OUT weights text, OUT late_entries boolean, OUT times integer)
RETURNS record
AS 'MODULE_PATHNAME', 'survfit_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.survfit_summary(clinnova.survfit) IS
  'R''s summary counts (records, n.max, n.start, events) and the shape of a risk table';

-- Log-rank family (R survdiff).

CREATE TYPE clinnova.logrank_test AS (
    chisq float8,
    df integer,
    p float8,
    groups text[],
    n bigint[],
    observed float8[],
    expected float8[],
    variance float8[]
);
COMMENT ON TYPE clinnova.logrank_test IS
  'result of logrank: chisq, df, p, then per group (aligned with groups) n, observed, expected and the variance matrix';
COMMENT ON TYPE clinnova.logrank_test[] IS 'array of logrank_test results';

CREATE FUNCTION clinnova.logrank_curve_transfn(internal, text, clinnova.survfit) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_curve_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_curve_rho_transfn(internal, text, clinnova.survfit, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_curve_rho_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_strata_transfn(internal, text, text, clinnova.survfit) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_strata_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_strata_rho_transfn(internal, text, text, clinnova.survfit, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_strata_rho_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_rows_transfn(internal, float8, boolean, text) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_rows_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_rows_rho_transfn(internal, float8, boolean, text, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_rows_rho_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_rows_int_transfn(internal, float8, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_rows_int_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_rows_int_rho_transfn(internal, float8, integer, text, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_rows_int_rho_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'logrank_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_finalfn(internal) RETURNS clinnova.logrank_test
AS 'MODULE_PATHNAME', 'logrank_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logrank_curve_transfn(internal, text, clinnova.survfit) IS 'transition function of logrank(grp, curve)';
COMMENT ON FUNCTION clinnova.logrank_curve_rho_transfn(internal, text, clinnova.survfit, float8) IS 'transition function of logrank(grp, curve, rho)';
COMMENT ON FUNCTION clinnova.logrank_strata_transfn(internal, text, text, clinnova.survfit) IS 'transition function of logrank(stratum, grp, curve)';
COMMENT ON FUNCTION clinnova.logrank_strata_rho_transfn(internal, text, text, clinnova.survfit, float8) IS 'transition function of logrank(stratum, grp, curve, rho)';
COMMENT ON FUNCTION clinnova.logrank_rows_transfn(internal, float8, boolean, text) IS 'transition function of logrank(time, event, grp)';
COMMENT ON FUNCTION clinnova.logrank_rows_rho_transfn(internal, float8, boolean, text, float8) IS 'transition function of logrank(time, event, grp, rho)';
COMMENT ON FUNCTION clinnova.logrank_rows_int_transfn(internal, float8, integer, text) IS 'transition function of logrank(time, event 0/1, grp)';
COMMENT ON FUNCTION clinnova.logrank_rows_int_rho_transfn(internal, float8, integer, text, float8) IS 'transition function of logrank(time, event 0/1, grp, rho)';
COMMENT ON FUNCTION clinnova.logrank_combine(internal, internal) IS 'combine function of logrank: merges per-(stratum, group) risk tables';
COMMENT ON FUNCTION clinnova.logrank_serialize(internal) IS 'serial function of logrank';
COMMENT ON FUNCTION clinnova.logrank_deserialize(bytea, internal) IS 'deserial function of logrank (checks version, lengths and every risk table)';
COMMENT ON FUNCTION clinnova.logrank_finalfn(internal) IS 'final function of logrank: the G-rho test, after disclosure control for federation roles';

CREATE AGGREGATE clinnova.logrank(grp text, curve clinnova.survfit) (
    SFUNC = clinnova.logrank_curve_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank(grp text, curve clinnova.survfit, rho float8) (
    SFUNC = clinnova.logrank_curve_rho_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank(stratum text, grp text, curve clinnova.survfit) (
    SFUNC = clinnova.logrank_strata_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank(stratum text, grp text, curve clinnova.survfit, rho float8) (
    SFUNC = clinnova.logrank_strata_rho_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank("time" float8, event boolean, grp text) (
    SFUNC = clinnova.logrank_rows_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank("time" float8, event boolean, grp text, rho float8) (
    SFUNC = clinnova.logrank_rows_rho_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank("time" float8, event integer, grp text) (
    SFUNC = clinnova.logrank_rows_int_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank("time" float8, event integer, grp text, rho float8) (
    SFUNC = clinnova.logrank_rows_int_rho_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE clinnova.logrank(text, clinnova.survfit) IS 'log-rank test over per-group risk tables (curves of one group are merged)';
COMMENT ON AGGREGATE clinnova.logrank(text, clinnova.survfit, float8) IS 'G-rho test over per-group risk tables: rho 0 log-rank, 1 Peto-Peto';
COMMENT ON AGGREGATE clinnova.logrank(text, text, clinnova.survfit) IS 'stratified log-rank test over per-(stratum, group) risk tables';
COMMENT ON AGGREGATE clinnova.logrank(text, text, clinnova.survfit, float8) IS 'stratified G-rho test over per-(stratum, group) risk tables';
COMMENT ON AGGREGATE clinnova.logrank(float8, boolean, text) IS 'log-rank test from rows (time, event, group)';
COMMENT ON AGGREGATE clinnova.logrank(float8, boolean, text, float8) IS 'G-rho test from rows (time, event, group, rho)';
COMMENT ON AGGREGATE clinnova.logrank(float8, integer, text) IS 'log-rank test from rows (time, event 0/1, group)';
COMMENT ON AGGREGATE clinnova.logrank(float8, integer, text, float8) IS 'G-rho test from rows (time, event 0/1, group, rho)';

-- ============================================================================================
-- cox
-- ============================================================================================

-- ============================================================================================
-- models
-- ============================================================================================

-- ============================================================================================
-- federation
-- ============================================================================================

-- ============================================================================================
-- demo
-- ============================================================================================
