/*
 * synth_model.c — the clinical model of the synthetic cohort: catalogues of sites, drugs, labs
 * and diagnosis codes, and SynthPersonStory(), which draws one person's whole history.
 *
 * The model, in one paragraph.  Each site treats a mix of Crohn's disease, ulcerative colitis,
 * rheumatoid arthritis and multiple sclerosis.  A person enters the cohort with a first
 * treatment start between 2012-01-01 and 2025-06-30, with an age, sex, disease duration and
 * disease subtype drawn from disease-specific distributions and a number of advanced-therapy
 * lines tried before the cohort window.  Each treatment line starts with a baseline lab panel
 * (an inflammation factor shared by CRP, calprotectin, ESR, haemoglobin, albumin and
 * leukocytes, partly persistent within the person), then a drug is chosen from the disease's
 * prescribing table (first-line or later-line weights, site preferences and indication-driven
 * preferences, never a drug the person already had).  Time to failure (loss of response, or
 * relapse in MS) is Weibull with proportional hazards: disease and site baseline, prognostic
 * covariates, a drug main effect and drug-by-covariate interactions (e.g. infliximab works
 * better at high CRP, tofacitinib and baricitinib worse in older patients, rituximab and
 * abatacept better in seropositive RA), so a model can learn whom each drug helps.  Stopping
 * for an adverse event is a competing exponential risk.  Follow-up ends at loss to follow-up
 * (4 % per year) or at the data cut 2025-12-31 (administrative censoring).  After a failure
 * the next line starts 7 to 60 days later, up to SYNTH_MAX_LINES lines.  Times are whole days.
 *
 * Random numbers: a person's key is a hash of (seed, site, person index) (PostgreSQL's
 * hash_bytes_uint32_extended); it seeds a private pg_prng (xoroshiro128**) stream from which
 * the story is drawn in a fixed order.  Nothing depends on other persons or on the chunk a
 * person is generated in.
 *
 * Codes come from /work/shared/CODES.md (verified ICD-10 WHO, ICD-10-GM, SNOMED CT, ATC before
 * and from 2024, LOINC); local lab codes and units are invented per site, as every hospital's
 * are, and mapped to LOINC in synth_lab_codes.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "common/pg_prng.h"
#include "datatype/timestamp.h"
#include "utils/datetime.h"
#include "utils/float.h"

#include "clinnova.h"
#include "synth.h"

/* ---- calendar ---- */
#define COHORT_START	SynthDate(2012, 1, 1)	/* first possible cohort entry */
#define COHORT_END		SynthDate(2025, 6, 30)	/* last possible cohort entry */
#define DATA_CUT		SynthDate(2025, 12, 31) /* administrative censoring */
#define DAYS_PER_YEAR	365.25
#define DROPOUT_RATE	0.04	/* loss to follow-up per year */
#define GM_AMBULATORY	0.7		/* share of BW rows that carry a certainty marker */
#define GM_EXCLUDED_DX	0.04	/* share of BW IBD persons with an excluded differential dx */

/* DateADT of a calendar date. */
static inline DateADT
SynthDate(int y, int m, int d)
{
	return date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
}

/* ---- catalogues ---- */

const SynthSiteInfo synth_site_info[SYNTH_N_SITES] = {
	/* key, name, country, diagnoses, pre-2024 ATC, female, male, site log HR, shape factor */
	{"LU", "Luxembourg", "LU", "ICD10", false, "F", "M", 0.00, 1.00},
	{"GE", "Grand Est", "FR", "ICD10", true, "2", "1", 0.25, 1.10},
	{"BW", "Baden-W\xc3\xbcrttemberg", "DE", "ICD10GM", false, "w", "m", -0.20, 0.90},
	{"BS", "Basel", "CH", "SNOMED", true, "F", "M", 0.15, 1.00},
};

/* Share of each disease among a site's patients (rows: sites; columns: SynthDisease). */
static const double site_disease_mix[SYNTH_N_SITES][SYNTH_N_DISEASES] = {
	{0.22, 0.20, 0.33, 0.25},
	{0.20, 0.18, 0.38, 0.24},
	{0.22, 0.20, 0.30, 0.28},
	{0.18, 0.17, 0.30, 0.35},
};

const char *const synth_disease_names[SYNTH_N_DISEASES] = {"crohn", "uc", "ra", "ms"};

/* Drug indices into synth_drug_info. */
enum
{
	DRUG_INFLIXIMAB,
	DRUG_ADALIMUMAB,
	DRUG_ETANERCEPT,
	DRUG_VEDOLIZUMAB,
	DRUG_USTEKINUMAB,
	DRUG_TOFACITINIB,
	DRUG_AZATHIOPRINE,
	DRUG_MESALAZINE,
	DRUG_METHOTREXATE,
	DRUG_TOCILIZUMAB,
	DRUG_BARICITINIB,
	DRUG_ABATACEPT,
	DRUG_RITUXIMAB,
	DRUG_OCRELIZUMAB,
	DRUG_NATALIZUMAB,
	DRUG_FINGOLIMOD,
	DRUG_DIMETHYL_FUMARATE,
	DRUG_GLATIRAMER,
	DRUG_INTERFERON_BETA_1A,
	DRUG_TERIFLUNOMIDE,
	N_DRUGS
};

/* ATC codes: CODES.md section 3 (2024 index and the index before the 2024 L04A moves). */
const SynthDrug synth_drug_info[N_DRUGS] = {
	{"infliximab", "anti-TNF", "L04AB02", "L04AB02", "iv"},
	{"adalimumab", "anti-TNF", "L04AB04", "L04AB04", "sc"},
	{"etanercept", "anti-TNF", "L04AB01", "L04AB01", "sc"},
	{"vedolizumab", "anti-integrin", "L04AG05", "L04AA33", "iv"},
	{"ustekinumab", "anti-IL-12/23", "L04AC05", "L04AC05", "sc"},
	{"tofacitinib", "JAK inhibitor", "L04AF01", "L04AA29", "oral"},
	{"azathioprine", "thiopurine", "L04AX01", "L04AX01", "oral"},
	{"mesalazine", "aminosalicylate", "A07EC02", "A07EC02", "oral"},
	{"methotrexate", "csDMARD", "L04AX03", "L04AX03", "sc"},
	{"tocilizumab", "anti-IL-6R", "L04AC07", "L04AC07", "iv"},
	{"baricitinib", "JAK inhibitor", "L04AF02", "L04AA37", "oral"},
	{"abatacept", "CTLA4-Ig", "L04AA24", "L04AA24", "iv"},
	{"rituximab", "anti-CD20", "L01FA01", "L01FA01", "iv"},
	{"ocrelizumab", "anti-CD20", "L04AG08", "L04AA36", "iv"},
	{"natalizumab", "anti-integrin", "L04AG03", "L04AA23", "iv"},
	{"fingolimod", "S1P modulator", "L04AE01", "L04AA27", "oral"},
	{"dimethyl fumarate", "fumarate", "L04AX07", "L04AX07", "oral"},
	{"glatiramer acetate", "glatiramer", "L03AX13", "L03AX13", "sc"},
	{"interferon beta-1a", "interferon beta", "L03AB07", "L03AB07", "sc"},
	{"teriflunomide", "DHODH inhibitor", "L04AK02", "L04AA31", "oral"},
};
const int	synth_n_drug_info = N_DRUGS;

/* Analytes: LOINC from CODES.md section 4; EDSS has no LOINC term (CODES.md: U). */
const SynthLabInfo synth_lab_info[SYNTH_N_LABS] = {
	{"crp", "1988-5", "mg/L", 1},
	{"calprotectin", "38445-3", "ug/g", 0},
	{"esr", "4537-7", "mm/h", 0},
	{"rf", "11572-5", "IU/mL", 1},
	{"anti_ccp", "32218-0", "U/mL", 1},
	{"haemoglobin", "718-7", "g/dL", 1},
	{"albumin", "1751-7", "g/L", 0},
	{"leukocytes", "6690-2", "10^9/L", 1},
	{"edss", NULL, "score", 1},
};

/*
 * Local lab codes and units of each site (rows: sites; columns: SynthLab).  Two traps a
 * harmonisation must handle: Baden-Württemberg reports CRP in mg/dL, Basel haemoglobin in g/L,
 * and the same local code "CRP" means different units at different sites.
 */
const SynthLabCode synth_lab_codes[SYNTH_N_SITES][SYNTH_N_LABS] = {
	{{"CRP", "mg/l", 1, 1}, {"CALPRO", "ug/g", 1, 0}, {"VS", "mm/h", 1, 0},
	 {"FR", "UI/ml", 1, 1}, {"ACPA", "U/ml", 1, 1}, {"HB", "g/dl", 1, 1},
	 {"ALB", "g/l", 1, 0}, {"GB", "G/l", 1, 1}, {"EDSS", "score", 1, 1}},
	{{"CRP", "mg/L", 1, 1}, {"CALP-F", "ug/g", 1, 0}, {"VS1H", "mm", 1, 0},
	 {"FR-IGM", "UI/mL", 1, 1}, {"ACCP", "U/mL", 1, 1}, {"HGB", "g/dL", 1, 1},
	 {"ALBU", "g/L", 1, 0}, {"LEUCO", "G/L", 1, 1}, {"EDSS", "score", 1, 1}},
	{{"CRP", "mg/dl", 10, 2}, {"CALP", "ug/g", 1, 0}, {"BSG", "mm/h", 1, 0},
	 {"RF", "IU/ml", 1, 1}, {"CCP-AK", "U/ml", 1, 1}, {"HB", "g/dl", 1, 1},
	 {"ALB", "g/l", 1, 0}, {"LEUKO", "/nl", 1, 1}, {"EDSS", "Punkte", 1, 1}},
	{{"CRP", "mg/l", 1, 1}, {"CALP-S", "ug/g", 1, 0}, {"BSR", "mm/h", 1, 0},
	 {"RF", "IU/ml", 1, 1}, {"ACPA", "U/ml", 1, 1}, {"HB", "g/l", 0.1, 0},
	 {"ALB", "g/l", 1, 0}, {"LC", "G/l", 1, 1}, {"EDSS", "score", 1, 1}},
};

/*
 * One drug of one disease: prescribing weights and its effect on failure.  The failure hazard
 * is multiplied by exp(b0 + b_age * age_c + b_crp * crp_c + b_prior * prior + b_marker * marker)
 * with age_c = (age - 45) / 10, crp_c = ln(CRP / 5 mg/L), prior = prior lines and the disease
 * marker (IBD: ln(calprotectin / 250 ug/g); RA: seropositive 0/1; MS: (EDSS - 3) / 2).
 * Adverse-event stops occur at ae_rate per person-year times exp(ae_age * age_c).
 */
typedef struct SynthRx
{
	int			drug;
	double		w_first;		/* prescribing weight when no prior advanced line */
	double		w_later;		/* prescribing weight after one or more lines */
	double		b0;
	double		b_age;
	double		b_crp;
	double		b_prior;
	double		b_marker;
	double		ae_rate;
	double		ae_age;
} SynthRx;

static const SynthRx rx_crohn[] = {
	{DRUG_INFLIXIMAB, 25, 20, -0.45, 0.10, -0.25, 0.15, 0.00, 0.06, 0.00},
	{DRUG_ADALIMUMAB, 25, 20, -0.40, 0.05, -0.15, 0.15, 0.00, 0.05, 0.00},
	{DRUG_VEDOLIZUMAB, 5, 25, -0.25, -0.15, 0.10, 0.05, 0.00, 0.02, 0.00},
	{DRUG_USTEKINUMAB, 5, 30, -0.50, 0.00, -0.05, -0.05, 0.00, 0.02, 0.00},
	{DRUG_AZATHIOPRINE, 40, 5, 0.05, 0.00, 0.15, 0.10, 0.10, 0.12, 0.10},
};
static const SynthRx rx_uc[] = {
	{DRUG_INFLIXIMAB, 15, 15, -0.45, 0.10, -0.25, 0.15, 0.00, 0.06, 0.00},
	{DRUG_ADALIMUMAB, 10, 15, -0.35, 0.05, -0.15, 0.15, 0.00, 0.05, 0.00},
	{DRUG_VEDOLIZUMAB, 15, 25, -0.45, -0.15, 0.10, 0.05, 0.00, 0.02, 0.00},
	{DRUG_USTEKINUMAB, 5, 20, -0.40, 0.00, -0.05, -0.05, 0.00, 0.02, 0.00},
	{DRUG_TOFACITINIB, 0, 20, -0.50, 0.30, 0.00, -0.10, 0.00, 0.06, 0.35},
	{DRUG_AZATHIOPRINE, 15, 5, 0.05, 0.00, 0.15, 0.10, 0.10, 0.12, 0.10},
	{DRUG_MESALAZINE, 40, 0, 0.20, 0.00, 0.20, 0.20, 0.30, 0.03, 0.00},
};
static const SynthRx rx_ra[] = {
	{DRUG_METHOTREXATE, 60, 5, 0.00, 0.00, 0.15, 0.10, 0.00, 0.08, 0.10},
	{DRUG_ADALIMUMAB, 10, 20, -0.35, 0.05, -0.10, 0.15, 0.00, 0.05, 0.00},
	{DRUG_ETANERCEPT, 10, 15, -0.35, 0.00, -0.05, 0.15, 0.00, 0.04, 0.00},
	{DRUG_TOCILIZUMAB, 5, 20, -0.40, 0.00, -0.30, -0.05, 0.00, 0.05, 0.00},
	{DRUG_BARICITINIB, 5, 20, -0.45, 0.30, 0.00, -0.10, 0.00, 0.05, 0.35},
	{DRUG_ABATACEPT, 5, 15, -0.25, -0.10, 0.00, 0.00, -0.30, 0.03, 0.00},
	{DRUG_RITUXIMAB, 5, 10, -0.10, 0.00, 0.00, -0.05, -0.50, 0.04, 0.00},
};
static const SynthRx rx_ms[] = {
	{DRUG_OCRELIZUMAB, 15, 35, -1.00, 0.20, 0.00, 0.00, 0.00, 0.02, 0.00},
	{DRUG_NATALIZUMAB, 5, 20, -1.10, 0.15, 0.00, -0.10, -0.10, 0.05, 0.00},
	{DRUG_FINGOLIMOD, 5, 20, -0.60, 0.10, 0.00, 0.00, 0.00, 0.05, 0.00},
	{DRUG_DIMETHYL_FUMARATE, 20, 10, -0.50, 0.00, 0.00, 0.00, 0.00, 0.08, 0.00},
	{DRUG_TERIFLUNOMIDE, 15, 5, -0.35, 0.00, 0.00, 0.00, 0.00, 0.05, 0.00},
	{DRUG_GLATIRAMER, 20, 5, -0.30, -0.10, 0.00, 0.00, 0.00, 0.06, 0.00},
	{DRUG_INTERFERON_BETA_1A, 20, 5, -0.30, 0.00, 0.00, 0.00, 0.00, 0.08, 0.00},
};

/*
 * One disease: demography, lab levels, Weibull baseline and prognostic effects on the failure
 * hazard (same covariate scales as SynthRx, plus alb_c = (albumin - 40 g/L) / 5).
 */
typedef struct SynthDiseaseModel
{
	double		p_female;
	double		age_mean;		/* age at cohort entry, years */
	double		age_sd;
	double		duration_median;	/* disease duration at entry, years (log-normal) */
	double		shape;			/* Weibull shape */
	double		median_days;	/* median time to failure at linear predictor 0 */
	double		b_age;
	double		b_female;
	double		b_crp;
	double		b_prior;
	double		b_marker;
	double		b_alb;
	double		crp_median;		/* mg/L */
	double		esr_median;		/* mm/h; 0 = not measured */
	double		calprotectin_median;	/* ug/g; 0 = not measured */
	int			n_subtypes;
	double		subtype_p[5];
	const SynthRx *rx;
	int			n_rx;
} SynthDiseaseModel;

static const SynthDiseaseModel disease_models[SYNTH_N_DISEASES] = {
	/* Crohn's disease: ileal, colonic, ileocolonic, upper GI, unspecified location */
	{0.52, 34, 12, 3.0, 0.85, 900, 0.00, 0.05, 0.10, 0.10, 0.10, -0.10, 9.0, 18, 300,
	 5, {0.30, 0.25, 0.30, 0.03, 0.12}, rx_crohn, lengthof(rx_crohn)},
	/* ulcerative colitis: pancolitis, proctitis, rectosigmoiditis, left-sided, unspecified */
	{0.47, 40, 14, 3.0, 0.85, 950, 0.00, 0.05, 0.10, 0.10, 0.10, -0.05, 5.0, 16, 450,
	 5, {0.30, 0.15, 0.10, 0.30, 0.15}, rx_uc, lengthof(rx_uc)},
	/* rheumatoid arthritis: seropositive, seronegative (drawn from RF and anti-CCP) */
	{0.73, 56, 12, 4.0, 0.90, 1000, 0.05, 0.10, 0.10, 0.10, 0.20, 0.00, 8.0, 25, 0,
	 2, {0}, rx_ra, lengthof(rx_ra)},
	/* multiple sclerosis: relapsing-remitting, secondary progressive (drawn from duration) */
	{0.70, 37, 10, 4.0, 1.00, 700, -0.20, 0.05, 0.00, 0.10, 0.10, 0.00, 1.5, 0, 0,
	 2, {0}, rx_ms, lengthof(rx_ms)},
};

static const char *const subtype_names[SYNTH_N_DISEASES][5] = {
	{"ileal", "colonic", "ileocolonic", "upper gastrointestinal", "unspecified"},
	{"pancolitis", "proctitis", "rectosigmoiditis", "left-sided colitis", "unspecified"},
	{"seropositive", "seronegative"},
	{"relapsing-remitting", "secondary progressive"},
};

/*
 * Diagnosis codes by disease and dx_variant (CODES.md sections 2.1, 2.2, 2.4).  ICD-10 WHO codes
 * are written with the dot; Grand Est drops it as French PMSI data do.  RA variants: 0 other
 * seropositive RA, 1 seropositive RA unspecified, 2 seronegative RA, 3 RA unspecified; in
 * ICD-10-GM they take a 5th character for the localisation.  MS variants: 0 course-specific,
 * 1 unspecified.
 */
static const char *const icd10_crohn[] = {"K50.0", "K50.1", "K50.8", "K50.8", "K50.9"};
static const char *const gm_crohn[] = {"K50.0", "K50.1", "K50.88", "K50.80", "K50.9"};
static const char *const sct_crohn[] = {"56689002", "7620006", "71833008", "34000006", "34000006"};
static const char *const icd10_uc[] = {"K51.0", "K51.2", "K51.3", "K51.5", "K51.9"};
static const char *const sct_uc[] = {"444548001", "67038005", "64766004", "445243001", "64766004"};
static const char *const icd10_ra[] = {"M05.8", "M05.9", "M06.0", "M06.9"};
static const char *const sct_ra[] = {"239791005", "239791005", "239792003", "69896004"};

/* ---- random numbers ---- */

/* The key of a person: a hash of the three counters (seed, site, index). */
static uint64
PersonKey(int64 seed, SynthSite site, int32 index)
{
	uint64		h;

	h = hash_bytes_uint32_extended((uint32) ((uint64) seed >> 32), 0x636c696e6e6f7661ULL);
	h = hash_bytes_uint32_extended((uint32) seed, h);
	h = hash_bytes_uint32_extended((uint32) site + 1, h);
	return hash_bytes_uint32_extended((uint32) index, h);
}

/* Uniform on (0, 1]. */
static inline double
UnifPos(pg_prng_state *rng)
{
	return 1.0 - pg_prng_double(rng);
}

/* Standard normal deviate (Box-Muller, one deviate per two uniforms). */
static double
Normal(pg_prng_state *rng)
{
	double		u1 = UnifPos(rng);
	double		u2 = pg_prng_double(rng);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Standard exponential deviate. */
static inline double
Exp1(pg_prng_state *rng)
{
	return -log(UnifPos(rng));
}

/* Index drawn with probability proportional to w[i] (the weights sum to total > 0). */
static int
Categorical(pg_prng_state *rng, const double *w, int n, double total)
{
	double		u = pg_prng_double(rng) * total;
	int			i;

	for (i = 0; i < n - 1; i++)
	{
		if (u < w[i])
			return i;
		u -= w[i];
	}
	return n - 1;
}

/* Poisson deviate by inversion (small means only). */
static int
Poisson(pg_prng_state *rng, double mean)
{
	double		u = pg_prng_double(rng);
	double		p = exp(-mean);
	double		cdf = p;
	int			k = 0;

	while (u > cdf && k < 50)
	{
		k++;
		p *= mean / k;
		cdf += p;
	}
	return k;
}

/* x clamped to [lo, hi]. */
static inline double
Clamp(double x, double lo, double hi)
{
	return x < lo ? lo : (x > hi ? hi : x);
}

/* x rounded to the given number of decimals (the nearest double to the decimal value). */
static inline double
RoundDecimals(double x, int decimals)
{
	static const double pow10[] = {1, 10, 100, 1000};

	return rint(x * pow10[decimals]) / pow10[decimals];
}

/* Completed years between birth and date at. */
static int
AgeYears(DateADT birth, DateADT at)
{
	int			by,
				bm,
				bd,
				y,
				m,
				d;

	j2date(birth + POSTGRES_EPOCH_JDATE, &by, &bm, &bd);
	j2date(at + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0);
}

/* ---- catalogue queries ---- */

/* Is drug d in the prescribing table of disease dis? */
bool
SynthDrugForDisease(int d, SynthDisease dis)
{
	const SynthDiseaseModel *dm = &disease_models[dis];
	int			i;

	for (i = 0; i < dm->n_rx; i++)
		if (dm->rx[i].drug == d)
			return true;
	return false;
}

/* Clinical subtype name of a person. */
const char *
SynthSubtypeName(const SynthPerson *p)
{
	return subtype_names[p->disease][p->subtype];
}

/* The ATC code site records for drug d. */
const char *
SynthDrugSourceAtc(SynthSite site, int d)
{
	return synth_site_info[site].atc_pre2024 ? synth_drug_info[d].atc_pre2024 : synth_drug_info[d].atc;
}

/* The bare diagnosis code of a person in ICD-10 WHO (with dot). */
static const char *
Icd10Code(const SynthPerson *p, bool excluded)
{
	if (excluded)
		return p->disease == DIS_CROHN ? "K51.9" : "K50.9";
	switch (p->disease)
	{
		case DIS_CROHN:
			return icd10_crohn[p->dx_variant];
		case DIS_UC:
			return icd10_uc[p->dx_variant];
		case DIS_RA:
			return icd10_ra[p->dx_variant];
		case DIS_MS:
			return "G35";
		default:
			elog(ERROR, "clinnova: unknown synthetic disease %d", (int) p->disease);
	}
	return NULL;					/* keep the compiler quiet */
}

/* The bare ICD-10-GM code of a condition row of a person, written into buf. */
static void
GmCode(const SynthPerson *p, const SynthCondition *c, char *buf, size_t len)
{
	if (c->excluded)
		strlcpy(buf, Icd10Code(p, true), len);
	else if (p->disease == DIS_CROHN)
		strlcpy(buf, gm_crohn[p->dx_variant], len);
	else if (p->disease == DIS_UC)
		strlcpy(buf, icd10_uc[p->dx_variant], len);
	else if (p->disease == DIS_RA)
		snprintf(buf, len, "%s%d", icd10_ra[p->dx_variant], p->gm_site_digit);
	else if (p->dx_variant == 1)
		strlcpy(buf, "G35.9", len);
	else
		snprintf(buf, len, "G35.%d%d", p->subtype == 0 ? 1 : 3, c->relapse ? 1 : 0);
}

/* The SNOMED CT concept id of a person's diagnosis. */
static const char *
SnomedCode(const SynthPerson *p)
{
	switch (p->disease)
	{
		case DIS_CROHN:
			return sct_crohn[p->dx_variant];
		case DIS_UC:
			return sct_uc[p->dx_variant];
		case DIS_RA:
			return sct_ra[p->dx_variant];
		case DIS_MS:
			return p->dx_variant == 1 ? "24700007" : (p->subtype == 0 ? "426373005" : "425500002");
		default:
			elog(ERROR, "clinnova: unknown synthetic disease %d", (int) p->disease);
	}
	return NULL;					/* keep the compiler quiet */
}

/* "SYSTEM:VALUE" of a condition row in the site's code system. */
char *
SynthConditionCode(const SynthPerson *p, const SynthCondition *c, char *buf, size_t len)
{
	char		gm[16];

	switch (p->site)
	{
		case SITE_LU:
		case SITE_GE:
			snprintf(buf, len, "ICD10:%s", Icd10Code(p, c->excluded));
			break;
		case SITE_BW:
			GmCode(p, c, gm, sizeof(gm));
			snprintf(buf, len, "ICD10GM:%s", gm);
			break;
		case SITE_BS:
			snprintf(buf, len, "SNOMED:%s", SnomedCode(p));
			break;
	}
	return buf;
}

/*
 * The verbatim value a site delivers for a condition row: ICD-10 with dot (LU), without dot
 * (GE), ICD-10-GM followed by the certainty marker and, for hand and knee localisations, the
 * laterality marker B (BW), a bare SNOMED CT id (BS).
 */
char *
SynthConditionRaw(const SynthPerson *p, const SynthCondition *c, char *buf, size_t len)
{
	const char *code;
	char		gm[16];
	char		markers[3];
	int			n = 0;
	int			i;

	switch (p->site)
	{
		case SITE_LU:
			strlcpy(buf, Icd10Code(p, c->excluded), len);
			break;
		case SITE_GE:
			code = Icd10Code(p, c->excluded);
			for (i = 0; *code && i < (int) len - 1; code++)
				if (*code != '.')
					buf[i++] = *code;
			buf[i] = '\0';
			break;
		case SITE_BW:
			GmCode(p, c, gm, sizeof(gm));
			if (c->certainty)
				markers[n++] = c->certainty;
			if (!c->excluded && p->gm_bilateral)
				markers[n++] = 'B';
			markers[n] = '\0';
			if (n > 0)
				snprintf(buf, len, "%s %s", gm, markers);
			else
				strlcpy(buf, gm, len);
			break;
		case SITE_BS:
			strlcpy(buf, SnomedCode(p), len);
			break;
	}
	return buf;
}

/* ---- arguments ---- */

/* Site from "LU"/"Luxembourg", "GE"/"Grand Est", "BW"/"Baden-Württemberg", "BS"/"Basel". */
SynthSite
SynthParseSite(const char *s)
{
	static const struct
	{
		const char *alias;
		SynthSite	site;
	}			aliases[] = {
		{"lu", SITE_LU}, {"luxembourg", SITE_LU},
		{"ge", SITE_GE}, {"grandest", SITE_GE},
		{"bw", SITE_BW}, {"badenwuerttemberg", SITE_BW}, {"badenwurttemberg", SITE_BW},
		{"badenw\xc3\xbcrttemberg", SITE_BW},
		{"bs", SITE_BS}, {"basel", SITE_BS},
	};
	char		norm[64];
	int			n = 0;
	int			i;

	/* lower-case ASCII letters, drop spaces, hyphens and underscores */
	for (i = 0; s[i] != '\0' && n < (int) sizeof(norm) - 1; i++)
	{
		char		ch = s[i];

		if (ch == ' ' || ch == '-' || ch == '_')
			continue;
		norm[n++] = (ch >= 'A' && ch <= 'Z') ? ch - 'A' + 'a' : ch;
	}
	norm[n] = '\0';
	for (i = 0; i < lengthof(aliases); i++)
		if (strcmp(norm, aliases[i].alias) == 0)
			return aliases[i].site;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown synthetic site \"%s\"", s),
			 errdetail("The synthetic network has the sites LU (Luxembourg), GE (Grand Est), "
					   "BW (Baden-Wuerttemberg) and BS (Basel)."),
			 errhint("See SELECT * FROM clinnova.synth_sites().")));
	return SITE_LU;				/* keep the compiler quiet */
}

/* Check the person range first_person .. first_person + n - 1. */
void
SynthCheckRange(int32 n, int32 first_person)
{
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of persons must not be negative"),
				 errdetail("n is %d.", n)));
	if (first_person < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("first_person must be at least 1"),
				 errdetail("first_person is %d.", first_person)));
	if ((int64) first_person + n - 1 > SYNTH_MAX_PERSONS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("synthetic person index out of range"),
				 errdetail("Persons %d to %lld were requested; a site has at most %d.",
						   first_person, (long long) first_person + n - 1, SYNTH_MAX_PERSONS)));
}

/* ---- stories ---- */

#ifdef CLINNOVA_ASSERT_CHECKING
/* The invariants stated in synth.h. */
static void
SynthCheckStory(const SynthPerson *p)
{
	int			k;
	int			j;

	CLINNOVA_ASSERT(p->birth < p->diagnosis);
	CLINNOVA_ASSERT(p->diagnosis <= p->obs_start);
	CLINNOVA_ASSERT(p->obs_end <= DATA_CUT);
	CLINNOVA_ASSERT(p->n_episodes >= 1 && p->n_episodes <= SYNTH_MAX_LINES);
	CLINNOVA_ASSERT(p->obs_start <= p->ep[0].start);
	for (k = 0; k < p->n_episodes; k++)
	{
		const SynthEpisode *e = &p->ep[k];

		CLINNOVA_ASSERT(e->end - e->start >= 1);
		CLINNOVA_ASSERT(e->end <= p->obs_end);
		CLINNOVA_ASSERT(e->lab_date <= e->start && e->lab_date >= p->obs_start);
		CLINNOVA_ASSERT(e->cause != CAUSE_CENSORED || (k == p->n_episodes - 1 && e->end == p->obs_end));
		CLINNOVA_ASSERT(k == 0 || (p->ep[k - 1].end < e->lab_date && e->lab_date <= e->start));
		for (j = 0; j < k; j++)
			CLINNOVA_ASSERT(p->ep[j].drug != e->drug);
		CLINNOVA_ASSERT(isnan(e->lab[LAB_CALPROTECTIN]) ==
						(p->disease != DIS_CROHN && p->disease != DIS_UC));
		CLINNOVA_ASSERT(isnan(e->lab[LAB_RF]) == (p->disease != DIS_RA));
		CLINNOVA_ASSERT(isnan(e->lab[LAB_EDSS]) == (p->disease != DIS_MS));
		CLINNOVA_ASSERT(!isnan(e->lab[LAB_CRP]) && e->lab[LAB_CRP] > 0);
	}
	CLINNOVA_ASSERT(p->n_conditions >= p->n_episodes + 1 && p->n_conditions <= SYNTH_MAX_CONDITIONS);
}
#endif

/* Prescribing weight of rx for the episode being started (0 = not a candidate). */
static double
PrescribingWeight(const SynthPerson *p, const SynthRx *rx, const SynthEpisode *e,
				  uint32 used)
{
	double		w = (e->prior_lines == 0) ? rx->w_first : rx->w_later;

	if (used & (1u << rx->drug))
		return 0.0;
	/* indication-driven preferences */
	if (e->age >= 65 && (rx->drug == DRUG_TOFACITINIB || rx->drug == DRUG_BARICITINIB))
		w *= 0.4;
	if (e->age >= 60 && (rx->drug == DRUG_VEDOLIZUMAB || rx->drug == DRUG_ABATACEPT))
		w *= 1.4;
	if (p->disease == DIS_RA && rx->drug == DRUG_RITUXIMAB)
		w *= (p->subtype == 0) ? 1.5 : 0.3;
	if (e->lab[LAB_CRP] >= 20 && (rx->drug == DRUG_TOCILIZUMAB || rx->drug == DRUG_INFLIXIMAB))
		w *= 1.3;
	if (p->disease == DIS_MS && e->lab[LAB_EDSS] >= 4.0)
		w *= (rx->drug == DRUG_OCRELIZUMAB) ? 1.3 : (rx->drug == DRUG_NATALIZUMAB ? 0.7 : 1.0);
	/* site habits */
	if ((p->site == SITE_GE && rx->drug == DRUG_INFLIXIMAB) ||
		(p->site == SITE_BS && rx->drug == DRUG_OCRELIZUMAB) ||
		(p->site == SITE_BW && rx->drug == DRUG_VEDOLIZUMAB) ||
		(p->site == SITE_LU && rx->drug == DRUG_NATALIZUMAB))
		w *= 1.4;
	return w;
}

/* Draw the baseline lab panel of an episode (standard units, rounded as reported). */
static void
DrawLabs(pg_prng_state *rng, const SynthPerson *p, const SynthDiseaseModel *dm,
		 SynthEpisode *e, double inflammation, double rf_base, double accp_base,
		 double edss_base, double years_in_cohort)
{
	bool		ibd = (p->disease == DIS_CROHN || p->disease == DIS_UC);
	double		z = inflammation;
	int			l;

	for (l = 0; l < SYNTH_N_LABS; l++)
		e->lab[l] = get_float8_nan();

	e->lab[LAB_CRP] = Max(0.3, RoundDecimals(dm->crp_median * exp(0.9 * z + 0.3 * Normal(rng)), 1));
	if (ibd)
		e->lab[LAB_CALPROTECTIN] =
			RoundDecimals(Clamp(dm->calprotectin_median * exp(0.8 * z + 0.5 * Normal(rng)), 20, 6000), 0);
	if (dm->esr_median > 0)
		e->lab[LAB_ESR] =
			RoundDecimals(Clamp(dm->esr_median * exp(0.5 * z + 0.3 * Normal(rng)) +
								(p->female ? 3 : 0), 2, 140), 0);
	if (p->disease == DIS_RA)
	{
		double		rf = rf_base * exp(0.1 * Normal(rng));
		double		accp = accp_base * exp(0.1 * Normal(rng));

		/* negative results stay below the assay cut-offs (14 IU/mL, 7 U/mL) */
		e->lab[LAB_RF] = RoundDecimals(rf_base < 14 ? Min(rf, 13.9) : Max(rf, 14.0), 1);
		e->lab[LAB_ANTI_CCP] = RoundDecimals(accp_base < 7 ? Min(accp, 6.9) : Clamp(accp, 7.0, 2000), 1);
	}
	e->lab[LAB_HAEMOGLOBIN] =
		RoundDecimals(Clamp((p->female ? 13.0 : 14.6) - 0.5 * z + 0.9 * Normal(rng), 7, 19), 1);
	e->lab[LAB_ALBUMIN] =
		RoundDecimals(Clamp(41 - (ibd ? 2.5 : 1.5) * z + 3 * Normal(rng), 18, 55), 0);
	e->lab[LAB_LEUKOCYTES] =
		RoundDecimals(Clamp(7.0 * exp(0.1 * z + 0.25 * Normal(rng)), 1.5, 30), 1);
	if (p->disease == DIS_MS)
		e->lab[LAB_EDSS] =
			Clamp(rint((edss_base + 0.15 * years_in_cohort + 0.3 * Normal(rng)) * 2.0) / 2.0, 0, 9.5);
}

/*
 * Time to failure and to an adverse-event stop of an episode; sets e->drug-dependent outcome
 * fields (end, cause) against the end of follow-up.
 */
static void
DrawOutcome(pg_prng_state *rng, const SynthPerson *p, const SynthDiseaseModel *dm,
			const SynthRx *rx, SynthEpisode *e)
{
	const SynthSiteInfo *si = &synth_site_info[p->site];
	double		age_c = (e->age - 45) / 10.0;
	double		crp_c = log(e->lab[LAB_CRP] / 5.0);
	double		alb_c = (e->lab[LAB_ALBUMIN] - 40) / 5.0;
	double		marker;
	double		lp;
	double		shape = dm->shape * si->shape_factor;
	double		scale = dm->median_days / pow(M_LN2, 1.0 / shape);
	double		t_fail;
	double		t_ae;
	double		t;

	if (p->disease == DIS_RA)
		marker = (p->subtype == 0) ? 1.0 : 0.0;
	else if (p->disease == DIS_MS)
		marker = (e->lab[LAB_EDSS] - 3.0) / 2.0;
	else
		marker = log(e->lab[LAB_CALPROTECTIN] / 250.0);

	lp = si->log_hr
		+ dm->b_age * age_c + dm->b_female * (p->female ? 1 : 0) + dm->b_crp * crp_c
		+ dm->b_prior * e->prior_lines + dm->b_marker * marker + dm->b_alb * alb_c
		+ rx->b0 + rx->b_age * age_c + rx->b_crp * crp_c + rx->b_prior * e->prior_lines
		+ rx->b_marker * marker;

	/* Weibull proportional hazards: S(t) = exp(-(t / scale)^shape * exp(lp)) */
	t_fail = scale * pow(Exp1(rng) / exp(lp), 1.0 / shape);
	t_ae = Exp1(rng) * DAYS_PER_YEAR / (rx->ae_rate * exp(rx->ae_age * age_c));
	t = ceil(Min(t_fail, t_ae));
	if (t < 1)
		t = 1;
	if ((double) e->start + t <= (double) p->obs_end)
	{
		e->end = e->start + (int) t;
		e->cause = (t_fail <= t_ae) ? CAUSE_FAILURE : CAUSE_ADVERSE;
	}
	else
	{
		e->end = p->obs_end;
		e->cause = CAUSE_CENSORED;
	}
}

/* Draw the whole story of one person (see the design note at the top of the file). */
void
SynthPersonStory(SynthPerson *p, SynthSite site, int32 index, int64 seed)
{
	pg_prng_state rng;
	const SynthDiseaseModel *dm;
	double		age_entry;
	double		duration;
	DateADT		entry;
	DateADT		dropout;
	double		inflammation;
	double		rf_base = 0;
	double		accp_base = 0;
	double		edss_base = 0;
	int			pre_lines;
	uint32		used = 0;
	DateADT		start;
	int			k;

	StaticAssertStmt(lengthof(rx_crohn) <= SYNTH_MAX_RX && lengthof(rx_uc) <= SYNTH_MAX_RX &&
					 lengthof(rx_ra) <= SYNTH_MAX_RX && lengthof(rx_ms) <= SYNTH_MAX_RX,
					 "a prescribing table exceeds SYNTH_MAX_RX");
	StaticAssertStmt(N_DRUGS <= 32, "drug sets are 32-bit masks");
	pg_prng_seed(&rng, PersonKey(seed, site, index));

	p->site = site;
	p->index = index;
	p->person_id = (int64) (site + 1) * (SYNTH_MAX_PERSONS + 1) + index;
	p->disease = (SynthDisease) Categorical(&rng, site_disease_mix[site], SYNTH_N_DISEASES, 1.0);
	dm = &disease_models[p->disease];
	p->female = pg_prng_double(&rng) < dm->p_female;

	/* dates: cohort entry, birth, diagnosis */
	age_entry = Clamp(dm->age_mean + dm->age_sd * Normal(&rng), 18.01, 85);	/* >= 18 years in days */
	entry = COHORT_START + (DateADT) floor(pg_prng_double(&rng) * (COHORT_END - COHORT_START + 1));
	p->birth = entry - (DateADT) floor(age_entry * DAYS_PER_YEAR);
	duration = Clamp(dm->duration_median * exp(0.9 * Normal(&rng)), 0.1, age_entry - 12);
	p->diagnosis = entry - (DateADT) floor(duration * DAYS_PER_YEAR);
	p->obs_start = p->diagnosis;
	dropout = entry + (DateADT) Max(1.0, ceil(Exp1(&rng) * DAYS_PER_YEAR / DROPOUT_RATE));
	p->obs_end = Min(dropout, DATA_CUT);

	/* subtype and how the site codes it */
	p->gm_site_digit = 0;
	p->gm_bilateral = false;
	switch (p->disease)
	{
		case DIS_CROHN:
		case DIS_UC:
			p->subtype = Categorical(&rng, dm->subtype_p, dm->n_subtypes, 1.0);
			p->dx_variant = p->subtype;
			break;
		case DIS_RA:
			{
				bool		rf_pos = pg_prng_double(&rng) < 0.70;
				bool		accp_pos = pg_prng_double(&rng) < (rf_pos ? 0.90 : 0.30);
				double		u = pg_prng_double(&rng);
				static const double digit_p[] = {0.55, 0.15, 0.05, 0.25};
				static const int digits[] = {0, 4, 6, 9};

				p->subtype = (rf_pos || accp_pos) ? 0 : 1;
				if (p->subtype == 0)
					p->dx_variant = u < 0.55 ? 0 : (u < 0.85 ? 1 : 3);
				else
					p->dx_variant = u < 0.70 ? 2 : 3;
				rf_base = rf_pos ? 90 * exp(0.8 * Normal(&rng)) : Min(13.9, 6 * exp(0.4 * Normal(&rng)));
				accp_base = accp_pos ? Min(2000.0, 180 * exp(0.9 * Normal(&rng)))
					: Min(6.9, 3 * exp(0.5 * Normal(&rng)));
				if (site == SITE_BW)
				{
					p->gm_site_digit = digits[Categorical(&rng, digit_p, 4, 1.0)];
					p->gm_bilateral = (p->gm_site_digit == 4 || p->gm_site_digit == 6) &&
						pg_prng_double(&rng) < 0.5;
				}
				break;
			}
		case DIS_MS:
			p->subtype = pg_prng_double(&rng) < Min(0.5, 0.05 + 0.02 * duration) ? 1 : 0;
			p->dx_variant = pg_prng_double(&rng) < 0.10 ? 1 : 0;
			edss_base = (p->subtype == 1) ? 5.0 + 0.8 * Normal(&rng)
				: 1.5 + 0.1 * duration + 0.8 * Normal(&rng);
			break;
		default:
			elog(ERROR, "clinnova: unknown synthetic disease %d", (int) p->disease);
	}

	inflammation = Normal(&rng);
	pre_lines = Min(3, Poisson(&rng, 0.15 * duration));

	/* treatment lines */
	p->n_episodes = 0;
	start = entry;
	for (k = 0; k < SYNTH_MAX_LINES && start < p->obs_end; k++)
	{
		SynthEpisode *e = &p->ep[k];
		double		w[SYNTH_MAX_RX];
		double		total = 0;
		int			i;
		const SynthRx *rx;

		e->line = k + 1;
		e->prior_lines = pre_lines + k;
		e->start = start;
		e->age = AgeYears(p->birth, start);
		e->duration = RoundDecimals((start - p->diagnosis) / DAYS_PER_YEAR, 1);
		/* the panel is drawn in the two weeks before the start, after the previous episode */
		e->lab_date = start - (DateADT) floor(pg_prng_double(&rng) *
											  Min(15, start - (k == 0 ? p->obs_start - 1 : p->ep[k - 1].end)));
		DrawLabs(&rng, p, dm, e,
				 0.6 * inflammation + 0.8 * Normal(&rng) + (k > 0 ? 0.3 : 0.0),
				 rf_base, accp_base, edss_base, (start - entry) / DAYS_PER_YEAR);

		for (i = 0; i < dm->n_rx; i++)
		{
			w[i] = PrescribingWeight(p, &dm->rx[i], e, used);
			total += w[i];
		}
		if (total <= 0)
			break;				/* every drug of the disease has been tried */
		rx = &dm->rx[Categorical(&rng, w, dm->n_rx, total)];
		e->drug = rx->drug;
		used |= 1u << rx->drug;
		DrawOutcome(&rng, p, dm, rx, e);
		p->n_episodes++;
		if (e->cause == CAUSE_CENSORED)
			break;
		start = e->end + 7 + (DateADT) floor(pg_prng_double(&rng) * 54);
	}

	/* condition rows: the diagnosis, an excluded differential (BW IBD), each treatment start */
	p->n_conditions = 0;
	p->cond[p->n_conditions++] = (SynthCondition) {
		p->diagnosis, false, false,
		(site == SITE_BW && pg_prng_double(&rng) < GM_AMBULATORY) ? 'G' : 0
	};
	if (site == SITE_BW && (p->disease == DIS_CROHN || p->disease == DIS_UC) &&
		pg_prng_double(&rng) < GM_EXCLUDED_DX)
		p->cond[p->n_conditions++] = (SynthCondition) {p->diagnosis, true, false, 'A'};
	for (k = 0; k < p->n_episodes; k++)
		p->cond[p->n_conditions++] = (SynthCondition) {
			p->ep[k].start, false,
			p->disease == DIS_MS && k > 0 && p->ep[k - 1].cause == CAUSE_FAILURE,
			(site == SITE_BW && pg_prng_double(&rng) < GM_AMBULATORY) ? 'G' : 0
		};

#ifdef CLINNOVA_ASSERT_CHECKING
	SynthCheckStory(p);
#endif
}
