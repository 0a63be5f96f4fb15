/*
 * cif.c — competing risks: the cif aggregates (a risk table with one event column per cause)
 * and cif_table, the Aalen-Johansen cumulative incidence per cause with R's
 * infinitesimal-jackknife standard errors (survfit(Surv(time, factor(cause)) ~ 1)).
 *
 * Aalen-Johansen for competing risks: with S the all-cause Kaplan-Meier,
 *     F_k(t) = sum_{s <= t} S(s-) d_k(s) / n(s).
 * Influence of a subject leaving at u with status j (0 = censored) on F_k(t), as for KM (see
 * survcurve.c) shared by everybody with the same (u, j):
 *     t <  u:  A_k(t) = sum_{s <= t} S(s-) (d_k/n) G(s-) - S(s-) d_k / n^2          (common)
 *     t >= u:  U(u) - D(u) (F_k(t) - F_k(u)),   U(u) = A_k(u) + [j = k] S(u-)/n(u),
 *              D(u) = [j > 0] / (n(u) - d(u)) - G(u)
 * so the variance sum_i w_i^2 U_i(t)^2 is, with a_g = U + D F_k(u) and b_g = D per group,
 *     sum_{left} W2 (a_g - b_g F_k(t))^2 + A_k(t)^2 W2(still at risk after t),
 * three running sums per cause.  R (survfitaj) computes the same subject by subject.
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/tuplestore.h"

#include "clinnova.h"
#include "survfit.h"

/* The state argument, created in the aggregate context with room for cause causes. */
static inline SurvState *
CifGetState(FunctionCallInfo fcinfo, int cause, bool weighted)
{
	MemoryContext aggcxt;
	SurvState  *st;

	if (!PG_ARGISNULL(0))
	{
		st = (SurvState *) PG_GETARG_POINTER(0);
		if (unlikely(cause > st->ncause))
			SurvStateReshape(st, cause, st->weighted);
		return st;
	}
	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "clinnova: cif transition function called outside an aggregate");
	return SurvStateCreate(aggcxt, Max(cause, 1), weighted);
}

/* 22023 unless cause is 0..SURVFIT_MAX_CAUSES. */
static inline void
CifCheckCause(int32 cause)
{
	if (unlikely(cause < 0 || cause > SURVFIT_MAX_CAUSES))
		SurvReportBadCause(cause);
}

PG_FUNCTION_INFO_V1(cif_transfn);
/* cif(time float8, cause integer) transition: cause 0 = censored, 1..64 = competing events. */
Datum
cif_transfn(PG_FUNCTION_ARGS)
{
	double		t;
	int32		cause;
	SurvState  *st;
	double	   *slot;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	t = PG_GETARG_FLOAT8(1);
	SurvCheckTime(t, "time");
	cause = PG_GETARG_INT32(2);
	CifCheckCause(cause);
	st = CifGetState(fcinfo, cause, false);
	slot = SurvStateSlot(st, t + 0.0);
	slot[cause == 0 ? st->ncause : cause - 1] += 1;
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(cif_weighted_transfn);
/* cif(time float8, cause integer, weight float8) transition; weight 0 rows are skipped. */
Datum
cif_weighted_transfn(PG_FUNCTION_ARGS)
{
	double		t,
				w;
	int32		cause;
	SurvState  *st;
	double	   *slot;
	int			k,
				wb;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	t = PG_GETARG_FLOAT8(1);
	SurvCheckTime(t, "time");
	cause = PG_GETARG_INT32(2);
	CifCheckCause(cause);
	w = PG_GETARG_FLOAT8(3);
	SurvCheckWeight(w);
	if (w == 0)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	st = CifGetState(fcinfo, cause, true);
	slot = SurvStateSlot(st, t + 0.0);
	k = st->ncause;
	wb = SURV_SLOT_W(st);
	if (cause == 0)
	{
		slot[k] += 1;
		slot[wb + 2 * k] += w;
		slot[wb + 2 * k + 1] += w * w;
	}
	else
	{
		slot[cause - 1] += 1;
		slot[wb + cause - 1] += w;
		slot[wb + k + cause - 1] += w * w;
	}
	if (w != floor(w))
		st->fractional = true;
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(cif_table);
/*
 * cif_table(curve, conf_type, conf_level): per exit time, one row for the event-free state
 * (cause 0: R's pstate "(s0)", the all-cause KM) and one per cause with its cumulative
 * incidence, standard error (probability scale), confidence limits and cause-specific
 * cumulative hazard.  As R's multi-state survfit, n_risk, n_event and n_censor count people
 * even with case weights (the estimates use the weights).  Tables with late entries have no
 * standard errors (NULL).
 */
Datum
cif_table(PG_FUNCTION_ARGS)
{
	Survfit    *sf = PG_GETARG_SURVFIT_P(0);
	SurvConfType ct = SurvParseConfType(PG_GETARG_TEXT_PP(1));
	double		z = SurvConfZ(PG_GETARG_FLOAT8(2));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SurvTable	t;
	SurvRisk	r;
	int			K,
				i,
				j,
				k;
	bool		has_se;
	double		S = 1,
				G = 0,
				done0 = 0,
				se0 = 0,
				chaz0 = 0,
				after = 0;
	double	   *F,
			   *A,
			   *chaz,
			   *sa2,
			   *sab,
			   *sb2,
			   *var,
			   *w2after;

	InitMaterializedSRF(fcinfo, 0);
	SurvTableInit(&t, sf);
	SurvRiskCompute(&r, &t);
	K = t.ncause;
	has_se = !t.has_entry;
	F = palloc0(sizeof(double) * K);
	A = palloc0(sizeof(double) * K);
	chaz = palloc0(sizeof(double) * K);
	sa2 = palloc0(sizeof(double) * K);
	sab = palloc0(sizeof(double) * K);
	sb2 = palloc0(sizeof(double) * K);
	var = palloc0(sizeof(double) * K);
	w2after = palloc(sizeof(double) * r.ntime);
	for (i = r.ntime - 1; i >= 0; i--)
	{
		w2after[i] = after;
		after += r.d2[i] + r.c2[i];
	}

	for (i = 0; i < r.ntime; i++)
	{
		double		n = r.n[i],
					d = r.d[i],
					Sm = S,
					Gm = G,
					cu = 0;

		CHECK_FOR_INTERRUPTS();
		if (d > 0)
		{
			for (k = 0; k < K; k++)
			{
				double		dk = t.ev_w[k][i];

				if (dk > 0)
				{
					F[k] += Sm * dk / n;
					A[k] += Sm * dk / n * Gm - Sm * dk / (n * n);
					chaz[k] += dk / n;
				}
			}
			S *= (n - d) / n;
			chaz0 += d / n;
		}
		if (has_se)
		{
			/*
			 * Censorings alone change no variance (see survcurve.c): the reported values are
			 * recomputed at event times only, so that they stay bit-identical along flat
			 * stretches; the groups leaving are always moved into the running sums.
			 */
			if (n > d)
			{
				cu = 1 / (n - d);
				G += d / (n * (n - d));
			}
			for (k = 0; k < K; k++)
			{
				/* groups that left earlier, groups leaving now, everybody still at risk */
				double		v = sa2[k] - 2 * F[k] * sab[k] + F[k] * F[k] * sb2[k];

				for (j = 0; j <= K; j++)
				{
					double		w2 = (j < K) ? t.ev_w2[j][i] : r.c2[i];
					double		U = A[k] + ((j == k) ? Sm / n : 0);

					if (w2 > 0)
					{
						v += w2 * U * U;
						if (n > d)
						{
							double		D = (j < K) ? cu - G : -G;
							double		a = U + D * F[k];

							sa2[k] += w2 * a * a;
							sab[k] += w2 * a * D;
							sb2[k] += w2 * D * D;
						}
					}
				}
				if (d > 0)
					var[k] = v + A[k] * A[k] * w2after[i];
			}
			if (n > d)
			{
				done0 += r.d2[i] * (cu - G) * (cu - G) + r.c2[i] * G * G;
				if (d > 0)
					se0 = S * sqrt(done0 + G * G * w2after[i]);
			}
			else
				se0 = 0;		/* S = 0: R's robust se is 0 */
		}
		if (r.dn[i] + r.cn[i] == 0)
			continue;			/* late entries only */
		for (k = -1; k < K; k++)
		{
			Datum		values[10];
			bool		nulls[10] = {false};
			double		p = (k < 0) ? S : F[k];
			double		se = (k < 0) ? se0 : sqrt(Max(var[k], 0.0));
			double		lo = 0,
						hi = 0;
			bool		lon = true,
						hin = true;

			if (has_se)
				SurvConfInt(p, se == 0 ? 0 : se / p, ct, z, &lo, &lon, &hi, &hin);
			values[0] = Float8GetDatum(r.time[i]);
			values[1] = Int32GetDatum(k + 1);
			values[2] = Float8GetDatum(r.nn[i]);
			values[3] = Float8GetDatum((k < 0) ? 0 : t.ev_n[k][i]);
			values[4] = Float8GetDatum(p);
			values[5] = Float8GetDatum(se);
			nulls[5] = !has_se;
			values[6] = Float8GetDatum(lo);
			nulls[6] = lon;
			values[7] = Float8GetDatum(hi);
			nulls[7] = hin;
			values[8] = Float8GetDatum(r.cn[i]);
			values[9] = Float8GetDatum((k < 0) ? chaz0 : chaz[k]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
