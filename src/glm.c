/*
 * glm.c — the IRLS engine of the models module: families, one IRLS step over rows, the
 * weighted least-squares solve, R's convergence test and the fitted model built from the last
 * two steps (see glm.h for the algorithm and its invariants).
 *
 * Every formula follows R's glm.fit and the family objects of R's stats package (binomial(),
 * gaussian(), poisson()), including their numerical guards (the logit link's thresholds at
 * +-30, the poisson mean's floor at DBL_EPSILON), so that iteration counts and every reported
 * number agree with R.  R solves each weighted least-squares problem by a QR decomposition
 * of sqrt(W) X; here the normal equations X'WX beta = X'Wz are summed over rows (so that
 * steps of parts of the data add up) and solved by Cholesky, which agrees with R to ~1e-12 on
 * well-conditioned designs.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "clinnova.h"
#include "glm.h"
#include "linalg.h"

/* R's logit link guards (family.c): beyond +-30 the inverse link and mu.eta are clamped. */
#define LOGIT_THRESH	30.0
#define LOGIT_MTHRESH	(-30.0)
#define LOGIT_INVEPS	(1.0 / DBL_EPSILON)

/* glm.fit: fitted values within 10 * DBL_EPSILON of 0 or 1 are "numerically 0 or 1". */
#define GLM_BOUNDARY_EPS (10.0 * DBL_EPSILON)

#define LOG_2PI			1.837877066409345483560

/* ---- families ---- */

/* R's family name. */
const char *
GlmFamilyName(GlmFamily family)
{
	switch (family)
	{
		case GLM_BINOMIAL:
			return "binomial";
		case GLM_GAUSSIAN:
			return "gaussian";
		case GLM_POISSON:
			return "poisson";
	}
	elog(ERROR, "clinnova: unknown GLM family %d", (int) family);
}

/* R's link name. */
const char *
GlmLinkName(GlmLink link)
{
	switch (link)
	{
		case GLM_LINK_LOGIT:
			return "logit";
		case GLM_LINK_IDENTITY:
			return "identity";
		case GLM_LINK_LOG:
			return "log";
	}
	elog(ERROR, "clinnova: unknown GLM link %d", (int) link);
}

/* The canonical link of a family (the only one supported). */
GlmLink
GlmFamilyLink(GlmFamily family)
{
	switch (family)
	{
		case GLM_BINOMIAL:
			return GLM_LINK_LOGIT;
		case GLM_GAUSSIAN:
			return GLM_LINK_IDENTITY;
		case GLM_POISSON:
			return GLM_LINK_LOG;
	}
	elog(ERROR, "clinnova: unknown GLM family %d", (int) family);
}

/* Family by R's name; false if unknown. */
bool
GlmFamilyFromName(const char *name, GlmFamily *family)
{
	if (strcmp(name, "binomial") == 0)
		*family = GLM_BINOMIAL;
	else if (strcmp(name, "gaussian") == 0)
		*family = GLM_GAUSSIAN;
	else if (strcmp(name, "poisson") == 0)
		*family = GLM_POISSON;
	else
		return false;
	return true;
}

/* Link by R's name; false if unknown. */
bool
GlmLinkFromName(const char *name, GlmLink *link)
{
	if (strcmp(name, "logit") == 0)
		*link = GLM_LINK_LOGIT;
	else if (strcmp(name, "identity") == 0)
		*link = GLM_LINK_IDENTITY;
	else if (strcmp(name, "log") == 0)
		*link = GLM_LINK_LOG;
	else
		return false;
	return true;
}

/* R's linkinv. */
double
GlmLinkInverse(GlmLink link, double eta)
{
	double		t;

	switch (link)
	{
		case GLM_LINK_LOGIT:
			t = (eta < LOGIT_MTHRESH) ? DBL_EPSILON :
				(eta > LOGIT_THRESH) ? LOGIT_INVEPS : exp(eta);
			return t / (1.0 + t);
		case GLM_LINK_LOG:
			return fmax(exp(eta), DBL_EPSILON);
		case GLM_LINK_IDENTITY:
			break;
	}
	return eta;
}

/* R's mu.eta: d mu / d eta. */
double
GlmMuEta(GlmLink link, double eta)
{
	double		opexp;

	switch (link)
	{
		case GLM_LINK_LOGIT:
			if (eta > LOGIT_THRESH || eta < LOGIT_MTHRESH)
				return DBL_EPSILON;
			opexp = 1.0 + exp(eta);
			return exp(eta) / (opexp * opexp);
		case GLM_LINK_LOG:
			return fmax(exp(eta), DBL_EPSILON);
		case GLM_LINK_IDENTITY:
			break;
	}
	return 1.0;
}

/* R's R_nonint: not an integer to 1e-7 relative. */
static inline bool
NonInteger(double x)
{
	return fabs(x - nearbyint(x)) > 1e-7 * fmax(1.0, fabs(x));
}

/* ---- rows ---- */

/* Refuse a non-finite value or a value outside the family's support. */
void
GlmCheckRow(GlmFamily family, double y, const double *x, int p_raw, double w, double off)
{
	int			j;

	if (!isfinite(y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("y must be finite"),
				 errdetail("A row has y = %s.", float8out_internal(y))));
	if (family == GLM_POISSON && y < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("y must not be negative for a poisson model"),
				 errdetail("A row has y = %s.", float8out_internal(y))));
	for (j = 0; j < p_raw; j++)
	{
		if (!isfinite(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("x must contain only finite values"),
					 errdetail("Element %d of x is %s.", j + 1, float8out_internal(x[j])),
					 errhint("Filter or impute such rows before fitting.")));
	}
	if (!isfinite(w) || w < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must be finite and not negative"),
				 errdetail("A row has weight %s.", float8out_internal(w))));
	if (!isfinite(off))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("offset must be finite"),
				 errdetail("A row has offset %s.", float8out_internal(off))));
}

/* ---- one IRLS step ---- */

/* Allocate the per-block buffers of GlmStepAddRows in the current memory context. */
void
GlmScratchInit(GlmScratch *sc, int p)
{
	sc->p = p;
	sc->eta = linalg_alloc(GLM_BLOCK, 1);
	sc->ww = linalg_alloc(GLM_BLOCK, 1);
	sc->swz = linalg_alloc(GLM_BLOCK, 1);
	sc->design = linalg_alloc(GLM_BLOCK, Max(p, 1));
}

/* A zeroed step at beta (NULL: at R's starting values). */
GlmStep *
GlmStepCreate(GlmFamily family, int p, bool intercept, bool offset, const double *beta)
{
	GlmStep    *s;

	if (p < 0 || p > GLM_MAX_COEF)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a model may have at most %d coefficients", GLM_MAX_COEF),
				 errdetail("The model would have %d coefficients.", p)));
	s = palloc0(GLMSTEP_SIZE(p));
	SET_VARSIZE(s, GLMSTEP_SIZE(p));
	s->family = (uint8) family;
	s->p = p;
	s->flags = (intercept ? GLMSTEP_INTERCEPT : 0) | (offset ? GLMSTEP_OFFSET : 0);
	GlmStepReset(s, beta);
	return s;
}

/* Zero the sums and set the point of evaluation. */
void
GlmStepReset(GlmStep *s, const double *beta)
{
	int			p = s->p;

	memset((char *) s + offsetof(GlmStep, n_rows), 0, sizeof(GlmStep) - offsetof(GlmStep, n_rows));
	memset(GlmStepXtWX(s), 0, sizeof(double) * ((Size) p * p + p));
	if (beta != NULL)
	{
		memcpy(GlmStepBeta(s), beta, sizeof(double) * p);
		s->flags &= ~GLMSTEP_AT_START;
	}
	else
	{
		memset(GlmStepBeta(s), 0, sizeof(double) * p);
		s->flags |= GLMSTEP_AT_START;
	}
	s->flags &= ~GLMSTEP_UPPER_ONLY;
}

/*
 * The per-row part of an IRLS step, one kernel per family.  For each row of the block, from
 * its linear predictor eta (or R's starting mean): the fitted mean mu (R's linkinv with its
 * guards), the deviance and AIC terms, counts for R's warnings and the sufficient sums of the
 * null model; then the working weight ww = sqrt(w mu.eta^2 / V(mu)) and sqrt-weighted working
 * response ww * z, z = eta - offset + (y - mu) / mu.eta.  Rows with weight 0 get ww = 0 and add
 * nothing, as R's "good" subset.  Sums are kept in locals and added to s once per block.
 */

/* binomial / logit: R's binomial() with the +-30 guards of its logit link. */
static void
BinomialRows(GlmStep *s, GlmScratch *sc, int k, const double *y, const double *w)
{
	bool		at_start = (s->flags & GLMSTEP_AT_START) != 0;
	double		dev = 0.0,
				aic = 0.0,
				sum_w = 0.0,
				sum_wy = 0.0;
	int64		n_pos = 0,
				n_y1 = 0,
				n_boundary = 0,
				n_nonint = 0;
	int			i;

	for (i = 0; i < k; i++)
	{
		double		yi = y[i];
		double		wi = w ? w[i] : 1.0;
		double		e,
					t,
					mu,
					mueta,
					lg;

		if (at_start)
		{
			double		m0 = (wi * yi + 0.5) / (wi + 1.0);

			sc->eta[i] = log(m0 / (1.0 - m0));
		}
		e = sc->eta[i];
		if (e < LOGIT_MTHRESH)
			t = mueta = DBL_EPSILON;
		else if (e > LOGIT_THRESH)
		{
			t = LOGIT_INVEPS;
			mueta = DBL_EPSILON;
		}
		else
		{
			t = exp(e);
			mueta = t / ((1.0 + t) * (1.0 + t));
		}
		mu = t / (1.0 + t);

		/* deviance 2 w (y log(y/mu) + (1-y) log((1-y)/(1-mu))) and aic -2 round(w) log dbinom */
		lg = (yi != 0.0) ? log(mu) : log1p(-mu);
		dev -= 2.0 * wi * lg;
		if (wi > 0.0)
		{
			aic -= 2.0 * nearbyint(wi) * lg;
			n_pos++;
			n_y1 += (yi != 0.0);
			sum_w += wi;
			sum_wy += wi * yi;
		}
		n_boundary += (mu > 1.0 - GLM_BOUNDARY_EPS || mu < GLM_BOUNDARY_EPS);
		if (w && fabs(wi * yi - nearbyint(wi * yi)) > 0.001)
			n_nonint++;

		sc->ww[i] = (wi > 0.0) ? sqrt(wi * mueta * mueta / (mu * (1.0 - mu))) : 0.0;
		sc->swz[i] = sc->ww[i] * (e + (yi - mu) / mueta);
	}
	s->n_rows += k;
	s->n_pos += n_pos;
	s->n_y1 += n_y1;
	s->n_y0 += n_pos - n_y1;
	s->n_boundary += n_boundary;
	s->n_nonint += n_nonint;
	s->sum_w += sum_w;
	s->sum_wy += sum_wy;
	s->deviance += dev;
	s->aic_part += aic;
}

/* poisson / log: R's poisson(), mu floored at DBL_EPSILON; AIC from dpois (-Inf off integers). */
static void
PoissonRows(GlmStep *s, GlmScratch *sc, int k, const double *y, const double *w,
			const double *off)
{
	bool		at_start = (s->flags & GLMSTEP_AT_START) != 0;
	int			i;

	for (i = 0; i < k; i++)
	{
		double		yi = y[i];
		double		wi = w ? w[i] : 1.0;
		double		oi = off ? off[i] : 0.0;
		double		e,
					mu;

		if (at_start)
			sc->eta[i] = log(yi + 0.1);
		e = sc->eta[i];
		mu = fmax(exp(e), DBL_EPSILON);	/* also R's mu.eta */

		s->n_invalid += !isfinite(mu);
		s->deviance += (yi > 0.0) ? 2.0 * wi * (yi * log(yi / mu) - (yi - mu)) : 2.0 * mu * wi;
		if (wi != 0.0)
		{
			double		ld;

			if (NonInteger(yi))
				ld = -INFINITY;
			else if (yi == 0.0)
				ld = -mu;
			else
				ld = nearbyint(yi) * log(mu) - mu - lgamma(nearbyint(yi) + 1.0);
			s->aic_part -= 2.0 * wi * ld;
		}
		if (wi > 0.0)
		{
			s->n_pos++;
			s->sum_w += wi;
		}
		s->sum_wy += wi * yi;
		if (yi > 0.0)
			s->sum_wylogy += wi * yi * log(yi);
		if (off)
		{
			s->sum_wyoff += wi * yi * oi;
			s->sum_wexpoff += wi * exp(oi);
		}
		else
			s->sum_wexpoff += wi;
		s->n_boundary += (mu < GLM_BOUNDARY_EPS);
		s->n_nonint += NonInteger(yi);

		sc->ww[i] = (wi > 0.0) ? sqrt(wi * mu * mu / mu) : 0.0;
		sc->swz[i] = sc->ww[i] * ((e - oi) + (yi - mu) / mu);
	}
	s->n_rows += k;
}

/* gaussian / identity: R's gaussian(); the AIC keeps -sum(log w) for its own formula. */
static void
GaussianRows(GlmStep *s, GlmScratch *sc, int k, const double *y, const double *w)
{
	bool		at_start = (s->flags & GLMSTEP_AT_START) != 0;
	int			i;

	for (i = 0; i < k; i++)
	{
		double		yi = y[i];
		double		wi = w ? w[i] : 1.0;
		double		mu;

		if (at_start)
			sc->eta[i] = yi;
		mu = sc->eta[i];
		s->n_invalid += !isfinite(mu);
		s->deviance += wi * (yi - mu) * (yi - mu);
		if (w)
			s->aic_part -= log(wi);
		if (wi > 0.0)
		{
			/* weighted mean and sum of squares of y (West's update) */
			double		delta = yi - s->mean_y;

			s->n_pos++;
			s->sum_w += wi;
			s->mean_y += delta * wi / s->sum_w;
			s->m2_y += wi * delta * (yi - s->mean_y);
		}
		s->sum_wy += wi * yi;
		sc->ww[i] = (wi > 0.0) ? sqrt(wi) : 0.0;
		sc->swz[i] = sc->ww[i] * (mu + (yi - mu));
	}
	s->n_rows += k;
}

/*
 * Add a block of k <= GLM_BLOCK rows: linear predictors by one dgemv, the family kernel, then
 * the rows ww * (1, x) into a block matrix whose cross-product (one dsyrk) and product with
 * ww * z (one dgemv) are added to X'WX (upper triangle) and X'Wz.
 */
static void
AddBlock(GlmStep *s, GlmScratch *sc, int k, int p_raw, const double *x, const double *y,
		 const double *w, const double *off)
{
	bool		intercept = (s->flags & GLMSTEP_INTERCEPT) != 0;
	int			p = s->p;
	int			ic = intercept ? 1 : 0;
	double	   *beta = GlmStepBeta(s);
	double	   *eta = sc->eta;
	double	   *design = sc->design;
	int			i,
				j;

	Assert(k <= GLM_BLOCK && p == p_raw + ic && sc->p == p);

	/* linear predictors of the block: x beta[ic..] + beta[0] + offset */
	if (!(s->flags & GLMSTEP_AT_START))
	{
		double		b0 = intercept ? beta[0] : 0.0;

		linalg_gemv(true, p_raw, k, 1.0, x, beta + ic, 0.0, eta);
		for (i = 0; i < k; i++)
			eta[i] += b0 + (off ? off[i] : 0.0);
	}

	switch ((GlmFamily) s->family)
	{
		case GLM_BINOMIAL:
			BinomialRows(s, sc, k, y, w);
			break;
		case GLM_POISSON:
			PoissonRows(s, sc, k, y, w, off);
			break;
		case GLM_GAUSSIAN:
			GaussianRows(s, sc, k, y, w);
			break;
	}

	for (i = 0; i < k; i++)
	{
		double	   *row = design + (Size) i * p;
		const double *xi = x + (Size) i * p_raw;
		double		ww = sc->ww[i];

		if (intercept)
			row[0] = ww;
		for (j = 0; j < p_raw; j++)
			row[ic + j] = ww * xi[j];
	}
	linalg_syrk_rows(p, k, 1.0, design, GlmStepXtWX(s));
	linalg_gemv(false, p, k, 1.0, design, sc->swz, 1.0, GlmStepXtWz(s));
}

/* Add k rows in blocks of GLM_BLOCK. */
void
GlmStepAddRows(GlmStep *s, GlmScratch *sc, int k, int p_raw, const double *x,
			   const double *y, const double *w, const double *off)
{
	int			done = 0;

	s->flags |= GLMSTEP_UPPER_ONLY;
	while (done < k)
	{
		int			b = Min(GLM_BLOCK, k - done);

		CHECK_FOR_INTERRUPTS();

		AddBlock(s, sc, b, p_raw, x + (Size) done * p_raw, y + done,
				 w ? w + done : NULL, off ? off + done : NULL);
		done += b;
	}
}

/* Fill the lower triangle of X'WX. */
void
GlmStepFinish(GlmStep *s)
{
	if (s->flags & GLMSTEP_UPPER_ONLY)
	{
		linalg_symmetrize(s->p, GlmStepXtWX(s));
		s->flags &= ~GLMSTEP_UPPER_ONLY;
	}
}

/* "binomial with 4 coefficients (intercept, offset, starting values)" for messages. */
static char *
StepDescription(const GlmStep *s)
{
	return psprintf("%s with %d coefficients (%s intercept%s%s)",
					GlmFamilyName((GlmFamily) s->family), s->p,
					(s->flags & GLMSTEP_INTERCEPT) ? "with" : "no",
					(s->flags & GLMSTEP_OFFSET) ? ", offset" : "",
					(s->flags & GLMSTEP_AT_START) ? ", at the starting values" : "");
}

/* Add the sums of b to a; the weighted mean and M2 of y merge by Chan's formula. */
void
GlmStepMerge(GlmStep *a, const GlmStep *b)
{
	int			p = a->p;
	Size		i,
				n;
	double	   *ax,
			   *bx;

	if (a->family != b->family || a->p != b->p ||
		(a->flags & ~GLMSTEP_UPPER_ONLY) != (b->flags & ~GLMSTEP_UPPER_ONLY))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge IRLS steps of different models"),
				 errdetail("The steps are %s and %s.", StepDescription(a), StepDescription(b))));
	if (memcmp(GlmStepBeta(a), GlmStepBeta(b), sizeof(double) * p) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge IRLS steps computed at different coefficients"),
				 errhint("Every site must evaluate the step at the same beta, sent with extra_float_digits = 3.")));
	/* the upper triangles add up; the lower one is only right if both are complete */
	a->flags |= (b->flags & GLMSTEP_UPPER_ONLY);

	if (b->sum_w > 0.0)
	{
		if (a->sum_w > 0.0)
		{
			double		total = a->sum_w + b->sum_w;
			double		delta = b->mean_y - a->mean_y;

			a->m2_y += b->m2_y + delta * delta * a->sum_w * b->sum_w / total;
			a->mean_y += delta * b->sum_w / total;
		}
		else
		{
			a->mean_y = b->mean_y;
			a->m2_y = b->m2_y;
		}
	}
	a->n_rows += b->n_rows;
	a->n_pos += b->n_pos;
	a->n_y0 += b->n_y0;
	a->n_y1 += b->n_y1;
	a->n_boundary += b->n_boundary;
	a->n_nonint += b->n_nonint;
	a->n_invalid += b->n_invalid;
	a->sum_w += b->sum_w;
	a->sum_wy += b->sum_wy;
	a->sum_wylogy += b->sum_wylogy;
	a->sum_wyoff += b->sum_wyoff;
	a->sum_wexpoff += b->sum_wexpoff;
	a->deviance += b->deviance;
	a->aic_part += b->aic_part;

	n = (Size) p * p + p;
	ax = GlmStepXtWX(a);
	bx = GlmStepXtWX((GlmStep *) b);
	for (i = 0; i < n; i++)
		ax[i] += bx[i];
}

/* Refuse an inconsistent step (from text or binary input, or a deserialized state). */
void
GlmStepValidate(const GlmStep *s, int sqlstate, const char *what)
{
	const char *problem = NULL;
	int			p = s->p;

	if (VARSIZE(s) < GLMSTEP_HDRSZ)
		problem = "The value is truncated.";
	else if (s->family < GLM_BINOMIAL || s->family > GLM_POISSON)
		problem = "The family is unknown.";
	else if ((s->flags & ~GLMSTEP_ALL_FLAGS) != 0 || (s->flags & GLMSTEP_UPPER_ONLY))
		problem = "The flags are invalid.";
	else if (p < 0 || p > GLM_MAX_COEF || VARSIZE(s) != GLMSTEP_SIZE(p))
		problem = "The number of coefficients does not match the size of the value.";
	else if ((s->flags & GLMSTEP_OFFSET) && s->family != GLM_POISSON)
		problem = "Only poisson steps may have an offset.";
	else if (s->n_rows < 0 || s->n_pos < 0 || s->n_pos > s->n_rows ||
			 s->n_y0 < 0 || s->n_y1 < 0 || s->n_boundary < 0 || s->n_boundary > s->n_rows ||
			 s->n_nonint < 0 || s->n_nonint > s->n_rows ||
			 s->n_invalid < 0 || s->n_invalid > s->n_rows ||
			 (s->family == GLM_BINOMIAL && s->n_y0 + s->n_y1 != s->n_pos) ||
			 (s->family != GLM_BINOMIAL && (s->n_y0 != 0 || s->n_y1 != 0)))
		problem = "The row counts are inconsistent.";
	else if (!(s->sum_w >= 0.0) || !isfinite(s->sum_w) || !isfinite(s->sum_wy) ||
			 !isfinite(s->mean_y) || !(s->m2_y >= 0.0) || !isfinite(s->m2_y) ||
			 isnan(s->sum_wylogy) || isnan(s->sum_wyoff) || isnan(s->sum_wexpoff))
		problem = "The sums of the rows are not finite.";
	else
	{
		const double *beta = GlmStepBeta((GlmStep *) s);
		const double *a = GlmStepXtWX((GlmStep *) s);
		int			i,
					j;

		for (j = 0; j < p && problem == NULL; j++)
		{
			if (!isfinite(beta[j]) || ((s->flags & GLMSTEP_AT_START) && beta[j] != 0.0))
				problem = "The coefficients are not finite.";
			for (i = 0; i < j && problem == NULL; i++)
				if (a[i + (Size) j * p] != a[j + (Size) i * p] &&
					!(isnan(a[i + (Size) j * p]) && isnan(a[j + (Size) i * p])))
					problem = "X'WX is not symmetric.";
		}
	}
	if (problem != NULL)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid %s", what),
				 errdetail("%s", problem)));
}

/* The weighted least-squares solve: beta = (X'WX)^-1 X'Wz on the non-aliased terms. */
void
GlmNewton(const GlmStep *s, double *beta, bool *aliased)
{
	int			p = s->p;
	int			j;

	if (s->flags & GLMSTEP_UPPER_ONLY)
		elog(ERROR, "clinnova: IRLS step used before it was finished");
	if (!isfinite(s->deviance) || s->n_invalid > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the IRLS step has no finite deviance"),
				 errdetail("Fitted means at these coefficients are not finite in %lld rows.",
						   (long long) s->n_invalid),
				 errhint("Halve the step towards the previous coefficients, as glm.fit does.")));
	if (s->n_pos == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no observations have a positive weight"),
				 errdetail("All %lld rows have weight 0.", (long long) s->n_rows)));
	linalg_find_aliased_scaled(p, GlmStepXtWX((GlmStep *) s), GLM_ALIAS_TOL, aliased);
	memcpy(beta, GlmStepXtWz((GlmStep *) s), sizeof(double) * p);
	linalg_spd_solve(p, GlmStepXtWX((GlmStep *) s), aliased, beta,
					 "the weighted cross-product matrix X'WX");
	for (j = 0; j < p; j++)
		if (!isfinite(beta[j]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the weighted least-squares solve gave non-finite coefficients"),
					 errdetail("Coefficient %d is %s.", j + 1, float8out_internal(beta[j])),
					 errhint("Covariates may be nearly collinear or badly scaled.")));
}

/* glm.fit's test: abs(dev - devold) / (abs(dev) + 0.1) < epsilon. */
bool
GlmConverged(const GlmStep *prev, const GlmStep *cur, double tol)
{
	return fabs(cur->deviance - prev->deviance) / (fabs(cur->deviance) + 0.1) < tol;
}

/*
 * R's null deviance: the deviance at the weighted mean of y with an intercept (for poisson
 * with an offset, at the fitted intercept-only model, whose intercept log(sum w y / sum w
 * e^offset) has a closed form), or at linkinv(offset) without one; from the sums of s.
 */
double
GlmNullDeviance(const GlmStep *s)
{
	bool		intercept = (s->flags & GLMSTEP_INTERCEPT) != 0;
	double		s1,
				s0,
				ybar;

	switch ((GlmFamily) s->family)
	{
		case GLM_BINOMIAL:
			if (!intercept)
				return 2.0 * M_LN2 * s->sum_w;	/* mu = 1/2 */
			if (s->sum_w <= 0.0)
				return 0.0;
			s1 = s->sum_wy;
			s0 = s->sum_w - s1;
			ybar = s1 / s->sum_w;
			return -2.0 * ((s1 > 0.0 ? s1 * log(ybar) : 0.0) +
						   (s0 > 0.0 ? s0 * log1p(-ybar) : 0.0));
		case GLM_GAUSSIAN:
			if (!intercept)
				return s->m2_y + s->sum_w * s->mean_y * s->mean_y;
			return s->m2_y;
		case GLM_POISSON:
			if (!intercept)			/* mu = exp(offset) */
				return fmax(0.0, 2.0 * (s->sum_wylogy - s->sum_wyoff - s->sum_wy + s->sum_wexpoff));
			if (s->sum_wy <= 0.0)
				return 0.0;
			if (s->flags & GLMSTEP_OFFSET)
			{
				double		b0 = log(s->sum_wy / s->sum_wexpoff);

				return fmax(0.0, 2.0 * (s->sum_wylogy - b0 * s->sum_wy - s->sum_wyoff));
			}
			ybar = s->sum_wy / s->sum_w;
			return fmax(0.0, 2.0 * (s->sum_wylogy - s->sum_wy * log(ybar)));
	}
	elog(ERROR, "clinnova: unknown GLM family %d", (int) s->family);
}

/* Disclosure control for fits leaving the site (see glm.h). */
void
GlmCheckDisclosure(const GlmStep *s, const char *what)
{
	int64		least;

	if (!clinnova_disclosure_control_active())
		return;
	least = s->n_pos;
	if (s->family == GLM_BINOMIAL)
		least = Min(least, Min(s->n_y0, s->n_y1));
	if (least < clinnova_min_cell_count)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s describes too few people to leave this site", what),
				 errdetail(s->family == GLM_BINOMIAL ?
						   "Fewer than %d rows, or fewer than %d rows with one of the two outcomes, contribute to it." :
						   "Fewer than %d rows contribute to it.",
						   clinnova_min_cell_count, clinnova_min_cell_count),
				 errhint("clinnova.min_cell_count applies to federation roles.")));
}

/* ---- models ---- */

/* A zeroed model of p terms with names_len bytes of names. */
GlmModel *
GlmModelAlloc(int p, Size names_len)
{
	Size		size = GLMMODEL_HDRSZ + sizeof(double) * ((Size) p * p + p) + MAXALIGN(p) + names_len;
	GlmModel   *m;

	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("glmmodel of %d terms is too large", p)));
	m = palloc0(size);
	SET_VARSIZE(m, size);
	m->p = p;
	return m;
}

/* Pointers to the p term names. */
const char **
GlmModelTermNames(const GlmModel *m)
{
	const char **names = palloc(sizeof(char *) * Max(m->p, 1));
	const char *t = GlmModelTerms(m);
	int			j;

	for (j = 0; j < m->p; j++)
	{
		names[j] = t;
		t += strlen(t) + 1;
	}
	return names;
}

/* Number of non-aliased coefficients. */
int
GlmModelRank(const GlmModel *m)
{
	const uint8 *al = GlmModelAliased(m);
	int			rank = 0;
	int			j;

	for (j = 0; j < m->p; j++)
		rank += al[j] ? 0 : 1;
	return rank;
}

/* R's logLik.glm: rank (+ 1 for gaussian) - aic / 2. */
double
GlmModelLogLik(const GlmModel *m, int *df)
{
	*df = GlmModelRank(m) + ((m->family == GLM_GAUSSIAN) ? 1 : 0);
	return *df - m->aic / 2.0;
}

/* Validate a model built from untrusted input (see the invariants in glm.h). */
void
GlmModelValidate(const GlmModel *m, Size len, int sqlstate)
{
	const char *problem = NULL;
	int			p = m->p;

	if (len < GLMMODEL_HDRSZ)
		problem = "The value is truncated.";
	else if (m->family < GLM_BINOMIAL || m->family > GLM_POISSON)
		problem = "The family is unknown.";
	else if ((m->flags & ~GLMMODEL_ALL_FLAGS) != 0)
		problem = "The flags are invalid.";
	else if (p < 0 || p > GLM_MAX_COEF ||
			 len < GLMMODEL_HDRSZ + sizeof(double) * ((Size) p * p + p) + MAXALIGN(p))
		problem = "The number of terms does not match the size of the value.";
	else if ((m->flags & GLMMODEL_INTERCEPT) && p == 0)
		problem = "A model with an intercept needs at least one term.";
	else if (m->iterations < 0 || m->n < 0 || m->n_rows < m->n)
		problem = "The counts are inconsistent.";
	else if (!(m->conf_level > 0.0 && m->conf_level < 1.0))
		problem = "The confidence level must be between 0 and 1.";
	else if (!(m->deviance >= 0.0) || !(m->null_deviance >= 0.0) ||
			 !(m->dispersion >= 0.0 || isnan(m->dispersion)))
		problem = "The deviance, AIC or dispersion is invalid.";
	else
	{
		const double *coef = GlmModelCoef(m);
		const double *cov = GlmModelCov(m);
		const uint8 *al = GlmModelAliased(m);
		const char *t = GlmModelTerms(m);
		const char *end = (const char *) m + len;
		const char **names = palloc(sizeof(char *) * Max(p, 1));
		int			i,
					j;

		for (j = 0; j < p && problem == NULL; j++)
		{
			const char *nul = memchr(t, '\0', end - t);

			if (nul == NULL)
				problem = "The term names are truncated.";
			else if (nul == t || nul - t >= GLM_MAX_NAME)
				problem = "A term name is empty or too long.";
			else
			{
				names[j] = t;
				t = nul + 1;
			}
			if (problem == NULL && al[j] > 1)
				problem = "The aliased flags are invalid.";
			if (problem == NULL && (al[j] ? coef[j] != 0.0 : !isfinite(coef[j])))
				problem = "A coefficient is not finite.";
			for (i = 0; i <= j && problem == NULL; i++)
			{
				double		a = cov[i + (Size) j * p];
				double		b = cov[j + (Size) i * p];

				if ((al[i] || al[j]) ? (a != 0.0 || b != 0.0) :
					!(a == b || (isnan(a) && isnan(b))) || isinf(a))
					problem = "The covariance matrix is not symmetric, or not zero for aliased terms.";
				else if (i < j && strcmp(names[i], names[j]) == 0)
					problem = "Term names must be distinct.";
			}
		}
		if (problem == NULL && t != end)
			problem = "The value has trailing bytes after the term names.";
		if (problem == NULL && (m->flags & GLMMODEL_INTERCEPT) && strcmp(names[0], "(Intercept)") != 0)
			problem = "The first term of a model with an intercept must be \"(Intercept)\".";
		pfree(names);
	}
	if (problem != NULL)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid glmmodel"),
				 errdetail("%s", problem)));
}

/* Join the names of the aliased terms for a message. */
static char *
AliasedTermList(const char **names, const bool *aliased, int p)
{
	StringInfoData buf;
	int			j;

	initStringInfo(&buf);
	for (j = 0; j < p; j++)
	{
		if (!aliased[j])
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfo(&buf, "\"%s\"", names[j]);
	}
	return buf.data;
}

/* Build the fitted model from the last two IRLS steps; emit R's warnings. */
GlmModel *
GlmModelFromSteps(const GlmStep *last, const GlmStep *final, int iterations,
				  bool converged, bool boundary, const GlmOptions *opt)
{
	int			p = final->p;
	bool		intercept = (final->flags & GLMSTEP_INTERCEPT) != 0;
	int			p_raw = p - (intercept ? 1 : 0);
	GlmFamily	family = (GlmFamily) final->family;
	bool	   *aliased = palloc(sizeof(bool) * Max(p, 1));
	const char **names = palloc(sizeof(char *) * Max(p, 1));
	Size		names_len = 0;
	GlmModel   *m;
	double	   *cov;
	char	   *t;
	int			rank,
				i,
				j;
	int64		df_res;

	if (last->p != p || last->family != final->family ||
		(last->flags & ~GLMSTEP_AT_START) != (final->flags & ~GLMSTEP_AT_START))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the two IRLS steps belong to different models")));
	if ((last->flags | final->flags) & GLMSTEP_UPPER_ONLY)
		elog(ERROR, "clinnova: IRLS step used before it was finished");
	if (final->flags & GLMSTEP_AT_START)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the final IRLS step must be evaluated at the fitted coefficients"),
				 errdetail("It was evaluated at the starting values.")));
	if (!isfinite(final->deviance) || final->n_invalid > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the fitted coefficients give a non-finite deviance")));
	if (final->n_pos == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no observations have a positive weight")));
	if (last->n_rows != final->n_rows || last->n_pos != final->n_pos)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the two IRLS steps were computed on different rows"),
				 errdetail("They count %lld and %lld rows.",
						   (long long) last->n_rows, (long long) final->n_rows)));
	GlmOptionsCheckTerms(opt, p_raw);

	/* term names: "(Intercept)", then the given names or x1, x2, ... */
	for (j = 0; j < p; j++)
	{
		int			k = j - (intercept ? 1 : 0);

		if (k < 0)
			names[j] = "(Intercept)";
		else if (opt->nterms >= 0)
			names[j] = opt->terms[k];
		else
			names[j] = psprintf("x%d", k + 1);
		names_len += strlen(names[j]) + 1;
	}

	m = GlmModelAlloc(p, names_len);
	m->family = (uint8) family;
	m->flags = (intercept ? GLMMODEL_INTERCEPT : 0) | (converged ? GLMMODEL_CONVERGED : 0) |
		(boundary ? GLMMODEL_BOUNDARY : 0);
	m->iterations = iterations;
	m->n = final->n_pos;
	m->n_rows = final->n_rows;
	m->conf_level = opt->conf_level;
	m->deviance = final->deviance;
	m->null_deviance = GlmNullDeviance(final);

	/* aliasing and covariance from the step whose solve produced the coefficients */
	rank = linalg_find_aliased_scaled(p, GlmStepXtWX((GlmStep *) last), GLM_ALIAS_TOL, aliased);
	df_res = m->n - rank;
	m->dispersion = (family != GLM_GAUSSIAN) ? 1.0 :
		(df_res > 0) ? m->deviance / (double) df_res : get_float8_nan();
	cov = GlmModelCov(m);
	memcpy(cov, GlmStepXtWX((GlmStep *) last), sizeof(double) * p * p);
	if (rank > 0)
		linalg_spd_inverse(p, cov, aliased, "the weighted cross-product matrix X'WX");
	for (j = 0; j < p; j++)
	{
		GlmModelAliased(m)[j] = aliased[j] ? 1 : 0;
		GlmModelCoef(m)[j] = aliased[j] ? 0.0 : GlmStepBeta((GlmStep *) final)[j];
		for (i = 0; i < p; i++)
			if (!aliased[i] && !aliased[j])
				cov[i + (Size) j * p] *= m->dispersion;
	}
	linalg_symmetrize(p, cov);	/* exact symmetry for text round trips */

	/* AIC as glm.fit: the family's aic() + 2 * rank */
	if (family == GLM_GAUSSIAN)
	{
		double		nobs = (double) final->n_rows;

		m->aic = nobs * (log(m->deviance / nobs * 2.0 * M_PI) + 1.0) + 2.0 + final->aic_part;
	}
	else
		m->aic = final->aic_part;
	m->aic += 2.0 * rank;

	t = GlmModelTerms(m);
	for (j = 0; j < p; j++)
	{
		strcpy(t, names[j]);
		t += strlen(names[j]) + 1;
	}

	/* R's warnings */
	if (rank < p)
		ereport(WARNING,
				(errmsg("%d coefficient%s not defined because of singularities", p - rank,
						(p - rank == 1) ? "" : "s"),
				 errdetail("Aliased terms (linear combinations of earlier terms): %s; their coefficients are NULL.",
						   AliasedTermList(names, aliased, p))));
	if (!converged)
		ereport(WARNING,
				(errmsg("IRLS did not converge in %d iterations", iterations),
				 errhint("Raise max_iter in the options; non-convergence of a logistic model often means separation.")));
	if (boundary)
		ereport(WARNING,
				(errmsg("IRLS stopped at a boundary value"),
				 errdetail("Step halving was needed in the last iteration because the deviance was not finite.")));
	if (family == GLM_BINOMIAL && final->n_boundary > 0)
		ereport(WARNING,
				(errmsg("fitted probabilities numerically 0 or 1 occurred"),
				 errdetail("%lld rows have a fitted probability within 1e-15 of 0 or 1.",
						   (long long) final->n_boundary),
				 errhint("This usually means complete or quasi-complete separation: some covariate pattern predicts the outcome perfectly.")));
	if (family == GLM_POISSON && final->n_boundary > 0)
		ereport(WARNING,
				(errmsg("fitted rates numerically 0 occurred"),
				 errdetail("%lld rows have a fitted rate below 1e-15.", (long long) final->n_boundary)));
	if (family == GLM_BINOMIAL && final->n_nonint > 0)
		ereport(WARNING,
				(errmsg("non-integer #successes in a binomial glm"),
				 errdetail("%lld rows have a non-integer weight * y; the AIC rounds them as R does.",
						   (long long) final->n_nonint)));
	if (family == GLM_POISSON && final->n_nonint > 0)
		ereport(WARNING,
				(errmsg("non-integer y in a poisson glm"),
				 errdetail("%lld rows have a non-integer y, so the AIC is infinite, as in R.",
						   (long long) final->n_nonint)));

	pfree(aliased);
	pfree(names);
	return m;
}

/* Linear predictor of one row. */
double
GlmModelLinearPredictor(const GlmModel *m, const double *x, double offset)
{
	const double *coef = GlmModelCoef(m);
	int			ic = (m->flags & GLMMODEL_INTERCEPT) ? 1 : 0;
	double		eta = offset + (ic ? coef[0] : 0.0);
	int			j;

	for (j = ic; j < m->p; j++)
		eta += coef[j] * x[j - ic];
	return eta;
}
