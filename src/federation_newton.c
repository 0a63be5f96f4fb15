/*
 * federation_newton.c — the linear algebra of the coordinator's Newton-Raphson loops.
 *
 * The coordinator's iterative federated Cox fits (clinnova.federation_coxph_newton, in SQL)
 * merge the sites' score vectors and information matrices and need two operations on the p x p
 * symmetric information matrix I: the Newton step I^-1 u and the inverse I^-1 (the model-based
 * variance).  Both go through src/linalg.c (LAPACK Cholesky).  A covariate that is a linear
 * combination of the others makes I singular; R's coxph then reports its coefficient as NA,
 * the federated fit refuses with a DATA_EXCEPTION naming the term (the pivot tolerance is R's
 * toler.chol = .Machine$double.eps^0.75).
 */
#include "postgres.h"

#include <math.h>
#include <float.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "clinnova.h"
#include "linalg.h"

/* R's survival::coxph.control toler.chol. */
#define NEWTON_TOLER_CHOL 1.8189894035458565e-12

/* Read a p x p symmetric matrix argument (row-major float8[] of p * p finite values). */
static double *
SquareMatrix(ArrayType *a, int *p)
{
	int			n,
				i,
				m;
	double	   *v = clinnova_float8_array(a, &n, "information");
	double	   *copy;

	m = (int) rint(sqrt((double) n));
	if (n < 1 || m * m != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("information must be a square matrix of p * p values"),
				 errdetail("It holds %d values.", n)));
	copy = palloc(sizeof(double) * n);
	for (i = 0; i < n; i++)
	{
		if (!isfinite(v[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the information matrix is not finite"),
					 errhint("The fit diverged; check the covariates for complete separation.")));
		copy[i] = v[i];
	}
	*p = m;
	return copy;
}

/* Refuse a singular information matrix, naming the first aliased term. */
static void
CheckNotAliased(int p, const double *info, ArrayType *terms)
{
	bool	   *aliased = palloc(sizeof(bool) * p);
	int			j;

	if (linalg_find_aliased(p, info, NEWTON_TOLER_CHOL, aliased) == p)
		return;
	for (j = 0; j < p; j++)
		if (aliased[j])
			break;
	{
		char	   *name = psprintf("%d", j + 1);

		if (terms != NULL && ARR_NDIM(terms) == 1 && ARR_DIMS(terms)[0] == p)
		{
			Datum	   *elems;
			bool	   *nulls;
			int			n;

			deconstruct_array(terms, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
			if (!nulls[j])
				name = TextDatumGetCString(elems[j]);
		}
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the information matrix is singular"),
				 errdetail("Covariate \"%s\" is a linear combination of the others in the pooled data.",
						   name),
				 errhint("Remove collinear covariates; a federated fit does not drop them as R does.")));
	}
}

PG_FUNCTION_INFO_V1(federation_solve);
/*
 * clinnova.federation_solve(information float8[], score float8[], terms text[] DEFAULT NULL):
 * the Newton step I^-1 u for a symmetric positive definite I (row-major p x p).
 */
Datum
federation_solve(PG_FUNCTION_ARGS)
{
	int			p,
				n;
	double	   *info;
	double	   *u;
	double	   *x;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("information and score must not be NULL")));
	info = SquareMatrix(PG_GETARG_ARRAYTYPE_P(0), &p);
	u = clinnova_float8_array(PG_GETARG_ARRAYTYPE_P(1), &n, "score");

	if (n != p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score must hold %d values, one per row of the information matrix", p),
				 errdetail("It holds %d.", n)));
	CheckNotAliased(p, info, PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2));
	x = palloc(sizeof(double) * p);
	memcpy(x, u, sizeof(double) * p);
	linalg_spd_solve(p, info, NULL, x, "information matrix");
	PG_RETURN_ARRAYTYPE_P(clinnova_make_float8_array(x, p));
}

PG_FUNCTION_INFO_V1(federation_inverse);
/*
 * clinnova.federation_inverse(information float8[], terms text[] DEFAULT NULL): I^-1 of a
 * symmetric positive definite I (row-major p x p), the model-based variance.
 */
Datum
federation_inverse(PG_FUNCTION_ARGS)
{
	int			p;
	double	   *info;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("information must not be NULL")));
	info = SquareMatrix(PG_GETARG_ARRAYTYPE_P(0), &p);
	CheckNotAliased(p, info, PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1));
	linalg_spd_inverse(p, info, NULL, "information matrix");
	PG_RETURN_ARRAYTYPE_P(clinnova_make_float8_array(info, p * p));
}
