/*
 * code_op.c — operators and structure of the code type: comparison (btree), hashing, sort
 * support with abbreviated keys, the hierarchy operators <@ and @>, and the structural
 * functions code_parent, code_level, code_ancestors, code_chapter, code_subtree_end.
 *
 * All of them work on the encoded bytes (see code.h): equality is byte equality, order is
 * bytewise order, and for ICD-10 and ATC a structural ancestor's bytes are a prefix of its
 * descendants' bytes.  Systems without structure (SNOMED, LOINC, OMOP, LOCAL) have no
 * ancestors here: their hierarchy lives in the vocabulary tables (is_a, descendants).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/sortsupport.h"

#include "clinnova.h"
#include "code.h"

/* ---- structure helpers (declared in code.h) ---- */

/* Is a a structural descendant-or-self of b?  Always false across systems. */
bool
code_is_descendant(const uint8 *a, int la, const uint8 *b, int lb)
{
	if (a[0] != b[0])
		return false;			/* other system, or other first letter */
	if (!code_system_is_structured(CODE_HEAD_SYSTEM(a[0])))
		return la == lb && memcmp(a + 1, b + 1, la - 1) == 0;
	return lb <= la && memcmp(a + 1, b + 1, lb - 1) == 0;
}

/*
 * The exclusive upper bound of b's subtree in bytewise order.
 *
 * Structured systems: the payload is upper-case letters and digits, so the least string
 * greater than every extension of the payload is obtained by stepping its last character to
 * the next one of the alphabet 0-9A-Z ("9" -> "A"); a "Z" is dropped and the step carried to
 * the character before; an exhausted payload steps the head byte.  Nothing valid lies between
 * b's subtree and that bound, so [b, bound) is exactly the subtree.
 * Flat systems: [b, bound) must hold b alone: numbers step to number + 1, a LOCAL value gets the
 * smallest allowed character ("!") appended.
 */
void
code_subtree_end_buf(const uint8 *b, int lb, CodeBuf *out)
{
	CodeSystem	sys = CODE_HEAD_SYSTEM(b[0]);

	memcpy(out->b, b, lb);
	out->len = lb;
	if (code_system_is_structured(sys))
	{
		while (out->len > 1)
		{
			uint8	   *c = &out->b[out->len - 1];

			if (*c == '9')
			{
				*c = 'A';
				return;
			}
			if (*c != 'Z')
			{
				(*c)++;
				return;
			}
			out->len--;
		}
		out->b[0]++;
		return;
	}
	if (sys == CODE_LOCAL)
	{
		Assert(lb <= CODE_MAX_BYTES);
		out->b[out->len++] = '!';
		return;
	}
	/* numbers: big-endian payload of sub bytes; add one, growing by a byte on overflow */
	{
		int			i;

		for (i = lb - 1; i >= 1; i--)
		{
			if (out->b[i] != 0xFF)
			{
				out->b[i]++;
				return;
			}
			out->b[i] = 0;
		}
		/* all 0xFF: 1 followed by zeros, one byte longer */
		out->b[1] = 1;
		memset(out->b + 2, 0, lb - 1);
		out->len = lb + 1;
		out->b[0] = CODE_HEAD(sys, lb);
	}
}

/* Is the character at payload index j of a CM code a placeholder "X" (positions 4 to 6)? */
static inline bool
IsPlaceholder(CodeSystem sys, const uint8 *b, int j)
{
	return sys == CODE_ICD10CM && j >= 3 && b[1 + j - 1] == 'X';
}

/*
 * Payload lengths of b's structural ancestors, root first, into lens (room for 7).
 * ICD: every proper prefix of at least three characters, skipping ICD-10-CM prefixes that end
 * in the placeholder X (T36.0X1 -> T36.0, not T36.0X).  ATC: the proper prefixes of the level
 * lengths 1, 3, 4, 5.
 */
int
code_ancestor_lengths(const uint8 *b, int lb, int *lens)
{
	CodeSystem	sys = CODE_HEAD_SYSTEM(b[0]);
	int			n = 0;
	int			j;

	if (sys == CODE_ATC)
	{
		static const int ATC_LEVELS[] = {0, 2, 3, 4};

		for (j = 0; j < (int) lengthof(ATC_LEVELS); j++)
			if (ATC_LEVELS[j] < lb - 1)
				lens[n++] = ATC_LEVELS[j];
		return n;
	}
	if (!code_system_is_structured(sys))
		return 0;
	for (j = 2; j < lb - 1; j++)
		if (!IsPlaceholder(sys, b, j))
			lens[n++] = j;
	return n;
}

/* ---- comparison ---- */

/* Compare two code datums. */
static inline int
CodeCmp(Datum x, Datum y)
{
	struct varlena *a = DatumGetCodeP(x);
	struct varlena *b = DatumGetCodeP(y);
	int			r = code_cmp_bytes(CODE_BYTES(a), CODE_NBYTES(a), CODE_BYTES(b), CODE_NBYTES(b));

	if ((Pointer) a != DatumGetPointer(x))
		pfree(a);
	if ((Pointer) b != DatumGetPointer(y))
		pfree(b);
	return r;
}

PG_FUNCTION_INFO_V1(code_cmp);
/* btree support 1: three-way comparison. */
Datum
code_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(CodeCmp(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)));
}

PG_FUNCTION_INFO_V1(code_eq);
/* a = b: same system and same value. */
Datum
code_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CodeCmp(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)) == 0);
}

PG_FUNCTION_INFO_V1(code_ne);
/* a <> b. */
Datum
code_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CodeCmp(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)) != 0);
}

PG_FUNCTION_INFO_V1(code_lt);
/* a < b in code order. */
Datum
code_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CodeCmp(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)) < 0);
}

PG_FUNCTION_INFO_V1(code_le);
/* a <= b in code order. */
Datum
code_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CodeCmp(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)) <= 0);
}

PG_FUNCTION_INFO_V1(code_gt);
/* a > b in code order. */
Datum
code_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CodeCmp(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)) > 0);
}

PG_FUNCTION_INFO_V1(code_ge);
/* a >= b in code order. */
Datum
code_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CodeCmp(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)) >= 0);
}

/* ---- sort support ---- */

/* Full comparator for sorts. */
static int
CodeFastCmp(Datum x, Datum y, SortSupport ssup)
{
	return CodeCmp(x, y);
}

/*
 * Abbreviated key: the first 8 encoded bytes, big-endian, zero-padded.  Zero padding keeps
 * the order (a prefix never sorts after its extensions), and most codes fit entirely.
 */
static Datum
CodeAbbrevConvert(Datum original, SortSupport ssup)
{
	struct varlena *c = DatumGetCodeP(original);
	const uint8 *b = CODE_BYTES(c);
	int			n = Min(CODE_NBYTES(c), 8);
	uint64		key = 0;
	int			i;

	for (i = 0; i < 8; i++)
		key = (key << 8) | (i < n ? b[i] : 0);
	if ((Pointer) c != DatumGetPointer(original))
		pfree(c);
	return UInt64GetDatum(key);
}

/* Never abandon abbreviation: the key is most of the value. */
static bool
CodeAbbrevAbort(int memtupcount, SortSupport ssup)
{
	return false;
}

PG_FUNCTION_INFO_V1(code_sortsupport);
/* btree support 2: comparator, with abbreviated keys on 64-bit platforms. */
Datum
code_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = CodeFastCmp;
#if SIZEOF_DATUM >= 8
	if (ssup->abbreviate)
	{
		ssup->abbrev_converter = CodeAbbrevConvert;
		ssup->abbrev_abort = CodeAbbrevAbort;
		ssup->abbrev_full_comparator = CodeFastCmp;
		ssup->comparator = ssup_datum_unsigned_cmp;
	}
#endif
	PG_RETURN_VOID();
}

/* ---- hashing ---- */

PG_FUNCTION_INFO_V1(code_hash);
/* hash support 1: hash of the encoded bytes (equal codes have equal bytes). */
Datum
code_hash(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);

	PG_RETURN_DATUM(hash_any(CODE_BYTES(c), CODE_NBYTES(c)));
}

PG_FUNCTION_INFO_V1(code_hash_extended);
/* hash support 2: seeded 64-bit hash. */
Datum
code_hash_extended(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);

	PG_RETURN_DATUM(hash_any_extended(CODE_BYTES(c), CODE_NBYTES(c), PG_GETARG_INT64(1)));
}

/* ---- hierarchy ---- */

PG_FUNCTION_INFO_V1(code_contained);
/* a <@ b: a is b or a structural descendant of b (ICD-10, ATC); equality elsewhere. */
Datum
code_contained(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_CODE_P(0);
	struct varlena *b = PG_GETARG_CODE_P(1);

	PG_RETURN_BOOL(code_is_descendant(CODE_BYTES(a), CODE_NBYTES(a), CODE_BYTES(b), CODE_NBYTES(b)));
}

PG_FUNCTION_INFO_V1(code_contains);
/* a @> b: a is b or a structural ancestor of b. */
Datum
code_contains(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_CODE_P(0);
	struct varlena *b = PG_GETARG_CODE_P(1);

	PG_RETURN_BOOL(code_is_descendant(CODE_BYTES(b), CODE_NBYTES(b), CODE_BYTES(a), CODE_NBYTES(a)));
}

/* A code made of the head and the first plen payload bytes of b. */
static Datum
CodePrefix(const uint8 *b, int plen)
{
	CodeBuf		buf;

	buf.len = 1 + plen;
	memcpy(buf.b, b, buf.len);
	return code_datum(&buf);
}

PG_FUNCTION_INFO_V1(code_parent);
/* code_parent(code): the nearest structural ancestor, or NULL. */
Datum
code_parent(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);
	int			lens[8];
	int			n = code_ancestor_lengths(CODE_BYTES(c), CODE_NBYTES(c), lens);

	if (n == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(CodePrefix(CODE_BYTES(c), lens[n - 1]));
}

PG_FUNCTION_INFO_V1(code_ancestors);
/* code_ancestors(code): structural ancestors from the root down (without the code itself). */
Datum
code_ancestors(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);
	int			lens[8];
	int			n = code_ancestor_lengths(CODE_BYTES(c), CODE_NBYTES(c), lens);
	Datum		elems[8];
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = CodePrefix(CODE_BYTES(c), lens[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, code_type_oid(), -1, false, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(code_level);
/*
 * code_level(code): ICD: the number of characters (3 category, 4 subcategory, 5-7 finer; chapter
 * and block would be 1 and 2).  ATC: the WHO level 1-5.  NULL for systems without structure.
 */
Datum
code_level(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);
	int			len = CODE_NBYTES(c);
	CodeSystem	sys = CODE_HEAD_SYSTEM(CODE_BYTES(c)[0]);

	if (sys == CODE_ATC)
	{
		static const int ATC_LEVEL_OF_LENGTH[8] = {0, 1, 0, 2, 3, 4, 0, 5};

		PG_RETURN_INT32(ATC_LEVEL_OF_LENGTH[Min(len, 7)]);
	}
	if (!code_system_is_structured(sys))
		PG_RETURN_NULL();
	PG_RETURN_INT32(len);
}

PG_FUNCTION_INFO_V1(code_subtree_end);
/* code_subtree_end(code): exclusive upper bound of the code's subtree (index conditions). */
Datum
code_subtree_end(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);
	CodeBuf		buf;

	code_subtree_end_buf(CODE_BYTES(c), CODE_NBYTES(c), &buf);
	PG_RETURN_DATUM(code_datum(&buf));
}

/*
 * ICD-10 chapters as ranges of categories (shared/CODES.md 1.1 for WHO 2019; ICD-10-GM from
 * the BfArM 2025 code file: III ends at D90, XX is V01-Y84, XXII is U00-U99).  Chapters are not
 * letter-aligned (D and H are split), so lookup compares the three-character category.
 */
typedef struct IcdChapter
{
	const char *numeral;
	char		first[4];
	char		last[4];
} IcdChapter;

static const IcdChapter WHO_CHAPTERS[] = {
	{"I", "A00", "B99"}, {"II", "C00", "D48"}, {"III", "D50", "D89"}, {"IV", "E00", "E90"},
	{"V", "F00", "F99"}, {"VI", "G00", "G99"}, {"VII", "H00", "H59"}, {"VIII", "H60", "H95"},
	{"IX", "I00", "I99"}, {"X", "J00", "J99"}, {"XI", "K00", "K93"}, {"XII", "L00", "L99"},
	{"XIII", "M00", "M99"}, {"XIV", "N00", "N99"}, {"XV", "O00", "O99"}, {"XVI", "P00", "P96"},
	{"XVII", "Q00", "Q99"}, {"XVIII", "R00", "R99"}, {"XIX", "S00", "T98"}, {"XX", "V01", "Y98"},
	{"XXI", "Z00", "Z99"}, {"XXII", "U00", "U85"}
};

static const IcdChapter GM_CHAPTERS[] = {
	{"I", "A00", "B99"}, {"II", "C00", "D48"}, {"III", "D50", "D90"}, {"IV", "E00", "E90"},
	{"V", "F00", "F99"}, {"VI", "G00", "G99"}, {"VII", "H00", "H59"}, {"VIII", "H60", "H95"},
	{"IX", "I00", "I99"}, {"X", "J00", "J99"}, {"XI", "K00", "K93"}, {"XII", "L00", "L99"},
	{"XIII", "M00", "M99"}, {"XIV", "N00", "N99"}, {"XV", "O00", "O99"}, {"XVI", "P00", "P96"},
	{"XVII", "Q00", "Q99"}, {"XVIII", "R00", "R99"}, {"XIX", "S00", "T98"}, {"XX", "V01", "Y84"},
	{"XXI", "Z00", "Z99"}, {"XXII", "U00", "U99"}
};

PG_FUNCTION_INFO_V1(code_chapter);
/* code_chapter(code): the Roman numeral of the ICD-10 or ICD-10-GM chapter, or NULL. */
Datum
code_chapter(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);
	const uint8 *b = CODE_BYTES(c);
	CodeSystem	sys = CODE_HEAD_SYSTEM(b[0]);
	const IcdChapter *chapters;
	int			nchapters;
	char		cat[4];
	int			i;

	if (sys == CODE_ICD10)
		chapters = WHO_CHAPTERS, nchapters = lengthof(WHO_CHAPTERS);
	else if (sys == CODE_ICD10GM)
		chapters = GM_CHAPTERS, nchapters = lengthof(GM_CHAPTERS);
	else
		PG_RETURN_NULL();
	cat[0] = (char) ('A' + CODE_HEAD_SUB(b[0]));
	cat[1] = (char) b[1];
	cat[2] = (char) b[2];
	cat[3] = '\0';
	for (i = 0; i < nchapters; i++)
		if (strcmp(cat, chapters[i].first) >= 0 && strcmp(cat, chapters[i].last) <= 0)
			PG_RETURN_TEXT_P(cstring_to_text(chapters[i].numeral));
	PG_RETURN_NULL();
}
