/* repo_files.c - the CRL file poller (see repo_files.h). */
#include "repo/repo.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "sys/worker.h"
#include "core/limits.h"
#include "core/repo.h"
#include "core/text.h"
#include "store/db.h"
#include "store/repostore.h"
#include "sys/fileio.h"

struct seen { /* the identity of the file last looked at under one name */
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	bool valid;
};

struct gc_repo_poller {
	char crl_dir[GC_MAX_PATH];
	char dbpath[GC_MAX_PATH];
	char actor[96];
	struct gc_db *db;
	struct gc_audit *audit;
	struct gc_loop loop;
	struct seen seen[8];
};

static bool same(const struct seen *s, const struct stat *st)
{
	return s->valid && s->dev == st->st_dev && s->ino == st->st_ino && s->size == st->st_size &&
	       s->mtime_ns == (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static void remember(struct seen *s, const struct stat *st)
{
	s->dev = st->st_dev, s->ino = st->st_ino, s->size = st->st_size;
	s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	s->valid = true;
}

static gc_result queue_version(struct gc_repo_poller *p, const char *name, const unsigned char *data,
                               size_t n, const char *sha)
{
	char detail[256];
	gc_result rc;

	snprintf(detail, sizeof(detail), "%s: %zu bytes, SHA-256 %s, queued for LDAP", name, n, sha);
	GC_GUARD(gc_db_begin(p->db));
	GC_GUARD_OUT(rc, gc_outbox_queue_file(p->db, name, data, n, sha));
	GC_GUARD_OUT(rc, gc_audit_append(p->audit, p->actor, GC_EV_REPO_FILE_QUEUED, name, true, detail));
	return gc_db_commit(p->db);
out:
	gc_db_rollback(p->db);
	return rc;
}

static gc_result reject(struct gc_repo_poller *p, const char *name, const char *why)
{
	gc_result rc;

	GC_GUARD(gc_db_begin(p->db));
	GC_GUARD_OUT(rc, gc_audit_append(p->audit, p->actor, GC_EV_REPO_FILE_REJECTED, name, false, why));
	return gc_db_commit(p->db);
out:
	gc_db_rollback(p->db);
	return rc;
}

/* A new version of one file: queue it unless its bytes are those queued last. */
static gc_result scan_one(struct gc_repo_poller *p, const struct gc_repo_file *f, struct seen *s)
{
	char path[GC_MAX_PATH + 64], sha[65], last[65];
	unsigned char *data = NULL, md[32];
	const unsigned char *q;
	struct stat st;
	X509_CRL *crl;
	size_t n;
	bool found;
	gc_result rc;

	snprintf(path, sizeof(path), "%s/%s", p->crl_dir, f->name);
	if (stat(path, &st) != 0 || same(s, &st))
		return GC_OK; /* not published yet, or unchanged */
	GC_GUARD(gc_file_read(path, GC_MAX_CRL_FILE, &data, &n));
	remember(s, &st);
	EVP_Digest(data, n, md, NULL, EVP_sha256(), NULL);
	gc_hex_encode(md, 32, sha);
	rc = gc_repo_file_last(p->db, f->name, last, &found);
	if (rc == GC_OK && !(found && strcmp(last, sha) == 0)) {
		/* Publish only what a relying party can parse: a DER CRL, nothing after it. */
		q = data;
		crl = d2i_X509_CRL(NULL, &q, (long)n);
		if (crl != NULL && q == data + n)
			rc = queue_version(p, f->name, data, n, sha);
		else
			rc = reject(p, f->name, "not a DER CRL; not published to LDAP");
		X509_CRL_free(crl);
	}
	if (rc != GC_OK)
		s->valid = false; /* look again next time */
	free(data);
	return rc;
}

gc_result gc_repo_poller_scan(struct gc_repo_poller *p)
{
	gc_result rc, first = GC_OK;
	size_t i;

	for (i = 0; i < gc_repo_file_count && i < sizeof(p->seen) / sizeof(p->seen[0]); i++)
		if ((rc = scan_one(p, &gc_repo_files[i], &p->seen[i])) != GC_OK && first == GC_OK)
			first = rc;
	return first;
}

gc_result gc_repo_republish(const struct gc_repo_files_options *o, int64_t *rows)
{
	struct gc_repo_poller *p;
	char detail[128];
	gc_result rc;

	GC_GUARD(gc_repo_poller_new(o, &p));
	GC_GUARD_OUT(rc, gc_db_begin(p->db));
	if ((rc = gc_outbox_queue_all(p->db, rows)) == GC_OK) {
		snprintf(detail, sizeof(detail), "%lld certificates queued again; CRL files follow",
		         (long long)*rows);
		rc = gc_audit_append(p->audit, p->actor, GC_EV_REPO_REPUBLISH, "ldap", true, detail);
	}
	if (rc != GC_OK) {
		gc_db_rollback(p->db);
		goto out;
	}
	GC_GUARD_OUT(rc, gc_db_commit(p->db));
	/* a fresh poller has seen nothing: it queues each current file */
	rc = gc_repo_poller_scan(p);
out:
	gc_repo_poller_free(p);
	return rc;
}

static void *poller_main(void *arg)
{
	struct gc_repo_poller *p = arg;

	do {
		if (gc_repo_poller_scan(p) != GC_OK) {
			/* the file is looked at again at the next pass */
		}
	} while (gc_loop_sleep(&p->loop, GC_REPO_FILE_POLL_MS));
	return NULL;
}

gc_result gc_repo_poller_new(const struct gc_repo_files_options *o, struct gc_repo_poller **out)
{
	struct gc_repo_poller *p;
	gc_result rc;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	GC_ENSURE_OUT(rc, strlen(o->crl_dir) < sizeof(p->crl_dir) && strlen(o->dbpath) < sizeof(p->dbpath),
	              GC_E_CONFIG, "repository: path too long");
	snprintf(p->crl_dir, sizeof(p->crl_dir), "%s", o->crl_dir);
	snprintf(p->dbpath, sizeof(p->dbpath), "%s", o->dbpath);
	snprintf(p->actor, sizeof(p->actor), "%s", o->actor);
	GC_GUARD_OUT(rc, gc_db_open(p->dbpath, false, &p->db));
	GC_GUARD_OUT(rc, gc_audit_open(p->db, &p->audit));
	*out = p;
	return GC_OK;
out:
	gc_repo_poller_free(p);
	return rc;
}

void gc_repo_poller_free(struct gc_repo_poller *p)
{
	if (p == NULL)
		return;
	gc_loop_stop(&p->loop);
	gc_audit_free(p->audit);
	gc_db_close(p->db);
	free(p);
}

gc_result gc_repo_poller_start(void *arg)
{
	struct gc_repo_poller *p = arg;

	return gc_loop_start(&p->loop, poller_main, p);
}

void gc_repo_poller_stop(void *arg)
{
	gc_loop_stop(&((struct gc_repo_poller *)arg)->loop);
}
