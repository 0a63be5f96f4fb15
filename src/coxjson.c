/*
 * coxjson.c — reading the JSON text forms of coxmodel and coxstep.
 *
 * The text form of a model can be large (a baseline hazard with an entry per event time), so
 * it is read with PostgreSQL's streaming JSON parser rather than through jsonb (whose values
 * are limited to 256 MB and whose numerics would be an extra conversion).  Every leaf is
 * collected under its path ("baseline.time"), numbers converted to float8 on the spot with
 * the exact float8 reader, so a value that was written with shortest-exact formatting reads
 * back bit for bit.  A field is a scalar, an array of scalars, or an array of arrays (a
 * matrix, rows recorded); the type's input function then asks for each field by path and
 * shape, and refuses unknown fields, duplicates and wrong shapes with 22P02.
 */
#include "postgres.h"

#include <math.h>

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonfuncs.h"

#include "clinnova.h"
#include "coxjson.h"

/* Kinds of leaves. */
#define LEAF_NUMBER	0
#define LEAF_STRING	1
#define LEAF_TRUE	2
#define LEAF_FALSE	3
#define LEAF_NULL	4

/* Parser state: the path stack, the current field and array depth inside it. */
typedef struct ParseState
{
	CoxJsonDoc *doc;
	char	   *path[16];
	int			pathlen;
	CoxJsonField *cur;			/* field receiving leaves, or NULL */
	int			depth;			/* array nesting inside the current field */
	int64		rowstart;		/* leaf index where the current inner array began */
} ParseState;

/* 22P02 for a malformed value of the type. */
static void
Malformed(const CoxJsonDoc *doc, const char *detail, const char *path)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s", doc->typname),
			 path ? errdetail("%s (field \"%s\").", detail, path) : errdetail("%s.", detail)));
}

/* The dotted path of the current position. */
static char *
CurrentPath(ParseState *st)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < st->pathlen; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, '.');
		appendStringInfoString(&buf, st->path[i]);
	}
	return buf.data;
}

/* Find a field by path, or NULL. */
CoxJsonField *
CoxJsonGet(CoxJsonDoc *doc, const char *path)
{
	int			i;

	for (i = 0; i < doc->nfields; i++)
		if (strcmp(doc->fields[i].path, path) == 0)
		{
			doc->fields[i].used = true;
			return &doc->fields[i];
		}
	return NULL;
}

/* Start a new field at the current path (duplicates are an error). */
static CoxJsonField *
NewField(ParseState *st)
{
	CoxJsonDoc *doc = st->doc;
	char	   *path = CurrentPath(st);
	CoxJsonField *f;
	int			i;

	for (i = 0; i < doc->nfields; i++)
		if (strcmp(doc->fields[i].path, path) == 0)
			Malformed(doc, "A field occurs twice", path);
	if (doc->nfields == doc->capfields)
	{
		doc->capfields = Max(16, doc->capfields * 2);
		doc->fields = doc->fields ? repalloc(doc->fields, sizeof(CoxJsonField) * doc->capfields) :
			palloc(sizeof(CoxJsonField) * doc->capfields);
	}
	f = &doc->fields[doc->nfields++];
	memset(f, 0, sizeof(*f));
	f->path = path;
	return f;
}

/* Append one leaf to the current field. */
static void
AddLeaf(ParseState *st, int kind, double num, char *str)
{
	CoxJsonField *f = st->cur;

	if (f == NULL)
		f = st->cur = NewField(st);
	if (f->n == f->cap)
	{
		f->cap = Max(8, f->cap * 2);
		f->num = f->num ? repalloc_huge(f->num, sizeof(double) * f->cap) :
			palloc_extended(sizeof(double) * f->cap, MCXT_ALLOC_HUGE);
		f->kind = f->kind ? repalloc_huge(f->kind, f->cap) : palloc_extended(f->cap, MCXT_ALLOC_HUGE);
		if (f->str)
			f->str = repalloc_huge(f->str, sizeof(char *) * f->cap);
	}
	if (str != NULL && f->str == NULL)
		f->str = palloc_extended(sizeof(char *) * f->cap, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	f->num[f->n] = num;
	f->kind[f->n] = (uint8) kind;
	if (f->str)
		f->str[f->n] = str;
	f->n++;
}

/* Parser callback: entering an object member pushes its name on the path. */
static void
OnObjectFieldStart(void *state, char *fname, bool isnull)
{
	ParseState *st = state;

	if (st->cur != NULL)
		Malformed(st->doc, "Objects are not allowed inside arrays", CurrentPath(st));
	if (st->pathlen >= (int) lengthof(st->path))
		Malformed(st->doc, "The value nests too deeply", NULL);
	st->path[st->pathlen++] = fname;
}

/* Parser callback: leaving an object member pops its name and closes its field. */
static void
OnObjectFieldEnd(void *state, char *fname, bool isnull)
{
	ParseState *st = state;

	st->cur = NULL;
	st->depth = 0;
	st->pathlen--;
}

/* Parser callback: an array opens a field (depth 1) or a matrix row (depth 2). */
static void
OnArrayStart(void *state)
{
	ParseState *st = state;

	if (st->pathlen == 0)
		Malformed(st->doc, "The value must be a JSON object", NULL);
	if (st->cur == NULL)
	{
		st->cur = NewField(st);
		st->cur->is_array = true;
	}
	st->depth++;
	if (st->depth > 2)
		Malformed(st->doc, "Arrays nest at most two deep", st->cur->path);
	if (st->depth == 2)
	{
		st->cur->is_matrix = true;
		st->rowstart = st->cur->n;
	}
	else if (st->cur->is_matrix || st->cur->n > 0)
		Malformed(st->doc, "A field holds one array", st->cur->path);
}

/* Parser callback: a closing matrix row records its length (all rows must agree). */
static void
OnArrayEnd(void *state)
{
	ParseState *st = state;
	CoxJsonField *f = st->cur;

	if (st->depth == 2)
	{
		int64		len = f->n - st->rowstart;

		if (f->nrows > 0 && len != f->ncols)
			Malformed(st->doc, "The rows of a matrix differ in length", f->path);
		f->ncols = len;
		f->nrows++;
	}
	st->depth--;
}

/* Parser callback: a leaf value; numbers are read as float8 exactly, here and now. */
static void
OnScalar(void *state, char *token, JsonTokenType type)
{
	ParseState *st = state;

	if (st->pathlen == 0)
		Malformed(st->doc, "The value must be a JSON object", NULL);
	if (st->cur != NULL && st->cur->is_matrix && st->depth == 1)
		Malformed(st->doc, "A matrix holds only arrays", st->cur->path);
	switch (type)
	{
		case JSON_TOKEN_NUMBER:
			{
				char	   *end;
				double		v = float8in_internal(token, &end, st->doc->typname, token);

				AddLeaf(st, LEAF_NUMBER, v, NULL);
				break;
			}
		case JSON_TOKEN_STRING:
			AddLeaf(st, LEAF_STRING, 0, token);
			break;
		case JSON_TOKEN_TRUE:
			AddLeaf(st, LEAF_TRUE, 0, NULL);
			break;
		case JSON_TOKEN_FALSE:
			AddLeaf(st, LEAF_FALSE, 0, NULL);
			break;
		default:
			AddLeaf(st, LEAF_NULL, 0, NULL);
			break;
	}
}

/* Parse text (a JSON object) into a document of fields; 22P02 on bad syntax or shape. */
CoxJsonDoc *
CoxJsonParse(char *text, const char *typname)
{
	CoxJsonDoc *doc = palloc0(sizeof(CoxJsonDoc));
	ParseState	st;
	JsonSemAction sem;
	JsonLexContext *lex;
	JsonParseErrorType rc;

	doc->typname = typname;
	memset(&st, 0, sizeof(st));
	st.doc = doc;
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &st;
	sem.object_field_start = OnObjectFieldStart;
	sem.object_field_end = OnObjectFieldEnd;
	sem.array_start = OnArrayStart;
	sem.array_end = OnArrayEnd;
	sem.scalar = OnScalar;
	lex = makeJsonLexContextCstringLen(text, strlen(text), GetDatabaseEncoding(), true);
	rc = pg_parse_json(lex, &sem);
	if (rc != JSON_SUCCESS)
		json_ereport_error(rc, lex);
	if (doc->nfields == 0)
		Malformed(doc, "The value must be a non-empty JSON object", NULL);
	return doc;
}

/* 22P02 unless every field was asked for (unknown fields are refused). */
void
CoxJsonCheckAllUsed(const CoxJsonDoc *doc)
{
	int			i;

	for (i = 0; i < doc->nfields; i++)
		if (!doc->fields[i].used)
			Malformed(doc, "Unknown field", doc->fields[i].path);
}

/* Is the field absent or a JSON null? */
bool
CoxJsonIsNull(CoxJsonDoc *doc, const char *path)
{
	CoxJsonField *f = CoxJsonGet(doc, path);

	return f == NULL || (!f->is_array && f->n == 1 && f->kind[0] == LEAF_NULL);
}

/*
 * Is the object at path present?  A JSON null (or absence) says no; an object says yes
 * (its members are fields "path.member").
 */
bool
CoxJsonObjectPresent(CoxJsonDoc *doc, const char *path)
{
	CoxJsonField *f = CoxJsonGet(doc, path);
	size_t		len = strlen(path);
	int			i;

	if (f != NULL)
	{
		if (!f->is_array && f->n == 1 && f->kind[0] == LEAF_NULL)
			return false;
		Malformed(doc, "An object or null was expected", path);
	}
	for (i = 0; i < doc->nfields; i++)
		if (strncmp(doc->fields[i].path, path, len) == 0 && doc->fields[i].path[len] == '.')
			return true;
	return false;
}

/* The field, which must exist. */
static CoxJsonField *
Required(CoxJsonDoc *doc, const char *path)
{
	CoxJsonField *f = CoxJsonGet(doc, path);

	if (f == NULL)
		Malformed(doc, "A required field is missing", path);
	return f;
}

/* Leaf k of f as float8 (numbers, or the strings NaN, Infinity, -Infinity); null -> NaN. */
static double
LeafFloat(CoxJsonDoc *doc, CoxJsonField *f, int64 k, bool allow_null)
{
	switch (f->kind[k])
	{
		case LEAF_NUMBER:
			return f->num[k];
		case LEAF_STRING:
			if (strcmp(f->str[k], "NaN") == 0)
				return NAN;
			if (strcmp(f->str[k], "Infinity") == 0)
				return INFINITY;
			if (strcmp(f->str[k], "-Infinity") == 0)
				return -INFINITY;
			break;
		case LEAF_NULL:
			if (allow_null)
				return NAN;
			break;
	}
	Malformed(doc, "A number was expected", f->path);
	return 0;					/* keep compiler quiet */
}

/* A scalar number field. */
double
CoxJsonFloat(CoxJsonDoc *doc, const char *path, bool allow_null)
{
	CoxJsonField *f = Required(doc, path);

	if (f->is_array || f->n != 1)
		Malformed(doc, "A single number was expected", path);
	return LeafFloat(doc, f, 0, allow_null);
}

/* A scalar integer field in [lo, hi]. */
int64
CoxJsonInt(CoxJsonDoc *doc, const char *path, int64 lo, int64 hi)
{
	double		v = CoxJsonFloat(doc, path, false);

	if (!(v >= (double) lo && v <= (double) hi && v == floor(v)))
		Malformed(doc, "An integer in the allowed range was expected", path);
	return (int64) v;
}

/* A scalar boolean field. */
bool
CoxJsonBool(CoxJsonDoc *doc, const char *path)
{
	CoxJsonField *f = Required(doc, path);

	if (f->is_array || f->n != 1 || (f->kind[0] != LEAF_TRUE && f->kind[0] != LEAF_FALSE))
		Malformed(doc, "true or false was expected", path);
	return f->kind[0] == LEAF_TRUE;
}

/* A scalar string field. */
char *
CoxJsonString(CoxJsonDoc *doc, const char *path)
{
	CoxJsonField *f = Required(doc, path);

	if (f->is_array || f->n != 1 || f->kind[0] != LEAF_STRING)
		Malformed(doc, "A string was expected", path);
	return f->str[0];
}

/* An array of len numbers (len < 0: any length, returned in *outlen); nulls -> NaN if allowed. */
double *
CoxJsonFloats(CoxJsonDoc *doc, const char *path, int64 len, bool allow_null, int64 *outlen)
{
	CoxJsonField *f = Required(doc, path);
	double	   *v;
	int64		k;

	if (!f->is_array || f->is_matrix)
		Malformed(doc, "An array of numbers was expected", path);
	if (len >= 0 && f->n != len)
		Malformed(doc, psprintf("An array of %lld numbers was expected, not %lld",
								(long long) len, (long long) f->n), path);
	v = palloc_extended(sizeof(double) * Max(f->n, 1), MCXT_ALLOC_HUGE);
	for (k = 0; k < f->n; k++)
		v[k] = LeafFloat(doc, f, k, allow_null);
	if (outlen)
		*outlen = f->n;
	return v;
}

/* A rows x cols matrix of numbers (row-major result). */
double *
CoxJsonMatrix(CoxJsonDoc *doc, const char *path, int64 rows, int64 cols)
{
	CoxJsonField *f = Required(doc, path);
	double	   *v;
	int64		k;

	if (rows == 0)
	{
		if (!f->is_array || f->n != 0 || f->nrows != 0)
			Malformed(doc, "An empty array was expected", path);
		return palloc(sizeof(double));
	}
	if (!f->is_matrix || f->nrows != rows || f->ncols != cols)
		Malformed(doc, psprintf("A %lld x %lld matrix was expected", (long long) rows, (long long) cols), path);
	v = palloc_extended(sizeof(double) * Max(f->n, 1), MCXT_ALLOC_HUGE);
	for (k = 0; k < f->n; k++)
		v[k] = LeafFloat(doc, f, k, false);
	return v;
}

/* An array of strings (nulls allowed if allow_null: NULL entries). */
char **
CoxJsonStrings(CoxJsonDoc *doc, const char *path, int64 len, bool allow_null)
{
	CoxJsonField *f = Required(doc, path);
	char	  **v;
	int64		k;

	if (!f->is_array || f->is_matrix || (len >= 0 && f->n != len))
		Malformed(doc, psprintf("An array of %lld strings was expected", (long long) len), path);
	v = palloc(sizeof(char *) * Max(f->n, 1));
	for (k = 0; k < f->n; k++)
	{
		if (f->kind[k] == LEAF_STRING)
			v[k] = f->str[k];
		else if (f->kind[k] == LEAF_NULL && allow_null)
			v[k] = NULL;
		else
			Malformed(doc, "A string was expected", path);
	}
	return v;
}

/* An array of booleans. */
bool *
CoxJsonBools(CoxJsonDoc *doc, const char *path, int64 len)
{
	CoxJsonField *f = Required(doc, path);
	bool	   *v;
	int64		k;

	if (!f->is_array || f->is_matrix || f->n != len)
		Malformed(doc, psprintf("An array of %lld booleans was expected", (long long) len), path);
	v = palloc(sizeof(bool) * Max(f->n, 1));
	for (k = 0; k < f->n; k++)
	{
		if (f->kind[k] != LEAF_TRUE && f->kind[k] != LEAF_FALSE)
			Malformed(doc, "true or false was expected", path);
		v[k] = f->kind[k] == LEAF_TRUE;
	}
	return v;
}

/* Number of elements of an array field (-1 if absent or not an array). */
int64
CoxJsonLength(CoxJsonDoc *doc, const char *path)
{
	CoxJsonField *f = CoxJsonGet(doc, path);

	if (f == NULL || !f->is_array)
		return -1;
	return f->is_matrix ? f->nrows : f->n;
}

/* ---- writing ---- */

/* Append a JSON string literal. */
void
CoxJsonAppendString(StringInfo buf, const char *s)
{
	if (s == NULL)
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, s);
}

/* Append a float8 as a JSON number (exact), or "NaN"/"Infinity" strings, or null. */
void
CoxJsonAppendFloat(StringInfo buf, double v, bool nan_is_null)
{
	if (isnan(v) && nan_is_null)
		appendStringInfoString(buf, "null");
	else if (isnan(v) || isinf(v))
	{
		appendStringInfoChar(buf, '"');
		clinnova_append_float8(buf, v);
		appendStringInfoChar(buf, '"');
	}
	else
		clinnova_append_float8(buf, v);
}

/* Append [v0, v1, ...]. */
void
CoxJsonAppendFloats(StringInfo buf, const double *v, int64 n, bool nan_is_null)
{
	int64		k;

	appendStringInfoChar(buf, '[');
	for (k = 0; k < n; k++)
	{
		if (k > 0)
			appendStringInfoString(buf, ", ");
		CoxJsonAppendFloat(buf, v[k], nan_is_null);
	}
	appendStringInfoChar(buf, ']');
}

/* Append a rows x cols row-major matrix as an array of rows. */
void
CoxJsonAppendMatrix(StringInfo buf, const double *v, int64 rows, int64 cols)
{
	int64		r;

	appendStringInfoChar(buf, '[');
	for (r = 0; r < rows; r++)
	{
		if (r > 0)
			appendStringInfoString(buf, ", ");
		CoxJsonAppendFloats(buf, v + r * cols, cols, false);
	}
	appendStringInfoChar(buf, ']');
}
