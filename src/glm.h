/*
 * glm.h — generalized linear models fitted by iteratively reweighted least squares (IRLS),
 * following R's glm.fit step by step.
 *
 * The unit of computation is the IRLS step (GlmStep): one pass over the rows at a coefficient
 * vector beta (or at R's starting values, mustart) that sums X'WX, X'Wz, the deviance, the
 * family's AIC term and a few sufficient sums.  Steps are sums over rows, so steps of disjoint
 * parts of the data (parallel workers, federation sites) add up to the step of the whole.
 * The pooled fit (glm_agg.c) and a federation coordinator (glmstep.c) run the same loop:
 *
 *   step_0 = step at mustart
 *   for iter = 1..max_iter:
 *       beta  = GlmNewton(step_{k-1})               -- one weighted least-squares solve
 *       step_k = step at beta                        (halved towards step_{k-1}.beta while
 *                                                     the deviance is not finite)
 *       stop when GlmConverged(step_{k-1}, step_k)   -- R's relative deviance change < tol
 *   model = GlmModelFromSteps(step_{k-1}, step_k)   -- coefficients and deviance of step_k,
 *                                                     covariance from step_{k-1}'s X'WX
 *
 * which is R's algorithm: R's reported covariance also comes from the weights of the last
 * least-squares solve, i.e. those of the previous iterate.
 */
#ifndef CLINNOVA_GLM_H
#define CLINNOVA_GLM_H

#include "postgres.h"

#include "utils/jsonb.h"

/* Families and their canonical links (R's binomial(), gaussian(), poisson()). */
typedef enum GlmFamily
{
	GLM_BINOMIAL = 1,			/* logit link */
	GLM_GAUSSIAN = 2,			/* identity link */
	GLM_POISSON = 3				/* log link */
} GlmFamily;

typedef enum GlmLink
{
	GLM_LINK_LOGIT = 1,
	GLM_LINK_IDENTITY = 2,
	GLM_LINK_LOG = 3
} GlmLink;

/* Limits. */
#define GLM_MAX_COEF	1000	/* coefficients per model, intercept included */
#define GLM_MAX_NAME	1024	/* bytes per term name */
#define GLM_BLOCK		256		/* rows per BLAS block */

/*
 * A term is aliased (R's NA coefficient) when its column of the weighted design, scaled to
 * unit length, is a linear combination of the earlier columns up to this residual variance.
 */
#define GLM_ALIAS_TOL	1e-10

/* Names and properties of a family. */
extern const char *GlmFamilyName(GlmFamily family);
extern const char *GlmLinkName(GlmLink link);
extern GlmLink GlmFamilyLink(GlmFamily family);
extern bool GlmFamilyFromName(const char *name, GlmFamily *family);
extern bool GlmLinkFromName(const char *name, GlmLink *link);

/* Inverse link and its derivative (R's linkinv and mu.eta). */
extern double GlmLinkInverse(GlmLink link, double eta);
extern double GlmMuEta(GlmLink link, double eta);

/* ---- options ---- */

/*
 * Fitting options, from the trailing options jsonb argument of the aggregates:
 * {"terms": [...], "intercept": true, "max_iter": 25, "tol": 1e-8, "conf_level": 0.95}.
 * Defaults are R's (glm.control(): epsilon = 1e-8, maxit = 25).  nterms is -1 when no term
 * names were given (the terms are then called x1, x2, ...).
 */
typedef struct GlmOptions
{
	bool		intercept;
	int			max_iter;
	double		tol;
	double		conf_level;
	int			nterms;
	char	  **terms;
} GlmOptions;

extern void GlmOptionsDefault(GlmOptions *opt);
extern void GlmOptionsParse(Jsonb *jb, GlmOptions *opt);
extern bool GlmOptionsEqual(const GlmOptions *a, const GlmOptions *b);
extern void GlmOptionsCopy(GlmOptions *dst, const GlmOptions *src);
extern void GlmOptionsSend(StringInfo buf, const GlmOptions *opt);
extern void GlmOptionsRecv(StringInfo buf, GlmOptions *opt);

/* Error unless the options' term names fit p_raw covariates. */
extern void GlmOptionsCheckTerms(const GlmOptions *opt, int p_raw);

/* ---- one IRLS step ---- */

/* flags of GlmStep */
#define GLMSTEP_INTERCEPT	0x01	/* the first coefficient is an intercept */
#define GLMSTEP_OFFSET		0x02	/* rows carry an offset */
#define GLMSTEP_AT_START	0x04	/* evaluated at R's starting values, not at a beta */
#define GLMSTEP_UPPER_ONLY	0x08	/* while accumulating: only the upper triangle of X'WX */
#define GLMSTEP_ALL_FLAGS	0x0F

/*
 * The sums of one IRLS step over a set of rows, at coefficients beta (or at R's mustart when
 * GLMSTEP_AT_START).  It is also the SQL type glmstep.  Every field is a sum over rows (or a
 * count, or the weighted mean/M2 pair, which merges exactly by Chan's formula), so two steps at
 * the same beta merge by adding.  Invariants: n_pos <= n_rows; for binomial n_y0 + n_y1 =
 * n_pos; xtwx is symmetric with both triangles valid unless GLMSTEP_UPPER_ONLY; beta holds p
 * values (zeros when GLMSTEP_AT_START).  Variable part after the header (MAXALIGN'd):
 * beta[p], xtwx[p * p] (column-major), xtwz[p].
 */
typedef struct GlmStep
{
	int32		vl_len_;		/* varlena header */
	uint8		family;			/* GlmFamily */
	uint8		flags;			/* GLMSTEP_* */
	uint16		reserved;
	int32		p;				/* coefficients, intercept included */
	int64		n_rows;			/* rows summed */
	int64		n_pos;			/* rows with weight > 0 */
	int64		n_y0;			/* binomial: rows with weight > 0 and y = false */
	int64		n_y1;			/* binomial: rows with weight > 0 and y = true */
	int64		n_boundary;		/* fitted values numerically 0 or 1 (binomial), 0 (poisson) */
	int64		n_nonint;		/* binomial: non-integer weight * y; poisson: non-integer y */
	int64		n_invalid;		/* rows whose fitted mean is not finite at beta */
	double		sum_w;			/* sum of weights */
	double		sum_wy;			/* sum of weight * y */
	double		mean_y;			/* weighted mean of y over rows with weight > 0 */
	double		m2_y;			/* sum of weight * (y - mean_y)^2 */
	double		sum_wylogy;		/* poisson: sum of weight * y * log(y) */
	double		sum_wyoff;		/* poisson: sum of weight * y * offset */
	double		sum_wexpoff;	/* poisson: sum of weight * exp(offset) */
	double		sum_logw;		/* gaussian: sum of log(weight) over all rows (R's AIC) */
	double		deviance;		/* sum of the family's deviance residuals at beta */
	double		aic_part;		/* the family's aic() sum at beta, before + 2 rank */
} GlmStep;

#define GLMSTEP_HDRSZ			MAXALIGN(sizeof(GlmStep))
#define GLMSTEP_SIZE(p)			(GLMSTEP_HDRSZ + sizeof(double) * ((Size) (p) * (p) + 2 * (Size) (p)))
#define GlmStepBeta(s)			((double *) ((char *) (s) + GLMSTEP_HDRSZ))
#define GlmStepXtWX(s)			(GlmStepBeta(s) + (s)->p)
#define GlmStepXtWz(s)			(GlmStepXtWX(s) + (Size) (s)->p * (s)->p)
#define DatumGetGlmStepP(d)		((GlmStep *) PG_DETOAST_DATUM(d))
#define PG_GETARG_GLMSTEP_P(n)	DatumGetGlmStepP(PG_GETARG_DATUM(n))

/* Scratch buffers for GlmStepAddRows (one block of GLM_BLOCK rows of p coefficients). */
typedef struct GlmScratch
{
	int			p;
	double	   *eta;			/* [GLM_BLOCK] linear predictors */
	double	   *ww;				/* [GLM_BLOCK] sqrt(working weight) */
	double	   *swz;			/* [GLM_BLOCK] sqrt(working weight) * working response */
	double	   *design;			/* [GLM_BLOCK * p] rows of sqrt(working weight) * (1, x) */
} GlmScratch;

extern void GlmScratchInit(GlmScratch *sc, int p);

/* A zeroed step for p coefficients at beta (NULL: at R's starting values). */
extern GlmStep *GlmStepCreate(GlmFamily family, int p, bool intercept, bool offset,
							  const double *beta);

/* Zero the sums of s and move it to beta (NULL: to R's starting values). */
extern void GlmStepReset(GlmStep *s, const double *beta);

/*
 * Add k rows to s: x holds k rows of p_raw covariates (row-major), y the responses (0/1 for
 * binomial), w the prior weights (NULL: all 1), off the offsets (NULL: all 0).  Rows must have
 * passed GlmCheckRow.  Leaves s in GLMSTEP_UPPER_ONLY state until GlmStepFinish.
 */
extern void GlmStepAddRows(GlmStep *s, GlmScratch *sc, int k, int p_raw, const double *x,
						   const double *y, const double *w, const double *off);

/* Complete X'WX from its upper triangle (no-op when already complete). */
extern void GlmStepFinish(GlmStep *s);

/* Add the sums of b to a (same family, flags and beta; a stays upper-only if either is). */
extern void GlmStepMerge(GlmStep *a, const GlmStep *b);

/* Error (with the given SQLSTATE and type name) unless s is a consistent, finished step. */
extern void GlmStepValidate(const GlmStep *s, int sqlstate, const char *what);

/* The weighted least-squares solve of step s: next coefficients (aliased ones set to 0). */
extern void GlmNewton(const GlmStep *s, double *beta, bool *aliased);

/* R's convergence test |dev - devold| / (|dev| + 0.1) < tol between consecutive steps. */
extern bool GlmConverged(const GlmStep *prev, const GlmStep *cur, double tol);

/* The null deviance R reports, from the sufficient sums of any step over all the rows. */
extern double GlmNullDeviance(const GlmStep *s);

/*
 * Refuse, when disclosure control is active for the current role, a fit describing fewer
 * than clinnova.min_cell_count people (or, for logistic models, fewer than that many with
 * either outcome).
 */
extern void GlmCheckDisclosure(const GlmStep *s, const char *what);

/* ---- rows ---- */

/* Error unless y, the covariates, weight and offset of a row are acceptable for family. */
extern void GlmCheckRow(GlmFamily family, double y, const double *x, int p_raw, double w,
						double off);

/* ---- models ---- */

/* flags of GlmModel */
#define GLMMODEL_INTERCEPT	0x01
#define GLMMODEL_CONVERGED	0x02
#define GLMMODEL_BOUNDARY	0x04
#define GLMMODEL_ALL_FLAGS	0x07

/*
 * A fitted GLM; the SQL type glmmodel.  Invariants: 0 <= p <= GLM_MAX_COEF; coef[j] = 0 and
 * row/column j of cov = 0 for aliased terms; cov symmetric; term names non-empty and
 * distinct, the first one "(Intercept)" when GLMMODEL_INTERCEPT.  n counts observations with
 * positive weight, n_rows all rows (R's nobs() and length(y)).  Derived, not stored: rank =
 * p - aliased terms, df_residual = n - rank, df_null = n - intercept.  Variable part after the
 * header (MAXALIGN'd): coef[p], cov[p * p], aliased[p] (bytes, padded to MAXALIGN), then p
 * NUL-terminated term names.
 */
typedef struct GlmModel
{
	int32		vl_len_;		/* varlena header */
	uint8		family;			/* GlmFamily */
	uint8		flags;			/* GLMMODEL_* */
	uint16		reserved;
	int32		p;				/* coefficients, intercept included */
	int32		iterations;		/* IRLS iterations (R's iter) */
	int32		reserved2;
	int64		n;				/* observations with weight > 0 */
	int64		n_rows;			/* rows */
	double		deviance;
	double		null_deviance;
	double		aic;
	double		dispersion;		/* 1 for binomial and poisson, estimated for gaussian */
	double		conf_level;		/* default level of confidence intervals */
} GlmModel;

#define GLMMODEL_HDRSZ			MAXALIGN(sizeof(GlmModel))
#define GlmModelCoef(m)			((double *) ((char *) (m) + GLMMODEL_HDRSZ))
#define GlmModelCov(m)			(GlmModelCoef(m) + (m)->p)
#define GlmModelAliased(m)		((uint8 *) (GlmModelCov(m) + (Size) (m)->p * (m)->p))
#define GlmModelTerms(m)		((char *) GlmModelAliased(m) + MAXALIGN((m)->p))
#define DatumGetGlmModelP(d)	((GlmModel *) PG_DETOAST_DATUM(d))
#define PG_GETARG_GLMMODEL_P(n) DatumGetGlmModelP(PG_GETARG_DATUM(n))

/* Allocate a zeroed model for p terms whose names take names_len bytes (NULs included). */
extern GlmModel *GlmModelAlloc(int p, Size names_len);

/* Pointers to each term name of m, in order (palloc'd array of p). */
extern const char **GlmModelTermNames(const GlmModel *m);

/* Error (with the given SQLSTATE) unless m is a consistent model of exactly len bytes. */
extern void GlmModelValidate(const GlmModel *m, Size len, int sqlstate);

/* rank = coefficients that are not aliased */
extern int	GlmModelRank(const GlmModel *m);

/* Log-likelihood and the number of parameters it counts (rank, + 1 for the gaussian scale). */
extern double GlmModelLogLik(const GlmModel *m, int *df);

/*
 * Build the model from the last two steps of an IRLS run (see the top of this file): last is
 * the step whose solve gave final's beta, final the step at the returned coefficients.
 * Emits R's warnings (non-convergence, boundary, fitted values 0 or 1, aliased terms).
 */
extern GlmModel *GlmModelFromSteps(const GlmStep *last, const GlmStep *final, int iterations,
								   bool converged, bool boundary, const GlmOptions *opt);

/* Linear predictor x . beta (+ intercept + offset); x has p_raw = p - intercept values. */
extern double GlmModelLinearPredictor(const GlmModel *m, const double *x, double offset);

#endif							/* CLINNOVA_GLM_H */
