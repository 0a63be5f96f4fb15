/*
 * survfit.h — the survival module: the survfit risk table (the sufficient statistic of
 * Kaplan-Meier, Nelson-Aalen, Aalen-Johansen, log-rank and RMST), the aggregate state that
 * builds it without sorting rows, and the curve computations shared by km.c, cif.c,
 * logrank.c and rmst.c.
 *
 * Files: survfit.c (type, validation, text/binary I/O, disclosure control), survstate.c
 * (accumulation state), survcurve.c (KM, Nelson-Aalen, variances, confidence bands, R's
 * quantile rules), km.c, cif.c, logrank.c, rmst.c (SQL functions).  Distribution functions come
 * from distributions.c, shared by every module.
 */
#ifndef CLINNOVA_SURVFIT_H
#define CLINNOVA_SURVFIT_H

#include "postgres.h"

#include <float.h>

#include "fmgr.h"
#include "lib/stringinfo.h"

/* Binary format version of survfit values and of the aggregate states built from them. */
#define SURVFIT_FORMAT_VERSION	1

/* Competing causes are coded 1..SURVFIT_MAX_CAUSES (0 = censored). */
#define SURVFIT_MAX_CAUSES		64

/* flags */
#define SURVFIT_WEIGHTED		0x01	/* case weights: weighted sums and squared weights stored */
#define SURVFIT_FRACTIONAL		0x02	/* some weight is not an integer (R's robust default) */
#define SURVFIT_ENTRY			0x04	/* late entries (left truncation) present */
#define SURVFIT_ALL_FLAGS		0x07

/*
 * Integer times below SURV_DENSE_LIMIT may be counted in a direct-indexed array (no hashing);
 * the array starts at SURV_DENSE_MIN slots and doubles only while it holds at most
 * SURV_DENSE_SPARSITY slots per distinct time counted so far.
 */
#define SURV_DENSE_LIMIT		65536
#define SURV_DENSE_MIN			256
#define SURV_DENSE_SPARSITY		8

/*
 * Survfit: the risk table, a varlena value.
 *
 * ntime rows, one per distinct time at which something happened (an exit — event or
 * censoring — or a late entry), times strictly increasing, finite and >= 0.  The values are
 * stored column by column in data[]: ncol columns of ntime doubles each.  Column order (and
 * the order of the text form's "columns"):
 *
 *   time
 *   for each cause c = 1..ncause:  events_c  [events_c_w  events_c_w2]
 *   censored  [censored_w  censored_w2]
 *   entered   [entered_w]                        (only with SURVFIT_ENTRY)
 *
 * Bracketed columns exist only with SURVFIT_WEIGHTED.  events / censored / entered count
 * people (rows) and are exact integers; *_w are sums of case weights and *_w2 sums of squared
 * case weights.  Without weights every weight is 1, so *_w = *_w2 = the count and those
 * columns are not stored.  Subjects leaving at the same time with the same status share their
 * influence on every estimate, so the sums of squared weights are all that R's robust
 * (infinitesimal jackknife) variance needs.  An entry at time e means "at risk for t > e".
 *
 * Invariants (checked by every input path: text, binary, aggregate deserialization):
 *   ntime >= 1; 1 <= ncause <= SURVFIT_MAX_CAUSES; no unknown flag bits; FRACTIONAL implies
 *   WEIGHTED; reserved == 0; every row has a positive count; counts are integers in
 *   [0, 2^53]; weights are finite, >= 0 and positive exactly where the count is; with
 *   integer weights the weight sums are integers; nobody enters at or after the last exit
 *   that can follow (the people still to leave after t are at least those entering at >= t).
 */
typedef struct Survfit
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint8		flags;			/* SURVFIT_* */
	uint8		ncause;			/* number of event causes (1 for km) */
	uint16		reserved;		/* always 0 */
	int32		ntime;			/* rows */
	double		data[FLEXIBLE_ARRAY_MEMBER];	/* ncol columns of ntime values */
} Survfit;

#define DatumGetSurvfitP(X)		((Survfit *) PG_DETOAST_DATUM(X))
#define PG_GETARG_SURVFIT_P(n)	DatumGetSurvfitP(PG_GETARG_DATUM(n))
#define PG_RETURN_SURVFIT_P(x)	PG_RETURN_POINTER(x)

/* Number of columns of a survfit with these flags and causes. */
static inline int
SurvfitNcol(int flags, int ncause)
{
	int			q = (flags & SURVFIT_WEIGHTED) ? 3 : 1;
	int			e = (flags & SURVFIT_ENTRY) ? ((flags & SURVFIT_WEIGHTED) ? 2 : 1) : 0;

	return 1 + (ncause + 1) * q + e;
}

/* Column index of events of cause c (0-based) in a survfit with these flags. */
static inline int
SurvfitColEvents(int flags, int c)
{
	return 1 + c * ((flags & SURVFIT_WEIGHTED) ? 3 : 1);
}

/* Column index of the censorings (people); _w and _w2 follow when weighted. */
static inline int
SurvfitColCensored(int flags, int ncause)
{
	return 1 + ncause * ((flags & SURVFIT_WEIGHTED) ? 3 : 1);
}

/* Column index of the late entries (people); _w follows when weighted. */
static inline int
SurvfitColEntered(int flags, int ncause)
{
	return 1 + (ncause + 1) * ((flags & SURVFIT_WEIGHTED) ? 3 : 1);
}

/* Pointer to column col of sf. */
static inline double *
SurvfitColumn(const Survfit *sf, int col)
{
	return (double *) sf->data + (Size) col * sf->ntime;
}

/*
 * SurvTable: read access to a survfit with the weighted and unweighted layouts unified.
 * Without weights the *_w and *_w2 pointers alias the count columns; without late entries
 * ent_n and ent_w are NULL (no entries).
 */
typedef struct SurvTable
{
	int			ntime;
	int			ncause;
	bool		weighted;
	bool		fractional;
	bool		has_entry;
	const double *time;
	const double *ev_n[SURVFIT_MAX_CAUSES];
	const double *ev_w[SURVFIT_MAX_CAUSES];
	const double *ev_w2[SURVFIT_MAX_CAUSES];
	const double *cens_n;
	const double *cens_w;
	const double *cens_w2;
	const double *ent_n;
	const double *ent_w;
} SurvTable;

/* ---- survfit.c: the type ---- */

extern void SurvTableInit(SurvTable *t, const Survfit *sf);
extern Survfit *SurvfitAlloc(int flags, int ncause, int ntime);
extern void SurvfitValidate(const Survfit *sf, int sqlerrcode, const char *what);
extern void SurvfitWriteBinary(StringInfo buf, const Survfit *sf);
extern Survfit *SurvfitReadBinary(StringInfo buf, int sqlerrcode, const char *what);
extern Survfit *SurvfitDiscloseSafe(Survfit *sf, const char *aggname);
extern void SurvDiscloseCheckGroup(int64 records, double events, const char *aggname);
extern int64 SurvfitRecords(const Survfit *sf);
extern double SurvfitEvents(const Survfit *sf);

/* ---- argument checks shared by the aggregates (survfit.c) ---- */

extern void SurvReportBadTime(double t, const char *argname) pg_attribute_noreturn();
extern void SurvReportBadWeight(double w) pg_attribute_noreturn();
extern void SurvReportWeightOverflow(void) pg_attribute_noreturn();
extern void SurvReportBadEntry(double entry, double time) pg_attribute_noreturn();
extern void SurvReportBadEvent(int32 event) pg_attribute_noreturn();
extern void SurvReportBadCause(int32 cause) pg_attribute_noreturn();

/*
 * Largest case weight: its square, summed over many rows, stays far from float8 overflow (a
 * sum that overflows anyway is reported by SurvStateToSurvfit).
 */
#define SURV_MAX_WEIGHT			1e150

/*
 * Smallest positive case weight: its square is still a normal float8, so a row that counts
 * has a positive squared-weight sum (the survfit invariant).
 */
#define SURV_MIN_WEIGHT			1e-150

/* 22023 unless w is 0 or in [SURV_MIN_WEIGHT, SURV_MAX_WEIGHT] (NaN fails every comparison). */
static inline void
SurvCheckWeight(double w)
{
	if (unlikely(!(w == 0 || (w >= SURV_MIN_WEIGHT && w <= SURV_MAX_WEIGHT))))
		SurvReportBadWeight(w);
}

/* 22023 unless t is finite and >= 0 (NaN fails both comparisons). */
static inline void
SurvCheckTime(double t, const char *argname)
{
	if (unlikely(!(t >= 0.0 && t <= DBL_MAX)))
		SurvReportBadTime(t, argname);
}

/* ---- survstate.c: the aggregate state ---- */

struct survtime_hash;

/*
 * SurvState: the risk table under construction, one row at a time, without sorting.
 *
 * Every distinct time owns a slot of `width` doubles:
 *   [0, ncause)              events of each cause (people)
 *   ncause                   censorings (people)
 *   ncause + 1               late entries (people)
 * and, when weighted, after those (at SURV_SLOT_W):
 *   ncause values            events weighted, ncause values events squared weights,
 *   censored weighted, censored squared weights, entered weighted.
 * Integer times 0 <= t < dense_len live in `dense` at index t; every other time (larger
 * integers too) maps through `hash` to a slot of `slots`.  The dense array grows by doubling,
 * up to SURV_DENSE_LIMIT slots, only while it stays at least 1/SURV_DENSE_SPARSITY full (or
 * within SURV_DENSE_MIN slots), and a growth moves the hashed integer times it now covers
 * into it, so that every time has exactly one slot.  A slot is in use iff one of its people
 * counts is positive: rows with zero weight are skipped before they reach the state, so every
 * added row makes one positive; a hash slot whose time moved to the dense array is zeroed.
 * Memory is O(distinct times) plus at most SURV_DENSE_MIN slots, however sparse the integer
 * times: a GROUP BY with thousands of groups holds thousands of states at once.
 */
typedef struct SurvState
{
	MemoryContext mcxt;			/* where the state lives (the aggregate context) */
	int			ncause;
	int			width;			/* doubles per slot */
	bool		weighted;
	bool		fractional;		/* a non-integer weight was added */
	double	   *dense;
	int32		dense_len;
	int32		dense_used;		/* used dense slots, counted at the last growth */
	struct survtime_hash *hash;
	double	   *slots;
	int32		nslots;
	int32		slots_cap;
} SurvState;

/* Offset of the weighted part of a slot. */
#define SURV_SLOT_W(st)		((st)->ncause + 2)

extern SurvState *SurvStateCreate(MemoryContext mcxt, int ncause, bool weighted);
extern double *SurvStateGrowDense(SurvState *st, int32 i);
extern double *SurvStateHashSlot(SurvState *st, double t);
extern void SurvStateReshape(SurvState *st, int ncause, bool weighted);
extern void SurvStateAddSurvfit(SurvState *st, const Survfit *sf);
extern void SurvStateAddState(SurvState *st, const SurvState *other);
extern SurvState *SurvStateCopy(MemoryContext mcxt, const SurvState *other);
extern Survfit *SurvStateToSurvfit(const SurvState *st);
extern int64 SurvStateRecords(const SurvState *st);

/*
 * The slot of time t (finite, >= 0, not -0), created zeroed if new.  Inline because it runs
 * once per input row: integer times below dense_len index the dense array directly.
 */
static inline double *
SurvStateSlot(SurvState *st, double t)
{
	if (t < (double) SURV_DENSE_LIMIT)
	{
		int32		i = (int32) t;

		if ((double) i == t)
		{
			if (likely(i < st->dense_len))
				return st->dense + (Size) i * st->width;
			return SurvStateGrowDense(st, i);
		}
	}
	return SurvStateHashSlot(st, t);
}

/* ---- survcurve.c: curves ---- */

typedef enum SurvVariance
{
	SURV_VAR_AUTO,				/* R's default: robust for non-integer weights, else Greenwood */
	SURV_VAR_GREENWOOD,			/* (weighted) Greenwood / Aalen */
	SURV_VAR_ROBUST				/* infinitesimal jackknife */
} SurvVariance;

typedef enum SurvConfType
{
	SURV_CONF_LOG,
	SURV_CONF_LOGLOG,
	SURV_CONF_PLAIN
} SurvConfType;

/*
 * SurvRisk: the risk table turned into per-row totals over all causes.  Row i of the table;
 * n and nn are the weighted and people counts at risk at time[i] (entry < t <= exit).
 */
typedef struct SurvRisk
{
	int			ntime;
	const double *time;
	double	   *d;				/* events, weighted */
	double	   *dn;				/* events, people */
	double	   *d2;				/* events, squared weights */
	double	   *c;				/* censorings, weighted */
	double	   *cn;				/* censorings, people */
	double	   *c2;				/* censorings, squared weights */
	double	   *n;				/* at risk, weighted */
	double	   *nn;				/* at risk, people */
} SurvRisk;

/*
 * SurvCurve: a survival curve as R's survfit reports it, one row per exit time (times with
 * only late entries are not rows).  std_err is the standard error of -log S (R's scale when
 * fit$logse is TRUE): 0 where S = 1; where S = 0, +Infinity (Greenwood) or 0 (robust, as R's
 * jackknife standard error of S is 0 there).  cumhaz is the Nelson-Aalen
 * (ctype 1) or Fleming-Harrington (ctype 2) cumulative hazard with its standard error.
 */
typedef struct SurvCurve
{
	int			nrow;
	bool		robust;			/* variance actually used */
	double	   *time;
	double	   *n_risk;
	double	   *n_event;
	double	   *n_censor;
	double	   *surv;
	double	   *std_err;
	double	   *cumhaz;
	double	   *std_chaz;
} SurvCurve;

extern SurvVariance SurvParseVariance(text *t);
extern SurvConfType SurvParseConfType(text *t);
extern double SurvConfZ(double conf_level);
extern bool SurvUseRobust(const SurvTable *t, SurvVariance v, const char *fname);
extern void SurvRiskCompute(SurvRisk *r, const SurvTable *t);
extern SurvCurve *SurvKaplanMeier(const Survfit *sf, SurvVariance v, int ctype,
								  const char *fname);
extern void SurvConfInt(double p, double se_log, SurvConfType type, double z,
						double *lower, bool *lower_null, double *upper, bool *upper_null);
extern bool SurvMinMin(int n, const double *time, const double *y, const bool *ynull,
					   double *result);
extern bool SurvFindQuantile(int n, const double *time, const double *y, const bool *ynull,
							 double p, double *result);
extern void SurvCurveBands(const SurvCurve *cv, SurvConfType type, double z,
						   double **lower, bool **lower_null, double **upper, bool **upper_null);
extern void SurvRestrictedMean(const SurvCurve *cv, double tau, double *mean, double *se);

#endif							/* CLINNOVA_SURVFIT_H */
