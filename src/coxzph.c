/*
 * coxzph.c — the test of proportional hazards from scaled Schoenfeld residuals, as R's
 * cox.zph(fit, transform = "km", terms = TRUE) computes it (survival 3.5-3).
 *
 * The test is a score test, at the fitted beta, for adding beta_j * g(t) x_j to the model,
 * where g(t) is a transform of time centred at its mean over the events.  One backward sweep
 * over the risk sets (zph1 / zph2 in R) gives the 2p score u = (u_beta, u_g) and the 2p x 2p
 * information
 *   I = sum_t w_t [ V_t, g V_t ; g V_t, g^2 V_t ],   V_t the risk-set covariance at t
 * (Breslow or Efron).  The term test uses the rows and columns of beta and of the term's
 * g-columns with score (0, u_g[term]); GLOBAL uses all of them.
 *
 * Transforms: "km" (1 - the Kaplan-Meier estimate just before t, over all rows, unweighted),
 * "identity" (t), "log" (log t), "rank" (average ranks of all times).  Aliased coefficients
 * (NULL) drop out as in R.  The x columns are recentred at their unweighted means first,
 * for accuracy, as zph1 does; the statistics do not depend on it.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "clinnova.h"
#include "distributions.h"
#include "coxph.h"
#include "linalg.h"

/* A time with its row and event flag, for global (unstratified) orderings. */
typedef struct TimeItem
{
	double		time;
	int32		row;
	bool		status;
} TimeItem;

/* By time, then row. */
static inline int
CompareTimes(const TimeItem *a, const TimeItem *b)
{
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

#define ST_SORT sort_time_items
#define ST_ELEMENT_TYPE TimeItem
#define ST_COMPARE(a, b) CompareTimes(a, b)
#define ST_SCOPE static
#define ST_CHECK_FOR_INTERRUPTS
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/* Case weight of a sorted row. */
static inline double
Wt(const CoxData *d, int64 i)
{
	return d->weight ? d->weight[i] : 1.0;
}

/*
 * 1 - KM(t-) for every row (R: survfitKM over all rows, unweighted, then the value just
 * before each row's time).  (start, stop] rows are at risk when entry < t <= time.
 */
static void
KmTransform(const CoxData *d, double *g)
{
	int64		n = d->n,
				i,
				k,
				e = 0;
	TimeItem   *items = CoxAlloc(n, sizeof(TimeItem), false);
	double	   *entries = NULL;
	double		surv = 1.0;

	for (i = 0; i < n; i++)
	{
		items[i].time = d->time[i];
		items[i].row = (int32) i;
		items[i].status = d->status[i];
	}
	sort_time_items(items, n);
	if (d->entry)
	{
		entries = CoxAlloc(n, sizeof(double), false);
		for (i = 0; i < n; i++)
			entries[i] = d->entry[i];
		/* ascending entry times; count those >= t by a moving pointer */
		{
			TimeItem   *tmp = CoxAlloc(n, sizeof(TimeItem), false);

			for (i = 0; i < n; i++)
			{
				tmp[i].time = entries[i];
				tmp[i].row = (int32) i;
				tmp[i].status = false;
			}
			sort_time_items(tmp, n);
			for (i = 0; i < n; i++)
				entries[i] = tmp[i].time;
			pfree(tmp);
		}
	}
	i = 0;
	while (i < n)
	{
		double		t = items[i].time;
		int64		atrisk,
					deaths = 0;

		/* rows with time >= t, minus those with entry >= t */
		atrisk = n - i;
		if (entries)
		{
			while (e < n && entries[e] < t)
				e++;
			atrisk -= (n - e);
		}
		for (k = i; k < n && items[k].time == t; k++)
		{
			g[items[k].row] = 1.0 - surv;	/* KM just before t */
			if (items[k].status)
				deaths++;
		}
		if (deaths > 0 && atrisk > 0)
			surv *= 1.0 - (double) deaths / (double) atrisk;
		i = k;
	}
	pfree(items);
	if (entries)
		pfree(entries);
}

/* Average ranks of all times (R's rank(), ties.method "average"). */
static void
RankTransform(const CoxData *d, double *g)
{
	int64		n = d->n,
				i,
				k,
				m;
	TimeItem   *items = CoxAlloc(n, sizeof(TimeItem), false);

	for (i = 0; i < n; i++)
	{
		items[i].time = d->time[i];
		items[i].row = (int32) i;
		items[i].status = false;
	}
	sort_time_items(items, n);
	i = 0;
	while (i < n)
	{
		for (k = i; k < n && items[k].time == items[i].time; k++)
			;
		/* positions i .. k-1 (0-based) share the average of ranks i+1 .. k */
		for (m = i; m < k; m++)
			g[items[m].row] = (double) (i + 1 + k) / 2.0;
		i = k;
	}
	pfree(items);
}

/*
 * Score (2q) and information (2q x 2q) for the time-varying extension of the q kept columns
 * kept[] at coefficients beta (kept columns only), time weights g per row.
 */
static void
ZphPass(const CoxData *d, CoxTies ties, const int *kept, int q, const double *beta,
		const double *g, double *u, double *imat)
{
	int			p = d->p;
	int			q2 = 2 * q;
	int64		n = d->n,
				i;
	int			j,
				k,
				s;
	double	   *r = CoxAlloc(n, sizeof(double), false);
	double	   *a = palloc(sizeof(double) * q);
	double	   *a2 = palloc(sizeof(double) * q);
	double	   *cmat = palloc(sizeof(double) * q * q);
	double	   *cmat2 = palloc(sizeof(double) * q * q);
	double	   *xk = palloc(sizeof(double) * q);

	for (i = 0; i < n; i++)
	{
		double		eta = 0;

		for (j = 0; j < q; j++)
			eta += beta[j] * d->x[i * p + kept[j]];
		r[i] = Wt(d, i) * exp(eta);
	}
	memset(u, 0, sizeof(double) * q2);
	memset(imat, 0, sizeof(double) * q2 * q2);

	for (s = 0; s < d->nstrata; s++)
	{
		int64		lo = d->stratum_first[s],
					hi = d->stratum_first[s + 1];
		int64		ep = hi - 1,
					nrisk = 0;
		double		denom = 0;

		CHECK_FOR_INTERRUPTS();
		memset(a, 0, sizeof(double) * q);
		memset(cmat, 0, sizeof(double) * q * q);
		i = hi - 1;
		while (i >= lo)
		{
			double		t = d->time[i];
			double		tw = g[i];
			int64		gstart = i,
						m;
			int64		nd = 0;
			double		denom2 = 0,
						deadwt = 0;

			while (gstart > lo && d->time[gstart - 1] == t)
				gstart--;
			if (d->entry)
			{
				while (ep >= lo && d->entry[d->start_order[ep]] >= t)
				{
					int64		rr = d->start_order[ep--];

					if (--nrisk == 0)
					{
						denom = 0;
						memset(a, 0, sizeof(double) * q);
						memset(cmat, 0, sizeof(double) * q * q);
					}
					else
					{
						denom -= r[rr];
						for (j = 0; j < q; j++)
						{
							double		xj = d->x[rr * p + kept[j]];

							a[j] -= r[rr] * xj;
							for (k = 0; k <= j; k++)
								cmat[j + k * q] -= r[rr] * xj * d->x[rr * p + kept[k]];
						}
					}
				}
			}
			memset(a2, 0, sizeof(double) * q);
			memset(cmat2, 0, sizeof(double) * q * q);
			for (m = gstart; m <= i; m++)
			{
				double		rm = r[m];

				for (j = 0; j < q; j++)
					xk[j] = d->x[m * p + kept[j]];
				nrisk++;
				if (!d->status[m])
				{
					denom += rm;
					for (j = 0; j < q; j++)
					{
						a[j] += rm * xk[j];
						for (k = 0; k <= j; k++)
							cmat[j + k * q] += rm * xk[j] * xk[k];
					}
				}
				else
				{
					double		wm = Wt(d, m);

					nd++;
					deadwt += wm;
					denom2 += rm;
					for (j = 0; j < q; j++)
					{
						u[j] += wm * xk[j];
						u[j + q] += tw * wm * xk[j];
						a2[j] += rm * xk[j];
						for (k = 0; k <= j; k++)
							cmat2[j + k * q] += rm * xk[j] * xk[k];
					}
				}
			}
			if (nd > 0)
			{
				int64		ndk = (ties == COX_BRESLOW) ? 1 : nd;
				double		wtave = deadwt / ndk;
				int64		kk;

				for (kk = 0; kk < ndk; kk++)
				{
					double		f = (ties == COX_BRESLOW) ? 1.0 : 1.0 / nd;

					denom += denom2 * f;
					for (j = 0; j < q; j++)
					{
						double		mean;

						a[j] += a2[j] * f;
						mean = a[j] / denom;
						u[j] -= wtave * mean;
						u[j + q] -= tw * wtave * mean;
						for (k = 0; k <= j; k++)
						{
							double		temp;

							cmat[j + k * q] += cmat2[j + k * q] * f;
							temp = wtave * (cmat[j + k * q] - mean * a[k]) / denom;
							imat[k + j * q2] += temp;
							imat[k + (j + q) * q2] += temp * tw;
							imat[(k + q) + (j + q) * q2] += temp * tw * tw;
						}
					}
				}
			}
			i = gstart - 1;
		}
	}
	/* fill the lower triangle of each block and the lower-left block */
	for (j = 0; j < q; j++)
		for (k = 0; k < j; k++)
		{
			imat[j + k * q2] = imat[k + j * q2];
			imat[j + (k + q) * q2] = imat[k + (j + q) * q2];
			imat[(j + q) + (k + q) * q2] = imat[(k + q) + (j + q) * q2];
		}
	for (j = 0; j < q; j++)
		for (k = 0; k < q; k++)
			imat[(j + q) + k * q2] = imat[k + (j + q) * q2];
	pfree(r);
	pfree(a);
	pfree(a2);
	pfree(cmat);
	pfree(cmat2);
	pfree(xk);
}

/* u' A^{-1} u for the rows/columns idx[0..m) of the q2 x q2 matrix A and score vector. */
static double
SubTest(const double *A, int q2, const int *idx, int m, const double *score)
{
	double	   *S = palloc(sizeof(double) * m * m);
	double	   *b = palloc(sizeof(double) * m);
	double	   *x = palloc(sizeof(double) * m);
	double		stat = 0;
	int			i,
				j;

	for (i = 0; i < m; i++)
	{
		b[i] = score[idx[i]];
		for (j = 0; j < m; j++)
			S[i + j * m] = A[idx[i] + idx[j] * q2];
	}
	memcpy(x, b, sizeof(double) * m);
	linalg_spd_solve(m, S, NULL, x, "the information matrix of the proportional-hazards test");
	for (i = 0; i < m; i++)
		stat += b[i] * x[i];
	pfree(S);
	pfree(b);
	pfree(x);
	return stat;
}

/*
 * The cox.zph table for prepared data d (raw x) and a fitted model m: one row per term (the
 * "assign" option groups columns into terms) and GLOBAL.
 */
void
CoxZphCompute(CoxData *d, const CoxModel *m, const CoxOptions *o, CoxZphResult *res)
{
	int			p = d->p;
	int64		n = d->n,
				i;
	int		   *kept = palloc(sizeof(int) * p);
	int		   *colpos = palloc(sizeof(int) * p);
	double	   *beta = palloc(sizeof(double) * p);
	double	   *g = CoxAlloc(n, sizeof(double), false);
	double	   *mean = palloc0(sizeof(double) * p);
	double	   *u,
			   *imat,
			   *score;
	double		gmean = 0;
	int64		nev = 0;
	int			q = 0,
				q2,
				j,
				t,
				nterms = 0;
	char	  **termname = palloc(sizeof(char *) * (p + 1));
	int		   *termcols = palloc(sizeof(int) * p * 1);
	int		   *termfirst = palloc(sizeof(int) * (p + 2));
	int		   *idx;

	Assert(d->prepared);
	if (o->nassign >= 0 && o->nassign != p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"assign\" of cox_zph names %d columns but x has %d elements",
						o->nassign, p),
				 errhint("Give the term of every element of x, e.g. [\"trt\", \"celltype\", \"celltype\", \"celltype\"].")));
	for (j = 0; j < p; j++)
	{
		colpos[j] = -1;
		if (!isnan(m->coef[j]))
		{
			colpos[j] = q;
			kept[q] = j;
			beta[q] = m->coef[j];
			q++;
		}
	}
	if (q == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the model has no estimable coefficient to test"),
				 errdetail("Every coefficient of the model is NULL.")));
	q2 = 2 * q;

	/* recentre x at the unweighted column means (zph1 does) */
	for (i = 0; i < n; i++)
		for (j = 0; j < p; j++)
			mean[j] += d->x[i * p + j];
	for (j = 0; j < p; j++)
		mean[j] /= n;
	for (i = 0; i < n; i++)
		for (j = 0; j < p; j++)
			d->x[i * p + j] -= mean[j];

	/* transformed time, centred at its mean over the events */
	switch (o->transform)
	{
		case COX_ZPH_KM:
			KmTransform(d, g);
			break;
		case COX_ZPH_RANK:
			RankTransform(d, g);
			break;
		case COX_ZPH_LOG:
			for (i = 0; i < n; i++)
			{
				if (!(d->time[i] > 0))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("transform \"log\" needs times > 0"),
							 errdetail("A row has time %g.", d->time[i])));
				g[i] = log(d->time[i]);
			}
			break;
		case COX_ZPH_IDENTITY:
			for (i = 0; i < n; i++)
				g[i] = d->time[i];
			break;
	}
	for (i = 0; i < n; i++)
		if (d->status[i])
		{
			gmean += g[i];
			nev++;
		}
	gmean /= nev;
	for (i = 0; i < n; i++)
		g[i] -= gmean;

	u = palloc(sizeof(double) * q2);
	imat = palloc(sizeof(double) * q2 * q2);
	ZphPass(d, m->ties, kept, q, beta, g, u, imat);
	score = palloc0(sizeof(double) * q2);
	for (j = 0; j < q; j++)
		score[j + q] = u[j + q];	/* u_beta is 0 at the fit, as R takes it */

	/* terms: groups of kept columns by the "assign" names (or one per column) */
	termfirst[0] = 0;
	for (j = 0; j < p; j++)
	{
		const char *name = o->nassign > 0 ? o->assign[j] : m->terms[j];
		int			tt;
		bool		seen = false;

		if (o->nassign > 0)
			for (tt = 0; tt < j; tt++)
				if (strcmp(o->assign[tt], name) == 0)
					seen = true;
		if (seen)
			continue;
		/* a new term: gather its kept columns */
		termname[nterms] = pstrdup(name);
		termfirst[nterms + 1] = termfirst[nterms];
		for (tt = j; tt < p; tt++)
		{
			const char *other = o->nassign > 0 ? o->assign[tt] : m->terms[tt];

			if ((tt == j || (o->nassign > 0 && strcmp(other, name) == 0)) && colpos[tt] >= 0)
				termcols[termfirst[nterms + 1]++] = colpos[tt];
		}
		if (termfirst[nterms + 1] > termfirst[nterms])
			nterms++;
	}

	res->nterms = nterms + (o->global ? 1 : 0);
	res->term = palloc(sizeof(char *) * res->nterms);
	res->chisq = palloc(sizeof(double) * res->nterms);
	res->df = palloc(sizeof(int) * res->nterms);
	res->p = palloc(sizeof(double) * res->nterms);
	idx = palloc(sizeof(int) * q2);
	for (t = 0; t < nterms; t++)
	{
		int			mm = 0,
					c;

		for (j = 0; j < q; j++)
			idx[mm++] = j;
		for (c = termfirst[t]; c < termfirst[t + 1]; c++)
			idx[mm++] = termcols[c] + q;
		res->term[t] = termname[t];
		res->chisq[t] = SubTest(imat, q2, idx, mm, score);
		res->df[t] = termfirst[t + 1] - termfirst[t];
		res->p[t] = dist_chisq_upper(res->chisq[t], res->df[t]);
	}
	if (o->global)
	{
		for (j = 0; j < q2; j++)
			idx[j] = j;
		res->term[nterms] = pstrdup("GLOBAL");
		res->chisq[nterms] = SubTest(imat, q2, idx, q2, score);
		res->df[nterms] = q;
		res->p[nterms] = dist_chisq_upper(res->chisq[nterms], q);
	}
}
