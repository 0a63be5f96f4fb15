/*
 * survstate.c — the aggregate state of km, cif and km_merge: a risk table under construction.
 *
 * Rows are counted by time in one pass with no sort (see the SurvState design note in
 * survfit.h): integer times below SURV_DENSE_LIMIT index a direct array, other times go
 * through a simplehash table keyed by the bits of the float8 time.  The final function sorts
 * only the distinct times.  States merge by adding slot values, so a parallel plan, a
 * km_merge of per-site tables and a single km over the union give the same table (exactly for
 * people counts and integer weights; fractional weight sums may differ in the last bits with
 * the summation order).
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "miscadmin.h"

#include "utils/memutils.h"

#include "clinnova.h"
#include "survfit.h"

/* Key: the bits of a finite non-negative double (never -0, never NaN). */
typedef struct SurvTimeEntry
{
	uint64		key;
	int32		slot;			/* index into SurvState.slots */
	char		status;			/* used by simplehash */
} SurvTimeEntry;

/* Hash of a time's bits: both 32-bit halves through murmur, then combined. */
static inline uint32
SurvHashTime(uint64 key)
{
	return hash_combine(murmurhash32((uint32) key), murmurhash32((uint32) (key >> 32)));
}

#define SH_PREFIX		survtime
#define SH_ELEMENT_TYPE SurvTimeEntry
#define SH_KEY_TYPE		uint64
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) SurvHashTime(k)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* The bits of a double, the hash key. */
static inline uint64
TimeKey(double t)
{
	uint64		k;

	memcpy(&k, &t, sizeof(k));
	return k;
}

/* The double whose bits are k. */
static inline double
KeyTime(uint64 k)
{
	double		t;

	memcpy(&t, &k, sizeof(t));
	return t;
}

/* Doubles per slot for ncause causes, with or without the weighted part. */
static int
SlotWidth(int ncause, bool weighted)
{
	return ncause + 2 + (weighted ? 2 * ncause + 3 : 0);
}

/* An empty state in mcxt. */
SurvState *
SurvStateCreate(MemoryContext mcxt, int ncause, bool weighted)
{
	SurvState  *st = MemoryContextAllocZero(mcxt, sizeof(SurvState));

	st->mcxt = mcxt;
	st->ncause = ncause;
	st->weighted = weighted;
	st->width = SlotWidth(ncause, weighted);
	return st;
}

/* Grow the dense array so that integer time i has a slot; return that slot. */
double *
SurvStateGrowDense(SurvState *st, int32 i)
{
	int32		len = Max(st->dense_len * 2, 256);

	Assert(i >= st->dense_len && i < SURV_DENSE_LIMIT);
	while (len <= i)
		len *= 2;
	len = Min(len, SURV_DENSE_LIMIT);
	if (st->dense == NULL)
		st->dense = MemoryContextAllocZero(st->mcxt, sizeof(double) * (Size) len * st->width);
	else
	{
		st->dense = repalloc(st->dense, sizeof(double) * (Size) len * st->width);
		memset(st->dense + (Size) st->dense_len * st->width, 0,
			   sizeof(double) * (Size) (len - st->dense_len) * st->width);
	}
	st->dense_len = len;
	return st->dense + (Size) i * st->width;
}

/* The slot of a time outside the dense range, created zeroed if new. */
double *
SurvStateHashSlot(SurvState *st, double t)
{
	SurvTimeEntry *e;
	bool		found;

	if (st->hash == NULL)
		st->hash = survtime_create(st->mcxt, 256, NULL);
	e = survtime_insert(st->hash, TimeKey(t), &found);
	if (!found)
	{
		if (st->nslots == st->slots_cap)
		{
			int32		cap = Max(st->slots_cap * 2, 64);

			if ((Size) cap * st->width >= MaxAllocSize / sizeof(double))
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("too many distinct times in a survival aggregate"),
						 errdetail("The risk table has %d distinct times.", st->nslots)));
			if (st->slots == NULL)
				st->slots = MemoryContextAlloc(st->mcxt, sizeof(double) * (Size) cap * st->width);
			else
				st->slots = repalloc(st->slots, sizeof(double) * (Size) cap * st->width);
			st->slots_cap = cap;
		}
		e->slot = st->nslots++;
		memset(st->slots + (Size) e->slot * st->width, 0, sizeof(double) * st->width);
	}
	return st->slots + (Size) e->slot * st->width;
}

/* Is the slot in use (does it count anybody)? */
static inline bool
SlotUsed(const SurvState *st, const double *slot)
{
	int			j;

	for (j = 0; j < st->ncause + 2; j++)
		if (slot[j] != 0)
			return true;
	return false;
}

/*
 * Copy the slot src of a state shaped (sk causes, sw weighted) into dst of st's shape, adding.
 * Promoting unweighted values to weighted ones uses weight 1: weighted sum = squared-weight
 * sum = count.
 */
static void
AddSlot(const SurvState *st, double *dst, const double *src, int sk, bool sw)
{
	int			k = st->ncause;
	int			c;

	Assert(sk <= k);
	for (c = 0; c < sk; c++)
		dst[c] += src[c];
	dst[k] += src[sk];
	dst[k + 1] += src[sk + 1];
	if (st->weighted)
	{
		int			wb = k + 2;

		for (c = 0; c < sk; c++)
		{
			dst[wb + c] += sw ? src[sk + 2 + c] : src[c];
			dst[wb + k + c] += sw ? src[sk + 2 + sk + c] : src[c];
		}
		dst[wb + 2 * k] += sw ? src[sk + 2 + 2 * sk] : src[sk];
		dst[wb + 2 * k + 1] += sw ? src[sk + 2 + 2 * sk + 1] : src[sk];
		dst[wb + 2 * k + 2] += sw ? src[sk + 2 + 2 * sk + 2] : src[sk + 1];
	}
}

/*
 * Change the state's shape to ncause causes (never fewer than now) and weighted (never from
 * weighted back to unweighted), moving every slot.  Rare: once per new highest cause of cif,
 * or when km_merge meets the first weighted table.
 */
void
SurvStateReshape(SurvState *st, int ncause, bool weighted)
{
	int			oldk = st->ncause;
	bool		oldw = st->weighted;
	int			oldwidth = st->width;
	double	   *olddense = st->dense;
	double	   *oldslots = st->slots;
	int32		i;

	ncause = Max(ncause, oldk);
	weighted = weighted || oldw;
	if (ncause == oldk && weighted == oldw)
		return;

	st->ncause = ncause;
	st->weighted = weighted;
	st->width = SlotWidth(ncause, weighted);
	if (olddense != NULL)
	{
		st->dense = MemoryContextAllocZero(st->mcxt, sizeof(double) * (Size) st->dense_len * st->width);
		for (i = 0; i < st->dense_len; i++)
			AddSlot(st, st->dense + (Size) i * st->width, olddense + (Size) i * oldwidth, oldk, oldw);
		pfree(olddense);
	}
	if (oldslots != NULL)
	{
		st->slots = MemoryContextAllocZero(st->mcxt, sizeof(double) * (Size) st->slots_cap * st->width);
		for (i = 0; i < st->nslots; i++)
			AddSlot(st, st->slots + (Size) i * st->width, oldslots + (Size) i * oldwidth, oldk, oldw);
		pfree(oldslots);
	}
	CLINNOVA_ASSERT(st->width == SlotWidth(st->ncause, st->weighted));
}

/* Add every row of the risk table sf to the state (reshaping it first if needed). */
void
SurvStateAddSurvfit(SurvState *st, const Survfit *sf)
{
	SurvTable	t;
	int			i,
				c;

	SurvTableInit(&t, sf);
	SurvStateReshape(st, t.ncause, t.weighted);
	st->fractional = st->fractional || t.fractional;
	for (i = 0; i < t.ntime; i++)
	{
		double	   *slot = SurvStateSlot(st, t.time[i]);
		int			k = st->ncause;

		for (c = 0; c < t.ncause; c++)
			slot[c] += t.ev_n[c][i];
		slot[k] += t.cens_n[i];
		if (t.has_entry)
			slot[k + 1] += t.ent_n[i];
		if (st->weighted)
		{
			int			wb = k + 2;

			for (c = 0; c < t.ncause; c++)
			{
				slot[wb + c] += t.ev_w[c][i];
				slot[wb + k + c] += t.ev_w2[c][i];
			}
			slot[wb + 2 * k] += t.cens_w[i];
			slot[wb + 2 * k + 1] += t.cens_w2[i];
			if (t.has_entry)
				slot[wb + 2 * k + 2] += t.ent_w[i];
		}
	}
}

/* Add every slot of other to st (reshaping st first if needed). */
void
SurvStateAddState(SurvState *st, const SurvState *other)
{
	int32		i;

	SurvStateReshape(st, other->ncause, other->weighted);
	st->fractional = st->fractional || other->fractional;
	for (i = 0; i < other->dense_len; i++)
	{
		const double *src = other->dense + (Size) i * other->width;

		if (SlotUsed(other, src))
			AddSlot(st, SurvStateSlot(st, (double) i), src, other->ncause, other->weighted);
	}
	if (other->hash != NULL)
	{
		survtime_iterator it;
		SurvTimeEntry *e;

		survtime_start_iterate(other->hash, &it);
		while ((e = survtime_iterate(other->hash, &it)) != NULL)
			AddSlot(st, SurvStateSlot(st, KeyTime(e->key)),
					other->slots + (Size) e->slot * other->width, other->ncause, other->weighted);
	}
}

/* A copy of other living in mcxt. */
SurvState *
SurvStateCopy(MemoryContext mcxt, const SurvState *other)
{
	SurvState  *st = SurvStateCreate(mcxt, other->ncause, other->weighted);

	SurvStateAddState(st, other);
	return st;
}

/* One used slot and its time, for sorting. */
typedef struct TimeSlot
{
	double		time;
	const double *slot;
} TimeSlot;

/* qsort comparator of TimeSlot by time. */
static int
TimeSlotCmp(const void *a, const void *b)
{
	double		x = ((const TimeSlot *) a)->time;
	double		y = ((const TimeSlot *) b)->time;

	return (x > y) - (x < y);
}

/*
 * The risk table of the state: used slots in time order.  Dense slots come sorted; only the
 * hashed times are sorted, then both lists are merged (their times never coincide: dense
 * times are the integers below the limit, hashed times everything else).
 */
Survfit *
SurvStateToSurvfit(const SurvState *st)
{
	TimeSlot   *hashed = NULL;
	TimeSlot   *all;
	int			nh = 0,
				n = 0,
				k = st->ncause,
				i,
				c,
				flags;
	int32		d;
	bool		entries = false;
	Survfit    *sf;

	if (st->hash != NULL && st->nslots > 0)
	{
		survtime_iterator it;
		SurvTimeEntry *e;

		hashed = palloc(sizeof(TimeSlot) * st->nslots);
		survtime_start_iterate(st->hash, &it);
		while ((e = survtime_iterate(st->hash, &it)) != NULL)
		{
			hashed[nh].time = KeyTime(e->key);
			hashed[nh++].slot = st->slots + (Size) e->slot * st->width;
		}
		qsort(hashed, nh, sizeof(TimeSlot), TimeSlotCmp);
	}
	all = palloc(sizeof(TimeSlot) * ((Size) st->dense_len + nh + 1));
	for (d = 0, i = 0; d < st->dense_len || i < nh;)
	{
		const double *slot = st->dense ? st->dense + (Size) d * st->width : NULL;

		if (((d + i) & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();

		if (d < st->dense_len && !SlotUsed(st, slot))
		{
			d++;
			continue;
		}
		if (d < st->dense_len && (i >= nh || (double) d < hashed[i].time))
		{
			all[n].time = (double) d++;
			all[n++].slot = slot;
		}
		else
			all[n++] = hashed[i++];
	}
	for (i = 0; i < n; i++)
		if (all[i].slot[k + 1] != 0)
			entries = true;

	flags = (st->weighted ? SURVFIT_WEIGHTED : 0) |
		(st->weighted && st->fractional ? SURVFIT_FRACTIONAL : 0) |
		(entries ? SURVFIT_ENTRY : 0);
	if (n == 0)
		elog(ERROR, "clinnova: survival aggregate state without rows");
	sf = SurvfitAlloc(flags, k, n);
	for (i = 0; i < n; i++)
	{
		const double *s = all[i].slot;
		int			wb = k + 2;
		int			col;

		SurvfitColumn(sf, 0)[i] = all[i].time;
		for (c = 0; c < k; c++)
		{
			col = SurvfitColEvents(flags, c);
			SurvfitColumn(sf, col)[i] = s[c];
			if (st->weighted)
			{
				SurvfitColumn(sf, col + 1)[i] = s[wb + c];
				SurvfitColumn(sf, col + 2)[i] = s[wb + k + c];
			}
		}
		col = SurvfitColCensored(flags, k);
		SurvfitColumn(sf, col)[i] = s[k];
		if (st->weighted)
		{
			SurvfitColumn(sf, col + 1)[i] = s[wb + 2 * k];
			SurvfitColumn(sf, col + 2)[i] = s[wb + 2 * k + 1];
		}
		if (entries)
		{
			col = SurvfitColEntered(flags, k);
			SurvfitColumn(sf, col)[i] = s[k + 1];
			if (st->weighted)
				SurvfitColumn(sf, col + 1)[i] = s[wb + 2 * k + 2];
		}
	}
	if (st->weighted)
	{
		Size		nv = (Size) n * SurvfitNcol(flags, k);

		for (i = 0; i < (int) nv; i++)
			if (!isfinite(sf->data[i]))
				SurvReportWeightOverflow();
	}
	CLINNOVA_ASSERT((SurvfitValidate(sf, ERRCODE_INTERNAL_ERROR, "survfit"), true));
	return sf;
}

/* Number of rows (exits) counted by the state. */
int64
SurvStateRecords(const SurvState *st)
{
	double		n = 0;
	int32		i;
	int			c;

	for (i = 0; i < st->dense_len; i++)
	{
		const double *s = st->dense + (Size) i * st->width;

		for (c = 0; c <= st->ncause; c++)
			n += s[c];
	}
	for (i = 0; i < st->nslots; i++)
	{
		const double *s = st->slots + (Size) i * st->width;

		for (c = 0; c <= st->ncause; c++)
			n += s[c];
	}
	return (int64) n;
}
