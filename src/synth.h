/*
 * synth.h — the synthetic four-site cohort: catalogues (sites, diagnoses, drugs, labs) and the
 * per-person "story" from which every generated table is cut.
 *
 * Design note.  A person is a pure function of (seed, site, person index): SynthPersonStory()
 * derives a per-person key from those three counters by hashing, seeds a private PRNG stream
 * with it and draws every attribute of the person in a fixed order.  Each set-returning
 * function (person, observation_period, condition_occurrence, drug_exposure, measurement,
 * episode) regenerates the stories of its persons and emits only its own rows, so the tables
 * agree with each other without joins, any range of persons can be generated independently
 * (chunks, parallel sessions) and the same arguments always give the same rows.
 *
 * Invariants of a story (checked by SynthCheckStory in assert builds):
 *   birth < diagnosis <= obs_start <= episode[0].start, obs_end <= SYNTH_DATA_CUT;
 *   episodes are in time order and do not overlap; every episode has 1 <= time, start + time =
 *   end <= obs_end; cause is 0 (censored) only for the last episode, in which case end = obs_end;
 *   each baseline lab panel is dated in (previous episode's end, start] and on or after
 *   obs_start; no drug occurs twice; labs not measured for the disease are NaN.
 */
#ifndef CLINNOVA_SYNTH_H
#define CLINNOVA_SYNTH_H

#include "postgres.h"

#include "utils/date.h"

/* ---- catalogue sizes and limits ---- */
#define SYNTH_N_SITES		4
#define SYNTH_MAX_LINES		4		/* treatment lines per person inside the cohort window */
#define SYNTH_MAX_PERSONS	999999999	/* person index range 1..SYNTH_MAX_PERSONS per site */
#define SYNTH_ID_STRIDE		100		/* row ids: person_id * SYNTH_ID_STRIDE + row number */
#define SYNTH_MAX_RX		8		/* drugs in one disease's prescribing table */

/* Sites, in site_id order (site_id = index + 1). */
typedef enum SynthSite
{
	SITE_LU,					/* Luxembourg: ICD-10 WHO with dot, current ATC */
	SITE_GE,					/* Grand Est (France): ICD-10 WHO without dot (PMSI), pre-2024 ATC */
	SITE_BW,					/* Baden-Württemberg: ICD-10-GM with markers, current ATC */
	SITE_BS						/* Basel: SNOMED CT, pre-2024 ATC */
} SynthSite;

/* Diseases. */
typedef enum SynthDisease
{
	DIS_CROHN,
	DIS_UC,
	DIS_RA,
	DIS_MS,
	SYNTH_N_DISEASES
} SynthDisease;

/* Laboratory analytes, in measurement order. */
typedef enum SynthLab
{
	LAB_CRP,
	LAB_CALPROTECTIN,
	LAB_ESR,
	LAB_RF,
	LAB_ANTI_CCP,
	LAB_HAEMOGLOBIN,
	LAB_ALBUMIN,
	LAB_LEUKOCYTES,
	LAB_EDSS,
	SYNTH_N_LABS
} SynthLab;

/* Causes of the end of a treatment episode. */
#define CAUSE_CENSORED	0
#define CAUSE_FAILURE	1		/* loss of response (IBD, RA) or relapse (MS) */
#define CAUSE_ADVERSE	2		/* stopped for an adverse event or intolerance */

/* ---- catalogue entries ---- */

/* One site and how it codes. */
typedef struct SynthSiteInfo
{
	const char *key;			/* "LU" */
	const char *name;			/* "Luxembourg" */
	const char *country;		/* ISO 3166-1 alpha-2 */
	const char *diagnosis_system;	/* code system of condition_source_value */
	bool		atc_pre2024;	/* drug codes from the ATC index before the 2024 L04A moves */
	const char *female_value;	/* gender_source_value spellings */
	const char *male_value;
	double		log_hr;			/* site effect on the failure hazard */
	double		shape_factor;	/* site factor on the Weibull shape (non-proportional sites) */
} SynthSiteInfo;

/* One drug. */
typedef struct SynthDrug
{
	const char *name;			/* INN */
	const char *drug_class;
	const char *atc;			/* ATC code from the 2024 index */
	const char *atc_pre2024;	/* ATC code before 2024 (same as atc when unchanged) */
	const char *route;			/* route_source_value */
} SynthDrug;

/* One local laboratory code of one site, and its mapping to LOINC. */
typedef struct SynthLabCode
{
	const char *local_code;		/* measurement_source_value */
	const char *local_unit;		/* unit_source_value */
	double		factor;			/* value in standard unit = local value * factor */
	int			decimals;		/* the site reports this many decimals */
} SynthLabCode;

/* An analyte: LOINC code (NULL when there is none), name and standard unit. */
typedef struct SynthLabInfo
{
	const char *analyte;
	const char *loinc;
	const char *unit;
	int			decimals;		/* decimals in the standard unit (EDSS: steps of 0.5) */
} SynthLabInfo;

/* ---- the story of one person ---- */

/* One treatment episode (one drug_exposure row, one episode row). */
typedef struct SynthEpisode
{
	int			line;			/* 1-based line inside the cohort window */
	int			prior_lines;	/* advanced-therapy lines before this one (incl. before cohort) */
	int			drug;			/* index into the drug catalogue */
	DateADT		start;
	DateADT		end;
	int			cause;			/* CAUSE_* */
	int			age;			/* completed years at start */
	double		duration;		/* disease duration in years at start (0.1 resolution) */
	DateADT		lab_date;		/* date of the baseline lab panel */
	double		lab[SYNTH_N_LABS];	/* standard units; NaN when not measured */
} SynthEpisode;

/*
 * One condition_occurrence row: the diagnosis when it was made, the diagnosis recorded again at
 * each treatment start, and (BW only) an excluded differential diagnosis.
 */
typedef struct SynthCondition
{
	DateADT		date;
	bool		excluded;		/* the other IBD, recorded with certainty marker A */
	bool		relapse;		/* MS encounter after a relapse (BW codes the exacerbation) */
	char		certainty;		/* BW ICD-10-GM Diagnosesicherheit 'G' or 'A'; 0 = none */
} SynthCondition;

#define SYNTH_MAX_CONDITIONS (SYNTH_MAX_LINES + 2)

/* One person. */
typedef struct SynthPerson
{
	SynthSite	site;
	int32		index;			/* 1-based person index within the site */
	int64		person_id;		/* site_id * 10^9 + index */
	SynthDisease disease;
	int			subtype;		/* clinical subtype, see SynthSubtypeName */
	int			dx_variant;		/* how the diagnosis is coded (specific vs unspecified codes) */
	bool		female;
	int			gm_site_digit;	/* BW RA: ICD-10-GM 5th character (localisation) */
	bool		gm_bilateral;	/* BW RA: laterality marker B next to the certainty marker */
	DateADT		birth;
	DateADT		diagnosis;
	DateADT		obs_start;
	DateADT		obs_end;
	int			n_episodes;
	SynthEpisode ep[SYNTH_MAX_LINES];
	int			n_conditions;
	SynthCondition cond[SYNTH_MAX_CONDITIONS];
} SynthPerson;

/* ---- catalogues (synth_model.c) ---- */
extern const SynthSiteInfo synth_site_info[SYNTH_N_SITES];
extern const SynthDrug synth_drug_info[];
extern const int synth_n_drug_info;
extern const SynthLabInfo synth_lab_info[SYNTH_N_LABS];
extern const SynthLabCode synth_lab_codes[SYNTH_N_SITES][SYNTH_N_LABS];
extern const char *const synth_disease_names[SYNTH_N_DISEASES];

/* Is drug d one of the drugs of disease dis (in the prescribing tables)? */
extern bool SynthDrugForDisease(int d, SynthDisease dis);

/* Subtype name of a person ("ileal", "pancolitis", "seropositive", "relapsing-remitting"...). */
extern const char *SynthSubtypeName(const SynthPerson *p);

/*
 * Site-specific coding of one condition row.  SynthConditionCode writes the bare code in the
 * site's system as "SYSTEM:VALUE" (the normalised text form of clinnova.code, e.g.
 * "ICD10GM:M05.84"); SynthConditionRaw writes the verbatim value the site delivers (e.g. "K501"
 * in Grand Est, "M05.84 GB" in Baden-Württemberg).  Both return buf.
 */
extern char *SynthConditionCode(const SynthPerson *p, const SynthCondition *c, char *buf, size_t len);
extern char *SynthConditionRaw(const SynthPerson *p, const SynthCondition *c, char *buf, size_t len);

/* The ATC code the site records for drug d (pre-2024 or current index). */
extern const char *SynthDrugSourceAtc(SynthSite site, int d);

/* ---- stories (synth_model.c) ---- */

/* Site from its key or name (case-insensitive); raises 22023 for an unknown site. */
extern SynthSite SynthParseSite(const char *s);

/* Validate a (n, first_person) range; raises 22023 / 54000. */
extern void SynthCheckRange(int32 n, int32 first_person);

/* Generate the complete story of person index of site under seed. */
extern void SynthPersonStory(SynthPerson *p, SynthSite site, int32 index, int64 seed);

#endif							/* CLINNOVA_SYNTH_H */
