/*
 * coxdist.c — the distribution functions the Cox module reports with: chi-square upper tail
 * probabilities (Wald, score, likelihood-ratio and z tests) and normal quantiles (confidence
 * intervals).
 *
 * Accuracy matters in the far tail: a p-value of 6.6e-11 must come out to 1e-8 relative, so
 * the upper tail is computed directly (continued fraction for the regularized incomplete
 * gamma function Q(a, x), erfc for one degree of freedom, exp for two) rather than as 1 - P.
 * The normal quantile is refined from a rough start by Halley steps on erfc, which converge
 * to full double precision in two or three steps.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "coxph.h"

/* Largest number of terms of the incomplete gamma series or continued fraction. */
#define GAMMA_MAX_TERMS 100000

/* log of x^a e^-x / Gamma(a), the common factor of the incomplete gamma expansions. */
static double
GammaLogFactor(double a, double x)
{
	return a * log(x) - x - lgamma(a);
}

/* P(a, x) by its power series; converges quickly for x < a + 1. */
static double
GammaSeriesP(double a, double x)
{
	double		sum = 1.0 / a;
	double		term = sum;
	int			k;

	for (k = 1; k < GAMMA_MAX_TERMS; k++)
	{
		term *= x / (a + k);
		sum += term;
		if (fabs(term) < fabs(sum) * 1e-17)
			break;
	}
	return sum * exp(GammaLogFactor(a, x));
}

/* Q(a, x) by its continued fraction (modified Lentz); converges quickly for x >= a + 1. */
static double
GammaFractionQ(double a, double x)
{
	const double tiny = 1e-300;
	double		b = x + 1.0 - a;
	double		c = 1.0 / tiny;
	double		d = 1.0 / b;
	double		h = d;
	int			k;

	for (k = 1; k < GAMMA_MAX_TERMS; k++)
	{
		double		an = -k * (k - a);
		double		delta;

		b += 2.0;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		delta = d * c;
		h *= delta;
		if (fabs(delta - 1.0) < 1e-17)
			break;
	}
	return exp(GammaLogFactor(a, x)) * h;
}

/*
 * P(X > x) for X ~ chi-square with df degrees of freedom (R's pchisq(x, df, lower = FALSE)).
 * NaN for NaN input or df <= 0; 1 for x <= 0; 0 for x = Infinity.
 */
double
cox_pchisq_upper(double x, double df)
{
	double		a = df / 2.0;
	double		h = x / 2.0;

	if (isnan(x) || isnan(df) || df <= 0)
		return NAN;
	if (x <= 0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	if (df == 1.0)
		return erfc(sqrt(h));
	if (df == 2.0)
		return exp(-h);
	if (h < a + 1.0)
		return 1.0 - GammaSeriesP(a, h);
	return GammaFractionQ(a, h);
}

/* Phi(x) - p computed without cancellation for x < 0 (lower tail). */
static double
NormalLowerTail(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

/*
 * The standard normal quantile (R's qnorm(p)).  Start from the Abramowitz-Stegun 26.2.23
 * rational approximation (error < 4.5e-4) of the lower tail and polish it with Halley steps;
 * p > 0.5 is reflected through 1 - p, which is exact in floating point.
 */
double
cox_qnorm(double p)
{
	double		q,
				t,
				x;
	int			i;
	bool		upper;

	if (isnan(p) || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	if (p == 0.5)
		return 0.0;
	upper = p > 0.5;
	q = upper ? 1.0 - p : p;	/* lower-tail probability below 0.5 */

	t = sqrt(-2.0 * log(q));
	x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
		  (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
	for (i = 0; i < 8; i++)
	{
		double		e = NormalLowerTail(x) - q;
		double		u = e * sqrt(2.0 * M_PI) * exp(x * x / 2.0);
		double		step = u / (1.0 + x * u / 2.0);

		x -= step;
		if (fabs(step) <= 1e-16 * fabs(x))
			break;
	}
	return upper ? -x : x;
}
