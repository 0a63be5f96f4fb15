/*
 * clinnova.c — module entry point: PG_MODULE_MAGIC, settings, shared helpers, version and
 * build information.
 *
 * Settings are all registered here so that a DBA finds every clinnova.* GUC in one place;
 * the modules that read them include clinnova.h.
 */
#include "postgres.h"

#include <dirent.h>
#include <math.h>
#include <sys/mman.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/varlena.h"

#include "clinnova.h"
#include "federation.h"
#include "linalg.h"

PG_MODULE_MAGIC;

/* ---- settings ---- */
bool		clinnova_verbose = false;
int			clinnova_min_cell_count = 5;
char	   *clinnova_federation_roles = NULL;
double		clinnova_time_grain = 0.0;

void		_PG_init(void);

/*
 * GUC check hook of clinnova.federation_roles: the value must be a comma-separated list of role
 * names (quoted identifiers allowed), so that a typo is refused when it is set instead of
 * failing every later statement of every restricted session.
 */
static bool
CheckFederationRoles(char **newval, void **extra, GucSource source)
{
	char	   *raw = pstrdup(*newval);
	List	   *names;
	bool		ok = SplitIdentifierString(raw, ',', &names);

	if (!ok)
		GUC_check_errdetail("The value must be a comma-separated list of role names.");
	list_free(names);
	pfree(raw);
	return ok;
}

/*
 * Library load: register settings, reserve the clinnova.* prefix and pin BLAS to one thread.
 * Parallelism comes from PostgreSQL workers and from federation sites, never from BLAS threads
 * inside a backend.
 */
void
_PG_init(void)
{
	linalg_init();

	DefineCustomBoolVariable("clinnova.verbose",
							 "Report progress of model fitting as NOTICE messages.",
							 "One NOTICE per Newton or IRLS iteration with the log-likelihood.",
							 &clinnova_verbose,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("clinnova.min_cell_count",
							"Smallest number of people a federated result may describe.",
							"Exported states suppress or coarsen any cell (group, risk-table row, "
							"model fit, Cox interval) describing fewer people than this.",
							&clinnova_min_cell_count,
							5, 1, 1000000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	DefineCustomStringVariable("clinnova.federation_roles",
							   "Roles whose sessions the federation guard restricts.",
							   "Comma-separated list of role names; empty disables the guard.",
							   &clinnova_federation_roles,
							   "",
							   PGC_SUSET, 0,
							   CheckFederationRoles, NULL, NULL);

	DefineCustomRealVariable("clinnova.time_grain",
							 "Grain to which exported risk-table times are coarsened (0 = exact).",
							 "Event and censoring times leaving a site are rounded up to a "
							 "multiple of this grain before the minimum cell count is applied.",
							 &clinnova_time_grain,
							 0.0, 0.0, 1.0e9,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	federation_guard_init();

	MarkGUCPrefixReserved("clinnova");
}

/* ---- disclosure control (federation) ---- */

/* Is the current role one of clinnova.federation_roles, or a member of one? */
bool
clinnova_disclosure_control_active(void)
{
	char	   *raw;
	List	   *names;
	ListCell   *lc;
	Oid			me = GetUserId();
	bool		active = false;

	if (clinnova_federation_roles == NULL || clinnova_federation_roles[0] == '\0')
		return false;
	raw = pstrdup(clinnova_federation_roles);
	if (!SplitIdentifierString(raw, ',', &names))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid list syntax in clinnova.federation_roles"),
				 errdetail("The value is \"%s\".", clinnova_federation_roles)));
	foreach(lc, names)
	{
		Oid			role = get_role_oid((char *) lfirst(lc), true);

		if (OidIsValid(role) && (role == me || is_member_of_role_nosuper(me, role)))
		{
			active = true;
			break;
		}
	}
	list_free(names);
	pfree(raw);
	return active;
}

/* Round t up to the next multiple of clinnova.time_grain (no change when the grain is 0). */
double
clinnova_coarsen_time(double t)
{
	if (clinnova_time_grain <= 0.0 || !isfinite(t))
		return t;
	return ceil(t / clinnova_time_grain) * clinnova_time_grain;
}

/* ---- exact float8 text I/O ---- */

/* Append v in the shortest decimal form that reads back to the identical double. */
void
clinnova_append_float8(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (isnan(v))
		appendStringInfoString(buf, "NaN");
	else if (isinf(v))
		appendStringInfoString(buf, v > 0 ? "Infinity" : "-Infinity");
	else
	{
		double_to_shortest_decimal_buf(v, tmp);
		appendStringInfoString(buf, tmp);
	}
}

/* Parse one float8 at str (leading spaces allowed); 22P02 on a malformed number. */
double
clinnova_parse_float8(char *str, char **endptr, const char *typname, const char *orig)
{
	return float8in_internal(str, endptr, typname, orig);
}

/* ---- float8[] arguments ---- */

/* Elements of a 1-D float8[] in place; 22023 on a multi-dimensional array or a NULL element. */
double *
clinnova_float8_array(ArrayType *a, int *n, const char *argname)
{
	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "clinnova: %s is not a float8[]", argname);
	if (ARR_NDIM(a) == 0)
	{
		*n = 0;
		return NULL;
	}
	if (ARR_NDIM(a) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", argname),
				 errdetail("The array has %d dimensions.", ARR_NDIM(a))));
	if (ARR_HASNULL(a) && array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not contain NULL elements", argname),
				 errhint("Filter incomplete rows with WHERE, or impute the missing values.")));
	*n = ARR_DIMS(a)[0];
	return (double *) ARR_DATA_PTR(a);
}

/*
 * The float8[] argument argno as clinnova_float8_array reads it.  An array stored as a short
 * inline varlena (what a table holds for arrays of up to 12 elements) is copied into buf with
 * a 4-byte header, as detoasting would do into a palloc'd copy: aggregates call this once per
 * input row.  Other forms are detoasted as usual.  The result points into buf or the array.
 */
double *
clinnova_float8_array_arg(FunctionCallInfo fcinfo, int argno, ClnShortArrayBuf *buf, int *n,
						  const char *argname)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));

	if (VARATT_IS_SHORT(v) && !VARATT_IS_EXTERNAL(v))
	{
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;

		memcpy(buf->data + VARHDRSZ, VARDATA_SHORT(v), len);
		SET_VARSIZE(buf->data, len + VARHDRSZ);
		return clinnova_float8_array((ArrayType *) buf->data, n, argname);
	}
	return clinnova_float8_array(PG_GETARG_ARRAYTYPE_P(argno), n, argname);
}

/* Build a 1-D float8[] from n doubles (palloc'd in the current memory context). */
ArrayType *
clinnova_make_float8_array(const double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_array(d, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* ---- binary I/O ---- */

/* Check the leading format-version byte of a binary value. */
void
clinnova_recv_version(StringInfo buf, int expected, const char *typname)
{
	int			version;

	if (buf->cursor >= buf->len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of %s", typname),
				 errdetail("The value is empty.")));
	version = pq_getmsgbyte(buf);
	if (version != expected)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of %s", typname),
				 errdetail("Format version %d is not supported; this build reads version %d.",
						   version, expected),
				 errhint("Sender and receiver must run the same clinnova version.")));
}

/* Check that a binary value had no trailing bytes. */
void
clinnova_recv_end(StringInfo buf, const char *typname)
{
	if (buf->cursor != buf->len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of %s", typname),
				 errdetail("%d unexpected trailing bytes.", buf->len - buf->cursor)));
}

/* ---- memory ---- */

/* Arrays at least this large are advised to use transparent huge pages. */
#define HUGE_ADVICE_BYTES	((Size) 4 << 20)
#define HUGE_PAGE_BYTES		((uintptr_t) 2 << 20)

/*
 * Advise the kernel to back the 2 MB-aligned interior of a large fresh array with
 * transparent huge pages (where the system allows it on request: THP "madvise" mode).  Model
 * fits touch every byte of their row arrays, and first-touch page faults are a large part of
 * the cost of holding a million rows: one fault per 2 MB instead of per 4 kB saves real time.
 * Purely advisory; failures are ignored.
 */
void
clinnova_advise_huge_pages(void *p, Size size)
{
#ifdef MADV_HUGEPAGE
	uintptr_t	start = ((uintptr_t) p + HUGE_PAGE_BYTES - 1) & ~(HUGE_PAGE_BYTES - 1);
	uintptr_t	end = ((uintptr_t) p + size) & ~(HUGE_PAGE_BYTES - 1);

	if (size >= HUGE_ADVICE_BYTES && end > start)
		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
#endif
}

/*
 * Uninitialised room for n doubles in the current memory context, allowed beyond 1 GB, with
 * huge pages advised when large; 54000 (naming what) when n is negative or too large.
 */
double *
clinnova_alloc_doubles(int64 n, const char *what)
{
	double	   *p;

	if (n < 0 || n > (int64) (MaxAllocHugeSize / sizeof(double)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for %s in memory", what)));
	p = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	clinnova_advise_huge_pages(p, sizeof(double) * Max(n, 1));
	return p;
}

/* ---- process facts ---- */

/* Count the threads of this process through /proc/self/task; -1 where /proc is unavailable. */
int
clinnova_process_threads(void)
{
	DIR		   *dir = AllocateDir("/proc/self/task");
	struct dirent *de;
	int			n = 0;

	if (dir == NULL)
		return -1;
	while ((de = ReadDir(dir, "/proc/self/task")) != NULL)
	{
		if (de->d_name[0] != '.')
			n++;
	}
	FreeDir(dir);
	return n;
}

/* ---- SQL: version and build information ---- */

PG_FUNCTION_INFO_V1(clinnova_version);
/* clinnova.version(): the version of the loaded library. */
Datum
clinnova_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(CLINNOVA_VERSION));
}

PG_FUNCTION_INFO_V1(clinnova_build_info);
/*
 * clinnova.build_info(): library version, server version, BLAS library, its threading mode and
 * thread count, the backend's thread count, and the result of a small BLAS/LAPACK self-check
 * (a Cholesky solve with a known answer), so that a DBA can verify an install in one query.
 */
Datum
clinnova_build_info(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false};
	bool		check_ok;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: build_info must be called in a context that accepts a record");
	tupdesc = BlessTupleDesc(tupdesc);

	check_ok = linalg_self_check();

	values[0] = CStringGetTextDatum(CLINNOVA_VERSION);
	values[1] = CStringGetTextDatum(PG_VERSION_STR);
	values[2] = CStringGetTextDatum(linalg_blas_config());
	values[3] = CStringGetTextDatum(linalg_blas_mode());
	values[4] = Int32GetDatum(linalg_blas_threads());
	values[5] = Int32GetDatum(clinnova_process_threads());
	values[6] = BoolGetDatum(check_ok);
	if (values[5] == Int32GetDatum(-1))
		nulls[5] = true;

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
