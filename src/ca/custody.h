/*
 * custody.h - secrets under multi-person control (CPS §6.2.4: a backup of CA keys needs
 * more than one person to restore; §6.2.2, §6.4 the same for activation data). A secret
 * is split with Shamir's scheme (libgfshare, GF(2^8)) into N shares of which any M
 * rebuild it; each share is sealed under its custodian's passphrase (libsodium: argon2id
 * derives the key, XChaCha20-Poly1305 seals the share, the share's identity bound as
 * associated data) into a share file of its own. Nothing here is specific to backups:
 * M-of-N activation reuses it with another purpose.
 */
#ifndef GCERT_CA_CUSTODY_H
#define GCERT_CA_CUSTODY_H

#include <stddef.h>

#include "core/error.h"
#include "core/limits.h"

#define GC_SHARE_FORMAT "gcert-share/1"
#define GC_CUSTODY_SECRET_MAX 64
/* A passphrase shorter than this is refused: it is all that protects a share file. */
#define GC_MIN_PASSPHRASE 12

struct gc_share {
	unsigned char nr; /* libgfshare's share number, 1..255 */
	unsigned char data[GC_CUSTODY_SECRET_MAX];
	size_t len;
};

/* What a share belongs to; bound into its seal, so a share cannot be moved. */
struct gc_share_meta {
	char purpose[16];   /* "backup", "activation" */
	char id[65];        /* the backup id, the CA key label, ... */
	unsigned custodian; /* 1..of */
	unsigned of;        /* N */
	unsigned threshold; /* M */
};

/* Splits secret into n shares (numbered 1..n), any m of which rebuild it. 2 <= m <= n. */
gc_result gc_custody_split(const unsigned char *secret, size_t len, unsigned n, unsigned m,
                           struct gc_share *shares) GC_MUST_CHECK;
/* Rebuilds the secret from count distinct shares; fails (GC_E_SHARES) below m. */
gc_result gc_custody_combine(const struct gc_share *shares, unsigned count, unsigned m,
                             unsigned char *secret, size_t len) GC_MUST_CHECK;

/* Seals a share under a passphrase into share-file JSON (caller frees). Slow on purpose
 * (argon2id, libsodium's "moderate" cost). */
gc_result gc_custody_seal(const struct gc_share *, const struct gc_share_meta *, const char *pass,
                          size_t passlen, char **json) GC_MUST_CHECK;
/* Opens a share file: a wrong passphrase or any change to the file is GC_E_PASSPHRASE. */
gc_result gc_custody_open(const char *json, size_t len, const char *pass, size_t passlen,
                          struct gc_share_meta *meta, struct gc_share *out) GC_MUST_CHECK;

/*
 * Reads a passphrase named by spec: "env:NAME" (an environment variable) or "file:PATH"
 * (a file readable by its owner only; one trailing newline dropped). Passphrases never
 * come from the command line, and are never logged. Wipe buf after use.
 */
gc_result gc_passphrase_read(const char *spec, char *buf, size_t bufsz, size_t *len) GC_MUST_CHECK;

#endif
