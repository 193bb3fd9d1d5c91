/*
 * archive.h - the archive (CPS §4.6) and the CA termination export (§4.9): one signed,
 * time-stamped bundle of every certificate issued (CA and subscriber), every CRL and
 * ARL (the crls table and the published files under the repository's crl/, when present),
 * every CPS version (those built into the program, DIR/data/cps/ and --cps-dir), the
 * configuration (never the PIN) and the audit
 * trail with its hashes, checkpoints and audit key certificates (§4.6.1 "what is needed
 * to verify the archive").
 *
 * Bundle: a POSIX tar. manifest.json lists each item with kind, size, SHA-256 and the
 * time of the object it holds (§4.6.5); manifest.p7 is a CMS SignedData of those exact
 * bytes, signed by the audit key (never a CA key, §6.1.6) with a signingTime. Anyone can
 * check it with `gcert archive verify` alone: no token, no database, no CA running.
 */
#ifndef GCERT_CA_ARCHIVE_H
#define GCERT_CA_ARCHIVE_H

#include <openssl/x509.h>

#include "ca/ca.h"

#define GC_ARCHIVE_FORMAT "gcert-archive/1"

struct gc_archive_summary {
	long items;
	long certs, crls, cps;
	long records, checkpoints;
	char signer_sha256[65]; /* the audit key certificate that signed the manifest */
	char created[21];
};

/* Writes the bundle to out (never overwritten). cps_dir: extra CPS versions, or NULL. */
gc_result gc_archive_export(struct gc_ca *, const char *out, const char *cps_dir,
                            struct gc_archive_summary *) GC_MUST_CHECK;

/*
 * Verifies a bundle: the manifest signature (by pinned when given, else by the audit key
 * certificate inside the bundle, which must also be the one that signed the checkpoints),
 * every item's size and SHA-256, no item added or missing, and the audit chain with its
 * checkpoints. Failures are GC_E_ARCHIVE or GC_E_AUDIT_TAMPERED naming the item.
 */
gc_result gc_archive_verify(const char *path, X509 *pinned, struct gc_archive_summary *) GC_MUST_CHECK;

#endif
