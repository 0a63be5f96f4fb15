/*
 * tree.c — the treemodel type: import from XGBoost's JSON model format, text and binary I/O,
 * and scoring (see tree.h for the prediction rules and the layout's invariants).
 *
 * import_xgboost(jsonb) reads what Booster.save_model("model.json") writes in XGBoost 1.7:
 *
 *   {"learner": {"feature_names": [...], "feature_types": [...],
 *                "gradient_booster": {"name": "gbtree", "model": {
 *                    "gbtree_model_param": {"num_trees": "2", "size_leaf_vector": "0", ...},
 *                    "tree_info": [0, 0],
 *                    "trees": [{"left_children": [...], "right_children": [...],
 *                               "split_indices": [...], "split_conditions": [...],
 *                               "default_left": [...], "split_type": [...], "categories": [],
 *                               "tree_param": {"num_nodes": "7", ...}, ...}]}},
 *                "learner_model_param": {"base_score": "5E-1", "num_class": "0",
 *                                        "num_feature": "3", "num_target": "1"},
 *                "objective": {"name": "binary:logistic", ...}},
 *    "version": [1, 7, 4]}
 *
 * Unsupported parts (gblinear and dart boosters, multi-class or multi-target models,
 * categorical splits, vector leaves, other objectives) are refused with 22023 naming them;
 * so is anything malformed, with the path of the offending field.  The text form of a
 * treemodel is a smaller JSON document with the same per-tree arrays (tree-local indices,
 * -1 children for leaves, leaf values in split_conditions, floats in shortest float4 form).
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "clinnova.h"
#include "model_cache.h"
#include "model_json.h"
#include "models.h"
#include "tree.h"

#define TREEMODEL_FORMAT_VERSION 1

static const JsonReader ImportReader = {ERRCODE_INVALID_PARAMETER_VALUE, "XGBoost model"};
static const JsonReader TextReader = {ERRCODE_INVALID_TEXT_REPRESENTATION, "treemodel"};

/* ---- objectives ---- */

/* How an objective maps base_score to a margin and a margin to a response. */
typedef enum TreeScale
{
	SCALE_IDENTITY,
	SCALE_LOGIT,				/* margin = logit(base_score), response = sigmoid(margin) */
	SCALE_LOG					/* margin = log(base_score), response = exp(margin) */
} TreeScale;

typedef struct ObjectiveInfo
{
	const char *name;
	TreeScale	base;			/* base_score -> margin */
	TreeScale	response;		/* margin -> response */
} ObjectiveInfo;

/* Indexed by TreeObjective. */
static const ObjectiveInfo Objectives[TREE_OBJECTIVE_MAX + 1] = {
	{NULL, SCALE_IDENTITY, SCALE_IDENTITY},
	{"binary:logistic", SCALE_LOGIT, SCALE_LOGIT},
	{"binary:logitraw", SCALE_IDENTITY, SCALE_IDENTITY},	/* xgboost 1.7: base_score is the margin */
	{"reg:logistic", SCALE_LOGIT, SCALE_LOGIT},
	{"reg:squarederror", SCALE_IDENTITY, SCALE_IDENTITY},
	{"reg:squaredlogerror", SCALE_IDENTITY, SCALE_IDENTITY},
	{"reg:pseudohubererror", SCALE_IDENTITY, SCALE_IDENTITY},
	{"reg:absoluteerror", SCALE_IDENTITY, SCALE_IDENTITY},
	{"count:poisson", SCALE_LOG, SCALE_LOG},
	{"survival:cox", SCALE_LOG, SCALE_LOG},
	{"reg:gamma", SCALE_LOG, SCALE_LOG},
	{"reg:tweedie", SCALE_LOG, SCALE_LOG},
};

/* XGBoost's name of an objective. */
const char *
TreeObjectiveName(TreeObjective objective)
{
	if (objective < 1 || objective > TREE_OBJECTIVE_MAX)
		elog(ERROR, "clinnova: unknown tree objective %d", (int) objective);
	return Objectives[objective].name;
}

/* Objective by name; false when unsupported. */
bool
TreeObjectiveFromName(const char *name, TreeObjective *objective)
{
	int			i;

	for (i = 1; i <= TREE_OBJECTIVE_MAX; i++)
	{
		if (strcmp(Objectives[i].name, name) == 0)
		{
			*objective = (TreeObjective) i;
			return true;
		}
	}
	return false;
}

/*
 * xgboost's ProbToMargin, in float32 arithmetic as xgboost computes it: -logf(1/p - 1) for
 * the logistic objectives, logf(p) for the log-link ones, p itself otherwise.  Returns false
 * when base_score is outside the objective's domain.
 */
static bool
BaseMargin(TreeObjective objective, float base_score, float *margin)
{
	switch (Objectives[objective].base)
	{
		case SCALE_LOGIT:
			if (!(base_score > 0.0f && base_score < 1.0f))
				return false;
			*margin = -logf(1.0f / base_score - 1.0f);
			return true;
		case SCALE_LOG:
			if (!(base_score > 0.0f))
				return false;
			*margin = logf(base_score);
			return true;
		case SCALE_IDENTITY:
			break;
	}
	*margin = base_score;
	return true;
}

/* The response of a margin (in double: xgboost rounds it to float32 again). */
double
TreeResponse(TreeObjective objective, float margin)
{
	switch (Objectives[objective].response)
	{
		case SCALE_LOGIT:
			return 1.0 / (1.0 + exp(-(double) margin));
		case SCALE_LOG:
			return exp((double) margin);
		case SCALE_IDENTITY:
			break;
	}
	return margin;
}

/* ---- scoring ---- */

/*
 * Scoring layout (TreeScorer), built once per query from a treemodel: nodes renumbered per
 * tree in breadth-first order so that every split's children are adjacent (right = left + 1),
 * stored as separate arrays, and leaves made to point to themselves with threshold +Infinity.
 * One step is then
 *
 *     i = left[i] + !(x[feature[i]] < threshold[i])
 *
 * with no select, and a leaf stays put for any finite x.  Rows with missing values take the
 * variant that sends NaN to the default side (leaves never go right).
 */
struct TreeScorer
{
	int			num_trees;
	float		base_margin;
	int32	   *roots;			/* [num_trees] */
	int32	   *group_depth;	/* [groups of TREE_LANES trees] deepest tree of the group */
	int32		sink;			/* a leaf, walked by lanes past the last tree */
	/* per node, structure of arrays (indexing by i needs no multiplication) */
	float	   *threshold;		/* +Infinity for leaves */
	int32	   *feature;		/* 0 for leaves */
	int32	   *left;			/* the left child; the right one is left + 1; leaves: self */
	bool	   *default_right;	/* missing values go right (never for leaves) */
	float	   *leaf;			/* leaf value (0 for splits) */
};

/* Build the scoring layout of m in the current memory context. */
TreeScorer *
TreeScorerBuild(const TreeModel *m)
{
	const int32 *roots = TreeModelTrees(m);
	const TreeNode *nodes = TreeModelNodes(m);
	TreeScorer *sc = palloc(sizeof(TreeScorer));
	int32	   *queue = palloc(sizeof(int32) * Max(m->num_nodes, 1));	/* old indices */
	int32		next = 0;		/* next new index */
	int			groups = (m->num_trees + TREE_LANES - 1) / TREE_LANES;
	int			nn = Max(m->num_nodes, 1);
	int			t;

	sc->num_trees = m->num_trees;
	sc->base_margin = m->base_margin;
	sc->roots = palloc(sizeof(int32) * Max(m->num_trees, 1));
	sc->group_depth = palloc0(sizeof(int32) * Max(groups, 1));
	sc->threshold = palloc(sizeof(float) * nn);
	sc->feature = palloc(sizeof(int32) * nn);
	sc->left = palloc(sizeof(int32) * nn);
	sc->default_right = palloc(sizeof(bool) * nn);
	sc->leaf = palloc0(sizeof(float) * nn);
	sc->sink = 0;
	for (t = 0; t < m->num_trees; t++)
	{
		int32		head = 0,
					tail = 0,
					base = next;

		sc->group_depth[t / TREE_LANES] = Max(sc->group_depth[t / TREE_LANES], TreeModelDepth(m)[t]);
		sc->roots[t] = next++;
		queue[tail++] = roots[t];
		/* breadth first: the node dequeued k-th gets new index base + k */
		while (head < tail)
		{
			const TreeNode *n = &nodes[queue[head]];
			int32		i = base + head;

			if (n->left == queue[head])
			{
				sc->threshold[i] = get_float4_infinity();
				sc->feature[i] = 0;
				sc->left[i] = i;
				sc->default_right[i] = false;
				sc->leaf[i] = n->value;
				sc->sink = i;
			}
			else
			{
				sc->threshold[i] = n->value;
				sc->feature[i] = (int32) (n->feature & TREE_FEATURE_MASK);
				sc->left[i] = next;
				sc->default_right[i] = (n->feature & TREE_DEFAULT_LEFT) == 0;
				queue[tail++] = n->left;
				queue[tail++] = n->right;
				next += 2;
			}
			head++;
		}
	}
	pfree(queue);
	return sc;
}

/* One step, rows without missing values. */
#define StepComplete(i) \
	(left[i] + (int32) !(x[feature[i]] < threshold[i]))

/* One step, rows with missing values: NaN goes right only where the default is right. */
#define StepMissing(i) \
	(left[i] + (isnan(x[feature[i]]) ? (int32) default_right[i] : (int32) !(x[feature[i]] < threshold[i])))

/*
 * Walk the trees TREE_LANES (8) at a time in lockstep: each lane is an independent chain of
 * dependent loads, so the CPU overlaps the eight chains instead of waiting on one (scoring is
 * latency-bound otherwise).  The lanes are separate variables so that they stay in registers;
 * every lane takes its group's largest depth in steps, and lanes past the last tree walk the
 * sink leaf.  Leaf values are added in tree order, in float32, as xgboost adds them.
 */
#define WALK_TREES(STEP) \
	for (t0 = 0, g = 0; t0 < trees; t0 += TREE_LANES, g++) \
	{ \
		int32		i0 = sc->roots[t0], \
					i1 = (t0 + 1 < trees) ? sc->roots[t0 + 1] : sc->sink, \
					i2 = (t0 + 2 < trees) ? sc->roots[t0 + 2] : sc->sink, \
					i3 = (t0 + 3 < trees) ? sc->roots[t0 + 3] : sc->sink, \
					i4 = (t0 + 4 < trees) ? sc->roots[t0 + 4] : sc->sink, \
					i5 = (t0 + 5 < trees) ? sc->roots[t0 + 5] : sc->sink, \
					i6 = (t0 + 6 < trees) ? sc->roots[t0 + 6] : sc->sink, \
					i7 = (t0 + 7 < trees) ? sc->roots[t0 + 7] : sc->sink; \
		int			d; \
		\
		for (d = sc->group_depth[g]; d > 0; d--) \
		{ \
			i0 = STEP(i0); \
			i1 = STEP(i1); \
			i2 = STEP(i2); \
			i3 = STEP(i3); \
			i4 = STEP(i4); \
			i5 = STEP(i5); \
			i6 = STEP(i6); \
			i7 = STEP(i7); \
		} \
		margin += leaf[i0]; \
		if (t0 + 1 < trees) margin += leaf[i1]; \
		if (t0 + 2 < trees) margin += leaf[i2]; \
		if (t0 + 3 < trees) margin += leaf[i3]; \
		if (t0 + 4 < trees) margin += leaf[i4]; \
		if (t0 + 5 < trees) margin += leaf[i5]; \
		if (t0 + 6 < trees) margin += leaf[i6]; \
		if (t0 + 7 < trees) margin += leaf[i7]; \
	}

/* The margin of one row (x: float32 features, NaN = missing; has_missing: any NaN in x). */
float
TreeScorerMargin(const TreeScorer *sc, const float *x, bool has_missing)
{
	const float *threshold = sc->threshold;
	const int32 *feature = sc->feature;
	const int32 *left = sc->left;
	const bool *default_right = sc->default_right;
	const float *leaf = sc->leaf;
	int			trees = sc->num_trees;
	float		margin = sc->base_margin;
	int			t0,
				g;

	StaticAssertStmt(TREE_LANES == 8, "TreeScorerMargin walks 8 lanes");
	if (has_missing)
	{
		WALK_TREES(StepMissing);
	}
	else
	{
		WALK_TREES(StepComplete);
	}
	return margin;
}

/* ---- building and validating ---- */

/* One tree as documents give it: tree-local indices, -1 children for leaves. */
typedef struct TreeArrays
{
	int			n;
	int32	   *left;
	int32	   *right;
	int32	   *feature;
	float	   *value;
	bool	   *default_left;
} TreeArrays;

/* Allocate the arrays of a tree of n nodes. */
static void
TreeArraysAlloc(TreeArrays *a, int n)
{
	a->n = n;
	a->left = palloc(sizeof(int32) * n);
	a->right = palloc(sizeof(int32) * n);
	a->feature = palloc(sizeof(int32) * n);
	a->value = palloc(sizeof(float) * n);
	a->default_left = palloc(sizeof(bool) * n);
}

/*
 * Check one tree and return its depth: children in range and never the node itself, leaves
 * with both children -1, features below num_feature, finite values, and the nodes reachable
 * from the root forming a tree (an iterative walk that never meets a node twice).
 */
static int
CheckTree(const JsonReader *r, const char *path, const TreeArrays *a, int num_feature)
{
	int32	   *stack = palloc(sizeof(int32) * a->n);
	int32	   *level = palloc(sizeof(int32) * a->n);
	bool	   *seen = palloc0(sizeof(bool) * a->n);
	int			top = 0,
				depth = 0,
				i;

	for (i = 0; i < a->n; i++)
	{
		if (!isfinite(a->value[i]))
			JsonFail(r, psprintf("%s.split_conditions", path), i, "must be finite");
		if (a->left[i] == -1 || a->right[i] == -1)
		{
			if (a->left[i] != -1 || a->right[i] != -1)
				JsonFail(r, psprintf("%s.left_children", path), i,
						 "and right_children must both be -1 for a leaf");
			continue;
		}
		if (a->left[i] < 0 || a->left[i] >= a->n || a->right[i] < 0 || a->right[i] >= a->n ||
			a->left[i] == i || a->right[i] == i || a->left[i] == a->right[i])
			JsonFail(r, psprintf("%s.left_children", path), i,
					 "and right_children must be two other nodes of the tree, or both -1");
		if (a->feature[i] < 0 || a->feature[i] >= num_feature)
			JsonFail(r, psprintf("%s.split_indices", path), i,
					 "must be a feature index below num_feature");
	}

	stack[top] = 0;
	level[top++] = 0;
	while (top > 0)
	{
		int32		node = stack[--top];
		int32		d = level[top];

		if (seen[node])
			JsonFail(r, path, -1, "is not a tree: a node is reached twice from the root");
		seen[node] = true;
		if (d > TREE_MAX_DEPTH)
			JsonFail(r, path, -1, "is deeper than 10000 levels");
		depth = Max(depth, d);
		if (a->left[node] >= 0)
		{
			/* at most n - 1 children are ever pushed, since no node is pushed twice */
			if (top + 2 > a->n)
				JsonFail(r, path, -1, "is not a tree: a node is reached twice from the root");
			stack[top] = a->left[node];
			level[top++] = d + 1;
			stack[top] = a->right[node];
			level[top++] = d + 1;
		}
	}
	pfree(stack);
	pfree(level);
	pfree(seen);
	return depth;
}

/*
 * Build a treemodel from validated header values and per-tree arrays, checking every tree.
 * names: num_feature names, or NULL.
 */
static TreeModel *
BuildTreeModel(const JsonReader *r, TreeObjective objective, float base_score, int num_feature,
			   char **names, int num_trees, TreeArrays *trees)
{
	int64		num_nodes = 0;
	Size		names_len = 0;
	TreeModel  *m;
	TreeNode   *nodes;
	int32	   *roots;
	int32	   *depth;
	char	   *np;
	int			t,
				i;
	float		margin;

	for (t = 0; t < num_trees; t++)
		num_nodes += trees[t].n;
	if (num_nodes > TREE_MAX_NODES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("tree ensemble of " INT64_FORMAT " nodes is too large", num_nodes),
				 errdetail("At most %d nodes are supported.", TREE_MAX_NODES)));
	if (names != NULL)
		for (i = 0; i < num_feature; i++)
			names_len += strlen(names[i]) + 1;
	if (!BaseMargin(objective, base_score, &margin) || !isfinite(margin))
		JsonFail(r, "base_score", -1, "is outside the domain of the objective");

	m = palloc0(TREEMODEL_SIZE(num_trees, num_nodes, names_len));
	SET_VARSIZE(m, TREEMODEL_SIZE(num_trees, num_nodes, names_len));
	m->objective = (uint8) objective;
	m->num_feature = num_feature;
	m->num_trees = num_trees;
	m->num_nodes = (int32) num_nodes;
	m->names_len = (int32) names_len;
	m->base_score = base_score;
	m->base_margin = margin;

	roots = TreeModelTrees(m);
	depth = TreeModelDepth(m);
	nodes = TreeModelNodes(m);
	num_nodes = 0;
	for (t = 0; t < num_trees; t++)
	{
		const TreeArrays *a = &trees[t];
		int32		base = (int32) num_nodes;

		CHECK_FOR_INTERRUPTS();
		depth[t] = CheckTree(r, psprintf("trees[%d]", t), a, num_feature);
		roots[t] = base;
		for (i = 0; i < a->n; i++)
		{
			TreeNode   *n = &nodes[base + i];

			n->value = a->value[i];
			if (a->left[i] < 0)
			{
				n->left = n->right = base + i;
				n->feature = 0;
			}
			else
			{
				n->left = base + a->left[i];
				n->right = base + a->right[i];
				n->feature = (uint32) a->feature[i] | (a->default_left[i] ? TREE_DEFAULT_LEFT : 0);
			}
		}
		num_nodes += a->n;
	}
	roots[num_trees] = (int32) num_nodes;

	np = TreeModelNames(m);
	if (names != NULL)
		for (i = 0; i < num_feature; i++)
		{
			strcpy(np, names[i]);
			np += strlen(names[i]) + 1;
		}
	return m;
}

/* Validate feature names: non-empty, short, distinct. */
static void
CheckFeatureNames(const JsonReader *r, const char *path, char **names, int n)
{
	int			i,
				k;

	for (i = 0; i < n; i++)
	{
		if (names[i][0] == '\0' || strlen(names[i]) >= TREE_MAX_NAME)
			JsonFail(r, path, i, "must be a non-empty name shorter than 1024 bytes");
		for (k = 0; k < i; k++)
			if (strcmp(names[k], names[i]) == 0)
				JsonFail(r, path, i, "repeats an earlier name");
	}
}

/* The array at key (required), with its path for messages. */
static JsonbContainer *
RequiredArray(const JsonReader *r, JsonbContainer *obj, const char *key, const char *path)
{
	JsonbValue	v;

	if (!JsonGet(r, obj, key, false, &v))
		JsonFail(r, path, -1, "is missing");
	return JsonArray(r, &v, path, -1);
}

/* The object at key (required). */
static JsonbContainer *
RequiredObject(const JsonReader *r, JsonbContainer *obj, const char *key, const char *path)
{
	JsonbValue	v;

	if (!JsonGet(r, obj, key, false, &v))
		JsonFail(r, path, -1, "is missing");
	return JsonObject(r, &v, path, -1);
}

/* Read feature names (an array of strings) into *names; returns their number. */
static int
ReadNames(const JsonReader *r, JsonbContainer *arr, const char *path, char ***names)
{
	int			n = JsonArraySize(arr);
	int			i;

	if (n > TREE_MAX_FEATURES)
		JsonFail(r, path, -1, "has too many elements");
	*names = palloc(sizeof(char *) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		JsonbValue	e;

		JsonElement(arr, i, &e);
		(*names)[i] = JsonText(r, &e, path, i);
	}
	CheckFeatureNames(r, path, *names, n);
	return n;
}

/* Read the five node arrays of one tree object into a (children, features, values, defaults). */
static void
ReadTreeArrays(const JsonReader *r, JsonbContainer *tree, const char *path, int n, TreeArrays *a)
{
	TreeArraysAlloc(a, n);
	JsonReadInt32Array(r, RequiredArray(r, tree, "left_children", psprintf("%s.left_children", path)),
					   psprintf("%s.left_children", path), -1, PG_INT32_MAX, a->left, n);
	JsonReadInt32Array(r, RequiredArray(r, tree, "right_children", psprintf("%s.right_children", path)),
					   psprintf("%s.right_children", path), -1, PG_INT32_MAX, a->right, n);
	JsonReadInt32Array(r, RequiredArray(r, tree, "split_indices", psprintf("%s.split_indices", path)),
					   psprintf("%s.split_indices", path), 0, PG_INT32_MAX, a->feature, n);
	JsonReadFloat4Array(r, RequiredArray(r, tree, "split_conditions", psprintf("%s.split_conditions", path)),
						psprintf("%s.split_conditions", path), a->value, n);
	JsonReadBoolArray(r, RequiredArray(r, tree, "default_left", psprintf("%s.default_left", path)),
					  psprintf("%s.default_left", path), a->default_left, n);
}

/* Raise 22023 for an unsupported part of an XGBoost model, naming it. */
static void
Unsupported(const char *what, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unsupported XGBoost model: %s", what),
			 errdetail("%s", detail),
			 errhint("import_xgboost reads gbtree models with one output and numeric splits.")));
}

/* An integer parameter XGBoost stores as a string ("7") or number. */
static int64
IntParam(JsonbContainer *obj, const char *key, const char *path, int64 min, int64 max,
		 bool required, int64 dflt)
{
	JsonbValue	v;

	if (!JsonGet(&ImportReader, obj, key, false, &v))
	{
		if (required)
			JsonFail(&ImportReader, path, -1, "is missing");
		return dflt;
	}
	return JsonInt(&ImportReader, &v, path, -1, min, max, true);
}

/*
 * base_score as XGBoost writes it: a string such as "5E-1" (or "[5E-1]" in later versions),
 * read directly as a float32.
 */
static float
BaseScoreParam(JsonbContainer *lmp)
{
	JsonbValue	v;

	if (!JsonGet(&ImportReader, lmp, "base_score", false, &v))
		JsonFail(&ImportReader, "learner.learner_model_param.base_score", -1, "is missing");
	if (v.type == jbvString && v.val.string.len > 2 && v.val.string.val[0] == '[' &&
		v.val.string.val[v.val.string.len - 1] == ']')
	{
		v.val.string.val++;
		v.val.string.len -= 2;
	}
	return JsonFloat4(&ImportReader, &v, "learner.learner_model_param.base_score", -1, true);
}

PG_FUNCTION_INFO_V1(import_xgboost);
/* import_xgboost(model jsonb) -> treemodel (see the file comment). */
Datum
import_xgboost(PG_FUNCTION_ARGS)
{
	const JsonReader *r = &ImportReader;
	JsonbContainer *root = JsonRootObject(r, PG_GETARG_JSONB_P(0));
	JsonbContainer *learner,
			   *booster,
			   *model,
			   *lmp,
			   *objective_obj,
			   *trees_arr,
			   *param;
	JsonbValue	v;
	TreeObjective objective;
	char	   *s;
	char	  **names = NULL;
	int			num_feature,
				num_trees,
				nnames = 0,
				t;
	float		base_score;
	TreeArrays *trees;

	learner = RequiredObject(r, root, "learner", "learner");

	/* booster */
	booster = RequiredObject(r, learner, "gradient_booster", "learner.gradient_booster");
	if (!JsonGet(r, booster, "name", false, &v))
		JsonFail(r, "learner.gradient_booster.name", -1, "is missing");
	s = JsonText(r, &v, "learner.gradient_booster.name", -1);
	if (strcmp(s, "gbtree") != 0)
		Unsupported(psprintf("booster \"%s\"", s),
					strcmp(s, "dart") == 0 ? "Dart boosters scale trees by dropout weights; retrain with booster = \"gbtree\"." :
					strcmp(s, "gblinear") == 0 ? "Linear boosters are not tree ensembles; fit a linear model with logreg or linreg instead." :
					"Only \"gbtree\" boosters are supported.");
	model = RequiredObject(r, booster, "model", "learner.gradient_booster.model");

	/* objective */
	objective_obj = RequiredObject(r, learner, "objective", "learner.objective");
	if (!JsonGet(r, objective_obj, "name", false, &v))
		JsonFail(r, "learner.objective.name", -1, "is missing");
	s = JsonText(r, &v, "learner.objective.name", -1);
	if (!TreeObjectiveFromName(s, &objective))
		Unsupported(psprintf("objective \"%s\"", s),
					strncmp(s, "multi:", 6) == 0 ? "Multi-class models have one margin per class." :
					"Supported: binary:logistic, binary:logitraw, reg:logistic, reg:squarederror, "
					"reg:squaredlogerror, reg:pseudohubererror, reg:absoluteerror, count:poisson, "
					"survival:cox, reg:gamma, reg:tweedie.");

	/* learner parameters */
	lmp = RequiredObject(r, learner, "learner_model_param", "learner.learner_model_param");
	if (IntParam(lmp, "num_class", "learner.learner_model_param.num_class", 0, PG_INT32_MAX, false, 0) > 1)
		Unsupported("multi-class model", "num_class is greater than 1.");
	if (IntParam(lmp, "num_target", "learner.learner_model_param.num_target", 0, PG_INT32_MAX, false, 1) > 1)
		Unsupported("multi-target model", "num_target is greater than 1.");
	num_feature = (int) IntParam(lmp, "num_feature", "learner.learner_model_param.num_feature",
								 0, TREE_MAX_FEATURES, true, 0);
	base_score = BaseScoreParam(lmp);

	/* feature names and types */
	if (JsonGet(r, learner, "feature_names", false, &v))
	{
		nnames = ReadNames(r, JsonArray(r, &v, "learner.feature_names", -1), "learner.feature_names", &names);
		if (nnames != 0 && nnames != num_feature)
			JsonFail(r, "learner.feature_names", -1, "must name every feature (num_feature) or be empty");
		if (nnames == 0)
			names = NULL;
	}
	if (JsonGet(r, learner, "feature_types", false, &v))
	{
		JsonbContainer *types = JsonArray(r, &v, "learner.feature_types", -1);
		int			i;

		for (i = 0; i < JsonArraySize(types); i++)
		{
			JsonbValue	e;

			JsonElement(types, i, &e);
			if (JsonStringIs(&e, "c"))
				Unsupported("categorical features",
							psprintf("Feature %d has type \"c\"; categorical splits test set membership.", i));
		}
	}

	/* trees */
	param = RequiredObject(r, model, "gbtree_model_param", "learner.gradient_booster.model.gbtree_model_param");
	if (IntParam(param, "size_leaf_vector", "gbtree_model_param.size_leaf_vector", 0, PG_INT32_MAX, false, 0) > 0)
		Unsupported("vector leaves", "size_leaf_vector is greater than 0.");
	num_trees = (int) IntParam(param, "num_trees", "gbtree_model_param.num_trees", 0, TREE_MAX_TREES, true, 0);
	trees_arr = RequiredArray(r, model, "trees", "learner.gradient_booster.model.trees");
	if (JsonArraySize(trees_arr) != num_trees)
		JsonFail(r, "learner.gradient_booster.model.trees", -1, "must have num_trees elements");
	if (JsonGet(r, model, "tree_info", false, &v))
	{
		JsonbContainer *info = JsonArray(r, &v, "learner.gradient_booster.model.tree_info", -1);
		int32	   *groups = palloc(sizeof(int32) * Max(num_trees, 1));

		JsonReadInt32Array(r, info, "learner.gradient_booster.model.tree_info", 0, PG_INT32_MAX,
						   groups, num_trees);
		for (t = 0; t < num_trees; t++)
			if (groups[t] != 0)
				Unsupported("multi-output model", "tree_info assigns trees to more than one output.");
	}

	trees = palloc(sizeof(TreeArrays) * Max(num_trees, 1));
	for (t = 0; t < num_trees; t++)
	{
		char	   *path = psprintf("trees[%d]", t);
		JsonbContainer *tree;
		JsonbContainer *tp;
		int			n;

		CHECK_FOR_INTERRUPTS();
		JsonElement(trees_arr, t, &v);
		tree = JsonObject(r, &v, "learner.gradient_booster.model.trees", t);
		tp = RequiredObject(r, tree, "tree_param", psprintf("%s.tree_param", path));
		n = (int) IntParam(tp, "num_nodes", psprintf("%s.tree_param.num_nodes", path), 1, TREE_MAX_NODES, true, 0);
		if (IntParam(tp, "size_leaf_vector", psprintf("%s.tree_param.size_leaf_vector", path), 0, PG_INT32_MAX, false, 0) > 0)
			Unsupported("vector leaves", "size_leaf_vector is greater than 0.");
		if (JsonGet(r, tree, "split_type", false, &v))
		{
			int32	   *types = palloc(sizeof(int32) * n);
			int			i;

			JsonReadInt32Array(r, JsonArray(r, &v, psprintf("%s.split_type", path), -1),
							   psprintf("%s.split_type", path), 0, PG_INT32_MAX, types, n);
			for (i = 0; i < n; i++)
				if (types[i] != 0)
					Unsupported("categorical splits", psprintf("Node %d of tree %d splits on categories.", i, t));
			pfree(types);
		}
		if (JsonGet(r, tree, "categories", false, &v) &&
			JsonArraySize(JsonArray(r, &v, psprintf("%s.categories", path), -1)) > 0)
			Unsupported("categorical splits", psprintf("Tree %d has category lists.", t));
		ReadTreeArrays(r, tree, path, n, &trees[t]);
	}
	PG_RETURN_POINTER(BuildTreeModel(r, objective, base_score, num_feature, names, num_trees, trees));
}

/* ---- text I/O ---- */

PG_FUNCTION_INFO_V1(treemodel_in);
/* Text input: the JSON written by treemodel_out. */
Datum
treemodel_in(PG_FUNCTION_ARGS)
{
	static const char *const keys[] = {"objective", "base_score", "num_feature", "feature_names", "trees", NULL};
	static const char *const tree_keys[] = {"split_indices", "split_conditions", "left_children",
	"right_children", "default_left", NULL};
	const JsonReader *r = &TextReader;
	JsonbContainer *root = JsonParseObject(r, PG_GETARG_CSTRING(0));
	JsonbContainer *arr;
	JsonbValue	v;
	TreeObjective objective;
	char	   *s;
	char	  **names = NULL;
	int			num_feature,
				num_trees,
				nnames,
				t;
	float		base_score;
	TreeArrays *trees;

	JsonCheckKeys(r, root, NULL, keys);
	JsonGet(r, root, "objective", true, &v);
	s = JsonText(r, &v, "objective", -1);
	if (!TreeObjectiveFromName(s, &objective))
		JsonFail(r, "objective", -1, "is not a supported XGBoost objective");
	JsonGet(r, root, "base_score", true, &v);
	base_score = JsonFloat4(r, &v, "base_score", -1, false);
	JsonGet(r, root, "num_feature", true, &v);
	num_feature = (int) JsonInt(r, &v, "num_feature", -1, 0, TREE_MAX_FEATURES, false);
	JsonGet(r, root, "feature_names", true, &v);
	nnames = ReadNames(r, JsonArray(r, &v, "feature_names", -1), "feature_names", &names);
	if (nnames != 0 && nnames != num_feature)
		JsonFail(r, "feature_names", -1, "must name every feature (num_feature) or be empty");
	if (nnames == 0)
		names = NULL;

	JsonGet(r, root, "trees", true, &v);
	arr = JsonArray(r, &v, "trees", -1);
	num_trees = JsonArraySize(arr);
	if (num_trees > TREE_MAX_TREES)
		JsonFail(r, "trees", -1, "has too many elements");
	trees = palloc(sizeof(TreeArrays) * Max(num_trees, 1));
	for (t = 0; t < num_trees; t++)
	{
		char	   *path = psprintf("trees[%d]", t);
		JsonbContainer *tree;
		JsonbContainer *first;

		JsonElement(arr, t, &v);
		tree = JsonObject(r, &v, "trees", t);
		JsonCheckKeys(r, tree, path, tree_keys);
		first = RequiredArray(r, tree, "left_children", psprintf("%s.left_children", path));
		if (JsonArraySize(first) < 1)
			JsonFail(r, psprintf("%s.left_children", path), -1, "must not be empty");
		ReadTreeArrays(r, tree, path, JsonArraySize(first), &trees[t]);
	}
	PG_RETURN_POINTER(BuildTreeModel(r, objective, base_score, num_feature, names, num_trees, trees));
}

/* Append a JSON array of n int32 values. */
static void
AppendInts(StringInfo buf, const int32 *v, int n)
{
	int			i;

	appendStringInfoChar(buf, '[');
	for (i = 0; i < n; i++)
		appendStringInfo(buf, (i > 0) ? ", %d" : "%d", v[i]);
	appendStringInfoChar(buf, ']');
}

PG_FUNCTION_INFO_V1(treemodel_out);
/* Text output: objective, base_score, features and per-tree arrays with local indices. */
Datum
treemodel_out(PG_FUNCTION_ARGS)
{
	TreeModel  *m = PG_GETARG_TREEMODEL_P(0);
	const int32 *roots = TreeModelTrees(m);
	const TreeNode *nodes = TreeModelNodes(m);
	StringInfoData buf;
	int32	   *tmp = palloc(sizeof(int32) * Max(m->num_nodes, 1));
	int			t,
				i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"objective\": ");
	JsonAppendString(&buf, TreeObjectiveName((TreeObjective) m->objective));
	appendStringInfoString(&buf, ", \"base_score\": ");
	JsonAppendFloat4(&buf, m->base_score);
	appendStringInfo(&buf, ", \"num_feature\": %d, \"feature_names\": [", m->num_feature);
	if (m->names_len > 0)
	{
		const char *np = TreeModelNames(m);

		for (i = 0; i < m->num_feature; i++)
		{
			if (i > 0)
				appendStringInfoString(&buf, ", ");
			JsonAppendString(&buf, np);
			np += strlen(np) + 1;
		}
	}
	appendStringInfoString(&buf, "], \"trees\": [");
	for (t = 0; t < m->num_trees; t++)
	{
		int32		base = roots[t];
		int			n = roots[t + 1] - base;

		CHECK_FOR_INTERRUPTS();
		appendStringInfoString(&buf, (t > 0) ? ", {\"split_indices\": " : "{\"split_indices\": ");
		for (i = 0; i < n; i++)
			tmp[i] = (int32) (nodes[base + i].feature & TREE_FEATURE_MASK);
		AppendInts(&buf, tmp, n);
		appendStringInfoString(&buf, ", \"split_conditions\": [");
		for (i = 0; i < n; i++)
		{
			if (i > 0)
				appendStringInfoString(&buf, ", ");
			JsonAppendFloat4(&buf, nodes[base + i].value);
		}
		appendStringInfoString(&buf, "], \"left_children\": ");
		for (i = 0; i < n; i++)
			tmp[i] = (nodes[base + i].left == base + i) ? -1 : nodes[base + i].left - base;
		AppendInts(&buf, tmp, n);
		appendStringInfoString(&buf, ", \"right_children\": ");
		for (i = 0; i < n; i++)
			tmp[i] = (nodes[base + i].right == base + i) ? -1 : nodes[base + i].right - base;
		AppendInts(&buf, tmp, n);
		appendStringInfoString(&buf, ", \"default_left\": ");
		for (i = 0; i < n; i++)
			tmp[i] = (nodes[base + i].feature & TREE_DEFAULT_LEFT) ? 1 : 0;
		AppendInts(&buf, tmp, n);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoString(&buf, "]}");
	pfree(tmp);
	PG_RETURN_CSTRING(buf.data);
}

/* ---- binary I/O ---- */

PG_FUNCTION_INFO_V1(treemodel_send);
/* Binary output: version, header, per-tree node counts, nodes with local indices, names. */
Datum
treemodel_send(PG_FUNCTION_ARGS)
{
	TreeModel  *m = PG_GETARG_TREEMODEL_P(0);
	const int32 *roots = TreeModelTrees(m);
	const TreeNode *nodes = TreeModelNodes(m);
	StringInfoData buf;
	int			t,
				i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, TREEMODEL_FORMAT_VERSION);
	pq_sendbyte(&buf, m->objective);
	pq_sendfloat4(&buf, m->base_score);
	pq_sendint32(&buf, m->num_feature);
	pq_sendint32(&buf, m->num_trees);
	for (t = 0; t < m->num_trees; t++)
	{
		int32		base = roots[t];
		int			n = roots[t + 1] - base;

		pq_sendint32(&buf, n);
		for (i = 0; i < n; i++)
		{
			const TreeNode *nd = &nodes[base + i];
			bool		leaf = (nd->left == base + i);

			pq_sendint32(&buf, leaf ? -1 : nd->left - base);
			pq_sendint32(&buf, leaf ? -1 : nd->right - base);
			pq_sendint32(&buf, (int32) (nd->feature & TREE_FEATURE_MASK));
			pq_sendbyte(&buf, (nd->feature & TREE_DEFAULT_LEFT) ? 1 : 0);
			pq_sendfloat4(&buf, nd->value);
		}
	}
	pq_sendbyte(&buf, m->names_len > 0 ? 1 : 0);
	if (m->names_len > 0)
	{
		const char *np = TreeModelNames(m);

		for (i = 0; i < m->num_feature; i++)
		{
			pq_sendstring(&buf, np);
			np += strlen(np) + 1;
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Raise the binary input error with a detail. */
static void
BadBinary(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary representation of treemodel"),
			 errdetail("%s", detail)));
}

PG_FUNCTION_INFO_V1(treemodel_recv);
/* Binary input: counts are checked against the bytes left before allocation; then the same
 * structural checks as text input. */
Datum
treemodel_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	static const JsonReader BinaryReader = {ERRCODE_INVALID_BINARY_REPRESENTATION, "treemodel"};
	TreeObjective objective;
	float		base_score;
	int			num_feature,
				num_trees,
				t,
				i;
	TreeArrays *trees;
	char	  **names = NULL;

	clinnova_recv_version(buf, TREEMODEL_FORMAT_VERSION, "treemodel");
	objective = (TreeObjective) pq_getmsgbyte(buf);
	if (objective < 1 || objective > TREE_OBJECTIVE_MAX)
		BadBinary("The objective is unknown.");
	base_score = pq_getmsgfloat4(buf) + 0.0f;	/* -0 as +0, as in the values below */
	num_feature = pq_getmsgint(buf, 4);
	num_trees = pq_getmsgint(buf, 4);
	if (num_feature < 0 || num_feature > TREE_MAX_FEATURES || num_trees < 0 ||
		num_trees > TREE_MAX_TREES || (Size) num_trees * 4 > (Size) (buf->len - buf->cursor))
		BadBinary("The header is invalid.");
	trees = palloc(sizeof(TreeArrays) * Max(num_trees, 1));
	for (t = 0; t < num_trees; t++)
	{
		int			n = pq_getmsgint(buf, 4);

		/* 17 bytes per node must still be in the message */
		if (n < 1 || (Size) n > (Size) (buf->len - buf->cursor) / 17)
			BadBinary("A tree's node count does not match the size of the value.");
		TreeArraysAlloc(&trees[t], n);
		for (i = 0; i < n; i++)
		{
			int			dl;

			trees[t].left[i] = pq_getmsgint(buf, 4);
			trees[t].right[i] = pq_getmsgint(buf, 4);
			trees[t].feature[i] = pq_getmsgint(buf, 4);
			dl = pq_getmsgbyte(buf);
			if (dl != 0 && dl != 1)
				BadBinary("A default direction is invalid.");
			trees[t].default_left[i] = (dl == 1);
			trees[t].value[i] = pq_getmsgfloat4(buf) + 0.0f;	/* -0 as +0: JSON text has no -0 */
		}
	}
	if (pq_getmsgbyte(buf) == 1)
	{
		if ((Size) num_feature > (Size) (buf->len - buf->cursor))
			BadBinary("The feature names are truncated.");
		names = palloc(sizeof(char *) * Max(num_feature, 1));
		for (i = 0; i < num_feature; i++)
		{
			/* a name must end inside the value (pq_getmsgstring would raise 08P01) */
			if (memchr(buf->data + buf->cursor, '\0', buf->len - buf->cursor) == NULL)
				BadBinary("A feature name is not terminated.");
			names[i] = pstrdup(pq_getmsgstring(buf));
		}
		CheckFeatureNames(&BinaryReader, "feature_names", names, num_feature);
	}
	clinnova_recv_end(buf, "treemodel");
	PG_RETURN_POINTER(BuildTreeModel(&BinaryReader, objective, base_score, num_feature, names,
									 num_trees, trees));
}

/* ---- SQL functions ---- */

/* A cached model, its scoring layout and a buffer for one row's float32 features. */
typedef struct PreparedTree
{
	TreeModel  *model;
	TreeScorer *scorer;
	float	   *x;
	bool		has_missing;	/* x holds a NaN */
} PreparedTree;

/* Cache preparation (in the cache's memory context): the detoasted value and its layout. */
static void *
PrepareTree(struct varlena *value, MemoryContext cxt)
{
	PreparedTree *p = palloc(sizeof(PreparedTree));

	p->model = (TreeModel *) value;
	p->scorer = TreeScorerBuild(p->model);
	p->x = palloc0(sizeof(float) * Max(p->model->num_feature, 1));
	return p;
}

/*
 * Fill p->x from a float8[] row: NULL elements and NaN are missing (NaN), finite values are
 * rounded to float32 as xgboost's DMatrix does; infinities and values beyond float32 are
 * refused (xgboost refuses them too).
 */
static void
RowFeatures(PreparedTree *p, ArrayType *a)
{
	int			n = (ARR_NDIM(a) == 0) ? 0 : ARR_DIMS(a)[0];
	bits8	   *nulls = ARR_NULLBITMAP(a);
	const double *data = (const double *) ARR_DATA_PTR(a);
	int			i,
				k = 0;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x must be a one-dimensional array")));
	if (n != p->model->num_feature)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x has %d elements but the model has %d features", n, p->model->num_feature)));
	p->has_missing = false;
	for (i = 0; i < n; i++)
	{
		double		d;

		if (nulls != NULL && !(nulls[i / 8] & (1 << (i % 8))))
		{
			p->x[i] = get_float4_nan();
			p->has_missing = true;
			continue;
		}
		d = data[k++];
		if (isnan(d))
		{
			p->x[i] = get_float4_nan();
			p->has_missing = true;
		}
		else if (!(fabs(d) <= FLT_MAX))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("x must be finite and within the float4 range XGBoost uses"),
					 errdetail("Element %d of x is %s.", i + 1, float8out_internal(d)),
					 errhint("Missing values are NULL or NaN.")));
		else
			p->x[i] = (float) d;
	}
}

/* 'margin' -> false, 'response' -> true; 22023 otherwise. */
static bool
TreeResponseScale(text *type)
{
	if (TextIs(type, "response"))
		return true;
	if (TextIs(type, "margin"))
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown prediction type \"%s\" for a treemodel", text_to_cstring(type)),
			 errhint("Use 'response' (as xgboost's predict) or 'margin' (output_margin = True).")));
}

PG_FUNCTION_INFO_V1(treemodel_predict);
/*
 * predict(model treemodel, x float8[], type text DEFAULT 'response'): the margin, or the
 * response xgboost's predict() gives (probability for logistic objectives, exp(margin) for
 * count:poisson, survival:cox (hazard ratio), reg:gamma and reg:tweedie, the margin itself
 * for the others).  x is not strict: NULL elements are missing values.
 */
Datum
treemodel_predict(PG_FUNCTION_ARGS)
{
	PreparedTree *p;
	float		margin;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	p = (PreparedTree *) ModelCacheGet(fcinfo, 0, PrepareTree);
	RowFeatures(p, PG_GETARG_ARRAYTYPE_P(1));
	margin = TreeScorerMargin(p->scorer, p->x, p->has_missing);
	if (TreeResponseScale(PG_GETARG_TEXT_PP(2)))
		PG_RETURN_FLOAT8(TreeResponse((TreeObjective) p->model->objective, margin));
	PG_RETURN_FLOAT8((double) margin);
}

PG_FUNCTION_INFO_V1(treemodel_features);
/* model_features(treemodel): the feature names ({} when the model has none). */
Datum
treemodel_features(PG_FUNCTION_ARGS)
{
	TreeModel  *m = PG_GETARG_TREEMODEL_P(0);
	Datum	   *d = palloc(sizeof(Datum) * Max(m->num_feature, 1));
	const char *np = TreeModelNames(m);
	int			i;

	if (m->names_len == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TEXTOID));
	for (i = 0; i < m->num_feature; i++)
	{
		d[i] = CStringGetTextDatum(np);
		np += strlen(np) + 1;
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(d, m->num_feature, TEXTOID, -1, false, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(treemodel_info);
/* treemodel_info(model) -> (objective, base_score, num_feature, num_trees, num_nodes, max_depth). */
Datum
treemodel_info(PG_FUNCTION_ARGS)
{
	TreeModel  *m = PG_GETARG_TREEMODEL_P(0);
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {false};
	int			t,
				depth = 0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: treemodel_info must be called in a context that accepts a record");
	tupdesc = BlessTupleDesc(tupdesc);
	for (t = 0; t < m->num_trees; t++)
		depth = Max(depth, TreeModelDepth(m)[t]);
	values[0] = CStringGetTextDatum(TreeObjectiveName((TreeObjective) m->objective));
	values[1] = Float8GetDatum((double) m->base_score);
	values[2] = Int32GetDatum(m->num_feature);
	values[3] = Int32GetDatum(m->num_trees);
	values[4] = Int32GetDatum(m->num_nodes);
	values[5] = Int32GetDatum(depth);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
