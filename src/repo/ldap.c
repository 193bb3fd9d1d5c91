/*
 * ldap.c - the LDAP publisher (see repo_ldap.h; CPS §2.5, §2.5.3, App. C I).
 *
 * Entries (docs/repository.md), under the suffix <base> = "o=Hongkong Post,c=HK":
 *   cn=<root CA name>,<base>          applicationProcess + pkiCA: cACertificate;binary,
 *                                     authorityRevocationList;binary (the ARL, App. C II)
 *   cn=<issuing CA name>,<base>       applicationProcess + pkiCA: cACertificate;binary
 *   cn=<issuing CA name> CRL1,<base>  cRLDistributionPoint: certificateRevocationList;binary
 *                                     (the full CRL; App. C I names this entry)
 *   cn=<issuing CA name> CRL2,<base>  cRLDistributionPoint: the partitioned CRL
 *   uid=<serial>,ou=g-Cert,<base>     inetOrgPerson + pkiUser: userCertificate;binary,
 *                                     cn, sn, mail, ou (one entry per certificate)
 */
#include "repo/repo.h"

#include <ldap.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "sys/worker.h"
#include "core/cps_repo.h"
#include "core/limits.h"
#include "core/repo.h"
#include "store/db.h"
#include "store/repostore.h"
#include "sys/fileio.h"

struct gc_repo_ldap {
	char uri[256];
	char password[GC_MAX_PASSWORD];
	char dbpath[GC_MAX_PATH];
	char actor[96];
	struct gc_config cfg;
	struct gc_loop loop;
	struct gc_db *db;
	struct gc_audit *audit;
	LDAP *ld;
	long backoff_ms;
	bool base_ready;
};

/* ---- modification lists ---- */

#define MAX_MODS 10
#define MAX_VALS 3

struct mods {
	LDAPMod m[MAX_MODS];
	LDAPMod *p[MAX_MODS + 1];
	struct berval bv[MAX_MODS][MAX_VALS];
	struct berval *bvp[MAX_MODS][MAX_VALS + 1];
	int n;
};

static void mods_add(struct mods *ms, const char *type, const char *const *vals,
                     const size_t *lens, int nvals)
{
	int i, k = ms->n;

	if (k >= MAX_MODS || nvals > MAX_VALS || nvals < 1)
		return; /* fixed shapes below never reach this */
	for (i = 0; i < nvals; i++) {
		ms->bv[k][i].bv_val = (char *)vals[i];
		ms->bv[k][i].bv_len = lens[i];
		ms->bvp[k][i] = &ms->bv[k][i];
	}
	ms->bvp[k][nvals] = NULL;
	ms->m[k].mod_op = LDAP_MOD_BVALUES;
	ms->m[k].mod_type = (char *)type;
	ms->m[k].mod_bvalues = ms->bvp[k];
	ms->p[k] = &ms->m[k];
	ms->p[++ms->n] = NULL;
}

static void mods_str(struct mods *ms, const char *type, const char *v)
{
	const char *vals[1] = {v};
	size_t lens[1] = {strlen(v)};

	if (v[0] != '\0')
		mods_add(ms, type, vals, lens, 1);
}

static void mods_bin(struct mods *ms, const char *type, const unsigned char *v, size_t n)
{
	const char *vals[1] = {(const char *)v};
	size_t lens[1] = {n};

	mods_add(ms, type, vals, lens, 1);
}

static void mods_set_op(struct mods *ms, int op)
{
	int i;

	for (i = 0; i < ms->n; i++)
		ms->m[i].mod_op = op | LDAP_MOD_BVALUES;
}

/* What one entry should hold: its naming, classes, and the attributes we own. */
struct entry {
	char dn[1024];
	const char *rdn_attr;
	const char *rdn_value;
	const char *classes[MAX_VALS];
	int nclasses;
	struct mods attrs;
};

/*
 * Idempotent upsert: replace our attributes; if the entry is missing, add it whole.
 * Returns an LDAP result code.
 */
static int entry_apply(LDAP *ld, struct entry *e)
{
	struct mods add;
	size_t lens[MAX_VALS];
	int rc, i;

	mods_set_op(&e->attrs, LDAP_MOD_REPLACE);
	rc = ldap_modify_ext_s(ld, e->dn, e->attrs.p, NULL, NULL);
	if (rc != LDAP_NO_SUCH_OBJECT)
		return rc;
	memset(&add, 0, sizeof(add));
	for (i = 0; i < e->nclasses; i++)
		lens[i] = strlen(e->classes[i]);
	mods_add(&add, "objectClass", e->classes, lens, e->nclasses);
	mods_str(&add, e->rdn_attr, e->rdn_value);
	for (i = 0; i < e->attrs.n; i++) {
		const char *v[1] = {e->attrs.bv[i][0].bv_val};
		size_t l[1] = {e->attrs.bv[i][0].bv_len};
		mods_add(&add, e->attrs.m[i].mod_type, v, l, 1);
	}
	mods_set_op(&add, LDAP_MOD_ADD);
	rc = ldap_add_ext_s(ld, e->dn, add.p, NULL, NULL);
	if (rc == LDAP_ALREADY_EXISTS) /* someone added it meanwhile: replace after all */
		rc = ldap_modify_ext_s(ld, e->dn, e->attrs.p, NULL, NULL);
	return rc;
}

/* ---- the entries of the scheme ---- */

gc_result gc_repo_ldap_cert_dn(const char *base, const char *serial, char *out, size_t outsz)
{
	char ou[512];

	GC_GUARD(gc_ldap_dn("ou", CPS_LDAP_SUBSCRIBERS_OU, base, ou, sizeof(ou)));
	return gc_ldap_dn("uid", serial, ou, out, outsz);
}

static gc_result ca_entry(const struct gc_config *cfg, const char *cn, struct entry *e)
{
	GC_GUARD(gc_ldap_dn("cn", cn, cfg->repo.ldap_base, e->dn, sizeof(e->dn)));
	e->rdn_attr = "cn", e->rdn_value = cn;
	e->classes[0] = "applicationProcess", e->classes[1] = "pkiCA", e->nclasses = 2;
	return GC_OK;
}

/* App. B: an individual's name is "SURNAME Given Names"; a functional unit has no surname. */
static void surname(const struct gc_repo_cert *c, char *out, size_t outsz)
{
	const char *sp = strchr(c->subject_cn, ' ');

	if (strcmp(c->role, "individual") == 0 && sp != NULL && sp != c->subject_cn)
		snprintf(out, outsz, "%.*s", (int)(sp - c->subject_cn), c->subject_cn);
	else
		snprintf(out, outsz, "%s", c->subject_cn);
}

static gc_result op_entry(const struct gc_config *cfg, const struct gc_outbox_op *op,
                          struct entry *e, char *scratch, size_t scratchsz, const char **attr)
{
	const struct gc_repo_file *f;

	memset(e, 0, sizeof(*e));
	if (op->kind == GC_OUTBOX_CA_CERT) {
		GC_GUARD(ca_entry(cfg, op->c.subject_cn, e));
		mods_bin(&e->attrs, *attr = "cACertificate;binary", op->c.der, op->c.dersz);
		return GC_OK;
	}
	if (op->kind == GC_OUTBOX_CERT) {
		GC_GUARD(gc_repo_ldap_cert_dn(cfg->repo.ldap_base, op->c.serial, e->dn, sizeof(e->dn)));
		e->rdn_attr = "uid", e->rdn_value = op->c.serial;
		e->classes[0] = "inetOrgPerson", e->classes[1] = "pkiUser", e->nclasses = 2;
		surname(&op->c, scratch, scratchsz);
		mods_str(&e->attrs, "cn", op->c.subject_cn);
		mods_str(&e->attrs, "sn", scratch);
		mods_str(&e->attrs, "mail", op->c.email);
		mods_str(&e->attrs, "ou", op->c.organisation);
		mods_bin(&e->attrs, *attr = "userCertificate;binary", op->c.der, op->c.dersz);
		return GC_OK;
	}
	GC_ENSURE((f = gc_repo_file_find(op->object)) != NULL, GC_E_INTERNAL,
	          "LDAP outbox %lld: unknown repository file \"%.64s\"", (long long)op->id, op->object);
	if (f->entry == GC_REPO_ENTRY_ROOT) {
		GC_GUARD(ca_entry(cfg, cfg->root.cn, e));
	} else {
		snprintf(scratch, scratchsz, "%s CRL%d", cfg->issuing.cn, f->entry == GC_REPO_ENTRY_CRL1 ? 1 : 2);
		GC_GUARD(gc_ldap_dn("cn", scratch, cfg->repo.ldap_base, e->dn, sizeof(e->dn)));
		e->rdn_attr = "cn", e->rdn_value = scratch;
		e->classes[0] = "cRLDistributionPoint", e->nclasses = 1;
	}
	mods_bin(&e->attrs, *attr = f->ldap_attr, op->c.der, op->c.dersz);
	return GC_OK;
}

/* The suffix entry and the subscribers' container, once per connection. */
static int ensure_base(struct gc_repo_ldap *p)
{
	struct entry e;
	const char *base = p->cfg.repo.ldap_base;
	char value[256];
	size_t n = strcspn(base, ",");
	int rc;

	memset(&e, 0, sizeof(e));
	if (strncmp(base, "o=", 2) == 0 && n - 2 < sizeof(value) && strchr(base, '\\') == NULL) {
		snprintf(value, sizeof(value), "%.*s", (int)(n - 2), base + 2);
		snprintf(e.dn, sizeof(e.dn), "%s", base);
		e.rdn_attr = "o", e.rdn_value = value;
		e.classes[0] = "organization", e.nclasses = 1;
		mods_str(&e.attrs, "description", "Hongkong Post g-Cert repository (CPS §2.5)");
		if ((rc = entry_apply(p->ld, &e)) != LDAP_SUCCESS)
			return rc;
	}
	memset(&e, 0, sizeof(e));
	if (gc_ldap_dn("ou", CPS_LDAP_SUBSCRIBERS_OU, base, e.dn, sizeof(e.dn)) != GC_OK)
		return LDAP_PARAM_ERROR;
	e.rdn_attr = "ou", e.rdn_value = CPS_LDAP_SUBSCRIBERS_OU;
	e.classes[0] = "organizationalUnit", e.nclasses = 1;
	mods_str(&e.attrs, "description", "g-Cert subscriber certificates, one entry per serial; "
	                                  "read by DN only (CPS §2.7)");
	return entry_apply(p->ld, &e);
}

/* ---- connection ---- */

static void disconnect(struct gc_repo_ldap *p)
{
	if (p->ld != NULL)
		ldap_unbind_ext_s(p->ld, NULL, NULL);
	p->ld = NULL;
	p->base_ready = false;
}

static int connect_bind(struct gc_repo_ldap *p)
{
	struct timeval tv = {GC_LDAP_TIMEOUT_S, 0};
	struct berval cred = {strlen(p->password), p->password};
	int v3 = LDAP_VERSION3, rc;

	if ((rc = ldap_initialize(&p->ld, p->uri)) != LDAP_SUCCESS) {
		p->ld = NULL;
		return rc;
	}
	ldap_set_option(p->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(p->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(p->ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(p->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	rc = ldap_sasl_bind_s(p->ld, p->cfg.repo.ldap_bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc == LDAP_SUCCESS)
		rc = ensure_base(p);
	if (rc != LDAP_SUCCESS)
		disconnect(p);
	else
		p->base_ready = true;
	return rc;
}

/* ---- the loop ---- */

/* Forgets the applied rows, each with its audit record, in one transaction. */
static gc_result commit_applied(struct gc_repo_ldap *p, const struct gc_outbox_op *ops,
                                const char (*dns)[1024], const char *const *attrs, size_t n)
{
	char detail[1200];
	gc_result rc;
	size_t i;

	GC_GUARD(gc_db_begin(p->db));
	for (i = 0; i < n; i++) {
		GC_GUARD_OUT(rc, gc_outbox_delete(p->db, ops[i].id));
		snprintf(detail, sizeof(detail), "%s %s (%zu bytes) at %s, outbox #%lld", dns[i], attrs[i],
		         ops[i].c.dersz, p->uri, (long long)ops[i].id);
		GC_GUARD_OUT(rc, gc_audit_append(p->audit, p->actor, GC_EV_REPO_LDAP_PUBLISHED,
		                                 ops[i].object, true, detail));
	}
	return gc_db_commit(p->db);
out:
	gc_db_rollback(p->db);
	return rc;
}

/* Applies up to GC_LDAP_BATCH rows in order; stops at the first failure. */
static void publish_batch(struct gc_repo_ldap *p, bool *idle, bool *failed)
{
	static _Thread_local struct gc_outbox_op ops[GC_LDAP_BATCH];
	static _Thread_local char dns[GC_LDAP_BATCH][1024];
	const char *attrs[GC_LDAP_BATCH];
	char scratch[512], err[256];
	struct entry e;
	size_t n = 0, done = 0;
	int rc = LDAP_SUCCESS;

	*idle = *failed = false;
	if (gc_outbox_pending(p->db, ops, GC_LDAP_BATCH, &n) != GC_OK) {
		*failed = true; /* database busy or gone: try again after a pause */
		return;
	}
	*idle = n == 0;
	for (done = 0; done < n; done++) {
		if (op_entry(&p->cfg, &ops[done], &e, scratch, sizeof(scratch), &attrs[done]) != GC_OK) {
			snprintf(err, sizeof(err), "%s [%s]", gc_err_detail(), gc_code_name(gc_err_code()));
			rc = LDAP_OTHER;
			break;
		}
		snprintf(dns[done], sizeof(dns[done]), "%s", e.dn);
		if ((rc = entry_apply(p->ld, &e)) != LDAP_SUCCESS) {
			(void)gc_fail(GC_E_LDAP, "%s: %s", e.dn, ldap_err2string(rc));
			snprintf(err, sizeof(err), "%s [%s]", gc_err_detail(), gc_code_name(GC_E_LDAP));
			break;
		}
	}
	if (done > 0 && commit_applied(p, ops, dns, attrs, done) != GC_OK)
		*failed = true; /* the rows stay and are applied again: updates are idempotent */
	if (done < n) {
		if (gc_outbox_note_failure(p->db, ops[done].id, err) != GC_OK) {
			/* only the attempt counter is lost; the row itself stays */
		}
		*failed = true;
		disconnect(p);
	}
	gc_outbox_ops_clear(ops, n);
}

/* What waits learns why: the first row records the failure to reach the directory. */
static void note_unreachable(struct gc_repo_ldap *p, int ldaprc)
{
	char err[512];

	(void)gc_fail(GC_E_LDAP, "%s: bind as %s: %s", p->uri, p->cfg.repo.ldap_bind_dn,
	              ldap_err2string(ldaprc));
	snprintf(err, sizeof(err), "%s [%s]", gc_err_detail(), gc_code_name(GC_E_LDAP));
	if (gc_outbox_note_head_failure(p->db, err) != GC_OK) {
		/* only the note is lost; the row itself stays */
	}
}

static void *publisher_main(void *arg)
{
	struct gc_repo_ldap *p = arg;
	bool idle, failed;
	int rc;

	p->backoff_ms = GC_LDAP_BACKOFF_MIN_MS;
	do {
		if (p->ld == NULL && (rc = connect_bind(p)) != LDAP_SUCCESS) {
			note_unreachable(p, rc);
			failed = true, idle = false;
		} else {
			publish_batch(p, &idle, &failed);
		}
		if (failed) {
			/* slapd down or refusing: keep everything, retry later, less and less often */
			if (!gc_loop_sleep(&p->loop, p->backoff_ms))
				break;
			p->backoff_ms = p->backoff_ms * 2 > GC_LDAP_BACKOFF_MAX_MS ? GC_LDAP_BACKOFF_MAX_MS
			                                                          : p->backoff_ms * 2;
			continue;
		}
		p->backoff_ms = GC_LDAP_BACKOFF_MIN_MS;
		if (idle && !gc_loop_sleep(&p->loop, GC_LDAP_POLL_MS))
			break;
	} while (gc_loop_sleep(&p->loop, 0));
	disconnect(p);
	return NULL;
}

/* ---- life cycle ---- */

/* The publisher's password: the owner's alone, like the token PIN. */
static gc_result read_password(const char *path, char *out, size_t outsz)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t len = 0;

	GC_ENSURE(stat(path, &st) == 0, GC_E_CONFIG, "%s: LDAP password file missing "
	          "(scripts/slapd.sh start makes one)", path);
	GC_ENSURE((st.st_mode & 077) == 0, GC_E_CONFIG, "%s: password file is readable by others "
	          "(mode %03o); chmod 600 it", path, (unsigned)(st.st_mode & 0777));
	GC_GUARD(gc_file_read(path, GC_MAX_PASSWORD, &buf, &len));
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0 || len >= outsz || memchr(buf, '\0', len) != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		return gc_fail(GC_E_CONFIG, "%s: password file empty or too long", path);
	}
	memcpy(out, buf, len);
	out[len] = '\0';
	OPENSSL_cleanse(buf, len);
	free(buf);
	return GC_OK;
}

gc_result gc_repo_ldap_new(const struct gc_repo_ldap_options *o, struct gc_repo_ldap **out)
{
	struct gc_repo_ldap *p;
	gc_result rc;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	p->cfg = *o->cfg;
	GC_ENSURE_OUT(rc, strlen(o->uri) < sizeof(p->uri) && strlen(o->dbpath) < sizeof(p->dbpath),
	              GC_E_CONFIG, "LDAP: URI or path too long");
	GC_ENSURE_OUT(rc, ldap_is_ldap_url(o->uri), GC_E_LDAP, "LDAP: \"%.64s\" is not an ldap:// URI",
	              o->uri);
	snprintf(p->uri, sizeof(p->uri), "%s", o->uri);
	snprintf(p->dbpath, sizeof(p->dbpath), "%s", o->dbpath);
	snprintf(p->actor, sizeof(p->actor), "%s", o->actor);
	GC_GUARD_OUT(rc, read_password(o->password_file, p->password, sizeof(p->password)));
	GC_GUARD_OUT(rc, gc_db_open(p->dbpath, false, &p->db));
	GC_GUARD_OUT(rc, gc_audit_open(p->db, &p->audit));
	*out = p;
	return GC_OK;
out:
	gc_repo_ldap_free(p);
	return rc;
}

void gc_repo_ldap_free(struct gc_repo_ldap *p)
{
	if (p == NULL)
		return;
	gc_loop_stop(&p->loop);
	disconnect(p);
	gc_audit_free(p->audit);
	gc_db_close(p->db);
	OPENSSL_cleanse(p->password, sizeof(p->password));
	free(p);
}

gc_result gc_repo_ldap_start(void *arg)
{
	struct gc_repo_ldap *p = arg;

	return gc_loop_start(&p->loop, publisher_main, p);
}

void gc_repo_ldap_stop(void *arg)
{
	gc_loop_stop(&((struct gc_repo_ldap *)arg)->loop);
}
