/*
 * coxdata.c — the rows a Cox aggregate collects: growable columns, a dictionary for strata
 * and cluster names, combine / serialize / deserialize for parallel aggregation, and the
 * one-time sort that every fitting pass relies on.
 *
 * Memory plan.  A Cox fit needs every row at once (risk sets run over the whole data), so the
 * state holds the rows themselves, as compactly as possible: one double per row for time
 * (and entry time and weight only when some row uses them), one byte for the event, int32
 * ids for strata and clusters (only when used) and p doubles of covariates.  Columns grow
 * 4x by copying into a fresh block with huge pages advised while the covariates take less
 * than COX_REMAP_BYTES, then 2x by repalloc, which for such large chunks is a realloc that
 * the C library satisfies by remapping pages, so growing does not copy (GrowArray).  The
 * final sort permutes the columns in place by following the cycles of the permutation, so
 * sorting needs no second copy of the data either.  Peak memory of a fit is therefore about
 * the raw data plus a few n-length work vectors.
 *
 * Determinism.  The sort key is (stratum, time, event first) and then the row's content
 * (entry, weight, cluster, covariates), so the sorted order, and with it every sum the fit
 * forms, does not depend on the order in which rows arrived: a parallel plan gives the same
 * bits as a serial one.  Strata and clusters are numbered in name order for the same reason.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "clinnova.h"
#include "coxph.h"

#define COXDATA_SERIAL_VERSION	1
#define COXDATA_INITIAL_ROWS	1024

/* Flags of the serialized state. */
#define SER_ENTRY		0x01
#define SER_WEIGHT		0x02
#define SER_STRATA		0x04
#define SER_CLUSTER		0x08
#define SER_OPTIONS		0x10
#define SER_EXTRA		0x20
#define SER_INTWEIGHTS	0x40

/* ---- allocation ---- */

/* nelem * elsize bytes (zeroed if asked) in the current context; 54000 if too large. */
void *
CoxAlloc(int64 nelem, Size elsize, bool zero)
{
	Size		size;
	void	   *p;

	if (nelem < 0)
		elog(ERROR, "clinnova: negative allocation of %lld elements", (long long) nelem);
	if (nelem > 0 && (Size) nelem > MaxAllocHugeSize / elsize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("Cox model data of %lld elements is too large", (long long) nelem)));
	size = Max((Size) nelem * elsize, 1);
	p = palloc_extended(size, MCXT_ALLOC_HUGE);
	clinnova_advise_huge_pages(p, size);
	if (zero)
		memset(p, 0, size);
	return p;
}

/* ---- name dictionary ---- */

/*
 * CoxNames — distinct text values (strata or clusters) numbered 0, 1, ... in order of first
 * appearance.  Names live in one arena as [int32 length][bytes][NUL], 4-byte aligned; a
 * simplehash table maps a name's arena offset to its id.  An optional NULL entry stands for
 * rows whose value was NULL.  Invariant: offsets[id] is the arena offset of name id, or
 * NULL_OFFSET for the NULL entry; every non-NULL name occurs once.
 */
#define NULL_OFFSET PG_UINT32_MAX

typedef struct CoxNameEntry
{
	uint32		off;			/* arena offset of the name (the key) */
	uint32		hash;
	int32		id;
	char		status;
} CoxNameEntry;

struct CoxNames
{
	MemoryContext mcxt;
	char	   *arena;
	Size		used;
	Size		cap;
	uint32	   *offsets;
	int			count;
	int			capn;
	int			null_id;
	int			last_id;		/* cache: id of the last name looked up */
	struct coxnames_hash *table;
};

/* Length and bytes of the name at arena offset off. */
static inline const char *
NameAt(const CoxNames *names, uint32 off, int32 *len)
{
	memcpy(len, names->arena + off, sizeof(int32));
	return names->arena + off + sizeof(int32);
}

/* Hash of the name at arena offset off. */
static inline uint32
NameHash(const CoxNames *names, uint32 off)
{
	int32		len;
	const char *s = NameAt(names, off, &len);

	return hash_bytes((const unsigned char *) s, len);
}

/* Do the names at two arena offsets have the same bytes? */
static inline bool
NameEqual(const CoxNames *names, uint32 a, uint32 b)
{
	int32		la,
				lb;
	const char *sa = NameAt(names, a, &la);
	const char *sb = NameAt(names, b, &lb);

	return la == lb && memcmp(sa, sb, la) == 0;
}

#define SH_PREFIX coxnames
#define SH_ELEMENT_TYPE CoxNameEntry
#define SH_KEY_TYPE uint32
#define SH_KEY off
#define SH_HASH_KEY(tb, key) NameHash((CoxNames *) (tb)->private_data, key)
#define SH_EQUAL(tb, a, b) NameEqual((CoxNames *) (tb)->private_data, a, b)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) a->hash
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* An empty dictionary in mcxt. */
static CoxNames *
NamesCreate(MemoryContext mcxt)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	CoxNames   *names = palloc0(sizeof(CoxNames));

	names->mcxt = mcxt;
	names->cap = 256;
	names->arena = palloc(names->cap);
	names->capn = 16;
	names->offsets = palloc(sizeof(uint32) * names->capn);
	names->null_id = -1;
	names->last_id = -1;
	names->table = coxnames_create(mcxt, 16, names);
	MemoryContextSwitchTo(old);
	return names;
}

/* Append an id slot for arena offset off; returns the new id. */
static int
NamesNewId(CoxNames *names, uint32 off)
{
	if (names->count == names->capn)
	{
		names->capn *= 2;
		names->offsets = repalloc_huge(names->offsets, sizeof(uint32) * (Size) names->capn);
	}
	names->offsets[names->count] = off;
	return names->count++;
}

/* The id of a name (NULL str: the NULL entry), adding it if new. */
static int
NamesLookup(CoxNames *names, const char *str, int len)
{
	Size		need;
	uint32		off;
	CoxNameEntry *e;
	bool		found;
	int32		len32 = len;

	if (str == NULL)
	{
		if (names->null_id < 0)
			names->null_id = NamesNewId(names, NULL_OFFSET);
		return names->null_id;
	}
	/* most rows repeat the previous name: compare with it before hashing */
	if (names->last_id >= 0 && names->offsets[names->last_id] != NULL_OFFSET)
	{
		int32		llen;
		const char *ls = NameAt(names, names->offsets[names->last_id], &llen);

		if (llen == len && memcmp(ls, str, len) == 0)
			return names->last_id;
	}
	/* stage the candidate at the end of the arena; keep it only if it is new */
	need = TYPEALIGN(4, sizeof(int32) + (Size) len + 1);
	if (names->used + need > names->cap)
	{
		while (names->used + need > names->cap)
			names->cap *= 2;
		if (names->cap > PG_UINT32_MAX - 1)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct strata or cluster names")));
		names->arena = repalloc_huge(names->arena, names->cap);
	}
	off = (uint32) names->used;
	memcpy(names->arena + off, &len32, sizeof(int32));
	memcpy(names->arena + off + sizeof(int32), str, len);
	names->arena[off + sizeof(int32) + len] = '\0';
	e = coxnames_insert(names->table, off, &found);
	if (!found)
	{
		names->used += need;
		e->id = NamesNewId(names, off);
	}
	names->last_id = e->id;
	return e->id;
}

/* Number of distinct names (including the NULL entry). */
int
CoxNamesCount(const CoxNames *names)
{
	return names ? names->count : 0;
}

/* The NUL-terminated name with id, or NULL for the NULL entry. */
const char *
CoxNamesGet(const CoxNames *names, int id)
{
	int32		len;

	if (names == NULL || id < 0 || id >= names->count)
		elog(ERROR, "clinnova: name id %d out of range", id);
	if (names->offsets[id] == NULL_OFFSET)
		return NULL;
	return NameAt(names, names->offsets[id], &len);
}

/* Name length of id (-1 for the NULL entry). */
static int32
NamesLen(const CoxNames *names, int id)
{
	int32		len;

	if (names->offsets[id] == NULL_OFFSET)
		return -1;
	NameAt(names, names->offsets[id], &len);
	return len;
}

/* ---- validation of one row (each helper owns its error) ---- */

/* time must be finite and >= 0 (-0 is read as 0). */
static void
CheckTime(double t)
{
	if (isnan(t) || isinf(t) || t < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time must be a finite number >= 0"),
				 errdetail("A row has time %s.", float8out_internal(t)),
				 errhint("Filter such rows with WHERE, or correct the data.")));
}

/* entry must be finite and earlier than time. */
static void
CheckEntry(double entry, double t)
{
	if (isnan(entry) || isinf(entry))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("entry time must be a finite number"),
				 errdetail("A row has entry time %s.", float8out_internal(entry))));
	if (!(entry < t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("entry time must be earlier than time"),
				 errdetail("A row has entry %s and time %s; a (start, stop] interval needs start < stop.",
						   float8out_internal(entry), float8out_internal(t))));
}

/* weight must be finite and > 0, as R's coxph requires. */
static void
CheckWeight(double w)
{
	if (isnan(w) || isinf(w) || w <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight must be a finite number > 0"),
				 errdetail("A row has weight %s.", float8out_internal(w)),
				 errhint("Leave weight NULL for weight 1; drop rows with weight 0.")));
}

/* covariates must be finite; p must match the first row and the limits. */
static void
CheckCovariates(const CoxData *d, const double *x, int p)
{
	int			j;

	if (p == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x must hold at least one covariate"),
				 errhint("A Cox model without covariates is a Nelson-Aalen estimate: use the survival functions.")));
	if (p > COX_MAX_TERMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("x has %d covariates, more than the limit of %d", p, COX_MAX_TERMS)));
	if (d->p >= 0 && p != d->p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x has %d elements in one row and %d in another", p, d->p),
				 errhint("Every row must give the same covariates in the same order.")));
	for (j = 0; j < p; j++)
		if (isnan(x[j]) || isinf(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("covariates must be finite numbers"),
					 errdetail("Element %d of x is %s.", j + 1, float8out_internal(x[j])),
					 errhint("Filter incomplete rows with WHERE, or impute the missing values.")));
}

/* ---- growth ---- */

/* An empty state whose arrays will live in mcxt. */
CoxData *
CoxDataCreate(MemoryContext mcxt)
{
	CoxData    *d = MemoryContextAllocZero(mcxt, sizeof(CoxData));

	d->mcxt = mcxt;
	d->p = -1;
	d->integer_weights = true;
	return d;
}

/* Arrays at least this large are reallocated by the C library without copying (mremap). */
#define COX_REMAP_BYTES		((Size) 32 << 20)

/* Grow an array of oldcap elements of elsize bytes to newcap (or allocate it). */
static void *
GrowArray(void *a, int64 oldcap, int64 newcap, Size elsize)
{
	if ((Size) newcap > MaxAllocHugeSize / elsize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for one Cox model"),
				 errdetail("The aggregate holds more than %lld rows.", (long long) newcap / 2)));
	if (a != NULL && (Size) oldcap * elsize >= COX_REMAP_BYTES)
	{
		/* the C library moves pages (mremap) instead of copying them */
		a = repalloc_huge(a, (Size) newcap * elsize);
		clinnova_advise_huge_pages(a, (Size) newcap * elsize);
	}
	else
	{
		/* advise before the copy touches the new block */
		void	   *b = palloc_extended((Size) newcap * elsize, MCXT_ALLOC_HUGE);

		clinnova_advise_huge_pages(b, (Size) newcap * elsize);
		if (a != NULL)
		{
			memcpy(b, a, (Size) oldcap * elsize);
			pfree(a);
		}
		a = b;
	}
	return a;
}

/* Make room for at least need rows in every existing column. */
static void
EnsureCapacity(CoxData *d, int64 need)
{
	MemoryContext old;
	int64		newcap;

	if (need <= d->cap)
		return;
	if (need > COX_MAX_ROWS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for one Cox model"),
				 errdetail("One aggregate can hold at most %lld rows.", (long long) COX_MAX_ROWS)));
	/*
	 * Grow 4x while the covariate column is small (below COX_REMAP_BYTES a growth copies;
	 * above it, pages are remapped), 2x after that.  Untouched capacity costs no
	 * memory, only address space.
	 */
	newcap = Max(d->cap, COXDATA_INITIAL_ROWS);
	while (newcap < need)
		newcap *= ((Size) newcap * Max(d->p, 1) * sizeof(double) < COX_REMAP_BYTES) ? 4 : 2;
	newcap = Min(newcap, COX_MAX_ROWS);
	old = MemoryContextSwitchTo(d->mcxt);
	d->time = GrowArray(d->time, d->cap, newcap, sizeof(double));
	d->status = GrowArray(d->status, d->cap, newcap, sizeof(bool));
	d->x = GrowArray(d->x, d->cap * Max(d->p, 1), newcap * Max(d->p, 1), sizeof(double));
	if (d->entry)
		d->entry = GrowArray(d->entry, d->cap, newcap, sizeof(double));
	if (d->weight)
		d->weight = GrowArray(d->weight, d->cap, newcap, sizeof(double));
	if (d->strata)
		d->strata = GrowArray(d->strata, d->cap, newcap, sizeof(int32));
	if (d->cluster)
		d->cluster = GrowArray(d->cluster, d->cap, newcap, sizeof(int32));
	MemoryContextSwitchTo(old);
	d->cap = newcap;
}

/* Materialize the entry column, earlier rows entering at -Infinity. */
static void
AddEntryColumn(CoxData *d)
{
	int64		i;

	d->entry = MemoryContextAllocHuge(d->mcxt, sizeof(double) * (Size) Max(d->cap, 1));
	for (i = 0; i < d->n; i++)
		d->entry[i] = -INFINITY;
}

/* Materialize the weight column, earlier rows weighing 1. */
static void
AddWeightColumn(CoxData *d)
{
	int64		i;

	d->weight = MemoryContextAllocHuge(d->mcxt, sizeof(double) * (Size) Max(d->cap, 1));
	for (i = 0; i < d->n; i++)
		d->weight[i] = 1.0;
}

/* Materialize the strata column, earlier rows in the NULL stratum. */
static void
AddStrataColumn(CoxData *d)
{
	int64		i;
	int			null_id;

	if (d->strata_names == NULL)
		d->strata_names = NamesCreate(d->mcxt);
	d->strata = MemoryContextAllocHuge(d->mcxt, sizeof(int32) * (Size) Max(d->cap, 1));
	null_id = d->n > 0 ? NamesLookup(d->strata_names, NULL, 0) : -1;
	for (i = 0; i < d->n; i++)
		d->strata[i] = null_id;
}

/* Materialize the cluster column, earlier rows being their own clusters (-1). */
static void
AddClusterColumn(CoxData *d)
{
	int64		i;

	if (d->cluster_names == NULL)
		d->cluster_names = NamesCreate(d->mcxt);
	d->cluster = MemoryContextAllocHuge(d->mcxt, sizeof(int32) * (Size) Max(d->cap, 1));
	for (i = 0; i < d->n; i++)
		d->cluster[i] = -1;
}

/* First row: fix p and start the per-column {-1, 0, 1} tracking. */
static void
StartColumns(CoxData *d, int p)
{
	int			j;

	d->p = p;
	d->pm1 = MemoryContextAlloc(d->mcxt, sizeof(bool) * p);
	for (j = 0; j < p; j++)
		d->pm1[j] = true;
}

/* Validate one row and append it.  No allocation unless a column grows. */
void
CoxDataAddRow(CoxData *d, const CoxRow *r)
{
	int64		i = d->n;
	int			p = r->p;
	int			j;
	double	   *xi;

	CheckTime(r->time);
	CheckCovariates(d, r->x, p);
	if (!isnan(r->entry))
		CheckEntry(r->entry, r->time);
	if (r->weight != 1.0)
		CheckWeight(r->weight);

	if (d->p < 0)
		StartColumns(d, p);
	EnsureCapacity(d, i + 1);

	d->time[i] = r->time == 0 ? 0.0 : r->time;	/* no -0 */
	d->status[i] = r->status;
	if (r->status)
		d->nevents++;
	xi = d->x + i * p;
	for (j = 0; j < p; j++)
	{
		double		v = r->x[j];

		xi[j] = v;
		if (d->pm1[j] && !(v == 0.0 || v == 1.0 || v == -1.0))
			d->pm1[j] = false;
	}
	if (!isnan(r->entry) || d->entry)
	{
		if (d->entry == NULL)
			AddEntryColumn(d);
		d->entry[i] = isnan(r->entry) ? -INFINITY : r->entry;
	}
	if (r->weight != 1.0 || d->weight)
	{
		if (d->weight == NULL)
			AddWeightColumn(d);
		d->weight[i] = r->weight;
		if (r->weight != floor(r->weight))
			d->integer_weights = false;
	}
	if (r->strata != NULL || d->strata)
	{
		if (d->strata == NULL)
			AddStrataColumn(d);
		d->strata[i] = NamesLookup(d->strata_names, r->strata, r->strata_len);
	}
	if (r->cluster != NULL || d->cluster)
	{
		if (d->cluster == NULL)
			AddClusterColumn(d);
		d->cluster[i] = r->cluster ? NamesLookup(d->cluster_names, r->cluster, r->cluster_len) : -1;
	}
	d->n = i + 1;
	CLINNOVA_ASSERT(d->n <= d->cap);
}

/* Invariant checks of a state (test builds). */
void
CoxDataCheck(const CoxData *d)
{
#ifdef CLINNOVA_ASSERT_CHECKING
	int64		i;

	CLINNOVA_ASSERT(d->n >= 0 && d->n <= d->cap);
	CLINNOVA_ASSERT(d->n == 0 || d->p > 0);
	for (i = 0; i < d->n; i++)
	{
		CLINNOVA_ASSERT(d->time[i] >= 0 && isfinite(d->time[i]));
		CLINNOVA_ASSERT(d->entry == NULL || d->entry[i] < d->time[i]);
		CLINNOVA_ASSERT(d->weight == NULL || d->weight[i] > 0);
		CLINNOVA_ASSERT(d->strata == NULL || (d->strata[i] >= 0 && d->strata[i] < CoxNamesCount(d->strata_names)));
		CLINNOVA_ASSERT(d->cluster == NULL || (d->cluster[i] >= -1 && d->cluster[i] < CoxNamesCount(d->cluster_names)));
	}
#endif
}

/* ---- combine ---- */

/* Copy a varlena into mcxt. */
static struct varlena *
CopyVarlena(struct varlena *v, MemoryContext mcxt)
{
	struct varlena *c;

	if (v == NULL)
		return NULL;
	c = MemoryContextAllocHuge(mcxt, VARSIZE(v));
	memcpy(c, v, VARSIZE(v));
	return c;
}

/* Map each name id of b to the id of the same name in a (adding it). */
static int32 *
RemapNames(CoxNames *a, const CoxNames *b)
{
	int32	   *map = palloc(sizeof(int32) * Max(b->count, 1));
	int			id;

	for (id = 0; id < b->count; id++)
	{
		const char *s = CoxNamesGet(b, id);

		map[id] = NamesLookup(a, s, s ? NamesLen(b, id) : 0);
	}
	return map;
}

/*
 * Merge the rows of b into a (both may be NULL) and return the result, which lives in mcxt.
 * A state b that already lives in mcxt is adopted without copying when a is empty; otherwise
 * b's rows are appended to a and b's arrays are freed.
 */
CoxData *
CoxDataCombine(CoxData *a, CoxData *b, MemoryContext mcxt)
{
	int64		n0,
				i;
	int			p;
	int32	   *smap = NULL,
			   *cmap = NULL;

	if (b == NULL || b->n == 0)
	{
		if (a == NULL && b != NULL && b->mcxt == mcxt)
			return b;
		if (a == NULL)
			a = CoxDataCreate(mcxt);
		if (b != NULL)
		{
			if (a->options == NULL)
				a->options = CopyVarlena(b->options, a->mcxt);
			if (a->extra == NULL)
				a->extra = CopyVarlena(b->extra, a->mcxt);
		}
		return a;
	}
	if (a == NULL && b->mcxt == mcxt)
		return b;
	if (a == NULL)
		a = CoxDataCreate(mcxt);
	if (a->options == NULL)
		a->options = CopyVarlena(b->options, a->mcxt);
	if (a->extra == NULL)
		a->extra = CopyVarlena(b->extra, a->mcxt);

	p = b->p;
	if (a->p < 0)
		StartColumns(a, p);
	else if (a->p != p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x has %d elements in one row and %d in another", p, a->p),
				 errhint("Every row must give the same covariates in the same order.")));
	n0 = a->n;
	EnsureCapacity(a, n0 + b->n);
	if (b->entry && a->entry == NULL)
		AddEntryColumn(a);
	if (b->weight && a->weight == NULL)
		AddWeightColumn(a);
	if (b->strata && a->strata == NULL)
		AddStrataColumn(a);
	if (b->cluster && a->cluster == NULL)
		AddClusterColumn(a);
	if (b->strata)
		smap = RemapNames(a->strata_names, b->strata_names);
	if (b->cluster)
		cmap = RemapNames(a->cluster_names, b->cluster_names);

	memcpy(a->time + n0, b->time, sizeof(double) * (Size) b->n);
	memcpy(a->status + n0, b->status, sizeof(bool) * (Size) b->n);
	memcpy(a->x + n0 * p, b->x, sizeof(double) * (Size) (b->n * p));
	for (i = 0; i < b->n; i++)
	{
		if (a->entry)
			a->entry[n0 + i] = b->entry ? b->entry[i] : -INFINITY;
		if (a->weight)
			a->weight[n0 + i] = b->weight ? b->weight[i] : 1.0;
		if (a->strata)
			a->strata[n0 + i] = b->strata ? smap[b->strata[i]] :
				NamesLookup(a->strata_names, NULL, 0);
		if (a->cluster)
			a->cluster[n0 + i] = (b->cluster && b->cluster[i] >= 0) ? cmap[b->cluster[i]] : -1;
	}
	for (i = 0; i < p; i++)
		a->pm1[i] = a->pm1[i] && b->pm1[i];
	a->nevents += b->nevents;
	a->integer_weights = a->integer_weights && b->integer_weights;
	a->n = n0 + b->n;

	/* b's rows now live in a: release its big arrays early */
	if (b->mcxt == mcxt)
	{
		pfree(b->time);
		pfree(b->status);
		pfree(b->x);
		if (b->entry)
			pfree(b->entry);
		if (b->weight)
			pfree(b->weight);
		if (b->strata)
			pfree(b->strata);
		if (b->cluster)
			pfree(b->cluster);
		b->time = b->entry = b->weight = b->x = NULL;
		b->status = NULL;
		b->strata = b->cluster = NULL;
		b->n = b->cap = 0;
	}
	CoxDataCheck(a);
	return a;
}

/* ---- serialize / deserialize ---- */

/* A bounded reader over a serialized state. */
typedef struct Reader
{
	const char *p;
	const char *end;
} Reader;

/* Take n bytes from the reader; 22P03 if the value is too short. */
static const char *
ReadBytes(Reader *r, Size n)
{
	const char *s = r->p;

	if ((Size) (r->end - r->p) < n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialized Cox aggregate state"),
				 errdetail("The value ends early.")));
	r->p += n;
	return s;
}

/* Copy n bytes into dst. */
static void
ReadInto(Reader *r, void *dst, Size n)
{
	memcpy(dst, ReadBytes(r, n), n);
}

/* Append n bytes to a buffer being filled. */
static inline void
Put(char **w, const void *src, Size n)
{
	memcpy(*w, src, n);
	*w += n;
}

/* Bytes needed to serialize a dictionary. */
static Size
NamesSerialSize(const CoxNames *names)
{
	Size		s = sizeof(int32);
	int			id;

	for (id = 0; id < CoxNamesCount(names); id++)
		s += sizeof(int32) + Max(NamesLen(names, id), 0);
	return s;
}

/* Write a dictionary: count, then (length or -1, bytes) per id. */
static void
NamesSerialize(char **w, const CoxNames *names)
{
	int32		count = CoxNamesCount(names);
	int			id;

	Put(w, &count, sizeof(int32));
	for (id = 0; id < count; id++)
	{
		int32		len = NamesLen(names, id);

		Put(w, &len, sizeof(int32));
		if (len > 0)
			Put(w, CoxNamesGet(names, id), len);
	}
}

/* Read a dictionary; ids come back in the same order. */
static CoxNames *
NamesDeserialize(Reader *r, MemoryContext mcxt)
{
	CoxNames   *names = NamesCreate(mcxt);
	int32		count,
				id;

	ReadInto(r, &count, sizeof(int32));
	if (count < 0 || (Size) count > (Size) (r->end - r->p) / sizeof(int32))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialized Cox aggregate state"),
				 errdetail("The name count %d is invalid.", count)));
	for (id = 0; id < count; id++)
	{
		int32		len;
		int			got;

		ReadInto(r, &len, sizeof(int32));
		if (len < -1 || len > COX_MAX_NAME_LEN * 1024)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid serialized Cox aggregate state"),
					 errdetail("A name length of %d is invalid.", len)));
		got = (len < 0) ? NamesLookup(names, NULL, 0) :
			NamesLookup(names, ReadBytes(r, len), len);
		if (got != id)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid serialized Cox aggregate state"),
					 errdetail("A name occurs twice.")));
	}
	return names;
}

/*
 * Serialize the state (same-build parallel workers only, so native byte order):
 * version, flags, p, n, nevents, pm1[p], dictionaries, options and extra varlenas, columns.
 */
bytea *
CoxDataSerialize(CoxData *d)
{
	uint8		flags = 0;
	int32		p = d->p;
	int64		n = d->n;
	Size		size;
	bytea	   *out;
	char	   *w;
	uint8		version = COXDATA_SERIAL_VERSION;
	int32		len;

	if (d->entry)
		flags |= SER_ENTRY;
	if (d->weight)
		flags |= SER_WEIGHT;
	if (d->strata)
		flags |= SER_STRATA;
	if (d->cluster)
		flags |= SER_CLUSTER;
	if (d->options)
		flags |= SER_OPTIONS;
	if (d->extra)
		flags |= SER_EXTRA;
	if (d->integer_weights)
		flags |= SER_INTWEIGHTS;

	size = VARHDRSZ + 2 + sizeof(int32) + 2 * sizeof(int64) + Max(p, 0);
	if (d->strata)
		size += NamesSerialSize(d->strata_names);
	if (d->cluster)
		size += NamesSerialSize(d->cluster_names);
	if (d->options)
		size += sizeof(int32) + VARSIZE(d->options);
	if (d->extra)
		size += sizeof(int32) + VARSIZE(d->extra);
	size += (Size) n * (sizeof(double) + sizeof(bool) + sizeof(double) * Max(p, 0));
	if (d->entry)
		size += (Size) n * sizeof(double);
	if (d->weight)
		size += (Size) n * sizeof(double);
	if (d->strata)
		size += (Size) n * sizeof(int32);
	if (d->cluster)
		size += (Size) n * sizeof(int32);
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("Cox aggregate state of %zu bytes is too large to pass between parallel workers", size),
				 errhint("SET max_parallel_workers_per_gather = 0 for this query.")));

	out = palloc(size);
	SET_VARSIZE(out, size);
	w = VARDATA(out);
	Put(&w, &version, 1);
	Put(&w, &flags, 1);
	Put(&w, &p, sizeof(int32));
	Put(&w, &n, sizeof(int64));
	Put(&w, &d->nevents, sizeof(int64));
	if (p > 0)
		Put(&w, d->pm1, p);
	if (d->strata)
		NamesSerialize(&w, d->strata_names);
	if (d->cluster)
		NamesSerialize(&w, d->cluster_names);
	if (d->options)
	{
		len = VARSIZE(d->options);
		Put(&w, &len, sizeof(int32));
		Put(&w, d->options, len);
	}
	if (d->extra)
	{
		len = VARSIZE(d->extra);
		Put(&w, &len, sizeof(int32));
		Put(&w, d->extra, len);
	}
	Put(&w, d->time, sizeof(double) * n);
	Put(&w, d->status, sizeof(bool) * n);
	if (p > 0)
		Put(&w, d->x, sizeof(double) * n * p);
	if (d->entry)
		Put(&w, d->entry, sizeof(double) * n);
	if (d->weight)
		Put(&w, d->weight, sizeof(double) * n);
	if (d->strata)
		Put(&w, d->strata, sizeof(int32) * n);
	if (d->cluster)
		Put(&w, d->cluster, sizeof(int32) * n);
	Assert(w == (char *) out + size);
	return out;
}

/* Read a varlena copied into the state (options or extra). */
static struct varlena *
ReadVarlena(Reader *r, MemoryContext mcxt)
{
	int32		len;
	struct varlena *v;

	ReadInto(r, &len, sizeof(int32));
	if (len < VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialized Cox aggregate state"),
				 errdetail("An argument of %d bytes is invalid.", len)));
	v = MemoryContextAllocHuge(mcxt, len);
	ReadInto(r, v, len);
	if (VARSIZE(v) != (Size) len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialized Cox aggregate state"),
				 errdetail("An argument's length does not match its header.")));
	return v;
}

/* Read a column of n elements of elsize bytes into a new array in mcxt. */
static void *
ReadColumn(Reader *r, int64 n, Size elsize, MemoryContext mcxt)
{
	void	   *a = MemoryContextAllocHuge(mcxt, Max((Size) n * elsize, 1));

	ReadInto(r, a, (Size) n * elsize);
	return a;
}

/*
 * Rebuild a state from CoxDataSerialize output, allocating in mcxt (the aggregate context, so
 * that the combine function can adopt it without a copy).  Every length and id is checked.
 */
CoxData *
CoxDataDeserialize(bytea *b, MemoryContext mcxt)
{
	Reader		r;
	uint8		version,
				flags;
	int32		p;
	int64		n,
				i;
	CoxData    *d = CoxDataCreate(mcxt);

	r.p = VARDATA_ANY(b);
	r.end = r.p + VARSIZE_ANY_EXHDR(b);
	ReadInto(&r, &version, 1);
	if (version != COXDATA_SERIAL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialized Cox aggregate state"),
				 errdetail("Format version %d is not supported.", version)));
	ReadInto(&r, &flags, 1);
	ReadInto(&r, &p, sizeof(int32));
	ReadInto(&r, &n, sizeof(int64));
	ReadInto(&r, &d->nevents, sizeof(int64));
	if (p < -1 || p == 0 || p > COX_MAX_TERMS || n < 0 || n > COX_MAX_ROWS ||
		(p < 0 && n > 0) || d->nevents < 0 || d->nevents > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialized Cox aggregate state"),
				 errdetail("Sizes p = %d, n = %lld are invalid.", p, (long long) n)));
	d->integer_weights = (flags & SER_INTWEIGHTS) != 0;
	if (p > 0)
	{
		StartColumns(d, p);
		ReadInto(&r, d->pm1, p);
	}
	if (flags & SER_STRATA)
		d->strata_names = NamesDeserialize(&r, mcxt);
	if (flags & SER_CLUSTER)
		d->cluster_names = NamesDeserialize(&r, mcxt);
	if (flags & SER_OPTIONS)
		d->options = ReadVarlena(&r, mcxt);
	if (flags & SER_EXTRA)
		d->extra = ReadVarlena(&r, mcxt);
	d->time = ReadColumn(&r, n, sizeof(double), mcxt);
	d->status = ReadColumn(&r, n, sizeof(bool), mcxt);
	d->x = ReadColumn(&r, n * Max(p, 0), sizeof(double), mcxt);
	if (flags & SER_ENTRY)
		d->entry = ReadColumn(&r, n, sizeof(double), mcxt);
	if (flags & SER_WEIGHT)
		d->weight = ReadColumn(&r, n, sizeof(double), mcxt);
	if (flags & SER_STRATA)
		d->strata = ReadColumn(&r, n, sizeof(int32), mcxt);
	if (flags & SER_CLUSTER)
		d->cluster = ReadColumn(&r, n, sizeof(int32), mcxt);
	if (r.p != r.end)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialized Cox aggregate state"),
				 errdetail("%d unexpected trailing bytes.", (int) (r.end - r.p))));
	d->n = d->cap = n;
	for (i = 0; i < n; i++)
	{
		if (d->status[i] != 0 && d->status[i] != 1)
			d->status[i] = true;
		if (d->strata && (d->strata[i] < 0 || d->strata[i] >= CoxNamesCount(d->strata_names)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid serialized Cox aggregate state"),
					 errdetail("A stratum id is out of range.")));
		if (d->cluster && (d->cluster[i] < -1 || d->cluster[i] >= CoxNamesCount(d->cluster_names)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid serialized Cox aggregate state"),
					 errdetail("A cluster id is out of range.")));
	}
	CoxDataCheck(d);
	return d;
}

/* ---- workspace ---- */

/*
 * The scratch every final function shares: at least slots (<= COX_WORK_SLOTS) vectors of n
 * doubles, allocated in the caller's context and reused by the sort, the Newton passes, the
 * concordance and the baseline, so that a fit touches fresh memory once rather than per
 * phase.  It grows (keeping its contents) when a later phase needs more slots; a
 * right-censored fit needs three, so a large fit touches no more fresh memory than that.
 */
double *
CoxWorkspace(CoxData *d, int slots)
{
	Assert(slots >= 1 && slots <= COX_WORK_SLOTS);
	if (d->work_slots < slots)
	{
		int64		nelem = Max(d->n, 1) * (int64) slots;

		if (d->work == NULL)
			d->work = CoxAlloc(nelem, sizeof(double), false);
		else
		{
			d->work = repalloc_huge(d->work, sizeof(double) * nelem);
			clinnova_advise_huge_pages(d->work, sizeof(double) * nelem);
		}
		d->work_slots = slots;
	}
	return d->work;
}

/* ---- radix sort ---- */

#define RADIX_BITS	11
#define RADIX_SIZE	(1 << RADIX_BITS)

/*
 * Stable LSD radix sort of n (key, idx) pairs by unsigned 64-bit key, 11-bit digits from the
 * lowest bit in which keys differ, skipping digits in which all keys agree (integer times
 * stored as doubles differ in about 17 bits: two passes).  tk and ti are scratch of n
 * elements each; the result is left in keys/idx.
 */
void
CoxRadixSort(uint64 *keys, int32 *idx, uint64 *tk, int32 *ti, int64 n)
{
	uint64		all_or = 0,
				all_and = ~(uint64) 0,
				varying;
	int64	   *count;
	int64		i;
	int			shift;
	bool		in_scratch = false;
	uint64	   *k0 = keys;
	int32	   *i0 = idx;

	for (i = 0; i < n; i++)
	{
		all_or |= keys[i];
		all_and &= keys[i];
	}
	varying = all_or ^ all_and;
	if (varying == 0)
		return;
	count = palloc(sizeof(int64) * RADIX_SIZE);
	for (shift = pg_rightmost_one_pos64(varying); shift < 64; shift += RADIX_BITS)
	{
		int64		sum = 0;
		int			b;

		if (((varying >> shift) & (RADIX_SIZE - 1)) == 0)
			continue;
		CHECK_FOR_INTERRUPTS();
		memset(count, 0, sizeof(int64) * RADIX_SIZE);
		for (i = 0; i < n; i++)
			count[(keys[i] >> shift) & (RADIX_SIZE - 1)]++;
		for (b = 0; b < RADIX_SIZE; b++)
		{
			int64		c = count[b];

			count[b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
		{
			int64		pos = count[(keys[i] >> shift) & (RADIX_SIZE - 1)]++;

			tk[pos] = keys[i];
			ti[pos] = idx[i];
		}
		/* the sorted pairs are now in the scratch arrays: swap roles */
		{
			uint64	   *sk = keys;
			int32	   *si = idx;

			keys = tk;
			idx = ti;
			tk = sk;
			ti = si;
		}
		in_scratch = !in_scratch;
	}
	if (in_scratch)
	{
		memcpy(k0, keys, sizeof(uint64) * n);
		memcpy(i0, idx, sizeof(int32) * n);
	}
	pfree(count);
}

/* ---- the one-time sort ---- */

/* Name comparison for ordering strata and clusters: byte order, the NULL name last. */
static const CoxNames *sort_names_ctx;

/* qsort comparator of name ids by their names. */
static int
CompareNameIds(const void *a, const void *b)
{
	const char *sa = CoxNamesGet(sort_names_ctx, *(const int32 *) a);
	const char *sb = CoxNamesGet(sort_names_ctx, *(const int32 *) b);

	if (sa == NULL || sb == NULL)
		return (sa == NULL) - (sb == NULL);
	return strcmp(sa, sb);
}

/* ids sorted by name; rank[id] receives each id's position. */
static int32 *
NameOrder(const CoxNames *names, int32 **rank)
{
	int			count = CoxNamesCount(names);
	int32	   *order = palloc(sizeof(int32) * Max(count, 1));
	int			k;

	*rank = palloc(sizeof(int32) * Max(count, 1));
	for (k = 0; k < count; k++)
		order[k] = k;
	sort_names_ctx = names;
	qsort(order, count, sizeof(int32), CompareNameIds);
	sort_names_ctx = NULL;
	for (k = 0; k < count; k++)
		(*rank)[order[k]] = k;
	return order;
}

/* Rows ahead in the cycle list whose covariates PermuteInPlace prefetches. */
#define PERMUTE_LOOKAHEAD	16

/*
 * Gather a column of n elements of elsize bytes through perm (new element k = old element
 * perm[k]) via scratch of n elements: the reads are random but independent of each other,
 * so their cache misses overlap.
 */
static void
GatherColumn(void *col, Size elsize, const int32 *perm, int64 n, void *scratch)
{
	int64		k;

	switch (elsize)
	{
		case sizeof(double):
			for (k = 0; k < n; k++)
				((uint64 *) scratch)[k] = ((const uint64 *) col)[perm[k]];
			break;
		case sizeof(int32):
			for (k = 0; k < n; k++)
				((uint32 *) scratch)[k] = ((const uint32 *) col)[perm[k]];
			break;
		default:
			Assert(elsize == 1);
			for (k = 0; k < n; k++)
				((uint8 *) scratch)[k] = ((const uint8 *) col)[perm[k]];
			break;
	}
	memcpy(col, scratch, elsize * (Size) n);
}

/*
 * Reorder every column through perm in place (new row k = old row perm[k]).  The one-value
 * columns are gathered through the scratch (n doubles).  The covariate rows cannot be (that
 * would be a second copy of the data): they move along the permutation's cycles, whose order
 * is first listed in cycles (room for n int32; a cycle is its start as -(start + 1), then its
 * other rows) by walking perm alone, so that the moves can prefetch the rows
 * PERMUTE_LOOKAHEAD places ahead instead of waiting for each random read in turn.
 */
static void
PermuteInPlace(CoxData *d, const int32 *perm, void *scratch, int32 *cycles)
{
	int64		n = d->n,
				s,
				k,
				len = 0,
				pos;
	int			p = d->p;
	uint8	   *done;
	double	   *xtmp;

	GatherColumn(d->time, sizeof(double), perm, n, scratch);
	GatherColumn(d->status, sizeof(bool), perm, n, scratch);
	if (d->entry)
		GatherColumn(d->entry, sizeof(double), perm, n, scratch);
	if (d->weight)
		GatherColumn(d->weight, sizeof(double), perm, n, scratch);
	if (d->strata)
		GatherColumn(d->strata, sizeof(int32), perm, n, scratch);
	if (d->cluster)
		GatherColumn(d->cluster, sizeof(int32), perm, n, scratch);
	if (p <= 0)
		return;

	/* list the cycles */
	done = palloc0((n + 7) / 8);
	for (s = 0; s < n; s++)
	{
		if ((done[s >> 3] >> (s & 7)) & 1)
			continue;
		done[s >> 3] |= 1 << (s & 7);
		if (perm[s] == s)
			continue;
		if ((s & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		cycles[len++] = (int32) (-(s + 1));
		for (k = perm[s]; k != s; k = perm[k])
		{
			done[k >> 3] |= 1 << (k & 7);
			cycles[len++] = (int32) k;
		}
	}
	pfree(done);
	CLINNOVA_ASSERT(len <= n);

	/* move the covariate rows: row k takes row perm[k], the next one in the list */
	xtmp = palloc(sizeof(double) * p);
	k = -1;
	for (pos = 0; pos < len; pos++)
	{
		int64		next = cycles[pos];
		int			j;

		if (pos + PERMUTE_LOOKAHEAD < len)
		{
			int64		ahead = cycles[pos + PERMUTE_LOOKAHEAD];
			const double *xa;

			if (ahead < 0)
				ahead = -ahead - 1;
			xa = d->x + ahead * p;
			__builtin_prefetch(xa, 1);
			__builtin_prefetch(xa + p - 1, 1);
		}
		if (next < 0)
		{
			/* a new cycle: close the previous one with its saved first row */
			if (k >= 0)
				memcpy(d->x + k * p, xtmp, sizeof(double) * p);
			k = -next - 1;
			memcpy(xtmp, d->x + k * p, sizeof(double) * p);
			if (((pos + 1) & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			continue;
		}
		for (j = 0; j < p; j++)
			d->x[k * p + j] = d->x[next * p + j];
		k = next;
	}
	if (k >= 0)
		memcpy(d->x + k * p, xtmp, sizeof(double) * p);
	pfree(xtmp);
}

/* Number strata and clusters in name order (the NULL stratum last); once per state. */
static void
RankNames(CoxData *d)
{
	int64		n = d->n,
				i;
	int32	   *srank = NULL;
	int32	   *sorder = NULL;
	int			s;

	if (d->strata)
	{
		sorder = NameOrder(d->strata_names, &srank);
		for (i = 0; i < n; i++)
			d->strata[i] = srank[d->strata[i]];
		d->nstrata = CoxNamesCount(d->strata_names);
	}
	else
		d->nstrata = 1;
	if (d->cluster)
	{
		int32	   *crank;

		pfree(NameOrder(d->cluster_names, &crank));
		for (i = 0; i < n; i++)
			if (d->cluster[i] >= 0)
				d->cluster[i] = crank[d->cluster[i]];
		pfree(crank);
	}
	d->stratum_name = MemoryContextAlloc(d->mcxt, sizeof(int32) * d->nstrata);
	for (s = 0; s < d->nstrata; s++)
		d->stratum_name[s] = sorder ? sorder[s] : -1;
}

/* One round of a 64-bit multiply-xorshift mixer (the splitmix64 finalizer). */
static inline uint64
Mix64(uint64 h)
{
	h ^= h >> 30;
	h *= UINT64CONST(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64CONST(0x94d049bb133111eb);
	h ^= h >> 31;
	return h;
}

/* Fold one 64-bit value v into the running hash h (rotate left by 23, add the product). */
static inline uint64
HashStep(uint64 h, uint64 v)
{
	return ((h << 23) | (h >> 41)) + (v ^ UINT64CONST(0x9e3779b97f4a7c15)) *
		UINT64CONST(0xd6e8feb86659fd93);
}

/*
 * 64-bit hash of a row's content beyond its stratum and time (entry, weight, cluster,
 * covariates): the sort orders rows of equal (time, event) by some of its bits, then rows
 * whose bits agree by their content itself (CompareContent).
 */
static inline uint64
ContentHash(const CoxData *d, int64 i)
{
	const double *xi = d->x + i * d->p;
	uint64		h = UINT64CONST(0x636f7868617368);
	int			j;

	/*
	 * Each value is multiplied on its own (the products pipeline); only a rotate and an add
	 * chain them, which keeps the hash order-sensitive.  One mixer round at the end.
	 */
	for (j = 0; j < d->p; j++)
		h = HashStep(h, CoxDoubleBits(xi[j]));
	if (d->entry)
		h = HashStep(h, CoxDoubleBits(d->entry[i]));
	if (d->weight)
		h = HashStep(h, CoxDoubleBits(d->weight[i]));
	if (d->cluster)
		h = HashStep(h, (uint64) (uint32) d->cluster[i]);
	return Mix64(h);
}

/*
 * Total order of two rows by their content beyond stratum, time and event (entry, weight,
 * cluster, covariates, compared as the bits of CoxDoubleBits): rows it calls equal are the
 * same row, so any order among them gives the same sums.
 */
static int
CompareContent(const void *a, const void *b, void *arg)
{
	const CoxData *d = (const CoxData *) arg;
	int64		i = *(const int32 *) a,
				k = *(const int32 *) b;
	int			j;

#define CMP_BITS(u, v) \
	do { uint64 u_ = (u), v_ = (v); if (u_ != v_) return u_ < v_ ? -1 : 1; } while (0)
	if (d->entry)
		CMP_BITS(CoxDoubleBits(d->entry[i]), CoxDoubleBits(d->entry[k]));
	if (d->weight)
		CMP_BITS(CoxDoubleBits(d->weight[i]), CoxDoubleBits(d->weight[k]));
	if (d->cluster)
		CMP_BITS((uint32) d->cluster[i], (uint32) d->cluster[k]);
	for (j = 0; j < d->p; j++)
		CMP_BITS(CoxDoubleBits(d->x[i * d->p + j]), CoxDoubleBits(d->x[k * d->p + j]));
#undef CMP_BITS
	return 0;
}

/* Fewest content-hash bits in the sort key: few rows of one (time, event) then agree. */
#define SORT_HASH_BITS_MIN	12

/*
 * Sort the rows by (stratum, time), events first and content after that, in place: one
 * stable radix sort of a composite key (the bits in which the times differ, the event flag,
 * and enough bits of the content hash to fill the last radix digit, at least
 * SORT_HASH_BITS_MIN), then a comparison sort of each run of equal keys by content (rare,
 * short runs), a stable counting sort of the strata, and one in-place permutation of all
 * columns.  Integer times in days differ in about 17 bits: three radix passes.  The order
 * depends on the rows alone, never on the order they arrived in, so a parallel plan gives
 * the same bits as a serial one.
 */
static void
SortRows(CoxData *d)
{
	int64		n = d->n,
				i,
				a;
	double	   *work = CoxWorkspace(d, 3);
	uint64	   *keys = (uint64 *) work;
	uint64	   *tk = (uint64 *) (work + n);
	int32	   *idx = (int32 *) (work + 2 * n);
	int32	   *ti = idx + n;
	uint64		t_or = 0,
				t_and = ~(uint64) 0,
				varying;
	int			tlo = 0,
				tbits = 0,
				hbits,
				total;

	/* which bits of the time keys differ */
	for (i = 0; i < n; i++)
	{
		uint64		k = CoxDoubleKey(d->time[i]);

		t_or |= k;
		t_and &= k;
	}
	varying = t_or ^ t_and;
	if (varying != 0)
	{
		tlo = pg_rightmost_one_pos64(varying);
		tbits = pg_leftmost_one_pos64(varying) - tlo + 1;
	}
	/* time bits, event flag, hash bits up to a whole number of digits (at most 64 bits) */
	total = ((tbits + 1 + SORT_HASH_BITS_MIN + 10) / 11) * 11;
	total = Min(total, 64);
	hbits = total - tbits - 1;

	for (i = 0; i < n; i++)
	{
		uint64		k = (CoxDoubleKey(d->time[i]) ^ t_and) >> tlo;

		k = (k << 1) | (d->status[i] ? 0 : 1);
		if (hbits > 0)
			k = (k << hbits) | (ContentHash(d, i) >> (64 - hbits));
		keys[i] = k;
		idx[i] = (int32) i;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	CoxRadixSort(keys, idx, tk, ti, n);
	/* runs of equal keys: same time and event, hash bits alike; order them by content */
	for (i = 0; i < n; i = a)
	{
		for (a = i + 1; a < n && keys[a] == keys[i]; a++)
			;
		if (a - i > 1)
			qsort_arg(idx + i, a - i, sizeof(int32), CompareContent, d);
	}
	if (d->strata && d->nstrata > 1)
	{
		/* stable counting sort by stratum */
		int64	   *pos = palloc0(sizeof(int64) * (d->nstrata + 1));
		int			s;

		for (i = 0; i < n; i++)
			pos[d->strata[idx[i]] + 1]++;
		for (s = 0; s < d->nstrata; s++)
			pos[s + 1] += pos[s];
		for (i = 0; i < n; i++)
			ti[pos[d->strata[idx[i]]]++] = idx[i];
		memcpy(idx, ti, sizeof(int32) * n);
		pfree(pos);
	}
	/* keys and tk are free now: scratch for the gathers and the cycle list */
	PermuteInPlace(d, idx, keys, (int32 *) tk);
}

/* Index of the largest cut <= v (cuts ascending, cuts[0] <= v). */
static inline int64
CutBelow(const double *cuts, int64 ncut, double v)
{
	int64		lo = 0,
				hi = ncut;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (cuts[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/*
 * R's timefix (aeqSurv) on sorted rows: times (and entry times) that differ by at most
 * sqrt(DBL_EPSILON), absolutely or relative to the mean absolute time, are the same time,
 * chains of such gaps included.  Each time becomes the smallest of its group; returns true
 * when anything changed.  A (start, stop] interval that collapses is an error, as in R.
 */
static bool
TimeFix(CoxData *d)
{
	const double tol = 1.4901161193847656e-08;	/* sqrt(.Machine$double.eps) */
	int64		n = d->n,
				m = 0,
				i,
				nk;
	bool		simple = (d->nstrata == 1 && d->entry == NULL);
	double	   *work = CoxWorkspace(d, simple ? 1 : COX_WORK_SLOTS);
	double	   *y = work;		/* distinct values, then the cuts (in place) */
	double		meanabs = 0;
	int64		ncut = 0;
	bool		tied = false;
	int			s;

	if (simple)
	{
		/* one stratum of sorted times: the distinct values in one pass */
		for (i = 0; i < n; i++)
			if (m == 0 || d->time[i] != y[m - 1])
				y[m++] = d->time[i];
	}
	else
	{
		uint64	   *keys = (uint64 *) work;
		uint64	   *tk = (uint64 *) (work + 2 * n);
		int32	   *idx = (int32 *) (work + 4 * n);
		int32	   *ti = idx + 2 * n;
		int64		k = 0;

		for (i = 0; i < n; i++)
		{
			keys[k] = CoxDoubleKey(d->time[i]);
			idx[k++] = 0;
			if (d->entry && isfinite(d->entry[i]))
			{
				keys[k] = CoxDoubleKey(d->entry[i]);
				idx[k++] = 0;
			}
		}
		CoxRadixSort(keys, idx, tk, ti, k);
		for (i = 0; i < k; i++)
		{
			uint64		u = keys[i];
			double		v;

			/* decode the key (same storage, written behind the read position) */
			u = (u >> 63) ? (u & ~((uint64) 1 << 63)) : ~u;
			memcpy(&v, &u, sizeof(v));
			if (m == 0 || v != y[m - 1])
				y[m++] = v;
		}
	}
	nk = m;
	for (i = 0; i < nk; i++)
		meanabs += fabs(y[i]);
	meanabs /= nk;
	for (i = 1; i < nk && !tied; i++)
	{
		double		dy = y[i] - y[i - 1];

		tied = dy <= tol || dy / meanabs <= tol;
	}
	if (!tied)
		return false;
	/* cuts: the first value of each group of tied values (compacted in place) */
	for (i = 0; i < nk; i++)
	{
		double		dy = i > 0 ? y[i] - y[i - 1] : 0;

		if (i == 0 || !(dy <= tol || dy / meanabs <= tol))
			y[ncut++] = y[i];
	}
	/* each time becomes the largest cut <= it: rows are sorted within a stratum */
	for (s = 0; s < d->nstrata; s++)
	{
		int64		lo = d->stratum_first[s],
					hi = d->stratum_first[s + 1];
		int64		c = lo < hi ? CutBelow(y, ncut, d->time[lo]) : 0;

		for (i = lo; i < hi; i++)
		{
			while (c + 1 < ncut && y[c + 1] <= d->time[i])
				c++;
			if (d->entry && isfinite(d->entry[i]))
			{
				double		oe = d->entry[i];
				double		ot = d->time[i];

				d->entry[i] = y[CutBelow(y, ncut, d->entry[i])];
				if (d->entry[i] >= y[c])
					ereport(ERROR,
							(errcode(ERRCODE_DATA_EXCEPTION),
							 errmsg("a (start, stop] interval has effective length 0"),
							 errdetail("Entry %s and time %s are equal within the time tolerance (R's aeqSurv).",
									   float8out_internal(oe), float8out_internal(ot)),
							 errhint("Use '{\"timefix\": false}' if the times are exact.")));
			}
			d->time[i] = y[c];
		}
	}
	return true;
}

/*
 * After timefix merged times, the rows are no longer in (stratum, time, events first, content)
 * order within the merged times: sort again (rows are nearly sorted, the permutation is
 * mostly fixed points).
 */
static void
ResortTies(CoxData *d)
{
	SortRows(d);
}

/* Record the row range of each stratum of sorted rows. */
static void
StratumBounds(CoxData *d)
{
	int64		i;
	int			s;

	d->stratum_first = MemoryContextAllocZero(d->mcxt, sizeof(int64) * (d->nstrata + 1));
	for (i = 0; i < d->n; i++)
		d->stratum_first[(d->strata ? d->strata[i] : 0) + 1]++;
	for (s = 0; s < d->nstrata; s++)
		d->stratum_first[s + 1] += d->stratum_first[s];
}

/*
 * Prepare the rows for every later pass: strata and clusters numbered in name order, R's
 * timefix when asked, rows physically sorted by (stratum, time, events first, content),
 * stratum boundaries, and for (start, stop] data each stratum's rows ordered by entry time
 * (start_order).  Idempotent.
 */
void
CoxDataPrepare(CoxData *d, bool timefix)
{
	int64		n = d->n,
				i;
	int			s;

	if (d->prepared)
		return;
	RankNames(d);
	SortRows(d);
	StratumBounds(d);
	if (timefix && TimeFix(d))
		ResortTies(d);

	/* (start, stop] data: rows by entry time within each stratum */
	if (d->entry)
	{
		double	   *work = CoxWorkspace(d, 3);
		uint64	   *keys = (uint64 *) work;
		uint64	   *tk = (uint64 *) (work + n);
		int32	   *idx = (int32 *) (work + 2 * n);
		int32	   *ti = idx + n;

		d->start_order = MemoryContextAllocHuge(d->mcxt, sizeof(int32) * Max(n, 1));
		for (s = 0; s < d->nstrata; s++)
		{
			int64		lo = d->stratum_first[s],
						hi = d->stratum_first[s + 1];

			for (i = lo; i < hi; i++)
			{
				keys[i - lo] = CoxDoubleKey(d->entry[i]);
				idx[i - lo] = (int32) i;
			}
			CoxRadixSort(keys, idx, tk, ti, hi - lo);
			memcpy(d->start_order + lo, idx, sizeof(int32) * (hi - lo));
		}
	}
	d->prepared = true;
#ifdef CLINNOVA_ASSERT_CHECKING
	for (i = 1; i < n; i++)
	{
		int32		sa = d->strata ? d->strata[i - 1] : 0;
		int32		sb = d->strata ? d->strata[i] : 0;

		CLINNOVA_ASSERT(sa < sb || (sa == sb && (d->time[i - 1] < d->time[i] ||
												 (d->time[i - 1] == d->time[i] &&
												  d->status[i - 1] >= d->status[i]))));
	}
#endif
}

/* Number of named clusters (rows with cluster -1 are their own clusters). */
int
CoxDataClusterCount(const CoxData *d)
{
	return CoxNamesCount(d->cluster_names);
}
