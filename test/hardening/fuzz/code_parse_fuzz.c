/*
 * code_parse_fuzz.c — libFuzzer target for the clinical-code grammar (src/code_parse.c).
 *
 * code_parse.c is pure by design: it never raises, it fills a CodeError.  This target links it
 * outside PostgreSQL, with stubs for the few backend symbols it references (below), and checks
 * for every input:
 *   - code_parse, code_parse_icd10gm and code_parse_value (each system) neither crash nor read
 *     or write out of bounds (AddressSanitizer, UndefinedBehaviorSanitizer);
 *   - an accepted code has 1..CODE_MAX_BYTES bytes, a valid head byte, and a canonical text
 *     form (code_format) that is printable ASCII, shorter than CODE_MAX_TEXT and parses back
 *     to exactly the same bytes (so text output / input round-trips);
 *   - a can't-happen elog(ERROR) inside the parser is reached by no input (the stub aborts).
 * Build and run: test/hardening/fuzz/run (libFuzzer from clang-14).
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "code.h"

/* ---- stubs of the backend symbols code_parse.c references ---- */

static int	stub_elevel;

/* errstart: remember the level; every report is printed. */
bool
errstart(int elevel, const char *domain)
{
	stub_elevel = elevel;
	return true;
}

/* errstart_cold: as errstart. */
bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

/* errfinish: an ERROR from the parser is a bug (the parser must only fill CodeError). */
void
errfinish(const char *filename, int lineno, const char *funcname)
{
	fprintf(stderr, "code_parse_fuzz: elog level %d reached at %s:%d (%s)\n",
			stub_elevel, filename, lineno, funcname);
	if (stub_elevel >= ERROR)
		abort();
}

/* errmsg_internal: print the message. */
int
errmsg_internal(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 0;
}

/* The remaining error-reporting entry points are only used by code_report_error. */
int			errcode(int sqlerrcode) { return 0; }
int			errmsg(const char *fmt,...) { return 0; }
int			errdetail_internal(const char *fmt,...) { return 0; }
int			errhint(const char *fmt,...) { return 0; }

/* pg_mbcliplen: only used by code_report_error (never called here). */
int
pg_mbcliplen(const char *mbstr, int len, int limit)
{
	return len < limit ? len : limit;
}

/* pg_ulltoa_n (backend numutils.c): the decimal digits of value, not NUL-terminated. */
int
pg_ulltoa_n(uint64 value, char *a)
{
	char		tmp[24];
	int			n = 0,
				i;

	do
	{
		tmp[n++] = (char) ('0' + value % 10);
		value /= 10;
	} while (value > 0);
	for (i = 0; i < n; i++)
		a[i] = tmp[n - 1 - i];
	return n;
}

/* ---- checks ---- */

/* Fail loudly: libFuzzer records the input as a crash. */
#define CHECK(cond) \
	do { if (!(cond)) { fprintf(stderr, "code_parse_fuzz: check failed: %s (line %d)\n", #cond, __LINE__); abort(); } } while (0)

/* An accepted code: sizes, head byte, canonical text that parses back to the same bytes. */
static void
CheckAccepted(const CodeBuf *buf)
{
	char		text[CODE_MAX_TEXT * 2];
	char		value[CODE_MAX_TEXT * 2];
	CodeBuf		again;
	CodeError	err;
	int			n,
				i;

	CHECK(buf->len >= 1 && buf->len <= CODE_MAX_BYTES);
	CHECK(CODE_HEAD_SYSTEM(buf->b[0]) < CODE_NSYSTEMS);
	n = code_format(buf->b, buf->len, text);	/* not NUL-terminated */
	CHECK(n > 0 && n < CODE_MAX_TEXT);
	for (i = 0; i < n; i++)
		CHECK(text[i] > 0x20 && text[i] < 0x7F);
	memset(&again, 0, sizeof(again));
	CHECK(code_parse(text, n, &again, &err));
	CHECK(again.len == buf->len && memcmp(again.b, buf->b, buf->len) == 0);
	/* the value part alone, with the system known, parses to the same code */
	n = code_format_value(buf->b, buf->len, value);
	CHECK(n > 0 && n < CODE_MAX_TEXT);
	if (CODE_HEAD_SYSTEM(buf->b[0]) != CODE_LOCAL)
	{
		memset(&again, 0, sizeof(again));
		CHECK(code_parse_value(CODE_HEAD_SYSTEM(buf->b[0]), value, n, &again, &err));
		CHECK(again.len == buf->len && memcmp(again.b, buf->b, buf->len) == 0);
	}
}

/* The fuzz target. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	int			len = size > 4096 ? 4096 : (int) size;
	CodeBuf		buf;
	CodeError	err;
	Icd10gmParts parts;
	int			sys;

	memset(&buf, 0, sizeof(buf));
	if (code_parse(s, len, &buf, &err))
		CheckAccepted(&buf);
	else
		CHECK(strlen(err.detail) < sizeof(err.detail));

	memset(&parts, 0, sizeof(parts));
	if (code_parse_icd10gm(s, len, &parts, &err))
	{
		CheckAccepted(&parts.code);
		CHECK(CODE_HEAD_SYSTEM(parts.code.b[0]) == CODE_ICD10GM);
	}

	for (sys = 0; sys < CODE_NSYSTEMS; sys++)
	{
		memset(&buf, 0, sizeof(buf));
		if (code_parse_value((CodeSystem) sys, s, len, &buf, &err))
		{
			CheckAccepted(&buf);
			CHECK(CODE_HEAD_SYSTEM(buf.b[0]) == sys);
		}
	}
	return 0;
}
