/*
 * code_index.c — planner support for the hierarchy operators: index conditions for a btree
 * index on a code column, and selectivity estimates.
 *
 * Index conditions (planner support function, SupportRequestIndexCondition).  The btree
 * order puts a code's structural subtree in one contiguous range [code, code_subtree_end(code)),
 * so with an index on col:
 *
 *   col <@ 'ICD10:K50'        ->  col >= 'ICD10:K50' AND col < 'ICD10:K51'        (exact)
 *   col <@ 'SNOMED:34000006'  ->  col = 'SNOMED:34000006'                         (exact)
 *   col <@ other.code         ->  col >= other.code AND col < code_subtree_end(other.code)
 *                                 (parameterised scans and generic plans; exact)
 *   col @> 'ICD10:K50.11'     ->  col = ANY ('{ICD10:K50, ICD10:K50.1, ICD10:K50.11}')
 *
 * and the same for the commuted forms ('ICD10:K50' @> col, ...).  The conditions are exact
 * (lossy = false): because every stored code is valid, nothing but the subtree lies in the
 * range (code_subtree_end_buf in code_op.c states why).
 *
 * Selectivity.  "col <@ const" is estimated as prefix_selectivity estimates LIKE 'abc%': the
 * MCVs are tested exactly with the operator, the histogram population in [const, bound) is
 * found by interpolating within histogram bins on the encoded bytes read as a base-256
 * fraction, and the estimate is never below the equality estimate of const itself.
 * "col @> const" sums the equality estimates of const and its ancestors.  Joins take the larger
 * of the equality join estimate and the exact containment frequency over both MCV lists.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"

#include "clinnova.h"
#include "code.h"

/* Default estimates without statistics: a code family, and a code's few ancestors. */
#define DEFAULT_SUBTREE_SEL		0.005
#define DEFAULT_ANCESTOR_SEL	0.001

/* Operators and functions of the code type, looked up once per backend. */
typedef struct CodeCatalog
{
	Oid			type;
	Oid			array_type;
	Oid			opfamily;		/* default btree opfamily of code */
	Oid			eq;
	Oid			lt;
	Oid			ge;
	Oid			contained_fn;	/* code_contained(code, code), the function of <@ */
	Oid			subtree_end_fn; /* clinnova.code_subtree_end(code) */
} CodeCatalog;

/* The catalog entries, filled on first use. */
static const CodeCatalog *
Catalog(void)
{
	static CodeCatalog cat;
	Oid			type = code_type_oid();

	/* refill after DROP/CREATE EXTENSION: the type OID changed */
	if (cat.type != type)
	{
		Oid			argtypes[2];
		Oid			opclass;

		cat.type = InvalidOid;
		cat.array_type = get_array_type(type);
		opclass = GetDefaultOpClass(type, BTREE_AM_OID);
		if (!OidIsValid(opclass))
			elog(ERROR, "clinnova: no default btree operator class for clinnova.code");
		cat.opfamily = get_opclass_family(opclass);
		cat.eq = get_opfamily_member(cat.opfamily, type, type, BTEqualStrategyNumber);
		cat.lt = get_opfamily_member(cat.opfamily, type, type, BTLessStrategyNumber);
		cat.ge = get_opfamily_member(cat.opfamily, type, type, BTGreaterEqualStrategyNumber);
		argtypes[0] = argtypes[1] = type;
		cat.contained_fn = LookupFuncName(list_make2(makeString("clinnova"), makeString("code_contained")),
										  2, argtypes, false);
		cat.subtree_end_fn = LookupFuncName(list_make2(makeString("clinnova"), makeString("code_subtree_end")),
											1, argtypes, false);
		if (!OidIsValid(cat.eq) || !OidIsValid(cat.lt) || !OidIsValid(cat.ge))
			elog(ERROR, "clinnova: incomplete btree operator family for clinnova.code");
		cat.type = type;
	}
	return &cat;
}

/* A Const of type code holding buf. */
static Const *
CodeConst(const CodeBuf *buf)
{
	return makeConst(Catalog()->type, -1, InvalidOid, -1, code_datum(buf), false, false);
}

/* The bytes of a non-null code Const (packed or not) copied into buf. */
static void
ConstBytes(Const *c, CodeBuf *buf)
{
	struct varlena *v = DatumGetCodeP(c->constvalue);

	buf->len = CODE_NBYTES(v);
	if (buf->len < 1 || buf->len > CODE_MAX_BYTES)
		elog(ERROR, "clinnova: corrupt code constant (%d bytes)", buf->len);
	memcpy(buf->b, CODE_BYTES(v), buf->len);
}

/* ---- index conditions ---- */

/* "col op rhs" with a btree operator of the code opfamily. */
static Expr *
IndexOp(Oid opno, Node *col, Expr *rhs)
{
	return make_opclause(opno, BOOLOID, false, (Expr *) col, rhs, InvalidOid, InvalidOid);
}

/* Conditions for "col is a descendant-or-self of anc". */
static List *
SubtreeConditions(Node *col, Node *anc)
{
	const CodeCatalog *cat = Catalog();
	CodeBuf		lo;
	CodeBuf		hi;

	if (!IsA(anc, Const))
	{
		/* a parameter or an outer column: bounds computed at run time */
		Expr	   *end = (Expr *) makeFuncExpr(cat->subtree_end_fn, cat->type,
												list_make1(copyObject(anc)),
												InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);

		return list_make2(IndexOp(cat->ge, col, (Expr *) anc), IndexOp(cat->lt, col, end));
	}
	if (((Const *) anc)->constisnull)
		return NIL;
	ConstBytes((Const *) anc, &lo);
	if (!code_system_is_structured(CODE_HEAD_SYSTEM(lo.b[0])))
		return list_make1(IndexOp(cat->eq, col, (Expr *) CodeConst(&lo)));
	code_subtree_end_buf(lo.b, lo.len, &hi);
	return list_make2(IndexOp(cat->ge, col, (Expr *) CodeConst(&lo)),
					  IndexOp(cat->lt, col, (Expr *) CodeConst(&hi)));
}

/* Condition for "col is an ancestor-or-self of desc": col = ANY(ancestors || desc). */
static List *
AncestorConditions(Node *col, Node *desc)
{
	const CodeCatalog *cat = Catalog();
	CodeBuf		d;
	int			lens[8];
	Datum		elems[9];
	int			n;
	int			i;
	ScalarArrayOpExpr *saop;
	ArrayType  *arr;

	if (!IsA(desc, Const) || ((Const *) desc)->constisnull)
		return NIL;
	ConstBytes((Const *) desc, &d);
	n = code_ancestor_lengths(d.b, d.len, lens);
	for (i = 0; i < n; i++)
	{
		CodeBuf		p;

		p.len = 1 + lens[i];
		memcpy(p.b, d.b, p.len);
		elems[i] = code_datum(&p);
	}
	elems[n++] = code_datum(&d);
	if (n == 1)
		return list_make1(IndexOp(cat->eq, col, (Expr *) CodeConst(&d)));
	arr = construct_array(elems, n, cat->type, -1, false, TYPALIGN_INT);

	saop = makeNode(ScalarArrayOpExpr);
	saop->opno = cat->eq;
	saop->opfuncid = get_opcode(cat->eq);
	saop->hashfuncid = InvalidOid;
	saop->negfuncid = InvalidOid;
	saop->useOr = true;
	saop->inputcollid = InvalidOid;
	saop->args = list_make2(col, makeConst(cat->array_type, -1, InvalidOid, -1,
										   PointerGetDatum(arr), false, false));
	saop->location = -1;
	return list_make1(saop);
}

/*
 * Index conditions for a call of the <@ function (contained) or the @> function.  desc_arg is
 * the argument position holding the descendant side.
 */
static List *
IndexConditions(SupportRequestIndexCondition *req, int desc_arg)
{
	List	   *args;
	Node	   *col;
	Node	   *other;

	if (req->index->relam != BTREE_AM_OID || req->opfamily != Catalog()->opfamily)
		return NIL;
	if (is_opclause(req->node))
		args = ((OpExpr *) req->node)->args;
	else if (is_funcclause(req->node))
		args = ((FuncExpr *) req->node)->args;
	else
		return NIL;
	if (list_length(args) != 2 || req->indexarg < 0 || req->indexarg > 1)
		return NIL;
	col = (Node *) list_nth(args, req->indexarg);
	other = (Node *) list_nth(args, 1 - req->indexarg);
	req->lossy = false;
	if (req->indexarg == desc_arg)
		return SubtreeConditions(col, other);
	return AncestorConditions(col, other);
}

/* ---- restriction selectivity ---- */

/*
 * The bytes of a code read as a base-256 fraction, starting at byte skip (the bytes before it
 * are shared by the values being compared).  Eight bytes are more than a double resolves.
 */
static double
BytesScalar(const uint8 *b, int len, int skip)
{
	double		v = 0.0;
	double		scale = 1.0 / 256.0;
	int			i;

	for (i = skip; i < len && i < skip + 8; i++)
	{
		v += b[i] * scale;
		scale /= 256.0;
	}
	return v;
}

/*
 * Fraction of the histogram population below x (a value in [0, 1]), interpolating inside the
 * bin that holds x.
 */
static double
HistogramFractionBelow(const AttStatsSlot *sslot, const uint8 *x, int lx)
{
	int			nb = sslot->nvalues;
	int			lo = 0;
	int			hi = nb - 1;
	struct varlena *a;
	struct varlena *b;
	const uint8 *ab;
	const uint8 *bb;
	int			la;
	int			lb;
	int			common;
	double		fa;
	double		fb;
	double		fx;
	double		binfrac;

	a = DatumGetCodeP(sslot->values[0]);
	if (code_cmp_bytes(x, lx, CODE_BYTES(a), CODE_NBYTES(a)) <= 0)
		return 0.0;
	b = DatumGetCodeP(sslot->values[nb - 1]);
	if (code_cmp_bytes(x, lx, CODE_BYTES(b), CODE_NBYTES(b)) > 0)
		return 1.0;
	/* invariant: hist[lo] < x <= hist[hi] */
	while (hi - lo > 1)
	{
		int			mid = (lo + hi) / 2;
		struct varlena *m = DatumGetCodeP(sslot->values[mid]);

		if (code_cmp_bytes(CODE_BYTES(m), CODE_NBYTES(m), x, lx) < 0)
			lo = mid;
		else
			hi = mid;
	}
	a = DatumGetCodeP(sslot->values[lo]);
	b = DatumGetCodeP(sslot->values[hi]);
	ab = CODE_BYTES(a);
	bb = CODE_BYTES(b);
	la = CODE_NBYTES(a);
	lb = CODE_NBYTES(b);
	for (common = 0; common < la && common < lb && ab[common] == bb[common]; common++)
		;
	fa = BytesScalar(ab, la, common);
	fb = BytesScalar(bb, lb, common);
	fx = BytesScalar(x, lx, common);
	binfrac = fb > fa ? (fx - fa) / (fb - fa) : 0.5;
	binfrac = Max(0.0, Min(1.0, binfrac));
	return (lo + binfrac) / (nb - 1);
}

/*
 * Fraction of the histogram population (non-null, non-MCV rows) in [lo, hi), or -1 without a
 * usable histogram.
 */
static double
HistogramRangeFraction(VariableStatData *vardata, const CodeBuf *lo, const CodeBuf *hi)
{
	AttStatsSlot sslot;
	double		result = -1.0;

	if (!HeapTupleIsValid(vardata->statsTuple) ||
		!statistic_proc_security_check(vardata, Catalog()->contained_fn))
		return -1.0;
	if (get_attstatsslot(&sslot, vardata->statsTuple, STATISTIC_KIND_HISTOGRAM, InvalidOid,
						 ATTSTATSSLOT_VALUES))
	{
		if (sslot.nvalues >= 2)
			result = Max(0.0, HistogramFractionBelow(&sslot, hi->b, hi->len) -
						 HistogramFractionBelow(&sslot, lo->b, lo->len));
		free_attstatsslot(&sslot);
	}
	return result;
}

/* Selectivity of "var = c". */
static double
EqSel(VariableStatData *vardata, const CodeBuf *c)
{
	return var_eq_const(vardata, Catalog()->eq, InvalidOid, code_datum(c), false, true, false);
}

/* Selectivity of "var <@ c" for a structured c: MCVs exactly, histogram by range. */
static double
SubtreeSel(VariableStatData *vardata, const CodeBuf *c)
{
	FmgrInfo	proc;
	double		nullfrac = 0.0;
	double		sumcommon = 0.0;
	double		mcvsel;
	double		histsel;
	double		sel;
	CodeBuf		end;

	if (!HeapTupleIsValid(vardata->statsTuple))
		return DEFAULT_SUBTREE_SEL;
	nullfrac = ((Form_pg_statistic) GETSTRUCT(vardata->statsTuple))->stanullfrac;
	fmgr_info(Catalog()->contained_fn, &proc);
	mcvsel = mcv_selectivity(vardata, &proc, InvalidOid, code_datum(c), true, &sumcommon);
	code_subtree_end_buf(c->b, c->len, &end);
	histsel = HistogramRangeFraction(vardata, c, &end);
	if (histsel < 0.0)
		histsel = sumcommon + nullfrac >= 1.0 ? 0.0 : DEFAULT_SUBTREE_SEL;
	sel = mcvsel + histsel * Max(0.0, 1.0 - nullfrac - sumcommon);
	return Max(sel, EqSel(vardata, c));
}

/* Selectivity of "var @> c": var is c or one of its (at most six) ancestors. */
static double
AncestorSel(VariableStatData *vardata, const CodeBuf *c)
{
	int			lens[8];
	int			n = code_ancestor_lengths(c->b, c->len, lens);
	double		sel = EqSel(vardata, c);
	int			i;

	for (i = 0; i < n; i++)
	{
		CodeBuf		p;

		p.len = 1 + lens[i];
		memcpy(p.b, c->b, p.len);
		sel += EqSel(vardata, &p);
	}
	return sel;
}

/*
 * Restriction selectivity of a <@ b (contained) or a @> b.  var_is_desc says whether the
 * variable side is the descendant side.
 */
static double
RestrictSel(PlannerInfo *root, List *args, int varRelid, bool contained)
{
	VariableStatData vardata;
	Node	   *other;
	bool		varonleft;
	bool		var_is_desc;
	CodeBuf		c;
	double		sel;

	if (!get_restriction_variable(root, args, varRelid, &vardata, &other, &varonleft))
		return DEFAULT_SUBTREE_SEL;
	var_is_desc = contained ? varonleft : !varonleft;
	if (!IsA(other, Const) || vardata.vartype != Catalog()->type)
	{
		ReleaseVariableStats(vardata);
		return var_is_desc ? DEFAULT_SUBTREE_SEL : DEFAULT_ANCESTOR_SEL;
	}
	if (((Const *) other)->constisnull)
	{
		ReleaseVariableStats(vardata);
		return 0.0;
	}
	ConstBytes((Const *) other, &c);
	if (!var_is_desc)
		sel = AncestorSel(&vardata, &c);
	else if (code_system_is_structured(CODE_HEAD_SYSTEM(c.b[0])))
		sel = SubtreeSel(&vardata, &c);
	else
		sel = EqSel(&vardata, &c);
	ReleaseVariableStats(vardata);
	CLAMP_PROBABILITY(sel);
	return sel;
}

/* ---- join selectivity ---- */

/*
 * Join selectivity of a <@ b (contained) or a @> b: the larger of the equality estimate
 * (equal codes always satisfy both operators) and the frequency of containing pairs among the
 * two MCV lists, tested exactly.
 */
static double
JoinSel(PlannerInfo *root, Oid operator, List *args, JoinType jointype,
		SpecialJoinInfo *sjinfo, bool contained)
{
	const CodeCatalog *cat = Catalog();
	VariableStatData v1;
	VariableStatData v2;
	bool		reversed;
	double		sel;
	double		mcvsel = 0.0;

	sel = DatumGetFloat8(DirectFunctionCall5(eqjoinsel, PointerGetDatum(root),
											 ObjectIdGetDatum(cat->eq), PointerGetDatum(args),
											 Int16GetDatum(jointype), PointerGetDatum(sjinfo)));
	get_join_variables(root, args, sjinfo, &v1, &v2, &reversed);
	if (HeapTupleIsValid(v1.statsTuple) && HeapTupleIsValid(v2.statsTuple) &&
		v1.vartype == cat->type && v2.vartype == cat->type &&
		statistic_proc_security_check(&v1, cat->contained_fn) &&
		statistic_proc_security_check(&v2, cat->contained_fn))
	{
		AttStatsSlot s1;
		AttStatsSlot s2;

		if (get_attstatsslot(&s1, v1.statsTuple, STATISTIC_KIND_MCV, InvalidOid,
							 ATTSTATSSLOT_VALUES | ATTSTATSSLOT_NUMBERS))
		{
			if (get_attstatsslot(&s2, v2.statsTuple, STATISTIC_KIND_MCV, InvalidOid,
								 ATTSTATSSLOT_VALUES | ATTSTATSSLOT_NUMBERS))
			{
				/* a is argument 1, b argument 2; a <@ b, or b <@ a for @> */
				if ((double) s1.nvalues * s2.nvalues <= 1.0e6)
				{
					int			i;
					int			j;

					for (i = 0; i < s1.nvalues; i++)
					{
						struct varlena *a = DatumGetCodeP(s1.values[i]);

						for (j = 0; j < s2.nvalues; j++)
						{
							struct varlena *b = DatumGetCodeP(s2.values[j]);
							bool		hit = contained
								? code_is_descendant(CODE_BYTES(a), CODE_NBYTES(a), CODE_BYTES(b), CODE_NBYTES(b))
								: code_is_descendant(CODE_BYTES(b), CODE_NBYTES(b), CODE_BYTES(a), CODE_NBYTES(a));

							if (hit)
								mcvsel += s1.numbers[i] * s2.numbers[j];
						}
					}
				}
				free_attstatsslot(&s2);
			}
			free_attstatsslot(&s1);
		}
	}
	ReleaseVariableStats(v1);
	ReleaseVariableStats(v2);
	sel = Max(sel, mcvsel);
	CLAMP_PROBABILITY(sel);
	return sel;
}

/* ---- SQL-callable estimators and support functions ---- */

PG_FUNCTION_INFO_V1(code_contained_sel);
/* RESTRICT estimator of <@. */
Datum
code_contained_sel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(RestrictSel((PlannerInfo *) PG_GETARG_POINTER(0),
								 (List *) PG_GETARG_POINTER(2), PG_GETARG_INT32(3), true));
}

PG_FUNCTION_INFO_V1(code_contains_sel);
/* RESTRICT estimator of @>. */
Datum
code_contains_sel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(RestrictSel((PlannerInfo *) PG_GETARG_POINTER(0),
								 (List *) PG_GETARG_POINTER(2), PG_GETARG_INT32(3), false));
}

PG_FUNCTION_INFO_V1(code_contained_joinsel);
/* JOIN estimator of <@. */
Datum
code_contained_joinsel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(JoinSel((PlannerInfo *) PG_GETARG_POINTER(0), PG_GETARG_OID(1),
							 (List *) PG_GETARG_POINTER(2), (JoinType) PG_GETARG_INT16(3),
							 (SpecialJoinInfo *) PG_GETARG_POINTER(4), true));
}

PG_FUNCTION_INFO_V1(code_contains_joinsel);
/* JOIN estimator of @>. */
Datum
code_contains_joinsel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(JoinSel((PlannerInfo *) PG_GETARG_POINTER(0), PG_GETARG_OID(1),
							 (List *) PG_GETARG_POINTER(2), (JoinType) PG_GETARG_INT16(3),
							 (SpecialJoinInfo *) PG_GETARG_POINTER(4), false));
}

/* Answer a planner support request for the <@ function (contained) or the @> function. */
static Node *
Support(Node *rawreq, bool contained)
{
	if (IsA(rawreq, SupportRequestIndexCondition))
	{
		SupportRequestIndexCondition *req = (SupportRequestIndexCondition *) rawreq;
		List	   *conds = IndexConditions(req, contained ? 0 : 1);

		return (Node *) conds;
	}
	if (IsA(rawreq, SupportRequestSelectivity))
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;

		if (req->is_join)
			req->selectivity = JoinSel(req->root, InvalidOid, req->args, req->jointype,
									   req->sjinfo, contained);
		else
			req->selectivity = RestrictSel(req->root, req->args, req->varRelid, contained);
		return (Node *) req;
	}
	return NULL;
}

PG_FUNCTION_INFO_V1(code_contained_support);
/* Planner support function of code_contained (operator <@). */
Datum
code_contained_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(Support((Node *) PG_GETARG_POINTER(0), true));
}

PG_FUNCTION_INFO_V1(code_contains_support);
/* Planner support function of code_contains (operator @>). */
Datum
code_contains_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(Support((Node *) PG_GETARG_POINTER(0), false));
}
