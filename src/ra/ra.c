/*
 * ra.c - the RA directory: configuration (strict), database, B/Ds of CPS App. E,
 * bootstrap users and designated applications' tokens.
 */
#include "ra/ra.h"

#include <jansson.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "audit/key.h"
#include "audit/seal.h"
#include "core/text.h"
#include "ra/link.h"
#include "ra/ra_db.h"
#include "store/db.h"
#include "sys/fileio.h"

#define RA_CONFIG "ra.json"
#define RA_DATABASE "ra.db"
#define RA_HOLIDAYS "hk-public-holidays.txt"
#define RA_MAX_BDS_FILE 65536

void gc_ra_sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char md[32];

	EVP_Digest(data, n, md, NULL, EVP_sha256(), NULL);
	gc_hex_encode(md, sizeof(md), out);
}

void gc_ra_random_hex(char out[65])
{
	unsigned char b[32];

	randombytes_buf(b, sizeof(b));
	gc_hex_encode(b, sizeof(b), out);
	sodium_memzero(b, sizeof(b));
}

/* ---- configuration ---- */

static void config_defaults(struct gc_ra_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_failed_logins = 5;
	c->session_seconds = 8 * 3600;
	c->reminder_days[0] = 30;
	c->reminder_days[1] = 7;
	c->n_reminders = 2;
	c->revoke_working_days = 2;
	c->mail_retry_max_seconds = 60;
	snprintf(c->mail_from, sizeof(c->mail_from), "cmmp@ra.example.gov.hk");
	c->web_root[0] = '\0'; /* the web UI installed with gcert (the CLI finds it) */
}

static gc_result config_int(json_t *v, const char *key, int min, int max, int *out)
{
	GC_ENSURE(json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max,
	          GC_E_CONFIG, "ra.json: %s must be an integer %d..%d", key, min, max);
	*out = (int)json_integer_value(v);
	return GC_OK;
}

static gc_result config_str(json_t *v, const char *key, char *out, size_t outsz)
{
	GC_ENSURE(json_is_string(v) && json_string_length(v) < outsz, GC_E_CONFIG,
	          "ra.json: %s must be a string of at most %zu bytes", key, outsz - 1);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return GC_OK;
}

static gc_result config_mail(json_t *m, struct gc_ra_config *c)
{
	const char *k;
	json_t *v;

	GC_ENSURE(json_is_object(m), GC_E_CONFIG, "ra.json: mail must be an object");
	json_object_foreach(m, k, v) {
		if (strcmp(k, "smtp_url") == 0)
			GC_GUARD(config_str(v, "mail.smtp_url", c->smtp_url, sizeof(c->smtp_url)));
		else if (strcmp(k, "from") == 0)
			GC_GUARD(config_str(v, "mail.from", c->mail_from, sizeof(c->mail_from)));
		else
			return gc_fail(GC_E_CONFIG, "ra.json: unknown key mail.%s", k);
	}
	return GC_OK;
}

/* "database": {"postgresql": URL}: the RA's database in PostgreSQL instead of ra.db (as the
 * CA's database.postgresql); a password belongs in ~/.pgpass, and is never shown. */
static gc_result config_database(json_t *m, struct gc_ra_config *c)
{
	const char *k;
	json_t *v;

	GC_ENSURE(json_is_object(m), GC_E_CONFIG, "ra.json: database must be an object");
	json_object_foreach(m, k, v) {
		if (strcmp(k, "postgresql") != 0)
			return gc_fail(GC_E_CONFIG, "ra.json: unknown key database.%s", k);
		GC_GUARD(config_str(v, "database.postgresql", c->postgresql, sizeof(c->postgresql)));
		GC_ENSURE(gc_db_target_is_pg(c->postgresql), GC_E_CONFIG,
		          "ra.json: database.postgresql is not a PostgreSQL connection string "
		          "(postgresql://USER@HOST:PORT/DB or \"host=... dbname=...\")");
	}
	return GC_OK;
}

static gc_result config_reminders(json_t *a, struct gc_ra_config *c)
{
	size_t i;
	json_t *v;

	GC_ENSURE(json_is_array(a) && json_array_size(a) <= GC_RA_MAX_REMINDERS, GC_E_CONFIG,
	          "ra.json: reminder_days must be an array of at most %d day counts",
	          GC_RA_MAX_REMINDERS);
	json_array_foreach(a, i, v) GC_GUARD(config_int(v, "reminder_days[]", 1, 1100, &c->reminder_days[i]));
	c->n_reminders = (int)json_array_size(a);
	return GC_OK;
}

static gc_result config_key(const char *k, json_t *v, struct gc_ra_config *c)
{
	if (strcmp(k, "name") == 0)
		return config_str(v, "name", c->name, sizeof(c->name));
	if (strcmp(k, "max_failed_logins") == 0)
		return config_int(v, k, 1, 100, &c->max_failed_logins);
	if (strcmp(k, "session_seconds") == 0)
		return config_int(v, k, 60, 7 * 86400, &c->session_seconds);
	if (strcmp(k, "revoke_working_days") == 0)
		return config_int(v, k, 1, 30, &c->revoke_working_days);
	if (strcmp(k, "mail_retry_max_seconds") == 0)
		return config_int(v, k, 1, 86400, &c->mail_retry_max_seconds);
	if (strcmp(k, "reminder_days") == 0)
		return config_reminders(v, c);
	if (strcmp(k, "mail") == 0)
		return config_mail(v, c);
	if (strcmp(k, "database") == 0)
		return config_database(v, c);
	if (strcmp(k, "web_root") == 0)
		return config_str(v, k, c->web_root, sizeof(c->web_root));
	if (strcmp(k, "public_url") == 0)
		return config_str(v, k, c->public_url, sizeof(c->public_url));
	if (strcmp(k, "cookie_secure") == 0) {
		GC_ENSURE(json_is_boolean(v), GC_E_CONFIG, "ra.json: cookie_secure must be true or false");
		c->cookie_secure = json_is_true(v);
		return GC_OK;
	}
	return gc_fail(GC_E_CONFIG, "ra.json: unknown key \"%s\"", k);
}

static gc_result config_load(const char *dir, struct gc_ra_config *c)
{
	char path[GC_MAX_PATH];
	unsigned char *text = NULL;
	size_t n;
	json_error_t jerr;
	json_t *root = NULL, *v;
	const char *k;
	gc_result rc;

	config_defaults(c);
	GC_GUARD(gc_path_join(path, sizeof(path), dir, RA_CONFIG));
	GC_ENSURE(gc_path_exists(path), GC_E_CONFIG, "%s: not an RA directory (no %s; gcert ra init)",
	          dir, RA_CONFIG);
	GC_GUARD(gc_file_read(path, GC_MAX_CONFIG_FILE, &text, &n));
	root = json_loadb((const char *)text, n, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	GC_ENSURE(json_is_object(root), GC_E_CONFIG, "%s: line %d: %s", path, jerr.line,
	          root ? "not an object" : jerr.text);
	rc = GC_OK;
	json_object_foreach(root, k, v) {
		if ((rc = config_key(k, v, c)) != GC_OK)
			break;
	}
	json_decref(root);
	GC_GUARD(rc);
	GC_ENSURE(c->name[0] != '\0', GC_E_CONFIG, "ra.json: name (the RA's name at the CA) is missing");
	return GC_OK;
}

/* ---- the directory ---- */

static gc_result load_calendar(struct gc_ra *ra)
{
	char path[GC_MAX_PATH];
	unsigned char *text;
	size_t n;
	gc_result rc;

	gc_calendar_init(&ra->cal);
	GC_GUARD(gc_path_join(path, sizeof(path), ra->dir, RA_HOLIDAYS));
	if (!gc_path_exists(path))
		return gc_calendar_add_text(&ra->cal, "built-in holidays", gc_default_holidays,
		                            strlen(gc_default_holidays));
	GC_GUARD(gc_file_read(path, GC_MAX_CALENDAR_FILE, &text, &n));
	rc = gc_calendar_add_text(&ra->cal, path, (const char *)text, n);
	free(text);
	return rc;
}

/* The database: database.postgresql, else RADIR/ra.db. */
static gc_result db_target(const char *dir, const struct gc_ra_config *c, char *out, size_t outsz)
{
	if (c->postgresql[0] == '\0')
		return gc_path_join(out, outsz, dir, RA_DATABASE);
	GC_ENSURE(strlen(c->postgresql) < outsz, GC_E_CONFIG, "ra.json: database.postgresql is too long");
	memcpy(out, c->postgresql, strlen(c->postgresql) + 1);
	return GC_OK;
}

gc_result gc_ra_open(const char *dir, struct gc_ra **out)
{
	char path[GC_MAX_PATH];
	struct gc_ra *ra;
	gc_result rc;

	if (sodium_init() < 0)
		return gc_fail(GC_E_INTERNAL, "libsodium could not start");
	if ((ra = calloc(1, sizeof(*ra))) == NULL)
		return gc_fail(GC_E_NOMEM, "RA: out of memory");
	pthread_mutex_init(&ra->mu, NULL);
	snprintf(ra->dir, sizeof(ra->dir), "%s", dir);
	if ((rc = config_load(dir, &ra->cfg)) != GC_OK || (rc = db_target(dir, &ra->cfg, path, sizeof(path))) != GC_OK ||
	    (rc = gc_ra_db_open(path, false, &ra->db)) != GC_OK ||
	    (rc = gc_audit_open(ra->db, &ra->audit)) != GC_OK || (rc = load_calendar(ra)) != GC_OK) {
		gc_ra_close(ra);
		return rc;
	}
	*out = ra;
	return GC_OK;
}

/* The audit key of the RA token, registered in the RA database the first time. */
static gc_result open_audit_key(struct gc_ra *ra, struct gc_ra_link *link)
{
	X509 *x = NULL, *made = NULL;
	int64_t id = 0;
	gc_result rc;

	GC_GUARD(gc_audit_key_load(ra->db, &x, &id));
	if ((rc = gc_ra_link_audit_key(link, x, &made)) == GC_OK && made != NULL)
		rc = gc_audit_key_register(ra->db, ra->audit, "ra:service", GC_EV_RA_KEY_GENERATED, made, &id);
	X509_free(x);
	X509_free(made);
	if (rc == GC_OK)
		ra->audit_key_id = id;
	return rc;
}

gc_result gc_ra_open_link(struct gc_ra *ra)
{
	struct gc_ra_link *link;
	gc_result rc;

	if (ra->link != NULL) {
		GC_GUARD(gc_ra_link_configure(ra->link)); /* opened for the token alone, maybe */
		return ra->audit_key_id != 0 ? GC_OK : open_audit_key(ra, ra->link);
	}
	GC_GUARD(gc_ra_link_open(ra->dir, &link));
	if ((rc = open_audit_key(ra, link)) != GC_OK) {
		gc_ra_link_free(link);
		return rc;
	}
	ra->link = link;
	return GC_OK;
}

gc_result gc_ra_checkpoint(struct gc_ra *ra, bool wait, bool *made)
{
	*made = false;
	GC_GUARD(gc_ra_open_link(ra));
	return gc_audit_checkpoint(ra->db, &(struct gc_audit_signer){ra->link,
	                           wait ? gc_ra_link_audit_sign : gc_ra_link_audit_sign_now, ra->audit_key_id}, made);
}

gc_result gc_ra_open_token(struct gc_ra *ra)
{
	if (ra->link != NULL)
		return GC_OK;
	return gc_ra_link_open_token(ra->dir, &ra->link);
}

void gc_ra_close(struct gc_ra *ra)
{
	if (ra == NULL)
		return;
	gc_ra_link_free(ra->link);
	gc_audit_free(ra->audit);
	gc_db_close(ra->db);
	pthread_mutex_destroy(&ra->mu);
	free(ra);
}

gc_result gc_ra_audit(struct gc_ra *ra, const char *actor, int event, const char *object,
                      bool success, const char *detail)
{
	return gc_audit_append(ra->audit, actor, (enum gc_audit_event)event, object, success,
	                       detail ? detail : "");
}

void gc_ra_audit_now(struct gc_ra *ra, const char *actor, int event, const char *object,
                     bool success, const char *detail)
{
	if (gc_db_begin(ra->db) != GC_OK)
		return;
	if (gc_ra_audit(ra, actor, event, object, success, detail) != GC_OK ||
	    gc_db_commit(ra->db) != GC_OK)
		gc_db_rollback(ra->db);
}

gc_result gc_ra_mail_queue(struct gc_ra *ra, const char *to, const char *subject, const char *body)
{
	struct gc_stmt *st;
	int64_t now = (int64_t)time(NULL);
	gc_result rc;

	if (to == NULL || to[0] == '\0')
		return GC_OK; /* App. B note 2: a subscriber may have no address */
	GC_GUARD(gc_db_prepare(ra->db, "INSERT INTO outbox (to_addr, subject, body, created_at, next_at)"
	                               " VALUES (?, ?, ?, ?, ?)", &st));
	if ((rc = gc_stmt_bind_text(st, 1, to)) == GC_OK && (rc = gc_stmt_bind_text(st, 2, subject)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, body)) == GC_OK && (rc = gc_stmt_bind_int64(st, 4, now)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 5, now)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

void gc_ra_hk_time(int64_t t, char out[24])
{
	time_t hk = (time_t)(t + 8 * 3600); /* Asia/Hong_Kong: UTC+8 all year */
	struct tm tm;

	if (gmtime_r(&hk, &tm) == NULL || strftime(out, 24, "%Y-%m-%d %H:%M HKT", &tm) == 0)
		snprintf(out, 24, "?");
}

gc_result gc_ra_notify(struct gc_ra *ra, const char *to, const char *object, const char *subject_en,
                       const char *subject_zh, const char *body_en, const char *body_zh)
{
	struct gc_stmt *st = NULL, *ins = NULL;
	char lang[8] = "en", *mail = NULL;
	int64_t now = (int64_t)time(NULL), users[8];
	int n = 0, i;
	bool row = false;
	size_t len;
	gc_result rc;

	if (to == NULL || to[0] == '\0')
		return GC_OK; /* App. B note 2: a subscriber may have no address */
	GC_GUARD(gc_db_prepare(ra->db, "SELECT id, lang FROM users WHERE lower(email) = lower(?) AND disabled = 0"
	                               " ORDER BY id LIMIT 8", &st));
	if ((rc = gc_stmt_bind_text(st, 1, to)) == GC_OK)
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
			if (n == 0)
				snprintf(lang, sizeof(lang), "%s", gc_stmt_text(st, 1));
			users[n++] = gc_stmt_int64(st, 0);
		}
	gc_stmt_free(st);
	GC_GUARD(rc);
	bool zh = strcmp(lang, "zh-Hant") == 0;
	const char *subject = zh ? subject_zh : subject_en, *body = zh ? body_zh : body_en;
	len = strlen(body) + strlen(ra->cfg.public_url) + 64;
	GC_ENSURE((mail = malloc(len)) != NULL, GC_E_NOMEM, "mail: out of memory");
	if (ra->cfg.public_url[0])
		snprintf(mail, len, "%s\r\n%s %s\r\n", body, zh ? "開啟 CMMP：" : "Open CMMP:", ra->cfg.public_url);
	else
		snprintf(mail, len, "%s", body);
	GC_GUARD_OUT(rc, gc_ra_mail_queue(ra, to, subject, mail));
	GC_GUARD_OUT(rc, gc_db_prepare(ra->db, "INSERT INTO notifications (user_id, at, object, subject, body)"
	                                       " VALUES (?, ?, ?, ?, ?)", &ins));
	for (i = 0; i < n && rc == GC_OK; i++) {
		if ((rc = gc_stmt_bind_int64(ins, 1, users[i])) == GC_OK && (rc = gc_stmt_bind_int64(ins, 2, now)) == GC_OK &&
		    (rc = gc_stmt_bind_text(ins, 3, object)) == GC_OK && (rc = gc_stmt_bind_text(ins, 4, subject)) == GC_OK &&
		    (rc = gc_stmt_bind_text(ins, 5, body)) == GC_OK)
			rc = gc_stmt_run(ins);
		gc_stmt_reset(ins);
	}
out:
	gc_stmt_free(ins);
	free(mail);
	return rc;
}

/* ---- ra init ---- */

static gc_result write_config(const char *dir, const char *name, const char *postgresql)
{
	char path[GC_MAX_PATH];
	json_t *c = json_pack("{s:s, s:i, s:i, s:[i,i], s:i, s:{s:s, s:s}}", "name", name,
	                      "max_failed_logins", 5, "session_seconds", 8 * 3600, "reminder_days", 30,
	                      7, "revoke_working_days", 2, "mail", "smtp_url", "", "from",
	                      "cmmp@ra.example.gov.hk");
	char *text;
	gc_result rc;

	if (c != NULL && postgresql != NULL &&
	    json_object_set_new(c, "database", json_pack("{s:s}", "postgresql", postgresql)) != 0) {
		json_decref(c);
		c = NULL;
	}
	text = c ? json_dumps(c, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(c);
	GC_ENSURE(text != NULL, GC_E_NOMEM, "ra.json: out of memory");
	rc = gc_path_join(path, sizeof(path), dir, RA_CONFIG);
	if (rc == GC_OK)
		rc = gc_file_write(path, text, strlen(text), 0640, 1);
	free(text);
	return rc;
}

static gc_result bd_field(json_t *bd, size_t i, const char *key, size_t max, const char **out)
{
	json_t *v = json_object_get(bd, key);

	GC_ENSURE(json_is_string(v) && json_string_length(v) >= 1 &&
	              gc_utf8_chars(json_string_value(v), json_string_length(v)) >= 1 &&
	              (size_t)gc_utf8_chars(json_string_value(v), json_string_length(v)) <= max,
	          GC_E_CONFIG, "bds.json: entry %zu: %s must be text of 1..%zu characters", i, key, max);
	*out = json_string_value(v);
	return GC_OK;
}

/* data/bds.json: the B/Ds of CPS App. E (I) with a code and their names. */
static gc_result load_bds(struct gc_db *db, const char *path, int revoke_days, int *count)
{
	unsigned char *text;
	size_t n, i;
	json_error_t jerr;
	json_t *root, *bd, *days;
	struct gc_stmt *st = NULL;
	const char *code, *en, *zh;
	gc_result rc = GC_OK;

	GC_GUARD(gc_file_read(path, RA_MAX_BDS_FILE, &text, &n));
	root = json_loadb((const char *)text, n, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	GC_ENSURE(json_is_array(root), GC_E_CONFIG, "%s: line %d: %s", path, jerr.line,
	          root ? "not an array" : jerr.text);
	GC_GUARD_OUT(rc, gc_db_prepare(db, "INSERT INTO orgs (code, name_en, name_zh, revoke_days)"
	                                   " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", &st));
	json_array_foreach(root, i, bd) {
		GC_GUARD_OUT(rc, bd_field(bd, i, "code", 16, &code));
		GC_GUARD_OUT(rc, bd_field(bd, i, "name_en", GC_RA_MAX_NAME, &en));
		GC_GUARD_OUT(rc, bd_field(bd, i, "name_zh", GC_RA_MAX_NAME, &zh));
		GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 1, code));
		GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 2, en));
		GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 3, zh));
		days = json_object_get(bd, "revoke_working_days");
		GC_ENSURE_OUT(rc, days == NULL || (json_is_integer(days) && json_integer_value(days) >= 1 &&
		                                  json_integer_value(days) <= 30),
		              GC_E_CONFIG, "bds.json: entry %zu: revoke_working_days must be 1..30", i);
		GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 4, days ? json_integer_value(days) : revoke_days));
		GC_GUARD_OUT(rc, gc_stmt_run(st));
	}
	*count = (int)json_array_size(root);
out:
	gc_stmt_free(st);
	json_decref(root);
	return rc;
}

gc_result gc_ra_create(const char *dir, const char *name, const char *bds_path, const char *postgresql,
                       const char *actor)
{
	char path[GC_MAX_PATH], detail[128];
	struct gc_db *db = NULL;
	struct gc_audit *audit = NULL;
	int count = 0;
	gc_result rc;

	GC_GUARD(gc_mkdir(dir, 0750, 0));
	GC_GUARD(gc_path_join(path, sizeof(path), dir, RA_CONFIG));
	GC_ENSURE(!gc_path_exists(path), GC_E_DIR_EXISTS, "%s: already an RA directory", dir);
	GC_ENSURE(postgresql == NULL || strlen(postgresql) < GC_MAX_PATH, GC_E_USAGE, "--postgresql: too long");
	/* a PostgreSQL database that holds an RA or a CA is refused before anything is made */
	if (postgresql != NULL)
		GC_GUARD(gc_ra_db_create(postgresql, &db));
	GC_GUARD_OUT(rc, gc_ra_link_init(dir));
	GC_GUARD_OUT(rc, write_config(dir, name, postgresql));
	if (db == NULL) {
		GC_GUARD_OUT(rc, gc_path_join(path, sizeof(path), dir, RA_DATABASE));
		GC_GUARD_OUT(rc, gc_ra_db_create(path, &db));
	}
	GC_GUARD_OUT(rc, gc_audit_open(db, &audit));
	GC_GUARD_OUT(rc, gc_db_begin(db));
	if ((rc = load_bds(db, bds_path, 2, &count)) == GC_OK) {
		snprintf(detail, sizeof(detail), "RA %s: %d B/Ds of CPS App. E loaded", name, count);
		rc = gc_audit_append(audit, actor, GC_EV_RA_INIT, name, true, detail);
	}
	if (rc == GC_OK)
		rc = gc_db_commit(db);
	else
		gc_db_rollback(db);
out:
	gc_audit_free(audit);
	gc_db_close(db);
	return rc;
}

/* ---- users and application tokens ---- */

gc_result gc_ra_user_add(struct gc_ra *ra, const char *actor, const char *org_code,
                         const char *username, const char *name, const char *email,
                         const char *password, bool bd_admin, enum gc_ra_duty duty, bool must_change,
                         int64_t *id)
{
	static const char *const duties[] = {NULL, "requester", "business_manager"};
	char hash[crypto_pwhash_STRBYTES], detail[256];
	struct gc_stmt *st = NULL;
	bool row = false;
	gc_result rc;

	GC_ENSURE(strlen(password) >= GC_RA_MIN_PASSWORD && strlen(password) <= GC_MAX_PASSWORD,
	          GC_E_REQUEST_FIELD, "user %s: password must have %d..%d characters", username,
	          GC_RA_MIN_PASSWORD, GC_MAX_PASSWORD);
	GC_ENSURE(crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                            crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0,
	          GC_E_NOMEM, "user %s: password hashing ran out of memory", username);
	GC_GUARD(gc_db_begin(ra->db));
	GC_GUARD_OUT(rc, gc_db_prepare(ra->db,
	                               "INSERT INTO users (org_id, username, name, email, pw_hash, duty,"
	                               " bd_admin, created_at, must_change) SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM orgs"
	                               " WHERE code = ? RETURNING id", &st));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 1, username));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 2, name));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 3, email));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 4, hash));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 5, duties[duty]));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 6, bd_admin ? 1 : 0));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 7, (int64_t)time(NULL)));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 8, must_change ? 1 : 0));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 9, org_code));
	rc = gc_stmt_step(st, &row);
	if (rc == GC_E_DB_CONSTRAINT)
		rc = gc_fail(GC_E_CONFLICT, "user %s: the user name is taken", username);
	GC_GUARD_OUT(rc, rc);
	GC_ENSURE_OUT(rc, row, GC_E_NOT_FOUND, "organisation %s: no such B/D (see GET /api/orgs)", org_code);
	*id = gc_stmt_int64(st, 0);
	gc_stmt_reset(st);
	snprintf(detail, sizeof(detail), "B/D %s, roles:%s%s", org_code, bd_admin ? " bd_admin" : "",
	         duty ? duties[duty] : "");
	GC_GUARD_OUT(rc, gc_ra_audit(ra, actor, GC_EV_RA_USER_ADDED, username, true, detail));
	rc = gc_db_commit(ra->db);
out:
	sodium_memzero(hash, sizeof(hash));
	gc_stmt_free(st);
	if (rc != GC_OK)
		gc_db_rollback(ra->db);
	return rc;
}

static gc_result hash_password(const char *who, const char *password, char hash[crypto_pwhash_STRBYTES])
{
	GC_ENSURE(strlen(password) >= GC_RA_MIN_PASSWORD && strlen(password) <= GC_MAX_PASSWORD,
	          GC_E_REQUEST_FIELD, "%s: password must have %d..%d characters", who, GC_RA_MIN_PASSWORD,
	          GC_MAX_PASSWORD);
	GC_ENSURE(crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                            crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0,
	          GC_E_NOMEM, "%s: password hashing ran out of memory", who);
	return GC_OK;
}

/* Runs one statement binding "i" int64 / "s" text arguments; *changes the rows it changed. */
gc_result gc_ra_exec(struct gc_ra *ra, const char *sql, int64_t *changes, const char *fmt, ...)
{
	struct gc_stmt *st;
	va_list ap;
	gc_result rc = GC_OK;
	int i;

	GC_GUARD(gc_db_prepare(ra->db, sql, &st));
	va_start(ap, fmt);
	for (i = 0; fmt[i] && rc == GC_OK; i++)
		rc = fmt[i] == 'i' ? gc_stmt_bind_int64(st, i + 1, va_arg(ap, int64_t))
		                   : gc_stmt_bind_text(st, i + 1, va_arg(ap, const char *));
	va_end(ap);
	if (rc == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	if (rc == GC_OK && changes != NULL)
		*changes = gc_db_changes(ra->db);
	return rc;
}

gc_result gc_ra_user_set_password(struct gc_ra *ra, const char *actor, int64_t user, const char *password,
                                  bool must_change, int event)
{
	char hash[crypto_pwhash_STRBYTES], obj[32];
	bool reset = event == GC_EV_RA_PASSWORD_RESET;
	int64_t n = 0;
	gc_result rc;

	snprintf(obj, sizeof(obj), "user %lld", (long long)user);
	GC_GUARD(hash_password(obj, password, hash));
	GC_GUARD_OUT(rc, gc_db_begin(ra->db));
	rc = gc_ra_exec(ra, reset ? "UPDATE users SET pw_hash = ?, must_change = ?, locked = 0, failed_logins = 0 WHERE id = ?"
	                         : "UPDATE users SET pw_hash = ?, must_change = ? WHERE id = ?",
	               &n, "sii", hash, (int64_t)(must_change ? 1 : 0), user);
	if (rc == GC_OK && n != 1)
		rc = gc_fail(GC_E_NOT_FOUND, "%s: no such user", obj);
	if (rc == GC_OK && reset)
		rc = gc_ra_exec(ra, "DELETE FROM sessions WHERE user_id = ?", NULL, "i", user);
	if (rc == GC_OK)
		rc = gc_ra_audit(ra, actor, (enum gc_audit_event)event, obj, true,
		                 must_change ? "to be changed at the next login; sessions ended" : "");
	if (rc == GC_OK)
		rc = gc_db_commit(ra->db);
	else
		gc_db_rollback(ra->db);
out:
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

gc_result gc_ra_user_recover_admin(struct gc_ra *ra, const char *actor, const char *username, const char *password)
{
	char hash[crypto_pwhash_STRBYTES];
	int64_t n = 0;
	gc_result rc;

	GC_GUARD(hash_password(username, password, hash));
	GC_GUARD_OUT(rc, gc_db_begin(ra->db));
	rc = gc_ra_exec(ra, "UPDATE users SET pw_hash = ?, must_change = 1, locked = 0, failed_logins = 0, disabled = 0,"
	                   " bd_admin = 1 WHERE username = ?", &n, "ss", hash, username);
	if (rc == GC_OK && n != 1)
		rc = gc_fail(GC_E_NOT_FOUND, "user %s: no such user (gcert ra user add makes one)", username);
	if (rc == GC_OK)
		rc = gc_ra_exec(ra, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)", NULL,
		               "s", username);
	if (rc == GC_OK)
		rc = gc_ra_audit(ra, actor, GC_EV_RA_ADMIN_RECOVERED, username, true,
		                 "B/D administrator, unlocked and enabled; password to be changed at the next login");
	if (rc == GC_OK)
		rc = gc_db_commit(ra->db);
	else
		gc_db_rollback(ra->db);
out:
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

gc_result gc_ra_app_token(struct gc_ra *ra, const char *actor, const char *app_name, char token[65])
{
	char tok[65], hash[65];
	struct gc_stmt *st = NULL;
	gc_result rc;

	GC_ENSURE(app_name[0] != '\0' && strlen(app_name) <= 64 && gc_utf8_chars(app_name, strlen(app_name)) > 0,
	          GC_E_USAGE, "--name: 1..64 characters naming the designated application");
	gc_ra_random_hex(tok);
	gc_ra_sha256_hex(tok, 64, hash);
	GC_GUARD(gc_db_begin(ra->db));
	GC_GUARD_OUT(rc, gc_db_prepare(ra->db, "INSERT INTO app_tokens (name, token_hash, created_at)"
	                                       " VALUES (?, ?, ?)", &st));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 1, app_name));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 2, hash));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 3, (int64_t)time(NULL)));
	rc = gc_stmt_run(st);
	if (rc == GC_E_DB_CONSTRAINT)
		rc = gc_fail(GC_E_CONFLICT, "application %s already has a token", app_name);
	GC_GUARD_OUT(rc, rc);
	GC_GUARD_OUT(rc, gc_ra_audit(ra, actor, GC_EV_RA_APP_TOKEN, app_name, true, "token made"));
	GC_GUARD_OUT(rc, gc_db_commit(ra->db));
	memcpy(token, tok, sizeof(tok));
out:
	sodium_memzero(tok, sizeof(tok));
	gc_stmt_free(st);
	if (rc != GC_OK)
		gc_db_rollback(ra->db);
	return rc;
}
