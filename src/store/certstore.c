/* certstore.c - operator reads of the certificates table. */
#include "store/certstore.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"

#define COLUMNS "serial, status, cert_type, subject_cn, coalesce(email, ''), organisation," \
                " subscriber_ref, request_id, not_before, not_after, coalesce(issued_at, 0)"

static void fill(struct gc_stmt *st, struct gc_cert_row *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->serial, sizeof(r->serial), "%s", gc_stmt_text(st, 0));
	snprintf(r->status, sizeof(r->status), "%s", gc_stmt_text(st, 1));
	snprintf(r->cert_type, sizeof(r->cert_type), "%s", gc_stmt_text(st, 2));
	snprintf(r->subject_cn, sizeof(r->subject_cn), "%s", gc_stmt_text(st, 3));
	snprintf(r->email, sizeof(r->email), "%s", gc_stmt_text(st, 4));
	snprintf(r->organisation, sizeof(r->organisation), "%s", gc_stmt_text(st, 5));
	snprintf(r->subscriber_ref, sizeof(r->subscriber_ref), "%s", gc_stmt_text(st, 6));
	snprintf(r->request_id, sizeof(r->request_id), "%s", gc_stmt_text(st, 7));
	r->not_before = gc_stmt_int64(st, 8);
	r->not_after = gc_stmt_int64(st, 9);
	r->issued_at = gc_stmt_int64(st, 10);
}

gc_result gc_certstore_get(struct gc_db *db, const char *serial, struct gc_cert_row *out)
{
	struct gc_stmt *st;
	char key[41];
	const void *der;
	size_t i, n;
	bool row;
	gc_result rc;

	GC_ENSURE(strlen(serial) == 40, GC_E_REQUEST_FIELD,
	          "serial \"%.48s\": must be 40 hex digits (20 octets, CPS App. B)", serial);
	for (i = 0; i < 40; i++) {
		GC_ENSURE(isxdigit((unsigned char)serial[i]), GC_E_REQUEST_FIELD,
		          "serial \"%.48s\": must be 40 hex digits", serial);
		key[i] = (char)tolower((unsigned char)serial[i]);
	}
	key[40] = '\0';
	GC_GUARD(gc_db_prepare(db, "SELECT " COLUMNS ", der FROM certificates WHERE serial = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, key)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK) {
		if (!row) {
			rc = gc_fail(GC_E_NOT_FOUND, "certificate %s: no such certificate", key);
		} else {
			fill(st, out);
			der = gc_stmt_blob(st, 11, &n);
			if (der != NULL && n > 0) {
				if ((out->der = malloc(n)) == NULL)
					rc = gc_fail(GC_E_NOMEM, "out of memory");
				else
					memcpy(out->der, der, n), out->dersz = n;
			}
		}
	}
	gc_stmt_free(st);
	return rc;
}

gc_result gc_certstore_list(struct gc_db *db, long limit,
                            void (*fn)(const struct gc_cert_row *, void *), void *arg)
{
	struct gc_stmt *st;
	struct gc_cert_row r;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT " COLUMNS " FROM certificates ORDER BY created_at DESC,"
	                           " rowid DESC LIMIT ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, limit)) == GC_OK) {
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
			fill(st, &r);
			fn(&r, arg);
		}
	}
	gc_stmt_free(st);
	return rc;
}
