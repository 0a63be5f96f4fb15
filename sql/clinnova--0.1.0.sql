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

-- ============================================================================================
-- cox
-- ============================================================================================

-- ---- types ---------------------------------------------------------------------------------

CREATE TYPE clinnova.coxmodel;

CREATE FUNCTION clinnova.coxmodel_in(cstring) RETURNS clinnova.coxmodel
AS 'MODULE_PATHNAME', 'coxmodel_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxmodel_out(clinnova.coxmodel) RETURNS cstring
AS 'MODULE_PATHNAME', 'coxmodel_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxmodel_recv(internal) RETURNS clinnova.coxmodel
AS 'MODULE_PATHNAME', 'coxmodel_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxmodel_send(clinnova.coxmodel) RETURNS bytea
AS 'MODULE_PATHNAME', 'coxmodel_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.coxmodel (
    INPUT = clinnova.coxmodel_in,
    OUTPUT = clinnova.coxmodel_out,
    RECEIVE = clinnova.coxmodel_recv,
    SEND = clinnova.coxmodel_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended);

COMMENT ON TYPE clinnova.coxmodel IS
  'fitted Cox proportional hazards model: coefficients, variances, tests, concordance, baseline hazard (text form is JSON)';
COMMENT ON FUNCTION clinnova.coxmodel_in(cstring) IS 'coxmodel input: JSON text form, validated';
COMMENT ON FUNCTION clinnova.coxmodel_out(clinnova.coxmodel) IS 'coxmodel output: JSON text form, float8 shortest-exact';
COMMENT ON FUNCTION clinnova.coxmodel_recv(internal) IS 'coxmodel binary input (version byte, validated)';
COMMENT ON FUNCTION clinnova.coxmodel_send(clinnova.coxmodel) IS 'coxmodel binary output (version byte)';

CREATE CAST (clinnova.coxmodel AS jsonb) WITH INOUT;
COMMENT ON CAST (clinnova.coxmodel AS jsonb) IS 'a coxmodel as a jsonb document, for exploration';

CREATE TYPE clinnova.coxstep;

CREATE FUNCTION clinnova.coxstep_in(cstring) RETURNS clinnova.coxstep
AS 'MODULE_PATHNAME', 'coxstep_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxstep_out(clinnova.coxstep) RETURNS cstring
AS 'MODULE_PATHNAME', 'coxstep_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxstep_recv(internal) RETURNS clinnova.coxstep
AS 'MODULE_PATHNAME', 'coxstep_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxstep_send(clinnova.coxstep) RETURNS bytea
AS 'MODULE_PATHNAME', 'coxstep_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.coxstep (
    INPUT = clinnova.coxstep_in,
    OUTPUT = clinnova.coxstep_out,
    RECEIVE = clinnova.coxstep_recv,
    SEND = clinnova.coxstep_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended);

COMMENT ON TYPE clinnova.coxstep IS
  'one Newton step of a Cox partial likelihood at a given beta: loglik, score, information (mergeable by summing)';
COMMENT ON FUNCTION clinnova.coxstep_in(cstring) IS 'coxstep input: JSON text form, validated';
COMMENT ON FUNCTION clinnova.coxstep_out(clinnova.coxstep) IS 'coxstep output: JSON text form, float8 shortest-exact';
COMMENT ON FUNCTION clinnova.coxstep_recv(internal) IS 'coxstep binary input (version byte, validated)';
COMMENT ON FUNCTION clinnova.coxstep_send(clinnova.coxstep) IS 'coxstep binary output (version byte)';

CREATE CAST (clinnova.coxstep AS jsonb) WITH INOUT;
COMMENT ON CAST (clinnova.coxstep AS jsonb) IS 'a coxstep as a jsonb document';

CREATE TYPE clinnova.cox_zph_test AS (term text, chisq float8, df integer, p float8);
COMMENT ON TYPE clinnova.cox_zph_test IS 'one row of the proportional-hazards test (cox_zph): a term or GLOBAL';
COMMENT ON TYPE clinnova.cox_zph_test[] IS 'the table of a proportional-hazards test, as cox_zph returns it (unnest it)';
COMMENT ON TYPE clinnova.coxmodel[] IS 'array of coxmodel';
COMMENT ON TYPE clinnova.coxstep[] IS 'array of coxstep';

-- ---- aggregate support (internal state: the rows) ------------------------------------------

CREATE FUNCTION clinnova.coxph_transfn(internal, float8, boolean, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_transfn(internal, float8, boolean, float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_transfn_opts' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_transfn(internal, float8, float8, boolean, float8[], text, float8, text, jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_transfn_full' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_step_transfn(internal, float8, boolean, float8[], float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_step_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_step_transfn(internal, float8, float8, boolean, float8[], text, float8, float8[], jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_step_transfn_full' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.cox_zph_transfn(internal, float8, boolean, float8[], clinnova.coxmodel) RETURNS internal
AS 'MODULE_PATHNAME', 'cox_zph_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.cox_zph_transfn(internal, float8, float8, boolean, float8[], text, float8,
                                         clinnova.coxmodel, jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'cox_zph_transfn_full' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_combinefn(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_combinefn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_serialfn(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'coxph_serialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_deserialfn(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_deserialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_finalfn(internal) RETURNS clinnova.coxmodel
AS 'MODULE_PATHNAME', 'coxph_finalfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_step_finalfn(internal) RETURNS clinnova.coxstep
AS 'MODULE_PATHNAME', 'coxph_step_finalfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.cox_zph_finalfn(internal) RETURNS clinnova.cox_zph_test[]
AS 'MODULE_PATHNAME', 'cox_zph_finalfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

COMMENT ON FUNCTION clinnova.coxph_transfn(internal, float8, boolean, float8[]) IS
  'coxph transition: validate and collect one row';
COMMENT ON FUNCTION clinnova.coxph_transfn(internal, float8, boolean, float8[], jsonb) IS
  'coxph transition with options: validate and collect one row';
COMMENT ON FUNCTION clinnova.coxph_transfn(internal, float8, float8, boolean, float8[], text, float8, text, jsonb) IS
  'coxph transition, full form (entry, strata, weight, cluster): validate and collect one row';
COMMENT ON FUNCTION clinnova.coxph_step_transfn(internal, float8, boolean, float8[], float8[]) IS
  'coxph_step transition: validate and collect one row';
COMMENT ON FUNCTION clinnova.coxph_step_transfn(internal, float8, float8, boolean, float8[], text, float8, float8[], jsonb) IS
  'coxph_step transition, full form: validate and collect one row';
COMMENT ON FUNCTION clinnova.cox_zph_transfn(internal, float8, boolean, float8[], clinnova.coxmodel) IS
  'cox_zph transition: validate and collect one row';
COMMENT ON FUNCTION clinnova.cox_zph_transfn(internal, float8, float8, boolean, float8[], text, float8, clinnova.coxmodel, jsonb) IS
  'cox_zph transition, full form: validate and collect one row';
COMMENT ON FUNCTION clinnova.coxph_combinefn(internal, internal) IS 'merge the rows of two Cox aggregate states';
COMMENT ON FUNCTION clinnova.coxph_serialfn(internal) IS 'serialize a Cox aggregate state for parallel query';
COMMENT ON FUNCTION clinnova.coxph_deserialfn(bytea, internal) IS 'deserialize a Cox aggregate state';
COMMENT ON FUNCTION clinnova.coxph_finalfn(internal) IS 'fit the Cox model to the collected rows';
COMMENT ON FUNCTION clinnova.coxph_step_finalfn(internal) IS 'compute one Newton step of the collected rows';
COMMENT ON FUNCTION clinnova.cox_zph_finalfn(internal) IS 'test proportional hazards on the collected rows';

-- ---- aggregates ----------------------------------------------------------------------------

CREATE AGGREGATE clinnova.coxph("time" float8, event boolean, x float8[]) (
    SFUNC = clinnova.coxph_transfn, STYPE = internal,
    FINALFUNC = clinnova.coxph_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);
CREATE AGGREGATE clinnova.coxph("time" float8, event boolean, x float8[], options jsonb) (
    SFUNC = clinnova.coxph_transfn, STYPE = internal,
    FINALFUNC = clinnova.coxph_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);
CREATE AGGREGATE clinnova.coxph(entry float8, "time" float8, event boolean, x float8[], strata text,
                                weight float8, cluster text, options jsonb) (
    SFUNC = clinnova.coxph_transfn, STYPE = internal,
    FINALFUNC = clinnova.coxph_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);

COMMENT ON AGGREGATE clinnova.coxph(float8, boolean, float8[]) IS
  'Cox proportional hazards model (Efron ties) of the rows, as R''s coxph';
COMMENT ON AGGREGATE clinnova.coxph(float8, boolean, float8[], jsonb) IS
  'Cox proportional hazards model of the rows with options (ties, terms, max_iter, tol, conf_level, robust, ...)';
COMMENT ON AGGREGATE clinnova.coxph(float8, float8, boolean, float8[], text, float8, text, jsonb) IS
  'Cox model of (entry, time] rows with strata, case weights and clusters (NULL = unused)';

CREATE AGGREGATE clinnova.coxph_step("time" float8, event boolean, x float8[], beta float8[]) (
    SFUNC = clinnova.coxph_step_transfn, STYPE = internal,
    FINALFUNC = clinnova.coxph_step_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);
CREATE AGGREGATE clinnova.coxph_step(entry float8, "time" float8, event boolean, x float8[], strata text,
                                     weight float8, beta float8[], options jsonb) (
    SFUNC = clinnova.coxph_step_transfn, STYPE = internal,
    FINALFUNC = clinnova.coxph_step_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);

COMMENT ON AGGREGATE clinnova.coxph_step(float8, boolean, float8[], float8[]) IS
  'partial log-likelihood, score and information of the rows at beta (federated Newton step; disclosure-safe)';
COMMENT ON AGGREGATE clinnova.coxph_step(float8, float8, boolean, float8[], text, float8, float8[], jsonb) IS
  'Newton step of (entry, time] rows with strata and weights at beta (disclosure-safe)';

CREATE FUNCTION clinnova.coxstep_merge_transfn(clinnova.coxstep, clinnova.coxstep) RETURNS clinnova.coxstep
AS 'MODULE_PATHNAME', 'coxstep_merge_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxstep_merge_transfn(clinnova.coxstep, clinnova.coxstep) IS
  'add two Cox steps taken at the same beta';

CREATE AGGREGATE clinnova.coxstep_merge(clinnova.coxstep) (
    SFUNC = clinnova.coxstep_merge_transfn, STYPE = clinnova.coxstep,
    COMBINEFUNC = clinnova.coxstep_merge_transfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clinnova.coxstep_merge(clinnova.coxstep) IS
  'sum of Cox steps (sites as strata): the pooled stratified Newton step';

CREATE AGGREGATE clinnova.cox_zph("time" float8, event boolean, x float8[], model clinnova.coxmodel) (
    SFUNC = clinnova.cox_zph_transfn, STYPE = internal,
    FINALFUNC = clinnova.cox_zph_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);
CREATE AGGREGATE clinnova.cox_zph(entry float8, "time" float8, event boolean, x float8[], strata text,
                                  weight float8, model clinnova.coxmodel, options jsonb) (
    SFUNC = clinnova.cox_zph_transfn, STYPE = internal,
    FINALFUNC = clinnova.cox_zph_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);

COMMENT ON AGGREGATE clinnova.cox_zph(float8, boolean, float8[], clinnova.coxmodel) IS
  'proportional-hazards test of a fitted model on its rows (R''s cox.zph, transform km): per term and GLOBAL';
COMMENT ON AGGREGATE clinnova.cox_zph(float8, float8, boolean, float8[], text, float8, clinnova.coxmodel, jsonb) IS
  'proportional-hazards test, full form (entry, strata, weight; options transform, assign, global)';

-- ---- accessors -----------------------------------------------------------------------------

CREATE FUNCTION clinnova.coxph_coefs(model clinnova.coxmodel)
RETURNS TABLE (term text, coef float8, hr float8, se float8, robust_se float8, z float8, p float8,
               hr_lower float8, hr_upper float8, mean float8)
AS 'MODULE_PATHNAME', 'coxph_coefs' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION clinnova.coxph_coefs(clinnova.coxmodel) IS
  'coefficient table: coef, hazard ratio, se, robust se, z, p, CI of the hazard ratio, covariate mean';

CREATE FUNCTION clinnova.coxph_stats(model clinnova.coxmodel,
    OUT n bigint, OUT events bigint, OUT loglik_null float8, OUT loglik float8,
    OUT lr_chisq float8, OUT lr_df integer, OUT lr_p float8,
    OUT wald_chisq float8, OUT wald_df integer, OUT wald_p float8,
    OUT score_chisq float8, OUT score_df integer, OUT score_p float8,
    OUT concordance float8, OUT concordance_se float8, OUT iterations integer, OUT converged boolean,
    OUT robust_score_chisq float8, OUT robust_score_p float8, OUT robust boolean, OUT ties text,
    OUT n_strata integer, OUT conf_level float8)
RETURNS record
AS 'MODULE_PATHNAME', 'coxph_stats' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxph_stats(clinnova.coxmodel) IS
  'model statistics: n, events, log-likelihoods, LR / Wald / score tests, concordance, iterations, convergence';

CREATE FUNCTION clinnova.coxph_vcov(model clinnova.coxmodel, robust boolean DEFAULT NULL)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'coxph_vcov' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxph_vcov(clinnova.coxmodel, boolean) IS
  'variance matrix of the coefficients (robust, model-based, or NULL = what the model reports)';

CREATE FUNCTION clinnova.coxph_concordance(model clinnova.coxmodel,
    OUT concordant float8, OUT discordant float8, OUT tied_x float8, OUT tied_y float8,
    OUT tied_xy float8, OUT concordance float8, OUT std_err float8)
RETURNS record
AS 'MODULE_PATHNAME', 'coxph_concordance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxph_concordance(clinnova.coxmodel) IS
  'Harrell''s C with its pair counts and infinitesimal-jackknife standard error';

CREATE FUNCTION clinnova.coxph_basehaz(model clinnova.coxmodel, centered boolean DEFAULT true)
RETURNS TABLE (strata text, "time" float8, n_risk float8, n_event float8, n_censor float8, cumhaz float8)
AS 'MODULE_PATHNAME', 'coxph_basehaz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION clinnova.coxph_basehaz(clinnova.coxmodel, boolean) IS
  'baseline cumulative hazard per stratum and time (R''s basehaz), at the covariate means or at zero';

-- ---- prediction ----------------------------------------------------------------------------

CREATE FUNCTION clinnova.predict_lp(model clinnova.coxmodel, x float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'coxph_predict_lp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict_lp(clinnova.coxmodel, float8[]) IS
  'centred linear predictor (x - means) . beta of a new patient (R''s predict type lp)';

CREATE FUNCTION clinnova.predict_risk(model clinnova.coxmodel, x float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'coxph_predict_risk' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict_risk(clinnova.coxmodel, float8[]) IS
  'relative risk exp(lp) of a new patient (R''s predict type risk)';

CREATE FUNCTION clinnova.predict(model clinnova.coxmodel, x float8[], type text DEFAULT 'risk')
RETURNS float8
AS 'MODULE_PATHNAME', 'coxph_predict_generic' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict(clinnova.coxmodel, float8[], text) IS
  'prediction of a Cox model: type lp, or risk / response (relative risk, the default)';

CREATE FUNCTION clinnova.predict_surv(model clinnova.coxmodel, x float8[], t float8, strata text DEFAULT NULL)
RETURNS float8
AS 'MODULE_PATHNAME', 'coxph_predict_surv' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict_surv(clinnova.coxmodel, float8[], float8, text) IS
  'survival probability of a new patient at time t (NULL beyond follow-up)';

CREATE FUNCTION clinnova.predict_curve(model clinnova.coxmodel, x float8[], strata text DEFAULT NULL)
RETURNS TABLE ("time" float8, surv float8, lower float8, upper float8, std_err float8, cumhaz float8,
               n_risk float8, n_event float8, n_censor float8, strata text)
AS 'MODULE_PATHNAME', 'coxph_predict_curve' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION clinnova.predict_curve(clinnova.coxmodel, float8[], text) IS
  'survival curve of a new patient with log-type confidence band (R''s survfit(fit, newdata))';

-- ---- federation helpers --------------------------------------------------------------------

CREATE FUNCTION clinnova.coxstep_parts(step clinnova.coxstep,
    OUT n bigint, OUT events bigint, OUT strata bigint, OUT loglik float8, OUT score float8[],
    OUT information float8[], OUT beta float8[], OUT sum_weights float8, OUT means float8[])
RETURNS record
AS 'MODULE_PATHNAME', 'coxstep_parts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxstep_parts(clinnova.coxstep) IS
  'the pieces of a Cox step: counts, log-likelihood, score, information, beta, weighted means';

CREATE FUNCTION clinnova.coxph_newton(step clinnova.coxstep, beta float8[], options jsonb DEFAULT NULL)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'coxph_newton' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxph_newton(clinnova.coxstep, float8[], jsonb) IS
  'next Newton-Raphson iterate beta + I^-1 u from a (merged) Cox step (caller does step halving)';

CREATE FUNCTION clinnova.coxmodel_from_step(step clinnova.coxstep, step_at_zero clinnova.coxstep,
                                            beta float8[], iterations integer, converged boolean,
                                            options jsonb DEFAULT NULL)
RETURNS clinnova.coxmodel
AS 'MODULE_PATHNAME', 'coxmodel_from_step' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxmodel_from_step(clinnova.coxstep, clinnova.coxstep, float8[], integer, boolean, jsonb) IS
  'coxmodel from merged steps at the final beta and at zero (no concordance, no baseline hazard)';

-- ---- convenience: fit from a table with named arguments ------------------------------------

CREATE FUNCTION clinnova.coxph_fit(relation regclass, "time" text, event text, covariates text[],
                                   strata text DEFAULT NULL, weights text DEFAULT NULL,
                                   cluster text DEFAULT NULL, entry text DEFAULT NULL,
                                   options jsonb DEFAULT '{}')
RETURNS clinnova.coxmodel
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog
AS $fn$
DECLARE
    used       text[];
    col        text;
    coltype    regtype;
    event_expr text;
    complete   text;
    opts       jsonb := coalesce(options, '{}'::jsonb);
    q          text;
    model      clinnova.coxmodel;
    dropped    bigint;
    bad_events bigint;
BEGIN
    IF relation IS NULL OR "time" IS NULL OR event IS NULL OR covariates IS NULL THEN
        RAISE EXCEPTION 'coxph_fit needs relation, time, event and covariates'
            USING ERRCODE = '22023';
    END IF;
    IF cardinality(covariates) = 0 OR array_position(covariates, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'covariates of coxph_fit must name at least one column, without NULLs'
            USING ERRCODE = '22023';
    END IF;
    used := ARRAY["time", event] || covariates;
    IF strata IS NOT NULL THEN used := used || strata; END IF;
    IF weights IS NOT NULL THEN used := used || weights; END IF;
    IF cluster IS NOT NULL THEN used := used || cluster; END IF;
    IF entry IS NOT NULL THEN used := used || entry; END IF;
    FOREACH col IN ARRAY used LOOP
        SELECT a.atttypid::regtype INTO coltype
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = relation AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'column "%" of relation % does not exist', col, relation
                USING ERRCODE = '42703';
        END IF;
        IF col = event THEN
            IF coltype = 'boolean'::regtype THEN
                event_expr := pg_catalog.quote_ident(event);
            ELSIF coltype IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype,
                              'numeric'::regtype, 'real'::regtype, 'double precision'::regtype) THEN
                event_expr := pg_catalog.format('(%I = 1)', event);
                EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s WHERE %I NOT IN (0, 1)', relation, event)
                    INTO bad_events;
                IF bad_events > 0 THEN
                    RAISE EXCEPTION 'event column "%" has % values other than 0 and 1', event, bad_events
                        USING ERRCODE = '22023',
                              HINT = 'Pass a boolean column, e.g. a generated column (status = 2) for R''s 1/2 coding.';
                END IF;
            ELSE
                RAISE EXCEPTION 'event column "%" must be boolean or numeric 0/1, not %', event, coltype
                    USING ERRCODE = '22023';
            END IF;
        END IF;
    END LOOP;
    complete := (SELECT pg_catalog.string_agg(pg_catalog.format('%I IS NOT NULL', c), ' AND ')
                 FROM pg_catalog.unnest(used) AS c);
    IF NOT opts ? 'terms' THEN
        opts := opts || pg_catalog.jsonb_build_object('terms', pg_catalog.to_jsonb(covariates));
    END IF;
    q := pg_catalog.format(
        'SELECT clinnova.coxph(%s, %I::float8, %s, ARRAY[%s]::float8[], %s, %s, %s, $1) FILTER (WHERE %s),'
        ' pg_catalog.count(*) FILTER (WHERE NOT (%s))'
        ' FROM %s',
        CASE WHEN entry IS NULL THEN 'NULL::float8' ELSE pg_catalog.format('%I::float8', entry) END,
        "time", event_expr,
        (SELECT pg_catalog.string_agg(pg_catalog.format('%I::float8', c), ', ') FROM pg_catalog.unnest(covariates) AS c),
        CASE WHEN strata IS NULL THEN 'NULL::text' ELSE pg_catalog.format('%I::text', strata) END,
        CASE WHEN weights IS NULL THEN 'NULL::float8' ELSE pg_catalog.format('%I::float8', weights) END,
        CASE WHEN cluster IS NULL THEN 'NULL::text' ELSE pg_catalog.format('%I::text', cluster) END,
        complete, complete, relation);
    EXECUTE q INTO model, dropped USING opts;
    IF dropped > 0 THEN
        RAISE NOTICE 'coxph_fit: % rows with missing values dropped (like R''s na.omit); n = %',
            dropped, (clinnova.coxph_stats(model)).n;
    END IF;
    RETURN model;
END
$fn$;
COMMENT ON FUNCTION clinnova.coxph_fit(regclass, text, text, text[], text, text, text, text, jsonb) IS
  'fit a Cox model to table columns by name (rows with NULLs dropped like na.omit; parallel restricted: it runs a query on the relation, which may be temporary)';

-- ============================================================================================
-- models
-- ============================================================================================

-- ============================================================================================
-- federation
-- ============================================================================================

-- ============================================================================================
-- demo
-- ============================================================================================
