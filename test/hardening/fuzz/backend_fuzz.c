/*
 * backend_fuzz.c — libFuzzer driver that feeds its inputs to a running PostgreSQL backend.
 *
 * The input functions of survfit, coxmodel, coxstep (and the types and JSON importers added
 * later) parse with the backend's JSON code and report with ereport, so they are fuzzed where
 * they run: every input is sent as the parameter of one query over libpq, in text form (the
 * type's input function runs) or in binary form (its receive function runs, exactly as for a
 * client's binary parameter or COPY).  libFuzzer's mutations (bit flips, insertions, cross-over,
 * a JSON dictionary) work on seed values of the type.  The backend's code coverage does not
 * reach the fuzzer; instead every distinct outcome (SQLSTATE, message and detail with digits
 * blanked) sets one of libFuzzer's extra counters, so an input that reaches a validation check
 * no earlier input reached counts as new coverage and joins the corpus.  An input is a failure
 * (libFuzzer saves it) when
 *   - the connection is lost (the backend crashed), or
 *   - the query fails with an internal error (SQLSTATE class XX) or anything outside classes
 *     22 / 54 (bad input, limits), or
 *   - the query returns false: by convention it checks that an accepted value reads back.
 * Environment: PGHOST, PGPORT, PGUSER, PGDATABASE as for psql; CLN_FUZZ_SQL the query ($1 is
 * the input); CLN_FUZZ_TYPE the parameter type (for binary parameters: its name, resolved to
 * an OID); CLN_FUZZ_BINARY=1 to send the input as a binary parameter.
 * Build and run: test/hardening/fuzz/run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

/* Pseudo-coverage: one counter per distinct outcome (libFuzzer reads this section). */
#define NCOUNTERS 8192
__attribute__((section("__libfuzzer_extra_counters")))
static uint8_t outcome_counters[NCOUNTERS];

static PGconn *conn;
static const char *sql;
static unsigned int param_type;
static int	binary;

/* Connect once; resolve the parameter type. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = getenv("CLN_FUZZ_TYPE");

	sql = getenv("CLN_FUZZ_SQL");
	binary = getenv("CLN_FUZZ_BINARY") && strcmp(getenv("CLN_FUZZ_BINARY"), "1") == 0;
	if (sql == NULL)
	{
		fprintf(stderr, "backend_fuzz: set CLN_FUZZ_SQL\n");
		exit(2);
	}
	conn = PQconnectdb("");
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "backend_fuzz: %s", PQerrorMessage(conn));
		exit(2);
	}
	PQclear(PQexec(conn, "SET client_min_messages = error"));
	if (t && t[0] != '\0')
	{
		const char *vals[1] = {t};
		PGresult   *r = PQexecParams(conn, "SELECT $1::regtype::oid", 1, NULL, vals, NULL, NULL, 0);

		if (PQresultStatus(r) != PGRES_TUPLES_OK)
		{
			fprintf(stderr, "backend_fuzz: unknown type %s: %s", t, PQerrorMessage(conn));
			exit(2);
		}
		param_type = (unsigned int) strtoul(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	return 0;
}

/*
 * Count an outcome: FNV-1a over the strings with digits and quoted text left out, so that the
 * values and tokens an error message quotes do not make new outcomes, only new checks do.
 */
static void
CountOutcome(const char *a, const char *b, const char *c)
{
	const char *parts[3] = {a, b, c};
	uint32_t	h = 2166136261u;
	int			i;

	for (i = 0; i < 3; i++)
	{
		const char *p;
		int			quoted = 0;

		for (p = parts[i] ? parts[i] : ""; *p; p++)
		{
			if (*p == '"')
				quoted = !quoted;
			if (quoted || (*p >= '0' && *p <= '9'))
				continue;
			h ^= (uint8_t) *p;
			h *= 16777619u;
		}
		h ^= 0xff;
		h *= 16777619u;
	}
	if (outcome_counters[h % NCOUNTERS] < 255)
		outcome_counters[h % NCOUNTERS]++;
}

/* Send one input; abort on a crash, an internal error or a failed check. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *buf;
	const char *vals[1];
	int			lens[1] = {(int) size};
	int			fmts[1] = {binary};
	unsigned int types[1] = {param_type};
	PGresult   *r;
	const char *state;

	if (!binary && memchr(data, 0, size) != NULL)
		return 0;				/* a text parameter cannot hold a zero byte */
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	vals[0] = buf;
	r = PQexecParams(conn, sql, 1, param_type ? types : NULL, vals, lens, fmts, 0);
	free(buf);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "backend_fuzz: connection lost: %s", PQerrorMessage(conn));
		abort();
	}
	switch (PQresultStatus(r))
	{
		case PGRES_TUPLES_OK:
			CountOutcome("ok", PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "", NULL);
			if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "f") == 0)
			{
				fprintf(stderr, "backend_fuzz: the check returned false\n");
				abort();
			}
			break;
		case PGRES_FATAL_ERROR:
			state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			CountOutcome(state, PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY),
						 PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL));
			/*
			 * class 22 or 54; or 08P01, which PostgreSQL's pq_getmsg* raise for binary data
			 * that ends early (as its own receive functions do): test/hardening/io.sql
			 */
			if (state == NULL || (strncmp(state, "22", 2) != 0 && strncmp(state, "54", 2) != 0 &&
								  strcmp(state, "08P01") != 0))
			{
				fprintf(stderr, "backend_fuzz: unexpected error %s: %s", state ? state : "?",
						PQresultErrorMessage(r));
				abort();
			}
			break;
		default:
			fprintf(stderr, "backend_fuzz: unexpected result %s\n", PQresStatus(PQresultStatus(r)));
			abort();
	}
	PQclear(r);
	return 0;
}
