/*
 * glm_options.c — the options jsonb of the GLM aggregates and of glmmodel_from_step.
 *
 *   {"terms": ["age", "sex"], "intercept": true, "max_iter": 25, "tol": 1e-8,
 *    "conf_level": 0.95}
 *
 * Every key is optional; defaults are R's (an intercept, glm.control(epsilon = 1e-8,
 * maxit = 25), 95% intervals).  Unknown keys and values of the wrong type or range raise
 * 22023 naming the key.  Options travel with aggregate states (send/recv) because the final
 * function may run in another process than the first transition.
 */
#include "postgres.h"

#include <math.h>

#include "libpq/pqformat.h"

#include "glm.h"
#include "model_json.h"

static const JsonReader OptionsReader = {ERRCODE_INVALID_PARAMETER_VALUE, "options"};

/* R's defaults. */
void
GlmOptionsDefault(GlmOptions *opt)
{
	opt->intercept = true;
	opt->max_iter = 25;
	opt->tol = 1e-8;
	opt->conf_level = 0.95;
	opt->nterms = -1;
	opt->terms = NULL;
}

/* Parse the options document (NULL: defaults) into opt, in the current memory context. */
void
GlmOptionsParse(Jsonb *jb, GlmOptions *opt)
{
	static const char *const keys[] = {"terms", "intercept", "max_iter", "tol", "conf_level", NULL};
	JsonbContainer *root;
	JsonbValue	v;

	GlmOptionsDefault(opt);
	if (jb == NULL)
		return;
	root = JsonRootObject(&OptionsReader, jb);
	JsonCheckKeys(&OptionsReader, root, NULL, keys);

	if (JsonGet(&OptionsReader, root, "intercept", false, &v))
		opt->intercept = JsonBool(&OptionsReader, &v, "intercept", -1);
	if (JsonGet(&OptionsReader, root, "max_iter", false, &v))
		opt->max_iter = (int) JsonInt(&OptionsReader, &v, "max_iter", -1, 1, 10000, false);
	if (JsonGet(&OptionsReader, root, "tol", false, &v))
	{
		opt->tol = JsonFloat8(&OptionsReader, &v, "tol", -1, false, false);
		if (!(opt->tol > 0.0))
			JsonFail(&OptionsReader, "tol", -1, "must be positive");
	}
	if (JsonGet(&OptionsReader, root, "conf_level", false, &v))
	{
		opt->conf_level = JsonFloat8(&OptionsReader, &v, "conf_level", -1, false, false);
		if (!(opt->conf_level > 0.0 && opt->conf_level < 1.0))
			JsonFail(&OptionsReader, "conf_level", -1, "must be between 0 and 1 (exclusive)");
	}
	if (JsonGet(&OptionsReader, root, "terms", false, &v))
	{
		JsonbContainer *arr = JsonArray(&OptionsReader, &v, "terms", -1);
		int			n = JsonArraySize(arr);
		int			i,
					k;

		if (n > GLM_MAX_COEF)
			JsonFail(&OptionsReader, "terms", -1, "has too many names");
		opt->nterms = n;
		opt->terms = palloc(sizeof(char *) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			JsonbValue	e;

			JsonElement(arr, i, &e);
			opt->terms[i] = JsonText(&OptionsReader, &e, "terms", i);
			if (opt->terms[i][0] == '\0' || strlen(opt->terms[i]) >= GLM_MAX_NAME)
				JsonFail(&OptionsReader, "terms", i, "must be a non-empty name shorter than 1024 bytes");
			if (strcmp(opt->terms[i], "(Intercept)") == 0)
				JsonFail(&OptionsReader, "terms", i, "must not be \"(Intercept)\", the name of the intercept");
			for (k = 0; k < i; k++)
				if (strcmp(opt->terms[k], opt->terms[i]) == 0)
					JsonFail(&OptionsReader, "terms", i, "repeats an earlier name");
		}
	}
}

/* Error unless the term names (if given) fit p_raw covariates. */
void
GlmOptionsCheckTerms(const GlmOptions *opt, int p_raw)
{
	if (opt->nterms >= 0 && opt->nterms != p_raw)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options give %d term names for %d covariates", opt->nterms, p_raw),
				 errhint("\"terms\" names the elements of x, in order, without the intercept.")));
}

/* Same options? */
bool
GlmOptionsEqual(const GlmOptions *a, const GlmOptions *b)
{
	int			i;

	if (a->intercept != b->intercept || a->max_iter != b->max_iter || a->tol != b->tol ||
		a->conf_level != b->conf_level || a->nterms != b->nterms)
		return false;
	for (i = 0; i < a->nterms; i++)
		if (strcmp(a->terms[i], b->terms[i]) != 0)
			return false;
	return true;
}

/* Deep copy into the current memory context. */
void
GlmOptionsCopy(GlmOptions *dst, const GlmOptions *src)
{
	int			i;

	*dst = *src;
	if (src->nterms >= 0)
	{
		dst->terms = palloc(sizeof(char *) * Max(src->nterms, 1));
		for (i = 0; i < src->nterms; i++)
			dst->terms[i] = pstrdup(src->terms[i]);
	}
}

/* Binary form (for aggregate states). */
void
GlmOptionsSend(StringInfo buf, const GlmOptions *opt)
{
	int			i;

	pq_sendbyte(buf, opt->intercept ? 1 : 0);
	pq_sendint32(buf, opt->max_iter);
	pq_sendfloat8(buf, opt->tol);
	pq_sendfloat8(buf, opt->conf_level);
	pq_sendint32(buf, opt->nterms);
	for (i = 0; i < opt->nterms; i++)
		pq_sendstring(buf, opt->terms[i]);
}

/* Read the binary form, re-checking what GlmOptionsParse checks. */
void
GlmOptionsRecv(StringInfo buf, GlmOptions *opt)
{
	int			b = pq_getmsgbyte(buf);
	int			i;

	if (b != 0 && b != 1)
		elog(ERROR, "clinnova: invalid GLM options in an aggregate state");
	opt->intercept = (b == 1);
	opt->max_iter = pq_getmsgint(buf, 4);
	opt->tol = pq_getmsgfloat8(buf);
	opt->conf_level = pq_getmsgfloat8(buf);
	opt->nterms = pq_getmsgint(buf, 4);
	if (opt->max_iter < 1 || opt->max_iter > 10000 || !(opt->tol > 0.0) ||
		!(opt->conf_level > 0.0 && opt->conf_level < 1.0) ||
		opt->nterms < -1 || opt->nterms > GLM_MAX_COEF)
		elog(ERROR, "clinnova: invalid GLM options in an aggregate state");
	opt->terms = NULL;
	if (opt->nterms >= 0)
	{
		opt->terms = palloc(sizeof(char *) * Max(opt->nterms, 1));
		for (i = 0; i < opt->nterms; i++)
			opt->terms[i] = pstrdup(pq_getmsgstring(buf));
	}
}
