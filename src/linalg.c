/*
 * linalg.c — the only file that calls BLAS or LAPACK (OpenBLAS, single-threaded build).
 *
 * Rules kept here so that no other file needs to know them:
 *  - sizes are checked before every library call (negative or overflowing sizes never reach BLAS);
 *  - LAPACK info < 0 is a programming error (elog), info > 0 a property of the data (ereport
 *    DATA_EXCEPTION with a hint about collinear or constant covariates);
 *  - all buffers come from palloc, so an error anywhere releases them with the memory context;
 *  - BLAS runs on one thread: parallelism comes from PostgreSQL workers and federation sites.
 */
#include "postgres.h"

#include <math.h>

#include <cblas.h>
#include <f77blas.h>

#include "utils/memutils.h"

#include "linalg.h"

/* Matrices larger than this many rows or columns are refused before any allocation. */
#define LINALG_MAX_DIM 100000

/* ---- library setup and facts ---- */

/* Pin BLAS to a single thread; called once per backend from _PG_init. */
void
linalg_init(void)
{
	openblas_set_num_threads(1);
}

/* The BLAS library's configuration string. */
const char *
linalg_blas_config(void)
{
	const char *cfg = openblas_get_config();

	return cfg ? cfg : "unknown";
}

/* The BLAS threading model, named. */
const char *
linalg_blas_mode(void)
{
	switch (openblas_get_parallel())
	{
		case 0:
			return "sequential";
		case 1:
			return "pthreads";
		case 2:
			return "openmp";
		default:
			return "unknown";
	}
}

/* Number of threads BLAS will use. */
int
linalg_blas_threads(void)
{
	return openblas_get_num_threads();
}

/*
 * Self-check: solve [[4,2],[2,3]] x = [2,1] (x = [0.5, 0]) and invert the same matrix
 * (inverse = [[3,-2],[-2,4]] / 8), exercising level-1/2 BLAS and LAPACK potrf/potrs/potri.
 */
bool
linalg_self_check(void)
{
	double		A[4] = {4.0, 2.0, 2.0, 3.0};
	double		b[2] = {2.0, 1.0};
	double		Ax[2];
	double		inv[4];
	bool		ok;

	linalg_spd_solve(2, A, NULL, b, "self-check matrix");
	linalg_gemv(false, 2, 2, 1.0, A, b, 0.0, Ax);
	memcpy(inv, A, sizeof(inv));
	linalg_spd_inverse(2, inv, NULL, "self-check matrix");

	ok = fabs(b[0] - 0.5) < 1e-14 && fabs(b[1]) < 1e-14 &&
		fabs(Ax[0] - 2.0) < 1e-14 && fabs(Ax[1] - 1.0) < 1e-14 &&
		fabs(inv[0] - 0.375) < 1e-14 && fabs(inv[1] + 0.25) < 1e-14 &&
		fabs(inv[2] + 0.25) < 1e-14 && fabs(inv[3] - 0.5) < 1e-14 &&
		fabs(linalg_dot(2, b, b) - 0.25) < 1e-14;
	return ok;
}

/* ---- checks ---- */

/* Refuse a matrix dimension that is negative or beyond the supported limit. */
static void
CheckDim(int64 d, const char *what)
{
	if (d < 0)
		elog(ERROR, "clinnova: negative dimension %lld for %s", (long long) d, what);
	if (d > LINALG_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("matrix dimension %lld exceeds the limit of %d for %s",
						(long long) d, LINALG_MAX_DIM, what)));
}

/* Map a LAPACK info code to an error: info < 0 is a bug, info > 0 a singular matrix. */
static void
CheckInfo(blasint info, const char *routine, const char *what)
{
	if (info < 0)
		elog(ERROR, "clinnova: LAPACK %s: argument %d had an illegal value", routine, (int) -info);
	if (info > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s is singular or not positive definite", what),
				 errdetail("LAPACK %s failed at the leading minor of order %d.", routine, (int) info),
				 errhint("Covariates may be collinear or constant; remove redundant terms.")));
}

/* ---- allocation ---- */

/* Zeroed rows x cols matrix; 54000 on overflow or beyond MaxAllocHugeSize. */
double *
linalg_alloc(int64 rows, int64 cols)
{
	Size		bytes;

	if (rows < 0 || cols < 0)
		elog(ERROR, "clinnova: negative matrix size %lld x %lld", (long long) rows, (long long) cols);
	if (rows > 0 && cols > (int64) (MaxAllocHugeSize / sizeof(double)) / rows)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("matrix of %lld x %lld values is too large", (long long) rows, (long long) cols)));
	bytes = (Size) Max(rows * cols, 1) * sizeof(double);
	return palloc_extended(bytes, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

/* ---- BLAS ---- */

/* x . y */
double
linalg_dot(int n, const double *x, const double *y)
{
	CheckDim(n, "dot product");
	if (n == 0)
		return 0.0;
	return cblas_ddot(n, x, 1, y, 1);
}

/* y = alpha op(A) x + beta y */
void
linalg_gemv(bool trans, int m, int n, double alpha, const double *A,
			const double *x, double beta, double *y)
{
	CheckDim(m, "matrix-vector product");
	CheckDim(n, "matrix-vector product");
	if (m == 0 || n == 0)
	{
		int			len = trans ? n : m;
		int			i;

		for (i = 0; i < len; i++)
			y[i] = (beta == 0.0) ? 0.0 : beta * y[i];
		return;
	}
	cblas_dgemv(CblasColMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha, A, m,
				x, 1, beta, y, 1);
}

/* C = alpha op(A) op(B) + beta C */
void
linalg_gemm(bool transa, bool transb, int m, int n, int k, double alpha,
			const double *A, const double *B, double beta, double *C)
{
	CheckDim(m, "matrix product");
	CheckDim(n, "matrix product");
	CheckDim(k, "matrix product");
	if (m == 0 || n == 0)
		return;
	if (k == 0)
	{
		int64		i;

		for (i = 0; i < (int64) m * n; i++)
			C[i] = (beta == 0.0) ? 0.0 : beta * C[i];
		return;
	}
	cblas_dgemm(CblasColMajor, transa ? CblasTrans : CblasNoTrans,
				transb ? CblasTrans : CblasNoTrans, m, n, k, alpha,
				A, transa ? k : m, B, transb ? n : k, beta, C, m);
}

/* C(upper) += alpha R' R, R row-major k x n */
void
linalg_syrk_rows(int n, int k, double alpha, const double *R, double *C)
{
	CheckDim(n, "rank-k update");
	CheckDim(k, "rank-k update");
	if (n == 0 || k == 0)
		return;
	/* Row-major k x n is column-major n x k (call it B); R'R = B B'. */
	cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, n, k, alpha, R, n, 1.0, C, n);
}

/* Lower triangle := upper triangle. */
void
linalg_symmetrize(int n, double *C)
{
	int			i,
				j;

	for (j = 0; j < n; j++)
		for (i = j + 1; i < n; i++)
			C[i + (int64) j * n] = C[j + (int64) i * n];
}

/* ---- symmetric positive definite systems ---- */

/*
 * Aliased columns by a tolerance LDL' decomposition in natural order (R survival's cholesky2
 * rule): pivots below toler * max(diag) or not finite mark a column as aliased.
 */
int
linalg_find_aliased(int n, const double *A, double toler, bool *aliased)
{
	double	   *W;
	double		eps = 0.0;
	int			rank = 0;
	int			i,
				j,
				k;

	CheckDim(n, "aliasing check");
	if (n == 0)
		return 0;
	W = linalg_alloc(n, n);
	memcpy(W, A, sizeof(double) * (Size) n * n);
	for (i = 0; i < n; i++)
		if (W[i + (int64) i * n] > eps)
			eps = W[i + (int64) i * n];
	eps = (eps == 0.0) ? toler : eps * toler;

	/* W[r + c*n] with r > c is the lower triangle, which holds L as the loop proceeds. */
	for (i = 0; i < n; i++)
	{
		double		pivot = W[i + (int64) i * n];

		if (!isfinite(pivot) || pivot < eps)
		{
			aliased[i] = true;
			continue;
		}
		aliased[i] = false;
		rank++;
		for (j = i + 1; j < n; j++)
		{
			double		l = W[j + (int64) i * n] / pivot;

			W[j + (int64) i * n] = l;
			W[j + (int64) j * n] -= l * l * pivot;
			for (k = j + 1; k < n; k++)
				W[k + (int64) j * n] -= l * W[k + (int64) i * n];
		}
	}
	pfree(W);
	return rank;
}

/* Indices of the kept (non-aliased) columns; returns their number. */
static int
KeptColumns(int n, const bool *aliased, int *idx)
{
	int			m = 0;
	int			j;

	for (j = 0; j < n; j++)
		if (aliased == NULL || !aliased[j])
			idx[m++] = j;
	return m;
}

/* Copy the kept rows and columns of A into the m x m matrix S. */
static void
GatherSubmatrix(int n, const double *A, int m, const int *idx, double *S)
{
	int			a,
				b;

	for (b = 0; b < m; b++)
		for (a = 0; a < m; a++)
			S[a + (int64) b * m] = A[idx[a] + (int64) idx[b] * n];
}

/* Cholesky factor (upper) of the m x m matrix S in place. */
static void
FactorSPD(int m, double *S, const char *what)
{
	blasint		bn = m;
	blasint		info = 0;
	char		uplo = 'U';

	BLASFUNC(dpotrf) (&uplo, &bn, S, &bn, &info);
	CheckInfo(info, "dpotrf", what);
}

/* Solve A x = b on the kept columns; x = 0 for aliased ones. */
void
linalg_spd_solve(int n, const double *A, const bool *aliased, double *b, const char *what)
{
	int		   *idx;
	double	   *S;
	double	   *rhs;
	int			m,
				a;
	blasint		bn,
				nrhs = 1,
				info = 0;
	char		uplo = 'U';

	CheckDim(n, what);
	if (n == 0)
		return;
	idx = palloc(sizeof(int) * n);
	m = KeptColumns(n, aliased, idx);
	if (m == 0)
	{
		memset(b, 0, sizeof(double) * n);
		pfree(idx);
		return;
	}
	S = linalg_alloc(m, m);
	rhs = linalg_alloc(m, 1);
	GatherSubmatrix(n, A, m, idx, S);
	for (a = 0; a < m; a++)
		rhs[a] = b[idx[a]];
	FactorSPD(m, S, what);
	bn = m;
	BLASFUNC(dpotrs) (&uplo, &bn, &nrhs, S, &bn, rhs, &bn, &info);
	CheckInfo(info, "dpotrs", what);
	memset(b, 0, sizeof(double) * n);
	for (a = 0; a < m; a++)
		b[idx[a]] = rhs[a];
	pfree(S);
	pfree(rhs);
	pfree(idx);
}

/* Invert A on the kept columns in place; aliased rows and columns become 0. */
void
linalg_spd_inverse(int n, double *A, const bool *aliased, const char *what)
{
	int		   *idx;
	double	   *S;
	int			m,
				a,
				b;
	blasint		bn,
				info = 0;
	char		uplo = 'U';

	CheckDim(n, what);
	if (n == 0)
		return;
	idx = palloc(sizeof(int) * n);
	m = KeptColumns(n, aliased, idx);
	S = linalg_alloc(Max(m, 1), Max(m, 1));
	if (m > 0)
	{
		GatherSubmatrix(n, A, m, idx, S);
		FactorSPD(m, S, what);
		bn = m;
		BLASFUNC(dpotri) (&uplo, &bn, S, &bn, &info);
		CheckInfo(info, "dpotri", what);
		linalg_symmetrize(m, S);
	}
	memset(A, 0, sizeof(double) * (Size) n * n);
	for (b = 0; b < m; b++)
		for (a = 0; a < m; a++)
			A[idx[a] + (int64) idx[b] * n] = S[a + (int64) b * m];
	pfree(S);
	pfree(idx);
}

/* log det of A on the kept columns, from the diagonal of its Cholesky factor. */
double
linalg_spd_logdet(int n, const double *A, const bool *aliased, const char *what)
{
	int		   *idx;
	double	   *S;
	double		logdet = 0.0;
	int			m,
				a;

	CheckDim(n, what);
	if (n == 0)
		return 0.0;
	idx = palloc(sizeof(int) * n);
	m = KeptColumns(n, aliased, idx);
	if (m > 0)
	{
		S = linalg_alloc(m, m);
		GatherSubmatrix(n, A, m, idx, S);
		FactorSPD(m, S, what);
		for (a = 0; a < m; a++)
			logdet += 2.0 * log(S[a + (int64) a * m]);
		pfree(S);
	}
	pfree(idx);
	return logdet;
}

/* ---- cox: routines added for Cox regression ---- */

/* Refuse a row count beyond what a BLAS integer holds. */
static void
CheckRows(int64 n, const char *what)
{
	if (n < 0)
		elog(ERROR, "clinnova: negative row count %lld for %s", (long long) n, what);
	if (n > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%lld rows exceed the limit of %d for %s", (long long) n, PG_INT32_MAX, what)));
}

/* out = X beta, X row-major n x p (column-major p x n, transposed product). */
void
linalg_rows_dot(int64 n, int p, const double *X, const double *beta, double *out)
{
	CheckRows(n, "a linear predictor");
	CheckDim(p, "a linear predictor");
	if (n == 0)
		return;
	if (p == 0)
	{
		memset(out, 0, sizeof(double) * (Size) n);
		return;
	}
	cblas_dgemv(CblasColMajor, CblasTrans, p, (blasint) n, 1.0, X, p, beta, 1, 0.0, out, 1);
}

/* out += alpha X' v, X row-major n x p. */
void
linalg_rows_tdot(int64 n, int p, const double *X, const double *v, double alpha, double *out)
{
	CheckRows(n, "a weighted column sum");
	CheckDim(p, "a weighted column sum");
	if (n == 0 || p == 0)
		return;
	cblas_dgemv(CblasColMajor, CblasNoTrans, p, (blasint) n, alpha, X, p, v, 1, 1.0, out, 1);
}

/* ---- models: routines added for GLM fitting and scoring ---- */

/* Aliased columns of A judged on its correlation-scaled form (see linalg.h). */
int
linalg_find_aliased_scaled(int n, const double *A, double toler, bool *aliased)
{
	double	   *S;
	double	   *scale;
	int			rank;
	int			i,
				j;

	CheckDim(n, "aliasing check");
	if (n == 0)
		return 0;
	S = linalg_alloc(n, n);
	scale = linalg_alloc(n, 1);
	for (j = 0; j < n; j++)
	{
		double		d = A[j + (int64) j * n];

		scale[j] = (isfinite(d) && d > 0.0) ? 1.0 / sqrt(d) : 0.0;
	}
	for (j = 0; j < n; j++)
		for (i = 0; i < n; i++)
			S[i + (int64) j * n] = (scale[i] == 0.0 || scale[j] == 0.0) ? 0.0 :
				A[i + (int64) j * n] * scale[i] * scale[j];
	rank = linalg_find_aliased(n, S, toler, aliased);
	pfree(S);
	pfree(scale);
	return rank;
}
