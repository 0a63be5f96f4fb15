/*
 * code_parse.c — the grammar of clinical codes: validation, normalisation, encoding, and the
 * canonical text form.
 *
 * Every input path of the code type (text input, casts, binary receive, FHIR, the constructor,
 * is_valid_code) goes through code_parse() or code_parse_value(), so a value that exists is a
 * value these functions accepted.  They never raise: a failure fills a CodeError (a
 * full-sentence detail and an optional hint) and returns false, and the caller decides on the
 * SQLSTATE (22P02 for text, 22P03 for binary) or, for is_valid_code, just answers false.
 *
 * The rules per system are documented in README.md ("Codes") and come from shared/CODES.md:
 *
 *   ICD10    letter, two digits, optionally "." and one digit (K50, K50.1); five characters
 *            only for the WHO subdivisions B18.00, B18.09, B18.10, B18.19.  The multiple-coding
 *            markers dagger (written "†" or "+") and "*", and a trailing "-" (any subdivision,
 *            "K50.-"), are stripped.
 *   ICD10GM  letter, two digits, optionally "." and one or two digits (G35.10).  Markers "†",
 *            "+", "*", "!" and the non-terminal "-" (G35.1- = class G35.1) are stripped; the
 *            Zusatzkennzeichen G/V/Z/A (diagnosis certainty) and R/L/B (laterality) are refused
 *            with a pointer to icd10gm_parse(), which returns them.
 *   ICD10CM  letter, digit, then one to five digits or letters; "." after the third character.
 *   ATC      ^[ABCDGHJLMNPRSV]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$ (lengths 1, 3, 4, 5, 7).
 *   SNOMED   concept identifier: 6-18 digits, no leading zero, partition 00 or 10 (long format
 *            with a 7-digit namespace), Verhoeff check digit.
 *   LOINC    ^[1-9][0-9]{0,5}-[0-9]$ with the mod-10 check digit; the 14 deprecated codes with
 *            known-invalid check digits are accepted.
 *   OMOP     concept_id 1..2147483647 (0, "No matching concept", is refused).
 *   LOCAL    namespace/value: namespace [a-z0-9][a-z0-9._-]{0,31} (case-folded to lower
 *            case), value 1-64 visible ASCII characters other than "|" (case kept).
 */
#include "postgres.h"

#include <limits.h>

#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "code.h"

/* ---- system names and FHIR URIs ---- */

static const char *const SYSTEM_NAMES[CODE_NSYSTEMS] = {
	"ICD10", "ICD10GM", "ICD10CM", "ATC", "SNOMED", "LOINC", "OMOP", "LOCAL"
};

/* The FHIR Coding.system of each system (LOCAL: prefix followed by the namespace). */
static const char *const SYSTEM_URIS[CODE_NSYSTEMS] = {
	"http://hl7.org/fhir/sid/icd-10",
	"http://fhir.de/CodeSystem/bfarm/icd-10-gm",
	"http://hl7.org/fhir/sid/icd-10-cm",
	"http://www.whocc.no/atc",
	"http://snomed.info/sct",
	"http://loinc.org",
	"https://fhir-terminology.ohdsi.org",
	"urn:clinnova:local:"
};

/* Further URIs accepted on input: legacy German base-profile URIs and the BfArM ATC edition. */
static const struct
{
	const char *uri;
	CodeSystem	sys;
}			EXTRA_URIS[] = {
	{"http://fhir.de/CodeSystem/dimdi/icd-10-gm", CODE_ICD10GM},
	{"http://fhir.de/CodeSystem/bfarm/atc", CODE_ATC},
	{"http://fhir.de/CodeSystem/dimdi/atc", CODE_ATC},
};

#define KNOWN_SYSTEMS_HINT \
	"Known systems are ICD10, ICD10GM, ICD10CM, ATC, SNOMED, LOINC, OMOP and LOCAL; " \
	"a FHIR system URI followed by \"|\" is accepted too."

/* Canonical SQL name of a system. */
const char *
code_system_name(CodeSystem sys)
{
	if ((int) sys < 0 || sys >= CODE_NSYSTEMS)
		elog(ERROR, "clinnova: unknown code system %d", (int) sys);
	return SYSTEM_NAMES[sys];
}

/* FHIR Coding.system URI of a system (for LOCAL only the prefix before the namespace). */
const char *
code_system_uri(CodeSystem sys)
{
	if ((int) sys < 0 || sys >= CODE_NSYSTEMS)
		elog(ERROR, "clinnova: unknown code system %d", (int) sys);
	return SYSTEM_URIS[sys];
}

/*
 * The system called name: the canonical names in any case, with "-" and "_" ignored
 * (ICD-10-GM, icd10gm), plus SNOMEDCT and SCT for SNOMED.  -1 when unknown.  The common
 * spellings match without copying (this runs once per parsed code).
 */
int
code_system_by_name(const char *name, int len)
{
	static const struct
	{
		const char *name;
		int			len;
		CodeSystem	sys;
	}			NAMES[] = {
		{"ICD10", 5, CODE_ICD10}, {"ICD10GM", 7, CODE_ICD10GM}, {"ICD10CM", 7, CODE_ICD10CM},
		{"ATC", 3, CODE_ATC}, {"SNOMED", 6, CODE_SNOMED}, {"LOINC", 5, CODE_LOINC},
		{"OMOP", 4, CODE_OMOP}, {"LOCAL", 5, CODE_LOCAL}, {"SNOMEDCT", 8, CODE_SNOMED},
		{"SCT", 3, CODE_SNOMED}
	};
	char		up[16];
	int			n = 0;
	int			i;

	for (i = 0; i < (int) lengthof(NAMES); i++)
		if (NAMES[i].len == len && pg_strncasecmp(name, NAMES[i].name, len) == 0)
			return NAMES[i].sys;
	/* spellings with separators: ICD-10-GM, SNOMED_CT */
	for (i = 0; i < len; i++)
	{
		if (name[i] == '-' || name[i] == '_')
			continue;
		if (n == (int) sizeof(up) - 1)
			return -1;
		up[n++] = name[i];
	}
	if (n == len)
		return -1;
	return code_system_by_name(up, n);
}

/* Does uri (len bytes) equal the NUL-terminated s, ignoring ASCII case? */
static bool
UriEquals(const char *uri, int len, const char *s)
{
	return (int) strlen(s) == len && pg_strncasecmp(uri, s, len) == 0;
}

/*
 * The system a FHIR Coding.system URI identifies, or -1.  For the LOCAL convention
 * "urn:clinnova:local:<namespace>" the namespace is returned in ns and nslen.
 */
int
code_system_by_uri(const char *uri, int len, const char **ns, int *nslen)
{
	int			i;
	int			plen = strlen(SYSTEM_URIS[CODE_LOCAL]);

	*ns = NULL;
	*nslen = 0;
	for (i = 0; i < CODE_LOCAL; i++)
		if (UriEquals(uri, len, SYSTEM_URIS[i]))
			return i;
	for (i = 0; i < (int) lengthof(EXTRA_URIS); i++)
		if (UriEquals(uri, len, EXTRA_URIS[i].uri))
			return EXTRA_URIS[i].sys;
	if (len > plen && pg_strncasecmp(uri, SYSTEM_URIS[CODE_LOCAL], plen) == 0)
	{
		*ns = uri + plen;
		*nslen = len - plen;
		return CODE_LOCAL;
	}
	return -1;
}

/* ---- errors ---- */

/* Record a parse failure; always returns false so that checks can "return Fail(...)". */
static bool Fail(CodeError *err, const char *hint, const char *fmt,...) pg_attribute_printf(3, 4);

/* Fill err with a formatted detail and a hint. */
static bool
Fail(CodeError *err, const char *hint, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	err->hint = hint;
	return false;
}

/* Describe one input byte for a message: "\"x\"" when printable ASCII, else its hex value. */
static const char *
CharDesc(char c, char *buf)
{
	unsigned char u = (unsigned char) c;

	if (u > 0x20 && u < 0x7F)
		snprintf(buf, 16, "\"%c\"", c);
	else if (u == ' ')
		snprintf(buf, 16, "a space");
	else
		snprintf(buf, 16, "byte 0x%02X", u);
	return buf;
}

/* Raise the recorded error; the message quotes the input (input need not be NUL-terminated). */
void
code_report_error(const CodeError *err, int sqlstate, const char *input, int inputlen)
{
	if (inputlen > CODE_MAX_INPUT)
		inputlen = pg_mbcliplen(input, inputlen, CODE_MAX_INPUT);
	ereport(ERROR,
			(errcode(sqlstate),
			 sqlstate == ERRCODE_INVALID_BINARY_REPRESENTATION
			 ? errmsg("invalid binary representation of code: \"%.*s\"", inputlen, input)
			 : errmsg("invalid input syntax for type code: \"%.*s\"", inputlen, input),
			 errdetail_internal("%s", err->detail),
			 err->hint ? errhint("%s", err->hint) : 0));
	pg_unreachable();
}

/* ---- small helpers ---- */

/* Is c an ASCII space character (space, tab, newline, carriage return, form feed, VT)? */
static inline bool
IsSpace(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Trim ASCII white space from both ends of [*s, *s + *len). */
static inline void
Trim(const char **s, int *len)
{
	const char *p = *s;
	int			n = *len;

	while (n > 0 && IsSpace(p[0]))
		p++, n--;
	while (n > 0 && IsSpace(p[n - 1]))
		n--;
	*s = p;
	*len = n;
}

/* ASCII digit test. */
static inline bool
IsDigit(char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII upper-case letter test. */
static inline bool
IsUpper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* ASCII letter test, independent of the server locale. */
static inline bool
IsAlpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* ASCII upper case, independent of the server locale. */
static inline char
ToUpper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char) (c - 'a' + 'A') : c;
}

/* Encode a positive integer as head + minimal big-endian payload (SNOMED, LOINC, OMOP). */
void
code_encode_number(CodeSystem sys, uint64 v, CodeBuf *out)
{
	uint8		tmp[8];
	int			n = 0;
	int			i;

	Assert(v > 0);
	while (v > 0)
	{
		tmp[n++] = (uint8) (v & 0xFF);
		v >>= 8;
	}
	out->b[0] = CODE_HEAD(sys, n);
	for (i = 0; i < n; i++)
		out->b[1 + i] = tmp[n - 1 - i];
	out->len = 1 + n;
}

/* Decode the number stored in a SNOMED/LOINC/OMOP code; corrupt values raise. */
static uint64
DecodeNumber(const uint8 *b, int len)
{
	int			n = CODE_HEAD_SUB(b[0]);
	uint64		v = 0;
	int			i;

	if (n < 1 || n > 8 || n != len - 1)
		elog(ERROR, "clinnova: corrupt code value (number of %d bytes in %d)", n, len - 1);
	for (i = 0; i < n; i++)
		v = (v << 8) | b[1 + i];
	return v;
}

/* Parse a string of decimal digits [s, s + n) (n <= 19) into *v. */
static uint64
DigitsValue(const char *s, int n)
{
	uint64		v = 0;
	int			i;

	for (i = 0; i < n; i++)
		v = v * 10 + (uint64) (s[i] - '0');
	return v;
}

/* ---- ICD-10 (WHO, GM, CM) ---- */

/* Human name of an ICD variant for messages. */
static const char *
IcdLabel(CodeSystem sys)
{
	return sys == CODE_ICD10 ? "ICD-10" : sys == CODE_ICD10GM ? "ICD-10-GM" : "ICD-10-CM";
}

/*
 * A WHO or GM entry split into its parts: core "K50.1", optional non-terminal "-", optional
 * multiple-coding marker, optional Zusatzkennzeichen, and whatever could not be read.
 */
typedef struct IcdLex
{
	const char *core;
	int			corelen;
	bool		nonterminal;	/* trailing "-" */
	const char *marker;			/* "†", "*", "!" or NULL */
	char		certainty;		/* G, V, Z, A or 0 */
	char		laterality;		/* R, L, B or 0 */
	int			extra;			/* offset of the first unreadable byte, or -1 */
	bool		repeated;		/* a certainty or laterality given twice */
} IcdLex;

/* UTF-8 of the dagger "†" (U+2020). */
#define DAGGER_UTF8 "\xE2\x80\xA0"

/*
 * Split a WHO/GM entry: letter, digits and dots, "-", one marker, then Zusatzkennzeichen
 * letters separated by optional spaces ("S51.9 GL", "G35.10 G", "I21.9A").
 */
static void
IcdLexWhoGm(const char *s, int n, IcdLex *lx)
{
	int			i = 0;

	memset(lx, 0, sizeof(*lx));
	lx->extra = -1;
	lx->core = s;
	if (i < n && IsAlpha(s[i]))
		i++;
	while (i < n && (IsDigit(s[i]) || s[i] == '.'))
		i++;
	lx->corelen = i;
	if (i < n && s[i] == '-')
	{
		lx->nonterminal = true;
		i++;
	}
	if (i < n && (s[i] == '*' || s[i] == '!' || s[i] == '+'))
	{
		lx->marker = s[i] == '*' ? "*" : s[i] == '!' ? "!" : DAGGER_UTF8;
		i++;
	}
	else if (n - i >= 3 && memcmp(s + i, DAGGER_UTF8, 3) == 0)
	{
		lx->marker = DAGGER_UTF8;
		i += 3;
	}
	for (;;)
	{
		char		c;

		while (i < n && IsSpace(s[i]))
			i++;
		if (i >= n)
			break;
		c = ToUpper(s[i]);
		if (c == 'G' || c == 'V' || c == 'Z' || c == 'A')
		{
			lx->repeated |= lx->certainty != 0;
			lx->certainty = c;
		}
		else if (c == 'R' || c == 'L' || c == 'B')
		{
			lx->repeated |= lx->laterality != 0;
			lx->laterality = c;
		}
		else
		{
			lx->extra = i;
			break;
		}
		i++;
	}
}

/* Meaning of a Zusatzkennzeichen letter, for messages and icd10gm_parse. */
static const char *
ZusatzMeaning(char c)
{
	switch (c)
	{
		case 'G':
			return "diagnosis certainty: confirmed";
		case 'V':
			return "diagnosis certainty: suspected";
		case 'Z':
			return "diagnosis certainty: status post";
		case 'A':
			return "diagnosis certainty: excluded";
		case 'R':
			return "laterality: right";
		case 'L':
			return "laterality: left";
		case 'B':
			return "laterality: both sides";
	}
	return "unknown";
}

/*
 * Validate the core of an ICD code (letter, two characters, optional dot, more characters)
 * and encode it.  nonterminal: the entry ended in "-", so "G35." means the class G35.
 */
static bool
IcdCore(CodeSystem sys, const char *s, int n, bool nonterminal, CodeBuf *out, CodeError *err)
{
	const char *label = IcdLabel(sys);
	int			maxlen = sys == CODE_ICD10CM ? 7 : 5;
	char		chars[8];
	char		cd[16];
	int			k = 0;
	int			dot = -1;
	int			i;

	if (nonterminal && n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return Fail(err, NULL, "The %s code is empty.", label);
	for (i = 0; i < n; i++)
	{
		char		c = s[i];

		if (c == '.')
		{
			if (dot >= 0)
				return Fail(err, NULL, "The %s code \"%.*s\" has more than one dot.", label, n, s);
			if (k != 3)
				return Fail(err, NULL, "The dot in the %s code \"%.*s\" must follow the third character, as in \"K50.1\".",
							label, n, s);
			dot = k;
			continue;
		}
		c = ToUpper(c);
		if (k == 0)
		{
			if (!IsUpper(c))
				return Fail(err, NULL, "An %s code starts with a letter; \"%.*s\" starts with %s.",
							label, n, s, CharDesc(s[i], cd));
		}
		else if (k == 1)
		{
			if (!IsDigit(c))
				return Fail(err, NULL, "The second character of an %s code is a digit; \"%.*s\" has %s.",
							label, n, s, CharDesc(s[i], cd));
		}
		else if (IsUpper(c))
		{
			if (sys != CODE_ICD10CM)
				return Fail(err, "ICD-10-CM codes, which may contain letters, use system ICD10CM.",
							"%s codes have only digits after the first letter; \"%.*s\" has the letter \"%c\".",
							label, n, s, c);
		}
		else if (!IsDigit(c))
			return Fail(err, NULL, "The %s code \"%.*s\" contains %s, which is not allowed.",
						label, n, s, CharDesc(s[i], cd));
		if (k == maxlen)
			return Fail(err, NULL, "The %s code \"%.*s\" is too long: %s codes have at most %d characters.",
						label, n, s, label, maxlen);
		chars[k++] = c;
	}
	if (dot >= 0 && dot == k)
		return Fail(err, NULL, "The dot in the %s code \"%.*s\" must be followed by a character.",
					label, n, s);
	if (k < 3)
		return Fail(err, NULL, "An %s code has at least three characters (a category such as \"K50\"); \"%.*s\" has %d.",
					label, n, s, k);
	if (sys == CODE_ICD10 && k == 5 &&
		!(memcmp(chars, "B18", 3) == 0 && (chars[3] == '0' || chars[3] == '1') &&
		  (chars[4] == '0' || chars[4] == '9')))
		return Fail(err, "ICD-10-GM codes with a fifth character use system ICD10GM, ICD-10-CM codes system ICD10CM.",
					"ICD-10 (WHO) codes have three or four characters (five only for B18.00, B18.09, B18.10 and B18.19); \"%.*s\" has five.",
					n, s);
	out->b[0] = CODE_HEAD(sys, chars[0] - 'A');
	memcpy(out->b + 1, chars + 1, k - 1);
	out->len = k;
	return true;
}

/* A message fragment naming the Zusatzkennzeichen found, e.g. "\"G\" (diagnosis ...)". */
static void
ZusatzDescribe(const IcdLex *lx, char *buf, int size)
{
	if (lx->certainty && lx->laterality)
		snprintf(buf, size, "\"%c\" (%s) and \"%c\" (%s)",
				 lx->certainty, ZusatzMeaning(lx->certainty),
				 lx->laterality, ZusatzMeaning(lx->laterality));
	else
	{
		char		c = lx->certainty ? lx->certainty : lx->laterality;

		snprintf(buf, size, "\"%c\" (%s)", c, ZusatzMeaning(c));
	}
}

#define ICD10GM_PARSE_HINT \
	"Split German source entries with clinnova.icd10gm_parse(text), which returns the code, " \
	"the diagnosis certainty, the laterality and the multiple-coding marker; an \"A\" " \
	"(excluded) diagnosis must never be counted as disease."

/* Parse a WHO or GM value: strip markers, refuse Zusatzkennzeichen, validate the core. */
static bool
ParseIcdWhoGm(CodeSystem sys, const char *s, int n, CodeBuf *out, CodeError *err)
{
	IcdLex		lx;
	char		desc[160];
	char		cd[16];

	IcdLexWhoGm(s, n, &lx);
	if (lx.extra >= 0 || lx.certainty || lx.laterality)
	{
		/*
		 * A character right after the core (a letter, as in ICD-10-CM codes) or an entry that
		 * does not start like a code: the core validator names the offending character.  It
		 * cannot accept the whole entry, which holds a letter or a character the lexer could
		 * not place where a digit must be.
		 */
		if (lx.corelen < 3 || lx.extra == lx.corelen)
		{
			if (!IcdCore(sys, s, n, false, out, err))
				return false;
			elog(ERROR, "clinnova: ICD lexer and validator disagree on \"%.*s\"", n, s);
		}
		if (lx.extra >= 0)
			return Fail(err, NULL, "The %s entry \"%.*s\" continues with %s after \"%.*s\", which is neither a marker nor a Zusatzkennzeichen.",
						IcdLabel(sys), n, s, CharDesc(s[lx.extra], cd), lx.extra, s);

		/* a malformed code is reported as such before its trailing letters */
		if (!IcdCore(sys, lx.core, lx.corelen, lx.nonterminal, out, err))
			return false;
		ZusatzDescribe(&lx, desc, sizeof(desc));
		if (sys == CODE_ICD10GM)
			return Fail(err, ICD10GM_PARSE_HINT,
						"The ICD-10-GM entry \"%.*s\" carries the Zusatzkennzeichen %s, which is not part of the code.",
						n, s, desc);
		return Fail(err, "German data: use system ICD10GM and split entries with clinnova.icd10gm_parse(text). "
					"ICD-10-CM codes, which may contain letters, use system ICD10CM.",
					"ICD-10 (WHO) codes have only digits after the first letter; the trailing %s in \"%.*s\" looks like an ICD-10-GM Zusatzkennzeichen.",
					desc, n, s);
	}
	if (lx.marker && lx.marker[0] == '!' && sys == CODE_ICD10)
		return Fail(err, "ICD-10-GM codes use system ICD10GM.",
					"The marker \"!\" (additional code) exists only in ICD-10-GM, not in ICD-10 (WHO): \"%.*s\".",
					n, s);
	return IcdCore(sys, lx.core, lx.corelen, lx.nonterminal, out, err);
}

/* Parse an ICD-10-CM value: letters and digits, one optional dot, no markers. */
static bool
ParseIcdCm(const char *s, int n, CodeBuf *out, CodeError *err)
{
	return IcdCore(CODE_ICD10CM, s, n, false, out, err);
}

/* ---- ATC ---- */

/* Parse an ATC code of any level. */
static bool
ParseAtc(const char *s, int n, CodeBuf *out, CodeError *err)
{
	static const char *const KIND[7] = {
		"main group letter", "digit", "digit", "letter", "letter", "digit", "digit"
	};
	char		chars[7];
	char		cd[16];
	int			i;

	if (n != 1 && n != 3 && n != 4 && n != 5 && n != 7)
		return Fail(err, NULL, "An ATC code has 1, 3, 4, 5 or 7 characters (levels 1 to 5); \"%.*s\" has %d.",
					n, s, n);
	for (i = 0; i < n; i++)
	{
		char		c = ToUpper(s[i]);
		bool		ok = (i == 1 || i == 2 || i >= 5) ? IsDigit(c) : IsUpper(c);

		if (!ok)
			return Fail(err, NULL, "Character %d of an ATC code is a %s; \"%.*s\" has %s.",
						i + 1, KIND[i], n, s, CharDesc(s[i], cd));
		chars[i] = c;
	}
	if (strchr("ABCDGHJLMNPRSV", chars[0]) == NULL)
		return Fail(err, NULL, "The ATC anatomical main group \"%c\" does not exist; the groups are A, B, C, D, G, H, J, L, M, N, P, R, S and V.",
					chars[0]);
	out->b[0] = CODE_HEAD(CODE_ATC, chars[0] - 'A');
	memcpy(out->b + 1, chars + 1, n - 1);
	out->len = n;
	return true;
}

/* ---- SNOMED CT ---- */

/* Verhoeff (dihedral group D5) multiplication, permutation and inverse tables. */
static const uint8 VERHOEFF_D[10][10] = {
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
	{1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
	{2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
	{3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
	{4, 0, 1, 2, 3, 9, 5, 6, 7, 8},
	{5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
	{6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
	{7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
	{8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
	{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}
};
static const uint8 VERHOEFF_F[8][10] = {
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
	{1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
	{5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
	{8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
	{9, 4, 5, 3, 1, 2, 6, 8, 7, 0},
	{4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
	{2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
	{7, 0, 4, 6, 9, 1, 3, 2, 5, 8}
};
static const uint8 VERHOEFF_INV[10] = {0, 4, 3, 2, 1, 5, 6, 7, 8, 9};

/*
 * The Verhoeff check digit for the digits [s, s + n) (the identifier without its check
 * digit): positions count from the right starting at 1, as they will once the check digit is
 * appended at position 0.
 */
static int
VerhoeffCheckDigit(const char *s, int n)
{
	int			c = 0;
	int			p;

	for (p = 1; p <= n; p++)
		c = VERHOEFF_D[c][VERHOEFF_F[p % 8][s[n - p] - '0']];
	return VERHOEFF_INV[c];
}

/* What a SNOMED CT partition identifier denotes (for the message when it is no concept). */
static const char *
PartitionKind(int partition)
{
	switch (partition)
	{
		case 1:
		case 11:
			return "description";
		case 2:
		case 12:
			return "relationship";
		case 16:
			return "postcoordinated expression";
		case 3:
		case 4:
		case 5:
		case 13:
		case 14:
		case 15:
			return "legacy RF1 (subset or cross-map)";
	}
	return "reserved";
}

/* Parse a SNOMED CT concept identifier. */
static bool
ParseSnomed(const char *s, int n, CodeBuf *out, CodeError *err)
{
	char		cd[16];
	int			partition;
	int			check;
	int			i;

	for (i = 0; i < n; i++)
		if (!IsDigit(s[i]))
			return Fail(err, NULL, "A SNOMED CT identifier has only digits; \"%.*s\" has %s.",
						n, s, CharDesc(s[i], cd));
	if (n < 6 || n > 18)
		return Fail(err, NULL, "A SNOMED CT identifier has 6 to 18 digits; \"%.*s\" has %d.", n, s, n);
	if (s[0] == '0')
		return Fail(err, NULL, "A SNOMED CT identifier has no leading zero: \"%.*s\".", n, s);
	partition = (s[n - 3] - '0') * 10 + (s[n - 2] - '0');
	if (partition != 0 && partition != 10)
		return Fail(err, "A code is a concept identifier: partition 00 (International Release) or 10 (extension).",
					"The partition identifier %02d of \"%.*s\" denotes a %s identifier, not a concept.",
					partition, n, s, PartitionKind(partition));
	if (partition == 10 && n < 11)
		return Fail(err, NULL, "The extension identifier \"%.*s\" (partition 10) needs a 7-digit namespace identifier, so at least 11 digits.",
					n, s);
	check = VerhoeffCheckDigit(s, n - 1);
	if (check != s[n - 1] - '0')
		return Fail(err, NULL, "The Verhoeff check digit of the SNOMED CT identifier \"%.*s\" is wrong: it should be %d.",
					n, s, check);
	code_encode_number(CODE_SNOMED, DigitsValue(s, n), out);
	return true;
}

/* ---- LOINC ---- */

/*
 * The 14 deprecated LOINC codes whose check digits are known to be wrong (LOINC forum), as
 * part * 10 + check digit.  They occur in old data and are accepted.
 */
static const int LOINC_BAD_CHECK[] = {
	114916, 115016, 58957, 58965, 58973, 59281, 60283, 64155, 65807, 66457, 66465, 66473,
	66481, 66499
};

/* The LOINC mod-10 check digit of the numeric part [s, s + n) (Luhn: double odd positions). */
static int
LoincCheckDigit(const char *s, int n)
{
	int			sum = 0;
	int			p;

	for (p = 1; p <= n; p++)
	{
		int			d = s[n - p] - '0';

		if (p % 2 == 1)
		{
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (10 - sum % 10) % 10;
}

/* Parse a LOINC code "part-check". */
static bool
ParseLoinc(const char *s, int n, CodeBuf *out, CodeError *err)
{
	const char *shape = "A LOINC code is a number of one to six digits, a hyphen and a check digit, as in \"1988-5\"; \"%.*s\" is not.";
	char		cd[16];
	int			part;
	int			check;
	int			expected;
	int			i;

	part = n - 2;
	if (n < 3 || s[part] != '-')
	{
		for (i = 0; i < n; i++)
			if (!IsDigit(s[i]) && s[i] != '-')
				return Fail(err, NULL, "A LOINC code has only digits and one hyphen; \"%.*s\" has %s.",
							n, s, CharDesc(s[i], cd));
		return Fail(err, NULL, shape, n, s);
	}
	for (i = 0; i < n; i++)
		if (i != part && !IsDigit(s[i]))
			return Fail(err, NULL, "A LOINC code has only digits and one hyphen; \"%.*s\" has %s.",
						n, s, CharDesc(s[i], cd));
	if (part > 6)
		return Fail(err, NULL, shape, n, s);
	if (s[0] == '0')
		return Fail(err, NULL, "The number of a LOINC code has no leading zero: \"%.*s\".", n, s);
	check = s[n - 1] - '0';
	expected = LoincCheckDigit(s, part);
	if (check != expected)
	{
		int			v = (int) DigitsValue(s, part) * 10 + check;

		for (i = 0; i < (int) lengthof(LOINC_BAD_CHECK); i++)
			if (LOINC_BAD_CHECK[i] == v)
				break;
		if (i == (int) lengthof(LOINC_BAD_CHECK))
			return Fail(err, NULL, "The mod-10 check digit of the LOINC code \"%.*s\" is wrong: it should be %d.",
						n, s, expected);
	}
	code_encode_number(CODE_LOINC, DigitsValue(s, part) * 10 + check, out);
	return true;
}

/* ---- OMOP ---- */

/* Parse an OMOP concept_id: a positive int4. */
static bool
ParseOmop(const char *s, int n, CodeBuf *out, CodeError *err)
{
	char		cd[16];
	uint64		v;
	int			i;

	for (i = 0; i < n; i++)
		if (!IsDigit(s[i]))
			return Fail(err, NULL, "An OMOP concept_id is a positive integer; \"%.*s\" has %s.",
						n, s, CharDesc(s[i], cd));
	if (s[0] == '0')
	{
		if (n == 1)
			return Fail(err, "Store NULL for an unmapped code.",
						"OMOP concept_id 0 means \"No matching concept\", not a concept.");
		return Fail(err, NULL, "An OMOP concept_id has no leading zero: \"%.*s\".", n, s);
	}
	if (n > 10 || (v = DigitsValue(s, n)) > (uint64) PG_INT32_MAX)
		return Fail(err, NULL, "The OMOP concept_id %.*s is out of range (1 to 2147483647).", n, s);
	code_encode_number(CODE_OMOP, v, out);
	return true;
}

/* ---- LOCAL ---- */

/* Parse a local code from its namespace and value parts. */
static bool
ParseLocalParts(const char *ns, int nslen, const char *val, int vlen, CodeBuf *out,
				CodeError *err)
{
	const char *shape_hint = "Write a local code as LOCAL:namespace/value, for example \"LOCAL:lux-lab/CRP01\".";
	char		cd[16];
	int			i;

	if (nslen == 0)
		return Fail(err, shape_hint, "The namespace of the local code is empty.");
	if (nslen > CODE_LOCAL_NS_MAX)
		return Fail(err, NULL, "The namespace \"%.*s\" is longer than %d characters.",
					nslen, ns, CODE_LOCAL_NS_MAX);
	for (i = 0; i < nslen; i++)
	{
		char		c = (char) pg_ascii_tolower((unsigned char) ns[i]);
		bool		alnum = IsDigit(c) || (c >= 'a' && c <= 'z');

		if (!(alnum || (i > 0 && (c == '.' || c == '_' || c == '-'))))
			return Fail(err, "A namespace has letters, digits, \".\", \"_\" and \"-\", and starts with a letter or digit.",
						"The namespace \"%.*s\" has %s at position %d.",
						nslen, ns, CharDesc(ns[i], cd), i + 1);
		out->b[1 + i] = (uint8) c;
	}
	if (vlen == 0)
		return Fail(err, shape_hint, "The value of the local code is empty.");
	if (vlen > CODE_LOCAL_VALUE_MAX)
		return Fail(err, NULL, "The value of the local code is longer than %d characters.",
					CODE_LOCAL_VALUE_MAX);
	out->b[1 + nslen] = '/';
	for (i = 0; i < vlen; i++)
	{
		unsigned char c = (unsigned char) val[i];

		if (c <= 0x20 || c >= 0x7F || c == '|')
			return Fail(err, "A local value has visible ASCII characters other than \"|\".",
						"The value \"%.*s\" of the local code contains %s.",
						vlen, val, CharDesc(val[i], cd));
		out->b[2 + nslen + i] = c;
	}
	out->b[0] = CODE_HEAD(CODE_LOCAL, 0);
	out->len = 2 + nslen + vlen;
	return true;
}

/* Parse a local code given as namespace and value (FHIR urn:clinnova:local:<ns> and value). */
bool
code_parse_local(const char *ns, int nslen, const char *val, int vlen, CodeBuf *out, CodeError *err)
{
	Trim(&val, &vlen);
	return ParseLocalParts(ns, nslen, val, vlen, out, err);
}

/* Parse "namespace/value". */
static bool
ParseLocal(const char *s, int n, CodeBuf *out, CodeError *err)
{
	const char *slash = memchr(s, '/', n);

	if (slash == NULL)
		return Fail(err, "Write a local code as LOCAL:namespace/value, for example \"LOCAL:lux-lab/CRP01\".",
					"The local code \"%.*s\" has no namespace.", n, s);
	return ParseLocalParts(s, (int) (slash - s), slash + 1, n - (int) (slash - s) - 1, out, err);
}

/* ---- entry points ---- */

/* Parse the value of a code of system sys (surrounding spaces allowed). */
bool
code_parse_value(CodeSystem sys, const char *s, int len, CodeBuf *out, CodeError *err)
{
	Trim(&s, &len);
	if (len == 0)
		return Fail(err, NULL, "The %s code is empty.", code_system_name(sys));
	if (len > CODE_MAX_INPUT)
		return Fail(err, NULL, "The value has %d characters; codes have at most %d.", len, CODE_MAX_INPUT);
	switch (sys)
	{
		case CODE_ICD10:
		case CODE_ICD10GM:
			return ParseIcdWhoGm(sys, s, len, out, err);
		case CODE_ICD10CM:
			return ParseIcdCm(s, len, out, err);
		case CODE_ATC:
			return ParseAtc(s, len, out, err);
		case CODE_SNOMED:
			return ParseSnomed(s, len, out, err);
		case CODE_LOINC:
			return ParseLoinc(s, len, out, err);
		case CODE_OMOP:
			return ParseOmop(s, len, out, err);
		case CODE_LOCAL:
			return ParseLocal(s, len, out, err);
	}
	elog(ERROR, "clinnova: unknown code system %d", (int) sys);
	return false;
}

/* Parse "SYSTEM:VALUE" or a FHIR token "uri|value". */
bool
code_parse(const char *s, int len, CodeBuf *out, CodeError *err)
{
	const char *sep;
	const char *name;
	int			namelen;
	int			sys;

	Trim(&s, &len);
	if (len == 0)
		return Fail(err, "Write a code as SYSTEM:VALUE, for example \"ICD10:K50.1\".", "The input is empty.");
	if (len > CODE_MAX_INPUT)
		return Fail(err, NULL, "The input has %d characters; codes have at most %d.", len, CODE_MAX_INPUT);

	sep = memchr(s, '|', len);
	if (sep != NULL)
	{
		const char *ns;
		int			nslen;
		const char *val = sep + 1;
		int			vlen = len - (int) (sep - s) - 1;

		name = s;
		namelen = (int) (sep - s);
		Trim(&name, &namelen);
		sys = code_system_by_uri(name, namelen, &ns, &nslen);
		if (sys < 0)
			return Fail(err, "Known URIs: http://hl7.org/fhir/sid/icd-10, http://fhir.de/CodeSystem/bfarm/icd-10-gm, "
						"http://hl7.org/fhir/sid/icd-10-cm, http://www.whocc.no/atc, http://snomed.info/sct, "
						"http://loinc.org, https://fhir-terminology.ohdsi.org, urn:clinnova:local:<namespace>.",
						"Unknown FHIR code system \"%.*s\".", namelen, name);
		if (sys == CODE_LOCAL)
			return code_parse_local(ns, nslen, val, vlen, out, err);
		return code_parse_value((CodeSystem) sys, val, vlen, out, err);
	}

	sep = memchr(s, ':', len);
	if (sep == NULL)
		return Fail(err, "Write a code as SYSTEM:VALUE, for example \"ICD10:K50.1\". " KNOWN_SYSTEMS_HINT,
					"The code \"%.*s\" has no system prefix.", len, s);
	name = s;
	namelen = (int) (sep - s);
	Trim(&name, &namelen);
	sys = code_system_by_name(name, namelen);
	if (sys < 0)
		return Fail(err, KNOWN_SYSTEMS_HINT, "Unknown coding system \"%.*s\".", namelen, name);
	return code_parse_value((CodeSystem) sys, sep + 1, len - (int) (sep - s) - 1, out, err);
}

/*
 * Split a German ICD-10-GM entry into code, diagnosis certainty, laterality and
 * multiple-coding marker.  An optional "ICD10GM:" prefix is allowed.
 */
bool
code_parse_icd10gm(const char *s, int len, Icd10gmParts *parts, CodeError *err)
{
	IcdLex		lx;
	char		cd[16];
	const char *colon;

	memset(parts, 0, sizeof(*parts));
	Trim(&s, &len);
	if (len > CODE_MAX_INPUT)
		return Fail(err, NULL, "The entry has %d characters; codes have at most %d.", len, CODE_MAX_INPUT);
	colon = len > 0 ? memchr(s, ':', len) : NULL;
	if (colon != NULL)
	{
		const char *name = s;
		int			namelen = (int) (colon - s);

		Trim(&name, &namelen);
		if (code_system_by_name(name, namelen) != CODE_ICD10GM)
			return Fail(err, "Pass the entry without a prefix, or with ICD10GM:.",
						"icd10gm_parse reads ICD-10-GM entries, not \"%.*s\" codes.", namelen, name);
		len -= (int) (colon - s) + 1;
		s = colon + 1;
		Trim(&s, &len);
	}
	if (len == 0)
		return Fail(err, NULL, "The ICD-10-GM entry is empty.");
	IcdLexWhoGm(s, len, &lx);
	if (lx.extra >= 0)
		return Fail(err, "Pass one code per call: a dagger-asterisk pair such as \"E10.30+ H36.0*\" is two diagnoses.",
					"The entry \"%.*s\" continues with %s after \"%.*s\", which is neither a marker nor a Zusatzkennzeichen.",
					len, s, CharDesc(s[lx.extra], cd), lx.extra, s);
	if (lx.repeated)
		return Fail(err, NULL, "The entry \"%.*s\" gives the diagnosis certainty or the laterality twice.", len, s);
	if (!IcdCore(CODE_ICD10GM, lx.core, lx.corelen, lx.nonterminal, &parts->code, err))
		return false;
	parts->certainty = lx.certainty;
	parts->laterality = lx.laterality;
	parts->marker = lx.marker;
	return true;
}

/* ---- formatting ---- */

/* Write the value part of an encoded code to out (at least CODE_MAX_TEXT bytes); return length. */
int
code_format_value(const uint8 *b, int len, char *out)
{
	CodeSystem	sys;
	int			sub;
	int			n = len - 1;
	uint64		v;
	int			k;

	if (len < 1)
		elog(ERROR, "clinnova: corrupt code value (empty)");
	sys = CODE_HEAD_SYSTEM(b[0]);
	sub = CODE_HEAD_SUB(b[0]);
	switch (sys)
	{
		case CODE_ICD10:
		case CODE_ICD10GM:
		case CODE_ICD10CM:
			out[0] = (char) ('A' + sub);
			if (n <= 2)
			{
				memcpy(out + 1, b + 1, n);
				return 1 + n;
			}
			memcpy(out + 1, b + 1, 2);
			out[3] = '.';
			memcpy(out + 4, b + 3, n - 2);
			return 2 + n;
		case CODE_ATC:
			out[0] = (char) ('A' + sub);
			memcpy(out + 1, b + 1, n);
			return 1 + n;
		case CODE_SNOMED:
		case CODE_OMOP:
			v = DecodeNumber(b, len);
			return pg_ulltoa_n(v, out);
		case CODE_LOINC:
			v = DecodeNumber(b, len);
			k = pg_ulltoa_n(v / 10, out);
			out[k++] = '-';
			out[k++] = (char) ('0' + v % 10);
			return k;
		case CODE_LOCAL:
			if (sub != 0 || n < 3 || n > CODE_MAX_BYTES)
				elog(ERROR, "clinnova: code system 7/%d is not supported by this version", sub);
			memcpy(out, b + 1, n);
			return n;
	}
	elog(ERROR, "clinnova: corrupt code value (head 0x%02X)", b[0]);
	return 0;
}

/* Write "SYSTEM:VALUE" to out (at least CODE_MAX_TEXT bytes); return its length. */
int
code_format(const uint8 *b, int len, char *out)
{
	const char *name;
	int			k;

	if (len < 1)
		elog(ERROR, "clinnova: corrupt code value (empty)");
	name = code_system_name(CODE_HEAD_SYSTEM(b[0]));
	k = strlen(name);
	memcpy(out, name, k);
	out[k++] = ':';
	return k + code_format_value(b, len, out + k);
}

/* Shortest payload a structural code can have; -1 for systems without structure. */
int
code_min_payload(CodeSystem sys)
{
	switch (sys)
	{
		case CODE_ICD10:
		case CODE_ICD10GM:
		case CODE_ICD10CM:
			return 2;
		case CODE_ATC:
			return 0;
		default:
			return -1;
	}
}
