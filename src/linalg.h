/*
 * linalg.h — the extension's only door to BLAS and LAPACK.
 *
 * Conventions: matrices are dense, column-major, leading dimension = number of rows.  Symmetric
 * matrices are n x n with both triangles valid on entry and on return unless a function says
 * otherwise.  Every function checks its sizes before calling the library; LAPACK info < 0 is an
 * internal error, info > 0 (a singular or indefinite matrix) is a DATA_EXCEPTION with a hint.
 * Memory comes from palloc in the caller's current memory context.
 */
#ifndef CLINNOVA_LINALG_H
#define CLINNOVA_LINALG_H

#include "postgres.h"

/* ---- library setup and facts ---- */

/* Pin BLAS to one thread (called from _PG_init). */
extern void linalg_init(void);

/* The BLAS library's own configuration string (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ..."). */
extern const char *linalg_blas_config(void);

/* The BLAS threading model: "sequential", "pthreads" or "openmp". */
extern const char *linalg_blas_mode(void);

/* Number of threads BLAS will use. */
extern int	linalg_blas_threads(void);

/* Solve a small system with a known answer through BLAS and LAPACK; true when correct. */
extern bool linalg_self_check(void);

/* ---- allocation ---- */

/* palloc0 an rows x cols double matrix; 54000 if the size overflows or exceeds the limits. */
extern double *linalg_alloc(int64 rows, int64 cols);

/* ---- BLAS level 1-3 ---- */

/* x . y for n elements. */
extern double linalg_dot(int n, const double *x, const double *y);

/* y = alpha * A x + beta * y, A m x n column-major (trans: A' x, x of length m). */
extern void linalg_gemv(bool trans, int m, int n, double alpha, const double *A,
						const double *x, double beta, double *y);

/* C = alpha * op(A) op(B) + beta * C, C m x n, op(A) m x k, op(B) k x n, all column-major. */
extern void linalg_gemm(bool transa, bool transb, int m, int n, int k, double alpha,
						const double *A, const double *B, double beta, double *C);

/*
 * Rank-k update of the symmetric n x n matrix C: C += alpha * R' R, where R holds k rows of n
 * values each, stored row after row (row-major k x n).  Only the upper triangle of C is
 * updated; call linalg_symmetrize before reading the lower one.
 */
extern void linalg_syrk_rows(int n, int k, double alpha, const double *R, double *C);

/* Copy the upper triangle of the n x n matrix C into its lower triangle. */
extern void linalg_symmetrize(int n, double *C);

/* ---- symmetric positive definite systems (LAPACK) ---- */

/*
 * Find aliased (linearly dependent) columns of the symmetric positive semi-definite matrix A the
 * way R's survival::cholesky2 does: an LDL' decomposition in natural column order, a column being
 * dropped when its pivot falls below toler times the largest diagonal element.  A is not
 * modified.  aliased[j] is set for each dropped column; returns the rank.
 */
extern int	linalg_find_aliased(int n, const double *A, double toler, bool *aliased);

/*
 * Solve A x = b for the symmetric positive definite A restricted to the columns with
 * aliased[j] == false (aliased may be NULL); entries of x for aliased columns are 0.  b is
 * overwritten by x.  A is not modified.  what names the matrix in error messages.
 */
extern void linalg_spd_solve(int n, const double *A, const bool *aliased, double *b,
							 const char *what);

/*
 * Invert the symmetric positive definite A restricted to the non-aliased columns, in place;
 * rows and columns of aliased terms are set to 0.  Both triangles are valid on return.
 */
extern void linalg_spd_inverse(int n, double *A, const bool *aliased, const char *what);

/*
 * log(det(A)) of the symmetric positive definite A restricted to the non-aliased columns (from its
 * Cholesky factor).
 */
extern double linalg_spd_logdet(int n, const double *A, const bool *aliased, const char *what);

/* ---- cox ---- */

/*
 * out[i] = X[i,] . beta for the n rows of the row-major n x p matrix X (one BLAS dgemv, for
 * n beyond the 100000 limit of linalg_gemv; n <= INT32_MAX).
 */
extern void linalg_rows_dot(int64 n, int p, const double *X, const double *beta, double *out);

/* out += alpha * X' v for the row-major n x p matrix X and an n-vector v (p-vector out). */
extern void linalg_rows_tdot(int64 n, int p, const double *X, const double *v, double alpha,
							 double *out);

/* ---- models ---- */

/*
 * linalg_find_aliased on A scaled to unit diagonal (D^-1/2 A D^-1/2), so that the test is per
 * column and scale-free: column j is aliased when the part of it not explained by the earlier
 * kept columns has less than toler of its own (weighted) sum of squares.  Columns with a zero
 * or non-finite diagonal are aliased.  Returns the rank.
 */
extern int	linalg_find_aliased_scaled(int n, const double *A, double toler, bool *aliased);

#endif							/* CLINNOVA_LINALG_H */
