/*
 * coxoptions.c — the options jsonb of the cox functions.
 *
 * Every cox function takes its tuning knobs as one jsonb object so that the SQL signatures
 * stay short and new options never change them.  Keys are checked strictly: an unknown key
 * or a value of the wrong type is an error (22023) naming the key, because a silently
 * ignored typo ("max_iters") would give a fit the analyst did not ask for.
 *
 *   key           used by          value
 *   ties          fit, step        "efron" (default) or "breslow"
 *   terms         fit, step        array of p names (default x1, x2, ...)
 *   max_iter      fit              integer >= 0 (20)
 *   tol           fit              relative change of the log-likelihood (1e-9), R's eps
 *   toler_chol    fit, step        pivot tolerance of the aliasing rule (eps^0.75)
 *   toler_inf     fit              "coefficient may be infinite" threshold (sqrt(tol))
 *   conf_level    fit, step        confidence level in (0, 1) (0.95)
 *   robust        fit              true, false or null (null: as R decides)
 *   concordance   fit              compute Harrell's C (true)
 *   baseline      fit              keep the baseline hazard in the model (true)
 *   timefix       fit, step, zph   treat times equal within sqrt(DBL_EPSILON) as tied (true),
 *                                  R's coxph(..., timefix = TRUE) via aeqSurv
 *   transform     zph              "km" (default), "identity", "rank", "log"
 *   assign        zph              term of each column (columns sharing a name form one term)
 *   global        zph              add the GLOBAL row (true)
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "clinnova.h"
#include "coxph.h"

/* Defaults as R's coxph.control(). */
void
CoxOptionsInit(CoxOptions *o)
{
	memset(o, 0, sizeof(*o));
	o->ties = COX_EFRON;
	o->max_iter = 20;
	o->eps = 1e-9;
	o->toler_chol = pow(DBL_EPSILON, 0.75);
	o->toler_inf = -1.0;		/* sqrt(eps), resolved after parsing */
	o->conf_level = 0.95;
	o->robust = -1;
	o->concordance = true;
	o->baseline = true;
	o->timefix = true;
	o->nterms = -1;
	o->terms = NULL;
	o->transform = COX_ZPH_KM;
	o->global = true;
	o->nassign = -1;
	o->assign = NULL;
}

/* R's name of a tie method. */
const char *
CoxTiesName(CoxTies ties)
{
	return ties == COX_BRESLOW ? "breslow" : "efron";
}

/* Raise 22023 for a bad option value. */
static void
BadOption(const char *fname, const char *key, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid option \"%s\" for %s", key, fname),
			 errdetail("The value must be %s.", what)));
}

/* The numeric value of a jsonb scalar as float8, or a 22023 error. */
static double
OptNumber(JsonbValue *v, const char *fname, const char *key, const char *what)
{
	if (v->type != jbvNumeric)
		BadOption(fname, key, what);
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

/* A jsonb boolean, or a 22023 error. */
static bool
OptBool(JsonbValue *v, const char *fname, const char *key)
{
	if (v->type != jbvBool)
		BadOption(fname, key, "true or false");
	return v->val.boolean;
}

/* A jsonb string as a palloc'd C string, or a 22023 error. */
static char *
OptString(JsonbValue *v, const char *fname, const char *key, const char *what)
{
	if (v->type != jbvString)
		BadOption(fname, key, what);
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * Read an array of strings starting after WJB_BEGIN_ARRAY; *n receives the count.  Names
 * must be non-empty and at most COX_MAX_NAME_LEN bytes.
 */
static char **
OptStringArray(JsonbIterator **it, const char *fname, const char *key, int *n)
{
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			cap = 8;
	char	  **out = palloc(sizeof(char *) * cap);

	*n = 0;
	while ((tok = JsonbIteratorNext(it, &v, false)) != WJB_END_ARRAY)
	{
		if (tok != WJB_ELEM || v.type != jbvString)
			BadOption(fname, key, "an array of strings");
		if (v.val.string.len == 0 || v.val.string.len > COX_MAX_NAME_LEN)
			BadOption(fname, key, "an array of non-empty names of at most 1024 bytes");
		if (*n >= COX_MAX_TERMS)
			BadOption(fname, key, "an array of at most 2000 names");
		if (*n == cap)
		{
			cap *= 2;
			out = repalloc(out, sizeof(char *) * cap);
		}
		out[(*n)++] = pnstrdup(v.val.string.val, v.val.string.len);
	}
	return out;
}

/*
 * Parse the options object jb (NULL = all defaults) into o.  allowed is a mask of
 * COX_OPT_* telling which keys the calling function accepts; fname names it in errors.
 */
void
CoxOptionsParse(CoxOptions *o, Jsonb *jb, int allowed, const char *fname)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (jb != NULL)
	{
		if (!JB_ROOT_IS_OBJECT(jb))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options of %s must be a JSON object", fname),
					 errhint("For example '{\"ties\": \"breslow\"}'.")));
		it = JsonbIteratorInit(&jb->root);
		tok = JsonbIteratorNext(&it, &v, false);	/* WJB_BEGIN_OBJECT */
		while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
		{
			char	   *key;
			int			fit = allowed & COX_OPT_FIT;
			int			step = allowed & COX_OPT_STEP;
			int			zph = allowed & COX_OPT_ZPH;

			if (tok == WJB_END_OBJECT)
				continue;
			Assert(tok == WJB_KEY);
			key = pnstrdup(v.val.string.val, v.val.string.len);
			/* scalars come as WJB_VALUE, arrays and objects as their BEGIN token */
			tok = JsonbIteratorNext(&it, &v, false);

			if (strcmp(key, "ties") == 0 && (fit || step))
			{
				char	   *s = OptString(&v, fname, key, "\"efron\" or \"breslow\"");

				if (strcmp(s, "efron") == 0)
					o->ties = COX_EFRON;
				else if (strcmp(s, "breslow") == 0)
					o->ties = COX_BRESLOW;
				else
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("unknown tie method \"%s\" for %s", s, fname),
							 errhint("Use \"efron\" (the default) or \"breslow\".")));
			}
			else if (strcmp(key, "terms") == 0 && (fit || step))
			{
				if (tok != WJB_BEGIN_ARRAY)
					BadOption(fname, key, "an array of strings");
				o->terms = OptStringArray(&it, fname, key, &o->nterms);
			}
			else if (strcmp(key, "max_iter") == 0 && fit)
			{
				double		d = OptNumber(&v, fname, key, "an integer between 0 and 10000");

				if (!(d >= 0 && d <= 10000 && d == floor(d)))
					BadOption(fname, key, "an integer between 0 and 10000");
				o->max_iter = (int) d;
			}
			else if (strcmp(key, "tol") == 0 && fit)
			{
				double		d = OptNumber(&v, fname, key, "a number in (0, 1)");

				if (!(d > 0 && d < 1))
					BadOption(fname, key, "a number in (0, 1)");
				o->eps = d;
			}
			else if (strcmp(key, "toler_chol") == 0 && (fit || step))
			{
				double		d = OptNumber(&v, fname, key, "a number in (0, 1)");

				if (!(d > 0 && d < 1))
					BadOption(fname, key, "a number in (0, 1)");
				o->toler_chol = d;
			}
			else if (strcmp(key, "toler_inf") == 0 && fit)
			{
				double		d = OptNumber(&v, fname, key, "a positive number");

				if (!(d > 0 && isfinite(d)))
					BadOption(fname, key, "a positive number");
				o->toler_inf = d;
			}
			else if (strcmp(key, "conf_level") == 0 && (fit || step))
			{
				double		d = OptNumber(&v, fname, key, "a number in (0, 1)");

				if (!(d > 0 && d < 1))
					BadOption(fname, key, "a number in (0, 1)");
				o->conf_level = d;
			}
			else if (strcmp(key, "robust") == 0 && fit)
			{
				if (v.type == jbvNull)
					o->robust = -1;
				else
					o->robust = OptBool(&v, fname, key) ? 1 : 0;
			}
			else if (strcmp(key, "concordance") == 0 && fit)
				o->concordance = OptBool(&v, fname, key);
			else if (strcmp(key, "baseline") == 0 && fit)
				o->baseline = OptBool(&v, fname, key);
			else if (strcmp(key, "timefix") == 0)
				o->timefix = OptBool(&v, fname, key);
			else if (strcmp(key, "transform") == 0 && zph)
			{
				char	   *s = OptString(&v, fname, key, "\"km\", \"identity\", \"rank\" or \"log\"");

				if (strcmp(s, "km") == 0)
					o->transform = COX_ZPH_KM;
				else if (strcmp(s, "identity") == 0)
					o->transform = COX_ZPH_IDENTITY;
				else if (strcmp(s, "rank") == 0)
					o->transform = COX_ZPH_RANK;
				else if (strcmp(s, "log") == 0)
					o->transform = COX_ZPH_LOG;
				else
					BadOption(fname, key, "\"km\", \"identity\", \"rank\" or \"log\"");
			}
			else if (strcmp(key, "assign") == 0 && zph)
			{
				if (tok != WJB_BEGIN_ARRAY)
					BadOption(fname, key, "an array of strings");
				o->assign = OptStringArray(&it, fname, key, &o->nassign);
			}
			else if (strcmp(key, "global") == 0 && zph)
				o->global = OptBool(&v, fname, key);
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown option \"%s\" for %s", key, fname),
						 errhint("%s accepts %s.", fname,
								 (allowed & COX_OPT_FIT) ?
								 "ties, terms, max_iter, tol, toler_chol, toler_inf, conf_level, robust, concordance, baseline and timefix" :
								 (allowed & COX_OPT_ZPH) ? "transform, assign, global and timefix" :
								 "ties, terms, toler_chol, conf_level and timefix")));
		}
	}
	if (o->toler_inf < 0)
		o->toler_inf = sqrt(o->eps);
}

/* 22023 unless the "terms" option (if given) names exactly p columns, all distinct. */
void
CoxCheckTerms(const CoxOptions *o, int p, const char *fname)
{
	int			i,
				j;

	if (o->nterms < 0)
		return;
	if (o->nterms != p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"terms\" of %s names %d terms but x has %d elements",
						fname, o->nterms, p),
				 errhint("Give one name per element of x, in the same order.")));
	for (i = 0; i < p; i++)
		for (j = 0; j < i; j++)
			if (strcmp(o->terms[i], o->terms[j]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"terms\" of %s names \"%s\" twice", fname, o->terms[i])));
}

/* The name of covariate j: the "terms" option, or x1, x2, ... like an unnamed R matrix. */
char *
CoxTermName(const CoxOptions *o, int j)
{
	if (o->nterms > j)
		return o->terms[j];
	return psprintf("x%d", j + 1);
}
