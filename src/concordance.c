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
 * Memory: the linear predictor is slot 0 of the final function's workspace; the influences and
 * the ranking scratch (five vectors of n doubles) take the covariates' storage when it is
 * large enough (p >= 5; the model no longer needs the covariates), else five more workspace
 * slots.  The two trees reuse the ranking keys' storage, and a per-rank mark (which tie group
 * last held the rank) the other half of the ranks' slot.
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

/*
 * Fenwick tree of weights over ranks 0..m-1, stored 0-based (node[i - 1] holds the classic
 * 1-based node i), and the total.  Invariant: prefix sums of the tree are the weights of the
 * ranks below, total is their sum (up to roundoff).  Without case weights every weight is 1
 * and the nodes are int32 counts (itree): half the memory of doubles, so more of the tree
 * stays in cache, and exact.
 */
typedef struct Fenwick
{
	int64		m;
	double	   *tree;			/* weighted data */
	int32	   *itree;			/* unit weights */
	double		total;
} Fenwick;

/* An empty tree of m ranks in the given storage (m doubles, or m int32 when counting). */
static void
FenwickInit(Fenwick *f, int64 m, void *storage, bool counts)
{
	f->m = m;
	f->tree = counts ? NULL : (double *) storage;
	f->itree = counts ? (int32 *) storage : NULL;
	memset(storage, 0, (counts ? sizeof(int32) : sizeof(double)) * m);
	f->total = 0;
}

/* Add w at rank r. */
static inline void
FenwickAdd(Fenwick *f, int64 r, double w)
{
	int64		i;

	f->total += w;
	if (f->itree)
	{
		int32		iw = (int32) w;

		for (i = r + 1; i <= f->m; i += i & (-i))
			f->itree[i - 1] += iw;
	}
	else
		for (i = r + 1; i <= f->m; i += i & (-i))
			f->tree[i - 1] += w;
}

/* Weight of the ranks below r. */
static inline double
FenwickBelow(const Fenwick *f, int64 r)
{
	int64		i;

	if (f->itree)
	{
		int64		s = 0;

		for (i = r; i > 0; i -= i & (-i))
			s += f->itree[i - 1];
		return (double) s;
	}
	else
	{
		double		s = 0;

		for (i = r; i > 0; i -= i & (-i))
			s += f->tree[i - 1];
		return s;
	}
}

/* Weight at rank r alone: the node minus its children (entries just below it: cache-local). */
static inline double
FenwickPoint(const Fenwick *f, int64 r)
{
	int64		i = r + 1;
	int64		stop = i - (i & (-i));
	int64		j = i - 1;

	if (f->itree)
	{
		int64		v = f->itree[i - 1];

		for (; j > stop; j -= j & (-j))
			v -= f->itree[j - 1];
		return (double) v;
	}
	else
	{
		double		v = f->tree[i - 1];

		for (; j > stop; j -= j & (-j))
			v -= f->tree[j - 1];
		return v;
	}
}

/* Weight strictly below, equal to and strictly above rank r. */
static inline void
FenwickSplit(const Fenwick *f, int64 r, double *less, double *equal, double *greater)
{
	*less = FenwickBelow(f, r);
	*equal = FenwickPoint(f, r);
	*greater = f->total - *less - *equal;
}

/*
 * Replace the tree by "weight below minus weight above" per rank (one pass: the inverse of
 * the O(m) construction gives the weights per rank, then a running sum).
 */
static void
FenwickToBelowMinusAbove(Fenwick *f)
{
	int64		i;
	double		below = 0;

	for (i = f->m; i >= 1; i--)
	{
		int64		j = i + (i & (-i));

		if (j > f->m)
			continue;
		if (f->itree)
			f->itree[j - 1] -= f->itree[i - 1];
		else
			f->tree[j - 1] -= f->tree[i - 1];
	}
	for (i = 0; i < f->m; i++)
	{
		double		eq = f->itree ? f->itree[i] : f->tree[i];
		double		v = below - (f->total - below - eq);

		if (f->itree)
			f->itree[i] = (int32) v;
		else
			f->tree[i] = v;
		below += eq;
	}
}

/* Value at rank r of a tree turned by FenwickToBelowMinusAbove. */
static inline double
FenwickValue(const Fenwick *f, int64 r)
{
	return f->itree ? f->itree[r] : f->tree[r];
}

/* A tied event and its rank, for ordering the events of one time by their risk score. */
typedef struct TiedEvent
{
	int64		rank;
	int64		row;
} TiedEvent;

/* By rank, then row. */
static inline int
CompareTied(const TiedEvent *a, const TiedEvent *b)
{
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

#define ST_SORT sort_tied_events
#define ST_ELEMENT_TYPE TiedEvent
#define ST_COMPARE(a, b) CompareTied(a, b)
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/* Case weight of a sorted row. */
static inline double
Wt(const CoxData *d, int64 i)
{
	return d->weight ? d->weight[i] : 1.0;
}

/* Influence bookkeeping when row k enters (sign -1) or leaves (sign +1) the risk set. */
static inline void
InfluenceMark(const Fenwick *deaths, int64 rk, double sign, double *ia, double *ib, int64 k)
{
	double		less,
				equal,
				greater;

	/* conc_k += events below k's rank; disc_k += events above; all of them compared */
	less = FenwickBelow(deaths, rk);
	equal = FenwickPoint(deaths, rk);
	greater = deaths->total - less - equal;
	ia[k] += sign * (less - greater);
	ib[k] += sign * deaths->total;
}

/*
 * Concordance of the linear predictor CoxFit leaves in slot 0 of the workspace (one value
 * per sorted row of prepared data d) with the survival data, stratified, weighted and
 * clustered as the model is.  With five or more covariates the scratch (five vectors of n
 * doubles) lives in the covariates' storage, which it overwrites: call it last.
 */
void
CoxComputeConcordance(CoxData *d, CoxConcordance *c)
{
	int64		n = d->n;
	double		conc = 0,
				disc = 0,
				tiedx = 0,
				tiedy = 0,
				tiedxy = 0;
	bool		in_x = (d->p >= 5);	/* the covariates are no longer needed */
	double	   *work = CoxWorkspace(d, in_x ? 1 : COX_WORK_SLOTS);
	const double *lp = work;
	double	   *scratch = in_x ? d->x : work + n;	/* 5 n doubles */
	double	   *ia = scratch;	/* I_conc - I_disc */
	double	   *ib = scratch + n;	/* I_conc + I_disc + I_tiedx */
	uint64	   *keys = (uint64 *) (scratch + 2 * n);
	int32	   *rankbuf = (int32 *) (scratch + 3 * n);	/* ranks of the stratum's rows */
	int32	   *mark = rankbuf + n;	/* per rank: the last tie group holding it */
	int32		group = 0;
	uint64	   *tk = (uint64 *) (scratch + 3 * n);
	int32	   *idx = (int32 *) (scratch + 4 * n);
	int32	   *ti = idx + n;
	TiedEvent  *order = NULL;
	int64		ordcap = 0;
	int			s;

	memset(ia, 0, sizeof(double) * n);
	memset(ib, 0, sizeof(double) * n);

	for (s = 0; s < d->nstrata; s++)
	{
		int64		lo = d->stratum_first[s],
					hi = d->stratum_first[s + 1],
					nn = hi - lo,
					i,
					k;
		int64		m = 0;
		Fenwick		all,
					deaths;
		int64		ep = hi - 1;
		bool	   *removed = NULL;

		CHECK_FOR_INTERRUPTS();
		if (nn == 0)
			continue;
		/* ranks of lp within the stratum, equal values sharing a rank (radix sort) */
		for (i = 0; i < nn; i++)
		{
			keys[i] = CoxDoubleKey(lp[lo + i]);
			idx[i] = (int32) (lo + i);
		}
		CoxRadixSort(keys, idx, tk, ti, nn);
		for (i = 0; i < nn; i++)
		{
			if (i > 0 && keys[i] != keys[i - 1])
				m++;
			rankbuf[idx[i] - lo] = (int32) m;	/* rankbuf overlays tk, no longer needed */
		}
		m++;
		memset(mark, 0xff, sizeof(int32) * m);	/* -1: no group */
		/* the two trees take the storage of the keys and of idx/ti */
		FenwickInit(&all, m, keys, d->weight == NULL);
		FenwickInit(&deaths, m, idx, d->weight == NULL);
		if (d->entry)
			removed = CoxAlloc(nn, sizeof(bool), true);

		i = hi - 1;
		while (i >= lo)
		{
			double		t = d->time[i];
			int64		g = i,
						nd = 0,
						a;
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
				InfluenceMark(&deaths, rankbuf[k - lo], -1.0, ia, ib, k);
				FenwickAdd(&all, rankbuf[k - lo], Wt(d, k));
			}
			if (nd > 0)
			{
				/* (start, stop] rows whose entry is at or after t leave the risk set */
				if (d->entry)
				{
					while (ep >= lo && d->entry[d->start_order[ep]] >= t)
					{
						int64		r = d->start_order[ep--];

						InfluenceMark(&deaths, rankbuf[r - lo], 1.0, ia, ib, r);
						FenwickAdd(&all, rankbuf[r - lo], -Wt(d, r));
						removed[r - lo] = true;
					}
				}
				/* the tied events, in increasing rank when two share one (R sorts by risk score) */
				if (nd > ordcap)
				{
					ordcap = Max(nd, 2 * ordcap);
					order = order ? repalloc_huge(order, sizeof(TiedEvent) * ordcap) :
						palloc_extended(sizeof(TiedEvent) * ordcap, MCXT_ALLOC_HUGE);
				}
				/*
				 * Only tied.xy needs the events grouped by rank, and only when two of them
				 * share one: skip the sort otherwise (the counts do not depend on the order but
				 * for roundoff with case weights).
				 */
				{
					bool		shared = false;

					for (a = 0; a < nd; a++)
					{
						int32		r = rankbuf[g + a - lo];

						order[a].row = g + a;
						order[a].rank = r;
						shared |= (mark[r] == group);
						mark[r] = group;
					}
					group++;
					if (shared)
						sort_tied_events(order, nd);
				}
				/* pass 1: pairs of each event with the rows at risk, and tied times */
				for (a = 0; a < nd; a++)
				{
					int64		j = order[a].row;
					double		wj = Wt(d, j);
					double		less,
								equal,
								greater;

					tiedy += wj * dwt;
					dwt += wj;
					if (a > 0 && order[a].rank != order[a - 1].rank)
						dwt2 = 0;
					tiedxy += wj * dwt2;
					dwt2 += wj;
					FenwickSplit(&all, rankbuf[j - lo], &less, &equal, &greater);
					conc += wj * greater;
					disc += wj * less;
					tiedx += wj * equal;
					ia[j] += greater - less;
					ib[j] += all.total;
					FenwickAdd(&deaths, rankbuf[j - lo], wj);
				}
				/* pass 2: the events join the risk set of earlier times */
				for (a = 0; a < nd; a++)
				{
					int64		j = order[a].row;

					InfluenceMark(&deaths, rankbuf[j - lo], -1.0, ia, ib, j);
					FenwickAdd(&all, rankbuf[j - lo], Wt(d, j));
				}
			}
			i = g - 1;
		}
		/*
		 * Rows still at risk at the start of time leave now; the deaths tree is final, so
		 * turn it into "below - above" per rank with one pass and read it for each row.
		 */
		FenwickToBelowMinusAbove(&deaths);
		for (k = lo; k < hi; k++)
			if (removed == NULL || !removed[k - lo])
			{
				ia[k] += FenwickValue(&deaths, rankbuf[k - lo]);
				ib[k] += deaths.total;
			}
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
	if (order)
		pfree(order);
}
