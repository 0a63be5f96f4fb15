/*
 * coxph.h — Cox proportional hazards regression: shared declarations of the cox module.
 *
 * The module is split by concept:
 *   coxoptions.c     the options jsonb of every cox function
 *   coxdata.c        the rows an aggregate collects (columnar, growable, mergeable, sortable)
 *   coxfit.c         risk-set passes, Newton-Raphson as R's coxph.fit / agreg.fit, robust variance
 *   coxbaseline.c    baseline cumulative hazard and its variance pieces (R's survfit.coxph)
 *   concordance.c    Harrell's C with its infinitesimal-jackknife standard error
 *   coxzph.c         the proportional-hazards test (R's cox.zph)
 *   coxjson.c        a small streaming reader of the JSON text forms of coxmodel and coxstep
 *   coxmodel.c       type coxmodel: layout, validation, text and binary I/O, accessors
 *   coxph_predict.c  predictions for new patients (lp, risk, survival curves)
 *   coxstep.c        type coxstep: one Newton step's sufficient statistics (federation)
 *   coxph.c          the SQL aggregates coxph, coxph_step and cox_zph
 *
 * Conventions: covariates are held row-major (row i is x[i*p .. i*p + p - 1]); matrices are
 * p x p, symmetric, both triangles valid unless said otherwise; counts of rows are int64, but
 * one aggregate holds at most COX_MAX_ROWS rows so that permutations fit in int32.
 */
#ifndef CLINNOVA_COXPH_H
#define CLINNOVA_COXPH_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/* Limits: rows per aggregate (int32 permutations) and covariates per model (p x p matrices). */
#define COX_MAX_ROWS		((int64) PG_INT32_MAX)
#define COX_MAX_TERMS		2000

/* Largest iteration count a coxmodel records (max_iter allows 10000; federated loops more). */
#define COX_MAX_ITERATIONS	100000

/*
 * Largest row, event and stratum counts a coxmodel or coxstep records: a federated model pools
 * up to 1024 sites' aggregates, and every count must be an exact float8 (the text form writes
 * JSON numbers).
 */
#define COX_MAX_COUNT		(COX_MAX_ROWS * (int64) 1024)
#define COX_MAX_NAME_LEN	1024

/* Tie handling, as R's ties = "efron" / "breslow". */
typedef enum CoxTies
{
	COX_EFRON = 0,
	COX_BRESLOW = 1
} CoxTies;

/* cox.zph time transforms. */
typedef enum CoxZphTransform
{
	COX_ZPH_KM = 0,
	COX_ZPH_IDENTITY = 1,
	COX_ZPH_RANK = 2,
	COX_ZPH_LOG = 3
} CoxZphTransform;

/* ---- options (coxoptions.c) ---- */

/* Which keys a function accepts; an unknown key is an error (it is usually a typo). */
#define COX_OPT_FIT		0x01		/* coxph, coxph_fit */
#define COX_OPT_STEP	0x02		/* coxph_step, coxph_newton, coxmodel_from_step */
#define COX_OPT_ZPH		0x04		/* cox_zph */

/*
 * Parsed options.  Defaults are R's: ties efron, iter.max 20, eps 1e-9, toler.chol
 * .Machine$double.eps^0.75, toler.inf sqrt(eps), conf.int 0.95, robust as R decides.
 */
typedef struct CoxOptions
{
	CoxTies		ties;
	int			max_iter;
	double		eps;			/* "tol": relative change in the log-likelihood */
	double		toler_chol;		/* pivot tolerance of the aliasing (cholesky2) rule */
	double		toler_inf;		/* threshold of the "coefficient may be infinite" check */
	double		conf_level;
	int			robust;			/* -1 = as R (weights non-integer or cluster given) */
	bool		concordance;	/* compute Harrell's C */
	bool		baseline;		/* keep the baseline hazard in the model */
	bool		timefix;		/* merge times equal within sqrt(DBL_EPSILON) (R's aeqSurv) */
	int			nterms;			/* -1 when "terms" is absent */
	char	  **terms;
	/* cox_zph only */
	CoxZphTransform transform;
	bool		global;
	int			nassign;		/* -1 when "assign" is absent */
	char	  **assign;			/* term of each column, R's fit$assign */
} CoxOptions;

extern void CoxOptionsInit(CoxOptions *o);
extern void CoxOptionsParse(CoxOptions *o, Jsonb *jb, int allowed, const char *fname);
extern const char *CoxTiesName(CoxTies ties);
extern void CoxCheckTerms(const CoxOptions *o, int p, const char *fname);
extern char *CoxTermName(const CoxOptions *o, int j);

/* ---- the collected rows (coxdata.c) ---- */

typedef struct CoxNames CoxNames;

/*
 * CoxData — the rows a Cox aggregate has seen, held compactly as growable columns in the
 * aggregate's memory context.
 *
 * Invariants (CoxDataCheck): 0 <= n <= cap; every column that exists has cap elements;
 * entry is NULL unless some row had an entry time (rows without one get -Infinity);
 * weight is NULL while every weight is 1; strata is NULL while every row is in the NULL
 * stratum; cluster is NULL while no row named a cluster (-1 = the row is its own cluster);
 * time >= 0 and finite, entry < time, weight > 0 and finite, x finite; pm1[j] says column j
 * only held values in {-1, 0, 1} (R leaves such columns uncentred).
 *
 * After CoxDataPrepare the rows are physically sorted by (stratum, time, deaths first),
 * strata are numbered in name order and stratum_first[] delimits them.
 */
typedef struct CoxData
{
	MemoryContext mcxt;			/* where every array lives */
	int64		n;				/* rows held */
	int64		cap;			/* rows allocated */
	int			p;				/* covariates per row, -1 before the first row */
	int64		nevents;		/* rows with an event */
	bool		integer_weights;	/* every weight is an integer (R's robust default) */
	double	   *time;
	double	   *entry;
	bool	   *status;
	double	   *weight;
	int32	   *strata;
	int32	   *cluster;
	double	   *x;
	bool	   *pm1;
	CoxNames   *strata_names;
	CoxNames   *cluster_names;
	struct varlena *options;	/* first non-NULL options argument (jsonb), copied */
	struct varlena *extra;		/* first non-NULL beta or model argument, copied */
	/* set by CoxDataPrepare */
	bool		prepared;
	int			nstrata;
	int64	   *stratum_first;	/* nstrata + 1 row offsets */
	int32	   *stratum_name;	/* name id of each sorted stratum (-1: the NULL stratum) */
	int32	   *start_order;	/* (start, stop] data: rows of each stratum by entry time */
	double	   *work;			/* work_slots x n doubles of scratch (CoxWorkspace) */
	int			work_slots;
} CoxData;

/* Most vectors of n doubles in the shared workspace of a final function. */
#define COX_WORK_SLOTS 6

/* One input row, as the transition functions hand it over. */
typedef struct CoxRow
{
	double		time;
	double		entry;			/* NaN when not given */
	bool		status;
	double		weight;
	const char *strata;			/* NULL when not given */
	int			strata_len;
	const char *cluster;		/* NULL when not given */
	int			cluster_len;
	const double *x;
	int			p;
} CoxRow;

extern CoxData *CoxDataCreate(MemoryContext mcxt);
extern void CoxDataAddRow(CoxData *d, const CoxRow *row);
extern CoxData *CoxDataCombine(CoxData *a, CoxData *b, MemoryContext mcxt);
extern bytea *CoxDataSerialize(CoxData *d);
extern CoxData *CoxDataDeserialize(bytea *b, MemoryContext mcxt);
extern void CoxDataPrepare(CoxData *d, bool timefix);
extern double *CoxWorkspace(CoxData *d, int slots);
extern void CoxRadixSort(uint64 *keys, int32 *idx, uint64 *tk, int32 *ti, int64 n);

/* Bits of a double, -0 read as +0 (equal values give equal bits). */
static inline uint64
CoxDoubleBits(double v)
{
	uint64		u;

	if (v == 0)
		v = 0.0;
	memcpy(&u, &v, sizeof(u));
	return u;
}

/* Order-preserving unsigned key of a double (any sign, no NaN); -0 sorts with +0. */
static inline uint64
CoxDoubleKey(double v)
{
	uint64		u = CoxDoubleBits(v);

	return (u >> 63) ? ~u : (u | ((uint64) 1 << 63));
}
extern void CoxDataCheck(const CoxData *d);
extern int	CoxNamesCount(const CoxNames *names);
extern const char *CoxNamesGet(const CoxNames *names, int id);
extern int	CoxDataClusterCount(const CoxData *d);
extern void *CoxAlloc(int64 nelem, Size elsize, bool zero);

/* ---- fitting (coxfit.c) ---- */

/*
 * The result of a fit, on the covariates' original scale.  Aliased (linearly dependent)
 * columns have coef 0 and zero rows and columns in var, as R's chinv2 leaves them; the model
 * reports their coefficient as NULL (R's NA).
 */
typedef struct CoxFitResult
{
	int			p;
	double	   *coef;
	bool	   *aliased;
	double	   *means;			/* what R reports as fit$means */
	double	   *var;			/* model-based variance (inverse information) */
	double	   *robust_var;		/* sandwich variance, NULL unless robust */
	double	   *u;				/* score at the final coefficients */
	double		loglik0;
	double		loglik;
	double		score_test;
	double		wald_test;
	double		robust_score_test;	/* NaN unless robust */
	int			iterations;
	bool		converged;
	bool		robust;
	bool		counting;
	int64		nevents;
	double	   *lp;				/* centred linear predictor per sorted row (workspace slot 0) */
} CoxFitResult;

/* One Newton step's pieces at a given beta: log-likelihood, score and information. */
typedef struct CoxStepResult
{
	int			p;
	double		loglik;
	double	   *u;
	double	   *info;
	double		sum_w;
	double	   *sum_wx;
} CoxStepResult;

extern void CoxFit(CoxData *d, const CoxOptions *o, CoxFitResult *fit);
extern void CoxStep(CoxData *d, CoxTies ties, const double *beta, CoxStepResult *step);
extern double CoxQuadraticTest(int p, const double *A, const double *b, double toler,
							   int *rank);
extern bool CoxIsCounting(const CoxData *d);

/* ---- baseline hazard (coxbaseline.c) ---- */

/*
 * Baseline pieces per stratum, R's survfit.coxph at the covariate means: every distinct
 * time of the stratum (time, weighted n_risk / n_event / n_censor) and, at each event
 * time, the cumulative hazard, the cumulative variance term and the cumulative
 * hazard-weighted covariate means (p per event time) that the CI of a new patient's curve
 * needs.  Times and event times of all strata are concatenated in stratum order.
 */
typedef struct CoxBaseline
{
	int			p;
	int			nstrata;
	int64	   *ntimes;			/* per stratum */
	int64		total_times;
	int64		total_events;	/* event times over all strata */
	double	   *time;
	double	   *n_risk;
	double	   *n_event;
	double	   *n_censor;
	double	   *cumhaz;			/* per event time */
	double	   *cumvar;
	double	   *cumxbar;		/* per event time, p values */
} CoxBaseline;

extern void CoxBaselineCount(const CoxData *d, int64 *ntimes, int64 *T, int64 *D);
extern void CoxComputeBaseline(CoxData *d, CoxTies ties, const double *lp, CoxBaseline *b);

/* ---- concordance (concordance.c) ---- */

typedef struct CoxConcordance
{
	double		concordant;
	double		discordant;
	double		tied_x;
	double		tied_y;
	double		tied_xy;
	double		concordance;
	double		std;
} CoxConcordance;

extern void CoxComputeConcordance(CoxData *d, CoxConcordance *c);

/* ---- proportional-hazards test (coxzph.c) ---- */

typedef struct CoxZphResult
{
	int			nterms;
	char	  **term;
	double	   *chisq;
	int		   *df;
	double	   *p;
} CoxZphResult;

struct CoxModel;
extern void CoxZphCompute(CoxData *d, const struct CoxModel *m, const CoxOptions *o,
						  CoxZphResult *res);

/* ---- model type (coxmodel.c) ---- */

#define COXMODEL_VERSION	1

#define COXMODEL_ROBUST			0x0001
#define COXMODEL_CONVERGED		0x0002
#define COXMODEL_COUNTING		0x0004
#define COXMODEL_HAS_CONC		0x0008
#define COXMODEL_HAS_BASELINE	0x0010
#define COXMODEL_HAS_RSCORE		0x0020
#define COXMODEL_FROM_STEPS		0x0040
#define COXMODEL_ALL_FLAGS		0x007F

/*
 * On-disk header of a coxmodel.  The header is followed by 8-byte aligned arrays: coef[p]
 * (NaN = aliased), means[p], var[p*p], robust_var[p*p] (only when ROBUST), stratum_ntimes
 * [nstrata] (int64), time, n_risk, n_event, n_censor [ntimes each], cumhaz, cumvar
 * [nevtimes each], cumxbar[nevtimes*p]; then names_len bytes of names: the p term names and
 * the nstrata stratum names, each an int32 length (-1 for a NULL stratum name), the bytes
 * and a terminating NUL, padded to 4 bytes.
 */
typedef struct CoxModelHeader
{
	int32		vl_len_;
	uint8		version;
	uint8		ties;
	uint16		flags;
	int32		p;
	int32		nstrata;
	int32		iterations;
	int32		names_len;
	int64		n;
	int64		events;
	int64		ntimes;
	int64		nevtimes;
	double		conf_level;
	double		loglik0;
	double		loglik;
	double		score;
	double		wald;
	double		rscore;
	double		conc[7];		/* concordant, discordant, tied.x, tied.y, tied.xy, C, std */
} CoxModelHeader;

/* A parsed coxmodel: pointers into the (detoasted) value plus derived indexes. */
typedef struct CoxModel
{
	const CoxModelHeader *hdr;
	int			p;
	int			nstrata;
	CoxTies		ties;
	uint16		flags;
	const double *coef;
	const double *means;
	const double *var;
	const double *robust_var;
	const int64 *stratum_ntimes;
	const double *time;
	const double *n_risk;
	const double *n_event;
	const double *n_censor;
	const double *cumhaz;
	const double *cumvar;
	const double *cumxbar;
	const char **terms;
	const char **strata;		/* NULL entries: the NULL stratum */
	int64	   *time_first;		/* nstrata + 1 offsets into time[] */
	int64	   *ev_first;		/* nstrata + 1 offsets into the event-time arrays */
	int64	   *ev_index;		/* per time: event ordinal of the last event time <= it, -1 */
} CoxModel;

/* A model under construction, before it is flattened into a coxmodel value. */
typedef struct CoxModelBuild
{
	CoxTies		ties;
	uint16		flags;
	int			p;
	int			iterations;
	int64		n;
	int64		events;
	double		conf_level;
	double		loglik0;
	double		loglik;
	double		score;
	double		wald;
	double		rscore;
	double		conc[7];
	char	  **terms;
	double	   *coef;
	double	   *means;
	double	   *var;
	double	   *robust_var;
	int			nstrata;
	char	  **strata;
	int64	   *stratum_ntimes;
	int64		ntimes;
	int64		nevtimes;
	double	   *time;
	double	   *n_risk;
	double	   *n_event;
	double	   *n_censor;
	double	   *cumhaz;
	double	   *cumvar;
	double	   *cumxbar;
} CoxModelBuild;

extern void CoxModelValidate(const CoxModelBuild *b, int errcode_for_errors);
extern struct varlena *CoxModelFlatten(const CoxModelBuild *b);
extern struct varlena *CoxModelAllocate(CoxModelBuild *b);
extern void CoxModelFinish(const CoxModelBuild *b, struct varlena *v);
extern CoxModel *CoxModelParse(struct varlena *v);
extern double CoxModelZ(const CoxModel *m);
extern const double *CoxModelVar(const CoxModel *m);
extern int	CoxModelFindStratum(const CoxModel *m, const char *name, bool isnull);
extern void CoxRequireBaseline(const CoxModel *m, const char *fname);
extern void CoxModelBuildFromFit(CoxModelBuild *b, const CoxData *d, const CoxOptions *o,
								 const CoxFitResult *fit, bool concordance, bool baseline);
extern void CoxModelSetConcordance(CoxModelBuild *b, const CoxConcordance *conc);

/* ---- coxstep type (coxstep.c) ---- */

#define COXSTEP_VERSION		1

/*
 * On-disk coxstep: header, then beta[p], u[p], info[p*p], sum_wx[p] (doubles) and nocenter[p]
 * (bytes, 0/1) padded to 8 bytes.
 */
typedef struct CoxStepHeader
{
	int32		vl_len_;
	uint8		version;
	uint8		ties;
	uint16		flags;
	int32		p;
	int32		pad;
	int64		n;
	int64		events;
	int64		nstrata;		/* strata (sites x local strata) summed into the step */
	double		loglik;
	double		sum_w;
} CoxStepHeader;

#define COXSTEP_BETA(h)		((double *) ((char *) (h) + sizeof(CoxStepHeader)))
#define COXSTEP_U(h)		(COXSTEP_BETA(h) + (h)->p)
#define COXSTEP_INFO(h)		(COXSTEP_U(h) + (h)->p)
#define COXSTEP_SUMWX(h)	(COXSTEP_INFO(h) + (int64) (h)->p * (h)->p)
#define COXSTEP_NOCENTER(h)	((uint8 *) (COXSTEP_SUMWX(h) + (h)->p))
#define COXSTEP_SIZE(p)		(sizeof(CoxStepHeader) + sizeof(double) * ((int64) (p) * (p) + 3 * (int64) (p)) \
							 + TYPEALIGN(8, (p)))

extern CoxStepHeader *CoxStepMake(int p, CoxTies ties);

/* ---- errors shared by the module ---- */

extern void CoxDisclosureRefuse(const char *fname);
extern void CoxDisclosureCheckCounts(const char *fname, int64 rows, int64 events);

#endif							/* CLINNOVA_COXPH_H */
