/*
 * survcurve.c — survival curves from a risk table, with R survival's definitions.
 *
 * Kaplan-Meier with Greenwood or infinitesimal-jackknife ("robust") standard errors,
 * Nelson-Aalen / Fleming-Harrington cumulative hazards with theirs, confidence bands
 * (log, log-log, plain), R's two quantile rules (the median of print.survfit and
 * quantile.survfit) and the restricted mean with R's standard error.
 *
 * The robust variance without per-subject data.  The influence of a subject i with case
 * weight w_i on log S(t) is -D_i(t), where, for a subject leaving at u,
 *     D_i(t) = delta_i [u <= t] / (n(u) - d(u))  -  G(min(t, u)),
 *     G(t)   = sum_{s <= t} d(s) / (n(s) (n(s) - d(s))),
 * so D_i depends on i only through (u, delta_i): subjects leaving at the same time with the
 * same status share it.  The variance sum_i w_i^2 D_i(t)^2 therefore needs only the sums of
 * squared weights per (time, status) stored in the risk table, and splits into
 *     sum over groups that left by t   (a running sum, fixed once a group has left)
 *   + G(t)^2 * (squared weights of everybody still at risk after t)
 * which is O(rows) in all.  The same algebra with d/n in place of the Greenwood increment gives
 * the cumulative hazard's; R's survfitkm computes the same numbers subject by subject.  It
 * needs the exit time to determine the entry time, so tables with late entries have no robust
 * variance (R would need subject data too).
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "utils/builtins.h"
#include "miscadmin.h"
#include "utils/float.h"

#include "clinnova.h"
#include "distributions.h"
#include "survfit.h"

/* R's tolerance in quantile.survfit and print.survfit: sqrt(.Machine$double.eps). */
#define SURV_QUANTILE_TOL	1.4901161193847656e-08

/*
 * The midpoint of two times as R computes it, (a + b) / 2, except where the sum overflows
 * (times near DBL_MAX): then a / 2 + b / 2, which is the same number wherever both exist.
 */
static inline double
SurvMidpoint(double a, double b)
{
	double		m = (a + b) / 2;

	return isinf(m) ? a / 2 + b / 2 : m;
}

/* ---- option parsing ---- */

/* 'auto' | 'greenwood' | 'robust'; 22023 otherwise. */
SurvVariance
SurvParseVariance(text *t)
{
	char	   *s = text_to_cstring(t);

	if (strcmp(s, "auto") == 0)
		return SURV_VAR_AUTO;
	if (strcmp(s, "greenwood") == 0)
		return SURV_VAR_GREENWOOD;
	if (strcmp(s, "robust") == 0)
		return SURV_VAR_ROBUST;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown variance \"%s\"", s),
			 errdetail("The variance is one of 'auto', 'greenwood' and 'robust'.")));
}

/* 'log' | 'log-log' | 'plain'; 22023 otherwise. */
SurvConfType
SurvParseConfType(text *t)
{
	char	   *s = text_to_cstring(t);

	if (strcmp(s, "log") == 0)
		return SURV_CONF_LOG;
	if (strcmp(s, "log-log") == 0)
		return SURV_CONF_LOGLOG;
	if (strcmp(s, "plain") == 0)
		return SURV_CONF_PLAIN;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown confidence interval type \"%s\"", s),
			 errdetail("The conf_type is one of 'log', 'log-log' and 'plain'.")));
}

/*
 * z for a two-sided conf_level interval, as R computes it: qnorm(1 - (1 - conf_level)/2).
 * The upper tail 1 - p is exact in floating point (p >= 0.5), so this is R's value.
 */
double
SurvConfZ(double conf_level)
{
	double		p;

	if (!(conf_level > 0 && conf_level < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("conf_level must be between 0 and 1 (exclusive)"),
				 errdetail("The conf_level is %s.", float8out_internal(conf_level))));
	p = 1 - (1 - conf_level) / 2;
	return dist_norm_quantile(p);
}

/*
 * Whether the robust variance applies: 'auto' follows R (robust exactly when some weight is
 * not an integer) except that tables with late entries use Greenwood, for which the robust
 * variance cannot be computed from the table; asking for 'robust' there is an error.
 */
bool
SurvUseRobust(const SurvTable *t, SurvVariance v, const char *fname)
{
	switch (v)
	{
		case SURV_VAR_GREENWOOD:
			return false;
		case SURV_VAR_AUTO:
			return t->fractional && !t->has_entry;
		case SURV_VAR_ROBUST:
			if (t->has_entry)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s cannot compute the robust variance of a risk table with late entries", fname),
						 errdetail("The infinitesimal jackknife needs each subject's entry and exit together; the risk table keeps them apart."),
						 errhint("Use variance => 'greenwood'.")));
			return true;
	}
	return false;
}

/* ---- risk sets ---- */

/*
 * Per-row totals over causes and the numbers at risk: n(t_i) = exits at times >= t_i minus
 * entries at times >= t_i.  When everybody at risk leaves at t_i (people counts, exact), the
 * weighted number at risk is set to the weighted exits, so that a last S = 0 is exactly 0.
 */
void
SurvRiskCompute(SurvRisk *r, const SurvTable *t)
{
	int			n = t->ntime;
	int			i,
				c;
	double		exits_w = 0,
				exits_n = 0,
				ent_w = 0,
				ent_n = 0;

	r->ntime = n;
	r->time = t->time;
	r->d = palloc0(sizeof(double) * n);
	r->dn = palloc0(sizeof(double) * n);
	r->d2 = palloc0(sizeof(double) * n);
	r->c = palloc(sizeof(double) * n);
	r->cn = palloc(sizeof(double) * n);
	r->c2 = palloc(sizeof(double) * n);
	r->n = palloc(sizeof(double) * n);
	r->nn = palloc(sizeof(double) * n);
	for (i = 0; i < n; i++)
	{
		for (c = 0; c < t->ncause; c++)
		{
			r->d[i] += t->ev_w[c][i];
			r->dn[i] += t->ev_n[c][i];
			r->d2[i] += t->ev_w2[c][i];
		}
		r->c[i] = t->cens_w[i];
		r->cn[i] = t->cens_n[i];
		r->c2[i] = t->cens_w2[i];
	}
	for (i = n - 1; i >= 0; i--)
	{
		exits_w += r->d[i] + r->c[i];
		exits_n += r->dn[i] + r->cn[i];
		if (t->has_entry)
		{
			ent_w += t->ent_w[i];
			ent_n += t->ent_n[i];
		}
		r->nn[i] = exits_n - ent_n;
		r->n[i] = (r->nn[i] == r->dn[i] + r->cn[i]) ? r->d[i] + r->c[i] : exits_w - ent_w;
	}
}

/* ---- Kaplan-Meier and cumulative hazard ---- */

/*
 * The curve of sf as R's survfit(Surv(...) ~ 1, ctype = ctype) reports it: one row per exit
 * time; KM survival with Greenwood or robust std_err (on the -log S scale); cumulative hazard
 * with ctype 1 (Nelson-Aalen, increments d/n) or 2 (Fleming-Harrington: for m tied events of
 * mean weight wbar, sum_{k<m} wbar/(n - k wbar)) and its standard error.
 */
SurvCurve *
SurvKaplanMeier(const Survfit *sf, SurvVariance v, int ctype, const char *fname)
{
	SurvTable	t;
	SurvRisk	r;
	SurvCurve  *cv = palloc0(sizeof(SurvCurve));
	double	   *w2after = NULL;
	double		S = 1,
				gw = 0,
				H = 0,
				vh = 0,
				G = 0,
				done = 0,
				Gh = 0,
				doneh = 0,
				after = 0,
				var = 0,			/* robust variance of log S at the current row */
				varh = 0;			/* robust variance of the cumulative hazard */
	bool		robust;
	int			i,
				j,
				nrow = 0;

	if (ctype != 1 && ctype != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ctype must be 1 (Nelson-Aalen) or 2 (Fleming-Harrington)"),
				 errdetail("The ctype is %d.", ctype)));
	SurvTableInit(&t, sf);
	SurvRiskCompute(&r, &t);
	robust = SurvUseRobust(&t, v, fname);

	for (i = 0; i < r.ntime; i++)
		if (r.dn[i] + r.cn[i] > 0)
			nrow++;
	cv->nrow = nrow;
	cv->robust = robust;
	cv->time = palloc(sizeof(double) * nrow);
	cv->n_risk = palloc(sizeof(double) * nrow);
	cv->n_event = palloc(sizeof(double) * nrow);
	cv->n_censor = palloc(sizeof(double) * nrow);
	cv->surv = palloc(sizeof(double) * nrow);
	cv->std_err = palloc(sizeof(double) * nrow);
	cv->cumhaz = palloc(sizeof(double) * nrow);
	cv->std_chaz = palloc(sizeof(double) * nrow);

	if (robust)
	{
		/* squared weights of everybody leaving strictly after row i */
		w2after = palloc(sizeof(double) * r.ntime);
		for (i = r.ntime - 1; i >= 0; i--)
		{
			w2after[i] = after;
			after += r.d2[i] + r.c2[i];
		}
	}

	for (i = 0, j = 0; i < r.ntime; i++)
	{
		double		n = r.n[i],
					d = r.d[i];
		double		a = 0,			/* hazard influence of an event at this time */
					b = 0;			/* hazard influence of being at risk at this time */

		CHECK_FOR_INTERRUPTS();
		if (d > 0)
		{
			S *= (n - d) / n;
			gw = (n > d) ? gw + d / (n * (n - d)) : INFINITY;
			if (ctype == 1)
			{
				H += d / n;
				vh += d / (n * n);
				a = 1 / n;
				b = d / (n * n);
			}
			else
			{
				double		m = r.dn[i],
							wbar = d / m,
							s2 = 0,
							k;

				for (k = 0; k < m; k++)
				{
					double		den = n - k * wbar;

					H += wbar / den;
					s2 += 1 / (den * den);
				}
				vh += wbar * s2;
				a = n / m * s2;
				b = wbar * s2;
			}
		}
		if (robust)
		{
			if (n > d)
			{
				double		cu = 1 / (n - d);

				G += d / (n * (n - d));
				done += r.d2[i] * (cu - G) * (cu - G) + r.c2[i] * G * G;
			}
			Gh += b;
			doneh += r.d2[i] * (a - Gh) * (a - Gh) + r.c2[i] * Gh * Gh;

			/*
			 * Censorings alone leave both variances unchanged (a censored group moves from
			 * "at risk" to "left" with the same influence), so they are recomputed at event
			 * times only: the values then stay bit-identical along flat stretches, as R's
			 * do, which R's quantile rule relies on when it removes repeated values.
			 */
			if (d > 0)
			{
				var = done + G * G * w2after[i];
				varh = doneh + Gh * Gh * w2after[i];
			}
		}
		if (r.dn[i] + r.cn[i] == 0)
			continue;			/* late entries only: not a row of R's curve */
		cv->time[j] = r.time[i];
		cv->n_risk[j] = n;
		cv->n_event[j] = d;
		cv->n_censor[j] = r.c[i];
		cv->surv[j] = S;
		/* R's robust se of S is 0 once S = 0 (nobody left to influence it) */
		cv->std_err[j] = robust ? (S == 0 ? 0 : sqrt(var)) : sqrt(gw);
		cv->cumhaz[j] = H;
		cv->std_chaz[j] = robust ? sqrt(varh) : sqrt(vh);
		j++;
	}
	Assert(j == nrow);
	return cv;
}

/* ---- confidence bands ---- */

/*
 * R's survfit_confint for one point: p the estimate, se_log the standard error of -log p.
 * A NULL bound is R's NA: where p = 0 (log, log-log), p = 1 (log-log), or se is undefined.
 */
void
SurvConfInt(double p, double se_log, SurvConfType type, double z,
			double *lower, bool *lower_null, double *upper, bool *upper_null)
{
	double		se2,
				lo = 0,
				hi = 0;

	*lower_null = *upper_null = true;
	if (isnan(p) || isnan(se_log))
		return;
	switch (type)
	{
		case SURV_CONF_LOG:
			if (p == 0)
				return;
			se2 = z * se_log;
			lo = exp(log(p) - se2);
			hi = Min(exp(log(p) + se2), 1.0);
			break;
		case SURV_CONF_LOGLOG:
			if (p == 0 || p == 1)
				return;
			se2 = z * se_log / log(p);
			lo = exp(-exp(log(-log(p)) - se2));
			hi = exp(-exp(log(-log(p)) + se2));
			break;
		case SURV_CONF_PLAIN:
			se2 = se_log * p * z;
			if (isnan(se2))
				return;
			lo = Max(p - se2, 0.0);
			hi = Min(p + se2, 1.0);
			break;
	}
	if (!isnan(lo))
	{
		*lower = lo;
		*lower_null = false;
	}
	if (!isnan(hi))
	{
		*upper = hi;
		*upper_null = false;
	}
}

/* Lower and upper bands of a curve (palloc'd arrays, NULL flags where R has NA). */
void
SurvCurveBands(const SurvCurve *cv, SurvConfType type, double z,
			   double **lower, bool **lower_null, double **upper, bool **upper_null)
{
	int			i;

	*lower = palloc(sizeof(double) * Max(cv->nrow, 1));
	*upper = palloc(sizeof(double) * Max(cv->nrow, 1));
	*lower_null = palloc(sizeof(bool) * Max(cv->nrow, 1));
	*upper_null = palloc(sizeof(bool) * Max(cv->nrow, 1));
	for (i = 0; i < cv->nrow; i++)
		SurvConfInt(cv->surv[i], cv->std_err[i], type, z,
					&(*lower)[i], &(*lower_null)[i], &(*upper)[i], &(*upper_null)[i]);
}

/* ---- R's quantile rules ---- */

/*
 * print.survfit's median rule (survmean's minmin) applied to a curve y (the estimate or a
 * band; NULL entries skipped): the first time with y < 0.5 + tol; if that y is 0.5 within tol
 * and the curve drops below it later, the midpoint between that time and the time of the drop.
 * Returns false where R gives NA (the curve never reaches 0.5).
 */
bool
SurvMinMin(int n, const double *time, const double *y, const bool *ynull, double *result)
{
	int			i,
				first = -1;

	for (i = 0; i < n; i++)
		if (!ynull[i] && y[i] < 0.5 + SURV_QUANTILE_TOL)
		{
			first = i;
			break;
		}
	if (first < 0)
		return false;
	*result = time[first];
	if (fabs(y[first] - 0.5) < SURV_QUANTILE_TOL)
	{
		for (i = first + 1; i < n; i++)
			if (!ynull[i] && y[i] < y[first])
			{
				*result = SurvMidpoint(time[first], time[i]);
				break;
			}
	}
	return true;
}

/* A value of 1 - S, with R's NA, in its original position. */
typedef struct QPoint
{
	double		y;
	bool		na;
	int			pos;
} QPoint;

/* Sort by (NA last, y, original position): runs of equal values start at their first. */
static int
QPointCmp(const void *a, const void *b)
{
	const QPoint *p = a,
			   *q = b;

	if (p->na != q->na)
		return p->na ? 1 : -1;
	if (!p->na && p->y != q->y)
		return p->y < q->y ? -1 : 1;
	return (p->pos > q->pos) - (p->pos < q->pos);
}

/*
 * R's approx(v + off, positions, p, method = "constant", f = 1) over the sorted distinct
 * values v[0..k): the position of the smallest v + off >= p, or -1 outside [v0+off, vk+off].
 */
static int
ApproxIndex(const QPoint *v, int k, double off, double p)
{
	int			j;

	if (k == 0 || p < v[0].y + off || p > v[k - 1].y + off)
		return -1;
	for (j = 0; j < k; j++)
		if (v[j].y + off >= p)
			return j;
	return -1;
}

/*
 * quantile.survfit's rule (its helper findq) for probability p on a curve s (the estimate or
 * a band, NULL = NA) over the given times, with the curve starting at time 0 with s = 1:
 * on y = 1 - s with repeated values removed, the quantile is the midpoint of the first times
 * where y reaches p - tol and p + tol, so that on a flat stretch at exactly p it is the middle
 * of the stretch; at a last flat stretch the midpoint with the last time.  Returns false where
 * R gives NA.
 */
bool
SurvFindQuantile(int n, const double *time, const double *s, const bool *snull,
				 double p, double *result)
{
	int			m = n + 1;
	QPoint	   *pt = palloc(sizeof(QPoint) * m);
	double	   *x = palloc(sizeof(double) * m);
	double	   *y = palloc(sizeof(double) * m);
	bool	   *yna = palloc(sizeof(bool) * m);
	bool	   *keep = palloc0(sizeof(bool) * m);
	QPoint	   *vals = palloc(sizeof(QPoint) * m);
	double		maxy = 0,
				q = 0,
				xmax;
	int			i,
				k = 0,
				last = 0,
				i1,
				i2;
	bool		found;

	x[0] = 0;
	pt[0].y = 0;
	pt[0].na = false;
	pt[0].pos = 0;
	for (i = 0; i < n; i++)
	{
		x[i + 1] = time[i];
		pt[i + 1].na = snull[i] || isnan(s[i]);
		pt[i + 1].y = pt[i + 1].na ? 0 : 1 - s[i];
		pt[i + 1].pos = i + 1;
		if (!pt[i + 1].na)
			maxy = Max(maxy, pt[i + 1].y);
	}
	for (i = 0; i < m; i++)
	{
		y[i] = pt[i].y;
		yna[i] = pt[i].na;
	}
	if (maxy < p)
		return false;
	xmax = x[m - 1];

	/* duplicated(): keep the first occurrence of every value (NA is a value too) */
	qsort(pt, m, sizeof(QPoint), QPointCmp);
	for (i = 0; i < m; i++)
	{
		bool		dup = i > 0 && pt[i].na == pt[i - 1].na &&
			(pt[i].na || pt[i].y == pt[i - 1].y);

		if (!dup)
		{
			keep[pt[i].pos] = true;
			if (!pt[i].na)
				vals[k++] = pt[i];	/* distinct non-NA values, ascending */
		}
	}
	for (i = 0; i < m; i++)
		if (keep[i])
			last = i;

	i1 = ApproxIndex(vals, k, SURV_QUANTILE_TOL, p);
	i2 = ApproxIndex(vals, k, -SURV_QUANTILE_TOL, p);
	found = i1 >= 0 && i2 >= 0;
	if (found)
		q = SurvMidpoint(x[vals[i1].pos], x[vals[i2].pos]);
	if (p == 0)
	{
		found = true;
		q = x[0];
	}
	/* the last distinct value: a flat stretch at p up to the last time */
	if (!yna[last] && fabs(p - y[last]) < SURV_QUANTILE_TOL)
	{
		found = i1 >= 0;
		if (found)
			q = SurvMidpoint(x[vals[i1].pos], xmax);
	}
	*result = q;
	return found;
}

/* ---- restricted mean ---- */

/*
 * R's survmean (print.survfit(fit, rmean = tau)): the area under S from 0 to tau, the last
 * value carried to tau, and its standard error sqrt(sum_i A_i^2 d_i / (n_i (n_i - d_i))) over
 * rows with t_i <= tau, A_i the area from t_i to tau (weighted n and d; 0 where n = d).  R
 * uses this Greenwood-type formula whatever variance the curve has.
 */
void
SurvRestrictedMean(const SurvCurve *cv, double tau, double *mean, double *se)
{
	int			k = 0,
				i;
	double		prev_t = 0,
				prev_s = 1,
				area = 0,
				tail = 0,
				var = 0;
	double	   *rect;

	while (k < cv->nrow && cv->time[k] <= tau)
		k++;
	/* rect[i] = area from time[i-1] (0 for i = 0) to time[i]; rect[k] ends at tau */
	rect = palloc(sizeof(double) * (k + 1));
	for (i = 0; i <= k; i++)
	{
		double		t = (i < k) ? cv->time[i] : tau;

		rect[i] = (t - prev_t) * prev_s;
		area += rect[i];
		prev_t = t;
		if (i < k)
			prev_s = cv->surv[i];
	}
	/* A_i = sum of rect[i+1..k], accumulated from the end as R's cumsum(rev(...)) does */
	for (i = k - 1; i >= 0; i--)
	{
		double		n = cv->n_risk[i],
					d = cv->n_event[i];
		double		hh = (n - d == 0) ? 0 : d / (n * (n - d));

		tail += rect[i + 1];
		if (hh > 0)
			var += tail * tail * hh;
	}
	*mean = area;
	*se = sqrt(var);

	/*
	 * Areas beyond about 1e154 (times near DBL_MAX) overflow A_i^2 although the standard
	 * error itself is finite: redo the sum on areas scaled by the total area (R overflows).
	 */
	if (isinf(var) && area > 0 && !isinf(area))
	{
		var = 0;
		tail = 0;
		for (i = k - 1; i >= 0; i--)
		{
			double		n = cv->n_risk[i],
						d = cv->n_event[i];
			double		hh = (n - d == 0) ? 0 : d / (n * (n - d));

			tail += rect[i + 1] / area;
			if (hh > 0)
				var += tail * tail * hh;
		}
		*se = area * sqrt(var);
	}
}
