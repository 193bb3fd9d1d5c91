/*
 * backup.h - backup and disaster recovery (CPS §4.8.1 daily backup of business and CA
 * system data; §6.2.4 the CA keys' backup is encrypted and more than one person is
 * needed to restore it).
 *
 * A backup is one file: an online, consistent snapshot of the database (SQLite's backup
 * API), the token's object store (SoftHSM2 files: the CA keys, wrapped by the token
 * itself), its user PIN and the rest of the CA directory, as a tar, encrypted with a
 * random key (libsodium secretstream, XChaCha20-Poly1305). The key exists nowhere but
 * in N Shamir shares, M of which rebuild it, each sealed under one custodian's
 * passphrase in a share file of its own (custody.h).
 *
 * File: "GCERTBK1", u32 big-endian header length, the header (JSON: format, backup id,
 * created, custodians, threshold), the secretstream header, then chunks (u32 length,
 * ciphertext); the header is authenticated with the first chunk, the last chunk carries
 * the FINAL tag (so truncation is caught).
 */
#ifndef GCERT_CA_BACKUP_H
#define GCERT_CA_BACKUP_H

#include "ca/ca.h"

#define GC_BACKUP_MAGIC "GCERTBK1"
#define GC_BACKUP_FORMAT "gcert-backup/1"

struct gc_backup_options {
	const char *out;         /* the backup file; never overwritten */
	const char *share_dir;   /* where the share files go */
	unsigned custodians;     /* N */
	unsigned threshold;      /* M */
	const char *const *passphrases; /* N specs: "env:NAME" or "file:PATH" */
};

/* Takes a backup while the CA runs; audited (backup.made) before the snapshot, so the
 * restored trail shows it. id (33 bytes) receives the backup id. */
gc_result gc_backup(struct gc_ca *, const struct gc_backup_options *, char *id) GC_MUST_CHECK;

struct gc_restore_options {
	const char *from;        /* the backup file */
	const char *const *shares;      /* share files */
	const char *const *passphrases; /* their custodians' passphrase specs, same order */
	unsigned nshares;
	const char *dir;         /* the new CA directory: absent or empty */
	const char *postgresql;  /* the empty database for a CA kept in PostgreSQL, or NULL */
	const char *actor;
};

/*
 * Brings the CA back into an empty directory: fewer than M shares, a wrong passphrase or
 * an altered file fail before anything is written. Then the token's keys are checked
 * against the CA certificates, the audit trail verified, and the restore audited
 * (backup.restored) and sealed. On failure the directory is removed again.
 */
gc_result gc_restore(const struct gc_restore_options *, char *id) GC_MUST_CHECK;

#endif
