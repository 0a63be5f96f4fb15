/*
 * model_cache.h — per-call-site cache of a model argument, so that scoring functions called
 * once per row detoast (decompress, fetch from TOAST) and prepare a model once per query
 * instead of once per row.
 */
#ifndef CLINNOVA_MODEL_CACHE_H
#define CLINNOVA_MODEL_CACHE_H

#include "postgres.h"

#include "fmgr.h"

/*
 * Build the ready-to-use form of a detoasted model value, allocating in cxt.  May raise an
 * error; the cache then stays empty.
 */
typedef void *(*ModelPrepareFn) (struct varlena *value, MemoryContext cxt);

/*
 * The prepared model for argument argno of the current call, from fcinfo->flinfo->fn_extra
 * when the argument is the same value as on the previous call (the call site's constant,
 * the same TOAST pointer, or byte-identical inline bytes), otherwise detoasted and prepared
 * anew.  The argument must not be NULL.
 */
extern void *ModelCacheGet(FunctionCallInfo fcinfo, int argno, ModelPrepareFn prepare);

#endif							/* CLINNOVA_MODEL_CACHE_H */
