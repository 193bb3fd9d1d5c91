/*
 * db_pg.c - the PostgreSQL driver (libpq), for several CA service nodes on one database
 * (docs/design.md "Scale-out").
 *
 * What differs from SQLite, and how:
 *   - "?" placeholders become $1..$n; statements run with PQexecParams (text results,
 *     blobs bound in binary), so nothing is lost when the connection is made again;
 *   - a SELECT's rows stream (single-row mode): a 1,000,000-entry CRL is read without
 *     holding its rows. libpq runs one statement at a time on a connection, and callers
 *     interleave statements: before anything else is sent, the rest of a streaming
 *     result is read into its statement (drain), which steps on through it as before;
 *   - one writer at a time, as SQLite: every write transaction takes the advisory lock
 *     WRITE_LOCK for its duration (db.h gc_db_begin);
 *   - a lost connection is GC_E_DB_CONN ("database connection lost: ..."); the next
 *     BEGIN, or a SELECT outside a transaction, makes it again (PQreset) once, so a node
 *     outlives a restart of the server without resending anything it cannot know was
 *     not applied;
 *   - the password of a connection string never reaches a message (gc_db_target_redact).
 */
#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db_int.h"

/* pg_advisory_xact_lock key of every write transaction: "gcert" in ASCII */
#define WRITE_LOCK 0x6763657274LL
#define MAX_PARAMS GC_DB_MAX_PARAMS
#define MAX_COLS 64
#define LOCK_TIMEOUT "SET lock_timeout = '30s'"

struct pg_db {
	struct gc_db base;
	PGconn *c;
	int64_t changes;
	bool in_tx;
	/* the shared session locks held, taken back after a reconnection (db.h) */
	int64_t held[8];
	int nheld;
	char broken[400]; /* why this connection refuses every statement, once it does */
	struct pg_stmt *streaming; /* the SELECT whose rows are still coming, or NULL */
	struct pg_col_blob *copying; /* the blob whose pieces a COPY is taking, or NULL */
};

struct pg_stmt {
	struct gc_stmt base;
	char *sql; /* with $n placeholders */
	int nparams;
	/* nparams each (a multi-row statement has hundreds, gc_db_prepare_rows) */
	char **vals;
	int *lens, *fmts;
	Oid *types; /* int8, bytea or text: said, never left to inference */
	PGresult *res; /* NULL until the first step; when streamed, the current row's */
	int row;
	bool stream;      /* res is one row of a streamed result: the next comes from next_result */
	bool live;        /* its rows are still coming on the connection (db->streaming) */
	PGresult **rest;  /* the rest of a streamed result, read ahead by drain */
	size_t nrest, irest, caprest;
	unsigned char *unescaped[MAX_COLS]; /* bytea columns of the current row */
	size_t unescaped_len[MAX_COLS];
	uint64_t unescaped_cols; /* which of them are set: a step frees those only */
};

/* A blob being written: its pieces go to the server as they come (pg_blob_open). */
struct pg_col_blob {
	struct gc_blob base;
	char table[64], column[64];
	int64_t id;
	size_t len;       /* octets sent: where the next write must start */
	bool interrupted; /* another statement ended its COPY (conn) */
};

static const struct gc_db_ops pg_ops;
#define PGDB(d) ((struct pg_db *)(d))
#define PGST(s) ((struct pg_stmt *)(s))

/* The streamed result's remaining PGresults up to its end, into its statement (keep) or
 * dropped; the connection is free afterwards. */
static void drain(struct pg_db *db, bool keep)
{
	struct pg_stmt *s = db->streaming;
	PGresult *r, **grown;

	if (s == NULL)
		return;
	db->streaming = NULL;
	s->live = false;
	while ((r = PQgetResult(db->c)) != NULL) {
		if (keep && s->nrest == s->caprest) {
			size_t cap = s->caprest ? 2 * s->caprest : 256;
			if ((grown = realloc(s->rest, cap * sizeof(*grown))) == NULL) {
				/* the statement then ends early with an error (next_result) */
				PQclear(r);
				keep = false;
				s->caprest = SIZE_MAX;
				continue;
			}
			s->rest = grown;
			s->caprest = cap;
		}
		if (keep)
			s->rest[s->nrest++] = r;
		else
			PQclear(r);
	}
}

static bool end_copy(struct pg_db *db, const char *abort_msg, PGresult **res);

/* The connection, free for a new statement (a streaming result read ahead first). A
 * blob still being written cannot share it: its COPY is aborted, which fails the
 * transaction (and the blob's flush) rather than mixing another statement into it. */
static PGconn *conn(struct pg_db *db)
{
	if (db->copying != NULL) {
		db->copying->interrupted = true;
		(void)end_copy(db, "gcert: another statement during the writing of a blob", NULL);
	}
	drain(db, true);
	return db->c;
}

static void drop_notice(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res; /* NOTICEs (e.g. "relation exists, skipping") are not errors */
}

/* libpq's message, one line, without its trailing newline */
static const char *pg_msg(PGconn *c, const PGresult *res)
{
	static _Thread_local char buf[512];
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	size_t n;

	snprintf(buf, sizeof(buf), "%s", m ? m : PQerrorMessage(c));
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return buf;
}

static gc_result pg_err(struct pg_db *db, const PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(db->c) == CONNECTION_BAD || (state && strncmp(state, "08", 2) == 0) ||
	    (state && strcmp(state, "57P01") == 0))
		return gc_fail(GC_E_DB_CONN, "database connection lost: %s: %s", what, pg_msg(db->c, res));
	if (state && strncmp(state, "23", 2) == 0)
		return gc_fail(GC_E_DB_CONSTRAINT, "database: %s: %s", what, pg_msg(db->c, res));
	return gc_fail(GC_E_DB, "database: %s: %s", what, pg_msg(db->c, res));
}

static void pg_close(struct gc_db *db)
{
	PQfinish(PGDB(db)->c);
	free(db);
}

static gc_result session_setup(struct pg_db *db)
{
	PGresult *res;
	gc_result rc = GC_OK;

	PQsetNoticeReceiver(db->c, drop_notice, NULL);
	res = PQexec(db->c, "SET client_min_messages = warning; " LOCK_TIMEOUT);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_err(db, res, "session setup");
	PQclear(res);
	return rc;
}

gc_result gc_pg_open(const char *conninfo, struct gc_db **out)
{
	struct pg_db *db;
	char shown[512];
	gc_result rc;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	db->base.ops = &pg_ops;
	db->c = PQconnectdb(conninfo);
	if (db->c == NULL || PQstatus(db->c) != CONNECTION_OK) {
		gc_db_target_redact(conninfo, shown, sizeof(shown));
		rc = gc_fail(GC_E_DB_CONN, "database: cannot connect to %s: %s", shown,
		             db->c ? pg_msg(db->c, NULL) : "out of memory");
		pg_close(&db->base);
		return rc;
	}
	if ((rc = session_setup(db)) != GC_OK) {
		pg_close(&db->base);
		return rc;
	}
	*out = &db->base;
	return GC_OK;
}

static const char *lock_name(int64_t key)
{
	return key == GC_LOCK_ISSUANCE ? "the issuance lock" : (key >> 32) == 0x6763 ? "this node's lock"
	                                                                              : "a session lock";
}

/* One try of a shared session lock: *got. */
static gc_result try_shared(struct pg_db *db, int64_t key, bool *got)
{
	char sql[80];
	PGresult *res;
	gc_result rc = GC_OK;

	snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock_shared(%lld)", (long long)key);
	res = PQexec(conn(db), sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_err(db, res, "lock");
	else
		*got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

/* After a reconnection: every shared session lock this connection held, taken back
 * before anything else runs on it, or the connection is broken for good (db.h). */
static gc_result relock(struct pg_db *db)
{
	struct timespec pause = {0, 200 * 1000 * 1000};
	time_t until = time(NULL) + GC_DB_RELOCK_SECONDS;
	bool got;
	int i;

	for (i = 0; i < db->nheld; i++) {
		for (got = false;;) {
			GC_GUARD(try_shared(db, db->held[i], &got));
			if (got || time(NULL) >= until)
				break;
			nanosleep(&pause, NULL);
		}
		if (!got) {
			snprintf(db->broken, sizeof(db->broken), "database connection made again after it was "
			         "lost, but %s (%lld) could not be taken back within %d s: another session "
			         "holds it exclusive (this node was taken for dead and its reservations "
			         "recovered); this process must stop and be started again",
			         lock_name(db->held[i]), (long long)db->held[i], GC_DB_RELOCK_SECONDS);
			return gc_fail(GC_E_DB_CONN, "%s", db->broken);
		}
	}
	return GC_OK;
}

/* Outside a transaction, a connection the server dropped is made again, once, with
 * its shared session locks. */
static gc_result reconnect(struct pg_db *db)
{
	if (db->broken[0] != '\0')
		return gc_fail(GC_E_DB_CONN, "%s", db->broken);
	if (db->in_tx)
		return gc_fail(GC_E_DB_CONN, "database connection lost: %s", pg_msg(db->c, NULL));
	drain(db, true);
	PQreset(db->c);
	if (PQstatus(db->c) != CONNECTION_OK)
		return gc_fail(GC_E_DB_CONN, "database connection lost: cannot reconnect: %s",
		               pg_msg(db->c, NULL));
	GC_GUARD(session_setup(db));
	return relock(db);
}

static bool lost(struct pg_db *db, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return PQstatus(db->c) == CONNECTION_BAD || (state && strcmp(state, "57P01") == 0);
}

/* Runs SQL without parameters (may hold several statements). */
/* changes: where to put the rows the (last) statement touched, as SQLite counts them */
static gc_result pg_run_counted(struct pg_db *db, const char *sql, const char *what, bool retry,
                                int64_t *changes)
{
	PGresult *res;
	ExecStatusType st;
	gc_result rc = GC_OK;

	if (PQstatus(db->c) == CONNECTION_BAD || db->broken[0] != '\0')
		GC_GUARD(reconnect(db));
	res = PQexec(conn(db), sql);
	if (retry && lost(db, res)) {
		PQclear(res);
		GC_GUARD(reconnect(db));
		res = PQexec(conn(db), sql);
	}
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = pg_err(db, res, what);
	else if (changes != NULL)
		*changes = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

static gc_result pg_run(struct pg_db *db, const char *sql, const char *what, bool retry)
{
	return pg_run_counted(db, sql, what, retry, NULL);
}

static gc_result pg_exec(struct gc_db *db, const char *sql)
{
	return pg_run_counted(PGDB(db), sql, "exec", false, &PGDB(db)->changes);
}

static bool word_at(const char *p, const char *w)
{
	size_t n = strlen(w);
	return strncasecmp(p, w, n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_';
}

/* The types of the portable subset, outside quotes and $$ bodies (db.h). */
static char *map_types(const char *sql)
{
	static const char *const from[] = {"INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER PRIMARY KEY",
	                                   "INTEGER", "BLOB"};
	static const char *const to[] = {"BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	                                 "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	                                 "BIGINT", "BYTEA"};
	size_t cap = strlen(sql) * 3 + 1, o = 0, i;
	char *out = malloc(cap);
	const char *p = sql;
	bool quote = false, body = false;

	if (out == NULL)
		return NULL;
	while (*p) {
		if (!body && *p == '\'')
			quote = !quote;
		else if (!quote && strncmp(p, "$$", 2) == 0) {
			body = !body;
			out[o++] = *p++;
		} else if (!quote && !body && (p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'))) {
			for (i = 0; i < sizeof(from) / sizeof(from[0]); i++)
				if (word_at(p, from[i]))
					break;
			if (i < sizeof(from) / sizeof(from[0])) {
				o += (size_t)sprintf(out + o, "%s", to[i]);
				p += strlen(from[i]);
				continue;
			}
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

static gc_result pg_exec_schema(struct gc_db *db, const char *sql)
{
	char *mapped = map_types(sql);
	gc_result rc;

	if (mapped == NULL)
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	rc = pg_run(PGDB(db), mapped, "migration", false);
	free(mapped);
	return rc;
}

/* BEGIN, then the write lock: one writer at a time (db.h). */
static gc_result pg_begin(struct gc_db *db, bool relaxed)
{
	struct pg_db *d = PGDB(db);
	char sql[160];

	snprintf(sql, sizeof(sql), "BEGIN; %sSELECT pg_advisory_xact_lock(%lld)",
	         relaxed ? "SET LOCAL synchronous_commit = off; " : "", (long long)WRITE_LOCK);
	GC_GUARD(pg_run(d, sql, "begin", true));
	d->in_tx = true;
	return GC_OK;
}

static void pg_rollback(struct gc_db *db)
{
	struct pg_db *d = PGDB(db);

	if (PQtransactionStatus(d->c) != PQTRANS_IDLE && PQstatus(d->c) == CONNECTION_OK)
		PQclear(PQexec(conn(d), "ROLLBACK"));
	d->in_tx = false;
}

static gc_result pg_commit(struct gc_db *db)
{
	struct pg_db *d = PGDB(db);
	PGresult *res = PQexec(conn(d), "COMMIT");
	gc_result rc = GC_OK;

	/* COMMIT of a failed transaction answers ROLLBACK: that is no commit */
	if (PQresultStatus(res) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(res), "COMMIT") != 0)
		rc = PQresultStatus(res) == PGRES_COMMAND_OK
		         ? gc_fail(GC_E_DB, "database: commit: the transaction had failed and was rolled back")
		         : pg_err(d, res, "commit");
	PQclear(res);
	if (rc != GC_OK)
		pg_rollback(db);
	d->in_tx = false;
	return rc;
}

/*
 * "?" -> "$n" and "?NNN" -> "$NNN", outside quotes, numbered as SQLite does (a plain
 * "?" is one more than the largest so far); counts the parameters.
 */
static gc_result translate(const char *sql, char **out, int *nparams)
{
	size_t cap = strlen(sql) * 4 + 1, o = 0;
	char *s = malloc(cap);
	bool quote = false, dquote = false;
	int n = 0, k;

	if (s == NULL)
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	for (const char *p = sql; *p; p++) {
		if (*p == '\'' && !dquote)
			quote = !quote;
		else if (*p == '"' && !quote)
			dquote = !dquote;
		if (*p != '?' || quote || dquote) {
			s[o++] = *p;
			continue;
		}
		for (k = 0; isdigit((unsigned char)p[1]) && k <= MAX_PARAMS; p++)
			k = k * 10 + (p[1] - '0');
		k = k ? k : n + 1;
		if (k > MAX_PARAMS) {
			free(s);
			return gc_fail(GC_E_INTERNAL, "database: more than %d parameters", MAX_PARAMS);
		}
		n = k > n ? k : n;
		o += (size_t)sprintf(s + o, "$%d", k);
	}
	s[o] = '\0';
	*out = s;
	*nparams = n;
	return GC_OK;
}

static void pg_stmt_free(struct gc_stmt *st);

static gc_result pg_prepare(struct gc_db *db, const char *sql, struct gc_stmt **out)
{
	struct pg_stmt *s;
	gc_result rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	s->base.db = db;
	if ((rc = translate(sql, &s->sql, &s->nparams)) != GC_OK) {
		free(s);
		return rc;
	}
	if (s->nparams > 0 &&
	    ((s->vals = calloc((size_t)s->nparams, sizeof(*s->vals))) == NULL ||
	     (s->lens = calloc((size_t)s->nparams, sizeof(*s->lens))) == NULL ||
	     (s->fmts = calloc((size_t)s->nparams, sizeof(*s->fmts))) == NULL ||
	     (s->types = calloc((size_t)s->nparams, sizeof(*s->types))) == NULL)) {
		pg_stmt_free(&s->base);
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	}
	*out = &s->base;
	return GC_OK;
}

/* Called twice per streamed row (a million per pass of a large CRL): it visits the
 * columns that were unescaped, not all MAX_COLS (that loop was a quarter of the
 * client's time on a CRL of a million entries). */
static void clear_row(struct pg_stmt *s)
{
	for (int i = 0; s->unescaped_cols != 0; i++, s->unescaped_cols >>= 1)
		if (s->unescaped_cols & 1) {
			PQfreemem(s->unescaped[i]);
			s->unescaped[i] = NULL;
		}
}

static void clear_result(struct pg_stmt *s)
{
	clear_row(s);
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	if (s->live)
		drain(PGDB(s->base.db), false); /* the rows nobody will read */
	for (; s->irest < s->nrest; s->irest++)
		PQclear(s->rest[s->irest]);
	free(s->rest);
	s->rest = NULL;
	s->nrest = s->irest = s->caprest = 0;
	s->stream = false;
}

static void pg_reset(struct gc_stmt *st)
{
	struct pg_stmt *s = PGST(st);

	clear_result(s);
	for (int i = 0; s->vals != NULL && i < s->nparams; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
		s->lens[i] = s->fmts[i] = 0;
		s->types[i] = 0;
	}
}

static void pg_stmt_free(struct gc_stmt *st)
{
	struct pg_stmt *s = PGST(st);

	pg_reset(st);
	free(s->sql);
	free(s->vals);
	free(s->lens);
	free(s->fmts);
	free(s->types);
	free(st);
}

#define OID_INT8 20
#define OID_BYTEA 17
#define OID_TEXT 25

static gc_result set_param(struct gc_stmt *st, int idx, const void *p, size_t n, int fmt, Oid type)
{
	struct pg_stmt *s = PGST(st);
	char *v = NULL;

	if (idx < 1 || idx > s->nparams)
		return gc_fail(GC_E_INTERNAL, "database: bind %d: the statement has %d parameters", idx,
		               s->nparams);
	if (n > INT32_MAX)
		return gc_fail(GC_E_TOO_LARGE, "database: a value beyond 2 GiB");
	if (p != NULL) {
		if ((v = malloc(n + 1)) == NULL)
			return gc_fail(GC_E_NOMEM, "database: out of memory");
		memcpy(v, p, n);
		v[n] = '\0';
	}
	free(s->vals[idx - 1]);
	s->vals[idx - 1] = v;
	s->lens[idx - 1] = (int)n;
	s->fmts[idx - 1] = fmt;
	s->types[idx - 1] = type;
	return GC_OK;
}

static gc_result pg_bind_text(struct gc_stmt *s, int idx, const char *v)
{
	/* a NULL is of whatever type its column is */
	return set_param(s, idx, v, v ? strlen(v) : 0, 0, v ? OID_TEXT : 0);
}

static gc_result pg_bind_int64(struct gc_stmt *s, int idx, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return set_param(s, idx, buf, strlen(buf), 0, OID_INT8);
}

static gc_result pg_bind_blob(struct gc_stmt *s, int idx, const void *p, size_t n)
{
	return set_param(s, idx, p, n, 1, p ? OID_BYTEA : 0);
}

/* The bytes come at gc_blob_flush (db.h): an empty value holds the place. */
static gc_result pg_bind_zeroblob(struct gc_stmt *s, int idx, size_t n)
{
	(void)n;
	return set_param(s, idx, "", 0, 1, OID_BYTEA);
}

static bool is_select(const char *sql)
{
	while (isspace((unsigned char)*sql))
		sql++;
	return strncasecmp(sql, "SELECT", 6) == 0;
}

/* A streamed statement's next result: one row (PGRES_SINGLE_TUPLE), or its end
 * (PGRES_TUPLES_OK, no row) or an error, after which the connection is free; NULL when
 * the rows read ahead could not be kept. */
static PGresult *next_result(struct pg_db *db, struct pg_stmt *s)
{
	PGresult *r;

	if (s->live) {
		r = PQgetResult(db->c);
		if (r == NULL || PQresultStatus(r) != PGRES_SINGLE_TUPLE)
			drain(db, false); /* to the end of the query */
		return r;
	}
	return s->irest < s->nrest ? s->rest[s->irest++] : NULL;
}

/* Runs the statement: res is its result, or a SELECT's first row as it streams. */
static void run_stmt(struct pg_db *db, struct pg_stmt *s, bool select)
{
	PGconn *c = conn(db);

	if (!select) {
		s->res = PQexecParams(c, s->sql, s->nparams, s->types, (const char *const *)s->vals, s->lens,
		                      s->fmts, 0);
		return;
	}
	s->res = NULL;
	if (!PQsendQueryParams(c, s->sql, s->nparams, s->types, (const char *const *)s->vals, s->lens,
	                       s->fmts, 0))
		return; /* res NULL: the connection's error */
	PQsetSingleRowMode(c);
	db->streaming = s;
	s->live = s->stream = true;
	s->res = next_result(db, s);
}

static bool res_ok(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return res != NULL && (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_SINGLE_TUPLE);
}

static gc_result execute(struct pg_stmt *s)
{
	struct pg_db *db = PGDB(s->base.db);
	bool select = is_select(s->sql);
	gc_result rc;

	if (PQstatus(db->c) == CONNECTION_BAD || db->broken[0] != '\0')
		GC_GUARD(reconnect(db));
	run_stmt(db, s, select);
	/* a read outside a transaction is safe to send again on a new connection */
	if (lost(db, s->res) && !db->in_tx && select) {
		clear_result(s);
		GC_GUARD(reconnect(db));
		run_stmt(db, s, select);
	}
	if (!res_ok(s->res)) {
		rc = pg_err(db, s->res, "step");
		clear_result(s);
		return rc;
	}
	if (!select) /* as SQLite counts: a SELECT changes nothing */
		db->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
	s->row = -1;
	return GC_OK;
}

static gc_result pg_step(struct gc_stmt *st, bool *row)
{
	struct pg_stmt *s = PGST(st);
	struct pg_db *db = PGDB(st->db);
	gc_result rc;

	if (s->res == NULL)
		GC_GUARD(execute(s));
	else if (s->stream && s->row >= 0 && s->row < PQntuples(s->res)) {
		/* past this row of a streamed result: the next one */
		clear_row(s);
		PQclear(s->res);
		s->res = next_result(db, s);
		s->row = -1;
		if (!res_ok(s->res)) {
			rc = s->res != NULL ? pg_err(db, s->res, "step")
			                    : gc_fail(GC_E_NOMEM, "database: out of memory reading ahead");
			clear_result(s);
			return rc;
		}
	}
	clear_row(s);
	s->row++;
	*row = s->row < PQntuples(s->res);
	return GC_OK;
}

static const char *pg_col_text(struct gc_stmt *st, int col)
{
	struct pg_stmt *s = PGST(st);

	if (PQgetisnull(s->res, s->row, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

/* Integers and booleans ('t' / 'f': a comparison as a column) */
static int64_t pg_col_int64(struct gc_stmt *st, int col)
{
	const char *v = pg_col_text(st, col);

	if (v == NULL)
		return 0;
	if (v[0] == 't' || v[0] == 'f')
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static const void *pg_col_blob(struct gc_stmt *st, int col, size_t *n)
{
	struct pg_stmt *s = PGST(st);
	const char *v = pg_col_text(st, col);

	*n = 0;
	if (v == NULL || col < 0 || col >= MAX_COLS)
		return NULL;
	if (s->unescaped[col] == NULL) {
		if ((s->unescaped[col] = PQunescapeBytea((const unsigned char *)v, &s->unescaped_len[col])) == NULL)
			return NULL;
		s->unescaped_cols |= (uint64_t)1 << col;
	}
	*n = s->unescaped_len[col];
	return s->unescaped[col];
}

static bool pg_is_null(struct gc_stmt *st, int col)
{
	return PQgetisnull(PGST(st)->res, PGST(st)->row, col);
}

static int64_t pg_changes(struct gc_db *db)
{
	return PGDB(db)->changes;
}

static bool plain_name(const char *s)
{
	if (*s == '\0' || strlen(s) >= 64)
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

/*
 * A bytea cannot be written in place, and a value bound whole is held twice on the
 * client (the caller's copy and libpq's output buffer: 110 MB for a CRL of a million
 * entries). So the pieces go to the server as they are written: one COPY (binary) into
 * a temporary table, one row per gc_blob_write, which libpq sends on at once; at flush
 * one UPDATE puts them together in order (string_agg) into the cell. Client memory is
 * one piece; the stored value is the same bytes as one bound value. The pieces are kept
 * out of line uncompressed (STORAGE EXTERNAL): they live until the flush only.
 */
#define BLOB_PIECES "gc_blob_pieces"

static void put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* Ends the open COPY of db->copying: abort_msg NULL completes it, else aborts it (and
 * with it the transaction). *res, when asked for, is the COPY's result (caller clears). */
static bool end_copy(struct pg_db *db, const char *abort_msg, PGresult **res)
{
	PGresult *r, *first = NULL;
	bool ok;

	db->copying = NULL;
	ok = PQputCopyEnd(db->c, abort_msg) == 1;
	while ((r = PQgetResult(db->c)) != NULL) {
		if (first == NULL)
			first = r;
		else
			PQclear(r);
	}
	ok = ok && abort_msg == NULL && PQresultStatus(first) == PGRES_COMMAND_OK;
	if (res != NULL)
		*res = first;
	else
		PQclear(first);
	return ok;
}

static void pg_blob_close(struct gc_blob *gb);

static gc_result copy_put(struct pg_db *db, const void *p, size_t n)
{
	if (PQputCopyData(db->c, (const char *)p, (int)n) != 1)
		return gc_fail(GC_E_DB_CONN, "database connection lost: blob: %s", pg_msg(db->c, NULL));
	return GC_OK;
}

static gc_result pg_blob_open(struct gc_db *db, const char *table, const char *column, int64_t rowid,
                              struct gc_blob **out)
{
	/* binary COPY: signature, flags, header extension length (PostgreSQL "COPY") */
	static const unsigned char header[19] = "PGCOPY\n\377\r\n";
	struct pg_db *d = PGDB(db);
	struct pg_col_blob *b;
	PGresult *res;
	gc_result rc;

	GC_ENSURE(plain_name(table) && plain_name(column), GC_E_INTERNAL,
	          "database: blob of %s.%s: not a plain name", table, column);
	GC_ENSURE(d->in_tx && d->copying == NULL, GC_E_INTERNAL,
	          "database: blob of %s.%s: %s", table, column,
	          d->in_tx ? "another blob is being written" : "outside a transaction");
	GC_GUARD(pg_run(d, "CREATE TEMP TABLE " BLOB_PIECES " (off BIGINT, piece BYTEA) ON COMMIT DROP;"
	                   " ALTER TABLE " BLOB_PIECES " ALTER piece SET STORAGE EXTERNAL", "blob", false));
	res = PQexec(conn(d), "COPY " BLOB_PIECES " FROM STDIN (FORMAT binary)");
	rc = PQresultStatus(res) == PGRES_COPY_IN ? GC_OK : pg_err(d, res, "blob");
	PQclear(res);
	GC_GUARD(rc);
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		(void)end_copy(d, "gcert: out of memory", NULL);
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	}
	b->base.db = db;
	snprintf(b->table, sizeof(b->table), "%s", table);
	snprintf(b->column, sizeof(b->column), "%s", column);
	b->id = rowid;
	d->copying = b;
	if ((rc = copy_put(d, header, sizeof(header))) != GC_OK) {
		pg_blob_close(&b->base);
		return rc;
	}
	*out = &b->base;
	return GC_OK;
}

static gc_result blob_usable(struct pg_db *d, const struct pg_col_blob *b)
{
	GC_ENSURE(d->copying == b, b->interrupted ? GC_E_DB : GC_E_INTERNAL,
	          "database: blob of %s.%s: %s", b->table, b->column,
	          b->interrupted ? "another statement ran on the connection while it was written"
	                         : "already flushed");
	return GC_OK;
}

/* One row (off, piece) of the COPY: writes go in order, each after the last. */
static gc_result pg_blob_write(struct gc_blob *gb, const void *data, size_t n, size_t offset)
{
	struct pg_col_blob *b = (struct pg_col_blob *)gb;
	struct pg_db *d = PGDB(gb->db);
	unsigned char row[2 + 4 + 8 + 4];
	size_t end = offset + n;

	GC_GUARD(blob_usable(d, b));
	GC_ENSURE(offset == b->len, GC_E_INTERNAL, "database: blob of %s.%s: a write at %zu, not at %zu "
	          "(on PostgreSQL each write follows the last)", b->table, b->column, offset, b->len);
	GC_ENSURE(end <= INT32_MAX && end >= offset, GC_E_TOO_LARGE, "database: blob write beyond 2 GiB");
	if (n == 0)
		return GC_OK;
	put_be(row, 2, 2);   /* two fields */
	put_be(row + 2, 8, 4);
	put_be(row + 6, (uint64_t)offset, 8);
	put_be(row + 14, (uint64_t)n, 4);
	GC_GUARD(copy_put(d, row, sizeof(row)));
	GC_GUARD(copy_put(d, data, n));
	b->len = end;
	return GC_OK;
}

/*
 * The cell is compressed as it is stored (TOAST); pglz took 0.6-1 s of a 53 MB CRL,
 * lz4 0.3 s, for about the same size (24 vs 25 MB). So the UPDATE runs with lz4 when
 * the server has it, for that statement only (SET LOCAL, then the setting it had): the
 * value read back is the same bytes, the schema untouched. *prev: the setting to put
 * back, "" when nothing was changed.
 */
static gc_result toast_lz4(struct pg_db *d, char *prev, size_t prevsz)
{
	PGresult *res;
	gc_result rc = GC_OK;
	const char *cur;

	prev[0] = '\0';
	res = PQexec(conn(d), "SELECT setting, 'lz4' = ANY(enumvals) FROM pg_settings"
	                      " WHERE name = 'default_toast_compression'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_err(d, res, "blob");
	else if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 1), "t") == 0 &&
	         strcmp(cur = PQgetvalue(res, 0, 0), "lz4") != 0 && plain_name(cur) && strlen(cur) < prevsz)
		snprintf(prev, prevsz, "%s", cur);
	PQclear(res);
	GC_GUARD(rc);
	return prev[0] ? pg_run(d, "SET LOCAL default_toast_compression = lz4", "blob", false) : GC_OK;
}

static gc_result pg_blob_flush(struct gc_blob *gb)
{
	static const unsigned char trailer[2] = {0xff, 0xff};
	struct pg_col_blob *b = (struct pg_col_blob *)gb;
	struct pg_db *d = PGDB(gb->db);
	const Oid types[1] = {OID_INT8};
	char sql[300], id[24], prev[32];
	const char *vals[1] = {id};
	PGresult *res = NULL;
	gc_result rc = GC_OK;

	GC_GUARD(blob_usable(d, b));
	if ((rc = copy_put(d, trailer, sizeof(trailer))) != GC_OK) {
		(void)end_copy(d, "gcert: blob", NULL);
		return rc;
	}
	if (!end_copy(d, NULL, &res))
		rc = pg_err(d, res, "blob");
	PQclear(res);
	GC_GUARD(rc);
	GC_GUARD(toast_lz4(d, prev, sizeof(prev)));
	snprintf(sql, sizeof(sql), "UPDATE %s SET %s = (SELECT coalesce(string_agg(piece, ''::bytea ORDER BY"
	         " off), ''::bytea) FROM " BLOB_PIECES ") WHERE id = $1", b->table, b->column);
	snprintf(id, sizeof(id), "%lld", (long long)b->id);
	res = PQexecParams(conn(d), sql, 1, types, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_err(d, res, "blob");
	else
		d->changes = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	GC_GUARD(rc);
	if (prev[0] != '\0') {
		snprintf(sql, sizeof(sql), "SET LOCAL default_toast_compression = %s", prev);
		GC_GUARD(pg_run(d, sql, "blob", false));
	}
	return pg_run(d, "DROP TABLE " BLOB_PIECES, "blob", false);
}

/* A blob closed unflushed aborts its COPY: the transaction fails, nothing is half-stored. */
static void pg_blob_close(struct gc_blob *gb)
{
	struct pg_db *d = PGDB(gb->db);

	if (d->copying == (struct pg_col_blob *)gb)
		(void)end_copy(d, "gcert: blob closed before it was flushed", NULL);
	free(gb);
}

static gc_result pg_has_table(struct gc_db *db, const char *name, bool *yes)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT 1 FROM pg_tables WHERE schemaname = current_schema()"
	                           " AND tablename = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, name)) == GC_OK)
		rc = gc_stmt_step(st, yes);
	gc_stmt_free(st);
	return rc;
}

/* Several migration lists share a database: each has its row here. */
static gc_result pg_version_get(struct gc_db *db, const char *list, int *v)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	GC_GUARD(pg_exec(db, "CREATE TABLE IF NOT EXISTS gc_schema_version ("
	                     " name TEXT PRIMARY KEY, version INTEGER NOT NULL)"));
	GC_GUARD(gc_db_prepare(db, "SELECT version FROM gc_schema_version WHERE name = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, list)) == GC_OK)
		rc = gc_stmt_step(st, &row);
	*v = rc == GC_OK && row ? (int)gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

static gc_result pg_version_set(struct gc_db *db, const char *list, int v)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "INSERT INTO gc_schema_version (name, version) VALUES (?, ?)"
	                           " ON CONFLICT (name) DO UPDATE SET version = excluded.version", &st));
	if ((rc = gc_stmt_bind_text(st, 1, list)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, v)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

/* Foreign keys are checked by each statement: nothing to do around a migration. */
static gc_result pg_nothing(struct gc_db *db)
{
	(void)db;
	return GC_OK;
}

static void held_add(struct pg_db *db, int64_t key)
{
	if (db->nheld < (int)(sizeof(db->held) / sizeof(db->held[0])))
		db->held[db->nheld++] = key;
}

/*
 * A lock this session holds already is not taken again (advisory locks stack): a
 * leader asks each round whether it still leads, and after a reconnection it must take
 * the lock anew. pg_locks shows a bigint key as classid (high half) and objid.
 */
static gc_result pg_try_lock(struct gc_db *db, int64_t key, bool shared, bool *got)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, shared ? "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE"
	                                    " locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
	                                    " AND objsubid = 1 AND CAST(classid AS BIGINT) = ?2"
	                                    " AND CAST(objid AS BIGINT) = ?3) THEN true"
	                                    " ELSE pg_try_advisory_lock_shared(?1) END"
	                                  : "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE"
	                                    " locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
	                                    " AND mode = 'ExclusiveLock' AND objsubid = 1"
	                                    " AND CAST(classid AS BIGINT) = ?2"
	                                    " AND CAST(objid AS BIGINT) = ?3) THEN true"
	                                    " ELSE pg_try_advisory_lock(?1) END",
	                           &st));
	if ((rc = gc_stmt_bind_int64(st, 1, key)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 2, (int64_t)((uint64_t)key >> 32))) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 3, key & 0xffffffffLL)) == GC_OK &&
	    (rc = gc_stmt_step(st, &row)) == GC_OK) {
		*got = row && gc_stmt_int64(st, 0) == 1;
		if (*got && shared)
			held_add(PGDB(db), key);
	}
	gc_stmt_free(st);
	return rc;
}

/* Waits as long as it takes: lock_timeout does not bound advisory locks taken so. */
static gc_result pg_lock(struct gc_db *db, int64_t key, bool shared)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "SET lock_timeout = 0; SELECT pg_advisory_lock%s(%lld); " LOCK_TIMEOUT,
	         shared ? "_shared" : "", (long long)key);
	GC_GUARD(pg_run(PGDB(db), sql, "lock", true));
	if (shared)
		held_add(PGDB(db), key);
	return GC_OK;
}

static void pg_unlock(struct gc_db *db, int64_t key)
{
	struct pg_db *d = PGDB(db);
	char sql[80];

	/* exclusive locks only: shared ones are held for the session (and taken back) */
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%lld)", (long long)key);
	if (PQstatus(d->c) == CONNECTION_OK)
		PQclear(PQexec(conn(d), sql));
}

static bool pg_broken(struct gc_db *db)
{
	return PGDB(db)->broken[0] != '\0';
}

static gc_result pg_uptime(struct gc_db *db, int64_t *seconds)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT CAST(EXTRACT(EPOCH FROM now() - pg_postmaster_start_time())"
	                           " AS BIGINT)", &st));
	if ((rc = gc_stmt_step(st, &row)) == GC_OK)
		*seconds = row ? gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

/* ---- logical export and import (gc_db_snapshot, gc_db_load) ---- */

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static gc_result buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1u << 16;
		unsigned char *q;
		while (cap < b->n + n)
			cap *= 2;
		if ((q = realloc(b->p, cap)) == NULL)
			return gc_fail(GC_E_NOMEM, "database export: out of memory");
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return GC_OK;
}

/* The tables in an order where each comes after those it refers to. */
static gc_result table_order(struct pg_db *db, char names[][64], int *count)
{
	static const char *const sql =
	    "WITH RECURSIVE t(name, depth) AS ("
	    " SELECT c.relname::text, 0 FROM pg_class c WHERE c.relkind = 'r'"
	    "  AND c.relnamespace = current_schema()::regnamespace"
	    " UNION ALL SELECT f.conrelid::regclass::text, t.depth + 1 FROM pg_constraint f"
	    "  JOIN t ON f.confrelid::regclass::text = t.name"
	    "  WHERE f.contype = 'f' AND f.conrelid <> f.confrelid AND t.depth < 32)"
	    " SELECT name FROM t GROUP BY name ORDER BY max(depth), name";
	PGresult *res = PQexec(conn(db), sql);
	gc_result rc = GC_OK;
	int i;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_err(db, res, "export: tables");
	} else if (PQntuples(res) > *count) {
		rc = gc_fail(GC_E_DB, "database export: more than %d tables", *count);
	} else {
		*count = PQntuples(res);
		for (i = 0; i < *count; i++)
			snprintf(names[i], 64, "%s", PQgetvalue(res, i, 0));
	}
	PQclear(res);
	return rc;
}

static gc_result copy_out(struct pg_db *db, const char *table, struct buf *out)
{
	char sql[128], head[128];
	struct buf data = {0};
	PGresult *res;
	char *line;
	int n;
	gc_result rc = GC_OK;

	snprintf(sql, sizeof(sql), "COPY \"%s\" TO STDOUT", table);
	res = PQexec(conn(db), sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		rc = pg_err(db, res, "export");
		PQclear(res);
		return rc;
	}
	PQclear(res);
	while ((n = PQgetCopyData(db->c, &line, 0)) > 0) {
		rc = rc == GC_OK ? buf_add(&data, line, (size_t)n) : rc;
		PQfreemem(line);
	}
	res = PQgetResult(db->c);
	if (rc == GC_OK && (n != -1 || PQresultStatus(res) != PGRES_COMMAND_OK))
		rc = pg_err(db, res, "export");
	PQclear(res);
	snprintf(head, sizeof(head), "table %s %zu\n", table, data.n);
	if (rc == GC_OK && (rc = buf_add(out, head, strlen(head))) == GC_OK && data.n > 0)
		rc = buf_add(out, data.p, data.n);
	free(data.p);
	return rc;
}

gc_result gc_pg_export(struct gc_db *gdb, unsigned char **bytes, size_t *n)
{
	struct pg_db *db = PGDB(gdb);
	char names[128][64];
	int count = 128, i;
	struct buf out = {0};
	gc_result rc;

	GC_GUARD(pg_run(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "export", true));
	db->in_tx = true;
	rc = table_order(db, names, &count);
	if (rc == GC_OK)
		rc = buf_add(&out, "GCERTPG1\n", 9);
	for (i = 0; rc == GC_OK && i < count; i++)
		rc = copy_out(db, names[i], &out);
	pg_rollback(gdb);
	if (rc != GC_OK) {
		free(out.p);
		return rc;
	}
	*bytes = out.p;
	*n = out.n;
	return GC_OK;
}

static gc_result copy_in(struct pg_db *db, const char *table, const unsigned char *p, size_t n)
{
	char sql[160];
	PGresult *res;
	gc_result rc = GC_OK;

	GC_ENSURE(plain_name(table), GC_E_BAD_ENCODING, "database import: table \"%.64s\": not a plain name",
	          table);
	/* the trail's own triggers (append-only) refuse nothing here: these rows are old */
	snprintf(sql, sizeof(sql), "ALTER TABLE %s DISABLE TRIGGER USER", table);
	GC_GUARD(pg_run(db, sql, "import", false));
	snprintf(sql, sizeof(sql), "DELETE FROM %s", table);
	GC_GUARD(pg_run(db, sql, "import", false));
	snprintf(sql, sizeof(sql), "COPY %s FROM STDIN", table);
	res = PQexec(conn(db), sql);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		rc = pg_err(db, res, "import");
	PQclear(res);
	GC_GUARD(rc);
	if (n > 0 && PQputCopyData(db->c, (const char *)p, (int)n) != 1)
		rc = gc_fail(GC_E_DB_CONN, "database import: %s", pg_msg(db->c, NULL));
	PQputCopyEnd(db->c, rc == GC_OK ? NULL : "aborted");
	res = PQgetResult(db->c);
	if (rc == GC_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_err(db, res, "import");
	PQclear(res);
	while ((res = PQgetResult(db->c)) != NULL)
		PQclear(res);
	GC_GUARD(rc);
	snprintf(sql, sizeof(sql), "ALTER TABLE %s ENABLE TRIGGER USER", table);
	return pg_run(db, sql, "import", false);
}

/* Identity columns go on from the highest id loaded. */
static gc_result identities_resume(struct pg_db *db)
{
	return pg_run(db,
	              "DO $$ DECLARE r record; BEGIN FOR r IN SELECT table_name, column_name"
	              " FROM information_schema.columns WHERE table_schema = current_schema()"
	              " AND is_identity = 'YES' LOOP EXECUTE format('SELECT setval(pg_get_serial_sequence"
	              "(%L, %L), coalesce((SELECT max(%I) FROM %I), 0) + 1, false)', r.table_name,"
	              " r.column_name, r.column_name, r.table_name); END LOOP; END $$",
	              "import", false);
}

static gc_result import_tables(struct pg_db *db, const unsigned char *p, size_t n)
{
	size_t off = 9, len;
	char table[65], head[160];
	const unsigned char *nl;

	while (off < n) {
		nl = memchr(p + off, '\n', n - off);
		GC_ENSURE(nl != NULL && (size_t)(nl - (p + off)) < sizeof(head), GC_E_BAD_ENCODING,
		          "database import: malformed table header at octet %zu", off);
		memcpy(head, p + off, (size_t)(nl - (p + off)));
		head[nl - (p + off)] = '\0';
		GC_ENSURE(sscanf(head, "table %64s %zu", table, &len) == 2, GC_E_BAD_ENCODING,
		          "database import: malformed table header \"%s\"", head);
		off = (size_t)(nl - p) + 1;
		GC_ENSURE(len <= n - off, GC_E_BAD_ENCODING, "database import: table %s is truncated", table);
		if (strcmp(table, "gc_schema_version") != 0)
			GC_GUARD(copy_in(db, table, p + off, len));
		off += len;
	}
	return GC_OK;
}

gc_result gc_pg_import(struct gc_db *gdb, const unsigned char *p, size_t n)
{
	struct pg_db *db = PGDB(gdb);
	gc_result rc;

	GC_ENSURE(n >= 9 && memcmp(p, "GCERTPG1\n", 9) == 0, GC_E_BAD_ENCODING,
	          "database import: not a gcert PostgreSQL export");
	GC_GUARD(pg_begin(gdb, false));
	if ((rc = import_tables(db, p, n)) == GC_OK && (rc = identities_resume(db)) == GC_OK)
		return pg_commit(gdb);
	pg_rollback(gdb);
	return rc;
}

static const struct gc_db_ops pg_ops = {
	.kind = GC_DB_POSTGRESQL,
	.close = pg_close,
	.exec = pg_exec,
	.exec_schema = pg_exec_schema,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.prepare = pg_prepare,
	.stmt_free = pg_stmt_free,
	.reset = pg_reset,
	.bind_text = pg_bind_text,
	.bind_int64 = pg_bind_int64,
	.bind_blob = pg_bind_blob,
	.bind_zeroblob = pg_bind_zeroblob,
	.step = pg_step,
	.text = pg_col_text,
	.int64 = pg_col_int64,
	.blob = pg_col_blob,
	.is_null = pg_is_null,
	.changes = pg_changes,
	.blob_open = pg_blob_open,
	.blob_write = pg_blob_write,
	.blob_flush = pg_blob_flush,
	.blob_close = pg_blob_close,
	.has_table = pg_has_table,
	.version_get = pg_version_get,
	.version_set = pg_version_set,
	.migrate_prepare = pg_nothing,
	.migrate_check = pg_nothing,
	.migrate_finish = pg_nothing,
	.try_lock = pg_try_lock,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.uptime = pg_uptime,
	.broken = pg_broken,
};
