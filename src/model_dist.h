/*
 * model_dist.h — the normal and Student t distributions needed for inference on fitted models
 * (Wald p-values and confidence intervals as R's summary.glm, confint.default and confint.lm
 * compute them).  Accurate to a few ulps in the centre and to ~1e-13 relative in the tails.
 */
#ifndef CLINNOVA_MODEL_DIST_H
#define CLINNOVA_MODEL_DIST_H

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

#endif							/* CLINNOVA_MODEL_DIST_H */
