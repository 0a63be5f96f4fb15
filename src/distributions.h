/*
 * distributions.h — the normal, chi-square and Student t distribution functions every module
 * reports with: confidence intervals (normal and t quantiles) and p-values (normal, chi-square
 * and t upper tails), as R's qnorm/pnorm/pchisq/pt/qt compute them.  Upper tails are computed
 * directly, never as 1 - lower tail, so small p-values keep their relative precision.
 * Accurate to a few ulps in the centre and to ~1e-13 relative in the tails.
 */
#ifndef CLINNOVA_DISTRIBUTIONS_H
#define CLINNOVA_DISTRIBUTIONS_H

/* P(Z > z) for a standard normal Z. */
extern double dist_norm_upper(double z);

/* The p-quantile of the standard normal distribution, 0 < p < 1 (NaN outside). */
extern double dist_norm_quantile(double p);

/* P(T <= t) for Student's t with df > 0 degrees of freedom. */
extern double dist_t_cdf(double t, double df);

/* P(|T| >= |t|), R's 2 * pt(-abs(t), df). */
extern double dist_t_two_sided(double t, double df);

/* The p-quantile of Student's t with df > 0 degrees of freedom, 0 < p < 1 (NaN outside). */
extern double dist_t_quantile(double p, double df);

/*
 * P(X > x) for X ~ chi-square with df > 0 degrees of freedom (R's pchisq(x, df, lower = FALSE)).
 * NaN for NaN input or df <= 0; 1 for x <= 0; 0 for x = Infinity.
 */
extern double dist_chisq_upper(double x, double df);

#endif							/* CLINNOVA_DISTRIBUTIONS_H */
