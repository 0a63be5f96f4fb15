/*
 * vocab.c — codes and the OMOP vocabulary tables: concept_to_code, and the membership tests
 * is_a(code, code) and in_phenotype(code, name).
 *
 * Design note: descendant sets.
 *
 * is_a(a, b) is true when a is b, a structural descendant of b, or reaches b through the
 * vocabulary: a concept that is a's code or one of a's structural ancestors is b's concept, a
 * concept_ancestor descendant of it, or maps to one ('Maps to', 'Concept replaced by').
 * clinnova.descendants(b) (SQL, in the extension script) lists every vocabulary code with that
 * property, plus b itself.  So for any a:
 *
 *     is_a(a, b)  <=>  a or one of a's structural ancestors is in descendants(b)
 *
 * (a code outside the vocabulary is judged by its nearest ancestors inside it).  The set is
 * computed once per call site and query (cached in fn_extra, keyed by b or by the phenotype
 * name; up to 32 distinct keys, so a key that varies per row is cheap too) as a sorted array of encoded codes, and each row costs at most seven binary searches,
 * without allocation.  Every concept in the set is also entered as OMOP:<concept_id>, so OMOP
 * codes are judged too.  in_phenotype(a, name) is the same test against the union of the
 * descendant sets of the phenotype's included codes, minus those of its excluded codes.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "clinnova.h"
#include "code.h"

/* ---- concept_to_code ---- */

/* The code system of an OMOP vocabulary_id, or -1 for vocabularies kept as OMOP ids. */
static int
VocabularySystem(const char *v, int len)
{
	static const struct
	{
		const char *vocabulary_id;
		CodeSystem	sys;
	}			VOCABS[] = {
		{"ICD10", CODE_ICD10}, {"ICD10GM", CODE_ICD10GM}, {"ICD10CM", CODE_ICD10CM},
		{"ATC", CODE_ATC}, {"SNOMED", CODE_SNOMED}, {"LOINC", CODE_LOINC}, {"LOCAL", CODE_LOCAL}
	};
	int			i;

	for (i = 0; i < (int) lengthof(VOCABS); i++)
		if ((int) strlen(VOCABS[i].vocabulary_id) == len &&
			memcmp(VOCABS[i].vocabulary_id, v, len) == 0)
			return VOCABS[i].sys;
	return -1;
}

PG_FUNCTION_INFO_V1(concept_to_code);
/*
 * concept_to_code(vocabulary_id, concept_code, concept_id): the code of a concept row.  Rows of
 * the vocabularies ICD10, ICD10GM, ICD10CM, ATC, SNOMED, LOINC and LOCAL become codes of that
 * system when their concept_code is valid there; every other row becomes OMOP:<concept_id>
 * (NULL for concept_id <= 0).  Never raises for bad data, so it can index any Athena file.
 */
Datum
concept_to_code(PG_FUNCTION_ARGS)
{
	text	   *vocab = PG_GETARG_TEXT_PP(0);
	text	   *value = PG_GETARG_TEXT_PP(1);
	int32		id = PG_GETARG_INT32(2);
	int			sys = VocabularySystem(VARDATA_ANY(vocab), VARSIZE_ANY_EXHDR(vocab));
	CodeBuf		buf;
	CodeError	err;

	if (sys >= 0 &&
		code_parse_value((CodeSystem) sys, VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value), &buf, &err))
		PG_RETURN_DATUM(code_datum(&buf));
	if (id <= 0)
		PG_RETURN_NULL();
	code_encode_number(CODE_OMOP, (uint64) id, &buf);
	PG_RETURN_DATUM(code_datum(&buf));
}

/* ---- sorted code sets ---- */

/* A code in a set: pointer to its encoded bytes and their length. */
typedef struct CodeKey
{
	const uint8 *b;
	int			len;
} CodeKey;

/* A sorted, duplicate-free array of codes, allocated in one memory context. */
typedef struct CodeSet
{
	CodeKey    *keys;
	int			n;
	int			cap;
} CodeSet;

/* qsort comparator of CodeKeys. */
static int
CodeKeyCmp(const void *x, const void *y)
{
	const CodeKey *a = (const CodeKey *) x;
	const CodeKey *b = (const CodeKey *) y;

	return code_cmp_bytes(a->b, a->len, b->b, b->len);
}

/* Append a copy of bytes to the set (unsorted until CodeSetFinish). */
static void
CodeSetAdd(CodeSet *set, MemoryContext cxt, const uint8 *b, int len)
{
	uint8	   *copy;

	if (set->n == set->cap)
	{
		set->cap = set->cap == 0 ? 64 : set->cap * 2;
		set->keys = set->keys == NULL
			? MemoryContextAlloc(cxt, sizeof(CodeKey) * set->cap)
			: repalloc(set->keys, sizeof(CodeKey) * set->cap);
	}
	copy = MemoryContextAlloc(cxt, len);
	memcpy(copy, b, len);
	set->keys[set->n].b = copy;
	set->keys[set->n].len = len;
	set->n++;
}

/* Append OMOP:<id>. */
static void
CodeSetAddOmop(CodeSet *set, MemoryContext cxt, int32 id)
{
	CodeBuf		buf;

	if (id <= 0)
		return;
	code_encode_number(CODE_OMOP, (uint64) id, &buf);
	CodeSetAdd(set, cxt, buf.b, buf.len);
}

/* Sort and remove duplicates. */
static void
CodeSetFinish(CodeSet *set)
{
	int			i;
	int			k = 0;

	if (set->n == 0)
		return;
	qsort(set->keys, set->n, sizeof(CodeKey), CodeKeyCmp);
	for (i = 1; i < set->n; i++)
		if (CodeKeyCmp(&set->keys[k], &set->keys[i]) != 0)
			set->keys[++k] = set->keys[i];
	set->n = k + 1;
}

/* Is the code b (len bytes) in the set?  Binary search. */
static bool
CodeSetHas(const CodeSet *set, const uint8 *b, int len)
{
	int			lo = 0;
	int			hi = set->n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			r = code_cmp_bytes(set->keys[mid].b, set->keys[mid].len, b, len);

		if (r == 0)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/* Is a, or one of its structural ancestors, in the set? */
static bool
CodeSetMatches(const CodeSet *set, const uint8 *a, int la)
{
	int			lens[8];
	int			n;
	int			i;

	if (set->n == 0)
		return false;
	if (CodeSetHas(set, a, la))
		return true;
	n = code_ancestor_lengths(a, la, lens);
	for (i = n - 1; i >= 0; i--)
		if (CodeSetHas(set, a, 1 + lens[i]))
			return true;
	return false;
}

/* ---- filling sets from the vocabulary ---- */

/*
 * Run query (one parameter $1 of type argtype) through SPI; each result row is
 * (code, concept_id integer[, exclude boolean]).  Codes go into include, or into exclude when
 * the third column is true.  Returns the number of rows.
 */
static uint64
FillSets(const char *query, Oid argtype, Datum arg, CodeSet *include, CodeSet *exclude,
		 MemoryContext cxt)
{
	Oid			argtypes[1];
	Datum		values[1];
	uint64		nrows;
	uint64		i;
	int			rc;

	argtypes[0] = argtype;
	values[0] = arg;
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "clinnova: SPI_connect failed: %s", SPI_result_code_string(rc));
	rc = SPI_execute_with_args(query, 1, argtypes, values, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "clinnova: vocabulary query failed: %s", SPI_result_code_string(rc));
	nrows = SPI_processed;
	for (i = 0; i < nrows; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		d;
		CodeSet    *target = include;

		CHECK_FOR_INTERRUPTS();
		if (desc->natts >= 3)
		{
			d = SPI_getbinval(tup, desc, 3, &isnull);
			if (!isnull && DatumGetBool(d))
				target = exclude;
		}
		d = SPI_getbinval(tup, desc, 1, &isnull);
		if (!isnull)
		{
			struct varlena *c = DatumGetCodeP(d);

			CodeSetAdd(target, cxt, CODE_BYTES(c), CODE_NBYTES(c));
		}
		d = SPI_getbinval(tup, desc, 2, &isnull);
		if (!isnull)
			CodeSetAddOmop(target, cxt, DatumGetInt32(d));
	}
	SPI_finish();
	CodeSetFinish(include);
	if (exclude)
		CodeSetFinish(exclude);
	return nrows;
}

/* ---- per-call-site caches of code sets ---- */

/*
 * is_a and in_phenotype keep the sets of the last few distinct second arguments of a call
 * site, so a query whose phenotype or ancestor varies per row (in_phenotype(code, t.disease))
 * fills each set once, not once per change of value.  When the cache is full it starts over.
 */
#define VOCAB_CACHE_SLOTS 32

/* The sets of one second argument: its key (encoded code or phenotype name) and sets. */
typedef struct VocabSlot
{
	uint8	   *key;
	int			keylen;
	CodeSet		include;
	CodeSet		exclude;
} VocabSlot;

/* The cache of one call site, in fn_extra; every slot lives in cxt. */
typedef struct VocabCache
{
	MemoryContext cxt;
	int			n;				/* slots in use */
	int			last;			/* slot of the previous call */
	VocabSlot	slots[VOCAB_CACHE_SLOTS];
} VocabCache;

/* The cache of this call site, created on first use. */
static VocabCache *
VocabCacheGet(FunctionCallInfo fcinfo)
{
	VocabCache *cache = (VocabCache *) fcinfo->flinfo->fn_extra;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(VocabCache));
		cache->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "clinnova code sets",
										   ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = cache;
	}
	return cache;
}

/* The filled slot of key, or NULL when the sets of key are not cached. */
static VocabSlot *
VocabCacheFind(VocabCache *cache, const void *key, int keylen)
{
	int			i;

	if (cache->n > 0)
	{
		VocabSlot  *s = &cache->slots[cache->last];

		if (s->keylen == keylen && memcmp(s->key, key, keylen) == 0)
			return s;
	}
	for (i = 0; i < cache->n; i++)
	{
		VocabSlot  *s = &cache->slots[i];

		if (s->keylen == keylen && memcmp(s->key, key, keylen) == 0)
		{
			cache->last = i;
			return s;
		}
	}
	return NULL;
}

/*
 * A fresh slot for key (emptying the cache first when it is full).  The slot counts as filled
 * only after VocabCacheCommit, so an error while filling it leaves the cache consistent.
 */
static VocabSlot *
VocabCacheNew(VocabCache *cache, const void *key, int keylen)
{
	VocabSlot  *s;

	if (cache->n == VOCAB_CACHE_SLOTS)
	{
		MemoryContextReset(cache->cxt);
		cache->n = 0;
		cache->last = 0;
	}
	s = &cache->slots[cache->n];
	memset(s, 0, sizeof(*s));
	s->key = MemoryContextAlloc(cache->cxt, Max(keylen, 1));
	memcpy(s->key, key, keylen);
	s->keylen = keylen;
	return s;
}

/* Mark the slot VocabCacheNew returned as filled. */
static void
VocabCacheCommit(VocabCache *cache)
{
	cache->last = cache->n++;
}

/* ---- is_a ---- */

PG_FUNCTION_INFO_V1(is_a);
/* is_a(a, b): is a a kind of b, by structure or through the loaded vocabulary? */
Datum
is_a(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_CODE_P(0);
	struct varlena *b = PG_GETARG_CODE_P(1);
	int			lb = CODE_NBYTES(b);
	VocabCache *cache;
	VocabSlot  *slot;

	if (lb > CODE_MAX_BYTES)
		elog(ERROR, "clinnova: corrupt code value (%d bytes)", lb);
	/* structure alone decides the common case without touching the vocabulary */
	if (code_is_descendant(CODE_BYTES(a), CODE_NBYTES(a), CODE_BYTES(b), lb))
		PG_RETURN_BOOL(true);
	cache = VocabCacheGet(fcinfo);
	slot = VocabCacheFind(cache, CODE_BYTES(b), lb);
	if (slot == NULL)
	{
		slot = VocabCacheNew(cache, CODE_BYTES(b), lb);
		FillSets("SELECT d.code, d.concept_id FROM clinnova.descendants($1) d",
				 code_type_oid(), PointerGetDatum(b), &slot->include, NULL, cache->cxt);
		VocabCacheCommit(cache);
	}
	PG_RETURN_BOOL(CodeSetMatches(&slot->include, CODE_BYTES(a), CODE_NBYTES(a)));
}

/* ---- in_phenotype ---- */

PG_FUNCTION_INFO_V1(in_phenotype);
/* in_phenotype(code, name): is the code a kind of an included and of no excluded code? */
Datum
in_phenotype(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_CODE_P(0);
	text	   *name = PG_GETARG_TEXT_PP(1);
	const uint8 *ab = CODE_BYTES(a);
	int			la = CODE_NBYTES(a);
	VocabCache *cache = VocabCacheGet(fcinfo);
	VocabSlot  *slot = VocabCacheFind(cache, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name));

	if (slot == NULL)
	{
		uint64		rows;

		slot = VocabCacheNew(cache, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name));
		rows = FillSets("SELECT d.code, d.concept_id, p.exclude "
						"FROM clinnova.phenotype p CROSS JOIN LATERAL clinnova.descendants(p.code) d "
						"WHERE p.phenotype = $1",
						TEXTOID, PointerGetDatum(name), &slot->include, &slot->exclude, cache->cxt);
		if (rows == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown phenotype \"%s\"", text_to_cstring(name)),
					 errhint("The phenotypes are listed by SELECT DISTINCT phenotype FROM clinnova.phenotype.")));
		VocabCacheCommit(cache);
	}
	PG_RETURN_BOOL(CodeSetMatches(&slot->include, ab, la) &&
				   !CodeSetMatches(&slot->exclude, ab, la));
}
