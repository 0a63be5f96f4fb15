/*
 * logrank.c — the G-rho family of k-sample tests (R's survdiff): rho = 0 log-rank, rho = 1
 * Peto-Peto; stratified by summing observed, expected and variance over strata.
 *
 * Three aggregate forms share one state: logrank(grp, curve [, rho]) over per-group risk
 * tables, logrank(stratum, grp, curve [, rho]) for the stratified test, and the convenience
 * logrank(time, event, grp [, rho]) over rows.  The state keeps one risk-table state per
 * (stratum, group) cell; rows or curves of the same cell are merged, so per-site curves of
 * one group can be fed side by side (federation).
 *
 * At each event time t of a stratum, with pooled deaths d, at risk n, and n_g at risk in
 * group g, and w = S(t-)^rho from the pooled left-continuous KM of the stratum:
 *     O_g += w d_g,   E_g += w d n_g / n,
 *     V_gh += w^2 d (n - d) / (n (n - 1)) * n_g (n [g = h] - n_h) / n     (n > 1).
 * chisq = (O - E)' V^- (O - E) over the groups with E > 0 less the first of them, df = their
 * number - 1, p the chi-square upper tail (R: solve() on that submatrix).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "clinnova.h"
#include "distributions.h"
#include "linalg.h"
#include "survfit.h"

/* Format version of the serialized logrank state. */
#define LOGRANK_STATE_VERSION	1

/* Up to this many cells a lookup compares labels one by one instead of hashing. */
#define LOGRANK_LINEAR_CELLS	8

/* One (stratum, group) cell: its label bytes and its risk table under construction. */
typedef struct LogrankCell
{
	char	   *stratum;		/* NULL without strata */
	int			stratum_len;
	char	   *group;
	int			group_len;
	SurvState  *st;
} LogrankCell;

/*
 * LogrankState: the cells seen so far and rho.  index is an open-addressing table of cell
 * numbers + 1 (0 = empty), capacity a power of two at least twice the cell count; `last` is
 * the cell of the previous row, tried first (rows often come grouped).
 */
typedef struct LogrankState
{
	MemoryContext mcxt;
	bool		rho_set;
	double		rho;
	int			ncell;
	int			cap;
	LogrankCell *cells;
	int32	   *index;
	int			index_cap;
	int			last;
} LogrankState;

/* Hash of a cell's labels. */
static uint32
CellHash(const char *stratum, int slen, const char *group, int glen)
{
	uint32		h = hash_bytes((const unsigned char *) group, glen);

	if (stratum != NULL)
		h = hash_combine(h, hash_bytes((const unsigned char *) stratum, slen) ^ 0x5bd1e995);
	return h;
}

/*
 * Are two labels of len bytes equal?  Labels are short (a group or site name): a byte loop
 * inlined here beats a call to memcmp per input row.
 */
static inline bool
LabelEqual(const char *a, const char *b, int len)
{
	int			i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Do the cell's labels equal these? */
static inline bool
CellIs(const LogrankCell *c, const char *stratum, int slen, const char *group, int glen)
{
	if (c->group_len != glen || !LabelEqual(c->group, group, glen))
		return false;
	if ((c->stratum == NULL) != (stratum == NULL))
		return false;
	return stratum == NULL || (c->stratum_len == slen && LabelEqual(c->stratum, stratum, slen));
}

/* Insert cell number i into the index (capacity already sufficient). */
static void
IndexInsert(LogrankState *st, int i)
{
	LogrankCell *c = &st->cells[i];
	uint32		mask = st->index_cap - 1;
	uint32		h = CellHash(c->stratum, c->stratum_len, c->group, c->group_len) & mask;

	while (st->index[h] != 0)
		h = (h + 1) & mask;
	st->index[h] = i + 1;
}

/* An empty state in mcxt. */
static LogrankState *
LogrankCreate(MemoryContext mcxt)
{
	LogrankState *st = MemoryContextAllocZero(mcxt, sizeof(LogrankState));

	st->mcxt = mcxt;
	st->last = -1;
	return st;
}

/*
 * The cell for (stratum, group), created with an empty risk-table state shaped (ncause,
 * weighted) when new.  Labels are copied into the state's context.
 */
static LogrankCell *
LogrankFindCell(LogrankState *st, const char *stratum, int slen, const char *group, int glen,
			 int ncause, bool weighted)
{
	uint32		h;
	LogrankCell *c;
	int			i;

	if (st->last >= 0 && CellIs(&st->cells[st->last], stratum, slen, group, glen))
		return &st->cells[st->last];
	if (st->ncell <= LOGRANK_LINEAR_CELLS)
	{
		/* few cells (the usual case): comparing labels is cheaper than hashing one */
		for (i = 0; i < st->ncell; i++)
			if (CellIs(&st->cells[i], stratum, slen, group, glen))
			{
				st->last = i;
				return &st->cells[i];
			}
	}
	else if (st->index_cap > 0)
	{
		uint32		mask = st->index_cap - 1;

		for (h = CellHash(stratum, slen, group, glen) & mask; st->index[h] != 0; h = (h + 1) & mask)
		{
			i = st->index[h] - 1;
			if (CellIs(&st->cells[i], stratum, slen, group, glen))
			{
				st->last = i;
				return &st->cells[i];
			}
		}
	}
	/* new cell */
	if (st->ncell == st->cap)
	{
		st->cap = Max(st->cap * 2, 8);
		if (st->cells == NULL)
			st->cells = MemoryContextAlloc(st->mcxt, sizeof(LogrankCell) * st->cap);
		else
			st->cells = repalloc(st->cells, sizeof(LogrankCell) * st->cap);
	}
	c = &st->cells[st->ncell];
	c->stratum = NULL;
	c->stratum_len = 0;
	if (stratum != NULL)
	{
		c->stratum = MemoryContextAlloc(st->mcxt, Max(slen, 1));
		memcpy(c->stratum, stratum, slen);
		c->stratum_len = slen;
	}
	c->group = MemoryContextAlloc(st->mcxt, Max(glen, 1));
	memcpy(c->group, group, glen);
	c->group_len = glen;
	c->st = SurvStateCreate(st->mcxt, ncause, weighted);
	st->last = st->ncell++;
	if (st->ncell * 2 > st->index_cap)
	{
		st->index_cap = Max(st->index_cap * 2, 16);
		if (st->index != NULL)
			pfree(st->index);
		st->index = MemoryContextAllocZero(st->mcxt, sizeof(int32) * st->index_cap);
		for (i = 0; i < st->ncell; i++)
			IndexInsert(st, i);
	}
	else
		IndexInsert(st, st->ncell - 1);
	return c;
}

/* The state argument, created in the aggregate context on first use. */
static LogrankState *
LogrankGetState(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt;

	if (!PG_ARGISNULL(0))
		return (LogrankState *) PG_GETARG_POINTER(0);
	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "clinnova: logrank transition function called outside an aggregate");
	return LogrankCreate(aggcxt);
}

/* Record rho (argument argno, or 0 when argno < 0); 22023 for NULL, NaN/Inf or a change. */
static void
LogrankSetRho(LogrankState *st, FunctionCallInfo fcinfo, int argno)
{
	double		rho = 0;

	if (argno >= 0)
	{
		if (PG_ARGISNULL(argno))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rho must not be NULL")));
		rho = PG_GETARG_FLOAT8(argno);
		if (!isfinite(rho))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rho must be a finite number"),
					 errdetail("The rho is %s.", float8out_internal(rho))));
	}
	if (!st->rho_set)
	{
		st->rho = rho;
		st->rho_set = true;
	}
	else if (st->rho != rho)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rho must be the same in every row of a logrank aggregate"),
				 errdetail("Rows have rho %s and %s.", float8out_internal(st->rho),
						   float8out_internal(rho))));
}

/*
 * Shared body of the curve forms: stratum at argument sarg (< 0: none), group at garg, the
 * survfit at carg, rho at rarg (< 0: rho = 0).  Rows with a NULL label or curve are skipped.
 */
static Datum
LogrankAddCurve(FunctionCallInfo fcinfo, int sarg, int garg, int carg, int rarg)
{
	LogrankState *st;
	text	   *s = NULL,
			   *g;
	Survfit    *sf;
	LogrankCell *c;

	if ((sarg >= 0 && PG_ARGISNULL(sarg)) || PG_ARGISNULL(garg) || PG_ARGISNULL(carg))
	{
		if (rarg >= 0 && !PG_ARGISNULL(0))
			LogrankSetRho((LogrankState *) PG_GETARG_POINTER(0), fcinfo, rarg);
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	st = LogrankGetState(fcinfo);
	LogrankSetRho(st, fcinfo, rarg);
	if (sarg >= 0)
		s = PG_GETARG_TEXT_PP(sarg);
	g = PG_GETARG_TEXT_PP(garg);
	sf = PG_GETARG_SURVFIT_P(carg);
	c = LogrankFindCell(st, s ? VARDATA_ANY(s) : NULL, s ? VARSIZE_ANY_EXHDR(s) : 0,
					 VARDATA_ANY(g), VARSIZE_ANY_EXHDR(g),
					 sf->ncause, (sf->flags & SURVFIT_WEIGHTED) != 0);
	SurvStateAddSurvfit(c->st, sf);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(logrank_curve_transfn);
/* logrank(grp text, curve survfit) transition. */
Datum
logrank_curve_transfn(PG_FUNCTION_ARGS)
{
	return LogrankAddCurve(fcinfo, -1, 1, 2, -1);
}

PG_FUNCTION_INFO_V1(logrank_curve_rho_transfn);
/* logrank(grp text, curve survfit, rho float8) transition. */
Datum
logrank_curve_rho_transfn(PG_FUNCTION_ARGS)
{
	return LogrankAddCurve(fcinfo, -1, 1, 2, 3);
}

PG_FUNCTION_INFO_V1(logrank_strata_transfn);
/* logrank(stratum text, grp text, curve survfit) transition. */
Datum
logrank_strata_transfn(PG_FUNCTION_ARGS)
{
	return LogrankAddCurve(fcinfo, 1, 2, 3, -1);
}

PG_FUNCTION_INFO_V1(logrank_strata_rho_transfn);
/* logrank(stratum text, grp text, curve survfit, rho float8) transition. */
Datum
logrank_strata_rho_transfn(PG_FUNCTION_ARGS)
{
	return LogrankAddCurve(fcinfo, 1, 2, 3, 4);
}

/*
 * Shared body of the row forms logrank(time, event, grp [, rho]); intevent says the event is
 * an integer 0/1.  Rows with a NULL time, event or group are skipped.
 */
static Datum
LogrankAddRow(FunctionCallInfo fcinfo, bool intevent, int rarg)
{
	LogrankState *st;
	text	   *g;
	double		t;
	bool		event;
	LogrankCell *c;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (rarg >= 0 && !PG_ARGISNULL(0))
			LogrankSetRho((LogrankState *) PG_GETARG_POINTER(0), fcinfo, rarg);
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	t = PG_GETARG_FLOAT8(1);
	SurvCheckTime(t, "time");
	if (intevent)
	{
		int32		e = PG_GETARG_INT32(2);

		if (e != 0 && e != 1)
			SurvReportBadEvent(e);
		event = e == 1;
	}
	else
		event = PG_GETARG_BOOL(2);
	st = LogrankGetState(fcinfo);
	if (rarg >= 0 || !st->rho_set)
		LogrankSetRho(st, fcinfo, rarg);
	g = PG_GETARG_TEXT_PP(3);
	c = LogrankFindCell(st, NULL, 0, VARDATA_ANY(g), VARSIZE_ANY_EXHDR(g), 1, false);
	SurvStateSlot(c->st, t + 0.0)[event ? 0 : 1] += 1;
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(logrank_rows_transfn);
/* logrank(time float8, event boolean, grp text) transition. */
Datum
logrank_rows_transfn(PG_FUNCTION_ARGS)
{
	return LogrankAddRow(fcinfo, false, -1);
}

PG_FUNCTION_INFO_V1(logrank_rows_rho_transfn);
/* logrank(time float8, event boolean, grp text, rho float8) transition. */
Datum
logrank_rows_rho_transfn(PG_FUNCTION_ARGS)
{
	return LogrankAddRow(fcinfo, false, 4);
}

PG_FUNCTION_INFO_V1(logrank_rows_int_transfn);
/* logrank(time float8, event integer, grp text) transition. */
Datum
logrank_rows_int_transfn(PG_FUNCTION_ARGS)
{
	return LogrankAddRow(fcinfo, true, -1);
}

PG_FUNCTION_INFO_V1(logrank_rows_int_rho_transfn);
/* logrank(time float8, event integer, grp text, rho float8) transition. */
Datum
logrank_rows_int_rho_transfn(PG_FUNCTION_ARGS)
{
	return LogrankAddRow(fcinfo, true, 4);
}

/* ---- parallel support ---- */

/* Add every cell of b into a (labels and risk tables copied into a's context). */
static void
LogrankAddState(LogrankState *a, const LogrankState *b)
{
	int			i;

	if (b->rho_set)
	{
		if (a->rho_set && a->rho != b->rho)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rho must be the same in every row of a logrank aggregate"),
					 errdetail("Rows have rho %s and %s.", float8out_internal(a->rho),
							   float8out_internal(b->rho))));
		a->rho = b->rho;
		a->rho_set = true;
	}
	for (i = 0; i < b->ncell; i++)
	{
		const LogrankCell *src = &b->cells[i];
		LogrankCell *dst = LogrankFindCell(a, src->stratum, src->stratum_len, src->group,
										src->group_len, src->st->ncause, src->st->weighted);

		SurvStateAddState(dst->st, src->st);
	}
}

PG_FUNCTION_INFO_V1(logrank_combine);
/* Combine two partial logrank states (all four NULL cases). */
Datum
logrank_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	LogrankState *a;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "clinnova: logrank_combine called outside an aggregate");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	a = PG_ARGISNULL(0) ? LogrankCreate(aggcxt) : (LogrankState *) PG_GETARG_POINTER(0);
	LogrankAddState(a, (LogrankState *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(logrank_serialize);
/*
 * Serialize: version byte, rho_set byte, rho, cell count, then per cell: has-stratum byte,
 * [stratum length + bytes], group length + bytes, risk-table length + survfit binary.
 */
Datum
logrank_serialize(PG_FUNCTION_ARGS)
{
	LogrankState *st = (LogrankState *) PG_GETARG_POINTER(0);
	StringInfoData buf,
				sfbuf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, LOGRANK_STATE_VERSION);
	pq_sendbyte(&buf, st->rho_set ? 1 : 0);
	pq_sendfloat8(&buf, st->rho);
	pq_sendint32(&buf, st->ncell);
	initStringInfo(&sfbuf);
	for (i = 0; i < st->ncell; i++)
	{
		LogrankCell *c = &st->cells[i];

		pq_sendbyte(&buf, c->stratum != NULL ? 1 : 0);
		if (c->stratum != NULL)
		{
			pq_sendint32(&buf, c->stratum_len);
			pq_sendbytes(&buf, c->stratum, c->stratum_len);
		}
		pq_sendint32(&buf, c->group_len);
		pq_sendbytes(&buf, c->group, c->group_len);
		resetStringInfo(&sfbuf);
		SurvfitWriteBinary(&sfbuf, SurvStateToSurvfit(c->st));
		pq_sendint32(&buf, sfbuf.len);
		pq_sendbytes(&buf, sfbuf.data, sfbuf.len);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Read a length-prefixed byte string of at most the remaining bytes; 22P03 otherwise. */
static const char *
ReadLabel(StringInfo buf, int *len)
{
	if (buf->len - buf->cursor < 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of logrank state"),
				 errdetail("The value is truncated.")));
	*len = (int32) pq_getmsgint(buf, 4);
	if (*len < 0 || *len > buf->len - buf->cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of logrank state"),
				 errdetail("A length of %d exceeds the %d bytes left.", *len, buf->len - buf->cursor)));
	return pq_getmsgbytes(buf, *len);
}

PG_FUNCTION_INFO_V1(logrank_deserialize);
/* Rebuild a logrank state, checking the version, every length and every risk table. */
Datum
logrank_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	LogrankState *st = LogrankCreate(CurrentMemoryContext);
	int			ncell,
				i;

	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	clinnova_recv_version(&buf, LOGRANK_STATE_VERSION, "logrank state");
	if (buf.len - buf.cursor < 13)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of logrank state"),
				 errdetail("The value is truncated.")));
	st->rho_set = pq_getmsgbyte(&buf) != 0;
	st->rho = pq_getmsgfloat8(&buf);
	ncell = (int32) pq_getmsgint(&buf, 4);
	if (ncell < 0 || ncell > buf.len - buf.cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of logrank state"),
				 errdetail("The cell count %d is impossible.", ncell)));
	for (i = 0; i < ncell; i++)
	{
		const char *s = NULL,
				   *g,
				   *sfb;
		int			slen = 0,
					glen,
					sflen;
		StringInfoData sfbuf;
		Survfit    *sf;
		LogrankCell *c;

		if (buf.cursor >= buf.len)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid binary representation of logrank state"),
					 errdetail("The value is truncated.")));
		if (pq_getmsgbyte(&buf) != 0)
			s = ReadLabel(&buf, &slen);
		g = ReadLabel(&buf, &glen);
		sfb = ReadLabel(&buf, &sflen);
		sfbuf.data = (char *) sfb;
		sfbuf.len = sflen;
		sfbuf.maxlen = sflen;
		sfbuf.cursor = 0;
		sf = SurvfitReadBinary(&sfbuf, ERRCODE_INVALID_BINARY_REPRESENTATION, "logrank state");
		clinnova_recv_end(&sfbuf, "logrank state");
		c = LogrankFindCell(st, s, slen, g, glen, sf->ncause, (sf->flags & SURVFIT_WEIGHTED) != 0);
		SurvStateAddSurvfit(c->st, sf);
	}
	clinnova_recv_end(&buf, "logrank state");
	PG_RETURN_POINTER(st);
}

/* ---- the test ---- */

/* A cell in the final computation: labels, group number, risk table. */
typedef struct FinalCell
{
	const LogrankCell *cell;
	int			g;				/* index into the sorted groups */
	Survfit    *sf;
} FinalCell;

/* Compare two byte strings (memcmp order, then length). */
static int
LabelCmp(const char *a, int alen, const char *b, int blen)
{
	int			r = memcmp(a, b, Min(alen, blen));

	if (r != 0)
		return r;
	return (alen > blen) - (alen < blen);
}

/* qsort: cells by stratum (NULL first), then group. */
static int
FinalCellCmp(const void *x, const void *y)
{
	const LogrankCell *a = ((const FinalCell *) x)->cell;
	const LogrankCell *b = ((const FinalCell *) y)->cell;
	int			r;

	if ((a->stratum == NULL) != (b->stratum == NULL))
		return a->stratum == NULL ? -1 : 1;
	if (a->stratum != NULL)
	{
		r = LabelCmp(a->stratum, a->stratum_len, b->stratum, b->stratum_len);
		if (r != 0)
			return r;
	}
	return LabelCmp(a->group, a->group_len, b->group, b->group_len);
}

/* qsort: group labels. */
static int
GroupCmp(const void *x, const void *y)
{
	const LogrankCell *a = *(const LogrankCell *const *) x;
	const LogrankCell *b = *(const LogrankCell *const *) y;

	return LabelCmp(a->group, a->group_len, b->group, b->group_len);
}

/* qsort: doubles ascending. */
static int
DoubleCmp(const void *x, const void *y)
{
	double		a = *(const double *) x,
				b = *(const double *) y;

	return (a > b) - (a < b);
}

/*
 * Accumulate observed, expected and variance (G x G, row-major) over the cells [lo, hi) of one
 * stratum, with weights S(t-)^rho from the stratum's pooled KM.
 */
static void
LogrankStratum(FinalCell *cells, int lo, int hi, int G, double rho,
			   double *O, double *E, double *V)
{
	int			nc = hi - lo;
	int			ntimes = 0,
				nt = 0,
				i,
				j,
				g,
				h;
	double	   *times;
	SurvTable  *tab = palloc(sizeof(SurvTable) * nc);
	double	  **exits_ge = palloc(sizeof(double *) * nc);
	double	  **ent_ge = palloc(sizeof(double *) * nc);
	double	  **events = palloc(sizeof(double *) * nc);
	int		   *pos = palloc0(sizeof(int) * nc);
	double	   *ng = palloc(sizeof(double) * G);
	double	   *dg = palloc(sizeof(double) * G);
	double		km = 1;

	for (i = 0; i < nc; i++)
	{
		double		ex = 0,
					en = 0;
		int			c;

		SurvTableInit(&tab[i], cells[lo + i].sf);
		ntimes += tab[i].ntime;
		exits_ge[i] = palloc(sizeof(double) * tab[i].ntime);
		ent_ge[i] = palloc(sizeof(double) * tab[i].ntime);
		events[i] = palloc0(sizeof(double) * tab[i].ntime);
		for (j = tab[i].ntime - 1; j >= 0; j--)
		{
			for (c = 0; c < tab[i].ncause; c++)
				events[i][j] += tab[i].ev_w[c][j];
			ex += events[i][j] + tab[i].cens_w[j];
			if (tab[i].has_entry)
				en += tab[i].ent_w[j];
			exits_ge[i][j] = ex;
			ent_ge[i][j] = en;
		}
	}
	/* the union of the cells' times, sorted and distinct */
	times = palloc(sizeof(double) * Max(ntimes, 1));
	for (i = 0; i < nc; i++)
		for (j = 0; j < tab[i].ntime; j++)
			times[nt++] = tab[i].time[j];
	qsort(times, nt, sizeof(double), DoubleCmp);
	for (i = 0, j = 0; i < nt; i++)
		if (j == 0 || times[i] != times[j - 1])
			times[j++] = times[i];
	nt = j;

	for (j = 0; j < nt; j++)
	{
		double		t = times[j],
					n = 0,
					d = 0,
					wt;

		if ((j & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		memset(ng, 0, sizeof(double) * G);
		memset(dg, 0, sizeof(double) * G);
		for (i = 0; i < nc; i++)
		{
			int			p = pos[i];

			while (p < tab[i].ntime && tab[i].time[p] < t)
				p++;
			pos[i] = p;
			if (p < tab[i].ntime)
			{
				g = cells[lo + i].g;
				ng[g] += exits_ge[i][p] - ent_ge[i][p];
				if (tab[i].time[p] == t)
					dg[g] += events[i][p];
			}
		}
		for (g = 0; g < G; g++)
		{
			n += ng[g];
			d += dg[g];
		}
		if (!(d > 0))
			continue;
		wt = (rho == 0) ? 1 : pow(km, rho);
		for (g = 0; g < G; g++)
		{
			O[g] += wt * dg[g];
			E[g] += wt * d * ng[g] / n;
		}
		if (n > 1)
		{
			double		coef = wt * wt * d * (n - d) / (n * (n - 1));

			for (g = 0; g < G; g++)
			{
				if (ng[g] == 0)
					continue;
				for (h = 0; h < G; h++)
					V[g * G + h] += coef * ng[g] * ((g == h ? n : 0) - ng[h]) / n;
			}
		}
		km *= (n - d) / n;
	}
}

PG_FUNCTION_INFO_V1(logrank_finalfn);
/*
 * The test: groups sorted by label (byte order), per-stratum accumulation, then chisq, df and
 * p.  Returns NULL for no rows; 22000 when fewer than two groups have data.
 *
 * Disclosure control: the result describes whole groups (counts, expectations, variances),
 * never single times, so for a federation role the test is computed exactly, but a
 * (stratum, group) cell of fewer than clinnova.min_cell_count people, or with a positive
 * number of events below it, is refused (42501).
 */
Datum
logrank_finalfn(PG_FUNCTION_ARGS)
{
	LogrankState *st;
	FinalCell  *cells;
	const LogrankCell **gsorted;
	int			nc,
				G = 0,
				i,
				j,
				lo,
				npos = 0,
				df;
	double	   *O,
			   *E,
			   *V,
				chisq = 0,
				p;
	int64	   *nrec;
	int		   *posidx;
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8] = {false};
	Datum	   *gl,
			   *nd,
			   *vd;
	int			dims[2],
				lbs[2] = {1, 1};
	bool		disclose = clinnova_disclosure_control_active();

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (LogrankState *) PG_GETARG_POINTER(0);
	nc = st->ncell;
	if (nc == 0)
		PG_RETURN_NULL();

	/* distinct groups, sorted */
	gsorted = palloc(sizeof(LogrankCell *) * nc);
	for (i = 0; i < nc; i++)
		gsorted[i] = &st->cells[i];
	qsort(gsorted, nc, sizeof(LogrankCell *), GroupCmp);
	for (i = 0; i < nc; i++)
		if (G == 0 || GroupCmp(&gsorted[i], &gsorted[G - 1]) != 0)
			gsorted[G++] = gsorted[i];
	if (G < 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("logrank needs at least two groups"),
				 errdetail("Only the group \"%s\" has rows.",
						   pnstrdup(gsorted[0]->group, gsorted[0]->group_len)),
				 errhint("Check the grouping expression and the WHERE clause.")));

	cells = palloc(sizeof(FinalCell) * nc);
	nrec = palloc0(sizeof(int64) * G);
	for (i = 0; i < nc; i++)
	{
		const LogrankCell *c = &st->cells[i];
		const LogrankCell **found = bsearch(&c, gsorted, G, sizeof(LogrankCell *), GroupCmp);

		cells[i].cell = c;
		cells[i].g = (int) (found - gsorted);
		cells[i].sf = SurvStateToSurvfit(c->st);
		nrec[cells[i].g] += SurvfitRecords(cells[i].sf);
		if (disclose)
			SurvDiscloseCheckGroup(SurvfitRecords(cells[i].sf), SurvfitEvents(cells[i].sf), "logrank");
	}
	qsort(cells, nc, sizeof(FinalCell), FinalCellCmp);

	O = palloc0(sizeof(double) * G);
	E = palloc0(sizeof(double) * G);
	V = palloc0(sizeof(double) * G * G);
	for (lo = 0; lo < nc; lo = i)
	{
		const LogrankCell *a = cells[lo].cell;

		for (i = lo + 1; i < nc; i++)
		{
			const LogrankCell *b = cells[i].cell;

			if ((a->stratum == NULL) != (b->stratum == NULL) ||
				(a->stratum != NULL &&
				 LabelCmp(a->stratum, a->stratum_len, b->stratum, b->stratum_len) != 0))
				break;
		}
		LogrankStratum(cells, lo, i, G, st->rho, O, E, V);
	}

	/* chisq over the groups with E > 0, less the first (R's survdiff) */
	posidx = palloc(sizeof(int) * G);
	for (i = 0; i < G; i++)
		if (E[i] > 0)
			posidx[npos++] = i;
	df = npos - 1;
	if (npos >= 2)
	{
		int			m = npos - 1;
		double	   *A = palloc(sizeof(double) * m * m);
		double	   *x = palloc(sizeof(double) * m);

		for (i = 0; i < m; i++)
		{
			int			gi = posidx[i + 1];

			x[i] = O[gi] - E[gi];
			for (j = 0; j < m; j++)
				A[i + j * m] = V[gi * G + posidx[j + 1]];
		}
		linalg_spd_solve(m, A, NULL, x, "log-rank variance matrix");
		for (i = 0; i < m; i++)
			chisq += x[i] * (O[posidx[i + 1]] - E[posidx[i + 1]]);
	}
	if (df >= 1)
		p = dist_chisq_upper(chisq, df);
	else
		p = (df == 0) ? 1 : NAN;

	gl = palloc(sizeof(Datum) * G);
	nd = palloc(sizeof(Datum) * G);
	vd = palloc(sizeof(Datum) * G * G);
	for (i = 0; i < G; i++)
	{
		gl[i] = PointerGetDatum(cstring_to_text_with_len(gsorted[i]->group, gsorted[i]->group_len));
		nd[i] = Int64GetDatum(nrec[i]);
	}
	for (i = 0; i < G * G; i++)
		vd[i] = Float8GetDatum(V[i]);
	dims[0] = dims[1] = G;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: logrank result type is not composite");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Float8GetDatum(chisq);
	values[1] = Int32GetDatum(df);
	values[2] = Float8GetDatum(p);
	nulls[2] = isnan(p);
	values[3] = PointerGetDatum(construct_array(gl, G, TEXTOID, -1, false, TYPALIGN_INT));
	values[4] = PointerGetDatum(construct_array(nd, G, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[5] = PointerGetDatum(clinnova_make_float8_array(O, G));
	values[6] = PointerGetDatum(clinnova_make_float8_array(E, G));
	values[7] = PointerGetDatum(construct_md_array(vd, NULL, 2, dims, lbs, FLOAT8OID, 8,
												   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
