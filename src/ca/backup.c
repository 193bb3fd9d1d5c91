/*
 * backup.c - encrypted online backups and multi-person restore (CPS §4.8.1, §6.2.4).
 * See backup.h for the file format.
 */
#define _XOPEN_SOURCE 700
#include "ca/backup.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/seal.h"
#include "ca/auditkey.h"
#include "ca/crl.h"
#include "ca/custody.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "sys/fileio.h"
#include "sys/tar.h"

#define CHUNK (1u << 20)
#define PG_EXPORT "database.pgexport" /* gc_db_snapshot of a CA on PostgreSQL */
#define HEADER_MAX 4096
#define WALK_DEPTH 8
#define KEYBYTES crypto_secretstream_xchacha20poly1305_KEYBYTES
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define SSHEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES

/* ---- what goes in ---- */

struct walk {
	struct gc_tar *tar;
	const struct gc_config *cfg;
};

/* Not copied: the live database (its snapshot goes instead), the token configuration
 * (it names this directory; restore writes a new one), temporaries of atomic writes. */
static bool skipped(const struct gc_config *cfg, const char *rel)
{
	size_t n = strlen(cfg->database);

	if (strncmp(rel, cfg->database, n) == 0 && (rel[n] == '\0' || rel[n] == '-'))
		return true;
	return strcmp(rel, cfg->softhsm2_conf) == 0 || strstr(rel, ".tmp.") != NULL;
}

static gc_result add_file(struct walk *w, const char *path, const char *rel, const struct stat *st)
{
	unsigned char *data = NULL;
	size_t n = 0;
	gc_result rc;

	GC_GUARD(gc_file_read(path, GC_MAX_BACKUP_FILE, &data, &n));
	rc = gc_tar_add(w->tar, rel, data, n, st->st_mode & 0700, (int64_t)st->st_mtime);
	sodium_memzero(data, n); /* the PIN file passes through here */
	free(data);
	return rc;
}

static gc_result walk_dir(struct walk *w, const char *dir, const char *rel, int depth)
{
	char path[GC_MAX_PATH], sub[GC_MAX_PATH];
	struct dirent *d;
	struct stat st;
	DIR *dh;
	gc_result rc = GC_OK;

	GC_ENSURE(depth < WALK_DEPTH, GC_E_CONFIG, "backup: %s: nested too deep", dir);
	if ((dh = opendir(dir)) == NULL)
		return gc_fail(GC_E_IO, "backup: %s: %s", dir, strerror(errno));
	while (rc == GC_OK && (d = readdir(dh)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if ((rc = gc_path_join(path, sizeof(path), dir, d->d_name)) != GC_OK)
			break;
		if (rel[0] != '\0')
			rc = gc_path_join(sub, sizeof(sub), rel, d->d_name);
		else
			snprintf(sub, sizeof(sub), "%s", d->d_name);
		if (rc != GC_OK || lstat(path, &st) != 0 || skipped(w->cfg, sub))
			continue;
		if (S_ISDIR(st.st_mode))
			rc = walk_dir(w, path, sub, depth + 1);
		else if (S_ISREG(st.st_mode))
			rc = add_file(w, path, sub, &st);
	}
	closedir(dh);
	return rc;
}

/*
 * The payload: the database snapshot first (SQLite: the database file under its own
 * name; PostgreSQL: the logical export, PG_EXPORT), then the directory's files.
 */
static gc_result build_payload(struct gc_ca *ca, struct gc_tar *tar)
{
	struct walk w = {tar, &ca->cfg};
	unsigned char *db = NULL;
	size_t dbsz = 0;
	bool pg = gc_db_kind(ca->db) == GC_DB_POSTGRESQL;
	gc_result rc;

	GC_GUARD(gc_db_snapshot(ca->db, &db, &dbsz));
	rc = gc_tar_add(tar, pg ? PG_EXPORT : ca->cfg.database, db, dbsz, 0600, (int64_t)time(NULL));
	free(db);
	GC_GUARD(rc);
	GC_GUARD(walk_dir(&w, ca->dir, "", 0));
	return gc_tar_finish(tar);
}

/* ---- encryption ---- */

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static gc_result encrypt_payload(const unsigned char key[KEYBYTES], const char *header,
                                 const unsigned char *plain, size_t n, unsigned char **out,
                                 size_t *outsz)
{
	crypto_secretstream_xchacha20poly1305_state st;
	size_t hl = strlen(header), chunks = n / CHUNK + 1, cap, off = 0, pos = 0, m;
	unsigned long long clen;
	unsigned char *b;
	unsigned char tag;

	cap = 8 + 4 + hl + SSHEADER + chunks * (4 + ABYTES) + n;
	if ((b = malloc(cap)) == NULL)
		return gc_fail(GC_E_NOMEM, "backup: out of memory");
	memcpy(b, GC_BACKUP_MAGIC, 8);
	put_u32(b + 8, (uint32_t)hl);
	memcpy(b + 12, header, hl);
	off = 12 + hl;
	crypto_secretstream_xchacha20poly1305_init_push(&st, b + off, key);
	off += SSHEADER;
	do {
		m = n - pos > CHUNK ? CHUNK : n - pos;
		tag = pos + m == n ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
		crypto_secretstream_xchacha20poly1305_push(&st, b + off + 4, &clen, plain + pos, m,
		                                           pos == 0 ? (const unsigned char *)header : NULL,
		                                           pos == 0 ? hl : 0, tag);
		put_u32(b + off, (uint32_t)clen);
		off += 4 + (size_t)clen;
		pos += m;
	} while (pos < n);
	sodium_memzero(&st, sizeof(st));
	*out = b;
	*outsz = off;
	return GC_OK;
}

struct backup_file {
	json_t *header;
	const char *header_text;
	size_t header_len;
	const unsigned char *body; /* secretstream header, then chunks */
	size_t bodysz;
};

static gc_result parse_backup(const unsigned char *b, size_t n, struct backup_file *f)
{
	json_error_t jerr;
	uint32_t hl;

	GC_ENSURE(n >= 12 && memcmp(b, GC_BACKUP_MAGIC, 8) == 0, GC_E_BACKUP,
	          "backup file: not a gcert backup (no %s)", GC_BACKUP_MAGIC);
	hl = get_u32(b + 8);
	GC_ENSURE(hl > 0 && hl <= HEADER_MAX && hl <= n - 12 - SSHEADER, GC_E_BACKUP,
	          "backup file: header length %u out of range", hl);
	f->header = json_loadb((const char *)b + 12, hl, JSON_REJECT_DUPLICATES, &jerr);
	GC_ENSURE(f->header != NULL && json_is_object(f->header), GC_E_BACKUP, "backup file: header is not JSON");
	f->header_text = (const char *)b + 12;
	f->header_len = hl;
	f->body = b + 12 + hl;
	f->bodysz = n - 12 - hl;
	return GC_OK;
}

static gc_result decrypt_payload(const unsigned char key[KEYBYTES], const struct backup_file *f,
                                 unsigned char **out, size_t *outsz)
{
	crypto_secretstream_xchacha20poly1305_state st;
	const unsigned char *p = f->body + SSHEADER, *end = f->body + f->bodysz;
	unsigned char *plain, tag = 0;
	unsigned long long mlen;
	size_t len = 0, chunk = 0;
	uint32_t clen;

	GC_ENSURE(crypto_secretstream_xchacha20poly1305_init_pull(&st, f->body, key) == 0, GC_E_BACKUP,
	          "backup file: bad stream header");
	if ((plain = malloc(f->bodysz)) == NULL)
		return gc_fail(GC_E_NOMEM, "backup: out of memory");
	while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		if (end - p < 4 || (clen = get_u32(p)) < ABYTES || clen > CHUNK + ABYTES ||
		    (size_t)(end - p - 4) < clen) {
			free(plain);
			return gc_fail(GC_E_BACKUP, "backup file: truncated or malformed at chunk %zu", chunk);
		}
		if (crypto_secretstream_xchacha20poly1305_pull(&st, plain + len, &mlen, &tag, p + 4, clen,
		                                               chunk == 0 ? (const unsigned char *)f->header_text : NULL,
		                                               chunk == 0 ? f->header_len : 0) != 0) {
			sodium_memzero(plain, len);
			free(plain);
			return gc_fail(GC_E_BACKUP, "backup file: chunk %zu does not authenticate (the file was "
			               "altered, or the shares are not this backup's)", chunk);
		}
		len += (size_t)mlen;
		p += 4 + clen;
		chunk++;
	}
	if (p != end) {
		sodium_memzero(plain, len);
		free(plain);
		return gc_fail(GC_E_BACKUP, "backup file: data after the final chunk");
	}
	*out = plain;
	*outsz = len;
	return GC_OK;
}

/* ---- backup ---- */

static gc_result read_passphrases(const char *const *specs, unsigned n, char (*pass)[GC_MAX_PASSPHRASE + 1],
                                  size_t *lens)
{
	unsigned i;

	for (i = 0; i < n; i++)
		GC_GUARD(gc_passphrase_read(specs[i], pass[i], GC_MAX_PASSPHRASE + 1, &lens[i]));
	return GC_OK;
}

static gc_result share_path(const char *dir, const char *id, unsigned i, char *out, size_t outsz)
{
	char name[128];

	snprintf(name, sizeof(name), "backup-%s-custodian-%u.share", id, i);
	return gc_path_join(out, outsz, dir, name);
}

static gc_result audit_backup(struct gc_ca *ca, const char *id, const struct gc_backup_options *o,
                              bool ok, const char *why)
{
	char detail[512];
	bool made;
	gc_result rc;

	snprintf(detail, sizeof(detail), "backup %s: database, token and CA directory, encrypted; %u of "
	         "%u custodians needed to restore (CPS §6.2.4)%s%s", id, o->threshold, o->custodians,
	         ok ? "" : ": FAILED: ", ok ? "" : why);
	GC_GUARD(gc_db_begin(ca->db));
	if ((rc = gc_audit_append(ca->audit, ca->actor, GC_EV_BACKUP, id, ok, detail)) != GC_OK ||
	    (rc = gc_db_commit(ca->db)) != GC_OK) {
		gc_db_rollback(ca->db);
		return rc;
	}
	/* sealed before the snapshot, so the restored trail is sealed up to here */
	return ok ? gc_ca_checkpoint(ca, &made) : GC_OK;
}

static gc_result write_shares(const struct gc_backup_options *o, const char *id,
                              const unsigned char key[KEYBYTES], char (*pass)[GC_MAX_PASSPHRASE + 1],
                              const size_t *lens)
{
	struct gc_share shares[GC_MAX_CUSTODIANS];
	struct gc_share_meta m = {.purpose = "backup", .of = o->custodians, .threshold = o->threshold};
	char path[GC_MAX_PATH], *json[GC_MAX_CUSTODIANS] = {0};
	unsigned i;
	gc_result rc;

	snprintf(m.id, sizeof(m.id), "%s", id);
	GC_GUARD(gc_custody_split(key, KEYBYTES, o->custodians, o->threshold, shares));
	for (i = 0, rc = GC_OK; i < o->custodians && rc == GC_OK; i++) {
		m.custodian = i + 1;
		rc = gc_custody_seal(&shares[i], &m, pass[i], lens[i], &json[i]);
	}
	sodium_memzero(shares, sizeof(shares));
	for (i = 0; i < o->custodians && rc == GC_OK; i++)
		if ((rc = share_path(o->share_dir, id, i + 1, path, sizeof(path))) == GC_OK)
			rc = gc_file_write(path, json[i], strlen(json[i]), 0600, 1);
	for (i = 0; i < o->custodians; i++)
		free(json[i]);
	return rc;
}

static gc_result check_outputs(const struct gc_backup_options *o, const char *id)
{
	char path[GC_MAX_PATH];
	unsigned i;

	GC_ENSURE(!gc_path_exists(o->out), GC_E_IO, "%s: already exists; refusing to overwrite", o->out);
	GC_GUARD(gc_mkdir(o->share_dir, 0700, 0));
	for (i = 0; i < o->custodians; i++) {
		GC_GUARD(share_path(o->share_dir, id, i + 1, path, sizeof(path)));
		GC_ENSURE(!gc_path_exists(path), GC_E_IO, "%s: already exists; refusing to overwrite", path);
	}
	return GC_OK;
}

static char *backup_header(const char *id, const struct gc_backup_options *o)
{
	char now[21];
	json_t *h;
	char *s;

	gc_time_format((int64_t)time(NULL), now);
	h = json_pack("{s:s, s:s, s:s, s:i, s:i, s:s}", "format", GC_BACKUP_FORMAT, "backup_id", id,
	              "created", now, "custodians", (int)o->custodians, "threshold", (int)o->threshold,
	              "cipher", "xchacha20poly1305-secretstream");
	s = h ? json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(h);
	return s;
}

gc_result gc_backup(struct gc_ca *ca, const struct gc_backup_options *o, char *id)
{
	char pass[GC_MAX_CUSTODIANS][GC_MAX_PASSPHRASE + 1];
	size_t lens[GC_MAX_CUSTODIANS], encsz = 0;
	unsigned char key[KEYBYTES], raw[16], *enc = NULL;
	struct gc_tar tar = {.max = GC_MAX_BACKUP_FILE};
	char *header = NULL;
	gc_result rc;

	GC_ENSURE(o->threshold >= 2 && o->threshold <= o->custodians && o->custodians <= GC_MAX_CUSTODIANS,
	          GC_E_USAGE, "backup: CPS §6.2.4: more than one person restores a backup: need "
	          "2 <= --threshold (%u) <= --custodians (%u) <= %d", o->threshold, o->custodians,
	          GC_MAX_CUSTODIANS);
	GC_ENSURE(sodium_init() >= 0, GC_E_INTERNAL, "libsodium: initialisation failed");
	randombytes_buf(raw, sizeof(raw));
	gc_hex_encode(raw, sizeof(raw), id);
	GC_GUARD_OUT(rc, read_passphrases(o->passphrases, o->custodians, pass, lens));
	GC_GUARD_OUT(rc, check_outputs(o, id));
	GC_GUARD_OUT(rc, audit_backup(ca, id, o, true, NULL));
	GC_GUARD_OUT(rc, build_payload(ca, &tar));
	GC_NOMEM_OUT(rc, header = backup_header(id, o));
	crypto_secretstream_xchacha20poly1305_keygen(key);
	GC_GUARD_OUT(rc, encrypt_payload(key, header, tar.buf, tar.len, &enc, &encsz));
	GC_GUARD_OUT(rc, write_shares(o, id, key, pass, lens));
	rc = gc_file_write(o->out, enc, encsz, 0600, 1);
out:
	if (rc != GC_OK && tar.len > 0) {
		char why[512];
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		if (audit_backup(ca, id, o, false, why) != GC_OK)
			gc_err_clear();
		gc_fail(rc, "%s", why);
	}
	sodium_memzero(key, sizeof(key));
	sodium_memzero(pass, sizeof(pass));
	if (tar.buf != NULL)
		sodium_memzero(tar.buf, tar.len);
	gc_tar_free(&tar);
	free(enc);
	free(header);
	return rc;
}

/* ---- restore ---- */

static gc_result open_shares(const struct gc_restore_options *o, const char *id, unsigned threshold,
                             struct gc_share *shares)
{
	char pass[GC_MAX_PASSPHRASE + 1];
	struct gc_share_meta m;
	unsigned char *json = NULL;
	size_t plen = 0, jlen;
	unsigned i;
	gc_result rc = GC_OK;

	GC_ENSURE(o->nshares >= threshold, GC_E_SHARES,
	          "restore: %u custodian share(s) given; this backup needs %u (CPS §6.2.4: restoring "
	          "needs more than one person)", o->nshares, threshold);
	GC_ENSURE(o->nshares <= GC_MAX_CUSTODIANS, GC_E_SHARES, "restore: too many shares");
	for (i = 0; i < o->nshares && rc == GC_OK; i++) {
		if ((rc = gc_file_read(o->shares[i], GC_MAX_SHARE_FILE, &json, &jlen)) != GC_OK)
			break;
		if ((rc = gc_passphrase_read(o->passphrases[i], pass, sizeof(pass), &plen)) == GC_OK)
			rc = gc_custody_open((const char *)json, jlen, pass, plen, &m, &shares[i]);
		sodium_memzero(pass, sizeof(pass));
		free(json);
		json = NULL;
		if (rc == GC_OK && (strcmp(m.purpose, "backup") != 0 || strcmp(m.id, id) != 0 ||
		                    m.threshold != threshold))
			rc = gc_fail(GC_E_SHARES, "%s: a share of another backup (%s), not of backup %s",
			             o->shares[i], m.id, id);
	}
	return rc;
}

static gc_result restore_key(const struct gc_restore_options *o, const struct backup_file *f,
                             unsigned char key[KEYBYTES])
{
	struct gc_share shares[GC_MAX_CUSTODIANS];
	json_t *h = f->header;
	const char *id = json_string_value(json_object_get(h, "backup_id"));
	json_int_t m = json_integer_value(json_object_get(h, "threshold"));
	gc_result rc;

	GC_ENSURE(id != NULL && m >= 2 && m <= GC_MAX_CUSTODIANS &&
	              json_is_string(json_object_get(h, "format")) &&
	              strcmp(json_string_value(json_object_get(h, "format")), GC_BACKUP_FORMAT) == 0,
	          GC_E_BACKUP, "backup file: header is not %s", GC_BACKUP_FORMAT);
	rc = open_shares(o, id, (unsigned)m, shares);
	if (rc == GC_OK)
		rc = gc_custody_combine(shares, o->nshares, (unsigned)m, key, KEYBYTES);
	sodium_memzero(shares, sizeof(shares));
	return rc;
}

struct extract {
	const char *dir;
};

static gc_result make_parents(const char *dir, const char *rel)
{
	char path[GC_MAX_PATH], *slash;

	GC_GUARD(gc_path_join(path, sizeof(path), dir, rel));
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		GC_GUARD(gc_mkdir(path, 0700, 0));
		*slash = '/';
	}
	return GC_OK;
}

static gc_result extract_one(void *arg, const struct gc_tar_entry *e)
{
	struct extract *x = arg;
	char path[GC_MAX_PATH];

	GC_GUARD(make_parents(x->dir, e->name));
	GC_GUARD(gc_path_join(path, sizeof(path), x->dir, e->name));
	/* exclusive: a name twice in the payload is an error, not an overwrite */
	return gc_file_write(path, e->data, e->size, (e->mode & 0700) ? (e->mode & 0700) : 0600, 1);
}

static gc_result empty_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	bool empty = true;

	if (!gc_path_exists(dir))
		return gc_mkdir(dir, 0700, 1);
	GC_ENSURE((d = opendir(dir)) != NULL, GC_E_DIR_EXISTS, "%s: exists and is not a directory", dir);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = false;
	closedir(d);
	GC_ENSURE(empty, GC_E_DIR_EXISTS, "%s: not empty; restore only into an empty directory", dir);
	return GC_OK;
}

/* The restore's database must hold no CA yet: a backup never lands on live data. */
static gc_result load_into(const char *target, const unsigned char *data, size_t n)
{
	struct gc_db *db = NULL;
	struct gc_stmt *st = NULL;
	bool row = false;
	char shown[512];
	gc_result rc;

	gc_db_target_redact(target, shown, sizeof(shown));
	GC_GUARD(gc_db_open(target, false, &db));
	GC_GUARD_OUT(rc, gc_db_prepare(db, "SELECT 1 FROM ca_certs LIMIT 1", &st));
	GC_GUARD_OUT(rc, gc_stmt_step(st, &row));
	GC_ENSURE_OUT(rc, !row, GC_E_DIR_EXISTS, "restore: %s already holds a CA; restore only into an "
	              "empty database", shown);
	rc = gc_db_load(db, data, n);
out:
	gc_stmt_free(st);
	gc_db_close(db);
	return rc;
}

/*
 * A CA kept in PostgreSQL: its export goes into the database named by --postgresql and
 * the restored configuration names that database (an audited configuration change).
 */
static gc_result restore_pg(const struct gc_restore_options *o, const char *absdir, struct gc_config *cfg)
{
	char path[GC_MAX_PATH];
	unsigned char *data = NULL;
	size_t n = 0;
	char *json = NULL;
	gc_result rc;

	GC_GUARD(gc_path_join(path, sizeof(path), absdir, PG_EXPORT));
	if (!gc_path_exists(path)) {
		GC_ENSURE(o->postgresql == NULL, GC_E_USAGE, "restore: this backup holds a SQLite database; "
		          "restore it without --postgresql");
		return GC_OK;
	}
	GC_ENSURE(o->postgresql != NULL, GC_E_USAGE, "restore: this backup is of a CA kept in PostgreSQL: "
	          "name an empty database for it with --postgresql");
	GC_ENSURE(strlen(o->postgresql) < sizeof(cfg->postgresql), GC_E_USAGE, "--postgresql: too long");
	GC_GUARD(gc_file_read(path, GC_MAX_BACKUP_FILE, &data, &n));
	rc = load_into(o->postgresql, data, n);
	free(data);
	GC_GUARD(rc);
	GC_ENSURE(remove(path) == 0, GC_E_IO, "%s: cannot remove", path);
	snprintf(cfg->postgresql, sizeof(cfg->postgresql), "%s", o->postgresql);
	GC_ENSURE((json = gc_config_dump(cfg)) != NULL, GC_E_NOMEM, "out of memory");
	GC_GUARD_OUT(rc, gc_path_join(path, sizeof(path), absdir, GC_CONFIG_FILE));
	rc = gc_file_write(path, json, strlen(json), 0640, 0);
out:
	free(json);
	return rc;
}

/* Opens the restored CA (token keys against certificates), verifies its audit trail,
 * and records and seals the restore. */
static gc_result bring_back(const struct gc_restore_options *o, const char *id)
{
	struct gc_ca *ca = NULL;
	struct gc_audit_check chk;
	char detail[512], absdir[PATH_MAX];
	int64_t floor = 0;
	bool made;
	gc_result rc;
	struct gc_config cfg;
	unsigned char *buf = NULL;
	size_t len;

	GC_ENSURE(realpath(o->dir, absdir) != NULL, GC_E_IO, "%s: cannot resolve", o->dir);
	GC_GUARD(gc_path_join(detail, sizeof(detail), absdir, GC_CONFIG_FILE));
	GC_GUARD(gc_file_read(detail, GC_MAX_CONFIG_FILE, &buf, &len));
	rc = gc_config_parse((const char *)buf, len, &cfg);
	free(buf);
	GC_GUARD(rc);
	if (cfg.softhsm2_conf[0] != '\0')
		GC_GUARD(gc_ca_write_softhsm_conf(absdir, &cfg));
	GC_GUARD(restore_pg(o, absdir, &cfg));
	GC_GUARD(gc_ca_open(absdir, GC_NEED_DB | GC_NEED_TOKEN, o->actor, &ca));
	GC_GUARD_OUT(rc, gc_audit_verify(ca->db, &chk));
	GC_GUARD_OUT(rc, gc_db_begin(ca->db));
	if ((rc = gc_crl_set_floor(ca, "restore", &floor)) != GC_OK) {
		gc_db_rollback(ca->db);
		goto out;
	}
	snprintf(detail, sizeof(detail), "restored from backup %s with %u custodian shares; audit trail "
	         "of %ld records verified; cRLNumbers continue from %lld, above any published after "
	         "the backup", id, o->nshares, chk.records, (long long)floor);
	if ((rc = gc_audit_append(ca->audit, ca->actor, GC_EV_RESTORE, id, true, detail)) != GC_OK ||
	    (rc = gc_db_commit(ca->db)) != GC_OK) {
		gc_db_rollback(ca->db);
		goto out;
	}
	rc = gc_ca_checkpoint(ca, &made);
out:
	gc_ca_close(ca);
	return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

gc_result gc_restore(const struct gc_restore_options *o, char *id)
{
	struct backup_file f = {0};
	struct extract x = {o->dir};
	unsigned char *file = NULL, *plain = NULL, key[KEYBYTES];
	size_t filesz = 0, plainsz = 0;
	bool made_dir = false;
	gc_result rc;

	GC_GUARD(gc_file_read(o->from, GC_MAX_BACKUP_FILE, &file, &filesz));
	GC_GUARD_OUT(rc, parse_backup(file, filesz, &f));
	GC_ENSURE_OUT(rc, sodium_init() >= 0, GC_E_INTERNAL, "libsodium: initialisation failed");
	GC_GUARD_OUT(rc, restore_key(o, &f, key));
	rc = decrypt_payload(key, &f, &plain, &plainsz);
	sodium_memzero(key, sizeof(key));
	GC_GUARD_OUT(rc, rc);
	snprintf(id, 33, "%s", json_string_value(json_object_get(f.header, "backup_id")));
	umask(027);
	GC_GUARD_OUT(rc, empty_dir(o->dir));
	made_dir = true;
	GC_GUARD_OUT(rc, gc_tar_each(plain, plainsz, GC_MAX_ARCHIVE_ITEMS, extract_one, &x));
	rc = bring_back(o, id);
out:
	if (rc != GC_OK && made_dir) {
		char why[1024];
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		nftw(o->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		gc_fail(rc, "%s", why);
	}
	if (plain != NULL)
		sodium_memzero(plain, plainsz);
	free(plain);
	free(file);
	json_decref(f.header);
	return rc;
}
