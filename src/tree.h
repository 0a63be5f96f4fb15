/*
 * tree.h — tree ensembles imported from XGBoost (gbtree boosters), the SQL type treemodel.
 *
 * A treemodel is one flat array of nodes for all trees, so that scoring a row walks memory
 * that was read once per query (the value is cached per call site, see model_cache.h).
 * Prediction follows XGBoost 1.7's CPU predictor exactly: features are converted to float32,
 * a split sends a row left when x < threshold (both float32), a missing value (NULL or NaN)
 * follows the node's default direction, and the margin is the float32 sum, in tree order, of
 * the leaf values added to the objective's base margin.  Margins are therefore bit-identical to
 * xgboost's predict(output_margin = True); the response transform is applied in double.
 */
#ifndef CLINNOVA_TREE_H
#define CLINNOVA_TREE_H

#include "postgres.h"

/* Supported objectives: how base_score becomes a margin and how a margin becomes a response. */
typedef enum TreeObjective
{
	TREE_BINARY_LOGISTIC = 1,	/* probability = sigmoid(margin) */
	TREE_BINARY_LOGITRAW,		/* margin (base score on the probability scale) */
	TREE_REG_LOGISTIC,			/* sigmoid(margin) */
	TREE_REG_SQUAREDERROR,		/* margin */
	TREE_REG_SQUAREDLOGERROR,	/* margin */
	TREE_REG_PSEUDOHUBERERROR,	/* margin */
	TREE_REG_ABSOLUTEERROR,		/* margin */
	TREE_COUNT_POISSON,			/* exp(margin) */
	TREE_SURVIVAL_COX,			/* exp(margin): hazard ratio */
	TREE_REG_GAMMA,				/* exp(margin) */
	TREE_REG_TWEEDIE			/* exp(margin) */
} TreeObjective;

#define TREE_OBJECTIVE_MAX TREE_REG_TWEEDIE

/* Limits. */
#define TREE_MAX_TREES		100000
#define TREE_MAX_NODES		(64 * 1024 * 1024)	/* over all trees */
#define TREE_MAX_DEPTH		10000
#define TREE_MAX_FEATURES	100000
#define TREE_MAX_NAME		1024

/*
 * One node.  Split: rows with x[feature] < value (float32) go to left, others to right,
 * missing values to left when TREE_DEFAULT_LEFT is set.  Leaf: left == right == its own index,
 * value = the leaf value, feature = 0, so that a walk may take more steps than the leaf's depth
 * without leaving it (scoring runs a fixed number of branch-free steps per tree).  left and
 * right are absolute indices into the model's node array.
 */
typedef struct TreeNode
{
	int32		left;
	int32		right;
	uint32		feature;		/* feature index, | TREE_DEFAULT_LEFT */
	float		value;
} TreeNode;

#define TREE_DEFAULT_LEFT	0x80000000u
#define TREE_FEATURE_MASK	0x7FFFFFFFu

/*
 * The treemodel value.  Invariants: every tree's root is trees[t], its nodes are
 * trees[t] .. trees[t+1]-1 (trees[num_trees] = num_nodes); every reachable split node's
 * children lie in its own tree and the reachable part is a tree (no node reached twice);
 * depth[t] is the number of edges on the longest path from the root of tree t; features are
 * < num_feature; values are finite.  Variable part after the header (MAXALIGN'd): int32
 * trees[num_trees + 1], int32 depth[num_trees] (padded to MAXALIGN), TreeNode
 * nodes[num_nodes], then num_feature NUL-terminated feature names when names_len > 0.
 */
typedef struct TreeModel
{
	int32		vl_len_;		/* varlena header */
	uint8		objective;		/* TreeObjective */
	uint8		reserved1;
	uint16		reserved2;
	int32		num_feature;
	int32		num_trees;
	int32		num_nodes;
	int32		names_len;		/* bytes of feature names, 0 when the model has none */
	float		base_margin;	/* the objective's margin of base_score, in float32 as xgboost */
	float		base_score;		/* base_score as the model document gives it */
} TreeModel;

#define TREEMODEL_HDRSZ			MAXALIGN(sizeof(TreeModel))
#define TreeModelTrees(m)		((int32 *) ((char *) (m) + TREEMODEL_HDRSZ))
#define TreeModelDepth(m)		(TreeModelTrees(m) + (m)->num_trees + 1)
#define TREEMODEL_NODE_OFFSET(t) \
	(TREEMODEL_HDRSZ + MAXALIGN(sizeof(int32) * (Size) (2 * (t) + 1)))
#define TreeModelNodes(m)		((TreeNode *) ((char *) (m) + TREEMODEL_NODE_OFFSET((m)->num_trees)))
#define TreeModelNames(m)		((char *) (TreeModelNodes(m) + (m)->num_nodes))
#define TREEMODEL_SIZE(t, n, names) \
	(TREEMODEL_NODE_OFFSET(t) + sizeof(TreeNode) * (Size) (n) + (Size) (names))
#define DatumGetTreeModelP(d)	((TreeModel *) PG_DETOAST_DATUM(d))
#define PG_GETARG_TREEMODEL_P(n) DatumGetTreeModelP(PG_GETARG_DATUM(n))

/* XGBoost's name of an objective, and the objective of a name (false if unsupported). */
extern const char *TreeObjectiveName(TreeObjective objective);
extern bool TreeObjectiveFromName(const char *name, TreeObjective *objective);

/* The response (xgboost's predict()) of a margin. */
extern double TreeResponse(TreeObjective objective, float margin);

/* Trees walked in lockstep when scoring. */
#define TREE_LANES 8

/* The scoring layout of a treemodel (see tree.c), built once per query. */
typedef struct TreeScorer TreeScorer;

extern TreeScorer *TreeScorerBuild(const TreeModel *m);

/* The margin of one row: x holds num_feature float32 values, NaN for missing. */
extern float TreeScorerMargin(const TreeScorer *sc, const float *x, bool has_missing);

#endif							/* CLINNOVA_TREE_H */
