/*
 * concordance.c — Harrell's C of a Cox model's linear predictor, as survival::concordance
 * computes it for coxph (timewt "n", reverse = TRUE), with its infinitesimal-jackknife
 * standard error, in O(n log n).
 *
 * Pairs.  Within a stratum, a pair (i, j) is comparable when j has an event at t and i is
 * still at risk after it (time > t, or censored at t; for (start, stop] rows, entry < t <=
 * time).  With weights w, a comparable pair counts w_i w_j as concordant when the one who
 * failed first has the higher linear predictor, discordant when lower, tied.x when equal.
 * Tied event times give tied.y (and tied.xy) pairs, which are not comparable.
 * C = (concordant + tied.x / 2) / (concordant + discordant + tied.x).
 *
 * Algorithm.  Rows are visited in decreasing time, censored rows of a time before its events
 * (the sort CoxDataPrepare made).  Two Fenwick trees over the ranks of the linear predictor
 * hold the weights of the rows at risk ("all") and of the events seen so far ("deaths").
 * For an event, the "all" tree gives the weights above, below and equal to its rank.  The
 * influence of each row on the counts (needed for the jackknife) is the same query on the
 * "deaths" tree taken when the row enters the risk set and again when it leaves it (at its
 * entry time, or at the end): the difference counts the events it was compared with.
 *
 * Variance (R's concordancefit): with npair = concordant + discordant + tied.x and
 * somer = (concordant - discordant) / npair on the un-reversed counts,
 *   dfbeta_i = w_i ((I_conc,i - I_disc,i) - somer (I_conc,i + I_disc,i + I_tiedx,i)) / npair,
 * summed within clusters; var(C) = sum dfbeta^2 / 4.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "clinnova.h"
#include "coxph.h"

/* A linear predictor value and its sorted row, for ranking. */
typedef struct LpItem
{
	double		lp;
	int32		row;
} LpItem;

/* By lp, then row. */
static inline int
CompareLp(const LpItem *a, const LpItem *b)
{
	if (a->lp != b->lp)
		return a->lp < b->lp ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

#define ST_SORT sort_lp_items
#define ST_ELEMENT_TYPE LpItem
#define ST_COMPARE(a, b) CompareLp(a, b)
#define ST_SCOPE static
#define ST_CHECK_FOR_INTERRUPTS
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Fenwick tree of weights over ranks 0..m-1: tree[] holds prefix sums (1-based), node[] the
 * weight at each rank, total the sum.  Invariant: sum(node) == total (up to roundoff).
 */
typedef struct Fenwick
{
	int32		m;
	double	   *tree;
	double	   *node;
	double		total;
} Fenwick;

/* Allocate an empty tree of m ranks. */
static void
FenwickInit(Fenwick *f, int32 m)
{
	f->m = m;
	f->tree = CoxAlloc((int64) m + 1, sizeof(double), true);
	f->node = CoxAlloc(Max(m, 1), sizeof(double), true);
	f->total = 0;
}

/* Add w at rank r. */
static inline void
FenwickAdd(Fenwick *f, int32 r, double w)
{
	int32		i;

	f->node[r] += w;
	f->total += w;
	for (i = r + 1; i <= f->m; i += i & (-i))
		f->tree[i] += w;
}

/* Weight strictly below, equal to and strictly above rank r. */
static inline void
FenwickSplit(const Fenwick *f, int32 r, double *less, double *equal, double *greater)
{
	double		s = 0;
	int32		i;

	for (i = r; i > 0; i -= i & (-i))
		s += f->tree[i];
	*less = s;
	*equal = f->node[r];
	*greater = f->total - s - f->node[r];
}

/* Free a tree. */
static void
FenwickFree(Fenwick *f)
{
	pfree(f->tree);
	pfree(f->node);
}

/* Case weight of a sorted row. */
static inline double
Wt(const CoxData *d, int64 i)
{
	return d->weight ? d->weight[i] : 1.0;
}

/* Influence bookkeeping when row k enters (sign -1) or leaves (sign +1) the risk set. */
static inline void
InfluenceMark(const Fenwick *deaths, int32 rk, double sign, double *ia, double *ib, int64 k)
{
	double		less,
				equal,
				greater;

	FenwickSplit(deaths, rk, &less, &equal, &greater);
	/* conc_k += events below k's rank; disc_k += events above; tied_k += equal */
	ia[k] += sign * (less - greater);
	ib[k] += sign * (less + greater + equal);
}

/*
 * Concordance of lp (one value per sorted row of prepared data d) with the survival data,
 * stratified, weighted and clustered as the model is.
 */
void
CoxComputeConcordance(const CoxData *d, const double *lp, CoxConcordance *c)
{
	int64		n = d->n;
	double		conc = 0,
				disc = 0,
				tiedx = 0,
				tiedy = 0,
				tiedxy = 0;
	double	   *ia = CoxAlloc(n, sizeof(double), true);	/* I_conc - I_disc */
	double	   *ib = CoxAlloc(n, sizeof(double), true);	/* I_conc + I_disc + I_tiedx */
	int32	   *rank = CoxAlloc(n, sizeof(int32), false);
	int64	   *order = NULL;
	int64		ordcap = 0;
	int			s;

	for (s = 0; s < d->nstrata; s++)
	{
		int64		lo = d->stratum_first[s],
					hi = d->stratum_first[s + 1],
					nn = hi - lo,
					i,
					k;
		LpItem	   *items;
		int32		m = 0;
		Fenwick		all,
					deaths;
		int64		ep = hi - 1;
		bool	   *removed = NULL;

		CHECK_FOR_INTERRUPTS();
		if (nn == 0)
			continue;
		/* ranks of lp within the stratum, equal values sharing a rank */
		items = CoxAlloc(nn, sizeof(LpItem), false);
		for (i = 0; i < nn; i++)
		{
			items[i].lp = lp[lo + i];
			items[i].row = (int32) (lo + i);
		}
		sort_lp_items(items, nn);
		for (i = 0; i < nn; i++)
		{
			if (i > 0 && items[i].lp != items[i - 1].lp)
				m++;
			rank[items[i].row] = m;
		}
		m++;
		pfree(items);
		FenwickInit(&all, m);
		FenwickInit(&deaths, m);
		if (d->entry)
			removed = CoxAlloc(nn, sizeof(bool), true);

		i = hi - 1;
		while (i >= lo)
		{
			double		t = d->time[i];
			int64		g = i,
						nd = 0,
						a,
						b;
			double		dwt = 0,
						dwt2 = 0;

			if (((hi - i) & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			while (g > lo && d->time[g - 1] == t)
				g--;
			while (g + nd <= i && d->status[g + nd])
				nd++;
			/* rows censored at t join the risk set first */
			for (k = i; k >= g + nd; k--)
			{
				InfluenceMark(&deaths, rank[k], -1.0, ia, ib, k);
				FenwickAdd(&all, rank[k], Wt(d, k));
			}
			if (nd > 0)
			{
				/* (start, stop] rows whose entry is at or after t leave the risk set */
				if (d->entry)
				{
					while (ep >= lo && d->entry[d->start_order[ep]] >= t)
					{
						int64		r = d->start_order[ep--];

						InfluenceMark(&deaths, rank[r], 1.0, ia, ib, r);
						FenwickAdd(&all, rank[r], -Wt(d, r));
						removed[r - lo] = true;
					}
				}
				/* the tied events in increasing rank (R sorts them by the risk score) */
				if (nd > ordcap)
				{
					ordcap = Max(nd, 2 * ordcap);
					order = order ? repalloc_huge(order, sizeof(int64) * ordcap) :
						palloc_extended(sizeof(int64) * ordcap, MCXT_ALLOC_HUGE);
				}
				for (a = 0; a < nd; a++)
				{
					int64		v = g + a;

					for (b = a; b > 0 && (rank[order[b - 1]] > rank[v] ||
										  (rank[order[b - 1]] == rank[v] && order[b - 1] > v)); b--)
						order[b] = order[b - 1];
					order[b] = v;
				}
				/* pass 1: pairs of each event with the rows at risk, and tied times */
				for (a = 0; a < nd; a++)
				{
					int64		j = order[a];
					double		wj = Wt(d, j);
					double		less,
								equal,
								greater;

					tiedy += wj * dwt;
					dwt += wj;
					if (a > 0 && rank[j] != rank[order[a - 1]])
						dwt2 = 0;
					tiedxy += wj * dwt2;
					dwt2 += wj;
					FenwickSplit(&all, rank[j], &less, &equal, &greater);
					conc += wj * greater;
					disc += wj * less;
					tiedx += wj * equal;
					ia[j] += greater - less;
					ib[j] += greater + less + equal;
					FenwickAdd(&deaths, rank[j], wj);
				}
				/* pass 2: the events join the risk set of earlier times */
				for (a = 0; a < nd; a++)
				{
					int64		j = order[a];

					InfluenceMark(&deaths, rank[j], -1.0, ia, ib, j);
					FenwickAdd(&all, rank[j], Wt(d, j));
				}
			}
			i = g - 1;
		}
		/* rows still at risk at the start of time leave now */
		for (k = lo; k < hi; k++)
			if (removed == NULL || !removed[k - lo])
				InfluenceMark(&deaths, rank[k], 1.0, ia, ib, k);
		FenwickFree(&all);
		FenwickFree(&deaths);
		if (removed)
			pfree(removed);
	}
	tiedy -= tiedxy;

	/* report as coxph does (reverse = TRUE): concordant and discordant swap */
	c->concordant = disc;
	c->discordant = conc;
	c->tied_x = tiedx;
	c->tied_y = tiedy;
	c->tied_xy = tiedxy;
	{
		double		npair = conc + disc + tiedx;
		double		somer = (conc - disc) / npair;
		double		var = 0;
		int64		i;

		if (!(npair > 0))
		{
			c->concordance = NAN;
			c->std = NAN;
		}
		else
		{
			c->concordance = 1.0 - (somer + 1.0) / 2.0;
			if (d->cluster)
			{
				int			nc = CoxDataClusterCount(d);
				double	   *sum = CoxAlloc(Max(nc, 1), sizeof(double), true);

				for (i = 0; i < n; i++)
				{
					double		dfb = Wt(d, i) * (ia[i] / npair - (somer / npair) * ib[i]);

					if (d->cluster[i] >= 0)
						sum[d->cluster[i]] += dfb;
					else
						var += dfb * dfb;
				}
				for (i = 0; i < nc; i++)
					var += sum[i] * sum[i];
				pfree(sum);
			}
			else
				for (i = 0; i < n; i++)
				{
					double		dfb = Wt(d, i) * (ia[i] / npair - (somer / npair) * ib[i]);

					var += dfb * dfb;
				}
			c->std = sqrt(var / 4.0);
		}
	}
	pfree(ia);
	pfree(ib);
	pfree(rank);
	if (order)
		pfree(order);
}
