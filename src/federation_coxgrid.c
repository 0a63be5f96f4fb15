/*
 * federation_coxgrid.c — pooled Cox regression on a shared time grid, computed from per-site
 * risk-set sums.
 *
 * The model.  Times are coarsened to a grid of width g: t' = ceil(t / g) * g.  The pooled Cox
 * partial likelihood of the coarsened data (Breslow or Efron ties) needs, at each grid point u
 * where some site has events, the risk-set sums S0 = sum exp(eta), S1 = sum exp(eta) z,
 * S2 = sum exp(eta) z z' over {i: t'_i >= u}, and for the events at u their count d, sum of z and
 * (Efron) the event-set sums E0, E1, E2; z = x - c is x centred at a common centre c (the pooled
 * means; the likelihood does not depend on c, the arithmetic is just safer).
 *
 * The protocol.  Round 0: each site returns coxph_grid_times(time, event, g), the grid points
 * where it has events (each with at least min_cell_count events at a federation site); the
 * coordinator forms their union U = u_1 < ... < u_m.  Each Newton step then sends beta, c, g and
 * U; each site returns coxph_grid_step(...), a clinnova.coxgrid value that holds, for every
 * u_j in U, sums over the rows "leaving after u_j" — L(i) = u_j, where L(i) is the last point
 * of U at or before t'_i (rows with t'_i < u_1 are in no risk set and are left out):
 *   m_j, A0_j, A1_j, A2_j over {i: L(i) = u_j}, and d_j, E0_j, E1_j, E2_j, SX_j over the events
 *   at u_j.
 * Then S_k(u_j) = sum_{j' >= j} A_k(j'), and the coordinator sums the sites' values elementwise
 * (coxgrid_merge) and computes log-likelihood, score and information exactly as coxph does on
 * the grid-coarsened pooled data (coxgrid_derivatives).
 *
 * Disclosure.  Differences of released risk-set sums are sums over the people who leave between
 * two points of U: the events at u_j (d_j of them) and the censorings after u_j (m_j - d_j).
 * A federation site therefore refuses (42501) unless every d_j and every m_j - d_j is zero or at
 * least min_cell_count, and unless g is at least its clinnova.time_grain; rows with invalid
 * values are skipped there instead of raising data-dependent errors.  Note that the sums are
 * functions of the beta the coordinator sends: every step is recorded in the site's audit table.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "clinnova.h"

/* Binary format version of clinnova.coxgrid and of the aggregate states. */
#define COXGRID_FORMAT_VERSION 1
/* Most covariates and grid points a coxgrid may hold (keeps every size computation in range). */
#define COXGRID_MAX_P 200
#define COXGRID_MAX_GRID 1000000

/* Offsets inside the block of one grid point; T = p (p + 1) / 2 (packed upper triangles). */
#define BLK_M 0					/* rows leaving after this point */
#define BLK_D 1					/* events at this point */
#define BLK_A0 2
#define BLK_E0 3
#define BLK_A1(p) 4
#define BLK_E1(p) (4 + (p))
#define BLK_SX(p) (4 + 2 * (p))
#define BLK_A2(p) (4 + 3 * (p))
#define BLK_E2(p) (4 + 3 * (p) + (p) * ((p) + 1) / 2)
#define BLK_SIZE(p) (4 + 3 * (p) + (p) * ((p) + 1))

/*
 * clinnova.coxgrid: one site's (or the merged) sums for one Newton step.  Varlena; data holds
 * beta[p], center[p], grid[ngrid], then ngrid blocks of BLK_SIZE(p) doubles.  Invariants:
 * 1 <= p <= COXGRID_MAX_P, 1 <= ngrid <= COXGRID_MAX_GRID, grain > 0, grid strictly increasing
 * non-negative multiples of grain, every value finite, counts m and d non-negative integers with
 * d <= m, A0 >= E0 >= 0.
 */
typedef struct CoxGrid
{
	int32		vl_len_;
	int32		p;
	int32		ngrid;
	int32		flags;			/* reserved, 0 */
	double		grain;
	double		data[FLEXIBLE_ARRAY_MEMBER];
} CoxGrid;

#define CG_BETA(g) ((g)->data)
#define CG_CENTER(g) ((g)->data + (g)->p)
#define CG_GRID(g) ((g)->data + 2 * (g)->p)
#define CG_BLOCKS(g) ((g)->data + 2 * (g)->p + (g)->ngrid)
#define CG_NDATA(p, ngrid) ((Size) 2 * (p) + (Size) (ngrid) * (1 + BLK_SIZE(p)))
#define CG_SIZE(p, ngrid) (offsetof(CoxGrid, data) + sizeof(double) * CG_NDATA(p, ngrid))

#define DatumGetCoxGrid(d) ((CoxGrid *) PG_DETOAST_DATUM(d))
#define PG_GETARG_COXGRID(n) DatumGetCoxGrid(PG_GETARG_DATUM(n))

/* A zeroed coxgrid of the given shape (in the current memory context). */
static CoxGrid *
CoxGridAlloc(int p, int ngrid)
{
	CoxGrid    *g = palloc0(CG_SIZE(p, ngrid));

	SET_VARSIZE(g, CG_SIZE(p, ngrid));
	g->p = p;
	g->ngrid = ngrid;
	return g;
}

/* ---- validation ---- */

/* Raise 22023 (bad argument) with a detail. */
static void
GridArgError(const char *msg, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", msg),
			 detail ? errdetail_internal("%s", detail) : 0));
}

/* Check a grain argument: positive and finite. */
static double
CheckGrain(double grain)
{
	if (!isfinite(grain) || grain <= 0)
		GridArgError("grain must be a positive number",
					 psprintf("The grain is %s.", float8out_internal(grain)));
	return grain;
}

/*
 * Check a grid argument: non-empty, strictly increasing, non-negative multiples of grain (as
 * ceil(t / grain) * grain produces them).  Returns its elements and length.
 */
static double *
CheckGrid(ArrayType *a, double grain, int *ngrid)
{
	int			n,
				i;
	double	   *u = clinnova_float8_array(a, &n, "grid");

	if (n < 1 || n > COXGRID_MAX_GRID)
		GridArgError("grid must hold between 1 and 1000000 time points",
					 psprintf("The grid has %d points.", n));
	for (i = 0; i < n; i++)
	{
		double		k = u[i] / grain;

		if (!isfinite(u[i]) || u[i] < 0 || (i > 0 && u[i] <= u[i - 1]))
			GridArgError("grid must be strictly increasing non-negative times",
						 psprintf("Element %d is %s.", i + 1, float8out_internal(u[i])));
		if (rint(k) * grain != u[i])
			GridArgError("grid points must be multiples of the grain",
						 psprintf("Element %d (%s) is not a multiple of %s.", i + 1,
								  float8out_internal(u[i]), float8out_internal(grain)));
	}
	*ngrid = n;
	return u;
}

/* Check a float8[] argument of length p with finite elements (p < 0: any length 1..MAX). */
static double *
CheckVector(ArrayType *a, int *p, const char *name)
{
	int			n,
				i;
	double	   *v = clinnova_float8_array(a, &n, name);

	if (*p < 0 && (n < 1 || n > COXGRID_MAX_P))
		GridArgError(psprintf("%s must hold between 1 and %d values", name, COXGRID_MAX_P),
					 psprintf("It holds %d.", n));
	if (*p >= 0 && n != *p)
		GridArgError(psprintf("%s must hold %d values, one per covariate", name, *p),
					 psprintf("It holds %d.", n));
	for (i = 0; i < n; i++)
		if (!isfinite(v[i]))
			GridArgError(psprintf("%s must hold finite values", name),
						 psprintf("Element %d is %s.", i + 1, float8out_internal(v[i])));
	*p = n;
	return v;
}

/* Refuse (42501) an export that would describe fewer than min_cell_count people. */
static void
RefuseSmallCell(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("federated query refused: %s", what),
			 errdetail("At a federation site every interval of the time grid must hold no "
					   "events or at least clinnova.min_cell_count = %d events, and likewise for "
					   "the censorings between two grid points.", clinnova_min_cell_count),
			 errhint("Use a coarser grain.")));
}

/* At a federation site, the grain may not be finer than clinnova.time_grain. */
static void
CheckSiteGrain(double grain)
{
	if (clinnova_disclosure_control_active() && clinnova_time_grain > 0 &&
		grain < clinnova_time_grain)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("federated query refused: grain %s is finer than this site's "
						"clinnova.time_grain %s", float8out_internal(grain),
						float8out_internal(clinnova_time_grain)),
				 errhint("Use the grain the sites report in clinnova.federation_site_info.")));
}

/*
 * Validate a survival time of one row: finite and non-negative.  Returns false for an invalid
 * row at a federation site (skipped, no data-dependent error), raises 22023 elsewhere.
 */
static bool
ValidTime(double t, bool disclosure)
{
	if (isfinite(t) && t >= 0)
		return true;
	if (disclosure)
		return false;
	GridArgError("time must be a finite non-negative number",
				 psprintf("A row has time %s.", float8out_internal(t)));
	return false;
}

/* ---- round 0: coxph_grid_times(time, event, grain) ---- */

/* Hash table of grid indices k (t' = k * grain) with their event counts. */
typedef struct GridCount
{
	int64		k;
	int64		events;
	char		status;
} GridCount;

#define SH_PREFIX gridcount
#define SH_ELEMENT_TYPE GridCount
#define SH_KEY_TYPE int64
#define SH_KEY k
#define SH_HASH_KEY(tb, key) murmurhash32((uint32) (key) ^ (uint32) ((uint64) (key) >> 32))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/*
 * State of coxph_grid_times.  Invariant: counts maps each grid index k >= 0 at which an event
 * was seen to the number of events there; grain is the aggregate's (constant) grain argument.
 */
typedef struct GridTimesState
{
	double		grain;
	gridcount_hash *counts;
} GridTimesState;

/* A new empty state in the aggregate context. */
static GridTimesState *
GridTimesNew(MemoryContext aggcontext, double grain)
{
	GridTimesState *s = MemoryContextAlloc(aggcontext, sizeof(GridTimesState));

	s->grain = grain;
	s->counts = gridcount_create(aggcontext, 64, NULL);
	return s;
}

/* Add n events at grid index k. */
static inline void
GridTimesAdd(GridTimesState *s, int64 k, int64 n)
{
	bool		found;
	GridCount  *c = gridcount_insert(s->counts, k, &found);

	if (!found)
		c->events = 0;
	c->events += n;
}

PG_FUNCTION_INFO_V1(coxph_grid_times_transfn);
/* coxph_grid_times(time, event, grain) transition: count events by grid index. */
Datum
coxph_grid_times_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	GridTimesState *s;
	double		t,
				k;
	bool		disclosure;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: coxph_grid_times_transfn called in non-aggregate context");
	if (PG_ARGISNULL(3))
		GridArgError("grain must not be NULL", NULL);
	if (PG_ARGISNULL(0))
		s = GridTimesNew(aggcontext, CheckGrain(PG_GETARG_FLOAT8(3)));
	else
		s = (GridTimesState *) PG_GETARG_POINTER(0);
	if (PG_GETARG_FLOAT8(3) != s->grain)
		GridArgError("grain must be the same for every row", NULL);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || !PG_GETARG_BOOL(2))
		PG_RETURN_POINTER(s);
	disclosure = clinnova_disclosure_control_active();
	t = PG_GETARG_FLOAT8(1);
	if (!ValidTime(t, disclosure))
		PG_RETURN_POINTER(s);
	k = ceil(t / s->grain);
	if (k > 1.0e15)
	{
		if (disclosure)
			PG_RETURN_POINTER(s);
		GridArgError("time is too large for the grain",
					 psprintf("Time %s is more than 1e15 grains.", float8out_internal(t)));
	}
	GridTimesAdd(s, (int64) k, 1);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(coxph_grid_times_combine);
/* Combine two coxph_grid_times states (parallel aggregation). */
Datum
coxph_grid_times_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	GridTimesState *a,
			   *b;
	gridcount_iterator it;
	GridCount  *c;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: coxph_grid_times_combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		/* a NULL state stays SQL NULL (a NULL pointer returned as a value crashed later calls) */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (GridTimesState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
		a = GridTimesNew(aggcontext, b->grain);
	else
		a = (GridTimesState *) PG_GETARG_POINTER(0);
	if (a->grain != b->grain)
		GridArgError("grain must be the same for every row", NULL);
	gridcount_start_iterate(b->counts, &it);
	while ((c = gridcount_iterate(b->counts, &it)) != NULL)
		GridTimesAdd(a, c->k, c->events);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(coxph_grid_times_serialize);
/* Serialize: version, grain, count, then (k, events) pairs. */
Datum
coxph_grid_times_serialize(PG_FUNCTION_ARGS)
{
	GridTimesState *s = (GridTimesState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	gridcount_iterator it;
	GridCount  *c;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, COXGRID_FORMAT_VERSION);
	pq_sendfloat8(&buf, s->grain);
	pq_sendint32(&buf, (int32) s->counts->members);
	gridcount_start_iterate(s->counts, &it);
	while ((c = gridcount_iterate(s->counts, &it)) != NULL)
	{
		pq_sendint64(&buf, c->k);
		pq_sendint64(&buf, c->events);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(coxph_grid_times_deserialize);
/* Deserialize a coxph_grid_times state; lengths and values checked. */
Datum
coxph_grid_times_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	MemoryContext aggcontext;
	GridTimesState *s;
	int32		n,
				i;
	double		grain;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: coxph_grid_times_deserialize called in non-aggregate context");
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	clinnova_recv_version(&buf, COXGRID_FORMAT_VERSION, "coxph_grid_times state");
	if (buf.len - buf.cursor < 12)
		elog(ERROR, "clinnova: truncated coxph_grid_times state");
	grain = pq_getmsgfloat8(&buf);
	n = pq_getmsgint(&buf, 4);
	if (n < 0 || (int64) (buf.len - buf.cursor) != (int64) n * 16 || !(grain > 0))
		elog(ERROR, "clinnova: corrupt coxph_grid_times state");
	s = GridTimesNew(aggcontext, grain);
	for (i = 0; i < n; i++)
	{
		int64		k = pq_getmsgint64(&buf);
		int64		events = pq_getmsgint64(&buf);

		if (k < 0 || events < 0)
			elog(ERROR, "clinnova: corrupt coxph_grid_times state");
		GridTimesAdd(s, k, events);
	}
	PG_RETURN_POINTER(s);
}

/* qsort comparator of int64. */
static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

PG_FUNCTION_INFO_V1(coxph_grid_times_finalfn);
/*
 * coxph_grid_times final: the sorted grid points (k * grain) at which events occurred, NULL when
 * there are none.  At a federation site every point must hold at least min_cell_count events
 * (refused otherwise) and the grain may not be finer than clinnova.time_grain.
 */
Datum
coxph_grid_times_finalfn(PG_FUNCTION_ARGS)
{
	GridTimesState *s;
	gridcount_iterator it;
	GridCount  *c;
	int64	   *keys;
	double	   *u;
	int			n = 0,
				i;
	bool		disclosure = clinnova_disclosure_control_active();

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (GridTimesState *) PG_GETARG_POINTER(0);
	if (disclosure)
		CheckSiteGrain(s->grain);
	if (s->counts->members == 0)
		PG_RETURN_NULL();
	keys = palloc(sizeof(int64) * s->counts->members);
	gridcount_start_iterate(s->counts, &it);
	while ((c = gridcount_iterate(s->counts, &it)) != NULL)
	{
		if (disclosure && c->events < clinnova_min_cell_count)
			RefuseSmallCell(psprintf("an interval of the time grid holds fewer than %d events",
									 clinnova_min_cell_count));
		keys[n++] = c->k;
	}
	qsort(keys, n, sizeof(int64), CompareInt64);
	u = palloc(sizeof(double) * n);
	for (i = 0; i < n; i++)
		u[i] = (double) keys[i] * s->grain;
	PG_RETURN_ARRAYTYPE_P(clinnova_make_float8_array(u, n));
}

/* ---- the step: coxph_grid_step(time, event, x, beta, center, grain, grid) ---- */

/*
 * State of coxph_grid_step: a coxgrid being filled (in the aggregate context), the argument
 * values it was built for, scratch space, and the disclosure mode.  Invariant: g's header
 * (p, grain, beta, center, grid) equals the arguments of every row added.
 */
typedef struct GridStepState
{
	CoxGrid    *g;
	bool		disclosure;
	Datum		beta_datum;		/* the argument Datums last seen (fast equality check) */
	Datum		center_datum;
	Datum		grid_datum;
	double	   *z;				/* scratch: centred covariates of one row */
} GridStepState;

/* Raise 22023 unless array argument a holds exactly the n values v. */
static void
CheckSameVector(ArrayType *a, const double *v, int n, const char *name)
{
	int			m;
	double	   *w = clinnova_float8_array(a, &m, name);

	if (m != n || memcmp(w, v, sizeof(double) * n) != 0)
		GridArgError(psprintf("%s must be the same for every row", name), NULL);
}

/* Index of the last grid point <= tp, or -1. */
static inline int
GridLocate(const double *u, int n, double tp)
{
	int			lo = 0,
				hi = n - 1,
				found = -1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (u[mid] <= tp)
		{
			found = mid;
			lo = mid + 1;
		}
		else
			hi = mid - 1;
	}
	return found;
}

/* Add w z z' (packed upper triangle, row-major i <= j) to tri. */
static inline void
AddOuter(double *tri, const double *z, double w, int p)
{
	int			i,
				j,
				t = 0;

	for (i = 0; i < p; i++)
	{
		double		wzi = w * z[i];

		for (j = i; j < p; j++)
			tri[t++] += wzi * z[j];
	}
}

/* Initialise the state from the first row's arguments. */
static GridStepState *
GridStepNew(FunctionCallInfo fcinfo, MemoryContext aggcontext)
{
	GridStepState *s;
	double	   *beta,
			   *center,
			   *grid,
				grain;
	int			p = -1,
				ngrid;
	MemoryContext old;

	if (PG_ARGISNULL(4) || PG_ARGISNULL(5) || PG_ARGISNULL(6) || PG_ARGISNULL(7))
		GridArgError("beta, center, grain and grid must not be NULL", NULL);
	beta = CheckVector(PG_GETARG_ARRAYTYPE_P(4), &p, "beta");
	center = CheckVector(PG_GETARG_ARRAYTYPE_P(5), &p, "center");
	grain = CheckGrain(PG_GETARG_FLOAT8(6));
	grid = CheckGrid(PG_GETARG_ARRAYTYPE_P(7), grain, &ngrid);

	old = MemoryContextSwitchTo(aggcontext);
	s = palloc0(sizeof(GridStepState));
	s->g = CoxGridAlloc(p, ngrid);
	s->g->grain = grain;
	memcpy(CG_BETA(s->g), beta, sizeof(double) * p);
	memcpy(CG_CENTER(s->g), center, sizeof(double) * p);
	memcpy(CG_GRID(s->g), grid, sizeof(double) * ngrid);
	s->z = palloc(sizeof(double) * p);
	s->disclosure = clinnova_disclosure_control_active();
	MemoryContextSwitchTo(old);
	s->beta_datum = PG_GETARG_DATUM(4);
	s->center_datum = PG_GETARG_DATUM(5);
	s->grid_datum = PG_GETARG_DATUM(7);
	return s;
}

/* Check that this row's beta, center, grain and grid equal the state's. */
static void
GridStepCheckArgs(FunctionCallInfo fcinfo, GridStepState *s)
{
	CoxGrid    *g = s->g;

	if (PG_ARGISNULL(4) || PG_ARGISNULL(5) || PG_ARGISNULL(6) || PG_ARGISNULL(7))
		GridArgError("beta, center, grain and grid must not be NULL", NULL);
	if (PG_GETARG_FLOAT8(6) != g->grain)
		GridArgError("grain must be the same for every row", NULL);
	if (PG_GETARG_DATUM(4) != s->beta_datum)
	{
		CheckSameVector(PG_GETARG_ARRAYTYPE_P(4), CG_BETA(g), g->p, "beta");
		s->beta_datum = PG_GETARG_DATUM(4);
	}
	if (PG_GETARG_DATUM(5) != s->center_datum)
	{
		CheckSameVector(PG_GETARG_ARRAYTYPE_P(5), CG_CENTER(g), g->p, "center");
		s->center_datum = PG_GETARG_DATUM(5);
	}
	if (PG_GETARG_DATUM(7) != s->grid_datum)
	{
		CheckSameVector(PG_GETARG_ARRAYTYPE_P(7), CG_GRID(g), g->ngrid, "grid");
		s->grid_datum = PG_GETARG_DATUM(7);
	}
}

/*
 * Read this row's covariates into s->z (centred).  Returns false when the row must be skipped:
 * NULL covariates (complete-case analysis, as R's na.omit), or — at a federation site only —
 * a wrong length or non-finite values; raises 22023 for those elsewhere.
 */
static bool
GridStepCovariates(ArrayType *xa, GridStepState *s)
{
	int			p = s->g->p;
	int			i;
	double	   *x;
	const double *center = CG_CENTER(s->g);

	if (ARR_NDIM(xa) != 1 || ARR_DIMS(xa)[0] != p || ARR_ELEMTYPE(xa) != FLOAT8OID)
	{
		if (s->disclosure)
			return false;
		if (ARR_NDIM(xa) != 1)
			GridArgError("x must be a one-dimensional array",
						 psprintf("A row has %d dimensions.", ARR_NDIM(xa)));
		GridArgError(psprintf("x must hold %d values, one per coefficient", p),
					 psprintf("A row holds %d.", ARR_DIMS(xa)[0]));
	}
	if (ARR_HASNULL(xa) && array_contains_nulls(xa))
		return false;
	x = (double *) ARR_DATA_PTR(xa);
	for (i = 0; i < p; i++)
	{
		if (!isfinite(x[i]))
		{
			if (s->disclosure)
				return false;
			GridArgError("x must hold finite values",
						 psprintf("A row has x[%d] = %s.", i + 1, float8out_internal(x[i])));
		}
		s->z[i] = x[i] - center[i];
	}
	return true;
}

PG_FUNCTION_INFO_V1(coxph_grid_step_transfn);
/*
 * coxph_grid_step(time, event, x, beta, center, grain, grid) transition: add one row's
 * contribution to the block of the last grid point at or before its coarsened time.  Rows with a
 * NULL time, event or covariate are skipped.
 */
Datum
coxph_grid_step_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	GridStepState *s;
	CoxGrid    *g;
	double		t,
				tp,
				eta = 0,
				w;
	bool		event;
	int			p,
				j,
				i;
	double	   *blk;
	const double *beta;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: coxph_grid_step_transfn called in non-aggregate context");
	if (PG_ARGISNULL(0))
		s = GridStepNew(fcinfo, aggcontext);
	else
	{
		s = (GridStepState *) PG_GETARG_POINTER(0);
		GridStepCheckArgs(fcinfo, s);
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(s);
	t = PG_GETARG_FLOAT8(1);
	if (!ValidTime(t, s->disclosure))
		PG_RETURN_POINTER(s);
	event = PG_GETARG_BOOL(2);
	if (!GridStepCovariates(PG_GETARG_ARRAYTYPE_P(3), s))
		PG_RETURN_POINTER(s);

	g = s->g;
	p = g->p;
	tp = ceil(t / g->grain) * g->grain;
	j = GridLocate(CG_GRID(g), g->ngrid, tp);
	if (event && (j < 0 || CG_GRID(g)[j] != tp))
		GridArgError("the grid lacks the time of an event",
					 "Every coarsened event time must be a point of the grid; build the grid "
					 "from coxph_grid_times() over the same rows.");
	if (j < 0)
		PG_RETURN_POINTER(s);	/* left before the first grid point: in no risk set */

	beta = CG_BETA(g);
	for (i = 0; i < p; i++)
		eta += beta[i] * s->z[i];
	w = exp(eta);
	if (!isfinite(w))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("exp(linear predictor) overflows"),
				 errdetail("The linear predictor of a row is %s.", float8out_internal(eta)),
				 errhint("Centre the covariates (center = their means) or use smaller coefficients.")));

	blk = CG_BLOCKS(g) + (Size) j * BLK_SIZE(p);
	blk[BLK_M] += 1;
	blk[BLK_A0] += w;
	for (i = 0; i < p; i++)
		blk[BLK_A1(p) + i] += w * s->z[i];
	AddOuter(blk + BLK_A2(p), s->z, w, p);
	if (event)
	{
		blk[BLK_D] += 1;
		blk[BLK_E0] += w;
		for (i = 0; i < p; i++)
		{
			blk[BLK_E1(p) + i] += w * s->z[i];
			blk[BLK_SX(p) + i] += s->z[i];
		}
		AddOuter(blk + BLK_E2(p), s->z, w, p);
	}
	PG_RETURN_POINTER(s);
}

/* Raise 22023 unless a and b were built for the same step (p, grain, beta, center, grid). */
static void
CheckSameStep(const CoxGrid *a, const CoxGrid *b)
{
	if (a->p != b->p || a->ngrid != b->ngrid || a->grain != b->grain ||
		memcmp(a->data, b->data, sizeof(double) * (2 * a->p + a->ngrid)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coxgrid values of different steps cannot be merged"),
				 errdetail("Values merge only when computed with the same beta, center, grain and "
						   "grid (p %d and %d, %d and %d grid points).",
						   a->p, b->p, a->ngrid, b->ngrid)));
}

/* Add the blocks of b into a (same step). */
static void
CoxGridAddInto(CoxGrid *a, const CoxGrid *b)
{
	Size		n = (Size) a->ngrid * BLK_SIZE(a->p);
	Size		i;
	double	   *x = CG_BLOCKS(a);
	const double *y = CG_BLOCKS(b);

	CheckSameStep(a, b);
	for (i = 0; i < n; i++)
		x[i] += y[i];
}

PG_FUNCTION_INFO_V1(coxph_grid_step_combine);
/* Combine two coxph_grid_step states (parallel aggregation); all four NULL cases. */
Datum
coxph_grid_step_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	GridStepState *a,
			   *b;
	MemoryContext old;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: coxph_grid_step_combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		/* a NULL state stays SQL NULL (a NULL pointer returned as a value crashed later calls) */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (GridStepState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		old = MemoryContextSwitchTo(aggcontext);
		a = palloc0(sizeof(GridStepState));
		a->g = palloc(VARSIZE(b->g));
		memcpy(a->g, b->g, VARSIZE(b->g));
		a->z = palloc(sizeof(double) * b->g->p);
		a->disclosure = b->disclosure;
		MemoryContextSwitchTo(old);
		PG_RETURN_POINTER(a);
	}
	a = (GridStepState *) PG_GETARG_POINTER(0);
	CoxGridAddInto(a->g, b->g);
	PG_RETURN_POINTER(a);
}

/* Write g in binary form (version byte, header, all doubles). */
static void
CoxGridSend(StringInfo buf, const CoxGrid *g)
{
	Size		n = CG_NDATA(g->p, g->ngrid);
	Size		i;

	pq_sendbyte(buf, COXGRID_FORMAT_VERSION);
	pq_sendint32(buf, g->p);
	pq_sendint32(buf, g->ngrid);
	pq_sendfloat8(buf, g->grain);
	for (i = 0; i < n; i++)
		pq_sendfloat8(buf, g->data[i]);
}

/*
 * Check every invariant of a coxgrid; raises 22P03 (binary) or 22P02 (text) naming the problem.
 * recv, in and deserialize all run it.
 */
static void
CoxGridValidate(const CoxGrid *g, int errcode_)
{
	const char *problem = NULL;
	int			p = g->p;
	int			j,
				i;
	Size		n;

	if (p < 1 || p > COXGRID_MAX_P || g->ngrid < 1 || g->ngrid > COXGRID_MAX_GRID)
		problem = psprintf("p = %d and %d grid points are out of range.", p, g->ngrid);
	else if (!isfinite(g->grain) || g->grain <= 0)
		problem = "The grain must be positive.";
	if (problem == NULL)
	{
		n = CG_NDATA(p, g->ngrid);
		for (i = 0; i < (int) n && problem == NULL; i++)
			if (!isfinite(g->data[i]))
				problem = "All values must be finite.";
	}
	for (j = 0; problem == NULL && j < g->ngrid; j++)
	{
		const double *blk = CG_BLOCKS(g) + (Size) j * BLK_SIZE(p);
		double		u = CG_GRID(g)[j];

		if (u < 0 || (j > 0 && u <= CG_GRID(g)[j - 1]) || rint(u / g->grain) * g->grain != u)
			problem = psprintf("Grid point %d is not an increasing non-negative multiple of the grain.",
							   j + 1);
		else if (blk[BLK_M] < 0 || blk[BLK_D] < 0 || blk[BLK_M] != floor(blk[BLK_M]) ||
				 blk[BLK_D] != floor(blk[BLK_D]) || blk[BLK_D] > blk[BLK_M])
			problem = psprintf("The counts of grid point %d are not integers 0 <= d <= m.", j + 1);
		else if (blk[BLK_A0] < 0 || blk[BLK_E0] < 0)
			problem = psprintf("The weight sums of grid point %d are negative.", j + 1);
	}
	if (problem == NULL)
		return;
	if (errcode_ == ERRCODE_INVALID_BINARY_REPRESENTATION)
		ereport(ERROR,
				(errcode(errcode_),
				 errmsg("invalid binary representation of clinnova.coxgrid"),
				 errdetail("%s", problem)));
	ereport(ERROR,
			(errcode(errcode_),
			 errmsg("invalid input syntax for type clinnova.coxgrid"),
			 errdetail("%s", problem)));
}

/* Read a coxgrid in binary form; every length and value checked. */
static CoxGrid *
CoxGridReceive(StringInfo buf, const char *what)
{
	int32		p,
				ngrid;
	double		grain;
	CoxGrid    *g;
	Size		n,
				i;

	clinnova_recv_version(buf, COXGRID_FORMAT_VERSION, what);
	if (buf->len - buf->cursor < 16)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of %s", what),
				 errdetail("The header is truncated.")));
	p = pq_getmsgint(buf, 4);
	ngrid = pq_getmsgint(buf, 4);
	grain = pq_getmsgfloat8(buf);
	if (p < 1 || p > COXGRID_MAX_P || ngrid < 1 || ngrid > COXGRID_MAX_GRID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of %s", what),
				 errdetail("p = %d and %d grid points are out of range.", p, ngrid)));
	n = CG_NDATA(p, ngrid);
	if ((Size) (buf->len - buf->cursor) != n * sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of %s", what),
				 errdetail("Expected %zu bytes of values, got %d.", n * sizeof(double),
						   buf->len - buf->cursor)));
	g = CoxGridAlloc(p, ngrid);
	g->grain = grain;
	for (i = 0; i < n; i++)
		g->data[i] = pq_getmsgfloat8(buf);
	clinnova_recv_end(buf, what);
	CoxGridValidate(g, ERRCODE_INVALID_BINARY_REPRESENTATION);
	return g;
}

PG_FUNCTION_INFO_V1(coxph_grid_step_serialize);
/* Serialize a coxph_grid_step state: the binary coxgrid plus the disclosure flag. */
Datum
coxph_grid_step_serialize(PG_FUNCTION_ARGS)
{
	GridStepState *s = (GridStepState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, s->disclosure ? 1 : 0);
	CoxGridSend(&buf, s->g);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(coxph_grid_step_deserialize);
/* Deserialize a coxph_grid_step state. */
Datum
coxph_grid_step_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	MemoryContext aggcontext;
	GridStepState *s;
	CoxGrid    *g;
	bool		disclosure;
	MemoryContext old;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: coxph_grid_step_deserialize called in non-aggregate context");
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 1)
		elog(ERROR, "clinnova: empty coxph_grid_step state");
	disclosure = pq_getmsgbyte(&buf) != 0;
	g = CoxGridReceive(&buf, "coxph_grid_step state");
	old = MemoryContextSwitchTo(aggcontext);
	s = palloc0(sizeof(GridStepState));
	s->g = palloc(VARSIZE(g));
	memcpy(s->g, g, VARSIZE(g));
	s->z = palloc(sizeof(double) * g->p);
	s->disclosure = disclosure;
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(coxph_grid_step_finalfn);
/*
 * coxph_grid_step final: the clinnova.coxgrid (NULL for empty input).  At a federation site it
 * is refused unless every grid point's events and censorings are 0 or >= min_cell_count and the
 * grain is not finer than clinnova.time_grain.
 */
Datum
coxph_grid_step_finalfn(PG_FUNCTION_ARGS)
{
	GridStepState *s;
	CoxGrid    *g;
	CoxGrid    *result;
	int			j;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (GridStepState *) PG_GETARG_POINTER(0);
	g = s->g;
	/* sums that overflowed (huge covariates or weights) make a value no site could read back */
	for (j = 0; j < (int) CG_NDATA(g->p, g->ngrid); j++)
		if (!isfinite(g->data[j]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the Cox grid sums are not finite"),
					 errdetail("exp(x beta) or a weighted sum of the covariates overflows float8."),
					 errhint("Rescale the covariates or center them closer to their means.")));
	if (clinnova_disclosure_control_active())
	{
		CheckSiteGrain(g->grain);
		for (j = 0; j < g->ngrid; j++)
		{
			const double *blk = CG_BLOCKS(g) + (Size) j * BLK_SIZE(g->p);
			double		d = blk[BLK_D];
			double		c = blk[BLK_M] - blk[BLK_D];

			if ((d > 0 && d < clinnova_min_cell_count) || (c > 0 && c < clinnova_min_cell_count))
				RefuseSmallCell(psprintf("an interval of the time grid holds fewer than %d events "
										 "or censorings", clinnova_min_cell_count));
		}
	}
	result = palloc(VARSIZE(g));
	memcpy(result, g, VARSIZE(g));
	PG_RETURN_POINTER(result);
}

/* ---- the clinnova.coxgrid type ---- */

/* Append "key": [v1, v2, ...] with exact float8 text. */
static void
AppendJsonVector(StringInfo buf, const char *key, const double *v, Size n, Size stride,
				 Size offset, bool first)
{
	Size		i;

	appendStringInfo(buf, "%s\"%s\": [", first ? "" : ", ", key);
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		clinnova_append_float8(buf, v[i * stride + offset]);
	}
	appendStringInfoChar(buf, ']');
}

PG_FUNCTION_INFO_V1(coxgrid_out);
/*
 * clinnova.coxgrid text output: a JSON object {"p", "grain", "beta", "center", "grid", "m",
 * "d", "a0", "e0", "a1", "e1", "sx", "a2", "e2"}; per-point vectors are laid out point by point
 * (a1 holds p values per point, a2 and e2 the packed upper triangle).  Exact float8 text.
 */
Datum
coxgrid_out(PG_FUNCTION_ARGS)
{
	CoxGrid    *g = PG_GETARG_COXGRID(0);
	int			p = g->p;
	int			ngrid = g->ngrid;
	Size		blk = BLK_SIZE(p);
	Size		tri = (Size) p * (p + 1) / 2;
	const double *b = CG_BLOCKS(g);
	StringInfoData buf;
	Size		j,
				i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"p\": %d, \"grain\": ", p);
	clinnova_append_float8(&buf, g->grain);
	appendStringInfoString(&buf, ", ");
	AppendJsonVector(&buf, "beta", CG_BETA(g), p, 1, 0, true);
	AppendJsonVector(&buf, "center", CG_CENTER(g), p, 1, 0, false);
	AppendJsonVector(&buf, "grid", CG_GRID(g), ngrid, 1, 0, false);
	AppendJsonVector(&buf, "m", b, ngrid, blk, BLK_M, false);
	AppendJsonVector(&buf, "d", b, ngrid, blk, BLK_D, false);
	AppendJsonVector(&buf, "a0", b, ngrid, blk, BLK_A0, false);
	AppendJsonVector(&buf, "e0", b, ngrid, blk, BLK_E0, false);
	/* vectors and triangles: all points' values in sequence */
	{
		const char *keys[5] = {"a1", "e1", "sx", "a2", "e2"};
		Size		offs[5] = {BLK_A1(p), BLK_E1(p), BLK_SX(p), BLK_A2(p), BLK_E2(p)};
		Size		lens[5] = {p, p, p, tri, tri};
		int			k;

		for (k = 0; k < 5; k++)
		{
			appendStringInfo(&buf, ", \"%s\": [", keys[k]);
			CHECK_FOR_INTERRUPTS();
			for (j = 0; j < (Size) ngrid; j++)
				for (i = 0; i < lens[k]; i++)
				{
					if (j > 0 || i > 0)
						appendStringInfoString(&buf, ", ");
					clinnova_append_float8(&buf, b[j * blk + offs[k] + i]);
				}
			appendStringInfoChar(&buf, ']');
		}
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* Text parser of coxgrid_in: a cursor over the input and the whole input for messages. */
typedef struct GridParser
{
	char	   *p;
	const char *input;
} GridParser;

/* Raise 22P02 for malformed coxgrid text. */
static void
GridSyntax(GridParser *gp, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type clinnova.coxgrid"),
			 errdetail("%s at \"%.40s\".", what, gp->p)));
}

/* Skip white space and expect character c. */
static void
GridExpectChar(GridParser *gp, char c)
{
	while (isspace((unsigned char) *gp->p))
		gp->p++;
	if (*gp->p != c)
		GridSyntax(gp, psprintf("Expected \"%c\"", c));
	gp->p++;
}

/* Expect the key "name" followed by a colon (after a comma unless first). */
static void
GridExpectKey(GridParser *gp, const char *name, bool first)
{
	size_t		len = strlen(name);

	if (!first)
		GridExpectChar(gp, ',');
	GridExpectChar(gp, '"');
	if (strncmp(gp->p, name, len) != 0 || gp->p[len] != '"')
		GridSyntax(gp, psprintf("Expected key \"%s\"", name));
	gp->p += len + 1;
	GridExpectChar(gp, ':');
}

/* Parse one number. */
static double
GridNumber(GridParser *gp)
{
	char	   *end;
	double		v;

	while (isspace((unsigned char) *gp->p))
		gp->p++;
	v = clinnova_parse_float8(gp->p, &end, "clinnova.coxgrid", gp->input);
	gp->p = end;
	return v;
}

/* Parse "[v, v, ...]" of exactly n numbers into dst[i * stride + offset]. */
static void
GridVector(GridParser *gp, double *dst, Size n, Size stride, Size offset)
{
	Size		i;

	GridExpectChar(gp, '[');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			GridExpectChar(gp, ',');
		dst[i * stride + offset] = GridNumber(gp);
	}
	GridExpectChar(gp, ']');
}

PG_FUNCTION_INFO_V1(coxgrid_in);
/* clinnova.coxgrid text input: the JSON layout coxgrid_out writes (keys in that order). */
Datum
coxgrid_in(PG_FUNCTION_ARGS)
{
	GridParser	gp;
	double		pv,
				grain;
	int			p,
				ngrid;
	CoxGrid    *g;
	char	   *save;
	Size		blk,
				tri,
				j,
				i;
	double	   *b;
	int			count = 0;

	gp.input = PG_GETARG_CSTRING(0);
	gp.p = (char *) gp.input;
	GridExpectChar(&gp, '{');
	GridExpectKey(&gp, "p", true);
	pv = GridNumber(&gp);
	if (pv != floor(pv) || pv < 1 || pv > COXGRID_MAX_P)
		GridSyntax(&gp, psprintf("p must be an integer between 1 and %d", COXGRID_MAX_P));
	p = (int) pv;
	GridExpectKey(&gp, "grain", false);
	grain = GridNumber(&gp);
	/* count the grid points before allocating */
	GridExpectKey(&gp, "beta", false);
	save = gp.p;
	{
		double	   *tmp = palloc(sizeof(double) * 2 * p);

		GridVector(&gp, tmp, p, 1, 0);
		GridExpectKey(&gp, "center", false);
		GridVector(&gp, tmp, p, 1, p);
		pfree(tmp);
	}
	GridExpectKey(&gp, "grid", false);
	GridExpectChar(&gp, '[');
	while (isspace((unsigned char) *gp.p))
		gp.p++;
	while (*gp.p != ']' && *gp.p != '\0')
	{
		if (count > 0)
			GridExpectChar(&gp, ',');
		(void) GridNumber(&gp);
		if (++count > COXGRID_MAX_GRID)
			GridSyntax(&gp, "Too many grid points");
		while (isspace((unsigned char) *gp.p))
			gp.p++;
	}
	if (count < 1)
		GridSyntax(&gp, "The grid is empty");
	ngrid = count;

	/* second pass: fill the value */
	g = CoxGridAlloc(p, ngrid);
	g->grain = grain;
	blk = BLK_SIZE(p);
	tri = (Size) p * (p + 1) / 2;
	b = CG_BLOCKS(g);
	gp.p = save;
	GridVector(&gp, CG_BETA(g), p, 1, 0);
	GridExpectKey(&gp, "center", false);
	GridVector(&gp, CG_CENTER(g), p, 1, 0);
	GridExpectKey(&gp, "grid", false);
	GridVector(&gp, CG_GRID(g), ngrid, 1, 0);
	GridExpectKey(&gp, "m", false);
	GridVector(&gp, b, ngrid, blk, BLK_M);
	GridExpectKey(&gp, "d", false);
	GridVector(&gp, b, ngrid, blk, BLK_D);
	GridExpectKey(&gp, "a0", false);
	GridVector(&gp, b, ngrid, blk, BLK_A0);
	GridExpectKey(&gp, "e0", false);
	GridVector(&gp, b, ngrid, blk, BLK_E0);
	{
		const char *keys[5] = {"a1", "e1", "sx", "a2", "e2"};
		Size		offs[5] = {BLK_A1(p), BLK_E1(p), BLK_SX(p), BLK_A2(p), BLK_E2(p)};
		Size		lens[5] = {p, p, p, tri, tri};
		int			k;

		for (k = 0; k < 5; k++)
		{
			CHECK_FOR_INTERRUPTS();
			GridExpectKey(&gp, keys[k], false);
			GridExpectChar(&gp, '[');
			for (j = 0; j < (Size) ngrid; j++)
				for (i = 0; i < lens[k]; i++)
				{
					if (j > 0 || i > 0)
						GridExpectChar(&gp, ',');
					b[j * blk + offs[k] + i] = GridNumber(&gp);
				}
			GridExpectChar(&gp, ']');
		}
	}
	GridExpectChar(&gp, '}');
	while (isspace((unsigned char) *gp.p))
		gp.p++;
	if (*gp.p != '\0')
		GridSyntax(&gp, "Unexpected text after the value");
	CoxGridValidate(g, ERRCODE_INVALID_TEXT_REPRESENTATION);
	PG_RETURN_POINTER(g);
}

PG_FUNCTION_INFO_V1(coxgrid_recv);
/* clinnova.coxgrid binary input (re-runs every check of the text input). */
Datum
coxgrid_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(CoxGridReceive((StringInfo) PG_GETARG_POINTER(0), "clinnova.coxgrid"));
}

PG_FUNCTION_INFO_V1(coxgrid_send);
/* clinnova.coxgrid binary output. */
Datum
coxgrid_send(PG_FUNCTION_ARGS)
{
	CoxGrid    *g = PG_GETARG_COXGRID(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	CoxGridSend(&buf, g);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---- coxgrid_merge(coxgrid): the coordinator's sum over sites ---- */

PG_FUNCTION_INFO_V1(coxgrid_merge_transfn);
/* coxgrid_merge transition: add a site's value (NULL values are skipped). */
Datum
coxgrid_merge_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	GridStepState *s;
	CoxGrid    *g;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: coxgrid_merge_transfn called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		/* a NULL state stays SQL NULL (a NULL pointer returned as a value crashed later rows) */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	g = PG_GETARG_COXGRID(1);
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);

		s = palloc0(sizeof(GridStepState));
		s->g = palloc(VARSIZE(g));
		memcpy(s->g, g, VARSIZE(g));
		s->z = palloc(sizeof(double) * g->p);
		MemoryContextSwitchTo(old);
		PG_RETURN_POINTER(s);
	}
	s = (GridStepState *) PG_GETARG_POINTER(0);
	CoxGridAddInto(s->g, g);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(coxgrid_merge_finalfn);
/* coxgrid_merge final: the merged value (NULL when every input was NULL). */
Datum
coxgrid_merge_finalfn(PG_FUNCTION_ARGS)
{
	GridStepState *s;
	CoxGrid    *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (GridStepState *) PG_GETARG_POINTER(0);
	result = palloc(VARSIZE(s->g));
	memcpy(result, s->g, VARSIZE(s->g));
	PG_RETURN_POINTER(result);
}

/* ---- derivatives ---- */

/*
 * Log partial likelihood, score and information at the value's beta, computed as coxph does on
 * the grid-coarsened data: risk-set sums are reverse cumulative sums of the blocks; ties at a
 * grid point are handled by Breslow (d log S0) or Efron (the r-th of d tied events uses
 * S - r/d E).  info is p x p, row-major, symmetric.  Returns the numbers of rows (in risk sets)
 * and of events in *n and *events.
 */
static double
CoxGridDerivatives(const CoxGrid *g, bool efron, double *score, double *info, double *n,
				   double *events)
{
	int			p = g->p;
	Size		blk = BLK_SIZE(p);
	Size		tri = (Size) p * (p + 1) / 2;
	double	   *s1 = palloc0(sizeof(double) * p);
	double	   *s2 = palloc0(sizeof(double) * tri);
	double	   *a = palloc(sizeof(double) * p);
	double		s0 = 0,
				loglik = 0;
	const double *beta = CG_BETA(g);
	int			j,
				i,
				k;
	Size		t;

	memset(score, 0, sizeof(double) * p);
	memset(info, 0, sizeof(double) * p * p);
	*n = 0;
	*events = 0;
	for (j = g->ngrid - 1; j >= 0; j--)
	{
		const double *b = CG_BLOCKS(g) + (Size) j * blk;
		double		d = b[BLK_D];

		CHECK_FOR_INTERRUPTS();
		s0 += b[BLK_A0];
		for (i = 0; i < p; i++)
			s1[i] += b[BLK_A1(p) + i];
		for (t = 0; t < tri; t++)
			s2[t] += b[BLK_A2(p) + t];
		*n += b[BLK_M];
		if (d == 0)
			continue;
		*events += d;
		for (i = 0; i < p; i++)
		{
			loglik += beta[i] * b[BLK_SX(p) + i];
			score[i] += b[BLK_SX(p) + i];
		}
		if (!efron)
		{
			loglik -= d * log(s0);
			for (i = 0; i < p; i++)
				a[i] = s1[i] / s0;
			for (i = 0, t = 0; i < p; i++)
			{
				score[i] -= d * a[i];
				for (k = i; k < p; k++, t++)
					info[i * p + k] += d * (s2[t] / s0 - a[i] * a[k]);
			}
		}
		else
		{
			int64		r,
						nd = (int64) d;

			for (r = 0; r < nd; r++)
			{
				double		f = (double) r / d;
				double		den = s0 - f * b[BLK_E0];

				loglik -= log(den);
				for (i = 0; i < p; i++)
					a[i] = (s1[i] - f * b[BLK_E1(p) + i]) / den;
				for (i = 0, t = 0; i < p; i++)
				{
					score[i] -= a[i];
					for (k = i; k < p; k++, t++)
						info[i * p + k] += (s2[t] - f * b[BLK_E2(p) + t]) / den - a[i] * a[k];
				}
			}
		}
	}
	for (i = 0; i < p; i++)
		for (k = 0; k < i; k++)
			info[i * p + k] = info[k * p + i];
	pfree(s1);
	pfree(s2);
	pfree(a);
	return loglik;
}

/* Parse the ties argument: "efron" (true) or "breslow" (false); 22023 otherwise. */
static bool
ParseTies(text *ties)
{
	char	   *s = text_to_cstring(ties);

	if (pg_strcasecmp(s, "efron") == 0)
		return true;
	if (pg_strcasecmp(s, "breslow") == 0)
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("ties must be \"efron\" or \"breslow\""),
			 errdetail("The value is \"%s\".", s)));
	return true;
}

PG_FUNCTION_INFO_V1(coxgrid_derivatives);
/*
 * clinnova.coxgrid_derivatives(g coxgrid, ties text DEFAULT 'efron') -> (beta, loglik, score,
 * information, n, events): what a Newton step needs, at the beta g was computed for.
 */
Datum
coxgrid_derivatives(PG_FUNCTION_ARGS)
{
	CoxGrid    *g = PG_GETARG_COXGRID(0);
	bool		efron = ParseTies(PG_GETARG_TEXT_PP(1));
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {false};
	double	   *score = palloc(sizeof(double) * g->p);
	double	   *info = palloc(sizeof(double) * g->p * g->p);
	double		n,
				events,
				loglik;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: coxgrid_derivatives must return a record");
	tupdesc = BlessTupleDesc(tupdesc);
	loglik = CoxGridDerivatives(g, efron, score, info, &n, &events);
	values[0] = PointerGetDatum(clinnova_make_float8_array(CG_BETA(g), g->p));
	values[1] = Float8GetDatum(loglik);
	values[2] = PointerGetDatum(clinnova_make_float8_array(score, g->p));
	values[3] = PointerGetDatum(clinnova_make_float8_array(info, g->p * g->p));
	values[4] = Int64GetDatum((int64) n);
	values[5] = Int64GetDatum((int64) events);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
