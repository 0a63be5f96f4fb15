/*
 * survdist.c — the normal and chi-square distribution functions the survival module needs:
 * normal quantiles for confidence levels, normal and chi-square upper tails for p-values.
 *
 * All three are built on the C library's erfc/exp/lgamma (accurate to a few units in the last
 * place), so results agree with R's qnorm/pnorm/pchisq to about 1e-15 relative.  Upper tails
 * are computed directly (never as 1 - lower tail), so small p-values keep full relative
 * precision down to the underflow threshold.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "survfit.h"

/* Upper tail of the standard normal: P(Z > z). */
double
surv_pnorm_upper(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

/*
 * The z with P(Z > z) = alpha, 0 < alpha < 1.
 *
 * Start from the rational approximation of Abramowitz and Stegun 26.2.23 (absolute error
 * < 4.5e-4), then Newton steps on P(Z > z) - alpha, whose derivative is -phi(z); the error
 * squares at every step, so a few steps reach the accuracy of erfc.
 */
double
surv_qnorm_upper(double alpha)
{
	double		p,
				t,
				z;
	int			i;

	if (!(alpha > 0 && alpha < 1))
		return NAN;
	if (alpha == 0.5)
		return 0;
	p = alpha < 0.5 ? alpha : 1 - alpha;
	t = sqrt(-2 * log(p));
	z = t - (2.515517 + t * (0.802853 + t * 0.010328)) /
		(1 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
	if (alpha > 0.5)
		z = -z;
	for (i = 0; i < 50; i++)
	{
		double		phi = exp(-0.5 * z * z) / sqrt(2 * M_PI);
		double		step = (surv_pnorm_upper(z) - alpha) / phi;

		z += step;
		if (fabs(step) <= 4 * DBL_EPSILON * fabs(z))
			break;
	}
	return z;
}

/*
 * Upper tail of the chi-square distribution with df (>= 1, integer) degrees of freedom at
 * x >= 0: the regularized upper incomplete gamma Q(df/2, x/2), in closed form for integer df:
 *   even df = 2m:     Q = sum_{j<m} e^{-y} y^j / j!
 *   odd  df = 2m+1:   Q = erfc(sqrt y) + sum_{j<m} e^{-y} y^{j+1/2} / Gamma(j + 3/2)
 * with y = x/2.  Terms are positive and summed in log scale relative to the largest, so
 * neither e^{-y} nor y^j over- or underflows before the sum does.
 */
double
surv_pchisq_upper(double x, int df)
{
	double		y = x / 2;
	double		lmax = -INFINITY,
				sum = 0,
				base;
	int			m = df / 2;
	bool		odd = (df % 2) == 1;
	int			j;

	if (df < 1 || isnan(x))
		return NAN;
	if (x <= 0)
		return 1;
	if (isinf(x))
		return 0;
	base = odd ? erfc(sqrt(y)) : 0;
	if (m == 0)
		return base;
	/* log of term j */
#define LOGTERM(j) (odd ? -y + ((j) + 0.5) * log(y) - lgamma((j) + 1.5) \
					: -y + (j) * log(y) - lgamma((j) + 1.0))
	for (j = 0; j < m; j++)
		lmax = Max(lmax, LOGTERM(j));
	for (j = 0; j < m; j++)
		sum += exp(LOGTERM(j) - lmax);
#undef LOGTERM
	return base + sum * exp(lmax);
}
