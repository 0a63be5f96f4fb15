/*
 * federation.h — the site side of federation: guard, published relations and audit.
 *
 * A site publishes relations for federation (federation_catalog.c); the guard
 * (federation_guard.c) lets the roles listed in clinnova.federation_roles run only aggregate
 * queries of clinnova's disclosure-safe aggregates over those relations, and every query such a
 * role runs is recorded (federation_audit.c).  The three files share the declarations below.
 */
#ifndef CLINNOVA_FEDERATION_H
#define CLINNOVA_FEDERATION_H

#include "postgres.h"

#include "access/attnum.h"
#include "executor/execdesc.h"

/* ---- federation_guard.c ---- */

/* Install the guard's hooks; called once from _PG_init. */
extern void federation_guard_init(void);

/* True when the library was loaded through shared_preload_libraries (the guard sees everything). */
extern bool federation_guard_loaded_at_startup(void);

/*
 * True when the current role is restricted by the guard: it is listed in
 * clinnova.federation_roles (directly or by membership), it is not a superuser, and the guard
 * is not running one of clinnova's own internal statements (audit writes).
 */
extern bool federation_session_restricted(void);

/* Set while clinnova runs its own internal statements (audit writes); the guard ignores them. */
extern bool federation_guard_bypass;

/* clinnova.federation_guard: the guard is enforced (default; superuser-only setting). */
extern bool federation_guard_enabled;

/* ---- federation_catalog.c ---- */

/*
 * A published relation as the guard sees it.  Invariant: when broken is false, identifiers
 * holds the attribute numbers of every identifier column recorded at publication (all exist).
 * When broken is true the relation may not be queried at all (fail closed) and reason says why.
 */
typedef struct PublishedRelation
{
	Oid			relid;			/* hash key */
	bool		broken;			/* an identifier column no longer exists */
	char	   *reason;			/* why broken (palloc'd in the cache context) */
	int			nidentifiers;
	AttrNumber *identifiers;	/* attribute numbers of identifier columns */
	char	   *identifier_list;	/* "id, mrn": for error messages */
} PublishedRelation;

/* Register the cache invalidation callbacks; called from federation_guard_init. */
extern void federation_catalog_init(void);

/* A copy of the entry of published relation relid, or NULL when it is not published. */
extern PublishedRelation *federation_lookup_published(Oid relid);

/* OID of the view clinnova.federation_site_info (InvalidOid when the extension is absent). */
extern Oid	federation_site_info_view(void);

/* OID of clinnova.federation_site_description(), the function behind that view. */
extern Oid	federation_site_description_func(void);

/* OID of clinnova.federation_cell_check(bigint), the per-group check the guard injects. */
extern Oid	federation_cell_check_func(void);

/* Owner of a relation. */
extern Oid	federation_relation_owner(Oid relid);

/* OID of a relation of schema clinnova by name (InvalidOid when absent). */
extern Oid	federation_clinnova_relation(const char *relname);

/* ---- federation_audit.c ---- */

/* Register transaction callbacks and the error hook; called from federation_guard_init. */
extern void federation_audit_init(void);

/* Record a refused statement (written at once to the server log, later to the audit table). */
extern void federation_audit_refused(const char *statement, const char *reason);

/* Open an audit record for a query the guard allowed; it is completed at ExecutorEnd. */
extern void federation_audit_query_start(QueryDesc *queryDesc, const char *statement);

/* Make the record of queryDesc the one that federation_cell_check() counts into (or none). */
extern void *federation_audit_query_enter(QueryDesc *queryDesc);
extern void federation_audit_query_leave(void *previous);

/* Complete the record of queryDesc: the query ran to its end. */
extern void federation_audit_query_end(QueryDesc *queryDesc);

#endif							/* CLINNOVA_FEDERATION_H */
