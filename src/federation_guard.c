/*
 * federation_guard.c — the site guard: what a federation role may run.
 *
 * A session whose current role is listed in clinnova.federation_roles (and is not a superuser)
 * may run only:
 *   (a) the session and transaction commands postgres_fdw itself sends: SET of search_path,
 *       timezone, datestyle, intervalstyle and extra_float_digits; START TRANSACTION, COMMIT,
 *       ABORT/ROLLBACK, SAVEPOINT, RELEASE, ROLLBACK TO; DECLARE ... CURSOR (without HOLD) FOR an
 *       allowed query, FETCH, MOVE, CLOSE, DEALLOCATE;
 *   (b) aggregate queries over ONE published relation whose outputs are clinnova's
 *       disclosure-safe aggregates and GROUP BY keys, and whose filters, groupings and aggregate
 *       arguments use only non-identifier columns, constants, parameters, comparison and boolean
 *       operators, IN/ANY, IS [NOT] NULL, BETWEEN, IS [NOT] DISTINCT FROM, clinnova's code
 *       operators and casts that cannot fail;
 *   (c) SELECTs of the view clinnova.federation_site_info (the version handshake).
 * Everything else fails with SQLSTATE 42501 and a message saying what was refused and why.
 *
 * Why an expression whitelist: any function that can raise an error turns a filter into an
 * oracle (WHERE CASE WHEN id = 42 THEN 1/(sex - 1) END ... fails exactly when patient 42 has
 * sex = 1).  Comparisons, boolean logic and the casts listed below never raise data-dependent
 * errors, so an allowed query either runs or fails for reasons independent of the data.
 *
 * Small cells: every allowed aggregate query gets an extra HAVING condition,
 * clinnova.federation_cell_check(count(*)), which refuses the query (42501) as soon as a group
 * (or the whole result of a query without GROUP BY) represents fewer than
 * clinnova.min_cell_count rows — an empty result included, so that "no such patient" and "one
 * such patient" cannot be told apart.  The aggregates' own final functions protect the cells
 * inside their states (risk-table rows, FILTER subsets, model fits).
 *
 * Where the checks run:
 *   post_parse_analyze_hook  every SELECT (also the query a DECLARE carries, and queries of
 *                            protocol-level Parse messages) is checked and rewritten here;
 *   ProcessUtility_hook      every utility statement (COPY, DO, PREPARE, EXECUTE, CALL, SET,
 *                            LISTEN, EXPLAIN, ...) is checked here;
 *   ExecutorStart_hook       the backstop for plans that did not pass through parse analysis in
 *                            this role (cached plans): the plan must be a SELECT that reads only
 *                            published relations through a top-level Agg node of whitelisted
 *                            aggregates carrying the cell check.  Parallel workers are skipped
 *                            (their leader was checked).
 * Superusers are never restricted.  Statements clinnova runs internally (audit writes) set
 * federation_guard_bypass.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_cast.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "catalog/namespace.h"
#include "commands/portalcmds.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "parser/analyze.h"
#include "parser/parsetree.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "clinnova.h"
#include "federation.h"

bool		federation_guard_bypass = false;

/*
 * clinnova.federation_guard (superuser only, default on).  Off, federation roles are restricted
 * only by the aggregates' own disclosure control: meant for testing those final functions in a
 * session, never for a site's configuration.
 */
bool		federation_guard_enabled = true;

static bool loaded_at_startup = false;
static post_parse_analyze_hook_type prev_post_parse_analyze_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;

/*
 * The disclosure-safe aggregates: clinnova aggregates whose final functions suppress or coarsen
 * whatever describes fewer than clinnova.min_cell_count people when the current role is a
 * federation role.  Every overload of each name in schema clinnova is allowed.
 */
static const char *const SAFE_AGGREGATES[] = {
	"km",						/* survival: risk table (survfit) */
	"cif",						/* survival: competing-risks risk table */
	"logreg_step",				/* models: one Newton step of a logistic fit */
	"linreg_step",				/* models: one step of a linear fit */
	"poisson_step",				/* models: one step of a Poisson fit */
	"coxph_step",				/* cox: gradient, Hessian, log-likelihood */
	"coxph_grid_times",			/* federation: grid points holding events */
	"coxph_grid_step",			/* federation: per-interval Cox risk-set sums */
	"describe",					/* federation: n, mean, variance */
	"safe_count",				/* federation: row count */
};

/* The settings postgres_fdw sets at the start of each remote session. */
static const char *const FDW_SETTINGS[] = {
	"search_path", "timezone", "datestyle", "intervalstyle", "extra_float_digits",
};

/* Operator names the guard may allow (see OperatorIsSafe). */
static const char *const COMPARISON_OPERATORS[] = {
	"=", "<>", "<", "<=", ">", ">=", "<@", "@>",
};

/*
 * Casts that never raise an error, as (source type, target type): widening of integers, exact
 * conversion to float8/numeric, float4 to float8, character types to text.  Casts through text
 * I/O (which fail on malformed values) and to domains (which check constraints) are refused.
 */
static const Oid SAFE_CASTS[][2] = {
	{INT2OID, INT4OID}, {INT2OID, INT8OID}, {INT4OID, INT8OID},
	{INT2OID, FLOAT4OID}, {INT4OID, FLOAT4OID}, {INT8OID, FLOAT4OID},
	{INT2OID, FLOAT8OID}, {INT4OID, FLOAT8OID}, {INT8OID, FLOAT8OID}, {FLOAT4OID, FLOAT8OID},
	{INT2OID, NUMERICOID}, {INT4OID, NUMERICOID}, {INT8OID, NUMERICOID},
	{BPCHAROID, TEXTOID}, {VARCHAROID, TEXTOID}, {BOOLOID, TEXTOID},
};

/*
 * Whitelist cache.  Invariant: while whitelist_valid, safe_aggregates holds the OIDs of every
 * aggregate named in SAFE_AGGREGATES in schema clinnova, safe_cast_funcs the cast functions of
 * SAFE_CASTS, and operator_cache maps operator OIDs already judged to the verdict.  pg_proc,
 * pg_operator or pg_namespace changes reset it (callbacks below).
 */
static bool whitelist_valid = false;
static MemoryContext whitelist_context = NULL;
static Oid *safe_aggregates = NULL;
static int	n_safe_aggregates = 0;
static Oid *safe_cast_funcs = NULL;
static int	n_safe_cast_funcs = 0;
static HTAB *operator_cache = NULL;

typedef struct OperatorVerdict
{
	Oid			opno;			/* hash key */
	bool		safe;
} OperatorVerdict;

/* Syscache callback: functions, operators or schemas changed; rebuild the whitelist. */
static void
WhitelistSyscacheCallback(Datum arg, int cacheid, uint32 hashvalue)
{
	whitelist_valid = false;
}

/* Build the whitelist of safe aggregates and casts. */
static void
EnsureWhitelist(void)
{
	MemoryContext old;
	Oid			nsp;
	int			i,
				cap;
	HASHCTL		ctl;

	if (whitelist_valid)
		return;
	if (whitelist_context == NULL)
		whitelist_context = AllocSetContextCreate(CacheMemoryContext, "clinnova guard whitelist",
												  ALLOCSET_SMALL_SIZES);
	MemoryContextReset(whitelist_context);
	old = MemoryContextSwitchTo(whitelist_context);

	/* Mark valid first: an invalidation arriving during the build marks it invalid again. */
	whitelist_valid = true;

	nsp = get_namespace_oid("clinnova", true);
	cap = 64;
	safe_aggregates = palloc(sizeof(Oid) * cap);
	n_safe_aggregates = 0;
	for (i = 0; i < lengthof(SAFE_AGGREGATES) && OidIsValid(nsp); i++)
	{
		CatCList   *list = SearchSysCacheList1(PROCNAMEARGSNSP,
											   CStringGetDatum(SAFE_AGGREGATES[i]));
		int			j;

		for (j = 0; j < list->n_members; j++)
		{
			Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(&list->members[j]->tuple);

			if (proc->pronamespace != nsp || proc->prokind != PROKIND_AGGREGATE)
				continue;
			if (n_safe_aggregates == cap)
			{
				cap *= 2;
				safe_aggregates = repalloc(safe_aggregates, sizeof(Oid) * cap);
			}
			safe_aggregates[n_safe_aggregates++] = proc->oid;
		}
		ReleaseSysCacheList(list);
	}

	safe_cast_funcs = palloc(sizeof(Oid) * lengthof(SAFE_CASTS));
	n_safe_cast_funcs = 0;
	for (i = 0; i < lengthof(SAFE_CASTS); i++)
	{
		HeapTuple	tuple = SearchSysCache2(CASTSOURCETARGET,
											ObjectIdGetDatum(SAFE_CASTS[i][0]),
											ObjectIdGetDatum(SAFE_CASTS[i][1]));

		if (!HeapTupleIsValid(tuple))
			continue;
		if (((Form_pg_cast) GETSTRUCT(tuple))->castmethod == COERCION_METHOD_FUNCTION)
			safe_cast_funcs[n_safe_cast_funcs++] = ((Form_pg_cast) GETSTRUCT(tuple))->castfunc;
		ReleaseSysCache(tuple);
	}

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(OperatorVerdict);
	ctl.hcxt = whitelist_context;
	operator_cache = hash_create("clinnova guard operators", 64, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	MemoryContextSwitchTo(old);
}

/* Is oid one of the n oids of list? */
static bool
OidInList(const Oid *list, int n, Oid oid)
{
	int			i;

	for (i = 0; i < n; i++)
		if (list[i] == oid)
			return true;
	return false;
}

/* Is funcid one of the disclosure-safe aggregates? */
static bool
AggregateIsSafe(Oid funcid)
{
	EnsureWhitelist();
	return OidInList(safe_aggregates, n_safe_aggregates, funcid);
}

/* Is funcid the function of one of the casts that cannot fail? */
static bool
CastIsSafe(Oid funcid)
{
	EnsureWhitelist();
	return OidInList(safe_cast_funcs, n_safe_cast_funcs, funcid);
}

/*
 * Decide whether operator opno may appear in a federated query: a comparison or containment
 * operator (=, <>, <, <=, >, >=, <@, @>) that is either clinnova's own (code operators) or a
 * built-in PostgreSQL comparison that belongs to a btree operator family (and so compares two
 * values without failing).
 */
static bool
JudgeOperator(Oid opno)
{
	HeapTuple	tuple = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	Form_pg_operator op;
	bool		comparison_name = false;
	bool		safe = false;
	int			i;

	if (!HeapTupleIsValid(tuple))
		return false;
	op = (Form_pg_operator) GETSTRUCT(tuple);
	for (i = 0; i < lengthof(COMPARISON_OPERATORS); i++)
		if (strcmp(NameStr(op->oprname), COMPARISON_OPERATORS[i]) == 0)
			comparison_name = true;
	if (comparison_name && op->oprresult == BOOLOID)
	{
		if (op->oprnamespace == get_namespace_oid("clinnova", true))
			safe = true;
		else if (op->oprnamespace == PG_CATALOG_NAMESPACE && opno < FirstNormalObjectId &&
				 get_op_btree_interpretation(opno) != NIL)
			safe = true;
	}
	ReleaseSysCache(tuple);
	return safe;
}

/* Cached JudgeOperator. */
static bool
OperatorIsSafe(Oid opno)
{
	OperatorVerdict *verdict;
	bool		found;
	bool		safe;

	EnsureWhitelist();
	verdict = hash_search(operator_cache, &opno, HASH_FIND, NULL);
	if (verdict != NULL)
		return verdict->safe;
	safe = JudgeOperator(opno);
	/* JudgeOperator may have processed invalidations that reset the cache. */
	EnsureWhitelist();
	verdict = hash_search(operator_cache, &opno, HASH_ENTER, &found);
	verdict->safe = safe;
	return safe;
}

/* ---- who is restricted ---- */

/* True when the library was loaded at server start. */
bool
federation_guard_loaded_at_startup(void)
{
	return loaded_at_startup;
}

/* Is the current role restricted by the guard?  Requires a valid transaction. */
bool
federation_session_restricted(void)
{
	if (federation_guard_bypass || !federation_guard_enabled)
		return false;
	if (clinnova_federation_roles == NULL || clinnova_federation_roles[0] == '\0')
		return false;
	if (!IsTransactionState())
		return false;
	if (superuser())
		return false;
	return clinnova_disclosure_control_active();
}

/* ---- refusals ---- */

/* The text of one statement of a (possibly multi-statement) source string. */
static char *
StatementText(const char *source, int location, int len)
{
	int			total;

	if (source == NULL)
		return pstrdup("<unknown statement>");
	total = strlen(source);
	if (location < 0 || location > total)
		return pstrdup(source);
	if (len <= 0 || location + len > total)
		len = total - location;
	while (len > 0 && isspace((unsigned char) source[location]))
	{
		location++;
		len--;
	}
	while (len > 0 && (isspace((unsigned char) source[location + len - 1]) ||
					   source[location + len - 1] == ';'))
		len--;
	return pnstrdup(source + location, len);
}

/*
 * Refuse the statement: record it in the audit trail, then raise 42501 with errmsg
 * "federated query refused: <what>", the full-sentence detail, and the rules as a hint.
 */
static void
GuardRefuse(const char *statement, const char *what, const char *detail)
{
	federation_audit_refused(statement, psprintf("%s%s%s", what, detail ? ": " : "",
												 detail ? detail : ""));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("federated query refused: %s", what),
			 detail ? errdetail_internal("%s", detail) : 0,
			 errhint("A federation role may run only aggregate queries of clinnova's "
					 "disclosure-safe aggregates over relations published with "
					 "clinnova.federation_publish(); see clinnova.federation_site_info.")));
}

/* A short human description of an expression node the guard refuses. */
static char *
DescribeNode(Node *node)
{
	switch (nodeTag(node))
	{
		case T_FuncExpr:
			{
				FuncExpr   *f = (FuncExpr *) node;

				if (f->funcformat == COERCE_EXPLICIT_CAST || f->funcformat == COERCE_IMPLICIT_CAST)
					return psprintf("cast to %s", format_type_be(f->funcresulttype));
				return psprintf("function %s()", quote_identifier(get_func_name(f->funcid)));
			}
		case T_OpExpr:
		case T_DistinctExpr:
		case T_NullIfExpr:
			return psprintf("operator %s", get_opname(((OpExpr *) node)->opno));
		case T_ScalarArrayOpExpr:
			return psprintf("operator %s", get_opname(((ScalarArrayOpExpr *) node)->opno));
		case T_CaseExpr:
			return pstrdup("CASE");
		case T_CoalesceExpr:
			return pstrdup("COALESCE");
		case T_MinMaxExpr:
			return pstrdup("GREATEST/LEAST");
		case T_SubLink:
		case T_SubPlan:
			return pstrdup("subquery");
		case T_WindowFunc:
			return pstrdup("window function");
		case T_CoerceViaIO:
			return pstrdup("cast through text");
		case T_ArrayCoerceExpr:
			return pstrdup("array cast");
		case T_CoerceToDomain:
			return pstrdup("cast to a domain");
		case T_SubscriptingRef:
			return pstrdup("array subscript");
		case T_FieldSelect:
		case T_FieldStore:
			return pstrdup("field selection");
		case T_RowExpr:
		case T_RowCompareExpr:
			return pstrdup("row expression");
		case T_SQLValueFunction:
			return pstrdup("SQL value function");
		case T_XmlExpr:
			return pstrdup("XML expression");
		case T_CollateExpr:
			return pstrdup("COLLATE");
		case T_GroupingFunc:
			return pstrdup("GROUPING()");
		case T_NextValueExpr:
			return pstrdup("sequence function");
		default:
			return psprintf("expression of node type %d", (int) nodeTag(node));
	}
}

/* ---- the query walker (parse analysis) ---- */

/*
 * State of one walk over the expressions of an analysed query.  Invariant: relid is the query's
 * only relation (range table index 1); pub is its publication (NULL for the site info view);
 * clause names the part of the query being walked, for messages.
 */
typedef struct GuardWalk
{
	const char *statement;
	Oid			relid;
	PublishedRelation *pub;
	const char *clause;
	bool		aggregates_allowed;
	bool		in_aggregate;
} GuardWalk;

static bool GuardExprWalker(Node *node, GuardWalk *w);

/* Is attnum an identifier column of the walk's relation? */
static bool
IsIdentifierColumn(GuardWalk *w, AttrNumber attnum)
{
	int			i;

	if (w->pub == NULL)
		return false;
	for (i = 0; i < w->pub->nidentifiers; i++)
		if (w->pub->identifiers[i] == attnum)
			return true;
	return false;
}

/* Check a column reference: a plain, non-identifier column of the relation. */
static void
GuardCheckVar(Var *var, GuardWalk *w)
{
	if (var->varlevelsup != 0 || var->varno != 1)
		GuardRefuse(w->statement, "references outside the query's relation are not allowed", NULL);
	if (var->varattno <= 0)
		GuardRefuse(w->statement,
					psprintf("%s is not allowed",
							 var->varattno == 0 ? "a whole-row reference" : "a system column"),
					psprintf("The %s may use only ordinary columns of relation \"%s\".",
							 w->clause, get_rel_name(w->relid)));
	if (IsIdentifierColumn(w, var->varattno))
		GuardRefuse(w->statement,
					psprintf("column \"%s\" is an identifier",
							 get_attname(w->relid, var->varattno, false)),
					psprintf("Relation \"%s\" was published with identifier columns (%s), which may "
							 "not appear in filters, groupings or aggregate arguments; it "
							 "appears in the %s.",
							 get_rel_name(w->relid), w->pub->identifier_list, w->clause));
}

/* Check an aggregate call: whitelisted, plain, and its arguments and FILTER safe. */
static void
GuardCheckAggref(Aggref *agg, GuardWalk *w)
{
	GuardWalk	inner = *w;
	char	   *name = get_func_name(agg->aggfnoid);

	if (!w->aggregates_allowed || w->in_aggregate || agg->agglevelsup != 0)
		GuardRefuse(w->statement, psprintf("aggregate %s() is not allowed in the %s", name, w->clause),
					NULL);
	if (!AggregateIsSafe(agg->aggfnoid))
		GuardRefuse(w->statement, psprintf("aggregate %s() is not disclosure-safe", name),
					"Only clinnova's disclosure-safe aggregates (km, cif, logreg_step, linreg_step, "
					"poisson_step, coxph_step, coxph_grid_times, coxph_grid_step, describe, "
					"safe_count) may be "
					"computed; built-in aggregates such as count, min, max or array_agg can "
					"reveal individual values.");
	if (agg->aggdistinct != NIL)
		GuardRefuse(w->statement, psprintf("DISTINCT in aggregate %s() is not allowed", name), NULL);
	if (agg->aggorder != NIL || agg->aggdirectargs != NIL || agg->aggkind != AGGKIND_NORMAL)
		GuardRefuse(w->statement,
					psprintf("ORDER BY or ordered-set arguments in aggregate %s() are not allowed",
							 name), NULL);
	inner.in_aggregate = true;
	inner.aggregates_allowed = false;
	inner.clause = psprintf("arguments of aggregate %s()", name);
	expression_tree_walker((Node *) agg->args, GuardExprWalker, &inner);
	inner.clause = psprintf("FILTER clause of aggregate %s()", name);
	GuardExprWalker((Node *) agg->aggfilter, &inner);
}

/*
 * Is node a constant built only from constants, parameters and type coercions (e.g.
 * '50.0'::numeric::float8 or $1::text::integer)?  Such an expression does not depend on the
 * data, so even a coercion that can fail reveals nothing: the planner folds it before any row
 * is read.
 */
static bool
IsConstantCoercion(Node *node)
{
	if (node == NULL)
		return true;
	switch (nodeTag(node))
	{
		case T_Const:
			return true;
		case T_Param:
			return ((Param *) node)->paramkind == PARAM_EXTERN;
		case T_RelabelType:
			return IsConstantCoercion((Node *) ((RelabelType *) node)->arg);
		case T_CoerceViaIO:
			return IsConstantCoercion((Node *) ((CoerceViaIO *) node)->arg);
		case T_ArrayCoerceExpr:
			return IsConstantCoercion((Node *) ((ArrayCoerceExpr *) node)->arg);
		case T_FuncExpr:
			{
				FuncExpr   *f = (FuncExpr *) node;
				ListCell   *lc;

				if (f->funcformat != COERCE_EXPLICIT_CAST && f->funcformat != COERCE_IMPLICIT_CAST)
					return false;
				foreach(lc, f->args)
					if (!IsConstantCoercion(lfirst(lc)))
						return false;
				return true;
			}
		default:
			return false;
	}
}

/*
 * Walk one expression; refuses (raises) at the first node outside the whitelist.  Returns false
 * to continue the walk (expression_tree_walker convention).
 */
static bool
GuardExprWalker(Node *node, GuardWalk *w)
{
	if (node == NULL)
		return false;
	if (!IsA(node, Param) && !IsA(node, Const) && IsConstantCoercion(node))
		return false;
	switch (nodeTag(node))
	{
		case T_Var:
			GuardCheckVar((Var *) node, w);
			return false;
		case T_Const:
			return false;
		case T_Param:
			if (((Param *) node)->paramkind != PARAM_EXTERN)
				GuardRefuse(w->statement, "subquery parameters are not allowed", NULL);
			return false;
		case T_Aggref:
			GuardCheckAggref((Aggref *) node, w);
			return false;
		case T_OpExpr:
		case T_DistinctExpr:
			if (!OperatorIsSafe(((OpExpr *) node)->opno))
				GuardRefuse(w->statement, psprintf("%s is not allowed", DescribeNode(node)),
							psprintf("Only comparison and boolean operators, IN, IS NULL, BETWEEN "
									 "and clinnova's code operators may appear in the %s: other "
									 "operators can raise data-dependent errors that reveal "
									 "individual values.", w->clause));
			break;
		case T_ScalarArrayOpExpr:
			if (!OperatorIsSafe(((ScalarArrayOpExpr *) node)->opno))
				GuardRefuse(w->statement, psprintf("%s is not allowed", DescribeNode(node)),
							psprintf("Only comparison operators may be used with IN and ANY in "
									 "the %s.", w->clause));
			break;
		case T_FuncExpr:
			{
				FuncExpr   *f = (FuncExpr *) node;

				if (!((f->funcformat == COERCE_EXPLICIT_CAST ||
					   f->funcformat == COERCE_IMPLICIT_CAST) && CastIsSafe(f->funcid)))
					GuardRefuse(w->statement, psprintf("%s is not allowed", DescribeNode(node)),
								psprintf("Function calls other than the disclosure-safe "
										 "aggregates and casts that cannot fail may not appear "
										 "in the %s: they can raise data-dependent errors or "
										 "reveal individual values.", w->clause));
			}
			break;
		case T_BoolExpr:
		case T_NullTest:
		case T_BooleanTest:
		case T_RelabelType:
		case T_ArrayExpr:
		case T_TargetEntry:
		case T_List:
			break;
		default:
			GuardRefuse(w->statement, psprintf("%s is not allowed", DescribeNode(node)),
						psprintf("The %s may use only columns, constants, comparison and boolean "
								 "operators, IN, IS NULL, BETWEEN, ARRAY[...] and clinnova's code "
								 "operators.", w->clause));
	}
	return expression_tree_walker(node, GuardExprWalker, (void *) w);
}

/* Walk expression node as part of clause (aggregates allowed or not). */
static void
GuardCheckClause(GuardWalk *w, Node *node, const char *clause, bool aggregates_allowed)
{
	w->clause = clause;
	w->aggregates_allowed = aggregates_allowed;
	w->in_aggregate = false;
	GuardExprWalker(node, w);
}

/* Is tle a GROUP BY key of query? */
static bool
IsGroupKey(Query *query, TargetEntry *tle)
{
	ListCell   *lc;

	if (tle->ressortgroupref == 0)
		return false;
	foreach(lc, query->groupClause)
		if (((SortGroupClause *) lfirst(lc))->tleSortGroupRef == tle->ressortgroupref)
			return true;
	return false;
}

/* Refuse query-level features no federated query needs. */
static void
GuardCheckQueryShape(Query *query, const char *statement)
{
	if (query->commandType != CMD_SELECT)
		GuardRefuse(statement, psprintf("%s is not allowed",
										query->commandType == CMD_INSERT ? "INSERT" :
										query->commandType == CMD_UPDATE ? "UPDATE" :
										query->commandType == CMD_DELETE ? "DELETE" :
										query->commandType == CMD_MERGE ? "MERGE" : "this statement"),
					"Federation roles may only read aggregates.");
	if (query->utilityStmt != NULL)
		GuardRefuse(statement, "SELECT INTO is not allowed", NULL);
	if (query->cteList != NIL || query->hasRecursive || query->hasModifyingCTE)
		GuardRefuse(statement, "WITH queries are not allowed", NULL);
	if (query->setOperations != NULL)
		GuardRefuse(statement, "UNION, INTERSECT and EXCEPT are not allowed", NULL);
	if (query->hasSubLinks)
		GuardRefuse(statement, "subqueries are not allowed", NULL);
	if (query->hasWindowFuncs)
		GuardRefuse(statement, "window functions are not allowed", NULL);
	if (query->hasTargetSRFs)
		GuardRefuse(statement, "set-returning functions are not allowed", NULL);
	if (query->rowMarks != NIL || query->hasForUpdate)
		GuardRefuse(statement, "FOR UPDATE and FOR SHARE are not allowed", NULL);
	if (query->groupingSets != NIL)
		GuardRefuse(statement, "GROUPING SETS, ROLLUP and CUBE are not allowed", NULL);
	if (query->distinctClause != NIL)
		GuardRefuse(statement, "DISTINCT is not allowed", NULL);
	if (list_length(query->rtable) != 1 || query->jointree == NULL ||
		list_length(query->jointree->fromlist) != 1 ||
		!IsA(linitial(query->jointree->fromlist), RangeTblRef))
		GuardRefuse(statement,
					list_length(query->rtable) == 0 ? "queries without a published relation are not allowed"
					: "queries over more than one relation are not allowed",
					"A federated query reads exactly one published relation.");
}

/* Check a SELECT of the site info view: plain columns, safe filter, nothing else. */
static void
GuardCheckSiteInfoQuery(Query *query, GuardWalk *w)
{
	ListCell   *lc;

	if (query->hasAggs || query->groupClause != NIL || query->havingQual != NULL)
		GuardRefuse(w->statement, "aggregates over clinnova.federation_site_info are not allowed", NULL);
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst(lc);

		if (!IsA(tle->expr, Var) && !IsA(tle->expr, Const))
			GuardRefuse(w->statement, "clinnova.federation_site_info may only be read column by column",
						NULL);
	}
	GuardCheckClause(w, query->jointree->quals, "WHERE clause", false);
	GuardCheckClause(w, query->limitCount, "LIMIT clause", false);
	GuardCheckClause(w, query->limitOffset, "OFFSET clause", false);
}

/*
 * Add the small-cell check to an allowed aggregate query:
 * HAVING ... AND clinnova.federation_cell_check(count(*)).
 */
static void
GuardAddCellCheck(Query *query, const char *statement)
{
	Oid			check = federation_cell_check_func();
	Aggref	   *count_star;
	FuncExpr   *call;

	if (!OidIsValid(check))
		GuardRefuse(statement, "the clinnova extension is incomplete in this database",
					"Function clinnova.federation_cell_check(bigint) does not exist.");
	count_star = makeNode(Aggref);
	count_star->aggfnoid = F_COUNT_;
	count_star->aggtype = INT8OID;
	count_star->aggcollid = InvalidOid;
	count_star->inputcollid = InvalidOid;
	count_star->aggtranstype = InvalidOid;
	count_star->aggargtypes = NIL;
	count_star->aggdirectargs = NIL;
	count_star->args = NIL;
	count_star->aggorder = NIL;
	count_star->aggdistinct = NIL;
	count_star->aggfilter = NULL;
	count_star->aggstar = true;
	count_star->aggvariadic = false;
	count_star->aggkind = AGGKIND_NORMAL;
	count_star->agglevelsup = 0;
	count_star->aggsplit = AGGSPLIT_SIMPLE;
	count_star->aggno = -1;
	count_star->aggtransno = -1;
	count_star->location = -1;
	call = makeFuncExpr(check, BOOLOID, list_make1(count_star), InvalidOid, InvalidOid,
						COERCE_EXPLICIT_CALL);
	query->havingQual = make_and_qual(query->havingQual, (Node *) call);
	query->hasAggs = true;
}

/*
 * The site's half of the version handshake: a coordinator announces itself through the
 * application name "clinnova/<version>" (federation_add_site sets it on the foreign server);
 * when that version differs from this site's library, aggregate queries are refused (their
 * states would be read with another layout).  Reading the site info view stays allowed, so the
 * coordinator can report the mismatch.  Sessions with another application name (psql) are not
 * checked.
 */
static void
GuardCheckCoordinatorVersion(const char *statement)
{
	const char *prefix = "clinnova/";
	const char *theirs;
	size_t		len;

	if (application_name == NULL || strncmp(application_name, prefix, strlen(prefix)) != 0)
		return;
	theirs = application_name + strlen(prefix);
	len = strcspn(theirs, " ");
	if (len == strlen(CLINNOVA_VERSION) && strncmp(theirs, CLINNOVA_VERSION, len) == 0)
		return;
	GuardRefuse(statement,
				psprintf("the coordinator runs clinnova %.*s, this site %s", (int) len, theirs,
						 CLINNOVA_VERSION),
				"Aggregate states are exchanged in the layout of one clinnova version.");
}

/* Check (and rewrite) an analysed query of a restricted session. */
static void
GuardCheckQuery(Query *query, const char *statement)
{
	RangeTblEntry *rte;
	GuardWalk	w;
	ListCell   *lc;
	int			column = 0;

	GuardCheckQueryShape(query, statement);
	rte = linitial(query->rtable);
	memset(&w, 0, sizeof(w));
	w.statement = statement;
	if (rte->rtekind != RTE_RELATION)
		GuardRefuse(statement,
					psprintf("%s in FROM is not allowed",
							 rte->rtekind == RTE_SUBQUERY ? "a subquery" :
							 rte->rtekind == RTE_FUNCTION ? "a function" :
							 rte->rtekind == RTE_VALUES ? "VALUES" : "this kind of relation"),
					"A federated query reads exactly one published relation.");
	if (rte->tablesample != NULL)
		GuardRefuse(statement, "TABLESAMPLE is not allowed", NULL);
	w.relid = rte->relid;

	if (rte->relid == federation_site_info_view())
	{
		GuardCheckSiteInfoQuery(query, &w);
		return;
	}
	GuardCheckCoordinatorVersion(statement);
	w.pub = federation_lookup_published(rte->relid);
	if (w.pub == NULL)
		GuardRefuse(statement, psprintf("relation \"%s\" is not published", get_rel_name(rte->relid)),
					"Federation roles may query only relations the site published with "
					"clinnova.federation_publish().");
	if (w.pub->broken)
		GuardRefuse(statement,
					psprintf("the publication of relation \"%s\" is out of date", get_rel_name(rte->relid)),
					psprintf("%s The site's DBA must publish it again.", w.pub->reason));
	if (!query->hasAggs)
		GuardRefuse(statement, "only aggregate queries are allowed",
					"The query computes no aggregate: a federation role may select only "
					"clinnova's disclosure-safe aggregates and their GROUP BY keys, never rows.");

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst(lc);

		column++;
		if (IsA(tle->expr, Const))
			continue;			/* a constant reveals nothing */
		if (IsA(tle->expr, Aggref))
			GuardCheckClause(&w, (Node *) tle->expr, "target list", true);
		else if (IsGroupKey(query, tle))
			GuardCheckClause(&w, (Node *) tle->expr, "GROUP BY clause", false);
		else
			GuardRefuse(statement,
						psprintf("output column %d is not a disclosure-safe aggregate or a GROUP BY key",
								 column),
						"A federation role may select only clinnova's disclosure-safe aggregates "
						"(as they are, without functions applied to them) and their GROUP BY keys.");
	}
	GuardCheckClause(&w, query->jointree->quals, "WHERE clause", false);
	GuardCheckClause(&w, query->havingQual, "HAVING clause", true);
	GuardCheckClause(&w, query->limitCount, "LIMIT clause", false);
	GuardCheckClause(&w, query->limitOffset, "OFFSET clause", false);
	GuardAddCellCheck(query, statement);
}

/* post_parse_analyze_hook: check every query of a restricted session. */
static void
GuardPostParseAnalyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	Query	   *checked = query;

	if (prev_post_parse_analyze_hook)
		prev_post_parse_analyze_hook(pstate, query, jstate);
	if (query->commandType == CMD_UTILITY)
	{
		/* DECLARE carries its analysed query; other utilities are judged in ProcessUtility */
		if (query->utilityStmt == NULL || !IsA(query->utilityStmt, DeclareCursorStmt) ||
			!IsA(((DeclareCursorStmt *) query->utilityStmt)->query, Query))
			return;
		checked = (Query *) ((DeclareCursorStmt *) query->utilityStmt)->query;
	}
	if (!federation_session_restricted())
		return;
	GuardCheckQuery(checked, StatementText(pstate->p_sourcetext, query->stmt_location,
										   query->stmt_len));
}

/* ---- utility statements ---- */

/* Is name one of the settings postgres_fdw sets? */
static bool
IsFdwSetting(const char *name)
{
	int			i;

	for (i = 0; i < lengthof(FDW_SETTINGS); i++)
		if (pg_strcasecmp(name, FDW_SETTINGS[i]) == 0)
			return true;
	return false;
}

/* Check a utility statement of a restricted session; refuses everything postgres_fdw does not send. */
static void
GuardCheckUtility(Node *parsetree, const char *statement)
{
	switch (nodeTag(parsetree))
	{
		case T_TransactionStmt:
			{
				TransactionStmtKind kind = ((TransactionStmt *) parsetree)->kind;

				if (kind == TRANS_STMT_PREPARE || kind == TRANS_STMT_COMMIT_PREPARED ||
					kind == TRANS_STMT_ROLLBACK_PREPARED)
					GuardRefuse(statement, "two-phase commit is not allowed", NULL);
				return;
			}
		case T_VariableSetStmt:
			{
				VariableSetStmt *set = (VariableSetStmt *) parsetree;

				if ((set->kind == VAR_SET_VALUE || set->kind == VAR_SET_DEFAULT ||
					 set->kind == VAR_RESET) && set->name != NULL)
				{
					if (IsFdwSetting(set->name))
						return;
					/* A superuser session that switched to a federation role may switch back. */
					if ((pg_strcasecmp(set->name, "role") == 0 ||
						 pg_strcasecmp(set->name, "session_authorization") == 0) &&
						superuser_arg(GetSessionUserId()))
						return;
				}
				GuardRefuse(statement,
							psprintf("SET %s is not allowed", set->name ? set->name : "of this kind"),
							"Federation roles may set only the session parameters postgres_fdw sets "
							"(search_path, timezone, datestyle, intervalstyle, extra_float_digits).");
			}
			break;
		case T_DeclareCursorStmt:
			if (((DeclareCursorStmt *) parsetree)->options & CURSOR_OPT_HOLD)
				GuardRefuse(statement, "cursors WITH HOLD are not allowed", NULL);
			return;				/* its query was checked at parse analysis */
		case T_FetchStmt:
		case T_ClosePortalStmt:
		case T_DeallocateStmt:
			return;
		default:
			break;
	}
	GuardRefuse(statement, psprintf("%s is not allowed", CreateCommandName(parsetree)),
				"Federation roles may run only aggregate queries and the session and transaction "
				"commands postgres_fdw sends.");
}

/* ProcessUtility_hook: check every utility statement of a restricted session. */
static void
GuardProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					ProcessUtilityContext context, ParamListInfo params,
					QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	/*
	 * Transaction control needs no check (and in an aborted transaction no catalog may be
	 * read); only two-phase commit is refused, and only in a valid transaction.
	 */
	if (!IsA(parsetree, TransactionStmt) || IsTransactionState())
	{
		if (federation_session_restricted())
			GuardCheckUtility(parsetree, StatementText(queryString, pstmt->stmt_location,
													   pstmt->stmt_len));
	}
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
								dest, qc);
}

/* ---- the executor backstop ---- */

/*
 * State of a plan walk.  Invariant: mode tells where the walk is relative to the aggregation
 * that must stand between the relation and the output: PLAN_ABOVE_AGG (no Agg yet: every
 * expression is checked, no relation may be scanned), PLAN_IN_AGG (below a combining Agg: the
 * partial Agg is still to come), PLAN_BELOW_AGG (under the initial Agg: scans of published
 * relations and published views' internals; only the range table rules apply).
 */
typedef enum PlanMode
{
	PLAN_ABOVE_AGG,
	PLAN_IN_AGG,
	PLAN_BELOW_AGG
} PlanMode;

typedef struct PlanWalk
{
	const char *statement;
	bool		found_cell_check;
} PlanWalk;

/* Refuse a plan (backstop). */
static void
PlanRefuse(PlanWalk *pw, const char *what)
{
	GuardRefuse(pw->statement, psprintf("the plan %s", what),
				"The executor received a plan that did not pass the federation guard in this "
				"role (for example a statement prepared before switching to a federation role).");
}

/* Expression walker of the backstop: whitelisted aggregates, safe operators and casts only. */
static bool
PlanExprWalker(Node *node, PlanWalk *pw)
{
	if (node == NULL)
		return false;
	if (!IsA(node, Param) && !IsA(node, Const) && IsConstantCoercion(node))
		return false;
	switch (nodeTag(node))
	{
		case T_Var:
		case T_Const:
			return false;
		case T_Param:
			if (((Param *) node)->paramkind != PARAM_EXTERN)
				PlanRefuse(pw, "uses subquery parameters");
			return false;
		case T_Aggref:
			{
				Aggref	   *agg = (Aggref *) node;

				if (!AggregateIsSafe(agg->aggfnoid) && !(agg->aggfnoid == F_COUNT_ && agg->aggstar))
					PlanRefuse(pw, psprintf("computes aggregate %s(), which is not disclosure-safe",
											get_func_name(agg->aggfnoid)));
				if (agg->aggdistinct != NIL || agg->aggorder != NIL)
					PlanRefuse(pw, "computes an ordered or DISTINCT aggregate");
			}
			break;
		case T_OpExpr:
		case T_DistinctExpr:
			if (!OperatorIsSafe(((OpExpr *) node)->opno))
				PlanRefuse(pw, psprintf("uses %s", DescribeNode(node)));
			break;
		case T_ScalarArrayOpExpr:
			if (!OperatorIsSafe(((ScalarArrayOpExpr *) node)->opno))
				PlanRefuse(pw, psprintf("uses %s", DescribeNode(node)));
			break;
		case T_FuncExpr:
			{
				FuncExpr   *f = (FuncExpr *) node;

				if (f->funcid == federation_cell_check_func())
					pw->found_cell_check = true;
				else if (!(f->funcid == federation_site_description_func() ||
						   ((f->funcformat == COERCE_EXPLICIT_CAST ||
							 f->funcformat == COERCE_IMPLICIT_CAST) && CastIsSafe(f->funcid))))
					PlanRefuse(pw, psprintf("uses %s", DescribeNode(node)));
			}
			break;
		case T_BoolExpr:
		case T_NullTest:
		case T_BooleanTest:
		case T_RelabelType:
		case T_ArrayExpr:
		case T_TargetEntry:
		case T_List:
			break;
		default:
			PlanRefuse(pw, psprintf("uses %s", DescribeNode(node)));
	}
	return expression_tree_walker(node, PlanExprWalker, (void *) pw);
}

static void PlanNodeWalk(Plan *plan, PlanMode mode, PlanWalk *pw);

/*
 * Walk the child plans an Append, MergeAppend or SubqueryScan holds outside lefttree and
 * righttree; false (nothing walked) for any other node.
 */
static bool
PlanWalkNestedChildren(Plan *plan, PlanMode mode, PlanWalk *pw)
{
	ListCell   *lc;

	switch (nodeTag(plan))
	{
		case T_Append:
			foreach(lc, ((Append *) plan)->appendplans)
				PlanNodeWalk(lfirst(lc), mode, pw);
			return true;
		case T_MergeAppend:
			foreach(lc, ((MergeAppend *) plan)->mergeplans)
				PlanNodeWalk(lfirst(lc), mode, pw);
			return true;
		case T_SubqueryScan:
			PlanNodeWalk(((SubqueryScan *) plan)->subplan, mode, pw);
			return true;
		default:
			return false;
	}
}

/* Walk a plan node (see PlanMode). */
static void
PlanNodeWalk(Plan *plan, PlanMode mode, PlanWalk *pw)
{
	ListCell   *lc;

	if (plan == NULL)
		return;
	check_stack_depth();
	if (plan->initPlan != NIL)
		PlanRefuse(pw, "contains subplans");
	if (mode == PLAN_BELOW_AGG)
	{
		/* Internals of scans and published views: the range table rules cover them. */
		PlanNodeWalk(plan->lefttree, mode, pw);
		PlanNodeWalk(plan->righttree, mode, pw);
		if (PlanWalkNestedChildren(plan, mode, pw))
			return;
		switch (nodeTag(plan))
		{
			case T_BitmapAnd:
				foreach(lc, ((BitmapAnd *) plan)->bitmapplans)
					PlanNodeWalk(lfirst(lc), mode, pw);
				break;
			case T_BitmapOr:
				foreach(lc, ((BitmapOr *) plan)->bitmapplans)
					PlanNodeWalk(lfirst(lc), mode, pw);
				break;
			default:
				break;
		}
		return;
	}

	PlanExprWalker((Node *) plan->targetlist, pw);
	PlanExprWalker((Node *) plan->qual, pw);
	switch (nodeTag(plan))
	{
		case T_Agg:
			{
				Agg		   *agg = (Agg *) plan;
				bool		had = pw->found_cell_check;

				if (mode == PLAN_ABOVE_AGG)
				{
					/* the topmost aggregation must carry the cell check in its HAVING */
					pw->found_cell_check = false;
					PlanExprWalker((Node *) plan->qual, pw);
					if (!pw->found_cell_check)
						PlanRefuse(pw, "lacks the small-cell check");
					pw->found_cell_check = had;
				}
				PlanNodeWalk(plan->lefttree,
							 DO_AGGSPLIT_COMBINE(agg->aggsplit) ? PLAN_IN_AGG : PLAN_BELOW_AGG, pw);
			}
			return;
		case T_Gather:
		case T_GatherMerge:
		case T_Sort:
		case T_IncrementalSort:
		case T_Material:
			PlanNodeWalk(plan->lefttree, mode, pw);
			return;
		case T_Limit:
			PlanExprWalker(((Limit *) plan)->limitOffset, pw);
			PlanExprWalker(((Limit *) plan)->limitCount, pw);
			PlanNodeWalk(plan->lefttree, mode, pw);
			return;
		case T_Result:
			PlanExprWalker(((Result *) plan)->resconstantqual, pw);
			PlanNodeWalk(plan->lefttree, mode, pw);
			return;
		case T_SubqueryScan:
		case T_Append:
		case T_MergeAppend:
			PlanWalkNestedChildren(plan, mode, pw);
			return;
		case T_FunctionScan:
			foreach(lc, ((FunctionScan *) plan)->functions)
			{
				Node	   *fexpr = ((RangeTblFunction *) lfirst(lc))->funcexpr;

				if (!IsA(fexpr, FuncExpr) ||
					((FuncExpr *) fexpr)->funcid != federation_site_description_func())
					PlanRefuse(pw, "calls a function in FROM");
			}
			return;
		default:
			PlanRefuse(pw, mode == PLAN_ABOVE_AGG ?
					   "returns rows of a relation instead of aggregates" :
					   "contains an unexpected plan node");
	}
}

/*
 * Backstop check of a plan about to run in a restricted session: a SELECT without row locks or
 * subplans that reads only published relations (directly, as inheritance children, or through
 * a published view), with a whitelisted aggregation carrying the cell check on top; or a read
 * of the site info view.
 */
static void
GuardCheckPlan(PlannedStmt *ps, const char *statement)
{
	PlanWalk	pw;
	ListCell   *lc;

	pw.statement = statement;
	pw.found_cell_check = false;
	if (ps->commandType != CMD_SELECT || ps->hasModifyingCTE)
		PlanRefuse(&pw, "modifies data");
	if (ps->rowMarks != NIL)
		PlanRefuse(&pw, "locks rows");
	if (ps->subplans != NIL)
		PlanRefuse(&pw, "contains subplans");
	foreach(lc, ps->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);
		PublishedRelation *pub;

		switch (rte->rtekind)
		{
			case RTE_RELATION:
				if (rte->relid == federation_site_info_view())
					break;
				if (rte->requiredPerms == 0)
					break;		/* an inheritance child: its parent is checked */
				if (OidIsValid(rte->checkAsUser) && rte->checkAsUser != GetUserId())
					break;		/* read through a view, with its owner's rights */
				pub = federation_lookup_published(rte->relid);
				if (pub == NULL || pub->broken)
					PlanRefuse(&pw, psprintf("reads relation \"%s\", which is not published",
											 get_rel_name(rte->relid)));
				break;
			case RTE_SUBQUERY:
			case RTE_RESULT:
			case RTE_FUNCTION:	/* checked with the FunctionScan node */
				break;
			default:
				PlanRefuse(&pw, "reads something other than published relations");
		}
	}
	PlanNodeWalk(ps->planTree, PLAN_ABOVE_AGG, &pw);
}

/* ExecutorStart_hook: the backstop, and the opening of the audit record. */
static void
GuardExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (!IsParallelWorker() && federation_session_restricted())
	{
		PlannedStmt *ps = queryDesc->plannedstmt;
		char	   *statement = StatementText(queryDesc->sourceText, ps->stmt_location, ps->stmt_len);

		GuardCheckPlan(ps, statement);
		if (!(eflags & EXEC_FLAG_EXPLAIN_ONLY))
			federation_audit_query_start(queryDesc, statement);
	}
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/* ExecutorRun_hook: make the query's audit record current, for the cell check to count into. */
static void
GuardExecutorRun(QueryDesc *queryDesc, ScanDirection direction, uint64 count, bool execute_once)
{
	void	   *previous = federation_audit_query_enter(queryDesc);

	PG_TRY();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
	}
	PG_FINALLY();
	{
		federation_audit_query_leave(previous);
	}
	PG_END_TRY();
}

/* ExecutorEnd_hook: complete the audit record. */
static void
GuardExecutorEnd(QueryDesc *queryDesc)
{
	federation_audit_query_end(queryDesc);
	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

/* Install the hooks (from _PG_init). */
void
federation_guard_init(void)
{
	loaded_at_startup = process_shared_preload_libraries_in_progress;

	DefineCustomBoolVariable("clinnova.federation_guard",
							 "Enforce the federation guard on the sessions of federation roles.",
							 "Off, federation roles are restricted only by the aggregates' own "
							 "disclosure control; meant for testing those, never for a site.",
							 &federation_guard_enabled,
							 true,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	prev_post_parse_analyze_hook = post_parse_analyze_hook;
	post_parse_analyze_hook = GuardPostParseAnalyze;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = GuardProcessUtility;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = GuardExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = GuardExecutorRun;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = GuardExecutorEnd;

	CacheRegisterSyscacheCallback(PROCOID, WhitelistSyscacheCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(OPEROID, WhitelistSyscacheCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, WhitelistSyscacheCallback, (Datum) 0);

	federation_catalog_init();
	federation_audit_init();
}
