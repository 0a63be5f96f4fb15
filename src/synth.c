/*
 * synth.c — SQL set-returning functions of the synthetic cohort generator.
 *
 * clinnova.synth_person / synth_observation_period / synth_condition_occurrence /
 * synth_drug_exposure / synth_measurement give a site's source data shaped like the OMOP CDM 5.4
 * tables of the same names; clinnova.synth_treatment_episode gives the analysis-ready table of
 * treatment episodes cut from the same stories (not OMOP's oncology EPISODE table).  All take (site, n, seed, first_person) and return the
 * rows of persons first_person .. first_person + n - 1; synth_model.c draws the stories.
 *
 * The functions fill a tuplestore in one call (materialize mode).  Rows of one person are built
 * in a short-lived memory context reset after each person, so memory stays flat however many
 * persons are generated; the tuplestore spills to disk beyond work_mem, which is why large
 * cohorts are best generated in chunks (LATERAL over generate_series, see README).
 *
 * The catalogue functions synth_sites, synth_drugs and synth_lab_map expose the coding
 * conventions of the sites and the local-lab-code-to-LOINC map a harmonisation needs.
 */
#include "postgres.h"

#include <math.h>

#include "datatype/timestamp.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/date.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "clinnova.h"
#include "synth.h"

PG_FUNCTION_INFO_V1(synth_sites);
PG_FUNCTION_INFO_V1(synth_drugs);
PG_FUNCTION_INFO_V1(synth_lab_map);
PG_FUNCTION_INFO_V1(synth_person);
PG_FUNCTION_INFO_V1(synth_observation_period);
PG_FUNCTION_INFO_V1(synth_condition_occurrence);
PG_FUNCTION_INFO_V1(synth_drug_exposure);
PG_FUNCTION_INFO_V1(synth_measurement);
PG_FUNCTION_INFO_V1(synth_treatment_episode);

#define SYNTH_MAX_COLUMNS 32
#define OMOP_NO_CONCEPT 0		/* OMOP concept_id 0: "No matching concept" (not yet mapped) */
#define OMOP_MALE		8507	/* OMOP standard gender concepts */
#define OMOP_FEMALE		8532

/*
 * One call of a table function: where rows go and the values of the row being built.
 * Invariant: natts equals the number of OUT columns the SQL declaration gives the function.
 * Code columns are declared text or clinnova.code; for a non-text column, in[i] caches the input
 * function of its type (set up on first use), so the SQL declaration alone decides the type.
 */
typedef struct SynthCall
{
	ReturnSetInfo *rsinfo;
	int			natts;
	MemoryContext call_ctx;		/* lives as long as the call (input function caches) */
	Datum		values[SYNTH_MAX_COLUMNS];
	bool		nulls[SYNTH_MAX_COLUMNS];
	FmgrInfo   *in[SYNTH_MAX_COLUMNS];
	Oid			in_ioparam[SYNTH_MAX_COLUMNS];
} SynthCall;

/* Emits the rows of one person into the call's tuplestore. */
typedef void (*SynthEmitter) (SynthCall *call, const SynthPerson *p);

/* ---- helpers ---- */

/* Start a materialized result with ncols columns (checked against the declared result type). */
static void
SynthBegin(FunctionCallInfo fcinfo, SynthCall *call, int ncols)
{
	InitMaterializedSRF(fcinfo, 0);
	call->rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	call->natts = call->rsinfo->setDesc->natts;
	call->call_ctx = CurrentMemoryContext;
	memset(call->in, 0, sizeof(call->in));
	if (call->natts != ncols || ncols > SYNTH_MAX_COLUMNS)
		elog(ERROR, "clinnova: %s returns %d columns, the library builds %d",
			 get_func_name(fcinfo->flinfo->fn_oid), call->natts, ncols);
}

/* Clear the row being built (all NULL). */
static inline void
RowReset(SynthCall *call)
{
	memset(call->nulls, true, sizeof(bool) * call->natts);
}

/* Set column i of the row being built. */
static inline void
RowSet(SynthCall *call, int i, Datum v)
{
	call->values[i] = v;
	call->nulls[i] = false;
}

/* Set a text column (NULL when s is NULL). */
static inline void
RowText(SynthCall *call, int i, const char *s)
{
	if (s != NULL)
		RowSet(call, i, CStringGetTextDatum(s));
}

/*
 * Set a code column from its text form "SYSTEM:VALUE": a text datum when the column is text,
 * else the value of the column's type read by its input function (clinnova.code validates it).
 */
static void
RowCode(SynthCall *call, int i, const char *s)
{
	Form_pg_attribute att = TupleDescAttr(call->rsinfo->setDesc, i);
	Oid			typid = att->atttypid;

	if (typid == TEXTOID)
	{
		RowText(call, i, s);
		return;
	}
	if (call->in[i] == NULL)
	{
		Oid			infunc;

		call->in[i] = MemoryContextAlloc(call->call_ctx, sizeof(FmgrInfo));
		getTypeInputInfo(typid, &infunc, &call->in_ioparam[i]);
		fmgr_info_cxt(infunc, call->in[i], call->call_ctx);
	}
	RowSet(call, i, InputFunctionCall(call->in[i], (char *) s, call->in_ioparam[i], att->atttypmod));
}

/* Set a float8 column (NULL when v is NaN, the story's "not measured"). */
static inline void
RowFloat(SynthCall *call, int i, double v)
{
	if (!isnan(v))
		RowSet(call, i, Float8GetDatum(v));
}

/* Append the row being built to the result. */
static inline void
RowPut(SynthCall *call)
{
	tuplestore_putvalues(call->rsinfo->setResult, call->rsinfo->setDesc, call->values, call->nulls);
}

/* A text value in the server encoding (catalogue names contain UTF-8 letters). */
static Datum
ServerText(const char *utf8)
{
	char	   *s = pg_any_to_server(utf8, strlen(utf8), PG_UTF8);

	return CStringGetTextDatum(s);
}

/*
 * The common body of the table functions: arguments (site text, n integer, seed bigint,
 * first_person integer), then every person's story, whose rows emit() appends.
 */
static Datum
SynthGenerate(FunctionCallInfo fcinfo, int ncols, SynthEmitter emit)
{
	SynthCall	call;
	char	   *site_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		n = PG_GETARG_INT32(1);
	int64		seed = PG_GETARG_INT64(2);
	int32		first = PG_GETARG_INT32(3);
	SynthSite	site = SynthParseSite(site_name);
	MemoryContext person_ctx;
	MemoryContext old;
	SynthPerson p;
	int32		i;

	SynthCheckRange(n, first);
	SynthBegin(fcinfo, &call, ncols);
	person_ctx = AllocSetContextCreate(CurrentMemoryContext, "clinnova synth person",
									   ALLOCSET_SMALL_SIZES);
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(person_ctx);
		SynthPersonStory(&p, site, first + i, seed);
		emit(&call, &p);
		MemoryContextSwitchTo(old);
		MemoryContextReset(person_ctx);
	}
	MemoryContextDelete(person_ctx);
	return (Datum) 0;
}

/* "LOCAL:<site>-lab/<local code>" of a site's lab code (the clinnova.code form of local codes). */
static char *
LocalCode(SynthSite site, const SynthLabCode *lc, char *buf, size_t len)
{
	char		ns[8];
	int			i;

	for (i = 0; synth_site_info[site].key[i] != '\0' && i < (int) sizeof(ns) - 1; i++)
		ns[i] = synth_site_info[site].key[i] - 'A' + 'a';
	ns[i] = '\0';
	snprintf(buf, len, "LOCAL:%s-lab/%s", ns, lc->local_code);
	return buf;
}

/* Row id of the k-th row of a person in a table. */
static inline int64
RowId(const SynthPerson *p, int k)
{
	return p->person_id * SYNTH_ID_STRIDE + k;
}

/* ---- catalogues ---- */

/* clinnova.synth_sites(): the four sites and how each one codes. */
Datum
synth_sites(PG_FUNCTION_ARGS)
{
	SynthCall	call;
	int			s;

	SynthBegin(fcinfo, &call, 8);
	for (s = 0; s < SYNTH_N_SITES; s++)
	{
		const SynthSiteInfo *si = &synth_site_info[s];

		RowReset(&call);
		RowText(&call, 0, si->key);
		RowSet(&call, 1, Int32GetDatum(s + 1));
		RowSet(&call, 2, ServerText(si->name));
		RowText(&call, 3, si->country);
		RowText(&call, 4, si->diagnosis_system);
		RowText(&call, 5, si->atc_pre2024 ? "before 2024" : "2024");
		RowText(&call, 6, si->female_value);
		RowText(&call, 7, si->male_value);
		RowPut(&call);
	}
	return (Datum) 0;
}

/* clinnova.synth_drugs(): one row per disease and drug of its prescribing table. */
Datum
synth_drugs(PG_FUNCTION_ARGS)
{
	SynthCall	call;
	char		buf[32];
	int			dis;
	int			d;

	SynthBegin(fcinfo, &call, 6);
	for (dis = 0; dis < SYNTH_N_DISEASES; dis++)
		for (d = 0; d < synth_n_drug_info; d++)
		{
			const SynthDrug *dr = &synth_drug_info[d];

			if (!SynthDrugForDisease(d, (SynthDisease) dis))
				continue;
			RowReset(&call);
			RowText(&call, 0, synth_disease_names[dis]);
			RowText(&call, 1, dr->name);
			RowText(&call, 2, dr->drug_class);
			snprintf(buf, sizeof(buf), "ATC:%s", dr->atc);
			RowCode(&call, 3, buf);
			snprintf(buf, sizeof(buf), "ATC:%s", dr->atc_pre2024);
			RowCode(&call, 4, buf);
			RowText(&call, 5, dr->route);
			RowPut(&call);
		}
	return (Datum) 0;
}

/* clinnova.synth_lab_map(): every site's local lab codes and units, mapped to LOINC. */
Datum
synth_lab_map(PG_FUNCTION_ARGS)
{
	SynthCall	call;
	char		buf[32];
	int			s;
	int			l;

	SynthBegin(fcinfo, &call, 8);
	for (s = 0; s < SYNTH_N_SITES; s++)
		for (l = 0; l < SYNTH_N_LABS; l++)
		{
			const SynthLabCode *lc = &synth_lab_codes[s][l];

			RowReset(&call);
			RowText(&call, 0, synth_site_info[s].key);
			RowText(&call, 1, lc->local_code);
			RowText(&call, 2, lc->local_unit);
			RowText(&call, 3, synth_lab_info[l].analyte);
			if (synth_lab_info[l].loinc != NULL)
			{
				snprintf(buf, sizeof(buf), "LOINC:%s", synth_lab_info[l].loinc);
				RowCode(&call, 4, buf);
			}
			RowText(&call, 5, synth_lab_info[l].unit);
			RowSet(&call, 6, Float8GetDatum(lc->factor));
			RowCode(&call, 7, LocalCode((SynthSite) s, lc, buf, sizeof(buf)));
			RowPut(&call);
		}
	return (Datum) 0;
}

/* ---- OMOP-shaped tables ---- */

/* person: one row per person. */
static void
EmitPerson(SynthCall *call, const SynthPerson *p)
{
	const SynthSiteInfo *si = &synth_site_info[p->site];
	char		mrn[32];
	int			y,
				m,
				d;

	j2date(p->birth + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	snprintf(mrn, sizeof(mrn), "%s-%09d", si->key, p->index);
	RowReset(call);
	RowSet(call, 0, Int64GetDatum(p->person_id));
	RowSet(call, 1, Int32GetDatum(p->female ? OMOP_FEMALE : OMOP_MALE));
	RowSet(call, 2, Int32GetDatum(y));
	RowSet(call, 3, Int32GetDatum(m));
	RowSet(call, 4, Int32GetDatum(d));
	RowSet(call, 5, Int32GetDatum(OMOP_NO_CONCEPT));
	RowSet(call, 6, Int32GetDatum(OMOP_NO_CONCEPT));
	RowSet(call, 7, Int32GetDatum(p->site + 1));
	RowText(call, 8, mrn);
	RowText(call, 9, p->female ? si->female_value : si->male_value);
	RowPut(call);
}

/* clinnova.synth_person(site, n, seed, first_person). */
Datum
synth_person(PG_FUNCTION_ARGS)
{
	return SynthGenerate(fcinfo, 10, EmitPerson);
}

/* observation_period: one row per person, from diagnosis to loss to follow-up or data cut. */
static void
EmitObservationPeriod(SynthCall *call, const SynthPerson *p)
{
	RowReset(call);
	RowSet(call, 0, Int64GetDatum(p->person_id));
	RowSet(call, 1, Int64GetDatum(p->person_id));
	RowSet(call, 2, DateADTGetDatum(p->obs_start));
	RowSet(call, 3, DateADTGetDatum(p->obs_end));
	RowSet(call, 4, Int32GetDatum(OMOP_NO_CONCEPT));
	RowPut(call);
}

/* clinnova.synth_observation_period(site, n, seed, first_person). */
Datum
synth_observation_period(PG_FUNCTION_ARGS)
{
	return SynthGenerate(fcinfo, 5, EmitObservationPeriod);
}

/* condition_occurrence: the diagnosis, the excluded differential (BW), each treatment start. */
static void
EmitConditionOccurrence(SynthCall *call, const SynthPerson *p)
{
	char		raw[32];
	char		code[32];
	char		status[2];
	int			k;

	for (k = 0; k < p->n_conditions; k++)
	{
		const SynthCondition *c = &p->cond[k];

		RowReset(call);
		RowSet(call, 0, Int64GetDatum(RowId(p, k)));
		RowSet(call, 1, Int64GetDatum(p->person_id));
		RowSet(call, 2, Int32GetDatum(OMOP_NO_CONCEPT));
		RowSet(call, 3, DateADTGetDatum(c->date));
		RowSet(call, 4, Int32GetDatum(OMOP_NO_CONCEPT));
		RowText(call, 5, SynthConditionRaw(p, c, raw, sizeof(raw)));
		if (c->certainty)
		{
			status[0] = c->certainty;
			status[1] = '\0';
			RowText(call, 6, status);
		}
		RowCode(call, 7, SynthConditionCode(p, c, code, sizeof(code)));
		RowPut(call);
	}
}

/* clinnova.synth_condition_occurrence(site, n, seed, first_person). */
Datum
synth_condition_occurrence(PG_FUNCTION_ARGS)
{
	return SynthGenerate(fcinfo, 8, EmitConditionOccurrence);
}

/* Why an episode ended, as the stop_reason a clinician records. */
static const char *
StopReason(const SynthPerson *p, const SynthEpisode *e)
{
	switch (e->cause)
	{
		case CAUSE_FAILURE:
			return p->disease == DIS_MS ? "relapse" : "loss of response";
		case CAUSE_ADVERSE:
			return "adverse event";
		default:
			return NULL;
	}
}

/* drug_exposure: one row per treatment episode (start to failure or end of follow-up). */
static void
EmitDrugExposure(SynthCall *call, const SynthPerson *p)
{
	char		code[32];
	int			k;

	for (k = 0; k < p->n_episodes; k++)
	{
		const SynthEpisode *e = &p->ep[k];
		const char *atc = SynthDrugSourceAtc(p->site, e->drug);

		RowReset(call);
		RowSet(call, 0, Int64GetDatum(RowId(p, e->line)));
		RowSet(call, 1, Int64GetDatum(p->person_id));
		RowSet(call, 2, Int32GetDatum(OMOP_NO_CONCEPT));
		RowSet(call, 3, DateADTGetDatum(e->start));
		RowSet(call, 4, DateADTGetDatum(e->end));
		RowSet(call, 5, Int32GetDatum(OMOP_NO_CONCEPT));
		RowText(call, 6, StopReason(p, e));
		RowText(call, 7, synth_drug_info[e->drug].route);
		RowText(call, 8, atc);
		snprintf(code, sizeof(code), "ATC:%s", atc);
		RowCode(call, 9, code);
		RowPut(call);
	}
}

/* clinnova.synth_drug_exposure(site, n, seed, first_person). */
Datum
synth_drug_exposure(PG_FUNCTION_ARGS)
{
	return SynthGenerate(fcinfo, 10, EmitDrugExposure);
}

/* A value in the site's local unit, rounded to the decimals the site reports. */
static double
LocalValue(const SynthLabCode *lc, double standard)
{
	static const double pow10[] = {1, 10, 100, 1000};

	return rint(standard / lc->factor * pow10[lc->decimals]) / pow10[lc->decimals];
}

/* measurement: the baseline lab panel of each treatment episode, in the site's codes and units. */
static void
EmitMeasurement(SynthCall *call, const SynthPerson *p)
{
	char		code[64];
	int			row = 0;
	int			k;
	int			l;

	for (k = 0; k < p->n_episodes; k++)
	{
		const SynthEpisode *e = &p->ep[k];

		for (l = 0; l < SYNTH_N_LABS; l++)
		{
			const SynthLabCode *lc = &synth_lab_codes[p->site][l];

			if (isnan(e->lab[l]))
				continue;
			RowReset(call);
			RowSet(call, 0, Int64GetDatum(RowId(p, row++)));
			RowSet(call, 1, Int64GetDatum(p->person_id));
			RowSet(call, 2, Int32GetDatum(OMOP_NO_CONCEPT));
			RowSet(call, 3, DateADTGetDatum(e->lab_date));
			RowSet(call, 4, Int32GetDatum(OMOP_NO_CONCEPT));
			RowSet(call, 5, Float8GetDatum(LocalValue(lc, e->lab[l])));
			RowSet(call, 6, Int32GetDatum(OMOP_NO_CONCEPT));
			RowText(call, 7, lc->local_code);
			RowText(call, 8, lc->local_unit);
			RowCode(call, 9, LocalCode(p->site, lc, code, sizeof(code)));
			RowPut(call);
		}
	}
}

/* clinnova.synth_measurement(site, n, seed, first_person). */
Datum
synth_measurement(PG_FUNCTION_ARGS)
{
	return SynthGenerate(fcinfo, 10, EmitMeasurement);
}

/* ---- the analysis-ready table ---- */

/* treatment_episode: one row per treatment episode with baseline covariates and outcome. */
static void
EmitTreatmentEpisode(SynthCall *call, const SynthPerson *p)
{
	const SynthSiteInfo *si = &synth_site_info[p->site];
	char		atc[32];
	int			k;
	int			l;

	for (k = 0; k < p->n_episodes; k++)
	{
		const SynthEpisode *e = &p->ep[k];
		const SynthDrug *dr = &synth_drug_info[e->drug];
		int			time = e->end - e->start;

		RowReset(call);
		RowSet(call, 0, Int64GetDatum(RowId(p, e->line)));
		RowSet(call, 1, Int64GetDatum(p->person_id));
		RowText(call, 2, si->key);
		RowText(call, 3, synth_disease_names[p->disease]);
		RowText(call, 4, SynthSubtypeName(p));
		RowSet(call, 5, Int32GetDatum(e->line));
		RowSet(call, 6, Int32GetDatum(e->prior_lines));
		RowText(call, 7, dr->name);
		RowText(call, 8, dr->drug_class);
		snprintf(atc, sizeof(atc), "ATC:%s", dr->atc);
		RowCode(call, 9, atc);
		RowText(call, 10, SynthDrugSourceAtc(p->site, e->drug));
		RowSet(call, 11, DateADTGetDatum(e->start));
		RowSet(call, 12, DateADTGetDatum(e->end));
		RowSet(call, 13, Int32GetDatum(time));
		RowSet(call, 14, BoolGetDatum(e->cause != CAUSE_CENSORED));
		RowSet(call, 15, Int32GetDatum(e->cause));
		/* response: no failure within 365 days; unknown when censored earlier */
		if (time > 365)
			RowSet(call, 16, BoolGetDatum(true));
		else if (e->cause != CAUSE_CENSORED)
			RowSet(call, 16, BoolGetDatum(false));
		RowSet(call, 17, Int32GetDatum(e->age));
		RowSet(call, 18, BoolGetDatum(p->female));
		RowSet(call, 19, Float8GetDatum(e->duration));
		for (l = 0; l < SYNTH_N_LABS; l++)
			RowFloat(call, 20 + l, e->lab[l]);
		RowPut(call);
	}
}

/* clinnova.synth_treatment_episode(site, n, seed, first_person). */
Datum
synth_treatment_episode(PG_FUNCTION_ARGS)
{
	return SynthGenerate(fcinfo, 20 + SYNTH_N_LABS, EmitTreatmentEpisode);
}
