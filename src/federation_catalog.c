/*
 * federation_catalog.c — relations a site publishes for federation, and the site description.
 *
 * The DBA publishes a relation with clinnova.federation_publish(relation, identifiers): a row in
 * the extension configuration table clinnova.federation_published (dumped by pg_dump) records the
 * relation and the names of its identifier columns, which a federation role may never use in a
 * filter, a grouping or an aggregate argument.  The guard reads the table through a per-backend
 * cache keyed by relation OID (below); the view clinnova.federation_site_info describes the site
 * (versions, disclosure settings, published relations and their usable columns) for the
 * coordinator's version handshake and for creating its foreign tables.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "clinnova.h"
#include "federation.h"

/*
 * The cache.  Invariant: when catalog_valid_generation == catalog_inval_count, published_htab
 * and the cached OIDs describe the committed state of the catalogs and of the configuration
 * table as of the last invalidation this backend processed.  Every relevant change bumps
 * catalog_inval_count through a callback: the configuration table's statement trigger sends a
 * relcache invalidation of the table, renaming or dropping a published relation's column sends
 * one for that relation, and any pg_proc or pg_namespace change (extension dropped or
 * re-created) resets everything.  A rebuild that sees an invalidation arrive while it runs is
 * repeated, so it can never mark stale contents valid.
 */
static MemoryContext catalog_context = NULL;
static HTAB *published_htab = NULL;
static uint64 catalog_inval_count = 1;
static uint64 catalog_valid_generation = 0;
static Oid	cached_namespace = InvalidOid;
static Oid	cached_config_relid = InvalidOid;
static Oid	cached_site_info_view = InvalidOid;
static Oid	cached_site_description = InvalidOid;
static Oid	cached_cell_check = InvalidOid;

/* Relcache callback: a change of the configuration table, of a published relation, or of all. */
static void
CatalogRelcacheCallback(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == cached_config_relid || relid == cached_site_info_view ||
		(published_htab != NULL && hash_search(published_htab, &relid, HASH_FIND, NULL) != NULL))
		catalog_inval_count++;
}

/* Syscache callback (pg_proc, pg_namespace): functions or the schema changed; rebuild. */
static void
CatalogSyscacheCallback(Datum arg, int cacheid, uint32 hashvalue)
{
	catalog_inval_count++;
}

/* Register the invalidation callbacks (once per process, from _PG_init). */
void
federation_catalog_init(void)
{
	CacheRegisterRelcacheCallback(CatalogRelcacheCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, CatalogSyscacheCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, CatalogSyscacheCallback, (Datum) 0);
}

/* OID of function clinnova.name(argtypes) or InvalidOid. */
static Oid
ClinnovaFunction(const char *name, int nargs, const Oid *argtypes)
{
	List	   *qualified = list_make2(makeString("clinnova"), makeString(pstrdup(name)));

	return LookupFuncName(qualified, nargs, argtypes, true);
}

/* Resolve the identifier column names of one configuration row into a cache entry. */
static void
ResolveIdentifiers(PublishedRelation *entry, ArrayType *names)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	StringInfoData list;

	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	entry->identifiers = palloc(sizeof(AttrNumber) * Max(n, 1));
	entry->nidentifiers = 0;
	entry->broken = false;
	entry->reason = NULL;
	initStringInfo(&list);
	for (i = 0; i < n; i++)
	{
		char	   *colname;
		AttrNumber	attnum;

		if (nulls[i])
		{
			entry->broken = true;
			entry->reason = pstrdup("Its list of identifier columns contains a NULL.");
			continue;
		}
		colname = TextDatumGetCString(elems[i]);
		attnum = get_attnum(entry->relid, colname);
		if (attnum == InvalidAttrNumber)
		{
			entry->broken = true;
			entry->reason = psprintf("Its identifier column \"%s\" no longer exists.", colname);
			continue;
		}
		entry->identifiers[entry->nidentifiers++] = attnum;
		appendStringInfo(&list, "%s%s", list.len > 0 ? ", " : "", quote_identifier(colname));
	}
	entry->identifier_list = list.data;
}

/* Read clinnova.federation_published into a fresh hash table (in the current context). */
static void
LoadPublished(Oid config_relid)
{
	HASHCTL		ctl;
	Relation	rel;
	Snapshot	snapshot;
	TableScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	att_relation,
				att_identifiers;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(PublishedRelation);
	ctl.hcxt = CurrentMemoryContext;
	published_htab = hash_create("clinnova published relations", 16, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	if (!OidIsValid(config_relid))
		return;

	att_relation = get_attnum(config_relid, "relation");
	att_identifiers = get_attnum(config_relid, "identifiers");
	if (att_relation == InvalidAttrNumber || att_identifiers == InvalidAttrNumber)
		elog(ERROR, "clinnova: clinnova.federation_published lacks its relation or identifiers column");

	rel = table_open(config_relid, AccessShareLock);
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	scan = table_beginscan(rel, snapshot, 0, NULL);
	slot = table_slot_create(rel, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		d;
		Oid			relid;
		PublishedRelation *entry;

		d = slot_getattr(slot, att_relation, &isnull);
		if (isnull)
			continue;
		relid = DatumGetObjectId(d);
		if (get_rel_relkind(relid) == '\0')
			continue;			/* dropped; the event trigger deletes such rows */
		entry = hash_search(published_htab, &relid, HASH_ENTER, NULL);
		d = slot_getattr(slot, att_identifiers, &isnull);
		if (isnull)
		{
			entry->identifiers = NULL;
			entry->nidentifiers = 0;
			entry->identifier_list = pstrdup("");
			entry->broken = false;
			entry->reason = NULL;
		}
		else
			ResolveIdentifiers(entry, DatumGetArrayTypeP(d));
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
}

/* Make the cache valid, rebuilding it from the catalogs if an invalidation arrived. */
static void
EnsureCatalogCache(void)
{
	static const Oid int8arg[1] = {INT8OID};

	while (catalog_valid_generation != catalog_inval_count)
	{
		uint64		generation = catalog_inval_count;
		MemoryContext old;

		if (catalog_context == NULL)
			catalog_context = AllocSetContextCreate(CacheMemoryContext, "clinnova federation catalog",
													ALLOCSET_SMALL_SIZES);
		MemoryContextReset(catalog_context);
		published_htab = NULL;
		old = MemoryContextSwitchTo(catalog_context);

		cached_namespace = get_namespace_oid("clinnova", true);
		cached_config_relid = InvalidOid;
		cached_site_info_view = InvalidOid;
		cached_site_description = InvalidOid;
		cached_cell_check = InvalidOid;
		if (OidIsValid(cached_namespace))
		{
			cached_config_relid = get_relname_relid("federation_published", cached_namespace);
			cached_site_info_view = get_relname_relid("federation_site_info", cached_namespace);
			cached_site_description = ClinnovaFunction("federation_site_description", 0, NULL);
			cached_cell_check = ClinnovaFunction("federation_cell_check", 1, int8arg);
		}
		LoadPublished(cached_config_relid);
		MemoryContextSwitchTo(old);

		if (generation == catalog_inval_count)
			catalog_valid_generation = generation;
	}
}

/*
 * A copy (in the current memory context) of the cache entry of relid, or NULL when relid is
 * not published.  A copy, because any later catalog access may rebuild the cache.
 */
PublishedRelation *
federation_lookup_published(Oid relid)
{
	PublishedRelation *entry;
	PublishedRelation *copy;

	EnsureCatalogCache();
	entry = hash_search(published_htab, &relid, HASH_FIND, NULL);
	if (entry == NULL)
		return NULL;
	copy = palloc(sizeof(PublishedRelation));
	*copy = *entry;
	copy->identifiers = palloc(sizeof(AttrNumber) * Max(entry->nidentifiers, 1));
	if (entry->nidentifiers > 0)
		memcpy(copy->identifiers, entry->identifiers, sizeof(AttrNumber) * entry->nidentifiers);
	copy->reason = entry->reason ? pstrdup(entry->reason) : NULL;
	copy->identifier_list = pstrdup(entry->identifier_list);
	return copy;
}

/* OID of the view clinnova.federation_site_info. */
Oid
federation_site_info_view(void)
{
	EnsureCatalogCache();
	return cached_site_info_view;
}

/* OID of clinnova.federation_site_description(). */
Oid
federation_site_description_func(void)
{
	EnsureCatalogCache();
	return cached_site_description;
}

/* OID of clinnova.federation_cell_check(bigint). */
Oid
federation_cell_check_func(void)
{
	EnsureCatalogCache();
	return cached_cell_check;
}

/* OID of relation clinnova.relname, or InvalidOid. */
Oid
federation_clinnova_relation(const char *relname)
{
	EnsureCatalogCache();
	if (!OidIsValid(cached_namespace))
		return InvalidOid;
	return get_relname_relid(relname, cached_namespace);
}

/* Owner of relation relid (elog if it does not exist). */
Oid
federation_relation_owner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "clinnova: cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/* ---- SQL: publish and unpublish ---- */

/* Raise 55000 unless the guard was loaded at server start (it must see every statement). */
static void
CheckGuardLoadedAtStartup(void)
{
	if (!federation_guard_loaded_at_startup())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("clinnova is not loaded through shared_preload_libraries"),
				 errdetail("The federation guard must be loaded at server start to see every "
						   "statement of a federation role; publishing without it would "
						   "protect nothing."),
				 errhint("Add clinnova to shared_preload_libraries in postgresql.conf and "
						 "restart the server.")));
}

/* Raise 22023 unless relid is a kind of relation that may be published. */
static void
CheckPublishableRelation(Oid relid)
{
	char		relkind = get_rel_relkind(relid);

	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_VIEW && relkind != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation \"%s\" cannot be published", get_rel_name(relid)),
				 errdetail("Only tables, partitioned tables, views and materialized views can be "
						   "published for federation.")));
	if (get_rel_namespace(relid) == get_namespace_oid("clinnova", true))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation \"%s\" belongs to the extension and cannot be published",
						get_rel_name(relid))));
}

/* Raise 42501 unless the current user owns relid (or is a superuser). */
static void
CheckRelationOwner(Oid relid)
{
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
}

/*
 * Validate the identifier column names of relid: no NULL, each an existing user column.
 * Returns them as a text[] with duplicates removed (first occurrence kept).
 */
static ArrayType *
ValidateIdentifiers(Oid relid, ArrayType *names)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i,
				j,
				kept = 0;

	if (ARR_NDIM(names) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("identifiers must be a one-dimensional array")));
	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		char	   *colname;
		bool		duplicate = false;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("identifiers must not contain NULL")));
		colname = TextDatumGetCString(elems[i]);
		if (get_attnum(relid, colname) == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" of relation \"%s\" does not exist",
							colname, get_rel_name(relid)),
					 errdetail("Identifiers name columns of the published relation; \"%s\" is not "
							   "one of them.", colname)));
		for (j = 0; j < kept; j++)
			if (strcmp(TextDatumGetCString(elems[j]), colname) == 0)
				duplicate = true;
		if (!duplicate)
			elems[kept++] = elems[i];
	}
	return construct_array(elems, kept, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * Run one statement on the configuration table as its owner (the extension owner), so that a
 * table owner who is not a superuser can publish.  The caller has checked the privileges.
 */
static uint64
ExecuteOnConfigTable(const char *sql, int nargs, Oid *argtypes, Datum *values)
{
	Oid			config_relid = federation_clinnova_relation("federation_published");
	Oid			save_userid;
	int			save_sec_context;
	int			rc;
	uint64		processed;

	if (!OidIsValid(config_relid))
		elog(ERROR, "clinnova: table clinnova.federation_published does not exist");
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(federation_relation_owner(config_relid),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "clinnova: SPI_connect failed");
	rc = SPI_execute_with_args(sql, nargs, argtypes, values, NULL, false, 0);
	if (rc < 0)
		elog(ERROR, "clinnova: statement on clinnova.federation_published failed: %s",
			 SPI_result_code_string(rc));
	processed = SPI_processed;
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	CacheInvalidateRelcacheByRelid(config_relid);
	return processed;
}

PG_FUNCTION_INFO_V1(federation_publish);
/*
 * clinnova.federation_publish(relation regclass, identifiers text[]): publish a relation for
 * federation (or update its identifier columns).  Superuser or owner of the relation only;
 * refused unless the guard was loaded at server start.
 */
Datum
federation_publish(PG_FUNCTION_ARGS)
{
	Oid			relid;
	ArrayType  *identifiers;
	Oid			argtypes[3] = {OIDOID, TEXTARRAYOID, NAMEOID};
	Datum		values[3];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation must not be NULL")));
	relid = PG_GETARG_OID(0);
	CheckGuardLoadedAtStartup();
	CheckPublishableRelation(relid);
	CheckRelationOwner(relid);
	if (PG_ARGISNULL(1))
		identifiers = construct_empty_array(TEXTOID);
	else
		identifiers = ValidateIdentifiers(relid, PG_GETARG_ARRAYTYPE_P(1));

	values[0] = ObjectIdGetDatum(relid);
	values[1] = PointerGetDatum(identifiers);
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	ExecuteOnConfigTable("INSERT INTO clinnova.federation_published "
						 "(relation, identifiers, published_by, published_at) "
						 "VALUES ($1::pg_catalog.regclass, $2, $3, pg_catalog.now()) "
						 "ON CONFLICT (relation) DO UPDATE SET identifiers = EXCLUDED.identifiers, "
						 "published_by = EXCLUDED.published_by, "
						 "published_at = EXCLUDED.published_at",
						 3, argtypes, values);
	if (clinnova_federation_roles == NULL || clinnova_federation_roles[0] == '\0')
		ereport(NOTICE,
				(errmsg("clinnova.federation_roles is empty: no role is restricted yet"),
				 errhint("Set clinnova.federation_roles in postgresql.conf to the roles that "
						 "coordinators connect as.")));
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(federation_unpublish);
/* clinnova.federation_unpublish(relation regclass): withdraw a publication; true if there was one. */
Datum
federation_unpublish(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation must not be NULL")));
	relid = PG_GETARG_OID(0);
	if (get_rel_relkind(relid) != '\0')
		CheckRelationOwner(relid);
	else if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only a superuser may unpublish a relation that no longer exists")));
	values[0] = ObjectIdGetDatum(relid);
	PG_RETURN_BOOL(ExecuteOnConfigTable("DELETE FROM clinnova.federation_published "
										"WHERE relation = $1::pg_catalog.regclass",
										1, argtypes, values) > 0);
}

PG_FUNCTION_INFO_V1(federation_published_changed);
/*
 * Statement trigger on clinnova.federation_published: tell every backend to rebuild its cache of
 * published relations (also after direct DML and pg_restore).
 */
Datum
federation_published_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "clinnova: federation_published_changed must be called as a trigger");
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}

/* ---- SQL: the site description ---- */

/* extversion of the installed clinnova extension (palloc'd), or NULL. */
static char *
InstalledExtensionVersion(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	char	   *version = NULL;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("clinnova"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		d = heap_getattr(tuple, Anum_pg_extension_extversion,
									 RelationGetDescr(rel), &isnull);

		if (!isnull)
			version = TextDatumGetCString(d);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return version;
}

/* qsort comparator: published relations by schema, then name. */
static int
CompareRelationNames(const void *a, const void *b)
{
	Oid			ra = (*(PublishedRelation *const *) a)->relid;
	Oid			rb = (*(PublishedRelation *const *) b)->relid;
	int			c = strcmp(get_namespace_name(get_rel_namespace(ra)),
						   get_namespace_name(get_rel_namespace(rb)));

	return c != 0 ? c : strcmp(get_rel_name(ra), get_rel_name(rb));
}

/* Is attnum one of the identifier columns of entry? */
static bool
IsIdentifier(const PublishedRelation *entry, AttrNumber attnum)
{
	int			i;

	for (i = 0; i < entry->nidentifiers; i++)
		if (entry->identifiers[i] == attnum)
			return true;
	return false;
}

/* Append the JSON description of one published relation: names and non-identifier columns. */
static void
AppendRelationJson(StringInfo buf, const PublishedRelation *entry)
{
	Relation	rel = relation_open(entry->relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;
	bool		first = true;

	appendStringInfoString(buf, "{\"schema\": ");
	escape_json(buf, get_namespace_name(RelationGetNamespace(rel)));
	appendStringInfoString(buf, ", \"name\": ");
	escape_json(buf, RelationGetRelationName(rel));
	appendStringInfoString(buf, ", \"columns\": [");
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || IsIdentifier(entry, att->attnum))
			continue;
		appendStringInfoString(buf, first ? "{\"name\": " : ", {\"name\": ");
		escape_json(buf, NameStr(att->attname));
		appendStringInfoString(buf, ", \"type\": ");
		escape_json(buf, format_type_extended(att->atttypid, att->atttypmod,
											  FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY));
		appendStringInfoChar(buf, '}');
		first = false;
	}
	appendStringInfoString(buf, "]}");
	relation_close(rel, AccessShareLock);
}

/* JSON array describing every published relation the cache knows (broken ones left out). */
static Datum
PublishedRelationsJsonb(void)
{
	StringInfoData buf;
	HASH_SEQ_STATUS status;
	PublishedRelation *entry;
	Oid		   *relids;
	PublishedRelation **entries;
	int			n = 0,
				i;

	/* Copy the entries before touching other catalogs: that may rebuild the cache. */
	EnsureCatalogCache();
	relids = palloc(sizeof(Oid) * (hash_get_num_entries(published_htab) + 1));
	hash_seq_init(&status, published_htab);
	while ((entry = hash_seq_search(&status)) != NULL)
		if (!entry->broken)
			relids[n++] = entry->relid;
	entries = palloc(sizeof(PublishedRelation *) * (n + 1));
	for (i = 0; i < n; i++)
		entries[i] = federation_lookup_published(relids[i]);
	qsort(entries, n, sizeof(PublishedRelation *), CompareRelationNames);

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		AppendRelationJson(&buf, entries[i]);
	}
	appendStringInfoChar(&buf, ']');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

PG_FUNCTION_INFO_V1(federation_site_description);
/*
 * clinnova.federation_site_description(): one row describing this site for the coordinator's
 * handshake: extension and library versions, server version, min_cell_count, time_grain,
 * whether the guard is active, and the published relations with their usable columns.
 * Reads the configuration table without a privilege check (it describes only metadata), so
 * that federation roles need no privilege on it.
 */
Datum
federation_site_description(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false};
	char	   *extversion;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: federation_site_description must return a record");
	tupdesc = BlessTupleDesc(tupdesc);

	extversion = InstalledExtensionVersion();
	values[0] = extversion ? CStringGetTextDatum(extversion) : (Datum) 0;
	nulls[0] = extversion == NULL;
	values[1] = CStringGetTextDatum(CLINNOVA_VERSION);
	values[2] = CStringGetTextDatum(PG_VERSION);
	values[3] = Int32GetDatum(clinnova_min_cell_count);
	values[4] = Float8GetDatum(clinnova_time_grain);
	values[5] = BoolGetDatum(federation_guard_loaded_at_startup() && federation_guard_enabled);
	values[6] = PublishedRelationsJsonb();
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
