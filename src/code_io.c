/*
 * code_io.c — SQL interface of the code type: text and binary I/O, casts, the constructor,
 * is_valid_code, accessors, FHIR Coding input, and icd10gm_parse.
 *
 * Binary format (version 1): one version byte, one system byte (CodeSystem), then the value
 * text as code_value() prints it (e.g. "K50.1").  It is independent of the on-disk encoding,
 * and code_recv runs the value through the same parser as code_in.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "clinnova.h"
#include "code.h"

/* Build a code datum: a 4-byte-header varlena holding head + payload. */
Datum
code_datum(const CodeBuf *buf)
{
	struct varlena *v = (struct varlena *) palloc(VARHDRSZ + buf->len);

	SET_VARSIZE(v, VARHDRSZ + buf->len);
	memcpy(VARDATA(v), buf->b, buf->len);
	return PointerGetDatum(v);
}

/* Cached OID of clinnova.code; reset by any pg_type invalidation (DROP/CREATE EXTENSION). */
static Oid	code_oid = InvalidOid;

/* Syscache callback: forget the cached type OID. */
static void
CodeTypeInvalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	code_oid = InvalidOid;
}

/* OID of clinnova.code, looked up once per backend and again after type invalidations. */
Oid
code_type_oid(void)
{
	static bool registered = false;

	if (!registered)
	{
		CacheRegisterSyscacheCallback(TYPEOID, CodeTypeInvalidate, (Datum) 0);
		registered = true;
	}
	if (!OidIsValid(code_oid))
	{
		Oid			nsp = get_namespace_oid("clinnova", false);

		code_oid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("code"),
								   ObjectIdGetDatum(nsp));
		if (!OidIsValid(code_oid))
			elog(ERROR, "clinnova: type clinnova.code does not exist");
	}
	return code_oid;
}

/* Parse text of len bytes or raise 22P02 quoting it. */
static Datum
CodeFromString(const char *s, int len)
{
	CodeBuf		buf;
	CodeError	err;

	if (!code_parse(s, len, &buf, &err))
		code_report_error(&err, ERRCODE_INVALID_TEXT_REPRESENTATION, s, len);
	return code_datum(&buf);
}

PG_FUNCTION_INFO_V1(code_in);
/* Text input: "SYSTEM:VALUE" or a FHIR token "uri|value". */
Datum
code_in(PG_FUNCTION_ARGS)
{
	const char *s = PG_GETARG_CSTRING(0);

	PG_RETURN_DATUM(CodeFromString(s, strlen(s)));
}

PG_FUNCTION_INFO_V1(code_out);
/* Text output: the canonical "SYSTEM:VALUE". */
Datum
code_out(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);
	char	   *out = palloc(CODE_MAX_TEXT);
	int			n = code_format(CODE_BYTES(c), CODE_NBYTES(c), out);

	out[n] = '\0';
	PG_RETURN_CSTRING(out);
}

PG_FUNCTION_INFO_V1(code_recv);
/* Binary input: version byte, system byte, value text; the value is fully re-validated. */
Datum
code_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int			sys;
	char	   *val;
	int			vlen;
	CodeBuf		buf;
	CodeError	err;

	clinnova_recv_version(msg, CODE_BINARY_VERSION, "code");
	if (msg->cursor >= msg->len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of code"),
				 errdetail("The value has no system byte.")));
	sys = pq_getmsgbyte(msg);
	if (sys < 0 || sys >= CODE_NSYSTEMS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of code"),
				 errdetail("System number %d is unknown to this version.", sys)));
	if (msg->len - msg->cursor > CODE_MAX_INPUT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of code"),
				 errdetail("The value has %d bytes; codes have at most %d.",
						   msg->len - msg->cursor, CODE_MAX_INPUT)));
	val = pq_getmsgtext(msg, msg->len - msg->cursor, &vlen);
	clinnova_recv_end(msg, "code");
	if (!code_parse_value((CodeSystem) sys, val, vlen, &buf, &err))
		code_report_error(&err, ERRCODE_INVALID_BINARY_REPRESENTATION, val, vlen);
	PG_RETURN_DATUM(code_datum(&buf));
}

PG_FUNCTION_INFO_V1(code_send);
/* Binary output: version byte, system byte, value text. */
Datum
code_send(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);
	const uint8 *b = CODE_BYTES(c);
	char		val[CODE_MAX_TEXT];
	int			n = code_format_value(b, CODE_NBYTES(c), val);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CODE_BINARY_VERSION);
	pq_sendbyte(&buf, (uint8) CODE_HEAD_SYSTEM(b[0]));
	pq_sendtext(&buf, val, n);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(code_from_text);
/* Cast text -> code (parses without the cstring round trip of an I/O cast). */
Datum
code_from_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_DATUM(CodeFromString(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

/* The system named by a text argument (a name or a FHIR URI); 22023 when unknown. */
static CodeSystem
SystemArg(text *t, const char **ns, int *nslen)
{
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	int			sys;

	*ns = NULL;
	*nslen = 0;
	while (len > 0 && s[0] == ' ')
		s++, len--;
	while (len > 0 && s[len - 1] == ' ')
		len--;
	sys = code_system_by_name(s, len);
	if (sys < 0)
		sys = code_system_by_uri(s, len, ns, nslen);
	if (sys < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown coding system \"%.*s\"", len, s),
				 errhint("Known systems are ICD10, ICD10GM, ICD10CM, ATC, SNOMED, LOINC, OMOP and "
						 "LOCAL, or their FHIR system URIs.")));
	return (CodeSystem) sys;
}

PG_FUNCTION_INFO_V1(code_make);
/* code(system, value): a code from its system (name or FHIR URI) and value. */
Datum
code_make(PG_FUNCTION_ARGS)
{
	text	   *v = PG_GETARG_TEXT_PP(1);
	const char *ns;
	int			nslen;
	CodeSystem	sys = SystemArg(PG_GETARG_TEXT_PP(0), &ns, &nslen);
	CodeBuf		buf;
	CodeError	err;
	const char *s = VARDATA_ANY(v);
	int			len = VARSIZE_ANY_EXHDR(v);
	bool		ok;

	if (sys == CODE_LOCAL && ns != NULL)
		ok = code_parse_local(ns, nslen, s, len, &buf, &err);	/* urn:clinnova:local:<ns> */
	else
		ok = code_parse_value(sys, s, len, &buf, &err);
	if (!ok)
		code_report_error(&err, ERRCODE_INVALID_TEXT_REPRESENTATION, s, len);
	PG_RETURN_DATUM(code_datum(&buf));
}

PG_FUNCTION_INFO_V1(code_normalize_system);
/* code_system_name(text): canonical name of a system given by name or FHIR URI. */
Datum
code_normalize_system(PG_FUNCTION_ARGS)
{
	const char *ns;
	int			nslen;

	PG_RETURN_TEXT_P(cstring_to_text(code_system_name(SystemArg(PG_GETARG_TEXT_PP(0), &ns, &nslen))));
}

PG_FUNCTION_INFO_V1(is_valid_code);
/* is_valid_code(text): would the text be accepted as a code?  Never raises for bad input. */
Datum
is_valid_code(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	CodeBuf		buf;
	CodeError	err;

	PG_RETURN_BOOL(code_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &buf, &err));
}

PG_FUNCTION_INFO_V1(code_system);
/* code_system(code): the system name, e.g. "ICD10GM". */
Datum
code_system(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);

	PG_RETURN_TEXT_P(cstring_to_text(code_system_name(CODE_HEAD_SYSTEM(CODE_BYTES(c)[0]))));
}

PG_FUNCTION_INFO_V1(code_value);
/* code_value(code): the value as the system writes it, e.g. "K50.1", "1988-5". */
Datum
code_value(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);
	char		out[CODE_MAX_TEXT];
	int			n = code_format_value(CODE_BYTES(c), CODE_NBYTES(c), out);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, n));
}

PG_FUNCTION_INFO_V1(code_fhir_system);
/* code_fhir_system(code): the FHIR Coding.system URI (LOCAL: urn:clinnova:local:<namespace>). */
Datum
code_fhir_system(PG_FUNCTION_ARGS)
{
	struct varlena *c = PG_GETARG_CODE_P(0);
	const uint8 *b = CODE_BYTES(c);
	CodeSystem	sys = CODE_HEAD_SYSTEM(b[0]);
	const char *uri = code_system_uri(sys);

	if (sys == CODE_LOCAL)
	{
		char		val[CODE_MAX_TEXT];
		int			n = code_format_value(b, CODE_NBYTES(c), val);
		const char *slash = memchr(val, '/', n);

		if (slash == NULL)
			elog(ERROR, "clinnova: corrupt local code without namespace");
		PG_RETURN_TEXT_P(cstring_to_text(psprintf("%s%.*s", uri, (int) (slash - val), val)));
	}
	PG_RETURN_TEXT_P(cstring_to_text(uri));
}

/* ---- FHIR Coding input ---- */

/* The string value of key in a jsonb object, or NULL; 22023 when it is not a string. */
static char *
JsonbString(Jsonb *j, const char *key, int *len)
{
	JsonbValue *v = getKeyJsonValueFromContainer(&j->root, key, strlen(key), NULL);

	if (v == NULL || v->type == jbvNull)
		return NULL;
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid FHIR Coding"),
				 errdetail("Element \"%s\" must be a string.", key)));
	*len = v->val.string.len;
	return v->val.string.val;
}

#define FHIR_EXT_CERTAINTY "http://fhir.de/StructureDefinition/icd-10-gm-diagnosesicherheit"
#define FHIR_EXT_LATERALITY "http://fhir.de/StructureDefinition/seitenlokalisation"
#define FHIR_EXT_MARKER "http://fhir.de/StructureDefinition/icd-10-gm-mehrfachcodierungs-kennzeichen"

/* Is the jsonb string v equal to s? */
static bool
UriIs(const JsonbValue *v, const char *s)
{
	return v->val.string.len == (int) strlen(s) && memcmp(v->val.string.val, s, v->val.string.len) == 0;
}

/* What a FHIR Coding holds: its code and the German ICD-10-GM extensions. */
typedef struct FhirCoding
{
	CodeBuf		code;
	char	   *certainty;		/* valueCoding.code of the extensions, or NULL */
	char	   *laterality;
	char	   *marker;
} FhirCoding;

/* The valueCoding.code of one extension element, or NULL. */
static char *
ExtensionCode(JsonbContainer *ext)
{
	JsonbValue *vc = getKeyJsonValueFromContainer(ext, "valueCoding", 11, NULL);
	JsonbValue *code;

	if (vc == NULL || vc->type != jbvBinary || !JsonContainerIsObject(vc->val.binary.data))
		return NULL;
	code = getKeyJsonValueFromContainer(vc->val.binary.data, "code", 4, NULL);
	if (code == NULL || code->type != jbvString)
		return NULL;
	return pnstrdup(code->val.string.val, code->val.string.len);
}

/*
 * Read a FHIR Coding (system, code, German extensions).  Raises 22023 for a JSON shape that
 * is no Coding, 22P02 for a code its system refuses.
 */
static void
ReadFhirCoding(Jsonb *j, FhirCoding *fc)
{
	const char *sysuri;
	const char *val;
	int			syslen = 0;
	int			vlen = 0;
	const char *ns;
	int			nslen;
	int			sys;
	JsonbValue *ext;
	CodeError	err;
	bool		ok;

	memset(fc, 0, sizeof(*fc));
	if (!JB_ROOT_IS_OBJECT(j))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid FHIR Coding"),
				 errdetail("A FHIR Coding is a JSON object with \"system\" and \"code\".")));
	if (getKeyJsonValueFromContainer(&j->root, "coding", 6, NULL) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid FHIR Coding"),
				 errdetail("The object is a CodeableConcept, which may hold several Codings."),
				 errhint("Pass one Coding, e.g. concept->'coding'->0.")));
	sysuri = JsonbString(j, "system", &syslen);
	val = JsonbString(j, "code", &vlen);
	if (sysuri == NULL || val == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid FHIR Coding"),
				 errdetail("The Coding has no \"%s\".", sysuri == NULL ? "system" : "code")));
	sys = code_system_by_uri(sysuri, syslen, &ns, &nslen);
	if (sys < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown FHIR code system \"%.*s\"", syslen, sysuri),
				 errhint("Known systems: http://hl7.org/fhir/sid/icd-10, http://fhir.de/CodeSystem/bfarm/icd-10-gm, "
						 "http://hl7.org/fhir/sid/icd-10-cm, http://www.whocc.no/atc, http://snomed.info/sct, "
						 "http://loinc.org, https://fhir-terminology.ohdsi.org, urn:clinnova:local:<namespace>.")));
	if (sys == CODE_LOCAL)
		ok = code_parse_local(ns, nslen, val, vlen, &fc->code, &err);
	else
		ok = code_parse_value((CodeSystem) sys, val, vlen, &fc->code, &err);
	if (!ok)
		code_report_error(&err, ERRCODE_INVALID_TEXT_REPRESENTATION, val, vlen);

	ext = getKeyJsonValueFromContainer(&j->root, "extension", 9, NULL);
	if (ext != NULL && ext->type == jbvBinary && JsonContainerIsArray(ext->val.binary.data))
	{
		JsonbIterator *it = JsonbIteratorInit(ext->val.binary.data);
		JsonbValue	e;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		{
			JsonbValue *url;

			if (tok != WJB_ELEM || e.type != jbvBinary || !JsonContainerIsObject(e.val.binary.data))
				continue;
			url = getKeyJsonValueFromContainer(e.val.binary.data, "url", 3, NULL);
			if (url == NULL || url->type != jbvString)
				continue;
			if (UriIs(url, FHIR_EXT_CERTAINTY))
				fc->certainty = ExtensionCode(e.val.binary.data);
			else if (UriIs(url, FHIR_EXT_LATERALITY))
				fc->laterality = ExtensionCode(e.val.binary.data);
			else if (UriIs(url, FHIR_EXT_MARKER))
				fc->marker = ExtensionCode(e.val.binary.data);
		}
	}
}

PG_FUNCTION_INFO_V1(from_fhir);
/*
 * from_fhir(jsonb): the code of a FHIR Coding.  A Coding that carries an ICD-10-GM diagnosis
 * certainty or laterality extension is refused (22023): dropping an "A" (excluded) would turn
 * a ruled-out diagnosis into a disease; icd10gm_parse(jsonb) returns them.
 */
Datum
from_fhir(PG_FUNCTION_ARGS)
{
	FhirCoding	fc;

	ReadFhirCoding(PG_GETARG_JSONB_P(0), &fc);
	if (fc.certainty != NULL || fc.laterality != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("FHIR Coding carries an ICD-10-GM Zusatzkennzeichen"),
				 errdetail("The Coding has a %s extension (\"%s\"), which is not part of the code.",
						   fc.certainty != NULL ? "diagnosis certainty" : "laterality",
						   fc.certainty != NULL ? fc.certainty : fc.laterality),
				 errhint("Read it with clinnova.icd10gm_parse(jsonb), which returns the code with its "
						 "certainty and laterality; an \"A\" (excluded) diagnosis must never be "
						 "counted as disease.")));
	PG_RETURN_DATUM(code_datum(&fc.code));
}

/* The record (code, certainty, laterality, marker) returned by both icd10gm_parse forms. */
static Datum
Icd10gmRecord(FunctionCallInfo fcinfo, const CodeBuf *code, const char *certainty,
			  const char *laterality, const char *marker)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: icd10gm_parse must be called in a context that accepts a record");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = code_datum(code);
	nulls[1] = certainty == NULL;
	nulls[2] = laterality == NULL;
	nulls[3] = marker == NULL;
	if (certainty)
		values[1] = CStringGetTextDatum(certainty);
	if (laterality)
		values[2] = CStringGetTextDatum(laterality);
	if (marker)
		values[3] = CStringGetTextDatum(marker);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

PG_FUNCTION_INFO_V1(icd10gm_parse);
/*
 * icd10gm_parse(text): split a German ICD-10-GM entry ("G35.10 G", "B06.0+", "S51.9 LG")
 * into the code, diagnosis certainty (G/V/Z/A), laterality (R/L/B) and multiple-coding marker
 * ("†" for "+" or "†", "*", "!").
 */
Datum
icd10gm_parse(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	Icd10gmParts parts;
	CodeError	err;
	char		cert[2] = {0, 0};
	char		lat[2] = {0, 0};

	if (!code_parse_icd10gm(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &parts, &err))
		code_report_error(&err, ERRCODE_INVALID_TEXT_REPRESENTATION, VARDATA_ANY(t),
						  VARSIZE_ANY_EXHDR(t));
	cert[0] = parts.certainty;
	lat[0] = parts.laterality;
	PG_RETURN_DATUM(Icd10gmRecord(fcinfo, &parts.code, parts.certainty ? cert : NULL,
								  parts.laterality ? lat : NULL, parts.marker));
}

/* Check one extension value against its allowed letters; 22P02 otherwise. */
static const char *
CheckExtension(const char *v, const char *allowed, const char *what)
{
	if (v == NULL)
		return NULL;
	if (strlen(v) != 1 || strchr(allowed, v[0]) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid ICD-10-GM %s \"%s\"", what, v),
				 errdetail("The %s is one of the letters %s.", what, allowed)));
	return v;
}

PG_FUNCTION_INFO_V1(icd10gm_parse_fhir);
/* icd10gm_parse(jsonb): the same parts, read from an ICD-10-GM FHIR Coding and its extensions. */
Datum
icd10gm_parse_fhir(PG_FUNCTION_ARGS)
{
	FhirCoding	fc;
	const char *marker = NULL;

	ReadFhirCoding(PG_GETARG_JSONB_P(0), &fc);
	if (CODE_HEAD_SYSTEM(fc.code.b[0]) != CODE_ICD10GM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("icd10gm_parse reads ICD-10-GM Codings"),
				 errdetail("The Coding is a %s code.", code_system_name(CODE_HEAD_SYSTEM(fc.code.b[0]))),
				 errhint("Use clinnova.from_fhir(jsonb) for other systems.")));
	if (fc.marker != NULL)
	{
		if (strcmp(fc.marker, "*") == 0 || strcmp(fc.marker, "!") == 0)
			marker = fc.marker;
		else if (strcmp(fc.marker, "+") == 0 || strcmp(fc.marker, "\xE2\x80\xA0") == 0)
			marker = "\xE2\x80\xA0";
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid ICD-10-GM multiple-coding marker \"%s\"", fc.marker),
					 errdetail("The marker is one of \"\xE2\x80\xA0\", \"*\" and \"!\".")));
	}
	PG_RETURN_DATUM(Icd10gmRecord(fcinfo, &fc.code,
								  CheckExtension(fc.certainty, "GVZA", "diagnosis certainty"),
								  CheckExtension(fc.laterality, "RLB", "laterality"),
								  marker));
}
