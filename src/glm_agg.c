/*
 * glm_agg.c — the GLM aggregates:
 *
 *   fits   logreg(y boolean, x float8[] [, weight float8] [, options jsonb])
 *          linreg(y float8, x float8[] [, weight float8] [, options jsonb])
 *          poisson(y float8, x float8[] [, offset float8 [, weight float8]] [, options jsonb])
 *          -> glmmodel, by IRLS over the stored rows (several passes);
 *   steps  logreg_step / linreg_step / poisson_step: the same arguments with beta float8[]
 *          after x -> glmstep, the sums of one IRLS step at beta (one pass, no rows kept).
 *
 * A row with a NULL y, x, weight or offset is skipped (as regr_slope() and R's na.omit do);
 * NULL elements inside x, non-finite values, negative weights and (poisson) negative y are
 * errors.  Options and beta must be the same on every row.
 *
 * State (GlmAggState, in the aggregate context).  Fits keep every row, in a list of chunks
 * of columnar arrays: x (rows x p_raw, row-major), y, and w / off only when the aggregate has
 * them.  Chunk capacities grow 64, 128, ... rows up to about 1 MB per chunk, so small groups
 * stay small, nothing is ever copied to grow, and memory stays below twice the raw
 * n x (p_raw + 2) doubles.  Steps keep the running GlmStep plus one chunk of GLM_BLOCK rows,
 * flushed through GlmStepAddRows when full, so a step pass costs one dsyrk per block.
 * Invariants: n is the sum of the chunks' row counts; rows are appended to the last chunk
 * (chunks taken over from a worker may be partly filled); steps: one chunk, never full
 * between calls.
 *
 * Parallel query: partial states are serialized as the rows themselves (fits) or the step
 * (steps) and appended/merged by the combine function.  Moving millions of rows is the cost
 * of a parallel fit, so it is kept to the unavoidable copies: the serialized buffer is sized
 * once, and deserialize builds its state directly in the aggregate's memory so that combine
 * takes its chunks over instead of copying them (a deserialized state is consumed by the
 * combine call that follows it, and by nothing else).  Final functions never modify the
 * state (a step's buffered rows are added to a copy), so they may run more than once.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "clinnova.h"
#include "glm.h"
#include "linalg.h"

#define GLMAGG_FORMAT_VERSION 1
#define GLMAGG_FIRST_CHUNK 64			/* rows in a fit's first chunk */
#define GLMAGG_CHUNK_BYTES (16 << 20)	/* chunks grow up to about this size (huge pages) */

/* A chunk of rows: columnar arrays for cap rows. */
typedef struct GlmChunk
{
	struct GlmChunk *next;
	int			n;				/* rows held */
	int			cap;			/* rows allocated */
	double	   *x;				/* cap x p_raw, row-major */
	double	   *y;
	double	   *w;				/* NULL when the aggregate has no weights */
	double	   *off;			/* NULL when it has no offsets */
} GlmChunk;

/* Positions of the optional arguments of one aggregate signature (-1 when absent). */
typedef struct GlmArgs
{
	int			beta;
	int			offset;
	int			weight;
	int			options;
} GlmArgs;

/* The state of both kinds of GLM aggregate (see the file comment). */
typedef struct GlmAggState
{
	GlmFamily	family;
	bool		is_step;		/* a step aggregate: sums at beta, rows only buffered */
	bool		has_weight;
	bool		has_offset;
	int			p_raw;			/* covariates per row */
	GlmOptions	opt;
	Jsonb	   *opt_jsonb;		/* options of the first row (NULL: none), to compare */
	double	   *beta;			/* steps: the coefficients, NULL for R's starting values */
	int64		n;				/* rows held in the chunks */
	GlmChunk   *first;			/* fits: all rows; steps: the rows not yet flushed */
	GlmChunk   *last;
	bool		adoptable;		/* made by deserialize in the aggregate context: combine may
								 * take its chunks (or the state itself) over */
	GlmStep    *step;			/* steps: sums of the rows already flushed */
	GlmScratch	sc;				/* steps: block buffers */
} GlmAggState;

/* Which argument is which, from the aggregate's declared argument types (cached). */
static GlmArgs *
ArgLayout(FunctionCallInfo fcinfo, GlmFamily family, bool is_step)
{
	GlmArgs    *a = (GlmArgs *) fcinfo->flinfo->fn_extra;
	int			nargs = PG_NARGS();
	int			pos = 3;

	if (a != NULL)
		return a;
	a = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(GlmArgs));
	a->beta = a->offset = a->weight = a->options = -1;
	if (is_step)
		a->beta = pos++;
	if (family == GLM_POISSON && pos < nargs &&
		get_fn_expr_argtype(fcinfo->flinfo, pos) == FLOAT8OID)
		a->offset = pos++;
	if (pos < nargs && get_fn_expr_argtype(fcinfo->flinfo, pos) == FLOAT8OID)
		a->weight = pos++;
	if (pos < nargs && get_fn_expr_argtype(fcinfo->flinfo, pos) == JSONBOID)
		a->options = pos++;
	if (pos != nargs)
		elog(ERROR, "clinnova: unexpected argument types for a GLM aggregate");
	fcinfo->flinfo->fn_extra = a;
	return a;
}

/* Raise "must be the same on every row" for argument what. */
static void
NotConstant(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must be the same for every row of an aggregate", what)));
}

/* Are two jsonb values (either may be NULL) byte-identical? */
static bool
SameJsonb(Jsonb *a, Jsonb *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

/* A new state for the first row, in the aggregate context. */
static GlmAggState *
StateCreate(MemoryContext aggcontext, GlmFamily family, bool is_step, const GlmArgs *a,
			int p_raw, Jsonb *options, const double *beta, int nbeta)
{
	MemoryContext old = MemoryContextSwitchTo(aggcontext);
	GlmAggState *st = palloc0(sizeof(GlmAggState));
	int			p;

	st->family = family;
	st->is_step = is_step;
	st->has_weight = (a->weight >= 0);
	st->has_offset = (a->offset >= 0);
	st->p_raw = p_raw;
	GlmOptionsParse(options, &st->opt);
	GlmOptionsCheckTerms(&st->opt, p_raw);
	st->opt_jsonb = options ? (Jsonb *) PG_DETOAST_DATUM_COPY(PointerGetDatum(options)) : NULL;
	p = p_raw + (st->opt.intercept ? 1 : 0);
	if (p > GLM_MAX_COEF)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a model may have at most %d coefficients", GLM_MAX_COEF),
				 errdetail("x has %d elements.", p_raw)));
	if (is_step)
	{
		if (beta != NULL && nbeta != p)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("beta has %d elements but the model has %d coefficients", nbeta, p),
					 errhint("beta holds the intercept (unless \"intercept\" is false) followed by one coefficient per element of x.")));
		if (beta != NULL)
		{
			st->beta = palloc(sizeof(double) * Max(p, 1));
			memcpy(st->beta, beta, sizeof(double) * p);
		}
		st->step = GlmStepCreate(family, p, st->opt.intercept, st->has_offset, st->beta);
		GlmScratchInit(&st->sc, p);
	}
	MemoryContextSwitchTo(old);
	return st;
}

/* A new empty chunk of cap rows laid out for st, in the current memory context. */
static GlmChunk *
ChunkCreate(const GlmAggState *st, int cap)
{
	GlmChunk   *c = palloc(sizeof(GlmChunk));

	c->next = NULL;
	c->n = 0;
	c->cap = cap;
	/* one block (huge pages advised when large): x, then y, w and offset */
	c->x = clinnova_alloc_doubles((int64) cap * (st->p_raw + 1 + st->has_weight + st->has_offset),
								  "a GLM fit");
	c->y = c->x + (Size) cap * st->p_raw;
	c->w = st->has_weight ? c->y + cap : NULL;
	c->off = st->has_offset ? c->y + (Size) cap * (1 + st->has_weight) : NULL;
	return c;
}

/* Rows in the chunk after a chunk of prev rows: doubling up to ~16 MB (steps: GLM_BLOCK). */
static int
NextChunkRows(const GlmAggState *st, int prev)
{
	int			limit = Max(GLM_BLOCK, GLMAGG_CHUNK_BYTES / ((st->p_raw + 3) * (int) sizeof(double)));

	if (st->is_step)
		return GLM_BLOCK;
	return (prev == 0) ? Min(GLMAGG_FIRST_CHUNK, limit) : Min(2 * prev, limit);
}

/*
 * Append k rows (arrays as in a chunk; w and off NULL when st has none) to the chunks of st,
 * in the current memory context.  Steps flush their chunk into the step whenever it fills.
 */
static void
AppendRows(GlmAggState *st, int64 k, const double *x, const double *y, const double *w,
		   const double *off)
{
	int64		done = 0;

	while (done < k)
	{
		GlmChunk   *c = st->last;
		int			m;

		if (c == NULL || c->n == c->cap)
		{
			GlmChunk   *nc = ChunkCreate(st, NextChunkRows(st, c ? c->cap : 0));

			if (c == NULL)
				st->first = nc;
			else
				c->next = nc;
			st->last = c = nc;
		}
		m = (int) Min((int64) (c->cap - c->n), k - done);
		if (st->p_raw > 0)
			memcpy(c->x + (Size) c->n * st->p_raw, x + (Size) done * st->p_raw,
				   sizeof(double) * (Size) m * st->p_raw);
		memcpy(c->y + c->n, y + done, sizeof(double) * m);
		if (c->w)
			memcpy(c->w + c->n, w + done, sizeof(double) * m);
		if (c->off)
			memcpy(c->off + c->n, off + done, sizeof(double) * m);
		c->n += m;
		st->n += m;
		done += m;
		if (st->is_step && c->n == c->cap)
		{
			GlmStepAddRows(st->step, &st->sc, c->n, st->p_raw, c->x, c->y, c->w, c->off);
			st->n -= c->n;
			c->n = 0;
		}
	}
}

/* Steps: add the buffered rows to the running step and empty the buffer. */
static void
StepFlush(GlmAggState *st)
{
	GlmChunk   *c = st->first;

	if (c != NULL && c->n > 0)
		GlmStepAddRows(st->step, &st->sc, c->n, st->p_raw, c->x, c->y, c->w, c->off);
	if (c != NULL)
		c->n = 0;
	st->n = 0;
}

/*
 * Common transition: skip rows with a NULL argument, create the state on the first row,
 * check that options and beta do not change, validate and store (or buffer) the row.
 */
static Datum
GlmTransition(FunctionCallInfo fcinfo, GlmFamily family, bool is_step)
{
	MemoryContext aggcontext,
				old;
	GlmAggState *st = PG_ARGISNULL(0) ? NULL : (GlmAggState *) PG_GETARG_POINTER(0);
	GlmArgs    *a = ArgLayout(fcinfo, family, is_step);
	Jsonb	   *options = NULL;
	double		y,
				w = 1.0,
				off = 0.0;
	double	   *x;
	ClnShortArrayBuf xbuf;
	int			p_raw;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: GLM transition function called in non-aggregate context");

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) ||
		(a->weight >= 0 && PG_ARGISNULL(a->weight)) ||
		(a->offset >= 0 && PG_ARGISNULL(a->offset)))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}

	y = (family == GLM_BINOMIAL) ? (PG_GETARG_BOOL(1) ? 1.0 : 0.0) : PG_GETARG_FLOAT8(1);
	x = clinnova_float8_array_arg(fcinfo, 2, &xbuf, &p_raw, "x");
	if (a->weight >= 0)
		w = PG_GETARG_FLOAT8(a->weight);
	if (a->offset >= 0)
		off = PG_GETARG_FLOAT8(a->offset);
	if (a->options >= 0 && !PG_ARGISNULL(a->options))
		options = PG_GETARG_JSONB_P(a->options);

	if (st == NULL)
	{
		double	   *beta = NULL;
		int			nbeta = 0;

		if (is_step && !PG_ARGISNULL(a->beta))
			beta = clinnova_float8_array(PG_GETARG_ARRAYTYPE_P(a->beta), &nbeta, "beta");
		if (beta != NULL)
		{
			int			j;

			for (j = 0; j < nbeta; j++)
				if (!isfinite(beta[j]))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("beta must contain only finite values")));
		}
		st = StateCreate(aggcontext, family, is_step, a, p_raw, options, beta, nbeta);
	}
	else
	{
		/*
		 * Options and beta must not change between rows.  Aggregate arguments reach the
		 * transition function as executor Params whose memory is reused from row to row,
		 * so the contents are compared (a few dozen bytes).
		 */
		if (a->options >= 0 && !SameJsonb(options, st->opt_jsonb))
			NotConstant("options");
		if (is_step)
		{
			int			nbeta = 0;
			double	   *beta = PG_ARGISNULL(a->beta) ? NULL :
				clinnova_float8_array(PG_GETARG_ARRAYTYPE_P(a->beta), &nbeta, "beta");

			if ((beta == NULL) != (st->beta == NULL) ||
				(beta != NULL && (nbeta != st->step->p ||
								  memcmp(beta, st->beta, sizeof(double) * nbeta) != 0)))
				NotConstant("beta");
		}
		if (p_raw != st->p_raw)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("x must have the same length on every row"),
					 errdetail("A row has %d elements, the first row had %d.", p_raw, st->p_raw)));
	}

	GlmCheckRow(family, y, x, p_raw, w, off);

	old = MemoryContextSwitchTo(aggcontext);
	AppendRows(st, 1, x, &y, &w, &off);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(logreg_transfn);
/* logreg(y boolean, x float8[] [, weight] [, options]) transition. */
Datum
logreg_transfn(PG_FUNCTION_ARGS)
{
	return GlmTransition(fcinfo, GLM_BINOMIAL, false);
}

PG_FUNCTION_INFO_V1(linreg_transfn);
/* linreg(y float8, x float8[] [, weight] [, options]) transition. */
Datum
linreg_transfn(PG_FUNCTION_ARGS)
{
	return GlmTransition(fcinfo, GLM_GAUSSIAN, false);
}

PG_FUNCTION_INFO_V1(poisson_transfn);
/* poisson(y float8, x float8[] [, offset [, weight]] [, options]) transition. */
Datum
poisson_transfn(PG_FUNCTION_ARGS)
{
	return GlmTransition(fcinfo, GLM_POISSON, false);
}

PG_FUNCTION_INFO_V1(logreg_step_transfn);
/* logreg_step(y, x, beta [, weight] [, options]) transition. */
Datum
logreg_step_transfn(PG_FUNCTION_ARGS)
{
	return GlmTransition(fcinfo, GLM_BINOMIAL, true);
}

PG_FUNCTION_INFO_V1(linreg_step_transfn);
/* linreg_step(y, x, beta [, weight] [, options]) transition. */
Datum
linreg_step_transfn(PG_FUNCTION_ARGS)
{
	return GlmTransition(fcinfo, GLM_GAUSSIAN, true);
}

PG_FUNCTION_INFO_V1(poisson_step_transfn);
/* poisson_step(y, x, beta [, offset [, weight]] [, options]) transition. */
Datum
poisson_step_transfn(PG_FUNCTION_ARGS)
{
	return GlmTransition(fcinfo, GLM_POISSON, true);
}

/* Append all rows held by src to st (same layout), in the current memory context. */
static void
AppendState(GlmAggState *st, const GlmAggState *src)
{
	const GlmChunk *c;

	for (c = src->first; c != NULL; c = c->next)
		if (c->n > 0)
			AppendRows(st, c->n, c->x, c->y, c->w, c->off);
}

/* Deep copy of a state into the current memory context (for combine with a NULL state). */
static GlmAggState *
StateCopy(const GlmAggState *src)
{
	GlmAggState *st = palloc(sizeof(GlmAggState));

	*st = *src;
	GlmOptionsCopy(&st->opt, &src->opt);
	st->opt_jsonb = src->opt_jsonb ? (Jsonb *) PG_DETOAST_DATUM_COPY(PointerGetDatum(src->opt_jsonb)) : NULL;
	st->n = 0;
	st->first = st->last = NULL;
	if (src->is_step)
	{
		int			p = src->step->p;

		if (src->beta)
		{
			st->beta = palloc(sizeof(double) * Max(p, 1));
			memcpy(st->beta, src->beta, sizeof(double) * p);
		}
		st->step = palloc(VARSIZE(src->step));
		memcpy(st->step, src->step, VARSIZE(src->step));
		GlmScratchInit(&st->sc, p);
	}
	AppendState(st, src);
	return st;
}

/* Error unless two states come from the same aggregate call. */
static void
CheckCompatible(const GlmAggState *a, const GlmAggState *b)
{
	if (a->family != b->family || a->is_step != b->is_step || a->has_weight != b->has_weight ||
		a->has_offset != b->has_offset)
		elog(ERROR, "clinnova: combining states of different GLM aggregates");
	if (a->p_raw != b->p_raw)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x must have the same length on every row"),
				 errdetail("Rows have %d and %d elements.", a->p_raw, b->p_raw)));
	if (!GlmOptionsEqual(&a->opt, &b->opt))
		NotConstant("options");
	if (a->is_step && ((a->beta == NULL) != (b->beta == NULL) ||
					   (a->beta && memcmp(a->beta, b->beta, sizeof(double) * a->step->p) != 0)))
		NotConstant("beta");
}

PG_FUNCTION_INFO_V1(glm_combine);
/* Combine two partial states: append the rows (fits) or add the steps (steps). */
Datum
glm_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext,
				old;
	GlmAggState *a = PG_ARGISNULL(0) ? NULL : (GlmAggState *) PG_GETARG_POINTER(0);
	GlmAggState *b = PG_ARGISNULL(1) ? NULL : (GlmAggState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: glm_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		if (b->adoptable)
		{
			b->adoptable = false;
			PG_RETURN_POINTER(b);
		}
		old = MemoryContextSwitchTo(aggcontext);
		a = StateCopy(b);
		MemoryContextSwitchTo(old);
		PG_RETURN_POINTER(a);
	}
	CheckCompatible(a, b);
	old = MemoryContextSwitchTo(aggcontext);
	if (a->is_step)
	{
		/* a's own buffer first, then b's flushed sums; b's buffered rows are appended below */
		StepFlush(a);
		GlmStepMerge(a->step, b->step);
	}
	if (b->adoptable && !a->is_step && b->first != NULL)
	{
		/* take b's chunks over; a's last chunk keeps its free room, b's become the tail */
		if (a->last == NULL)
			a->first = b->first;
		else
			a->last->next = b->first;
		a->last = b->last;
		a->n += b->n;
		b->first = b->last = NULL;
		b->n = 0;
	}
	else
		AppendState(a, b);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/* A copy of a step state's sums with its buffered rows added, finished. */
static GlmStep *
StepSnapshot(const GlmAggState *st)
{
	GlmStep    *s = palloc(VARSIZE(st->step));
	GlmScratch	sc;

	memcpy(s, st->step, VARSIZE(st->step));
	if (st->n > 0)
	{
		GlmScratchInit(&sc, s->p);
		GlmStepAddRows(s, &sc, st->first->n, st->p_raw, st->first->x, st->first->y,
					   st->first->w, st->first->off);
	}
	GlmStepFinish(s);
	return s;
}

/* Append n doubles in native byte order (states never leave the server). */
static void
SendDoubles(StringInfo buf, const double *v, int64 n)
{
	appendBinaryStringInfo(buf, (const char *) v, (int) (sizeof(double) * n));
}

PG_FUNCTION_INFO_V1(glm_serialize);
/*
 * Serialize a state for a parallel leader: version, kind, layout, options, then the rows
 * (fits) or beta and the step with buffered rows added (steps).
 */
Datum
glm_serialize(PG_FUNCTION_ARGS)
{
	GlmAggState *st = (GlmAggState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	double		bytes;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "clinnova: glm_serialize called in non-aggregate context");
	bytes = (double) st->n * (st->p_raw + 3) * sizeof(double) +
		(st->is_step ? (double) VARSIZE(st->step) : 0.0) + 65536.0;
	if (bytes > (double) (MaxAllocSize - VARHDRSZ))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a parallel worker's GLM state is larger than 1 GB"),
				 errhint("Fit without parallel workers: SET max_parallel_workers_per_gather = 0.")));
	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, (int) bytes);	/* one allocation for the whole state */
	pq_sendbyte(&buf, GLMAGG_FORMAT_VERSION);
	pq_sendbyte(&buf, (int) st->family);
	pq_sendbyte(&buf, (st->is_step ? 1 : 0) | (st->has_weight ? 2 : 0) | (st->has_offset ? 4 : 0));
	pq_sendint32(&buf, st->p_raw);
	GlmOptionsSend(&buf, &st->opt);
	if (st->opt_jsonb)
	{
		pq_sendint32(&buf, VARSIZE(st->opt_jsonb));
		pq_sendbytes(&buf, (char *) st->opt_jsonb, VARSIZE(st->opt_jsonb));
	}
	else
		pq_sendint32(&buf, 0);
	if (st->is_step)
	{
		GlmStep    *s = StepSnapshot(st);

		pq_sendbyte(&buf, st->beta ? 1 : 0);
		pq_sendint32(&buf, VARSIZE(s));
		pq_sendbytes(&buf, (char *) s, VARSIZE(s));
		pfree(s);
	}
	else
	{
		const GlmChunk *c;

		pq_sendint64(&buf, st->n);
		for (c = st->first; c != NULL; c = c->next)
			SendDoubles(&buf, c->x, (int64) c->n * st->p_raw);
		for (c = st->first; c != NULL; c = c->next)
			SendDoubles(&buf, c->y, c->n);
		for (c = st->first; c != NULL && st->has_weight; c = c->next)
			SendDoubles(&buf, c->w, c->n);
		for (c = st->first; c != NULL && st->has_offset; c = c->next)
			SendDoubles(&buf, c->off, c->n);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Copy n doubles out of the message, checking its length first. */
static void
RecvDoubles(StringInfo buf, double *dst, int64 n)
{
	Size		bytes = sizeof(double) * (Size) n;

	if (n < 0 || (Size) (buf->len - buf->cursor) < bytes)
		elog(ERROR, "clinnova: truncated GLM aggregate state");
	memcpy(dst, buf->data + buf->cursor, bytes);
	buf->cursor += bytes;
}

PG_FUNCTION_INFO_V1(glm_deserialize);
/* Rebuild a state from glm_serialize's bytes, checking every length. */
Datum
glm_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	GlmAggState *st;
	MemoryContext aggcontext,
				old;
	int			kind,
				family,
				len;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: glm_deserialize called in non-aggregate context");
	old = MemoryContextSwitchTo(aggcontext);
	buf.data = VARDATA_ANY(bytes);
	buf.len = VARSIZE_ANY_EXHDR(bytes);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	clinnova_recv_version(&buf, GLMAGG_FORMAT_VERSION, "GLM aggregate state");

	st = palloc0(sizeof(GlmAggState));
	family = pq_getmsgbyte(&buf);
	kind = pq_getmsgbyte(&buf);
	if (family < GLM_BINOMIAL || family > GLM_POISSON || (kind & ~7) != 0)
		elog(ERROR, "clinnova: invalid GLM aggregate state");
	st->family = (GlmFamily) family;
	st->is_step = (kind & 1) != 0;
	st->has_weight = (kind & 2) != 0;
	st->has_offset = (kind & 4) != 0;
	st->p_raw = pq_getmsgint(&buf, 4);
	if (st->p_raw < 0 || st->p_raw > GLM_MAX_COEF)
		elog(ERROR, "clinnova: invalid GLM aggregate state");
	GlmOptionsRecv(&buf, &st->opt);
	len = pq_getmsgint(&buf, 4);
	if (len < 0 || len > buf.len - buf.cursor)
		elog(ERROR, "clinnova: truncated GLM aggregate state");
	if (len > 0)
	{
		st->opt_jsonb = palloc(len);
		pq_copymsgbytes(&buf, (char *) st->opt_jsonb, len);
		if (VARSIZE(st->opt_jsonb) != (Size) len)
			elog(ERROR, "clinnova: invalid GLM aggregate state");
	}

	if (st->is_step)
	{
		int			has_beta = pq_getmsgbyte(&buf);
		int			p;

		len = pq_getmsgint(&buf, 4);
		if (len < (int) GLMSTEP_HDRSZ || len > buf.len - buf.cursor)
			elog(ERROR, "clinnova: truncated GLM aggregate state");
		st->step = palloc(len);
		pq_copymsgbytes(&buf, (char *) st->step, len);
		GlmStepValidate(st->step, ERRCODE_INVALID_BINARY_REPRESENTATION, "GLM aggregate state");
		p = st->step->p;
		if (st->step->family != st->family ||
			p != st->p_raw + (st->opt.intercept ? 1 : 0) ||
			has_beta != ((st->step->flags & GLMSTEP_AT_START) ? 0 : 1))
			elog(ERROR, "clinnova: invalid GLM aggregate state");
		if (has_beta)
		{
			st->beta = palloc(sizeof(double) * Max(p, 1));
			memcpy(st->beta, GlmStepBeta(st->step), sizeof(double) * p);
		}
		st->step->flags |= GLMSTEP_UPPER_ONLY;	/* adding to a finished step is fine */
		GlmScratchInit(&st->sc, p);
	}
	else
	{
		int			per_row = st->p_raw + 1 + (st->has_weight ? 1 : 0) + (st->has_offset ? 1 : 0);
		int64		n = pq_getmsgint64(&buf);
		GlmChunk   *c;

		if (n < 0 || n > PG_INT32_MAX ||
			(double) n * per_row * sizeof(double) > (double) (buf.len - buf.cursor))
			elog(ERROR, "clinnova: truncated GLM aggregate state");
		if (n > 0)
		{
			/* one chunk of exactly n rows */
			c = ChunkCreate(st, (int) n);
			RecvDoubles(&buf, c->x, n * st->p_raw);
			RecvDoubles(&buf, c->y, n);
			if (c->w)
				RecvDoubles(&buf, c->w, n);
			if (c->off)
				RecvDoubles(&buf, c->off, n);
			c->n = (int) n;
			st->first = st->last = c;
			st->n = n;
		}
	}
	clinnova_recv_end(&buf, "GLM aggregate state");
	st->adoptable = true;
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* ---- the pooled fit ---- */

/* One pass over all stored rows into s (reset to beta first). */
static void
StepOverRows(GlmStep *s, GlmScratch *sc, const GlmAggState *st, const double *beta)
{
	const GlmChunk *c;

	GlmStepReset(s, beta);
	for (c = st->first; c != NULL; c = c->next)
	{
		CHECK_FOR_INTERRUPTS();
		GlmStepAddRows(s, sc, c->n, st->p_raw, c->x, c->y, c->w, c->off);
	}
	GlmStepFinish(s);
}

/* Name of the fitting aggregate of a family, for messages. */
static const char *
FitName(GlmFamily family)
{
	return (family == GLM_BINOMIAL) ? "logreg" : (family == GLM_GAUSSIAN) ? "linreg" : "poisson";
}

/*
 * R's glm.fit loop over the stored rows (see glm.h).  Runs in its own memory context; each
 * Newton solve's temporaries go to a per-iteration context reset every step.
 */
static GlmModel *
FitRows(const GlmAggState *st)
{
	int			p = st->p_raw + (st->opt.intercept ? 1 : 0);
	GlmStep    *prev = GlmStepCreate(st->family, p, st->opt.intercept, st->has_offset, NULL);
	GlmStep    *cur = GlmStepCreate(st->family, p, st->opt.intercept, st->has_offset, NULL);
	double	   *beta = palloc(sizeof(double) * Max(p, 1));
	bool	   *aliased = palloc(sizeof(bool) * Max(p, 1));
	MemoryContext iterctx = AllocSetContextCreate(CurrentMemoryContext, "glm iteration",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old;
	GlmScratch	sc;
	bool		converged = false,
				boundary = false;
	int			iter;

	GlmScratchInit(&sc, p);
	StepOverRows(prev, &sc, st, NULL);	/* at mustart: R's devold */
	GlmCheckDisclosure(prev, "this model");
	if (p == 0)
	{
		/* glm.fit's EMPTY model: nothing to fit, iter = 0, deviance at eta = offset */
		MemoryContextDelete(iterctx);
		StepOverRows(cur, &sc, st, beta);
		return GlmModelFromSteps(cur, cur, 0, true, false, &st->opt);
	}

	for (iter = 1; iter <= st->opt.max_iter; iter++)
	{
		GlmStep    *tmp;

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(iterctx);
		GlmNewton(prev, beta, aliased);
		MemoryContextSwitchTo(old);
		MemoryContextReset(iterctx);
		StepOverRows(cur, &sc, st, beta);

		/* glm.fit's step halving while the deviance is not finite */
		boundary = false;
		if (!isfinite(cur->deviance) || cur->n_invalid > 0)
		{
			int			ii,
						j;

			if (prev->flags & GLMSTEP_AT_START)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("no valid set of coefficients has been found"),
						 errdetail("The first IRLS step gives fitted values that are not finite."),
						 errhint("Rescale the covariates.")));
			ereport(WARNING,
					(errmsg("step size truncated due to divergence")));
			for (ii = 1; !isfinite(cur->deviance) || cur->n_invalid > 0; ii++)
			{
				if (ii > st->opt.max_iter)
					ereport(ERROR,
							(errcode(ERRCODE_DATA_EXCEPTION),
							 errmsg("cannot correct the IRLS step size"),
							 errdetail("%d halvings did not give a finite deviance.", st->opt.max_iter)));
				for (j = 0; j < p; j++)
					beta[j] = (beta[j] + GlmStepBeta(prev)[j]) / 2.0;
				StepOverRows(cur, &sc, st, beta);
			}
			boundary = true;
		}
		if (clinnova_verbose)
			ereport(NOTICE,
					(errmsg("%s: iteration %d, deviance %.10g", FitName(st->family), iter,
							cur->deviance)));
		if (GlmConverged(prev, cur, st->opt.tol))
		{
			converged = true;
			break;
		}
		if (iter == st->opt.max_iter)
			break;				/* keep prev = the step whose solve gave cur's beta */
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	MemoryContextDelete(iterctx);
	return GlmModelFromSteps(prev, cur, iter, converged, boundary, &st->opt);
}

PG_FUNCTION_INFO_V1(glm_fit_finalfn);
/* Final function of logreg/linreg/poisson: fit by IRLS; NULL when no rows were aggregated. */
Datum
glm_fit_finalfn(PG_FUNCTION_ARGS)
{
	GlmAggState *st;
	MemoryContext fitctx,
				old;
	GlmModel   *m;
	GlmModel   *result;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "clinnova: glm_fit_finalfn called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (GlmAggState *) PG_GETARG_POINTER(0);
	if (st->is_step)
		elog(ERROR, "clinnova: glm_fit_finalfn given a step state");

	fitctx = AllocSetContextCreate(CurrentMemoryContext, "glm fit", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(fitctx);
	m = FitRows(st);
	MemoryContextSwitchTo(old);
	result = palloc(VARSIZE(m));
	memcpy(result, m, VARSIZE(m));
	MemoryContextDelete(fitctx);
	PG_RETURN_POINTER(result);
}

PG_FUNCTION_INFO_V1(glm_step_finalfn);
/* Final function of the step aggregates: the finished step; NULL when no rows. */
Datum
glm_step_finalfn(PG_FUNCTION_ARGS)
{
	GlmAggState *st;
	GlmStep    *s;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "clinnova: glm_step_finalfn called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (GlmAggState *) PG_GETARG_POINTER(0);
	if (!st->is_step)
		elog(ERROR, "clinnova: glm_step_finalfn given a fit state");
	s = StepSnapshot(st);
	/* a step whose sums overflowed could not be read back (or merged): refuse it here, 22000 */
	GlmStepValidate(s, ERRCODE_DATA_EXCEPTION, "IRLS step: the weighted sums overflow float8");
	GlmCheckDisclosure(s, "this IRLS step");
	PG_RETURN_POINTER(s);
}
