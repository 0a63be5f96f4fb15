/*
 * coxbaseline.c — the baseline cumulative hazard of a fitted Cox model and the pieces of its
 * variance, as R's survfit.coxph computes them (agsurv), so that a new patient's survival
 * curve and its confidence band can be formed later from the model alone.
 *
 * Per stratum and distinct time t (risk set R_t, events D_t with d_t rows, weights w,
 * r = exp((x - means) . beta), x centred at the model means):
 *   x1 = sum_R w r, x2 = sum_D w r, xsum = sum_R w r x, xsum2 = sum_D w r x, e = sum_D w.
 *   Breslow (ctype 1):  haz = e / x1,  var = e / x1^2,  xbar = (xsum / x1) haz
 *   Efron (ctype 2):    with D_j = x1 - x2 j / d for j = 0 .. d-1,
 *                       haz = e/d sum_j 1/D_j,  var = e/d sum_j 1/D_j^2,
 *                       xbar = e/d sum_j (xsum - xsum2 j/d) / D_j^2
 * and the model keeps their cumulative sums at each event time.  A new patient z (centred)
 * with risk r_z = exp(z . beta) then has cumulative hazard r_z H(t) and
 *   var = r_z^2 (V(t) + q(t)' Var(beta) q(t)),   q(t) = H(t) z - Xbar(t).
 * The model also keeps every distinct time with its weighted n_risk, n_event, n_censor, so
 * that curves have R's rows (censoring-only times included).
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "clinnova.h"
#include "coxph.h"
#include "linalg.h"

/* Case weight of a sorted row. */
static inline double
Wt(const CoxData *d, int64 i)
{
	return d->weight ? d->weight[i] : 1.0;
}

/*
 * Count the distinct times and event times of each stratum of prepared data d (ntimes[s])
 * and in total (*T, *D): the sizes of the baseline, known before it is computed so that it
 * can be written straight into the model value.
 */
void
CoxBaselineCount(const CoxData *d, int64 *ntimes, int64 *T, int64 *D)
{
	int64		i;
	int			s;

	*T = *D = 0;
	for (s = 0; s < d->nstrata; s++)
	{
		ntimes[s] = 0;
		for (i = d->stratum_first[s]; i < d->stratum_first[s + 1]; i++)
		{
			if (i == d->stratum_first[s] || d->time[i] != d->time[i - 1])
			{
				ntimes[s]++;
				if (d->status[i])
					(*D)++;		/* events sort first within a time */
			}
		}
		*T += ntimes[s];
	}
}

/*
 * Compute the baseline of prepared data d whose x holds x - means (as CoxFit leaves it), with
 * lp its linear predictor (x - means) . coef (aliased coefficients 0; CoxFit's fit->lp),
 * into the arrays of b (sized by CoxBaselineCount).  ties selects R's ctype (efron: 2,
 * breslow: 1).  Uses workspace slot 1 for the risks.
 */
void
CoxComputeBaseline(CoxData *d, CoxTies ties, const double *lp, CoxBaseline *b)
{
	int			p = d->p;
	int64		n = d->n,
				i;
	int			s,
				j;
	double	   *risk = CoxWorkspace(d, 2) + n;	/* slot 0 holds the linear predictor */
	double	   *xsum = palloc(sizeof(double) * p);
	double	   *xsum2 = palloc(sizeof(double) * p);
	double	   *inc = palloc(sizeof(double) * p);
	int64		toff = 0,
				eoff = 0;

	for (i = 0; i < n; i++)
		risk[i] = Wt(d, i) * exp(lp[i]);

	for (s = 0; s < d->nstrata; s++)
	{
		int64		lo = d->stratum_first[s],
					hi = d->stratum_first[s + 1];
		int64		ep = hi - 1,
					k;
		int64		tpos = toff + b->ntimes[s] - 1;	/* filled backwards */
		int64		epos,
					nevt = 0;
		double		x1 = 0,
					nrisk_w = 0;
		int64		nrisk = 0;

		for (i = lo; i < hi; i++)
			if (d->status[i] && (i == lo || d->time[i] != d->time[i - 1]))
				nevt++;
		epos = eoff + nevt - 1;
		CHECK_FOR_INTERRUPTS();
		memset(xsum, 0, sizeof(double) * p);
		i = hi - 1;
		while (i >= lo)
		{
			double		t = d->time[i];
			int64		g = i;
			int64		nd = 0;
			double		x2 = 0,
						ev = 0,
						cens = 0;

			while (g > lo && d->time[g - 1] == t)
				g--;
			/* (start, stop] rows with entry >= t are not at risk at t */
			if (d->entry)
			{
				while (ep >= lo && d->entry[d->start_order[ep]] >= t)
				{
					int64		r = d->start_order[ep--];

					if (--nrisk == 0)
					{
						x1 = 0;
						nrisk_w = 0;
						memset(xsum, 0, sizeof(double) * p);
					}
					else
					{
						x1 -= risk[r];
						nrisk_w -= Wt(d, r);
						for (j = 0; j < p; j++)
							xsum[j] -= risk[r] * d->x[r * p + j];
					}
				}
			}
			memset(xsum2, 0, sizeof(double) * p);
			for (k = g; k <= i; k++)
			{
				const double *xk = d->x + k * p;

				x1 += risk[k];
				nrisk_w += Wt(d, k);
				nrisk++;
				for (j = 0; j < p; j++)
					xsum[j] += risk[k] * xk[j];
				if (d->status[k])
				{
					nd++;
					x2 += risk[k];
					ev += Wt(d, k);
					for (j = 0; j < p; j++)
						xsum2[j] += risk[k] * xk[j];
				}
				else
					cens += Wt(d, k);
			}
			b->time[tpos] = t;
			b->n_risk[tpos] = nrisk_w;
			b->n_event[tpos] = ev;
			b->n_censor[tpos] = cens;
			tpos--;
			if (nd > 0)
			{
				double		haz,
							var;

				if (ties == COX_BRESLOW)
				{
					haz = ev / x1;
					var = ev / (x1 * x1);
					for (j = 0; j < p; j++)
						inc[j] = (xsum[j] / x1) * haz;
				}
				else
				{
					double		sum1 = 0,
								sum2 = 0;
					int64		jj;

					memset(inc, 0, sizeof(double) * p);
					for (jj = 0; jj < nd; jj++)
					{
						double		frac = (double) jj / nd;
						double		tmp = 1.0 / (x1 - x2 * frac);

						sum1 += tmp / nd;
						sum2 += tmp * tmp / nd;
						for (j = 0; j < p; j++)
							inc[j] += ((xsum[j] - xsum2[j] * frac) * tmp * tmp) / nd;
					}
					haz = ev * sum1;
					var = ev * sum2;
					for (j = 0; j < p; j++)
						inc[j] *= ev;
				}
				/* increments for now; cumulated forwards below */
				b->cumhaz[epos] = haz;
				b->cumvar[epos] = var;
				memcpy(b->cumxbar + epos * p, inc, sizeof(double) * p);
				epos--;
			}
			i = g - 1;
		}
		Assert(tpos == toff - 1 && epos == eoff - 1);
		/* cumulate within the stratum, in time order (R's cumsum) */
		for (k = eoff + 1; k < eoff + nevt; k++)
		{
			b->cumhaz[k] += b->cumhaz[k - 1];
			b->cumvar[k] += b->cumvar[k - 1];
			for (j = 0; j < p; j++)
				b->cumxbar[k * p + j] += b->cumxbar[(k - 1) * p + j];
		}
		toff += b->ntimes[s];
		eoff += nevt;
	}
	pfree(xsum);
	pfree(xsum2);
	pfree(inc);
}
