/*
 * model_cache.c — per-call-site cache of a model argument (see model_cache.h).
 *
 * Identity of the argument from one call to the next, cheapest test first:
 *  - a Const or external Param argument (get_fn_expr_arg_stable) never changes in a query;
 *  - an on-disk TOAST pointer identifies its value by (toast relation, value id);
 *  - any other value (inline, possibly compressed) is compared byte for byte with a copy of
 *    the bytes seen last, which costs a memcmp of at most the inline size (~2 kB once
 *    compressed) — values that large are normally stored out of line.
 * Invariant: when valid, prepared was built from the value identified by the other fields.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "utils/memutils.h"

#include "model_cache.h"

typedef struct ModelCache
{
	bool		valid;
	bool		stable;			/* the argument is a Const or external Param */
	bool		external;		/* identified by toast, not by raw */
	struct varatt_external toast;	/* identity of an on-disk TOAST value */
	struct varlena *raw;		/* copy of the raw inline bytes seen last */
	void	   *prepared;		/* the prepared model */
	MemoryContext cxt;			/* holds raw, the detoasted value and prepared */
} ModelCache;

/* Is the raw argument the value the cache was built from? */
static bool
SameValue(const ModelCache *c, struct varlena *raw)
{
	if (c->stable)
		return true;
	if (VARATT_IS_EXTERNAL_ONDISK(raw))
	{
		struct varatt_external t;

		if (!c->external)
			return false;
		VARATT_EXTERNAL_GET_POINTER(t, raw);
		return t.va_valueid == c->toast.va_valueid && t.va_toastrelid == c->toast.va_toastrelid;
	}
	if (VARATT_IS_EXTERNAL(raw) || c->external)
		return false;			/* indirect/expanded pointers: never assume equality */
	return VARSIZE_ANY(raw) == VARSIZE_ANY(c->raw) &&
		memcmp(raw, c->raw, VARSIZE_ANY(raw)) == 0;
}

/* The prepared model of argument argno, rebuilt only when the argument changed. */
void *
ModelCacheGet(FunctionCallInfo fcinfo, int argno, ModelPrepareFn prepare)
{
	FmgrInfo   *flinfo = fcinfo->flinfo;
	ModelCache *c = (ModelCache *) flinfo->fn_extra;
	struct varlena *raw = (struct varlena *) DatumGetPointer(fcinfo->args[argno].value);
	struct varlena *value;
	MemoryContext old;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(ModelCache));
		c->cxt = AllocSetContextCreate(flinfo->fn_mcxt, "clinnova model cache",
									   ALLOCSET_SMALL_SIZES);
		c->stable = get_fn_expr_arg_stable(flinfo, argno);
		flinfo->fn_extra = c;
	}
	if (c->valid && SameValue(c, raw))
		return c->prepared;

	c->valid = false;
	MemoryContextReset(c->cxt);
	old = MemoryContextSwitchTo(c->cxt);
	c->external = VARATT_IS_EXTERNAL_ONDISK(raw);
	c->raw = NULL;
	if (c->external)
		VARATT_EXTERNAL_GET_POINTER(c->toast, raw);
	else if (!VARATT_IS_EXTERNAL(raw))
	{
		c->raw = palloc(VARSIZE_ANY(raw));
		memcpy(c->raw, raw, VARSIZE_ANY(raw));
	}
	value = detoast_attr(raw);
	if (value == raw)
	{
		/* a plain in-memory value: copy it, the caller's memory is short-lived */
		value = palloc(VARSIZE(raw));
		memcpy(value, raw, VARSIZE(raw));
	}
	c->prepared = prepare(value, c->cxt);
	MemoryContextSwitchTo(old);
	c->valid = true;
	return c->prepared;
}
