/*
 * hsm_int.h - the token handle, shared by the two files of the hsm module: hsm.c (libp11)
 * and p11.c (the PKCS#11 function list itself, for what libp11 cannot do). Nothing
 * outside src/hsm includes this.
 */
#ifndef GCERT_HSM_HSM_INT_H
#define GCERT_HSM_HSM_INT_H

#include <libp11.h>

struct gc_hsm_key {
	/* libp11 may move its key array when a key is generated: keep our own label */
	char label[65];
	EVP_PKEY *priv; /* libp11's handle: operations go to the token */
	EVP_PKEY *pub;
	struct gc_hsm_key *next;
};

struct gc_hsm {
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots;
	unsigned nslots;
	PKCS11_SLOT *slot;
	struct gc_hsm_key *keys;
	char *module;      /* the PKCS#11 module's path, for p11.c */
	void *dl;          /* p11.c: the module, opened again (already loaded by libp11) */
	const void *funcs; /* p11.c: its CK_FUNCTION_LIST */
};

/* p11.c: releases what p11.c took (libp11 still owns the module's initialisation). */
void gc_hsm_p11_close(struct gc_hsm *);

#endif
