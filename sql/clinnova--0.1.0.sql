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

-- ============================================================================================
-- models
-- ============================================================================================

-- ---- GLM: types ----

CREATE TYPE clinnova.glmmodel;

CREATE FUNCTION clinnova.glmmodel_in(cstring) RETURNS clinnova.glmmodel
AS 'MODULE_PATHNAME', 'glmmodel_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmmodel_out(clinnova.glmmodel) RETURNS cstring
AS 'MODULE_PATHNAME', 'glmmodel_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmmodel_recv(internal) RETURNS clinnova.glmmodel
AS 'MODULE_PATHNAME', 'glmmodel_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmmodel_send(clinnova.glmmodel) RETURNS bytea
AS 'MODULE_PATHNAME', 'glmmodel_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.glmmodel (
    INPUT = clinnova.glmmodel_in,
    OUTPUT = clinnova.glmmodel_out,
    RECEIVE = clinnova.glmmodel_recv,
    SEND = clinnova.glmmodel_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);

COMMENT ON TYPE clinnova.glmmodel IS
  'fitted generalized linear model (family, link, terms, coefficients, covariance, deviances, AIC); text form is JSON';
COMMENT ON FUNCTION clinnova.glmmodel_in(cstring) IS 'glmmodel text input (JSON)';
COMMENT ON FUNCTION clinnova.glmmodel_out(clinnova.glmmodel) IS 'glmmodel text output (JSON, exact floats)';
COMMENT ON FUNCTION clinnova.glmmodel_recv(internal) IS 'glmmodel binary input';
COMMENT ON FUNCTION clinnova.glmmodel_send(clinnova.glmmodel) IS 'glmmodel binary output';
COMMENT ON TYPE clinnova.glmmodel[] IS 'array of glmmodel';

CREATE TYPE clinnova.glmstep;

CREATE FUNCTION clinnova.glmstep_in(cstring) RETURNS clinnova.glmstep
AS 'MODULE_PATHNAME', 'glmstep_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmstep_out(clinnova.glmstep) RETURNS cstring
AS 'MODULE_PATHNAME', 'glmstep_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmstep_recv(internal) RETURNS clinnova.glmstep
AS 'MODULE_PATHNAME', 'glmstep_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmstep_send(clinnova.glmstep) RETURNS bytea
AS 'MODULE_PATHNAME', 'glmstep_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.glmstep (
    INPUT = clinnova.glmstep_in,
    OUTPUT = clinnova.glmstep_out,
    RECEIVE = clinnova.glmstep_recv,
    SEND = clinnova.glmstep_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);

COMMENT ON TYPE clinnova.glmstep IS
  'sums of one IRLS step at given coefficients (X''WX, X''Wz, deviance, counts): mergeable across sites; text form is JSON';
COMMENT ON FUNCTION clinnova.glmstep_in(cstring) IS 'glmstep text input (JSON)';
COMMENT ON FUNCTION clinnova.glmstep_out(clinnova.glmstep) IS 'glmstep text output (JSON, exact floats)';
COMMENT ON FUNCTION clinnova.glmstep_recv(internal) IS 'glmstep binary input';
COMMENT ON FUNCTION clinnova.glmstep_send(clinnova.glmstep) IS 'glmstep binary output';
COMMENT ON TYPE clinnova.glmstep[] IS 'array of glmstep';

-- ---- GLM: aggregate support functions ----

CREATE FUNCTION clinnova.glm_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'glm_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.glm_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'glm_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glm_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'glm_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glm_fit_finalfn(internal) RETURNS clinnova.glmmodel
AS 'MODULE_PATHNAME', 'glm_fit_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.glm_step_finalfn(internal) RETURNS clinnova.glmstep
AS 'MODULE_PATHNAME', 'glm_step_finalfn' LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION clinnova.glm_combine(internal, internal) IS
  'combine function of the GLM aggregates (appends rows, or adds steps)';
COMMENT ON FUNCTION clinnova.glm_serialize(internal) IS 'serialize function of the GLM aggregates';
COMMENT ON FUNCTION clinnova.glm_deserialize(bytea, internal) IS 'deserialize function of the GLM aggregates';
COMMENT ON FUNCTION clinnova.glm_fit_finalfn(internal) IS
  'final function of logreg, linreg and poisson: IRLS as R''s glm.fit';
COMMENT ON FUNCTION clinnova.glm_step_finalfn(internal) IS
  'final function of logreg_step, linreg_step and poisson_step';

-- ---- logreg ----

CREATE FUNCTION clinnova.logreg_transfn(internal, boolean, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_transfn(internal, boolean, float8[]) IS 'transition function of logreg';
CREATE AGGREGATE clinnova.logreg(y boolean, x float8[]) (
    SFUNC = clinnova.logreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg(boolean, float8[]) IS
  'binomial (logit link): logistic regression as Rs glm(family = binomial)';

CREATE FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], jsonb) IS 'transition function of logreg';
CREATE AGGREGATE clinnova.logreg(y boolean, x float8[], options jsonb) (
    SFUNC = clinnova.logreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg(boolean, float8[], jsonb) IS
  'binomial (logit link): logistic regression as Rs glm(family = binomial)';

CREATE FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], float8) IS 'transition function of logreg';
CREATE AGGREGATE clinnova.logreg(y boolean, x float8[], weight float8) (
    SFUNC = clinnova.logreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg(boolean, float8[], float8) IS
  'binomial (logit link): logistic regression as Rs glm(family = binomial)';

CREATE FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], float8, jsonb) IS 'transition function of logreg';
CREATE AGGREGATE clinnova.logreg(y boolean, x float8[], weight float8, options jsonb) (
    SFUNC = clinnova.logreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg(boolean, float8[], float8, jsonb) IS
  'binomial (logit link): logistic regression as Rs glm(family = binomial)';

-- ---- logreg_step ----

CREATE FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[]) IS 'transition function of logreg_step';
CREATE AGGREGATE clinnova.logreg_step(y boolean, x float8[], beta float8[]) (
    SFUNC = clinnova.logreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg_step(boolean, float8[], float8[]) IS
  'one IRLS step of a binomial (logit link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], jsonb) IS 'transition function of logreg_step';
CREATE AGGREGATE clinnova.logreg_step(y boolean, x float8[], beta float8[], options jsonb) (
    SFUNC = clinnova.logreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg_step(boolean, float8[], float8[], jsonb) IS
  'one IRLS step of a binomial (logit link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], float8) IS 'transition function of logreg_step';
CREATE AGGREGATE clinnova.logreg_step(y boolean, x float8[], beta float8[], weight float8) (
    SFUNC = clinnova.logreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg_step(boolean, float8[], float8[], float8) IS
  'one IRLS step of a binomial (logit link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], float8, jsonb) IS 'transition function of logreg_step';
CREATE AGGREGATE clinnova.logreg_step(y boolean, x float8[], beta float8[], weight float8, options jsonb) (
    SFUNC = clinnova.logreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg_step(boolean, float8[], float8[], float8, jsonb) IS
  'one IRLS step of a binomial (logit link) model at beta (NULL: R''s starting values), for federated fitting';

-- ---- linreg ----

CREATE FUNCTION clinnova.linreg_transfn(internal, float8, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_transfn(internal, float8, float8[]) IS 'transition function of linreg';
CREATE AGGREGATE clinnova.linreg(y float8, x float8[]) (
    SFUNC = clinnova.linreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg(float8, float8[]) IS
  'gaussian (identity link): linear regression as Rs lm / glm(family = gaussian)';

CREATE FUNCTION clinnova.linreg_transfn(internal, float8, float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_transfn(internal, float8, float8[], jsonb) IS 'transition function of linreg';
CREATE AGGREGATE clinnova.linreg(y float8, x float8[], options jsonb) (
    SFUNC = clinnova.linreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg(float8, float8[], jsonb) IS
  'gaussian (identity link): linear regression as Rs lm / glm(family = gaussian)';

CREATE FUNCTION clinnova.linreg_transfn(internal, float8, float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_transfn(internal, float8, float8[], float8) IS 'transition function of linreg';
CREATE AGGREGATE clinnova.linreg(y float8, x float8[], weight float8) (
    SFUNC = clinnova.linreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg(float8, float8[], float8) IS
  'gaussian (identity link): linear regression as Rs lm / glm(family = gaussian)';

CREATE FUNCTION clinnova.linreg_transfn(internal, float8, float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_transfn(internal, float8, float8[], float8, jsonb) IS 'transition function of linreg';
CREATE AGGREGATE clinnova.linreg(y float8, x float8[], weight float8, options jsonb) (
    SFUNC = clinnova.linreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg(float8, float8[], float8, jsonb) IS
  'gaussian (identity link): linear regression as Rs lm / glm(family = gaussian)';

-- ---- linreg_step ----

CREATE FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[]) IS 'transition function of linreg_step';
CREATE AGGREGATE clinnova.linreg_step(y float8, x float8[], beta float8[]) (
    SFUNC = clinnova.linreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg_step(float8, float8[], float8[]) IS
  'one IRLS step of a gaussian (identity link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], jsonb) IS 'transition function of linreg_step';
CREATE AGGREGATE clinnova.linreg_step(y float8, x float8[], beta float8[], options jsonb) (
    SFUNC = clinnova.linreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg_step(float8, float8[], float8[], jsonb) IS
  'one IRLS step of a gaussian (identity link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], float8) IS 'transition function of linreg_step';
CREATE AGGREGATE clinnova.linreg_step(y float8, x float8[], beta float8[], weight float8) (
    SFUNC = clinnova.linreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg_step(float8, float8[], float8[], float8) IS
  'one IRLS step of a gaussian (identity link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], float8, jsonb) IS 'transition function of linreg_step';
CREATE AGGREGATE clinnova.linreg_step(y float8, x float8[], beta float8[], weight float8, options jsonb) (
    SFUNC = clinnova.linreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg_step(float8, float8[], float8[], float8, jsonb) IS
  'one IRLS step of a gaussian (identity link) model at beta (NULL: R''s starting values), for federated fitting';

-- ---- poisson ----

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[]) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[]) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[]) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[], jsonb) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[], options jsonb) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[], jsonb) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[], "offset" float8) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[], float8) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, jsonb) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[], "offset" float8, options jsonb) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[], float8, jsonb) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, float8) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[], "offset" float8, weight float8) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[], float8, float8) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, float8, jsonb) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[], "offset" float8, weight float8, options jsonb) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[], float8, float8, jsonb) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

-- ---- poisson_step ----

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[]) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[]) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[]) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], jsonb) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[], options jsonb) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[], jsonb) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[], "offset" float8) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[], float8) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, jsonb) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[], "offset" float8, options jsonb) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[], float8, jsonb) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, float8) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[], "offset" float8, weight float8) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[], float8, float8) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, float8, jsonb) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[], "offset" float8, weight float8, options jsonb) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[], float8, float8, jsonb) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

-- ---- GLM: accessors, scoring, federation helpers ----

CREATE FUNCTION clinnova.glm_coefs(model clinnova.glmmodel, conf_level float8 DEFAULT NULL)
RETURNS TABLE (term text, coef float8, se float8, z float8, t float8, p float8,
               lower float8, upper float8, odds_ratio float8, rate_ratio float8)
AS 'MODULE_PATHNAME', 'glm_coefs' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION clinnova.glm_coefs(clinnova.glmmodel, float8) IS
  'coefficient table of a glmmodel: estimate, se, z (or t for gaussian), p, Wald interval, odds or rate ratio';

CREATE FUNCTION clinnova.glm_stats(model clinnova.glmmodel,
    OUT n bigint, OUT deviance float8, OUT null_deviance float8, OUT aic float8,
    OUT iterations integer, OUT converged boolean, OUT df_residual bigint, OUT df_null bigint,
    OUT dispersion float8, OUT loglik float8, OUT bic float8, OUT rank integer,
    OUT sigma float8, OUT r_squared float8, OUT adj_r_squared float8,
    OUT family text, OUT link text)
RETURNS record
AS 'MODULE_PATHNAME', 'glm_stats' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glm_stats(clinnova.glmmodel) IS
  'fit statistics of a glmmodel: n, deviances, AIC, BIC, log-likelihood, degrees of freedom, dispersion, R squared';

CREATE FUNCTION clinnova.model_features(model clinnova.glmmodel) RETURNS text[]
AS 'MODULE_PATHNAME', 'glmmodel_terms' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.model_features(clinnova.glmmodel) IS
  'names of the elements of x a glmmodel expects, in order (its terms without the intercept)';

CREATE FUNCTION clinnova.predict(model clinnova.glmmodel, x float8[], type text DEFAULT 'response',
                                 "offset" float8 DEFAULT 0)
RETURNS float8
AS 'MODULE_PATHNAME', 'glmmodel_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict(clinnova.glmmodel, float8[], text, float8) IS
  'score one row with a glmmodel: type ''response'' (fitted mean) or ''link'' (linear predictor)';

CREATE FUNCTION clinnova.predict_interval(model clinnova.glmmodel, x float8[],
    type text DEFAULT 'response', conf_level float8 DEFAULT NULL, "offset" float8 DEFAULT 0,
    OUT fit float8, OUT se float8, OUT lower float8, OUT upper float8)
RETURNS record
AS 'MODULE_PATHNAME', 'glmmodel_predict_interval' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict_interval(clinnova.glmmodel, float8[], text, float8, float8) IS
  'prediction with its standard error and a Wald confidence interval (delta method, formed on the link scale)';

CREATE FUNCTION clinnova.glmstep_merge_transfn(clinnova.glmstep, clinnova.glmstep) RETURNS clinnova.glmstep
AS 'MODULE_PATHNAME', 'glmstep_merge_transfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glmstep_merge_transfn(clinnova.glmstep, clinnova.glmstep) IS
  'transition and combine function of glmstep_merge: adds two IRLS steps taken at the same coefficients';

CREATE AGGREGATE clinnova.glmstep_merge(step clinnova.glmstep) (
    SFUNC = clinnova.glmstep_merge_transfn,
    STYPE = clinnova.glmstep,
    COMBINEFUNC = clinnova.glmstep_merge_transfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.glmstep_merge(clinnova.glmstep) IS
  'sum of IRLS steps of disjoint rows at the same coefficients (the federated step)';

CREATE FUNCTION clinnova.glmstep_info(step clinnova.glmstep,
    OUT family text, OUT n_rows bigint, OUT n bigint, OUT sum_weights float8,
    OUT deviance float8, OUT at_start boolean, OUT beta float8[], OUT xtwx float8[],
    OUT xtwz float8[])
RETURNS record
AS 'MODULE_PATHNAME', 'glmstep_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glmstep_info(clinnova.glmstep) IS
  'the pieces of an IRLS step: counts, deviance, the coefficients it was taken at, X''WX and X''Wz';

CREATE FUNCTION clinnova.glm_newton(step clinnova.glmstep, beta float8[] DEFAULT NULL) RETURNS float8[]
AS 'MODULE_PATHNAME', 'glm_newton' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glm_newton(clinnova.glmstep, float8[]) IS
  'next IRLS coefficients from a (merged) step: the weighted least-squares solve (X''WX)^-1 X''Wz';

CREATE FUNCTION clinnova.glm_converged(previous clinnova.glmstep, current clinnova.glmstep,
                                       tol float8 DEFAULT 1e-8) RETURNS boolean
AS 'MODULE_PATHNAME', 'glm_converged' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glm_converged(clinnova.glmstep, clinnova.glmstep, float8) IS
  'R''s IRLS convergence test between consecutive steps: |dev - devold| / (|dev| + 0.1) < tol';

CREATE FUNCTION clinnova.glmmodel_from_step(step clinnova.glmstep, final_step clinnova.glmstep,
    iterations integer, converged boolean, options jsonb DEFAULT NULL, boundary boolean DEFAULT false)
RETURNS clinnova.glmmodel
AS 'MODULE_PATHNAME', 'glmmodel_from_step' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glmmodel_from_step(clinnova.glmstep, clinnova.glmstep, integer, boolean, jsonb, boolean) IS
  'fitted glmmodel of a (federated) IRLS run from its last two steps: the same model logreg() fits on the pooled rows';

-- ---- tree ensembles (XGBoost) ----

CREATE TYPE clinnova.treemodel;

CREATE FUNCTION clinnova.treemodel_in(cstring) RETURNS clinnova.treemodel
AS 'MODULE_PATHNAME', 'treemodel_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.treemodel_out(clinnova.treemodel) RETURNS cstring
AS 'MODULE_PATHNAME', 'treemodel_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.treemodel_recv(internal) RETURNS clinnova.treemodel
AS 'MODULE_PATHNAME', 'treemodel_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.treemodel_send(clinnova.treemodel) RETURNS bytea
AS 'MODULE_PATHNAME', 'treemodel_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.treemodel (
    INPUT = clinnova.treemodel_in,
    OUTPUT = clinnova.treemodel_out,
    RECEIVE = clinnova.treemodel_recv,
    SEND = clinnova.treemodel_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);

COMMENT ON TYPE clinnova.treemodel IS
  'tree ensemble imported from XGBoost (gbtree): flattened nodes, objective, base score, feature names';
COMMENT ON FUNCTION clinnova.treemodel_in(cstring) IS 'treemodel text input (JSON)';
COMMENT ON FUNCTION clinnova.treemodel_out(clinnova.treemodel) IS 'treemodel text output (JSON, exact float4 values)';
COMMENT ON FUNCTION clinnova.treemodel_recv(internal) IS 'treemodel binary input';
COMMENT ON FUNCTION clinnova.treemodel_send(clinnova.treemodel) IS 'treemodel binary output';
COMMENT ON TYPE clinnova.treemodel[] IS 'array of treemodel';

CREATE FUNCTION clinnova.import_xgboost(model jsonb) RETURNS clinnova.treemodel
AS 'MODULE_PATHNAME', 'import_xgboost' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.import_xgboost(jsonb) IS
  'treemodel from an XGBoost JSON model (Booster.save_model): gbtree boosters with numeric splits and one output';

CREATE FUNCTION clinnova.predict(model clinnova.treemodel, x float8[], type text DEFAULT 'response')
RETURNS float8
AS 'MODULE_PATHNAME', 'treemodel_predict' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict(clinnova.treemodel, float8[], text) IS
  'score one row with a treemodel as xgboost predicts: type ''response'' or ''margin''; NULL or NaN elements are missing';

CREATE FUNCTION clinnova.model_features(model clinnova.treemodel) RETURNS text[]
AS 'MODULE_PATHNAME', 'treemodel_features' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.model_features(clinnova.treemodel) IS
  'feature names of a treemodel in order (empty when the XGBoost model has none)';

CREATE FUNCTION clinnova.treemodel_info(model clinnova.treemodel,
    OUT objective text, OUT base_score float8, OUT num_feature integer, OUT num_trees integer,
    OUT num_nodes integer, OUT max_depth integer)
RETURNS record
AS 'MODULE_PATHNAME', 'treemodel_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.treemodel_info(clinnova.treemodel) IS
  'shape of a treemodel: objective, base score, number of features, trees and nodes, depth of the deepest tree';

-- ============================================================================================
-- federation
-- ============================================================================================

-- ============================================================================================
-- demo
-- ============================================================================================
