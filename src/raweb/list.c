/*
 * list.c - the lists of the RA's API (docs/ra-api.md "Lists"): search, filters, sorting
 * and paging done by the database, so a page costs the same with ten rows or ten
 * thousand. Every query argument is checked here, before any SQL runs: an unknown
 * argument, a sort key that is not the list's, an over-long search or a page number out
 * of range is a 400 naming the argument. Sort columns come from the list's own table,
 * never from the request; search text is bound as a LIKE pattern with its wildcards
 * escaped.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "raweb/api_int.h"
#include "store/db.h"

const char *ra_arg(struct call *c, const char *key)
{
	int i;

	for (i = 0; i < c->req->nargs; i++)
		if (strcmp(c->req->args[i].key, key) == 0)
			return c->req->args[i].value ? c->req->args[i].value : "";
	return NULL;
}

static bool listed(const char *const *keys, const char *k)
{
	int i;

	for (i = 0; keys != NULL && keys[i] != NULL; i++)
		if (strcmp(keys[i], k) == 0)
			return true;
	return false;
}

/* "KEY: must be 1 or 0 (got "VALUE")" and the like, naming the argument. */
static gc_result arg_fail(const char *key, const char *rule, const char *v)
{
	return ra_field_error(key, gc_fail(GC_E_REQUEST_FIELD, "%s: must be %s (got \"%.12s\")", key, rule, v));
}

/* A whole number in lo..hi, written in plain decimal digits. */
static gc_result arg_number(const char *key, const char *v, int64_t lo, int64_t hi, int64_t *out)
{
	char los[24], his[24];
	int64_t n = 0;
	size_t i, len = strlen(v);

	snprintf(los, sizeof(los), "%lld", (long long)lo);
	snprintf(his, sizeof(his), "%lld", (long long)hi);
	if (len == 0 || len > 9)
		return ra_field_error(key, gc_fail(GC_E_REQUEST_FIELD, "%s: must be a whole number from %s to %s",
		                                   key, los, his));
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return ra_field_error(key, gc_fail(GC_E_REQUEST_FIELD, "%s: must be a whole number from %s to "
			                                   "%s (got \"%.12s\")", key, los, his, v));
		n = n * 10 + (v[i] - '0');
	}
	if (n < lo || n > hi)
		return ra_field_error(key, gc_fail(GC_E_REQUEST_FIELD, "%s: must be from %s to %s (got %lld)", key,
		                                   los, his, (long long)n));
	*out = n;
	return GC_OK;
}

void ra_q_and(struct ra_query *q, const char *clause)
{
	size_t n = strlen(q->where);

	snprintf(q->where + n, sizeof(q->where) - n, " AND (%s)", clause);
}

void ra_q_int(struct ra_query *q, int64_t v)
{
	if (q->nbinds < RA_Q_MAX_BINDS) {
		q->binds[q->nbinds].text = NULL;
		q->binds[q->nbinds].i = v;
	}
	q->nbinds++;
}

void ra_q_text(struct ra_query *q, const char *v)
{
	if (q->nbinds < RA_Q_MAX_BINDS) {
		q->binds[q->nbinds].text = v;
		q->binds[q->nbinds].i = 0;
	}
	q->nbinds++;
}

gc_result ra_q_flag(struct call *c, const char *key, bool *on)
{
	const char *v = ra_arg(c, key);

	*on = false;
	if (v == NULL)
		return GC_OK;
	if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
		return arg_fail(key, "1 or 0", v);
	*on = v[0] == '1';
	return GC_OK;
}

gc_result ra_q_choice(struct call *c, const char *key, const char *const *allowed, const char **out)
{
	const char *v = ra_arg(c, key);
	char list[256] = "";
	size_t n = 0;
	int i;

	*out = NULL;
	if (v == NULL)
		return GC_OK;
	if (listed(allowed, v)) {
		*out = v;
		return GC_OK;
	}
	for (i = 0; allowed[i] != NULL && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", allowed[i]);
	return ra_field_error(key, gc_fail(GC_E_REQUEST_FIELD, "%s: must be one of %s (got \"%.32s\")", key, list, v));
}

/* Checks every argument against the list's, reads paging, sorting and the search. */
gc_result ra_q_parse(struct call *c, const struct ra_list_def *def, struct ra_query *q)
{
	static const char *const common[] = {"q", "sort", "order", "page", "per_page", NULL};
	const char *v, *sort_sql = def->sorts[0].sql;
	const char *order = def->default_desc ? "DESC" : "ASC";
	size_t i, j, k;
	long chars;
	int a, b;

	memset(q, 0, sizeof(*q));
	q->def = def;
	q->page = 1;
	q->per_page = RA_LIST_DEFAULT_PAGE;
	if (c->req->too_many_args)
		return ra_field_error("", gc_fail(GC_E_REQUEST_FIELD, "%s: more than %d query arguments", def->what,
		                                  GC_RA_MAX_ARGS));
	for (a = 0; a < c->req->nargs; a++) {
		const char *key = c->req->args[a].key;
		if (!listed(common, key) && !listed(def->filters, key))
			return ra_field_error(key, gc_fail(GC_E_REQUEST_FIELD, "%s: unknown query argument \"%.32s\"",
			                                   def->what, key));
		for (b = 0; b < a; b++)
			if (strcmp(c->req->args[b].key, key) == 0)
				return ra_field_error(key, gc_fail(GC_E_REQUEST_FIELD, "%s: given twice", key));
	}
	if ((v = ra_arg(c, "page")) != NULL)
		GC_GUARD(arg_number("page", v, 1, RA_LIST_MAX_PAGE_NO, &q->page));
	if ((v = ra_arg(c, "per_page")) != NULL)
		GC_GUARD(arg_number("per_page", v, 1, RA_LIST_MAX_PAGE, &q->per_page));
	if ((v = ra_arg(c, "sort")) != NULL) {
		for (i = 0; def->sorts[i].key != NULL && strcmp(def->sorts[i].key, v) != 0; i++)
			;
		if (def->sorts[i].key == NULL) {
			char list[256] = "";
			size_t n = 0;
			for (j = 0; def->sorts[j].key != NULL && n < sizeof(list); j++)
				n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", j ? ", " : "", def->sorts[j].key);
			return ra_field_error("sort", gc_fail(GC_E_REQUEST_FIELD, "sort: %s are sorted by %s (got "
			                                      "\"%.32s\")", def->what, list, v));
		}
		sort_sql = def->sorts[i].sql;
	}
	if ((v = ra_arg(c, "order")) != NULL) {
		if (strcmp(v, "asc") != 0 && strcmp(v, "desc") != 0)
			return arg_fail("order", "asc or desc", v);
		order = v[0] == 'a' ? "ASC" : "DESC";
	}
	snprintf(q->order, sizeof(q->order), "%s %s, %s %s", sort_sql, order, def->tiebreak, order);
	if ((v = ra_arg(c, "q")) != NULL && v[0] != '\0') {
		chars = gc_utf8_chars(v, strlen(v));
		if (chars < 0)
			return ra_field_error("q", gc_fail(GC_E_NOT_UTF8, "q: not UTF-8 text, or holds a control character"));
		if (chars > RA_LIST_MAX_SEARCH)
			return ra_field_error("q", gc_fail(GC_E_REQUEST_FIELD, "q: a search is at most %d characters (got "
			                                   "%ld)", RA_LIST_MAX_SEARCH, chars));
		/* a substring, any case (ASCII on SQLite), %, _ and \ taken literally */
		k = 0;
		q->like[k++] = '%';
		for (i = 0; v[i] != '\0'; i++) {
			char ch = v[i];
			if (ch == '%' || ch == '_' || ch == '\\')
				q->like[k++] = '\\';
			q->like[k++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
		}
		q->like[k++] = '%';
		q->like[k] = '\0';
		q->search = true;
	}
	return GC_OK;
}

static gc_result bind_all(struct ra_query *q, struct gc_stmt *st, int *idx)
{
	int i;

	for (i = 0; i < q->nbinds; i++, (*idx)++)
		GC_GUARD(q->binds[i].text ? gc_stmt_bind_text(st, *idx, q->binds[i].text)
		                          : gc_stmt_bind_int64(st, *idx, q->binds[i].i));
	return GC_OK;
}

/* Runs the count and the page; answers {"items", "total", "page", "per_page", "pages"}. */
gc_result ra_q_reply(struct call *c, struct ra_query *q, ra_row_fn row_json)
{
	const struct ra_list_def *def = q->def;
	struct gc_stmt *st = NULL;
	char *sql = NULL;
	size_t len;
	json_t *items = NULL, *out;
	int64_t total = 0;
	bool row = false;
	int idx, i;
	gc_result rc;

	GC_ENSURE(q->nbinds <= RA_Q_MAX_BINDS, GC_E_INTERNAL, "%s: too many conditions", def->what);
	if (q->search) {
		ra_q_and(q, def->search);
		for (i = 0; i < def->search_binds; i++)
			ra_q_text(q, q->like);
		GC_ENSURE(q->nbinds <= RA_Q_MAX_BINDS, GC_E_INTERNAL, "%s: too many conditions", def->what);
	}
	len = strlen(def->cols) + strlen(def->from) + strlen(q->where) + strlen(q->order) + 128;
	GC_ENSURE((sql = malloc(len)) != NULL, GC_E_NOMEM, "%s: out of memory", def->what);
	snprintf(sql, len, "SELECT count(*)%s WHERE %s%s", def->from, def->base, q->where);
	GC_GUARD_OUT(rc, ra_prep(c, sql, &st));
	idx = 1;
	if ((rc = bind_all(q, st, &idx)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		total = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	st = NULL;
	GC_GUARD_OUT(rc, rc);
	free(sql);
	/* the page's keys first, then its rows: the columns (some are subqueries) are worked
	 * out for the rows shown only, not for every row the OFFSET skips */
	len += strlen(def->base) + strlen(def->cols) + strlen(def->from) + strlen(def->tiebreak) * 2 + strlen(q->order);
	GC_ENSURE((sql = malloc(len)) != NULL, GC_E_NOMEM, "%s: out of memory", def->what);
	snprintf(sql, len, "SELECT %s%s WHERE %s IN (SELECT %s%s WHERE %s%s ORDER BY %s LIMIT ? OFFSET ?) ORDER BY %s",
	         def->cols, def->from, def->tiebreak, def->tiebreak, def->from, def->base, q->where, q->order, q->order);
	GC_GUARD_OUT(rc, ra_prep(c, sql, &st));
	GC_ENSURE_OUT(rc, (items = json_array()) != NULL, GC_E_NOMEM, "%s: out of memory", def->what);
	idx = 1;
	if ((rc = bind_all(q, st, &idx)) == GC_OK && (rc = gc_stmt_bind_int64(st, idx, q->per_page)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, idx + 1, (q->page - 1) * q->per_page)) == GC_OK)
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
			json_array_append_new(items, row_json(c, st));
	GC_GUARD_OUT(rc, rc);
	out = json_pack("{s:o, s:I, s:I, s:I, s:I}", "items", items, "total", (json_int_t)total, "page",
	                (json_int_t)q->page, "per_page", (json_int_t)q->per_page, "pages",
	                (json_int_t)((total + q->per_page - 1) / q->per_page));
	items = NULL;
	rc = ra_reply(c, 200, out);
out:
	gc_stmt_free(st);
	json_decref(items);
	free(sql);
	return rc;
}
