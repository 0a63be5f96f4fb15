/*
 * coxmodel.c — type clinnova.coxmodel: a fitted Cox model as a value.
 *
 * A model holds what inference and prediction need: term names, coefficients (NaN inside =
 * aliased, shown as null), covariate means, model-based and (when robust) sandwich variance,
 * log-likelihoods, score / Wald / robust score statistics, concordance with its counts and
 * standard error, iterations and convergence, and per stratum the baseline pieces of
 * R's survfit.coxph (every distinct time with weighted n_risk / n_event / n_censor, and per
 * event time the cumulative hazard, variance term and hazard-weighted covariate means).
 *
 * Storage: one varlena, CoxModelHeader followed by 8-byte aligned arrays and a names area
 * (see coxph.h); CoxModelParse turns a detoasted value into pointers without copying.
 * Text form: a JSON object whose float8 values are written shortest-exact, so text -> model
 * -> text is an exact round trip; it is also valid JSON (cast it to jsonb to explore).
 * Binary form: a version byte and the same fields in network byte order.  Text input and
 * binary receive run the same validation (CoxModelValidate).
 */
#include "postgres.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "clinnova.h"
#include "distributions.h"
#include "coxjson.h"
#include "coxph.h"

PG_FUNCTION_INFO_V1(coxmodel_in);
PG_FUNCTION_INFO_V1(coxmodel_out);
PG_FUNCTION_INFO_V1(coxmodel_recv);
PG_FUNCTION_INFO_V1(coxmodel_send);

StaticAssertDecl(sizeof(CoxModelHeader) % 8 == 0, "CoxModelHeader must keep doubles aligned");

/* Sections of the stored model, in storage order. */
enum
{
	SEC_COEF,
	SEC_MEANS,
	SEC_VAR,
	SEC_RVAR,
	SEC_NTIMES,
	SEC_TIME,
	SEC_NRISK,
	SEC_NEVENT,
	SEC_NCENSOR,
	SEC_CUMHAZ,
	SEC_CUMVAR,
	SEC_CUMXBAR,
	SEC_NAMES,
	SEC_END
};

/*
 * Offsets of every section for the given sizes; returns the total size, or 0 if it would
 * exceed the varlena limit.
 */
static Size
Layout(int p, int nstrata, int64 ntimes, int64 nevtimes, bool robust, int64 names_len,
	   Size *off)
{
	double		total;
	Size		pos = sizeof(CoxModelHeader);
	int64		pp = (int64) p * p;

	/* guard against overflow before doing exact arithmetic */
	total = sizeof(CoxModelHeader) + 8.0 * (2.0 * p + 2.0 * pp + nstrata + 4.0 * ntimes +
											(2.0 + p) * nevtimes) + names_len;
	if (total > (double) (MaxAllocSize - 64))
		return 0;
	off[SEC_COEF] = pos;
	pos += sizeof(double) * p;
	off[SEC_MEANS] = pos;
	pos += sizeof(double) * p;
	off[SEC_VAR] = pos;
	pos += sizeof(double) * pp;
	off[SEC_RVAR] = pos;
	if (robust)
		pos += sizeof(double) * pp;
	off[SEC_NTIMES] = pos;
	pos += sizeof(int64) * nstrata;
	off[SEC_TIME] = pos;
	pos += sizeof(double) * ntimes;
	off[SEC_NRISK] = pos;
	pos += sizeof(double) * ntimes;
	off[SEC_NEVENT] = pos;
	pos += sizeof(double) * ntimes;
	off[SEC_NCENSOR] = pos;
	pos += sizeof(double) * ntimes;
	off[SEC_CUMHAZ] = pos;
	pos += sizeof(double) * nevtimes;
	off[SEC_CUMVAR] = pos;
	pos += sizeof(double) * nevtimes;
	off[SEC_CUMXBAR] = pos;
	pos += sizeof(double) * nevtimes * p;
	off[SEC_NAMES] = pos;
	pos += names_len;
	off[SEC_END] = pos;
	return pos;
}

/* Bytes a name takes in the names area (NULL: length -1, no bytes). */
static Size
NameSize(const char *s)
{
	return TYPEALIGN(4, sizeof(int32) + (s ? strlen(s) + 1 : 0));
}

/* Write one name into the names area. */
static char *
PutName(char *w, const char *s)
{
	int32		len = s ? (int32) strlen(s) : -1;

	memcpy(w, &len, sizeof(int32));
	if (s)
		memcpy(w + sizeof(int32), s, len + 1);
	return w + NameSize(s);
}

/* ---- validation ---- */

/*
 * Raise errcode describing a bad model: 22P02 for text input, 22P03 for binary input, and
 * otherwise (22000 from coxph, 22023 from coxmodel_from_step) a model that a fit or its
 * arguments produced, e.g. a baseline hazard that overflowed with extreme covariates.
 */
static void
Bad(int code, const char *detail)
{
	if (code == ERRCODE_INVALID_BINARY_REPRESENTATION || code == ERRCODE_INVALID_TEXT_REPRESENTATION)
		ereport(ERROR,
				(errcode(code),
				 errmsg(code == ERRCODE_INVALID_BINARY_REPRESENTATION ?
						"invalid binary representation of coxmodel" :
						"invalid input syntax for type coxmodel"),
				 errdetail("%s", detail)));
	ereport(ERROR,
			(errcode(code),
			 errmsg("the fitted Cox model is out of range"),
			 errdetail("%s", detail),
			 errhint("Rescale extreme covariates or case weights.")));
}

/* All n values finite? */
static bool
AllFinite(const double *v, int64 n)
{
	int64		i;

	for (i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

/* Is the p x p matrix finite and exactly symmetric? */
static bool
SymmetricFinite(const double *m, int p)
{
	int			i,
				j;

	if (!AllFinite(m, (int64) p * p))
		return false;
	for (i = 0; i < p; i++)
		for (j = 0; j < i; j++)
			if (m[i + j * p] != m[j + i * p])
				return false;
	return true;
}

/*
 * Check every invariant of a model before it is stored: sizes, names, finiteness, and the
 * baseline's shape (times strictly increasing within each stratum, counts non-negative,
 * cumulative hazards and variances non-decreasing).  code is the SQLSTATE to raise.
 */
void
CoxModelValidate(const CoxModelBuild *b, int code)
{
	int			j,
				k,
				s;
	int64		i,
				off = 0,
				eoff = 0;

	if (b->ties != COX_EFRON && b->ties != COX_BRESLOW)
		Bad(code, "The tie method is unknown.");
	if (b->flags & ~COXMODEL_ALL_FLAGS)
		Bad(code, "Unknown flags are set.");
	if (b->p < 1 || b->p > COX_MAX_TERMS)
		Bad(code, psprintf("The number of terms %d is out of range.", b->p));
	if (b->iterations < 0 || b->iterations > COX_MAX_ITERATIONS || b->n < 1 || b->n > COX_MAX_COUNT ||
		b->events < 0 || b->events > b->n)
		Bad(code, "The counts of rows, events or iterations are invalid.");
	if (!(b->conf_level > 0 && b->conf_level < 1))
		Bad(code, "The confidence level must be in (0, 1).");
	if (!isfinite(b->loglik0) || !isfinite(b->loglik))
		Bad(code, "The log-likelihoods must be finite.");
	if (isinf(b->score) || isinf(b->wald) || isinf(b->rscore))
		Bad(code, "The test statistics must be finite or NaN.");
	if (((b->flags & COXMODEL_HAS_RSCORE) != 0) == isnan(b->rscore))
		Bad(code, "The robust score test is present exactly when the flag says so.");
	for (j = 0; j < b->p; j++)
	{
		if (b->terms[j] == NULL || b->terms[j][0] == '\0' || strlen(b->terms[j]) > COX_MAX_NAME_LEN)
			Bad(code, "Term names must be non-empty and at most 1024 bytes.");
		for (k = 0; k < j; k++)
			if (strcmp(b->terms[j], b->terms[k]) == 0)
				Bad(code, psprintf("The term \"%s\" occurs twice.", b->terms[j]));
		if (isinf(b->coef[j]))
			Bad(code, "Coefficients must be finite (or null for aliased terms).");
	}
	if (!AllFinite(b->means, b->p))
		Bad(code, "Means must be finite.");
	if (!SymmetricFinite(b->var, b->p))
		Bad(code, "The variance must be a finite symmetric matrix.");
	if ((b->flags & COXMODEL_ROBUST) && !SymmetricFinite(b->robust_var, b->p))
		Bad(code, "The robust variance must be a finite symmetric matrix.");
	for (j = 0; j < b->p; j++)
		if (b->var[j + j * b->p] < 0 ||
			((b->flags & COXMODEL_ROBUST) && b->robust_var[j + j * b->p] < 0))
			Bad(code, "Variances must not be negative.");
	if (b->flags & COXMODEL_HAS_CONC)
	{
		for (k = 0; k < 5; k++)
			if (!(isfinite(b->conc[k]) && b->conc[k] >= 0))
				Bad(code, "Concordance counts must be finite and non-negative.");
		if (!isnan(b->conc[5]) && !(b->conc[5] >= 0 && b->conc[5] <= 1))
			Bad(code, "The concordance must be in [0, 1].");
		if (!isnan(b->conc[6]) && !(b->conc[6] >= 0 && isfinite(b->conc[6])))
			Bad(code, "The concordance standard error must be finite and non-negative.");
	}
	else
	{
		/* the text form writes no concordance then: values here could not be read back */
		for (k = 0; k < 7; k++)
			if (!isnan(b->conc[k]))
				Bad(code, "A model without concordance must not carry concordance values.");
	}
	if (b->nstrata < 0)
		Bad(code, "The number of strata is invalid.");
	for (s = 0; s < b->nstrata; s++)
	{
		if (b->strata[s] && strlen(b->strata[s]) > (Size) COX_MAX_NAME_LEN * 1024)
			Bad(code, "A stratum name is too long.");
		for (k = 0; k < s && b->nstrata <= 1000; k++)
			if ((b->strata[s] == NULL && b->strata[k] == NULL) ||
				(b->strata[s] && b->strata[k] && strcmp(b->strata[s], b->strata[k]) == 0))
				Bad(code, "A stratum name occurs twice.");
	}
	if (!(b->flags & COXMODEL_HAS_BASELINE))
	{
		if (b->ntimes != 0 || b->nevtimes != 0)
			Bad(code, "A model without a baseline hazard has no times.");
		return;
	}
	if ((b->flags & COXMODEL_FROM_STEPS) || b->nstrata < 1)
		Bad(code, "A baseline hazard needs at least one stratum.");
	for (s = 0; s < b->nstrata; s++)
	{
		int64		nt = b->stratum_ntimes[s];
		double		prevhaz = 0,
					prevvar = 0;

		if (nt < 1 || nt > b->ntimes - off)
			Bad(code, "The per-stratum time counts do not add up.");
		for (i = off; i < off + nt; i++)
		{
			if (!(isfinite(b->time[i]) && b->time[i] >= 0))
				Bad(code, "Times must be finite and non-negative.");
			if (i > off && !(b->time[i] > b->time[i - 1]))
				Bad(code, "Times must increase strictly within a stratum.");
			if (!(isfinite(b->n_risk[i]) && b->n_risk[i] > 0) ||
				!(isfinite(b->n_event[i]) && b->n_event[i] >= 0) ||
				!(isfinite(b->n_censor[i]) && b->n_censor[i] >= 0))
				Bad(code, "Risk-set counts must be finite and non-negative.");
			if (b->n_event[i] > 0)
			{
				if (eoff >= b->nevtimes)
					Bad(code, "There are more event times than baseline entries.");
				if (!(isfinite(b->cumhaz[eoff]) && b->cumhaz[eoff] >= prevhaz) ||
					!(isfinite(b->cumvar[eoff]) && b->cumvar[eoff] >= prevvar))
					Bad(code, "Cumulative hazards and variances must be finite and non-decreasing.");
				if (!AllFinite(b->cumxbar + eoff * b->p, b->p))
					Bad(code, "Cumulative covariate means must be finite.");
				prevhaz = b->cumhaz[eoff];
				prevvar = b->cumvar[eoff];
				eoff++;
			}
		}
		off += nt;
	}
	if (off != b->ntimes || eoff != b->nevtimes)
		Bad(code, "The time and event-time counts do not add up.");
}

/* ---- flatten / parse ---- */

/* Size of the names area of a model. */
static Size
NamesLen(const CoxModelBuild *b)
{
	Size		len = 0;
	int			j,
				s;

	for (j = 0; j < b->p; j++)
		len += NameSize(b->terms[j]);
	for (s = 0; s < b->nstrata; s++)
		len += NameSize(b->strata[s]);
	return len;
}

/*
 * Allocate the value of a model whose sizes (p, nstrata, ntimes, nevtimes, flags, names) are
 * set, and point b's baseline arrays into it, so that the baseline can be computed in place
 * (no copy of what may be the largest part of the model).  CoxModelFinish completes it.
 */
struct varlena *
CoxModelAllocate(CoxModelBuild *b)
{
	Size		off[SEC_END + 1];
	Size		total;
	char	   *base;
	bool		robust = (b->flags & COXMODEL_ROBUST) != 0;

	total = Layout(b->p, b->nstrata, b->ntimes, b->nevtimes, robust, NamesLen(b), off);
	if (total == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the Cox model is too large to store"),
				 errdetail("The baseline hazard has %lld times.", (long long) b->ntimes),
				 errhint("Fit with '{\"baseline\": false}' to keep the model without its baseline hazard.")));
	base = palloc(total);
	clinnova_advise_huge_pages(base, total);
	memset(base, 0, sizeof(CoxModelHeader));
	SET_VARSIZE(base, total);
	b->time = (double *) (base + off[SEC_TIME]);
	b->n_risk = (double *) (base + off[SEC_NRISK]);
	b->n_event = (double *) (base + off[SEC_NEVENT]);
	b->n_censor = (double *) (base + off[SEC_NCENSOR]);
	b->cumhaz = (double *) (base + off[SEC_CUMHAZ]);
	b->cumvar = (double *) (base + off[SEC_CUMVAR]);
	b->cumxbar = (double *) (base + off[SEC_CUMXBAR]);
	return (struct varlena *) base;
}

/* Copy into v what is not there yet: header, coefficients, variances, counts and names. */
void
CoxModelFinish(const CoxModelBuild *b, struct varlena *v)
{
	Size		off[SEC_END + 1];
	CoxModelHeader *h = (CoxModelHeader *) v;
	char	   *base = (char *) v;
	char	   *w;
	int			j,
				s;
	bool		robust = (b->flags & COXMODEL_ROBUST) != 0;
	int64		pp = (int64) b->p * b->p;
	Size		names_len = NamesLen(b);

	if (Layout(b->p, b->nstrata, b->ntimes, b->nevtimes, robust, names_len, off) != VARSIZE(v))
		elog(ERROR, "clinnova: coxmodel sizes changed between allocation and completion");
	h->version = COXMODEL_VERSION;
	h->ties = (uint8) b->ties;
	h->flags = b->flags;
	h->p = b->p;
	h->nstrata = b->nstrata;
	h->iterations = b->iterations;
	h->names_len = (int32) names_len;
	h->n = b->n;
	h->events = b->events;
	h->ntimes = b->ntimes;
	h->nevtimes = b->nevtimes;
	h->conf_level = b->conf_level;
	h->loglik0 = b->loglik0;
	h->loglik = b->loglik;
	h->score = b->score;
	h->wald = b->wald;
	h->rscore = b->rscore;
	memcpy(h->conc, b->conc, sizeof(h->conc));
	memcpy(base + off[SEC_COEF], b->coef, sizeof(double) * b->p);
	memcpy(base + off[SEC_MEANS], b->means, sizeof(double) * b->p);
	memcpy(base + off[SEC_VAR], b->var, sizeof(double) * pp);
	if (robust)
		memcpy(base + off[SEC_RVAR], b->robust_var, sizeof(double) * pp);
	if (b->nstrata > 0 && b->stratum_ntimes)
		memcpy(base + off[SEC_NTIMES], b->stratum_ntimes, sizeof(int64) * b->nstrata);
	else
		memset(base + off[SEC_NTIMES], 0, sizeof(int64) * b->nstrata);
	w = base + off[SEC_NAMES];
	memset(w, 0, names_len);
	for (j = 0; j < b->p; j++)
		w = PutName(w, b->terms[j]);
	for (s = 0; s < b->nstrata; s++)
		w = PutName(w, b->strata[s]);
	Assert(w == base + off[SEC_END]);
}

/* Store a validated model as one varlena (arrays copied from b). */
struct varlena *
CoxModelFlatten(const CoxModelBuild *b)
{
	CoxModelBuild c = *b;
	struct varlena *v = CoxModelAllocate(&c);

	if (b->ntimes > 0)
	{
		memcpy(c.time, b->time, sizeof(double) * b->ntimes);
		memcpy(c.n_risk, b->n_risk, sizeof(double) * b->ntimes);
		memcpy(c.n_event, b->n_event, sizeof(double) * b->ntimes);
		memcpy(c.n_censor, b->n_censor, sizeof(double) * b->ntimes);
	}
	if (b->nevtimes > 0)
	{
		memcpy(c.cumhaz, b->cumhaz, sizeof(double) * b->nevtimes);
		memcpy(c.cumvar, b->cumvar, sizeof(double) * b->nevtimes);
		memcpy(c.cumxbar, b->cumxbar, sizeof(double) * b->nevtimes * b->p);
	}
	CoxModelFinish(b, v);
	return v;
}

/* A stored model that fails a structural check: corrupt data, not user input. */
static void
Corrupt(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupt coxmodel value"),
			 errdetail("%s", what)));
}

/* Read one name of the names area; advances *r, which must stay below end. */
static const char *
GetName(const char **r, const char *end)
{
	int32		len;
	const char *s;

	if (end - *r < (long) sizeof(int32))
		Corrupt("The names area is truncated.");
	memcpy(&len, *r, sizeof(int32));
	if (len < -1 || (len >= 0 && end - *r < (long) (sizeof(int32) + len + 1)))
		Corrupt("A name length is invalid.");
	s = len < 0 ? NULL : *r + sizeof(int32);
	if (s && s[len] != '\0')
		Corrupt("A name is not terminated.");
	*r += TYPEALIGN(4, sizeof(int32) + (len < 0 ? 0 : len + 1));
	return s;
}

/*
 * Pointers into a detoasted model value (which must stay alive as long as the result).
 * Sizes are checked against the value's length so that a damaged value cannot make a reader
 * run past its end.
 */
CoxModel *
CoxModelParse(struct varlena *v)
{
	const CoxModelHeader *h = (const CoxModelHeader *) v;
	CoxModel   *m = palloc0(sizeof(CoxModel));
	Size		off[SEC_END + 1];
	const char *base = (const char *) v;
	const char *r,
			   *end;
	int			j,
				s;
	int64		i,
				t;

	if (VARSIZE(v) < sizeof(CoxModelHeader))
		Corrupt("The value is shorter than its header.");
	if (h->version != COXMODEL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("unsupported coxmodel format version %d", h->version),
				 errhint("The model was stored by a different clinnova version.")));
	if (h->p < 1 || h->p > COX_MAX_TERMS || h->nstrata < 0 || h->ntimes < 0 ||
		h->nevtimes < 0 || h->names_len < 0)
		Corrupt("The header sizes are invalid.");
	if (Layout(h->p, h->nstrata, h->ntimes, h->nevtimes, (h->flags & COXMODEL_ROBUST) != 0,
			   h->names_len, off) != VARSIZE(v))
		Corrupt("The value's length does not match its header.");
	m->hdr = h;
	m->p = h->p;
	m->nstrata = h->nstrata;
	m->ties = (CoxTies) h->ties;
	m->flags = h->flags;
	m->coef = (const double *) (base + off[SEC_COEF]);
	m->means = (const double *) (base + off[SEC_MEANS]);
	m->var = (const double *) (base + off[SEC_VAR]);
	m->robust_var = (h->flags & COXMODEL_ROBUST) ? (const double *) (base + off[SEC_RVAR]) : NULL;
	m->stratum_ntimes = (const int64 *) (base + off[SEC_NTIMES]);
	m->time = (const double *) (base + off[SEC_TIME]);
	m->n_risk = (const double *) (base + off[SEC_NRISK]);
	m->n_event = (const double *) (base + off[SEC_NEVENT]);
	m->n_censor = (const double *) (base + off[SEC_NCENSOR]);
	m->cumhaz = (const double *) (base + off[SEC_CUMHAZ]);
	m->cumvar = (const double *) (base + off[SEC_CUMVAR]);
	m->cumxbar = (const double *) (base + off[SEC_CUMXBAR]);

	r = base + off[SEC_NAMES];
	end = base + off[SEC_END];
	m->terms = palloc(sizeof(char *) * m->p);
	for (j = 0; j < m->p; j++)
	{
		m->terms[j] = GetName(&r, end);
		if (m->terms[j] == NULL)
			Corrupt("A term name is missing.");
	}
	m->strata = palloc(sizeof(char *) * Max(m->nstrata, 1));
	for (s = 0; s < m->nstrata; s++)
		m->strata[s] = GetName(&r, end);

	/* stratum offsets into the time and event-time arrays */
	m->time_first = palloc(sizeof(int64) * (m->nstrata + 1));
	m->ev_first = palloc(sizeof(int64) * (m->nstrata + 1));
	m->time_first[0] = m->ev_first[0] = 0;
	for (s = 0, t = 0; s < m->nstrata; s++)
	{
		int64		nt = (h->flags & COXMODEL_HAS_BASELINE) ? m->stratum_ntimes[s] : 0;
		int64		ne = 0;

		if (nt < 0 || nt > h->ntimes - t)
			Corrupt("The per-stratum time counts do not add up.");
		for (i = t; i < t + nt; i++)
			ne += m->n_event[i] > 0;
		t += nt;
		m->time_first[s + 1] = t;
		m->ev_first[s + 1] = m->ev_first[s] + ne;
	}
	if (t != h->ntimes || m->ev_first[m->nstrata] != h->nevtimes)
		Corrupt("The time and event-time counts do not add up.");
	m->ev_index = NULL;
	return m;
}

/* The variance the model reports (robust when the fit was robust, like R's fit$var). */
const double *
CoxModelVar(const CoxModel *m)
{
	return m->robust_var ? m->robust_var : m->var;
}

/* The normal quantile of the model's confidence level. */
double
CoxModelZ(const CoxModel *m)
{
	return dist_norm_quantile((1.0 + m->hdr->conf_level) / 2.0);
}

/* Index of the stratum with the given name (isnull: the NULL stratum), or -1. */
int
CoxModelFindStratum(const CoxModel *m, const char *name, bool isnull)
{
	int			s;

	for (s = 0; s < m->nstrata; s++)
	{
		if (isnull ? m->strata[s] == NULL :
			(m->strata[s] != NULL && strcmp(m->strata[s], name) == 0))
			return s;
	}
	return -1;
}

/* ---- a model from a fit ---- */

/* The concordance of a model under construction (built with concordance). */
void
CoxModelSetConcordance(CoxModelBuild *b, const CoxConcordance *conc)
{
	Assert(b->flags & COXMODEL_HAS_CONC);
	b->conc[0] = conc->concordant;
	b->conc[1] = conc->discordant;
	b->conc[2] = conc->tied_x;
	b->conc[3] = conc->tied_y;
	b->conc[4] = conc->tied_xy;
	b->conc[5] = conc->concordance;
	b->conc[6] = conc->std;
}

/*
 * Gather a fit into a model under construction; with concordance, its values follow through
 * CoxModelSetConcordance; with baseline, also its sizes (CoxModelAllocate then provides the
 * arrays CoxComputeBaseline fills).
 */
void
CoxModelBuildFromFit(CoxModelBuild *b, const CoxData *d, const CoxOptions *o,
					 const CoxFitResult *fit, bool concordance, bool baseline)
{
	int			j,
				s;
	int			p = fit->p;

	memset(b, 0, sizeof(*b));
	b->ties = o->ties;
	b->flags = (fit->robust ? COXMODEL_ROBUST | COXMODEL_HAS_RSCORE : 0) |
		(fit->converged ? COXMODEL_CONVERGED : 0) |
		(fit->counting ? COXMODEL_COUNTING : 0) |
		(concordance ? COXMODEL_HAS_CONC : 0) |
		(baseline ? COXMODEL_HAS_BASELINE : 0);
	b->p = p;
	b->iterations = fit->iterations;
	b->n = d->n;
	b->events = d->nevents;
	b->conf_level = o->conf_level;
	b->loglik0 = fit->loglik0;
	b->loglik = fit->loglik;
	b->score = fit->score_test;
	b->wald = fit->wald_test;
	b->rscore = fit->robust ? fit->robust_score_test : NAN;
	for (j = 0; j < 7; j++)
		b->conc[j] = NAN;
	b->terms = palloc(sizeof(char *) * p);
	b->coef = palloc(sizeof(double) * p);
	for (j = 0; j < p; j++)
	{
		b->terms[j] = CoxTermName(o, j);
		b->coef[j] = fit->aliased[j] ? NAN : fit->coef[j];
	}
	b->means = fit->means;
	b->var = fit->var;
	b->robust_var = fit->robust ? fit->robust_var : NULL;
	b->nstrata = d->nstrata;
	b->strata = palloc(sizeof(char *) * Max(d->nstrata, 1));
	for (s = 0; s < d->nstrata; s++)
		b->strata[s] = d->stratum_name[s] < 0 ? NULL :
			(char *) CoxNamesGet(d->strata_names, d->stratum_name[s]);
	if (baseline)
	{
		b->stratum_ntimes = palloc(sizeof(int64) * Max(d->nstrata, 1));
		CoxBaselineCount(d, b->stratum_ntimes, &b->ntimes, &b->nevtimes);
	}
}

/* ---- text I/O ---- */

/* Write the model as its JSON text form. */
static char *
ModelToText(const CoxModel *m)
{
	StringInfoData buf;
	const CoxModelHeader *h = m->hdr;
	int			j,
				s;
	static const char *const concnames[7] =
	{"concordant", "discordant", "tied_x", "tied_y", "tied_xy", "concordance", "std"};

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"type\": \"coxmodel\", \"version\": %d, \"ties\": \"%s\"",
					 COXMODEL_VERSION, CoxTiesName(m->ties));
	appendStringInfo(&buf, ", \"n\": " INT64_FORMAT ", \"events\": " INT64_FORMAT,
					 h->n, h->events);
	appendStringInfo(&buf, ", \"iterations\": %d, \"converged\": %s, \"counting\": %s",
					 h->iterations, (h->flags & COXMODEL_CONVERGED) ? "true" : "false",
					 (h->flags & COXMODEL_COUNTING) ? "true" : "false");
	appendStringInfo(&buf, ", \"from_steps\": %s, \"conf_level\": ",
					 (h->flags & COXMODEL_FROM_STEPS) ? "true" : "false");
	CoxJsonAppendFloat(&buf, h->conf_level, false);
	appendStringInfoString(&buf, ", \"loglik\": [");
	CoxJsonAppendFloat(&buf, h->loglik0, false);
	appendStringInfoString(&buf, ", ");
	CoxJsonAppendFloat(&buf, h->loglik, false);
	appendStringInfoString(&buf, "], \"score_test\": ");
	CoxJsonAppendFloat(&buf, h->score, false);
	appendStringInfoString(&buf, ", \"wald_test\": ");
	CoxJsonAppendFloat(&buf, h->wald, false);
	appendStringInfoString(&buf, ", \"robust_score_test\": ");
	CoxJsonAppendFloat(&buf, h->rscore, true);
	appendStringInfoString(&buf, ", \"terms\": [");
	for (j = 0; j < m->p; j++)
	{
		if (j > 0)
			appendStringInfoString(&buf, ", ");
		CoxJsonAppendString(&buf, m->terms[j]);
	}
	appendStringInfoString(&buf, "], \"coef\": ");
	CoxJsonAppendFloats(&buf, m->coef, m->p, true);
	appendStringInfoString(&buf, ", \"means\": ");
	CoxJsonAppendFloats(&buf, m->means, m->p, false);
	appendStringInfoString(&buf, ", \"var\": ");
	CoxJsonAppendMatrix(&buf, m->var, m->p, m->p);
	appendStringInfoString(&buf, ", \"robust_var\": ");
	if (m->robust_var)
		CoxJsonAppendMatrix(&buf, m->robust_var, m->p, m->p);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", \"concordance\": ");
	if (h->flags & COXMODEL_HAS_CONC)
	{
		appendStringInfoChar(&buf, '{');
		for (j = 0; j < 7; j++)
		{
			appendStringInfo(&buf, "%s\"%s\": ", j ? ", " : "", concnames[j]);
			CoxJsonAppendFloat(&buf, h->conc[j], true);
		}
		appendStringInfoChar(&buf, '}');
	}
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", \"strata\": [");
	for (s = 0; s < m->nstrata; s++)
	{
		if (s > 0)
			appendStringInfoString(&buf, ", ");
		CoxJsonAppendString(&buf, m->strata[s]);
	}
	appendStringInfoString(&buf, "], \"baseline\": ");
	if (h->flags & COXMODEL_HAS_BASELINE)
	{
		double	   *nt = palloc(sizeof(double) * Max(m->nstrata, 1));

		for (s = 0; s < m->nstrata; s++)
			nt[s] = (double) m->stratum_ntimes[s];
		appendStringInfoString(&buf, "{\"ntimes\": ");
		CoxJsonAppendFloats(&buf, nt, m->nstrata, false);
		appendStringInfoString(&buf, ", \"time\": ");
		CoxJsonAppendFloats(&buf, m->time, h->ntimes, false);
		appendStringInfoString(&buf, ", \"n_risk\": ");
		CoxJsonAppendFloats(&buf, m->n_risk, h->ntimes, false);
		appendStringInfoString(&buf, ", \"n_event\": ");
		CoxJsonAppendFloats(&buf, m->n_event, h->ntimes, false);
		appendStringInfoString(&buf, ", \"n_censor\": ");
		CoxJsonAppendFloats(&buf, m->n_censor, h->ntimes, false);
		appendStringInfoString(&buf, ", \"cumhaz\": ");
		CoxJsonAppendFloats(&buf, m->cumhaz, h->nevtimes, false);
		appendStringInfoString(&buf, ", \"cumvar\": ");
		CoxJsonAppendFloats(&buf, m->cumvar, h->nevtimes, false);
		appendStringInfoString(&buf, ", \"cumxbar\": ");
		CoxJsonAppendMatrix(&buf, m->cumxbar, h->nevtimes, m->p);
		appendStringInfoChar(&buf, '}');
		pfree(nt);
	}
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/* coxmodel_out: the JSON text form. */
Datum
coxmodel_out(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));

	PG_RETURN_CSTRING(ModelToText(CoxModelParse(v)));
}

/* coxmodel_in: parse the JSON text form, validate, store. */
Datum
coxmodel_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	CoxJsonDoc *doc = CoxJsonParse(str, "coxmodel");
	CoxModelBuild b;
	char	   *ties;
	int			s;
	const int	code = ERRCODE_INVALID_TEXT_REPRESENTATION;
	double	   *ll;

	memset(&b, 0, sizeof(b));
	if (strcmp(CoxJsonString(doc, "type"), "coxmodel") != 0)
		Bad(code, "The \"type\" field must be \"coxmodel\".");
	if (CoxJsonInt(doc, "version", 0, 1000) != COXMODEL_VERSION)
		Bad(code, "The format version is not supported.");
	ties = CoxJsonString(doc, "ties");
	if (strcmp(ties, "efron") == 0)
		b.ties = COX_EFRON;
	else if (strcmp(ties, "breslow") == 0)
		b.ties = COX_BRESLOW;
	else
		Bad(code, psprintf("Unknown tie method \"%s\".", ties));
	b.n = CoxJsonInt(doc, "n", 1, COX_MAX_COUNT);
	b.events = CoxJsonInt(doc, "events", 0, b.n);
	b.iterations = (int) CoxJsonInt(doc, "iterations", 0, COX_MAX_ITERATIONS);
	if (CoxJsonBool(doc, "converged"))
		b.flags |= COXMODEL_CONVERGED;
	if (CoxJsonBool(doc, "counting"))
		b.flags |= COXMODEL_COUNTING;
	if (CoxJsonBool(doc, "from_steps"))
		b.flags |= COXMODEL_FROM_STEPS;
	b.conf_level = CoxJsonFloat(doc, "conf_level", false);
	ll = CoxJsonFloats(doc, "loglik", 2, false, NULL);
	b.loglik0 = ll[0];
	b.loglik = ll[1];
	b.score = CoxJsonFloat(doc, "score_test", true);
	b.wald = CoxJsonFloat(doc, "wald_test", true);
	b.rscore = CoxJsonFloat(doc, "robust_score_test", true);
	if (!isnan(b.rscore))
		b.flags |= COXMODEL_HAS_RSCORE;
	b.p = (int) CoxJsonLength(doc, "terms");
	if (b.p < 1 || b.p > COX_MAX_TERMS)
		Bad(code, "\"terms\" must be an array of 1 to 2000 names.");
	b.terms = CoxJsonStrings(doc, "terms", b.p, false);
	b.coef = CoxJsonFloats(doc, "coef", b.p, true, NULL);
	b.means = CoxJsonFloats(doc, "means", b.p, false, NULL);
	b.var = CoxJsonMatrix(doc, "var", b.p, b.p);
	if (!CoxJsonIsNull(doc, "robust_var"))
	{
		b.flags |= COXMODEL_ROBUST;
		b.robust_var = CoxJsonMatrix(doc, "robust_var", b.p, b.p);
	}
	if (CoxJsonObjectPresent(doc, "concordance"))
	{
		static const char *const names[7] =
		{"concordance.concordant", "concordance.discordant", "concordance.tied_x",
			"concordance.tied_y", "concordance.tied_xy", "concordance.concordance",
		"concordance.std"};

		b.flags |= COXMODEL_HAS_CONC;
		for (s = 0; s < 7; s++)
			b.conc[s] = CoxJsonFloat(doc, names[s], true);
	}
	else
		for (s = 0; s < 7; s++)
			b.conc[s] = NAN;
	b.nstrata = (int) CoxJsonLength(doc, "strata");
	if (b.nstrata < 0)
		Bad(code, "\"strata\" must be an array.");
	b.strata = CoxJsonStrings(doc, "strata", b.nstrata, true);
	if (CoxJsonObjectPresent(doc, "baseline"))
	{
		double	   *nt;
		int64		got;

		b.flags |= COXMODEL_HAS_BASELINE;
		nt = CoxJsonFloats(doc, "baseline.ntimes", b.nstrata, false, NULL);
		b.stratum_ntimes = palloc(sizeof(int64) * Max(b.nstrata, 1));
		for (s = 0; s < b.nstrata; s++)
		{
			if (!(nt[s] >= 1 && nt[s] <= (double) COX_MAX_ROWS && nt[s] == floor(nt[s])))
				Bad(code, "Per-stratum time counts must be positive integers.");
			b.stratum_ntimes[s] = (int64) nt[s];
		}
		b.time = CoxJsonFloats(doc, "baseline.time", -1, false, &b.ntimes);
		b.n_risk = CoxJsonFloats(doc, "baseline.n_risk", b.ntimes, false, NULL);
		b.n_event = CoxJsonFloats(doc, "baseline.n_event", b.ntimes, false, NULL);
		b.n_censor = CoxJsonFloats(doc, "baseline.n_censor", b.ntimes, false, NULL);
		b.cumhaz = CoxJsonFloats(doc, "baseline.cumhaz", -1, false, &b.nevtimes);
		b.cumvar = CoxJsonFloats(doc, "baseline.cumvar", b.nevtimes, false, NULL);
		got = CoxJsonLength(doc, "baseline.cumxbar");
		if (got != b.nevtimes)
			Bad(code, "\"baseline.cumxbar\" needs one row per event time.");
		b.cumxbar = CoxJsonMatrix(doc, "baseline.cumxbar", b.nevtimes, b.p);
	}
	CoxJsonCheckAllUsed(doc);
	CoxModelValidate(&b, code);
	PG_RETURN_POINTER(CoxModelFlatten(&b));
}

/* ---- binary I/O ---- */

/* Send n float8 values. */
static void
SendFloats(StringInfo buf, const double *v, int64 n)
{
	int64		i;

	for (i = 0; i < n; i++)
		pq_sendfloat8(buf, v[i]);
}

/* Send a name (length -1 for NULL). */
static void
SendName(StringInfo buf, const char *s)
{
	if (s == NULL)
		pq_sendint32(buf, -1);
	else
	{
		int			len = strlen(s);

		pq_sendint32(buf, len);
		pq_sendbytes(buf, s, len);
	}
}

/* coxmodel_send: version byte, then header fields, names and arrays in network order. */
Datum
coxmodel_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	CoxModel   *m = CoxModelParse(v);
	const CoxModelHeader *h = m->hdr;
	StringInfoData buf;
	int			j,
				s;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, COXMODEL_VERSION);
	pq_sendbyte(&buf, h->ties);
	pq_sendint16(&buf, h->flags);
	pq_sendint32(&buf, h->p);
	pq_sendint32(&buf, h->nstrata);
	pq_sendint32(&buf, h->iterations);
	pq_sendint64(&buf, h->n);
	pq_sendint64(&buf, h->events);
	pq_sendint64(&buf, h->ntimes);
	pq_sendint64(&buf, h->nevtimes);
	pq_sendfloat8(&buf, h->conf_level);
	pq_sendfloat8(&buf, h->loglik0);
	pq_sendfloat8(&buf, h->loglik);
	pq_sendfloat8(&buf, h->score);
	pq_sendfloat8(&buf, h->wald);
	pq_sendfloat8(&buf, h->rscore);
	SendFloats(&buf, h->conc, 7);
	for (j = 0; j < m->p; j++)
		SendName(&buf, m->terms[j]);
	for (s = 0; s < m->nstrata; s++)
		SendName(&buf, m->strata[s]);
	SendFloats(&buf, m->coef, m->p);
	SendFloats(&buf, m->means, m->p);
	SendFloats(&buf, m->var, (int64) m->p * m->p);
	if (m->robust_var)
		SendFloats(&buf, m->robust_var, (int64) m->p * m->p);
	if (h->flags & COXMODEL_HAS_BASELINE)
		for (s = 0; s < m->nstrata; s++)
			pq_sendint64(&buf, m->stratum_ntimes[s]);
	SendFloats(&buf, m->time, h->ntimes);
	SendFloats(&buf, m->n_risk, h->ntimes);
	SendFloats(&buf, m->n_event, h->ntimes);
	SendFloats(&buf, m->n_censor, h->ntimes);
	SendFloats(&buf, m->cumhaz, h->nevtimes);
	SendFloats(&buf, m->cumvar, h->nevtimes);
	SendFloats(&buf, m->cumxbar, h->nevtimes * m->p);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* 22P03 unless at least n more bytes remain. */
static void
NeedBytes(StringInfo buf, double n)
{
	if (n > (double) (buf->len - buf->cursor))
		Bad(ERRCODE_INVALID_BINARY_REPRESENTATION, "The value is shorter than its sizes say.");
}

/* Receive n float8 values into a new array (NaN and -0 canonical, as text would read them). */
static double *
RecvFloats(StringInfo buf, int64 n)
{
	double	   *v;
	int64		i;

	NeedBytes(buf, 8.0 * n);
	v = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
		v[i] = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	return v;
}

/* Receive a name (NULL for length -1). */
static char *
RecvName(StringInfo buf, bool allow_null)
{
	int32		len;
	char	   *s;

	NeedBytes(buf, 4);
	len = pq_getmsgint(buf, 4);
	if (len == -1 && allow_null)
		return NULL;
	if (len < 0 || len > COX_MAX_NAME_LEN * 1024)
		Bad(ERRCODE_INVALID_BINARY_REPRESENTATION, "A name length is invalid.");
	NeedBytes(buf, len);
	s = palloc(len + 1);
	pq_copymsgbytes(buf, s, len);
	s[len] = '\0';
	if (strlen(s) != (Size) len)
		Bad(ERRCODE_INVALID_BINARY_REPRESENTATION, "A name contains a zero byte.");
	return s;
}

/* coxmodel_recv: read the binary form and run every check the text input runs. */
Datum
coxmodel_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	CoxModelBuild b;
	const int	code = ERRCODE_INVALID_BINARY_REPRESENTATION;
	int			j,
				s;
	int64		pp;

	memset(&b, 0, sizeof(b));
	clinnova_recv_version(buf, COXMODEL_VERSION, "coxmodel");
	NeedBytes(buf, 1 + 2 + 3 * 4 + 4 * 8 + 13 * 8);
	b.ties = (CoxTies) pq_getmsgbyte(buf);
	b.flags = (uint16) pq_getmsgint(buf, 2);
	b.p = pq_getmsgint(buf, 4);
	b.nstrata = pq_getmsgint(buf, 4);
	b.iterations = pq_getmsgint(buf, 4);
	b.n = pq_getmsgint64(buf);
	b.events = pq_getmsgint64(buf);
	b.ntimes = pq_getmsgint64(buf);
	b.nevtimes = pq_getmsgint64(buf);
	b.conf_level = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	b.loglik0 = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	b.loglik = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	b.score = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	b.wald = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	b.rscore = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	for (j = 0; j < 7; j++)
		b.conc[j] = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	if (b.p < 1 || b.p > COX_MAX_TERMS || b.nstrata < 0 || b.ntimes < 0 || b.nevtimes < 0)
		Bad(code, "The sizes are invalid.");
	/* every size must be backed by bytes before anything is allocated (sums in double: no overflow) */
	pp = (int64) b.p * b.p;
	NeedBytes(buf, 4.0 * b.p + 4.0 * b.nstrata + 8.0 * (2.0 * b.p + pp) +
			  ((b.flags & COXMODEL_ROBUST) ? 8.0 * pp : 0) +
			  32.0 * b.ntimes + 8.0 * (2.0 + b.p) * b.nevtimes);
	b.terms = palloc(sizeof(char *) * b.p);
	for (j = 0; j < b.p; j++)
		b.terms[j] = RecvName(buf, false);
	b.strata = palloc(sizeof(char *) * Max(b.nstrata, 1));
	for (s = 0; s < b.nstrata; s++)
		b.strata[s] = RecvName(buf, true);
	b.coef = RecvFloats(buf, b.p);
	b.means = RecvFloats(buf, b.p);
	b.var = RecvFloats(buf, pp);
	if (b.flags & COXMODEL_ROBUST)
		b.robust_var = RecvFloats(buf, pp);
	if (b.flags & COXMODEL_HAS_BASELINE)
	{
		NeedBytes(buf, 8.0 * b.nstrata);
		b.stratum_ntimes = palloc(sizeof(int64) * Max(b.nstrata, 1));
		for (s = 0; s < b.nstrata; s++)
			b.stratum_ntimes[s] = pq_getmsgint64(buf);
	}
	b.time = RecvFloats(buf, b.ntimes);
	b.n_risk = RecvFloats(buf, b.ntimes);
	b.n_event = RecvFloats(buf, b.ntimes);
	b.n_censor = RecvFloats(buf, b.ntimes);
	b.cumhaz = RecvFloats(buf, b.nevtimes);
	b.cumvar = RecvFloats(buf, b.nevtimes);
	b.cumxbar = RecvFloats(buf, b.nevtimes * b.p);
	clinnova_recv_end(buf, "coxmodel");
	CoxModelValidate(&b, code);
	PG_RETURN_POINTER(CoxModelFlatten(&b));
}
