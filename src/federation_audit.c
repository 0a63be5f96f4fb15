/*
 * federation_audit.c — the audit trail of federated queries, and the small-cell check.
 *
 * Every query a federation role runs at a site is recorded: allowed queries (with the number of
 * rows the aggregates represented and the groups returned), queries the guard refused, and
 * allowed queries that failed while running.
 *
 * Transactions make this subtle: a refused query aborts its transaction, and an allowed query's
 * transaction is the coordinator's remote transaction, which the coordinator may still abort —
 * an audit row inserted inside it would vanish with it.  So each record lives first in backend
 * memory and goes two ways:
 *   1. the server log, at once (LOG, server only): durable whatever happens to the transaction;
 *   2. the table clinnova.federation_audit, written when a transaction of the session commits
 *      (pre-commit, as the table's owner) or, for records of aborted transactions, at the next
 *      commit or when the session ends (in a transaction of its own).
 * Records leave memory only after the transaction that inserted them committed.  On a hot
 * standby (read-only) the server log is the only trail.
 *
 * Rows represented: the guard adds clinnova.federation_cell_check(count(*)) to the HAVING clause
 * of every allowed aggregate query; each call adds its group's row count (rows that passed the
 * WHERE clause, before any per-aggregate FILTER) to the record of the running query and counts
 * one group.  The same function refuses the query when a group has fewer than
 * clinnova.min_cell_count rows.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/ilist.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "clinnova.h"
#include "federation.h"

/* Longest statement or reason kept in a record (longer ones are cut, with a marker). */
#define AUDIT_TEXT_MAX 65536
/* Records kept in memory at most while no transaction can write them; older ones are dropped. */
#define AUDIT_MAX_PENDING 10000

typedef enum AuditOutcome
{
	AUDIT_OPEN,					/* running */
	AUDIT_ALLOWED,
	AUDIT_REFUSED,
	AUDIT_FAILED
} AuditOutcome;

/*
 * One audit record.  Invariants: queryDesc is set exactly while outcome == AUDIT_OPEN; a record
 * with outcome != AUDIT_OPEN has been written to the server log; written_xid is the top
 * transaction that inserted it into the table (InvalidTransactionId until then), and the record
 * is freed only when that transaction commits.
 */
typedef struct AuditRecord
{
	dlist_node	node;
	AuditOutcome outcome;
	QueryDesc  *queryDesc;
	SubTransactionId subxid;	/* subtransaction that started the query */
	char	   *role;
	char	   *client;
	int			pid;
	char	   *statement;
	char	   *reason;
	bool		counted;		/* did the cell check see any group? */
	int64		rows;
	int64		groups;
	TimestampTz started;
	TimestampTz finished;
	TransactionId written_xid;
} AuditRecord;

static MemoryContext audit_context = NULL;
static dlist_head audit_records = DLIST_STATIC_INIT(audit_records);
static int	n_audit_records = 0;
static AuditRecord *current_record = NULL;
static bool exit_callback_registered = false;
static emit_log_hook_type prev_emit_log_hook = NULL;

static void AuditExitCallback(int code, Datum arg);

/* Copy s into the audit context, cut to AUDIT_TEXT_MAX bytes. */
static char *
AuditText(const char *s)
{
	size_t		len;
	char	   *copy;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if (len <= AUDIT_TEXT_MAX)
		return MemoryContextStrdup(audit_context, s);
	len = pg_mbcliplen(s, len, AUDIT_TEXT_MAX);
	copy = MemoryContextAlloc(audit_context, len + 4);
	memcpy(copy, s, len);
	strcpy(copy + len, "...");
	return copy;
}

/* Free one record. */
static void
AuditFree(AuditRecord *r)
{
	dlist_delete(&r->node);
	n_audit_records--;
	if (current_record == r)
		current_record = NULL;
	if (r->role)
		pfree(r->role);
	if (r->client)
		pfree(r->client);
	if (r->statement)
		pfree(r->statement);
	if (r->reason)
		pfree(r->reason);
	pfree(r);
}

/* A new record for the current role and statement, appended to the list. */
static AuditRecord *
AuditNew(const char *statement, AuditOutcome outcome)
{
	AuditRecord *r;

	if (audit_context == NULL)
		audit_context = AllocSetContextCreate(TopMemoryContext, "clinnova federation audit",
											  ALLOCSET_DEFAULT_SIZES);
	if (!exit_callback_registered)
	{
		before_shmem_exit(AuditExitCallback, (Datum) 0);
		exit_callback_registered = true;
	}
	/* Bounded memory: drop the oldest finished records (they are in the server log). */
	while (n_audit_records >= AUDIT_MAX_PENDING)
	{
		AuditRecord *oldest = dlist_container(AuditRecord, node, dlist_head_node(&audit_records));

		if (oldest->outcome == AUDIT_OPEN)
			break;
		ereport(LOG_SERVER_ONLY,
				(errmsg("clinnova federation audit: dropping an unwritten audit record"),
				 errdetail("More than %d audit records are waiting for a writable transaction; "
						   "the server log keeps them.", AUDIT_MAX_PENDING)));
		AuditFree(oldest);
	}
	r = MemoryContextAllocZero(audit_context, sizeof(AuditRecord));
	r->outcome = outcome;
	r->role = AuditText(GetUserNameFromId(GetUserId(), true));
	r->client = AuditText(application_name);
	r->pid = MyProcPid;
	r->statement = AuditText(statement);
	r->started = GetCurrentStatementStartTimestamp();
	r->subxid = GetCurrentSubTransactionId();
	r->written_xid = InvalidTransactionId;
	dlist_push_tail(&audit_records, &r->node);
	n_audit_records++;
	return r;
}

/* Name of an outcome as stored in the table. */
static const char *
OutcomeName(AuditOutcome outcome)
{
	switch (outcome)
	{
		case AUDIT_ALLOWED:
			return "allowed";
		case AUDIT_REFUSED:
			return "refused";
		case AUDIT_FAILED:
			return "failed";
		default:
			return "open";
	}
}

/* Complete a record with its outcome and write it to the server log. */
static void
AuditComplete(AuditRecord *r, AuditOutcome outcome)
{
	r->outcome = outcome;
	r->queryDesc = NULL;
	r->finished = GetCurrentTimestamp();
	if (current_record == r)
		current_record = NULL;
	ereport(LOG_SERVER_ONLY,
			(errmsg("clinnova federation audit: %s query of role \"%s\"",
					OutcomeName(outcome), r->role ? r->role : "?"),
			 errdetail_internal("rows represented: %s; groups returned: %s; reason: %s; statement: %s",
								r->counted ? psprintf(INT64_FORMAT, r->rows) : "-",
								r->counted ? psprintf(INT64_FORMAT, r->groups) : "-",
								r->reason ? r->reason : "-", r->statement),
			 errhidestmt(true)));
}

/* Record a refused statement. */
void
federation_audit_refused(const char *statement, const char *reason)
{
	AuditRecord *r = AuditNew(statement, AUDIT_OPEN);

	r->reason = AuditText(reason);
	AuditComplete(r, AUDIT_REFUSED);
}

/* The open record of queryDesc, or NULL. */
static AuditRecord *
AuditFind(QueryDesc *queryDesc)
{
	dlist_iter	iter;

	if (queryDesc == NULL)
		return NULL;
	dlist_foreach(iter, &audit_records)
	{
		AuditRecord *r = dlist_container(AuditRecord, node, iter.cur);

		if (r->outcome == AUDIT_OPEN && r->queryDesc == queryDesc)
			return r;
	}
	return NULL;
}

/* Open a record for an allowed query. */
void
federation_audit_query_start(QueryDesc *queryDesc, const char *statement)
{
	AuditRecord *r = AuditNew(statement, AUDIT_OPEN);

	r->queryDesc = queryDesc;
}

/* Make the record of queryDesc current; returns the previous one for query_leave. */
void *
federation_audit_query_enter(QueryDesc *queryDesc)
{
	AuditRecord *previous = current_record;

	if (audit_context != NULL)
		current_record = AuditFind(queryDesc);
	else
		current_record = NULL;
	return previous;
}

/* Restore the current record after a query's run. */
void
federation_audit_query_leave(void *previous)
{
	current_record = (AuditRecord *) previous;
}

/* The query of queryDesc ran to its end: it was allowed. */
void
federation_audit_query_end(QueryDesc *queryDesc)
{
	AuditRecord *r;

	if (audit_context == NULL)
		return;
	r = AuditFind(queryDesc);
	if (r != NULL)
		AuditComplete(r, AUDIT_ALLOWED);
}

/* Is a query of a federation role running (an audit record is open)? */
static bool
AuditQueryRunning(void)
{
	dlist_iter	iter;

	if (audit_context == NULL || n_audit_records == 0)
		return false;
	dlist_foreach(iter, &audit_records)
	{
		if (dlist_container(AuditRecord, node, iter.cur)->outcome == AUDIT_OPEN)
			return true;
	}
	return false;
}

/*
 * emit_log_hook.  While a query of a federation role runs, a warning or error raised by the
 * code it calls (an aggregate's validation, a final function) must not reveal data through its
 * DETAIL ("A row has time -3.", "The data have 3 rows"): an error is an oracle.  The detail is
 * therefore replaced by a pointer to the audit trail, and the original message and detail are
 * kept as the failure reason of the running query's audit record (written to the server log
 * and the audit table).  The guard's own refusals (42501) keep their details, which never
 * contain data.  Out-of-memory errors are left alone.
 */
static void
AuditEmitLog(ErrorData *edata)
{
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
	if (edata->elevel < WARNING || edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY ||
		!AuditQueryRunning())
		return;
	if (edata->elevel >= ERROR)
	{
		dlist_iter	iter;

		dlist_foreach(iter, &audit_records)
		{
			AuditRecord *r = dlist_container(AuditRecord, node, iter.cur);

			if (r->outcome == AUDIT_OPEN && r->reason == NULL)
				r->reason = AuditText(psprintf("%s: %s%s%s", unpack_sql_state(edata->sqlerrcode),
											   edata->message ? edata->message : "",
											   edata->detail ? " DETAIL: " : "",
											   edata->detail ? edata->detail : ""));
		}
	}
	if (edata->detail != NULL && edata->sqlerrcode != ERRCODE_INSUFFICIENT_PRIVILEGE)
		edata->detail = pstrdup("Details that could describe individual rows are withheld; the "
								"site's audit trail records them.");
}

/* Open records whose query did not end normally: failed (or refused by the cell check). */
static void
AuditCloseOpen(bool only_subxact, SubTransactionId subxid)
{
	dlist_iter	iter;

	dlist_foreach(iter, &audit_records)
	{
		AuditRecord *r = dlist_container(AuditRecord, node, iter.cur);

		if (r->outcome != AUDIT_OPEN || (only_subxact && r->subxid != subxid))
			continue;
		if (r->reason == NULL)
			r->reason = AuditText("the query did not run to its end");
		AuditComplete(r, AUDIT_FAILED);
	}
	current_record = NULL;
}

/* Insert the finished, unwritten records with SPI (the caller switched user and bypass). */
static void
AuditInsertAll(void)
{
	dlist_iter	iter;
	Oid			argtypes[10] = {NAMEOID, TEXTOID, INT4OID, TEXTOID, TEXTOID, TEXTOID,
	INT8OID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	SPIPlanPtr	plan;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "clinnova: SPI_connect failed");
	plan = SPI_prepare("INSERT INTO clinnova.federation_audit (role_name, client, backend_pid, "
					   "statement, outcome, reason, rows_represented, groups_returned, "
					   "started, finished) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
					   10, argtypes);
	if (plan == NULL)
		elog(ERROR, "clinnova: could not prepare the audit insert: %s",
			 SPI_result_code_string(SPI_result));
	dlist_foreach(iter, &audit_records)
	{
		AuditRecord *r = dlist_container(AuditRecord, node, iter.cur);
		Datum		values[10];
		char		nulls[10];
		int			rc;

		if (r->outcome == AUDIT_OPEN || r->written_xid != InvalidTransactionId)
			continue;
		memset(nulls, ' ', sizeof(nulls));
		values[0] = DirectFunctionCall1(namein, CStringGetDatum(r->role ? r->role : "?"));
		values[1] = r->client ? CStringGetTextDatum(r->client) : (Datum) 0;
		nulls[1] = r->client ? ' ' : 'n';
		values[2] = Int32GetDatum(r->pid);
		values[3] = CStringGetTextDatum(r->statement ? r->statement : "");
		values[4] = CStringGetTextDatum(OutcomeName(r->outcome));
		values[5] = r->reason ? CStringGetTextDatum(r->reason) : (Datum) 0;
		nulls[5] = r->reason ? ' ' : 'n';
		values[6] = Int64GetDatum(r->rows);
		values[7] = Int64GetDatum(r->groups);
		nulls[6] = nulls[7] = r->counted ? ' ' : 'n';
		values[8] = TimestampTzGetDatum(r->started);
		values[9] = TimestampTzGetDatum(r->finished);
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
		if (rc != SPI_OK_INSERT)
			elog(ERROR, "clinnova: audit insert failed: %s", SPI_result_code_string(rc));
		r->written_xid = GetTopTransactionId();
	}
	SPI_finish();
}

/* Is there a finished record not yet written to the table? */
static bool
AuditHasUnwritten(void)
{
	dlist_iter	iter;

	dlist_foreach(iter, &audit_records)
	{
		AuditRecord *r = dlist_container(AuditRecord, node, iter.cur);

		if (r->outcome != AUDIT_OPEN && r->written_xid == InvalidTransactionId)
			return true;
	}
	return false;
}

/*
 * Insert every finished record not yet written into clinnova.federation_audit, as the table's
 * owner and unseen by the guard.  Returns without writing when the transaction cannot write
 * (read-only, standby) or the table does not exist in this database.
 */
static void
AuditWrite(void)
{
	Oid			relid;
	Oid			save_userid;
	int			save_sec_context;
	dlist_mutable_iter miter;

	if (!AuditHasUnwritten())
		return;
	if (RecoveryInProgress())
	{
		/* a standby never writes: the server log has them */
		dlist_foreach_modify(miter, &audit_records)
		{
			AuditRecord *r = dlist_container(AuditRecord, node, miter.cur);

			if (r->outcome != AUDIT_OPEN)
				AuditFree(r);
		}
		return;
	}
	if (XactReadOnly || !IsTransactionState())
		return;
	relid = federation_clinnova_relation("federation_audit");
	if (!OidIsValid(relid))
	{
		dlist_foreach_modify(miter, &audit_records)
		{
			AuditRecord *r = dlist_container(AuditRecord, node, miter.cur);

			if (r->outcome != AUDIT_OPEN)
				AuditFree(r);
		}
		return;
	}

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(federation_relation_owner(relid),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	federation_guard_bypass = true;
	PushActiveSnapshot(GetTransactionSnapshot());
	PG_TRY();
	{
		AuditInsertAll();
	}
	PG_FINALLY();
	{
		PopActiveSnapshot();
		federation_guard_bypass = false;
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
}

/* After commit: drop the records written by the committed transaction; after abort: retry later. */
static void
AuditAfterTransaction(bool committed)
{
	dlist_mutable_iter miter;

	dlist_foreach_modify(miter, &audit_records)
	{
		AuditRecord *r = dlist_container(AuditRecord, node, miter.cur);

		if (r->written_xid == InvalidTransactionId)
			continue;
		if (committed)
			AuditFree(r);
		else
			r->written_xid = InvalidTransactionId;
	}
}

/* Transaction callback: write at pre-commit, settle at commit and abort. */
static void
AuditXactCallback(XactEvent event, void *arg)
{
	if (audit_context == NULL || n_audit_records == 0)
		return;
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			/* portals are closed by now: a query still open did not end normally */
			AuditCloseOpen(false, InvalidSubTransactionId);
			AuditWrite();
			break;
		case XACT_EVENT_COMMIT:
			AuditAfterTransaction(true);
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			AuditCloseOpen(false, InvalidSubTransactionId);
			AuditAfterTransaction(false);
			break;
		default:
			break;
	}
}

/* Subtransaction callback: queries started in an aborted subtransaction failed. */
static void
AuditSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && audit_context != NULL && n_audit_records > 0)
		AuditCloseOpen(true, mySubid);
}

/* Session end: write what is left in a transaction of its own. */
static void
AuditExitCallback(int code, Datum arg)
{
	if (audit_context == NULL || n_audit_records == 0 || !OidIsValid(MyDatabaseId))
		return;
	AbortOutOfAnyTransaction();
	AuditCloseOpen(false, InvalidSubTransactionId);
	if (RecoveryInProgress())
		return;
	StartTransactionCommand();
	AuditWrite();
	CommitTransactionCommand();
	AuditAfterTransaction(true);
}

/* Register the callbacks (from _PG_init). */
void
federation_audit_init(void)
{
	RegisterXactCallback(AuditXactCallback, NULL);
	RegisterSubXactCallback(AuditSubXactCallback, NULL);
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = AuditEmitLog;
}

PG_FUNCTION_INFO_V1(federation_cell_check);
/*
 * clinnova.federation_cell_check(n bigint): the small-cell check the guard adds to the HAVING
 * clause of every federated aggregate query.  Refuses (42501) when a group represents fewer than
 * clinnova.min_cell_count rows; otherwise counts the group into the running query's audit record
 * and returns true.
 */
Datum
federation_cell_check(PG_FUNCTION_ARGS)
{
	int64		n = PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0);

	if (n < clinnova_min_cell_count)
	{
		if (current_record != NULL)
		{
			current_record->reason =
				AuditText(psprintf("a group represents fewer than %d rows", clinnova_min_cell_count));
			AuditComplete(current_record, AUDIT_REFUSED);
		}
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("federated query refused: a result cell describes fewer than %d people",
						clinnova_min_cell_count),
				 errdetail("Each group of a federated query (or its whole result without GROUP BY) "
						   "must represent at least clinnova.min_cell_count = %d rows; an empty "
						   "result is refused as well, so that no count below the threshold can "
						   "be inferred.", clinnova_min_cell_count),
				 errhint("Widen the filter or group more coarsely.")));
	}
	if (current_record != NULL)
	{
		current_record->counted = true;
		current_record->rows += n;
		current_record->groups++;
	}
	PG_RETURN_BOOL(true);
}
