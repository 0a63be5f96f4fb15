/*
 * distributions.c — normal, chi-square and Student t distribution functions (see
 * distributions.h).
 *
 * Normal: the upper tail from erfc (relative accuracy is kept far into the tail); the quantile
 * by Halley's method on that tail function from a rough rational start, which converges
 * cubically to full precision in two or three steps.
 *
 * Student t: through the regularized incomplete beta function,
 *   P(|T| >= |t|) = I_x(df/2, 1/2) with x = df / (df + t^2),
 * evaluated by its continued fraction (modified Lentz) on the side where it converges, and
 * the t quantile by safeguarded Newton steps on the cdf.  log B(a, b) uses a Stirling
 * difference for large arguments so that p-values of fits with millions of rows keep their
 * relative accuracy (lgamma(a) - lgamma(a + 1/2) would cancel catastrophically).
 */
#include "postgres.h"

#include <math.h>

#include "distributions.h"

#define SQRT_2		1.41421356237309504880
#define LN_SQRT_2PI 0.918938533204672741780
#define CF_MAX_ITER 200000
#define CF_EPS		1e-16
#define CF_TINY		1e-300

/* P(Z > z). */
double
dist_norm_upper(double z)
{
	return 0.5 * erfc(z / SQRT_2);
}

/* Standard normal density. */
static double
NormDensity(double z)
{
	return exp(-0.5 * z * z - LN_SQRT_2PI);
}

/*
 * Normal quantile by Halley's method.  In the tails the equation is P(Z > x) = q with q the
 * smaller tail probability, so that tiny probabilities keep their relative precision; in the
 * centre (q > 1/4) it is erf(x / sqrt 2) / 2 = 1/2 - q (exact), which keeps relative precision
 * for small x.  p > 1/2 follows by symmetry.
 */
double
dist_norm_quantile(double p)
{
	double		q,
				t,
				x;
	bool		central;
	int			i;

	if (!(p > 0.0 && p < 1.0))
		return (p == 0.0) ? -INFINITY : (p == 1.0) ? INFINITY : NAN;
	if (p == 0.5)
		return 0.0;
	q = (p < 0.5) ? p : 1.0 - p;	/* exact for p in [1/2, 1) */
	central = (q > 0.25);

	/* start: Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4), or the linear term centrally */
	if (central)
		x = (0.5 - q) * 2.5066282746310002;
	else
	{
		t = sqrt(-2.0 * log(q));
		x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
			(1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
	}

	/* Halley on f(x) = F(x) - target with f' = phi(x) and f'' = -x phi(x) */
	for (i = 0; i < 20; i++)
	{
		double		f = central ? 0.5 * erf(x / SQRT_2) - (0.5 - q) : q - dist_norm_upper(x);
		double		d = NormDensity(x);
		double		step;

		if (d == 0.0)
			break;
		step = f / d;
		step = step / (1.0 + 0.5 * x * step);
		x -= step;
		if (fabs(step) <= 1e-16 * fabs(x))
			break;
	}
	return (p < 0.5) ? -x : x;
}

/*
 * Stirling series remainder of log Gamma: lgamma(x) = (x - 1/2) log x - x + log sqrt(2 pi)
 * + LgammaCorrection(x), for x >= 30 (truncation error below 1e-17 there).
 */
static double
LgammaCorrection(double x)
{
	double		x2 = 1.0 / (x * x);

	return (1.0 / 12.0 - x2 * (1.0 / 360.0 - x2 * (1.0 / 1260.0 - x2 * (1.0 / 1680.0)))) / x;
}

/* log B(a, b) for a, b > 0, accurate also when one argument is very large. */
static double
LogBeta(double a, double b)
{
	double		small = fmin(a, b);
	double		big = fmax(a, b);

	if (big < 30.0)
		return lgamma(a) + lgamma(b) - lgamma(a + b);

	/*
	 * lgamma(big) - lgamma(big + small) by Stirling:
	 * (big - 1/2) log big - (big + small - 1/2) log(big + small) + small + corrections
	 * = -(big - 1/2) log1p(small / big) - small log(big + small) + small + corrections.
	 */
	return lgamma(small)
		- (big - 0.5) * log1p(small / big) - small * log(big + small) + small
		+ LgammaCorrection(big) - LgammaCorrection(big + small);
}

/* One modified-Lentz update with partial numerator aa; returns the factor applied to h. */
static inline double
LentzStep(double aa, double *c, double *d)
{
	*d = 1.0 + aa * *d;
	if (fabs(*d) < CF_TINY)
		*d = CF_TINY;
	*c = 1.0 + aa / *c;
	if (fabs(*c) < CF_TINY)
		*c = CF_TINY;
	*d = 1.0 / *d;
	return *d * *c;
}

/*
 * Continued fraction of I_x(a, b) (converges for x < (a + 1) / (a + b + 2)); y = 1 - x.  The
 * first denominator 1 - (a + b) x / (a + 1) is formed as ((1 - b) + (a + b) y) / (a + 1),
 * which does not cancel when x is close to 1 and a is large.
 */
static double
BetaContinuedFraction(double a, double b, double x, double y)
{
	double		c = 1.0,
				d,
				h;
	int			m;

	d = ((1.0 - b) + (a + b) * y) / (a + 1.0);
	if (fabs(d) < CF_TINY)
		d = CF_TINY;
	d = 1.0 / d;
	h = d;
	for (m = 1; m < CF_MAX_ITER; m++)
	{
		double		m2 = 2.0 * m;
		double		delta;

		h *= LentzStep(m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)), &c, &d);	/* even */
		delta = LentzStep(-(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)), &c, &d);	/* odd */
		h *= delta;
		if (fabs(delta - 1.0) < CF_EPS)
			break;
	}
	return h;
}

/*
 * Regularized incomplete beta I_x(a, b).  The caller gives x and y = 1 - x, and their logs,
 * each computed without cancellation: for the t distribution with large df, log x is
 * -log1p(t^2/df), and a * log(x) is only accurate when log x is.
 */
static double
IncompleteBeta(double a, double b, double x, double y, double logx, double logy)
{
	double		logfront;

	if (x <= 0.0)
		return 0.0;
	if (y <= 0.0)
		return 1.0;
	logfront = a * logx + b * logy - LogBeta(a, b);
	if (x < (a + 1.0) / (a + b + 2.0))
		return exp(logfront) * BetaContinuedFraction(a, b, x, y) / a;
	return 1.0 - exp(logfront) * BetaContinuedFraction(b, a, y, x) / b;
}

/*
 * For very large df the continued fraction is ill-conditioned (its odd terms approach -1 and
 * their small remainders carry the answer), losing about log10(df) - 5 digits; there the
 * normal approximation of Abramowitz & Stegun 26.7.8, z = t (1 - 1/(4 df)) / sqrt(1 + t^2 /
 * (2 df)), is used instead whenever its relative error (about 0.05 t^6 / df^2, measured against
 * 40-digit arithmetic) is below 1e-15.  Worst remaining error: ~1e-11 at df = 1e6, ~1e-9 at
 * df = 1e8, in the tail region where neither method is exact in double precision.
 */
static bool
UseNormalApproximation(double t2, double df)
{
	return df > 1e5 && 0.05 * t2 * t2 * t2 < 1e-15 * df * df;
}

/* The normal deviate equivalent to t on df degrees of freedom (A&S 26.7.8). */
static double
NormalEquivalent(double t, double df)
{
	double		v = 1.0 / (4.0 * df);

	return t * (1.0 - v) / sqrt(1.0 + t * t * 2.0 * v);
}

/* P(|T| >= |t|) = I_x(df/2, 1/2), x = df / (df + t^2). */
double
dist_t_two_sided(double t, double df)
{
	double		t2;

	if (isnan(t) || !(df > 0.0))
		return NAN;
	if (isinf(t))
		return 0.0;
	if (isinf(df))
		return 2.0 * dist_norm_upper(fabs(t));
	t2 = t * t;
	if (UseNormalApproximation(t2, df))
		return 2.0 * dist_norm_upper(NormalEquivalent(fabs(t), df));
	return IncompleteBeta(0.5 * df, 0.5, df / (df + t2), t2 / (df + t2),
						  -log1p(t2 / df), log(t2) - log(df + t2));
}

/* P(0 <= T <= |t|) = I_y(1/2, df/2) / 2, y = t^2 / (df + t^2): accurate for small t. */
static double
TCentral(double t, double df)
{
	double		t2 = t * t;

	if (t2 == 0.0)
		return 0.0;
	if (UseNormalApproximation(t2, df))
		return 0.5 * erf(NormalEquivalent(fabs(t), df) / SQRT_2);
	return 0.5 * IncompleteBeta(0.5, 0.5 * df, t2 / (df + t2), df / (df + t2),
								log(t2) - log(df + t2), -log1p(t2 / df));
}

/* P(T <= t). */
double
dist_t_cdf(double t, double df)
{
	double		tail = 0.5 * dist_t_two_sided(t, df);

	return (t < 0.0) ? tail : 1.0 - tail;
}

/* Student t density. */
static double
TDensity(double t, double df)
{
	return exp(-LogBeta(0.5 * df, 0.5) - 0.5 * log(df) - 0.5 * (df + 1.0) * log1p(t * t / df));
}

/*
 * t quantile for x > 0 with upper tail probability q: Newton steps from the normal quantile
 * with the Cornish-Fisher correction, kept inside a bracket that shrinks with every step
 * (bisection when Newton leaves it).  In the centre (q > 1/4) the equation is written as
 * P(0 <= T <= x) = 1/2 - q (exact), whose left side keeps relative precision for small x.
 */
static double
TUpperQuantile(double q, double df)
{
	bool		central = (q > 0.25);
	double		c = 0.5 - q;
	double		z = -dist_norm_quantile(q);
	double		x,
				lo = 0.0,
				hi = INFINITY;
	int			i;

	x = z + (z * z * z + z) / (4.0 * df) +
		(5.0 * pow(z, 5) + 16.0 * z * z * z + 3.0 * z) / (96.0 * df * df);
	if (!(x > 0.0) || !isfinite(x))
		x = fmax(z, 1e-300);
	for (i = 0; i < 200; i++)
	{
		/* f increases with x in both forms */
		double		f = central ? TCentral(x, df) - c : q - 0.5 * dist_t_two_sided(x, df);
		double		next;

		if (f == 0.0)
			return x;
		if (f < 0.0)
			lo = x;
		else
			hi = x;
		next = x - f / TDensity(x, df);
		if (!(next > lo && next < hi))
			next = isinf(hi) ? 2.0 * x : 0.5 * (lo + hi);
		if (fabs(next - x) <= 2e-16 * fabs(next))
			return next;
		x = next;
	}
	return x;
}

/* The p-quantile of Student's t. */
double
dist_t_quantile(double p, double df)
{
	double		q,
				x;

	if (!(p > 0.0 && p < 1.0) || !(df > 0.0))
		return (p == 0.0) ? -INFINITY : (p == 1.0) ? INFINITY : NAN;
	if (p == 0.5)
		return 0.0;
	if (isinf(df))
		return dist_norm_quantile(p);
	q = (p < 0.5) ? p : 1.0 - p;	/* exact for p in [1/2, 1) */
	if (df == 1.0)
		x = 1.0 / tan(M_PI * q);	/* Cauchy */
	else if (df == 2.0)
		x = (1.0 - 2.0 * q) / sqrt(2.0 * q * (1.0 - q));
	else
		x = TUpperQuantile(q, df);
	return (p < 0.5) ? -x : x;
}

/* ---- chi-square ---- */

/*
 * Chi-square: the regularized upper incomplete gamma Q(df/2, x/2), by its power series where
 * that converges fast (x < a + 1, where Q is not small, so 1 - P loses nothing that matters)
 * and by its continued fraction otherwise (which keeps relative precision in the far tail);
 * erfc and exp in closed form for 1 and 2 degrees of freedom.
 */

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
dist_chisq_upper(double x, double df)
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
