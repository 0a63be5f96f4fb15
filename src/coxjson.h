/*
 * coxjson.h — the streaming reader and small writers behind the JSON text forms of the cox
 * module's types (coxmodel, coxstep).  See coxjson.c.
 */
#ifndef CLINNOVA_COXJSON_H
#define CLINNOVA_COXJSON_H

#include "postgres.h"

#include "lib/stringinfo.h"

/* One field of a document: its path and leaves (a scalar, an array or a matrix of rows). */
typedef struct CoxJsonField
{
	char	   *path;
	bool		is_array;
	bool		is_matrix;
	bool		used;
	int64		n;				/* leaves */
	int64		cap;
	int64		nrows;			/* matrix rows */
	int64		ncols;
	double	   *num;
	uint8	   *kind;
	char	  **str;			/* NULL unless some leaf is a string */
} CoxJsonField;

/* A parsed document: its fields in order of appearance. */
typedef struct CoxJsonDoc
{
	const char *typname;
	CoxJsonField *fields;
	int			nfields;
	int			capfields;
} CoxJsonDoc;

extern CoxJsonDoc *CoxJsonParse(char *text, const char *typname);
extern CoxJsonField *CoxJsonGet(CoxJsonDoc *doc, const char *path);
extern void CoxJsonCheckAllUsed(const CoxJsonDoc *doc);
extern bool CoxJsonIsNull(CoxJsonDoc *doc, const char *path);
extern bool CoxJsonObjectPresent(CoxJsonDoc *doc, const char *path);
extern double CoxJsonFloat(CoxJsonDoc *doc, const char *path, bool allow_null);
extern int64 CoxJsonInt(CoxJsonDoc *doc, const char *path, int64 lo, int64 hi);
extern bool CoxJsonBool(CoxJsonDoc *doc, const char *path);
extern char *CoxJsonString(CoxJsonDoc *doc, const char *path);
extern double *CoxJsonFloats(CoxJsonDoc *doc, const char *path, int64 len, bool allow_null,
							 int64 *outlen);
extern double *CoxJsonMatrix(CoxJsonDoc *doc, const char *path, int64 rows, int64 cols);
extern char **CoxJsonStrings(CoxJsonDoc *doc, const char *path, int64 len, bool allow_null);
extern bool *CoxJsonBools(CoxJsonDoc *doc, const char *path, int64 len);
extern int64 CoxJsonLength(CoxJsonDoc *doc, const char *path);

extern void CoxJsonAppendString(StringInfo buf, const char *s);
extern void CoxJsonAppendFloat(StringInfo buf, double v, bool nan_is_null);
extern void CoxJsonAppendFloats(StringInfo buf, const double *v, int64 n, bool nan_is_null);
extern void CoxJsonAppendMatrix(StringInfo buf, const double *v, int64 rows, int64 cols);

#endif							/* CLINNOVA_COXJSON_H */
