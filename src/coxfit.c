/*
 * coxfit.c — Cox partial likelihood: risk-set passes, Newton-Raphson with R's rules, the
 * score, Wald and robust tests, and the sandwich variance.
 *
 * The algorithm is R survival's (coxph.fit / agreg.fit, survival 3.5-3): covariates centred
 * at their (weighted) means and scaled by their mean absolute deviation, Newton-Raphson from
 * beta = 0, aliased columns found by the cholesky2 pivot rule, step halving when the
 * log-likelihood does not improve, convergence when |1 - loglik_old / loglik_new| <= eps.
 * Right-censored data follow coxfit6's bookkeeping (iteration count, convergence during
 * halving); (start, stop] data follow agfit4's, so that the reported iteration counts match.
 *
 * One risk-set pass (RiskSetPass) computes log-likelihood, score u and information I at a
 * given beta in O(n p^2), with the p^2 part in BLAS.  Instead of forming the risk-set sums of
 * x x' at every event time (R's cmat, O(p^2) scalar work per row), the information is
 * rearranged as
 *
 *     I = sum_i r_i C_i x_i x_i'  -  sum_t sum_k (w_t / D_tk^2) a_tk a_tk'
 *
 * where r_i = w_i exp(eta_i), D_tk and a_tk are the k-th (Efron) denominator and weighted
 * covariate sum at event time t, and C_i = sum over the event times at which row i is at
 * risk of w_t / D_tk (with the Efron fraction for the row's own tied event).  C_i is the
 * cumulative-hazard weight of row i; both sums are rank-k updates done block-wise with dsyrk.
 * The same rearrangement gives u = sum_events w_i x_i - sum_i r_i C_i x_i.
 *
 * Right-censored data (RiskSetPassRight) take one backward sweep (decreasing time) that reads
 * each row once: the first sum is regrouped by event time, sum_t hfull_t S2(t) + hdeath_t
 * D2(t), with the risk set's S2(t) = sum r x x' held as a checkpointed sum plus a block of
 * pending rows that SettlePending weighs and folds in; u is formed per event time.
 *
 * Counting-process data: a row is at risk at t when entry < t <= time; the backward sweep
 * (decreasing time) adds rows by decreasing time and removes them by decreasing entry
 * (start_order) and stores each event time's hazard weights; a forward sweep cumulates them
 * into C_i = H(time_i) - H(entry_i), H the cumulative hazard weight.
 *
 * Memory: the n-vectors (eta, r, and for (start, stop] data C and the hazard weights) live in
 * the final function's shared workspace; a fit allocates nothing proportional to n beyond it
 * (the robust variance excepted).
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "clinnova.h"
#include "coxph.h"
#include "linalg.h"

/* Rows per block of a rank-k update. */
#define COX_BLOCK 256

/* One event time of one stratum (kept only by the robust-variance pass). */
typedef struct EventTime
{
	double		time;
	int32		nevent;			/* rows with an event at this time */
	double		hfull;			/* sum_k w / D_k: weight of rows fully at risk */
	double		hdeath;			/* sum_k w f_k / D_k: weight of the tied events themselves */
	double		hafter;			/* cumulative hfull of the stratum up to and including t */
} EventTime;

/*
 * Work space of a fit.  x is centred and scaled in place (x_int = (x - center) * scale), so
 * beta_int = beta / scale; everything below runs on that internal scale.
 */
typedef struct CoxWork
{
	CoxData    *d;
	int			p;
	int64		n;
	CoxTies		ties;
	bool		counting;
	double	   *center;
	double	   *scale;
	double	   *eta;			/* x beta */
	double	   *r;				/* w exp(eta) */
	double	   *c;				/* r_i C_i */
	double	   *a;
	double	   *aD;
	double	   *block;			/* COX_BLOCK x p rows for dsyrk */
	int			nblock;
	/* the one-sweep pass of right-censored data (RiskSetPassRight) */
	double	   *pend;			/* COX_BLOCK pending rows sqrt(r_i) x_i */
	int32	   *pend_tag;		/* first segment event time each pending row is at risk for */
	double	   *pend_own;		/* hazard weight of a pending row's own tied event, else 0 */
	int			npend;
	double	   *seg_h;			/* hfull of the segment's event times, in sweep order */
	int			nseg;
	double		seg_hsum;		/* sum of seg_h */
	double	   *s2;				/* sum of r_i x_i x_i' over the checkpointed rows (upper) */
	double	   *run;			/* p x p scratch of SettleRuns */
} CoxWork;

/* Weight of row i. */
static inline double
W(const CoxData *d, int64 i)
{
	return d->weight ? d->weight[i] : 1.0;
}

/* Does the data have (start, stop] rows? */
bool
CoxIsCounting(const CoxData *d)
{
	return d->entry != NULL;
}

/* ---- block rank-k updates ---- */

/* Flush the buffered rows into the upper triangle of imat with sign alpha. */
static void
FlushBlock(CoxWork *w, double alpha, double *imat)
{
	if (w->nblock > 0)
		linalg_syrk_rows(w->p, w->nblock, alpha, w->block, imat);
	w->nblock = 0;
}

/* Buffer the row f * v (p values); flush when the block is full. */
static inline void
PushRow(CoxWork *w, const double *v, double f, double alpha, double *imat)
{
	double	   *dst = w->block + (int64) w->nblock * w->p;
	int			j;

	for (j = 0; j < w->p; j++)
		dst[j] = f * v[j];
	if (++w->nblock == COX_BLOCK)
		FlushBlock(w, alpha, imat);
}

/* Buffer f * (a + g * b); flush when the block is full. */
static inline void
PushRow2(CoxWork *w, const double *a, const double *b, double g, double f, double alpha,
		 double *imat)
{
	double	   *dst = w->block + (int64) w->nblock * w->p;
	int			j;

	for (j = 0; j < w->p; j++)
		dst[j] = f * (a[j] + g * b[j]);
	if (++w->nblock == COX_BLOCK)
		FlushBlock(w, alpha, imat);
}

/* ---- setup ---- */

/*
 * Centre and scale x in place the way R's coxfit6 does: columns whose values are all in
 * {-1, 0, 1} are left alone; others are centred at the weighted mean and multiplied by
 * sum(w) / sum(w |x - mean|) (1 for a constant column).
 */
static void
CenterAndScale(CoxWork *w, bool do_scale)
{
	CoxData    *d = w->d;
	int			p = w->p;
	int64		n = w->n,
				i;
	int			j;
	double		sumw = 0;
	double	   *absdev = palloc0(sizeof(double) * p);

	for (j = 0; j < p; j++)
	{
		w->center[j] = 0.0;
		w->scale[j] = 1.0;
	}
	for (i = 0; i < n; i++)
	{
		double		wi = W(d, i);
		const double *xi = d->x + i * p;

		sumw += wi;
		for (j = 0; j < p; j++)
			w->center[j] += wi * xi[j];
	}
	for (j = 0; j < p; j++)
		w->center[j] = d->pm1[j] ? 0.0 : w->center[j] / sumw;
	for (i = 0; i < n; i++)
	{
		double		wi = W(d, i);
		double	   *xi = d->x + i * p;

		for (j = 0; j < p; j++)
		{
			if (d->pm1[j])
				continue;
			xi[j] -= w->center[j];
			absdev[j] += wi * fabs(xi[j]);
		}
	}
	if (do_scale)
	{
		for (j = 0; j < p; j++)
			if (!d->pm1[j] && absdev[j] > 0)
				w->scale[j] = sumw / absdev[j];
		for (i = 0; i < n; i++)
		{
			double	   *xi = d->x + i * p;

			for (j = 0; j < p; j++)
				xi[j] *= w->scale[j];
		}
	}
	pfree(absdev);
}

/* Allocate the work space for prepared data d. */
static void
WorkInit(CoxWork *w, CoxData *d, CoxTies ties)
{
	/* (start, stop] passes use three more slots: ask now, as growing may move the block */
	double	   *work = CoxWorkspace(d, CoxIsCounting(d) ? COX_WORK_SLOTS : 3);

	memset(w, 0, sizeof(*w));
	w->d = d;
	w->p = d->p;
	w->n = d->n;
	w->ties = ties;
	w->counting = CoxIsCounting(d);
	w->center = palloc0(sizeof(double) * w->p);
	w->scale = palloc0(sizeof(double) * w->p);
	w->eta = work;
	w->r = work + w->n;
	w->c = work + 2 * w->n;
	w->a = palloc(sizeof(double) * w->p);
	w->aD = palloc(sizeof(double) * w->p);
	w->block = palloc(sizeof(double) * COX_BLOCK * w->p);
	if (!w->counting)
	{
		w->pend = palloc(sizeof(double) * COX_BLOCK * w->p);
		w->pend_tag = palloc(sizeof(int32) * COX_BLOCK);
		w->pend_own = palloc(sizeof(double) * COX_BLOCK);
		w->seg_h = palloc(sizeof(double) * (COX_BLOCK + 2));	/* see SettlePending */
		w->s2 = palloc(sizeof(double) * w->p * w->p);
		w->run = palloc(sizeof(double) * w->p * w->p);
	}
}

/* ---- the risk-set pass ---- */

/*
 * The rows of sorted stratum rows [lo, i] that share row i's time: returns the first, g, and
 * sets *nd to the number of events among them (rows g .. g + *nd - 1; events sort first).
 */
static inline int64
TimeGroup(const CoxData *d, int64 lo, int64 i, int32 *nd)
{
	double		t = d->time[i];
	int64		g = i;
	int32		e = 0;

	while (g > lo && d->time[g - 1] == t)
		g--;
	while (g + e <= i && d->status[g + e])
		e++;
	*nd = e;
	return g;
}

/* x_k . beta over p values. */
static inline double
RowDot(const double *xk, const double *beta, int p)
{
	double		s = 0;
	int			j;

	for (j = 0; j < p; j++)
		s += xk[j] * beta[j];
	return s;
}

/*
 * The nd tied events from row g: their risk-weighted covariate sum into aD (reset first),
 * their case-weighted one added to u, their total risk weight *denD and case weight *wD;
 * returns their sum of w eta.  With beta, eta and r are formed here (r also stored in w->r;
 * zero: beta is 0); without, they are read from w->eta and w->r.
 */
static inline double
SumTiedEvents(CoxWork *w, int64 g, int32 nd, const double *beta, bool zero, double *u,
			  double *denD, double *wD)
{
	const CoxData *d = w->d;
	int			p = w->p;
	double		loglik = 0;
	int64		k;
	int			j;

	memset(w->aD, 0, sizeof(double) * p);
	*denD = *wD = 0;
	for (k = g; k < g + nd; k++)
	{
		const double *xk = d->x + k * p;
		double		wk = W(d, k);
		double		eta,
					rk;

		if (beta)
		{
			eta = zero ? 0.0 : RowDot(xk, beta, p);
			rk = zero ? wk : wk * exp(eta);
			w->r[k] = rk;
		}
		else
		{
			eta = w->eta[k];
			rk = w->r[k];
		}
		*denD += rk;
		*wD += wk;
		loglik += wk * eta;
		for (j = 0; j < p; j++)
			w->aD[j] += rk * xk[j];
		if (u)
			for (j = 0; j < p; j++)
				u[j] += wk * xk[j];
	}
	return loglik;
}

/* Start a pass: zero the score and information asked for and the block of a a' rows. */
static inline void
PassStart(CoxWork *w, double *u, double *imat)
{
	if (u)
		memset(u, 0, sizeof(double) * w->p);
	if (imat)
		memset(imat, 0, sizeof(double) * w->p * w->p);
	w->nblock = 0;
}

/*
 * What one event time contributes, given nd tied events of total risk weight denD and case
 * weight wD and the risk weight denom of the others at risk: hf, the hazard weight of a row
 * fully at risk (sum over the Efron denominators D_m of wt / D_m), hd, that of the tied
 * events themselves (with the Efron fractions f_m = m / nd), and the a a' part of the
 * information, sum_m (wt / D_m^2) (a + f_m aD)(a + f_m aD)'.  That part is kept as q^2 times
 * the 2 x 2 Gram [s0 s1; s1 s2] of the vectors a and aD, with q = sqrt(wt) / D_nd and the
 * Gram's entries sums of (D_nd / D_m)^2 (times f_m, f_m^2): all of moderate size even when
 * risk weights are huge, where D_m^2 would overflow (q times a stays moderate).
 */
typedef struct EventTerms
{
	double		loglik;			/* minus the log-denominator terms */
	double		hf;
	double		hd;
	double		q;
	double		s0;
	double		s1;
	double		s2;
	bool		rank1;			/* one denominator (Breslow, or a single event) */
} EventTerms;

/* The terms of one event time (see EventTerms). */
static inline void
EventTimeTerms(CoxTies ties, int32 nd, double denom, double denD, double wD, EventTerms *e)
{
	double		dfull = denom + denD;

	if (ties == COX_BRESLOW || nd == 1)
	{
		e->loglik = -wD * log(dfull);
		e->hf = e->hd = wD / dfull;
		e->q = sqrt(wD) / dfull;
		e->s0 = e->s1 = e->s2 = 1.0;
		e->rank1 = true;
	}
	else
	{
		double		wt = wD / nd;
		int32		m;

		e->loglik = e->hf = e->hd = e->s0 = e->s1 = e->s2 = 0;
		e->q = sqrt(wt) / dfull;
		e->rank1 = false;
		for (m = 1; m <= nd; m++)
		{
			double		f = (double) m / nd;
			double		den = denom + f * denD;
			double		ratio = dfull / den;
			double		c = ratio * ratio;

			e->loglik -= wt * log(den);
			e->hf += wt / den;
			e->hd += wt * f / den;
			e->s0 += c;
			e->s1 += c * f;
			e->s2 += c * f * f;
		}
	}
}

/*
 * Buffer the a a' part of an event time (subtracted from imat) as at most two rows: q times
 * the Cholesky factor of the Gram [s0 s1; s1 s2] applied to (a, aD).  One denominator gives
 * the single row q (a + aD).
 */
static inline void
PushEventRows(CoxWork *w, const EventTerms *e, double *imat)
{
	if (e->rank1)
	{
		PushRow2(w, w->a, w->aD, 1.0, e->q, -1.0, imat);
		return;
	}
	PushRow2(w, w->a, w->aD, e->s1 / e->s0, e->q * sqrt(e->s0), -1.0, imat);
	{
		double		rest = e->s2 - e->s1 * e->s1 / e->s0;

		if (rest > 0)
			PushRow(w, w->aD, e->q * sqrt(rest), -1.0, imat);
	}
}

/*
 * Remove from the running sums every row of stratum rows [lo, ..) whose entry is >= t:
 * counting-process data only.  *ep walks start_order downwards.
 */
static inline void
RemoveEntered(CoxWork *w, int64 lo, int64 *ep, double t, double *denom, int64 *nrisk)
{
	CoxData    *d = w->d;
	int			p = w->p;
	int			j;

	while (*ep >= lo && d->entry[d->start_order[*ep]] >= t)
	{
		int64		k = d->start_order[*ep];
		const double *xk = d->x + k * p;

		(*ep)--;
		if (--(*nrisk) == 0)
		{
			/* nobody left at risk: reset exactly, as agfit4 does */
			*denom = 0;
			for (j = 0; j < p; j++)
				w->a[j] = 0;
		}
		else
		{
			double		rk = w->r[k];

			*denom -= rk;
			for (j = 0; j < p; j++)
				w->a[j] -= rk * xk[j];
		}
	}
}

/* Mean run length from which SettlePending updates run by run. */
#define COX_RUN_ROWS 16

/*
 * The pending rows, in runs of equal weight c (same tag and own weight; seg_h holds the
 * suffix sums): each run's sum of y y' goes into s2 and, times c, into imat.
 */
static void
SettleRuns(CoxWork *w, double *imat)
{
	int			p = w->p;
	int			q0 = 0,
				q1,
				i,
				j;

	while (q0 < w->npend)
	{
		double		c = w->pend_own[q0] + w->seg_h[w->pend_tag[q0]];

		q1 = q0 + 1;
		while (q1 < w->npend && w->pend_tag[q1] == w->pend_tag[q0] &&
			   w->pend_own[q1] == w->pend_own[q0])
			q1++;
		memset(w->run, 0, sizeof(double) * p * p);
		linalg_syrk_rows(p, q1 - q0, 1.0, w->pend + q0 * p, w->run);
		for (j = 0; j < p; j++)
			for (i = 0; i <= j; i++)
			{
				w->s2[i + j * p] += w->run[i + j * p];
				if (c > 0)
					imat[i + j * p] += c * w->run[i + j * p];
			}
		q0 = q1;
	}
}

/*
 * Checkpoint of the one-sweep pass: settle the pending rows.  Every event time of the
 * segment saw the checkpointed rows (s2) in full, so imat gains seg_hsum * s2; a pending row
 * was at risk for the segment's event times from its tag on (a suffix sum of seg_h) plus
 * its own tied event (pend_own), so imat gains its row scaled by the square root of that
 * weight.  Then the pending rows join s2 and a new segment starts.  When the rows come in
 * long runs of one weight (heavy ties), SettleRuns does the same with one update per run.
 */
static void
SettlePending(CoxWork *w, double *imat)
{
	int			p = w->p;
	int			q,
				m = 0,
				e,
				j;
	double		suffix = 0;

	if (w->seg_hsum > 0)
	{
		int			i;

		/* upper triangle only; symmetrized at the end of the pass */
		for (j = 0; j < p; j++)
			for (i = 0; i <= j; i++)
				imat[i + j * p] += w->seg_hsum * w->s2[i + j * p];
	}
	if (w->npend > 0)
	{
		int			nruns = 1;

		w->seg_h[w->nseg] = 0;
		for (e = w->nseg - 1; e >= 0; e--)
		{
			suffix += w->seg_h[e];
			w->seg_h[e] = suffix;
		}
		for (q = 1; q < w->npend; q++)
			nruns += (w->pend_tag[q] != w->pend_tag[q - 1] ||
					  w->pend_own[q] != w->pend_own[q - 1]);
		if (nruns * COX_RUN_ROWS <= w->npend)
		{
			/* long runs of rows with one weight (heavy ties): one rank-k update per run */
			SettleRuns(w, imat);
			w->npend = 0;
			w->nseg = 0;
			w->seg_hsum = 0;
			return;
		}
		linalg_syrk_rows(p, w->npend, 1.0, w->pend, w->s2);
		for (q = 0; q < w->npend; q++)
		{
			double		c = w->pend_own[q] + w->seg_h[w->pend_tag[q]];

			if (c > 0)
			{
				double		f = sqrt(c);
				const double *src = w->pend + q * p;
				double	   *dst = w->pend + m * p;

				for (j = 0; j < p; j++)
					dst[j] = f * src[j];
				m++;
			}
		}
		linalg_syrk_rows(p, m, 1.0, w->pend, imat);
	}
	w->npend = 0;
	w->nseg = 0;
	w->seg_hsum = 0;
}

/* Add row x_k with risk weight rk (and own-event hazard weight own) to the pending rows. */
static inline void
PendRow(CoxWork *w, const double *xk, double rk, double own, double *imat)
{
	double	   *dst;
	double		f = sqrt(rk);
	int			j;

	if (w->npend == COX_BLOCK)
		SettlePending(w, imat);
	dst = w->pend + w->npend * w->p;
	for (j = 0; j < w->p; j++)
		dst[j] = f * xk[j];
	w->pend_tag[w->npend] = w->nseg;
	w->pend_own[w->npend] = own;
	w->npend++;
}

/*
 * RiskSetPass for right-censored data in one backward sweep, one read of x.  The
 * information's sum_i r_i C_i x_i x_i' is regrouped by event time: event time t adds
 * hfull_t S2(t) + hdeath_t D2(t), with S2(t) the sum of r x x' over the others at risk and
 * D2(t) over its tied events.  S2(t) is the checkpointed sum s2 plus the pending rows
 * (fewer than COX_BLOCK, still in cache): each event time records its hfull, and
 * SettlePending gives every pending row the weight of the event times it was at risk for
 * (a sum of positive terms, as R's cumulative sums are), then folds the rows into s2 with one
 * dsyrk.  The score needs no row pass: event time t subtracts hfull_t a(t) + hdeath_t aD(t).
 * The risk scores r_i = w_i exp(x_i beta) are formed as the sweep reaches each row.
 */
static double
RiskSetPassRight(CoxWork *w, const double *beta, double *u, double *imat)
{
	CoxData    *d = w->d;
	int			p = w->p;
	int64		i,
				k,
				done = 0;
	int			j,
				s;
	double		loglik = 0;
	bool		zero = true;	/* beta = 0 (the first pass): every eta is 0 */

	for (j = 0; j < p; j++)
		zero &= (beta[j] == 0);
	PassStart(w, u, imat);

	for (s = 0; s < d->nstrata; s++)
	{
		int64		lo = d->stratum_first[s],
					hi = d->stratum_first[s + 1];
		double		denom = 0;

		CHECK_FOR_INTERRUPTS();
		memset(w->a, 0, sizeof(double) * p);
		if (imat)
			memset(w->s2, 0, sizeof(double) * p * p);
		w->npend = 0;
		w->nseg = 0;
		w->seg_hsum = 0;

		i = hi - 1;
		while (i >= lo)
		{
			int32		nd;
			int64		g = TimeGroup(d, lo, i, &nd);

			/* rows censored at this time are at risk at it */
			for (k = g + nd; k <= i; k++)
			{
				const double *xk = d->x + k * p;
				double		rk = zero ? W(d, k) : W(d, k) * exp(RowDot(xk, beta, p));

				denom += rk;
				for (j = 0; j < p; j++)
					w->a[j] += rk * xk[j];
				if (imat)
					PendRow(w, xk, rk, 0.0, imat);
			}
			if (nd > 0)
			{
				double		denD,
							wD;
				EventTerms	et;

				loglik += SumTiedEvents(w, g, nd, beta, zero, u, &denD, &wD);
				EventTimeTerms(w->ties, nd, denom, denD, wD, &et);
				loglik += et.loglik;
				if (u)
					for (j = 0; j < p; j++)
						u[j] -= et.hf * w->a[j] + et.hd * w->aD[j];
				if (imat)
				{
					PushEventRows(w, &et, imat);
					w->seg_h[w->nseg++] = et.hf;
					w->seg_hsum += et.hf;
					for (k = g; k < g + nd; k++)
						PendRow(w, d->x + k * p, w->r[k], et.hd, imat);
				}
				denom += denD;
				for (j = 0; j < p; j++)
					w->a[j] += w->aD[j];
			}
			done += i - g + 1;
			if (done >= 0x10000)
			{
				CHECK_FOR_INTERRUPTS();
				done = 0;
			}
			i = g - 1;
		}
		if (imat)
			SettlePending(w, imat);
	}
	if (imat)
	{
		FlushBlock(w, -1.0, imat);
		linalg_symmetrize(p, imat);
	}
	return loglik;
}

/*
 * Log-likelihood, score u and information imat at beta (internal scale); u and imat may be
 * NULL (log-likelihood only).  Right-censored data go through RiskSetPassRight; the sweeps
 * below serve (start, stop] data.
 *
 * Per stratum: a backward sweep (decreasing time) forms the denominators, the log-likelihood,
 * the a a' part of imat and each event time's hazard weights hfull and hdeath, stored at the
 * time's first row (workspace slots 3 and 4, so no memory proportional to the number of event
 * times is allocated); a forward sweep then cumulates them into each row's C_i exactly as R's
 * sums do (no subtraction of large cumulative values, which matters when risk weights are
 * huge, as in a monotone likelihood), subtracts r_i C_i x_i from u and adds r_i C_i x_i x_i'
 * to imat, one read of each row.
 */
static double
RiskSetPass(CoxWork *w, const double *beta, double *u, double *imat)
{
	CoxData    *d = w->d;
	int			p = w->p;
	int64		n = w->n,
				i,
				k;
	int			j,
				s;
	double		loglik = 0;
	double	   *work,
			   *hfull,
			   *hdeath,
			   *hthrough;

	if (!w->counting)
		return RiskSetPassRight(w, beta, u, imat);
	work = CoxWorkspace(d, COX_WORK_SLOTS);
	hfull = work + 3 * n;		/* per event time, at its first row */
	hdeath = work + 4 * n;
	hthrough = work + 5 * n;	/* H up to each row's time */
	linalg_rows_dot(n, p, d->x, beta, w->eta);
	for (i = 0; i < n; i++)
		w->r[i] = W(d, i) * exp(w->eta[i]);
	PassStart(w, u, imat);

	for (s = 0; s < d->nstrata; s++)
	{
		int64		lo = d->stratum_first[s],
					hi = d->stratum_first[s + 1];
		int64		ep = hi - 1;
		int64		nrisk = 0;
		double		denom = 0;

		CHECK_FOR_INTERRUPTS();
		memset(w->a, 0, sizeof(double) * p);

		/* backward sweep: denominators, hazards, the a a' part of imat */
		i = hi - 1;
		while (i >= lo)
		{
			double		t = d->time[i];
			int32		nd;
			int64		g = TimeGroup(d, lo, i, &nd);

			if (w->counting)
				RemoveEntered(w, lo, &ep, t, &denom, &nrisk);
			/* rows censored at t are at risk at t */
			for (k = g + nd; k <= i; k++)
			{
				const double *xk = d->x + k * p;
				double		rk = w->r[k];

				denom += rk;
				for (j = 0; j < p; j++)
					w->a[j] += rk * xk[j];
				nrisk++;
			}
			if (nd > 0)
			{
				double		denD,
							wD;
				EventTerms	et;

				loglik += SumTiedEvents(w, g, nd, NULL, false, u, &denD, &wD);
				nrisk += nd;
				EventTimeTerms(w->ties, nd, denom, denD, wD, &et);
				loglik += et.loglik;
				if (imat)
					PushEventRows(w, &et, imat);
				hfull[g] = et.hf;
				hdeath[g] = et.hd;
				denom += denD;
				for (j = 0; j < p; j++)
					w->a[j] += w->aD[j];
			}
			i = g - 1;
		}
		if (imat)
			FlushBlock(w, -1.0, imat);
		if (u == NULL && imat == NULL)
			continue;

		/*
		 * forward sweep: C_i = hazard weight of the event times before the row's time, plus
		 * hfull (at risk) or hdeath (its own tied event) at its time; (start, stop] rows
		 * subtract the weight up to their entry time.
		 */
		{
			double		hbefore = 0;	/* cumulative hfull of event times before t */
			int64		g = lo;			/* first row of the current time */
			bool		evtime = false;

			for (k = lo; k < hi; k++)
			{
				double		ck;

				if (k == lo || d->time[k] != d->time[k - 1])
				{
					if (evtime)
						hbefore += hfull[g];
					g = k;
					evtime = d->status[k];	/* events sort first within a time */
				}
				ck = hbefore;
				if (evtime)
					ck += d->status[k] ? hdeath[g] : hfull[g];
				if (w->counting)
				{
					hthrough[k] = hbefore + (evtime ? hfull[g] : 0.0);
					if (d->entry[k] > -INFINITY && d->entry[k] >= d->time[lo])
					{
						/* the last row whose time <= entry (rows before g have time < t) */
						int64		lo2 = lo,
									hi2 = g;

						while (lo2 < hi2)
						{
							int64		mid = lo2 + (hi2 - lo2) / 2;

							if (d->time[mid] <= d->entry[k])
								lo2 = mid + 1;
							else
								hi2 = mid;
						}
						if (lo2 > lo)
							ck -= hthrough[lo2 - 1];
					}
				}
				w->c[k] = w->r[k] * ck;
				if (u)
				{
					const double *xk = d->x + k * p;
					double		vk = w->c[k];

					for (j = 0; j < p; j++)
						u[j] -= vk * xk[j];
				}
				if (imat && w->c[k] > 0)
					PushRow(w, d->x + k * p, sqrt(w->c[k]), 1.0, imat);
				if ((k & 0xFFFF) == 0)
					CHECK_FOR_INTERRUPTS();
			}
			if (imat)
				FlushBlock(w, 1.0, imat);
		}
	}
	if (imat)
		linalg_symmetrize(p, imat);
	return loglik;
}

/* ---- tests ---- */

/*
 * b' A^- b with A^- the inverse of A restricted to the columns the cholesky2 rule keeps (R's
 * coxph.wtest and the score test).  *rank receives the number of kept columns.
 */
double
CoxQuadraticTest(int p, const double *A, const double *b, double toler, int *rank)
{
	bool	   *aliased = palloc(sizeof(bool) * Max(p, 1));
	double	   *x = palloc(sizeof(double) * Max(p, 1));
	double		stat = 0;
	int			j,
				r;

	r = linalg_find_aliased(p, A, toler, aliased);
	memcpy(x, b, sizeof(double) * p);
	if (r > 0)
		linalg_spd_solve(p, A, aliased, x, "the variance matrix of a test");
	else
		memset(x, 0, sizeof(double) * p);
	for (j = 0; j < p; j++)
		stat += b[j] * x[j];
	if (rank)
		*rank = r;
	pfree(aliased);
	pfree(x);
	return stat;
}

/* ---- Newton-Raphson ---- */

/* Any non-finite value among n doubles? */
static bool
AnyNonFinite(const double *v, int64 n)
{
	int64		i;

	for (i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return true;
	return false;
}

/* NOTICE per iteration when clinnova.verbose is on. */
static void
ReportIteration(int iter, double loglik, int halving)
{
	if (clinnova_verbose)
		ereport(NOTICE,
				(errmsg("coxph iteration %d: log-likelihood %.10g%s", iter, loglik,
						halving ? " (step halving)" : "")));
}

/* beta + solve(imat, u) on the kept columns. */
static void
NewtonStep(int p, const double *imat, const bool *aliased, const double *u,
		   const double *beta, double *next)
{
	double	   *step = palloc(sizeof(double) * p);
	int			j;

	memcpy(step, u, sizeof(double) * p);
	linalg_spd_solve(p, imat, aliased, step, "the information matrix");
	for (j = 0; j < p; j++)
		next[j] = beta[j] + step[j];
	pfree(step);
}

/* Invert the information on its kept columns into var (aliased rows and columns 0). */
static void
InvertInfo(int p, const double *imat, const bool *aliased, double *var)
{
	int			j,
				kept = 0;

	memcpy(var, imat, sizeof(double) * p * p);
	for (j = 0; j < p; j++)
		kept += !aliased[j];
	if (kept > 0)
		linalg_spd_inverse(p, var, aliased, "the information matrix");
	else
		memset(var, 0, sizeof(double) * p * p);
}

/*
 * Newton-Raphson as coxfit6 (right-censored data): returns the final loglik; beta, imat, u,
 * aliased describe the returned solution; loglik0 and the score test are at beta = 0.
 */
static double
NewtonCoxfit6(CoxWork *w, const CoxOptions *o, double *beta, double *u, double *imat,
			  bool *aliased, double *loglik0, double *score, int *iter, bool *converged)
{
	int			p = w->p;
	double	   *newbeta = palloc0(sizeof(double) * p);
	double	   *evalbeta = palloc0(sizeof(double) * p);	/* where u, imat were computed */
	double		best,
				newlk = 0;
	int			halving = 0;
	int			it;

	memset(beta, 0, sizeof(double) * p);
	*loglik0 = RiskSetPass(w, beta, u, imat);
	linalg_find_aliased(p, imat, o->toler_chol, aliased);
	*score = CoxQuadraticTest(p, imat, u, o->toler_chol, NULL);
	*converged = false;
	*iter = 0;
	ReportIteration(0, *loglik0, 0);
	if (o->max_iter == 0 || !isfinite(*loglik0))
		return *loglik0;

	best = *loglik0;
	NewtonStep(p, imat, aliased, u, beta, newbeta);
	for (it = 1; it <= o->max_iter; it++)
	{
		bool		notfinite;

		CHECK_FOR_INTERRUPTS();
		newlk = RiskSetPass(w, newbeta, u, imat);
		memcpy(evalbeta, newbeta, sizeof(double) * p);
		notfinite = !isfinite(newlk) || AnyNonFinite(u, p) || AnyNonFinite(imat, (int64) p * p);
		if (!notfinite)
			linalg_find_aliased(p, imat, o->toler_chol, aliased);
		ReportIteration(it, newlk, halving);
		/* equal log-likelihoods converge (R's test is 0/0 when both are 0, e.g. one row) */
		if (!notfinite && (newlk == best || fabs(1.0 - best / newlk) <= o->eps))
		{
			memcpy(beta, newbeta, sizeof(double) * p);
			*converged = true;
			*iter = it;
			pfree(newbeta);
			pfree(evalbeta);
			return newlk;
		}
		if (notfinite || newlk < best)
		{
			int			j;

			halving++;
			for (j = 0; j < p; j++)
				newbeta[j] = (newbeta[j] + halving * beta[j]) / (halving + 1.0);
		}
		else
		{
			halving = 0;
			best = newlk;
			memcpy(beta, newbeta, sizeof(double) * p);
			NewtonStep(p, imat, aliased, u, beta, newbeta);
		}
	}
	/* ran out of iterations: report the last accepted beta with its own u and imat */
	*iter = o->max_iter + 1;
	if (memcmp(evalbeta, beta, sizeof(double) * p) != 0 || !isfinite(newlk))
		newlk = RiskSetPass(w, beta, u, imat);
	linalg_find_aliased(p, imat, o->toler_chol, aliased);
	pfree(newbeta);
	pfree(evalbeta);
	return newlk;
}

/* Newton-Raphson as agfit4 ((start, stop] data); same outputs as NewtonCoxfit6. */
static double
NewtonAgfit4(CoxWork *w, const CoxOptions *o, double *beta, double *u, double *imat,
			 bool *aliased, double *loglik0, double *score, int *iter, bool *converged)
{
	int			p = w->p;
	double	   *oldbeta = palloc0(sizeof(double) * p);
	bool	   *al2 = palloc(sizeof(bool) * p);
	double		best,
				newlk;
	int			halving = 0;
	int			rank0,
				it,
				j;

	memset(beta, 0, sizeof(double) * p);
	newlk = RiskSetPass(w, beta, u, imat);
	*loglik0 = best = newlk;
	rank0 = linalg_find_aliased(p, imat, o->toler_chol, aliased);
	*score = CoxQuadraticTest(p, imat, u, o->toler_chol, NULL);
	*converged = false;
	*iter = 0;
	ReportIteration(0, newlk, 0);
	if (o->max_iter == 0 || !isfinite(newlk))
		return newlk;
	NewtonStep(p, imat, aliased, u, beta, beta);

	for (it = 1; it <= o->max_iter; it++)
	{
		int			fail = 0,
					rank2;

		CHECK_FOR_INTERRUPTS();
		*iter = it;
		newlk = RiskSetPass(w, beta, u, imat);
		for (j = 0; j < p; j++)
			if (!isfinite(imat[j + j * p]))
				fail++;
		rank2 = fail ? 0 : linalg_find_aliased(p, imat, o->toler_chol, al2);
		fail += !isfinite(newlk) + abs(rank0 - rank2);
		ReportIteration(it, newlk, halving);
		if (fail == 0 && halving == 0 && (newlk == best || fabs(1.0 - best / newlk) <= o->eps))
		{
			memcpy(aliased, al2, sizeof(bool) * p);
			*converged = true;
			break;
		}
		if (it == o->max_iter)
		{
			if (o->max_iter > 1 && (newlk - best) / fabs(best) < -o->eps)
			{
				memcpy(beta, oldbeta, sizeof(double) * p);
				newlk = RiskSetPass(w, beta, u, imat);
			}
			linalg_find_aliased(p, imat, o->toler_chol, aliased);
			break;
		}
		if (fail > 0 || newlk < best)
		{
			halving++;
			for (j = 0; j < p; j++)
				beta[j] = (oldbeta[j] * halving + beta[j]) / (halving + 1.0);
		}
		else
		{
			halving = 0;
			best = newlk;
			memcpy(aliased, al2, sizeof(bool) * p);
			memcpy(oldbeta, beta, sizeof(double) * p);
			NewtonStep(p, imat, aliased, u, oldbeta, beta);
		}
	}
	pfree(oldbeta);
	pfree(al2);
	return newlk;
}

/* ---- robust (sandwich) variance ---- */

/*
 * Score residuals (R's residuals(type = "score")) times the case weight, summed per cluster,
 * give the robust variance V B V with B = sum_c D_c D_c'.  Per row (right-censored data):
 *
 *   resid_i = event_i (x_i - M3_t) - e_i (x_i C'_i - S_i)
 *
 * with e_i = exp(eta_i), C'_i the row's cumulative hazard weight (Efron fraction at its own
 * event), S_i the matching cumulative sum of hazard-weighted risk-set means, M3_t the mean of
 * the Efron means at the row's event time.  The per-event-time increments M1_t are stored (p
 * per event time) because S_i cumulates them forwards while risk sets are built backwards;
 * Efron's M2_t and M3_t are stored only for tied event times.  The forward sweep keeps a
 * running sum, so no cumulative value is ever recovered by subtraction (except at the entry
 * time of (start, stop] rows, which is the definition there).
 * Returns B (p x p) and, through *usum, the column sums of the weighted residuals.
 */
static void
ScoreResidualCrossprod(CoxWork *w, const double *beta, double *B, double *usum)
{
	CoxData    *d = w->d;
	int			p = w->p;
	int64		i,
				nev = 0;
	int			j,
				s;
	EventTime  *ev;
	int64	   *ev_first = palloc0(sizeof(int64) * (d->nstrata + 1));
	double	   *M1,
			   *M2,
			   *M3,
			   *M1cum = NULL;
	int64	   *tied_index;
	int64		ntied = 0;
	int			nclusters = CoxDataClusterCount(d);
	double	   *Dc = NULL;
	double	   *resid = palloc(sizeof(double) * p);
	double	   *S = palloc(sizeof(double) * p);
	double	   *Sbefore = palloc(sizeof(double) * p);

	linalg_rows_dot(w->n, p, d->x, beta, w->eta);
	for (i = 0; i < w->n; i++)
		w->r[i] = W(d, i) * exp(w->eta[i]);

	/* event times per stratum (events sort first within a time) */
	for (s = 0; s < d->nstrata; s++)
	{
		ev_first[s] = nev;
		for (i = d->stratum_first[s]; i < d->stratum_first[s + 1]; i++)
			if (d->status[i] && (i == d->stratum_first[s] || d->time[i] != d->time[i - 1]))
				nev++;
	}
	ev_first[d->nstrata] = nev;
	ev = CoxAlloc(Max(nev, 1), sizeof(EventTime), false);
	M1 = CoxAlloc(Max(nev, 1) * (int64) p, sizeof(double), true);
	tied_index = CoxAlloc(Max(nev, 1), sizeof(int64), false);

	/* first sweep: the hazards and tie sizes of each event time */
	for (s = 0; s < d->nstrata; s++)
	{
		int64		lo = d->stratum_first[s],
					hi = d->stratum_first[s + 1];
		int64		ep = hi - 1,
					nrisk = 0,
					e = ev_first[s + 1] - 1;
		double		denom = 0;

		i = hi - 1;
		while (i >= lo)
		{
			double		t = d->time[i];
			int64		g,
						k;
			int32		nd;

			g = TimeGroup(d, lo, i, &nd);
			if (w->counting)
				RemoveEntered(w, lo, &ep, t, &denom, &nrisk);
			for (k = g + nd; k <= i; k++)
			{
				denom += w->r[k];
				nrisk++;
			}
			if (nd > 0)
			{
				double		denD = 0,
							wD = 0;
				EventTerms	et;

				for (k = g; k < g + nd; k++)
				{
					denD += w->r[k];
					wD += W(d, k);
					nrisk++;
				}
				EventTimeTerms(w->ties, nd, denom, denD, wD, &et);
				ev[e].time = t;
				ev[e].nevent = nd;
				ev[e].hfull = et.hf;
				ev[e].hdeath = et.hd;
				e--;
				denom += denD;
			}
			i = g - 1;
		}
		{
			double		h = 0;
			int64		k;

			for (k = ev_first[s]; k < ev_first[s + 1]; k++)
			{
				h += ev[k].hfull;
				ev[k].hafter = h;
			}
		}
	}
	for (i = 0; i < nev; i++)
	{
		tied_index[i] = -1;
		if (w->ties == COX_EFRON && ev[i].nevent > 1)
			tied_index[i] = ntied++;
	}
	M2 = CoxAlloc(Max(ntied, 1) * (int64) p, sizeof(double), true);
	M3 = CoxAlloc(Max(ntied, 1) * (int64) p, sizeof(double), true);

	/* second sweep: the hazard-weighted risk-set means of each event time */
	for (s = 0; s < d->nstrata; s++)
	{
		int64		lo = d->stratum_first[s],
					hi = d->stratum_first[s + 1];
		int64		ep = hi - 1,
					nrisk = 0,
					e = ev_first[s + 1] - 1;
		double		denom = 0;

		CHECK_FOR_INTERRUPTS();
		memset(w->a, 0, sizeof(double) * p);
		i = hi - 1;
		while (i >= lo)
		{
			double		t = d->time[i];
			int64		g,
						k;
			int32		nd;

			g = TimeGroup(d, lo, i, &nd);
			if (w->counting)
				RemoveEntered(w, lo, &ep, t, &denom, &nrisk);
			for (k = g + nd; k <= i; k++)
			{
				denom += w->r[k];
				for (j = 0; j < p; j++)
					w->a[j] += w->r[k] * d->x[k * p + j];
				nrisk++;
			}
			if (nd > 0)
			{
				double		denD = 0,
							wD = 0;
				double	   *m1 = M1 + e * p;

				Assert(ev[e].time == t);
				memset(w->aD, 0, sizeof(double) * p);
				for (k = g; k < g + nd; k++)
				{
					denD += w->r[k];
					wD += W(d, k);
					for (j = 0; j < p; j++)
						w->aD[j] += w->r[k] * d->x[k * p + j];
					nrisk++;
				}
				if (w->ties == COX_BRESLOW || nd == 1)
				{
					double		den = denom + denD;

					for (j = 0; j < p; j++)
						m1[j] = (wD / den) * ((w->a[j] + w->aD[j]) / den);
				}
				else
				{
					double		wt = wD / nd;
					double	   *m2 = M2 + tied_index[e] * p;
					double	   *m3 = M3 + tied_index[e] * p;
					int32		m;

					for (m = 1; m <= nd; m++)
					{
						double		f = (double) m / nd;
						double		den = denom + f * denD;
						double		h = wt / den;

						for (j = 0; j < p; j++)
						{
							double		mj = (w->a[j] + f * w->aD[j]) / den;

							m1[j] += h * mj;
							m2[j] += h * f * mj;
							m3[j] += mj / nd;
						}
					}
				}
				denom += denD;
				for (j = 0; j < p; j++)
					w->a[j] += w->aD[j];
				e--;
			}
			i = g - 1;
		}
	}

	/*
	 * Counting-process rows subtract the cumulative sums at their entry time, which needs
	 * random access: keep a cumulative copy of M1 then.
	 */
	if (w->counting)
	{
		M1cum = CoxAlloc(Max(nev, 1) * (int64) p, sizeof(double), false);
		for (s = 0; s < d->nstrata; s++)
		{
			int64		k;

			for (k = ev_first[s]; k < ev_first[s + 1]; k++)
				for (j = 0; j < p; j++)
					M1cum[k * p + j] = M1[k * p + j] +
						(k > ev_first[s] ? M1cum[(k - 1) * p + j] : 0.0);
		}
	}

	memset(B, 0, sizeof(double) * p * p);
	memset(usum, 0, sizeof(double) * p);
	if (d->cluster)
		Dc = CoxAlloc((int64) Max(nclusters, 1) * p, sizeof(double), true);
	w->nblock = 0;

	for (s = 0; s < d->nstrata; s++)
	{
		int64		lo = d->stratum_first[s],
					hi = d->stratum_first[s + 1];
		int64		e = ev_first[s],
					eend = ev_first[s + 1];
		double		hbefore = 0;

		CHECK_FOR_INTERRUPTS();
		memset(Sbefore, 0, sizeof(double) * p);
		for (i = lo; i < hi; i++)
		{
			double		t = d->time[i];
			double		ei = exp(w->eta[i]);
			double		wi = W(d, i);
			double		ci = hbefore;
			const double *xi = d->x + i * p;
			bool		own = false;	/* the row's event is at this event time */

			/* event times strictly before t: running sums */
			while (e < eend && ev[e].time < t)
			{
				for (j = 0; j < p; j++)
					Sbefore[j] += M1[e * p + j];
				hbefore = ev[e].hafter;
				e++;
			}
			ci = hbefore;
			memcpy(S, Sbefore, sizeof(double) * p);
			if (e < eend && ev[e].time == t)
			{
				own = d->status[i];
				if (own && tied_index[e] >= 0)
				{
					for (j = 0; j < p; j++)
						S[j] += M2[tied_index[e] * p + j];
					ci += ev[e].hdeath;
				}
				else
				{
					for (j = 0; j < p; j++)
						S[j] += M1[e * p + j];
					ci += own ? ev[e].hdeath : ev[e].hfull;
				}
			}
			if (w->counting && d->entry[i] > -INFINITY)
			{
				int64		lo2 = ev_first[s],
							hi2 = eend;

				while (lo2 < hi2)
				{
					int64		mid = lo2 + (hi2 - lo2) / 2;

					if (ev[mid].time <= d->entry[i])
						lo2 = mid + 1;
					else
						hi2 = mid;
				}
				if (lo2 > ev_first[s])
				{
					ci -= ev[lo2 - 1].hafter;
					for (j = 0; j < p; j++)
						S[j] -= M1cum[(lo2 - 1) * p + j];
				}
			}
			for (j = 0; j < p; j++)
				resid[j] = -ei * (xi[j] * ci - S[j]);
			if (own)
			{
				if (tied_index[e] >= 0)
					for (j = 0; j < p; j++)
						resid[j] += xi[j] - M3[tied_index[e] * p + j];
				else
				{
					/* untied or Breslow: the risk-set mean at t is M1_t / h_t */
					for (j = 0; j < p; j++)
						resid[j] += xi[j] - M1[e * p + j] / ev[e].hfull;
				}
			}
			for (j = 0; j < p; j++)
			{
				resid[j] *= wi;
				usum[j] += resid[j];
			}
			if (Dc && d->cluster[i] >= 0)
			{
				double	   *dc = Dc + (int64) d->cluster[i] * p;

				for (j = 0; j < p; j++)
					dc[j] += resid[j];
			}
			else
				PushRow(w, resid, 1.0, 1.0, B);
		}
	}
	if (Dc)
	{
		int			c;

		for (c = 0; c < nclusters; c++)
			PushRow(w, Dc + (int64) c * p, 1.0, 1.0, B);
		pfree(Dc);
	}
	FlushBlock(w, 1.0, B);
	linalg_symmetrize(p, B);
	pfree(M1);
	pfree(M2);
	pfree(M3);
	if (M1cum)
		pfree(M1cum);
	pfree(tied_index);
	pfree(ev);
	pfree(ev_first);
	pfree(resid);
	pfree(S);
	pfree(Sbefore);
}

/* ---- warnings ---- */

/* Comma-separated names of the flagged terms. */
static char *
FlaggedNames(const CoxOptions *o, const bool *flag, int p)
{
	StringInfoData buf;
	int			j;

	initStringInfo(&buf);
	for (j = 0; j < p; j++)
		if (flag[j])
		{
			if (buf.len > 0)
				appendStringInfoString(&buf, ", ");
			appendStringInfoString(&buf, CoxTermName(o, j));
		}
	return buf.data;
}

/*
 * R's convergence warnings: ran out of iterations, or the log-likelihood converged while a
 * coefficient is still moving (monotone likelihood: the estimate is infinite).
 */
static void
ConvergenceWarnings(const CoxOptions *o, const CoxFitResult *fit, int64 n)
{
	int			p = fit->p;
	bool	   *flag = palloc0(sizeof(bool) * p);
	bool		any = false;
	int64		i;
	int			j,
				k;

	if (o->max_iter <= 1)
		return;
	if (!fit->converged)
	{
		bool		infinite = false;

		ereport(WARNING,
				(errmsg("coxph ran out of iterations and did not converge"),
				 errdetail("The log-likelihood still changed after %d iterations (max_iter = %d).",
						   o->max_iter, o->max_iter),
				 errhint("Raise \"max_iter\" in the options, or look for a covariate that separates events from non-events.")));
		if (!fit->counting)
		{
			for (j = 0; j < p; j++)
			{
				double		inf = 0;

				for (k = 0; k < p; k++)
					inf += fit->u[k] * fit->var[k + j * p];
				if (!isfinite(inf))
					infinite = true;
			}
			for (i = 0; i < n && !infinite; i++)
				if (fit->lp[i] > 500)
					infinite = true;
			if (infinite)
				ereport(WARNING,
						(errmsg("one or more coefficients may be infinite")));
		}
		return;
	}
	for (j = 0; j < p; j++)
	{
		double		inf = 0;

		for (k = 0; k < p; k++)
			inf += fit->u[k] * fit->var[k + j * p];
		inf = fabs(inf);
		if (fit->counting)
			flag[j] = !isfinite(fit->u[j]) || inf > o->toler_inf * (1 + fabs(fit->coef[j]));
		else
			flag[j] = !isfinite(fit->u[j]) || (inf > o->eps && inf > o->toler_inf * fabs(fit->coef[j]));
		any = any || flag[j];
	}
	if (any)
		ereport(WARNING,
				(errmsg("loglik converged before variable %s; coefficient may be infinite",
						FlaggedNames(o, flag, p)),
				 errdetail("The partial likelihood keeps increasing as the coefficient grows (monotone likelihood)."),
				 errhint("A covariate may separate the events perfectly; the reported estimate and its standard error are not meaningful.")));
	pfree(flag);
}

/* ---- entry points ---- */

/*
 * Fit a Cox model to prepared data d with options o.  x is centred and scaled in place for
 * the fit and left holding x - means; fit->lp, the linear predictor (x - means) . coef of
 * every sorted row, is workspace slot 0.
 */
void
CoxFit(CoxData *d, const CoxOptions *o, CoxFitResult *fit)
{
	CoxWork		w;
	int			p = d->p;
	int64		i;
	int			j,
				k;
	double	   *beta = palloc0(sizeof(double) * p);
	double	   *u = palloc0(sizeof(double) * p);
	double	   *imat = palloc0(sizeof(double) * p * p);
	bool	   *aliased = palloc0(sizeof(bool) * p);
	int			nkept;

	Assert(d->prepared);
	WorkInit(&w, d, o->ties);
	memset(fit, 0, sizeof(*fit));
	fit->p = p;
	fit->counting = w.counting;
	fit->nevents = d->nevents;

	/* means as R reports them (coxph.fit: weighted; agreg.fit: unweighted column means) */
	fit->means = palloc0(sizeof(double) * p);
	if (w.counting)
	{
		for (i = 0; i < d->n; i++)
			for (j = 0; j < p; j++)
				fit->means[j] += d->x[i * p + j];
		for (j = 0; j < p; j++)
			fit->means[j] = d->pm1[j] ? 0.0 : fit->means[j] / d->n;
	}
	CenterAndScale(&w, true);
	if (!w.counting)
		memcpy(fit->means, w.center, sizeof(double) * p);

	if (w.counting)
		fit->loglik = NewtonAgfit4(&w, o, beta, u, imat, aliased, &fit->loglik0,
								   &fit->score_test, &fit->iterations, &fit->converged);
	else
		fit->loglik = NewtonCoxfit6(&w, o, beta, u, imat, aliased, &fit->loglik0,
									&fit->score_test, &fit->iterations, &fit->converged);

	/* variance and coefficients on the original scale */
	fit->var = palloc(sizeof(double) * p * p);
	InvertInfo(p, imat, aliased, fit->var);
	fit->coef = palloc(sizeof(double) * p);
	fit->u = palloc(sizeof(double) * p);
	fit->aliased = aliased;
	for (j = 0; j < p; j++)
	{
		if (aliased[j])
			beta[j] = 0.0;
		fit->coef[j] = beta[j] * w.scale[j];
		fit->u[j] = u[j] / w.scale[j];
		for (k = 0; k < p; k++)
			fit->var[j + k * p] *= w.scale[j] * w.scale[k];
	}

	/* robust variance (R: weights not integer, or clusters) */
	fit->robust = o->robust == 1 ||
		(o->robust < 0 && (!d->integer_weights || d->cluster != NULL));
	fit->robust_score_test = NAN;
	nkept = 0;
	for (j = 0; j < p; j++)
		nkept += !aliased[j];
	if (fit->robust && nkept > 0)
	{
		double	   *B = palloc(sizeof(double) * p * p);
		double	   *usum = palloc(sizeof(double) * p);
		double	   *Vint = palloc(sizeof(double) * p * p);
		double	   *tmp = palloc(sizeof(double) * p * p);
		double	   *zero = palloc0(sizeof(double) * p);

		/* internal-scale naive variance */
		InvertInfo(p, imat, aliased, Vint);
		ScoreResidualCrossprod(&w, beta, B, usum);
		/* robust = V B V */
		linalg_gemm(false, false, p, p, p, 1.0, Vint, B, 0.0, tmp);
		fit->robust_var = palloc(sizeof(double) * p * p);
		linalg_gemm(false, false, p, p, p, 1.0, tmp, Vint, 0.0, fit->robust_var);
		for (j = 0; j < p; j++)
			for (k = 0; k < p; k++)
				fit->robust_var[j + k * p] *= w.scale[j] * w.scale[k];
		linalg_symmetrize(p, fit->robust_var);
		/* robust score test at beta = 0 */
		ScoreResidualCrossprod(&w, zero, B, usum);
		fit->robust_score_test = CoxQuadraticTest(p, B, usum, o->toler_chol, NULL);
		pfree(B);
		pfree(usum);
		pfree(Vint);
		pfree(tmp);
		pfree(zero);
	}
	else
		fit->robust = fit->robust && nkept > 0;

	/* Wald test on the non-aliased coefficients with the variance the model reports */
	{
		const double *V = fit->robust ? fit->robust_var : fit->var;
		double	   *Vs = palloc(sizeof(double) * Max(nkept * nkept, 1));
		double	   *bs = palloc(sizeof(double) * Max(nkept, 1));
		int			a = 0,
					b2;

		for (j = 0; j < p; j++)
		{
			if (aliased[j])
				continue;
			bs[a] = fit->coef[j];
			b2 = 0;
			for (k = 0; k < p; k++)
			{
				if (aliased[k])
					continue;
				Vs[a + b2 * nkept] = V[j + k * p];
				b2++;
			}
			a++;
		}
		fit->wald_test = nkept > 0 ? CoxQuadraticTest(nkept, Vs, bs, o->toler_chol, NULL) : 0.0;
		pfree(Vs);
		pfree(bs);
	}

	/*
	 * One pass: leave x on the scale of the model means (x - means, for the baseline and zph
	 * passes) and form the linear predictor (x - means) coef from it, for the baseline and the
	 * concordance; then R's warnings.
	 */
	fit->lp = w.eta;			/* reuse: no further risk-set passes */
	{
		double	   *shift = palloc(sizeof(double) * p);

		for (j = 0; j < p; j++)
			shift[j] = w.center[j] - fit->means[j];
		for (i = 0; i < d->n; i++)
		{
			double	   *xi = d->x + i * p;
			double		lp = 0;

			for (j = 0; j < p; j++)
			{
				xi[j] = xi[j] / w.scale[j] + shift[j];
				lp += xi[j] * fit->coef[j];
			}
			fit->lp[i] = lp;
		}
		pfree(shift);
	}
	ConvergenceWarnings(o, fit, d->n);
	for (j = 0; j < p; j++)
		if (aliased[j])
			ereport(WARNING,
					(errmsg("coefficient of \"%s\" is not estimable and is reported as NULL",
							CoxTermName(o, j)),
					 errdetail("The covariate is constant or a linear combination of other covariates (R reports NA)."),
					 errhint("Remove the covariate or one of the collinear covariates.")));

	pfree(beta);
	pfree(u);
	pfree(imat);
}

/*
 * One Newton step's pieces at beta (original scale) for coxph_step: log-likelihood, score
 * and information, all invariant to the centring used internally for accuracy, plus the
 * weighted covariate sums (for means).
 */
void
CoxStep(CoxData *d, CoxTies ties, const double *beta, CoxStepResult *step)
{
	CoxWork		w;
	int			p = d->p;
	int64		i;
	int			j;
	double	   *bint = palloc(sizeof(double) * p);

	Assert(d->prepared);
	WorkInit(&w, d, ties);
	step->p = p;
	step->u = palloc0(sizeof(double) * p);
	step->info = palloc0(sizeof(double) * p * p);
	step->sum_wx = palloc0(sizeof(double) * p);
	step->sum_w = 0;
	for (i = 0; i < d->n; i++)
	{
		double		wi = W(d, i);

		step->sum_w += wi;
		for (j = 0; j < p; j++)
			step->sum_wx[j] += wi * d->x[i * p + j];
	}
	CenterAndScale(&w, false);
	memcpy(bint, beta, sizeof(double) * p);
	step->loglik = RiskSetPass(&w, bint, step->u, step->info);
	pfree(bint);
}

