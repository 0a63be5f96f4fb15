/*
 * code.h — the clinnova.code type: one validated, normalised clinical code.
 *
 * Design note: storage.
 *
 * A code is a short varlena whose data are a HEAD byte followed by a PAYLOAD:
 *
 *   head = system << 5 | sub          system 0..6 below; 7 = "other" group, sub selects
 *                                      (7/0 = LOCAL; 7/1..7/31 reserved for future systems)
 *
 *   ICD10, ICD10GM, ICD10CM, ATC      sub = first letter - 'A'; payload = the remaining
 *                                      characters in ASCII, upper case, without the ICD dot
 *                                      (ICD10:K50.1 -> head, "501"; ATC:L04AG05 -> head, "04AG05")
 *   SNOMED, LOINC, OMOP               sub = number of payload bytes (1..8); payload = the number,
 *                                      big-endian, without leading zero bytes.  LOINC stores
 *                                      part * 10 + check digit.
 *   LOCAL                             sub = 0; payload = "namespace/value" in ASCII
 *
 * Invariants, established by the parser and relied on by every operator:
 *   - the encoding is canonical: two codes are equal iff their bytes are equal, so equality and
 *     hashing work on bytes and the btree opclass may deduplicate (equalimage);
 *   - bytewise order (memcmp, shorter first on a common prefix) is the sort order: it groups by
 *     system, sorts numbers numerically, and puts an ICD/ATC ancestor immediately before its
 *     descendants, because a structural ancestor's bytes are a prefix of its descendants' bytes;
 *   - the whole value is at most CODE_MAX_BYTES bytes, so it is always stored with a 1-byte
 *     varlena header: ICD10:K50.1 takes 5 bytes on disk, the text 'K50.1' takes 6.
 */
#ifndef CLINNOVA_CODE_H
#define CLINNOVA_CODE_H

#include "postgres.h"

#include "fmgr.h"

/* Coding systems, in sort order.  The numbers are part of the on-disk and binary formats. */
typedef enum CodeSystem
{
	CODE_ICD10 = 0,				/* ICD-10, WHO */
	CODE_ICD10GM = 1,			/* ICD-10-GM, Germany (BfArM) */
	CODE_ICD10CM = 2,			/* ICD-10-CM, USA (NCHS/CMS) */
	CODE_ATC = 3,				/* Anatomical Therapeutic Chemical classification (WHOCC) */
	CODE_SNOMED = 4,			/* SNOMED CT concept identifier */
	CODE_LOINC = 5,				/* LOINC code */
	CODE_OMOP = 6,				/* OMOP CDM concept_id */
	CODE_LOCAL = 7				/* site-local code: namespace/value */
} CodeSystem;

#define CODE_NSYSTEMS		8

/* head byte layout */
#define CODE_HEAD(sys, sub)	((uint8) (((sys) << 5) | (sub)))
#define CODE_HEAD_SYSTEM(h) ((CodeSystem) ((h) >> 5))
#define CODE_HEAD_SUB(h)	((h) & 0x1F)

/* limits */
#define CODE_LOCAL_NS_MAX	32		/* characters of a LOCAL namespace */
#define CODE_LOCAL_VALUE_MAX 64		/* characters of a LOCAL value */
#define CODE_MAX_BYTES		(1 + CODE_LOCAL_NS_MAX + 1 + CODE_LOCAL_VALUE_MAX)
#define CODE_MAX_TEXT		128		/* longest text form "SYSTEM:VALUE" plus NUL */
#define CODE_MAX_INPUT		256		/* longer input is rejected before it is parsed */

/* binary send/recv format version */
#define CODE_BINARY_VERSION 1

/* A code being built or inspected: head byte followed by the payload. */
typedef struct CodeBuf
{
	int			len;			/* bytes used in b, head included (>= 1) */
	uint8		b[CODE_MAX_BYTES + 1];	/* + 1: room for a subtree bound */
} CodeBuf;

/*
 * What went wrong while parsing.  The parser never raises an error itself, so that
 * is_valid_code() can ask without a subtransaction; code_report_error() raises it.
 */
typedef struct CodeError
{
	char		detail[256];	/* full-sentence errdetail */
	const char *hint;			/* errhint or NULL */
} CodeError;

/* Parts of an ICD-10-GM code as written in German source data (see icd10gm_parse). */
typedef struct Icd10gmParts
{
	CodeBuf		code;			/* the bare code */
	char		certainty;		/* Diagnosesicherheit G/V/Z/A, or 0 */
	char		laterality;		/* Seitenlokalisation R/L/B, or 0 */
	const char *marker;			/* multiple-coding marker "†", "*", "!", or NULL */
} Icd10gmParts;

/* ---- parsing and formatting (code_parse.c) ---- */

/* Parse "SYSTEM:VALUE" or "fhir-uri|value" (len bytes, not NUL-terminated). */
extern bool code_parse(const char *s, int len, CodeBuf *out, CodeError *err);

/* Parse a value of a known system. */
extern bool code_parse_value(CodeSystem sys, const char *s, int len, CodeBuf *out,
							 CodeError *err);

/* Parse a local code from its namespace and value (as a FHIR Coding carries them). */
extern bool code_parse_local(const char *ns, int nslen, const char *val, int vlen, CodeBuf *out,
							 CodeError *err);

/* Split and validate a German ICD-10-GM entry such as "G35.10 G" or "B06.0+". */
extern bool code_parse_icd10gm(const char *s, int len, Icd10gmParts *parts, CodeError *err);

/* Encode a positive number of a numeric system (SNOMED, LOINC, OMOP). */
extern void code_encode_number(CodeSystem sys, uint64 v, CodeBuf *out);

/* The system named by name (SQL names and their spellings), or -1. */
extern int	code_system_by_name(const char *name, int len);

/* The system identified by a FHIR system URI, or -1 (*ns receives a LOCAL namespace). */
extern int	code_system_by_uri(const char *uri, int len, const char **ns, int *nslen);

/* Canonical SQL name ("ICD10GM") and FHIR system URI of a system. */
extern const char *code_system_name(CodeSystem sys);
extern const char *code_system_uri(CodeSystem sys);

/* Write the value part ("K50.1") / the whole text form ("ICD10:K50.1"); return its length. */
extern int	code_format_value(const uint8 *b, int len, char *out);
extern int	code_format(const uint8 *b, int len, char *out);

/* Raise the parse error err with SQLSTATE sqlstate for input (quoted in the message). */
extern void code_report_error(const CodeError *err, int sqlstate, const char *input,
							  int inputlen) pg_attribute_noreturn();

/* Minimum payload length of a structural code (ICD category: 2, ATC main group: 0); -1 if flat. */
extern int	code_min_payload(CodeSystem sys);

/* Is the system structured by prefixes (ICD-10 variants and ATC)? */
static inline bool
code_system_is_structured(CodeSystem sys)
{
	return sys <= CODE_ATC;
}

/* ---- values (code_io.c) ---- */

/* A new code datum from a buffer (palloc'd in the current memory context). */
extern Datum code_datum(const CodeBuf *buf);

/* The OID of type clinnova.code (cached). */
extern Oid	code_type_oid(void);

/* ---- accessing stored values ---- */

#define DatumGetCodeP(X)	((struct varlena *) PG_DETOAST_DATUM_PACKED(X))
#define PG_GETARG_CODE_P(n) DatumGetCodeP(PG_GETARG_DATUM(n))
#define CODE_BYTES(v)		((const uint8 *) VARDATA_ANY(v))
#define CODE_NBYTES(v)		((int) VARSIZE_ANY_EXHDR(v))

/* ---- comparison and structure (code_op.c) ---- */

/* Three-way comparison of two encoded codes. */
static inline int
code_cmp_bytes(const uint8 *a, int la, const uint8 *b, int lb)
{
	int			r = memcmp(a, b, Min(la, lb));

	if (r != 0)
		return r;
	return (la > lb) - (la < lb);
}

/* Is a (la bytes) a structural descendant-or-self of b (lb bytes)? */
extern bool code_is_descendant(const uint8 *a, int la, const uint8 *b, int lb);

/*
 * The smallest encoded value greater than every descendant-or-self of b: the exclusive upper
 * bound of b's subtree in the sort order.  Not necessarily a valid code.
 */
extern void code_subtree_end_buf(const uint8 *b, int lb, CodeBuf *out);

/* Payload lengths of the structural ancestors of b, from the root down; returns the count. */
extern int	code_ancestor_lengths(const uint8 *b, int lb, int *lens);

#endif							/* CLINNOVA_CODE_H */
