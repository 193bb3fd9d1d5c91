/*
 * tlscreds.h - what an HTTPS edge hands GnuTLS (through libmicrohttpd's certificate
 * callback) as the server's identity: the certificate chain and a private key object whose
 * operations run elsewhere (issue 15: in the token, hsm/tlskey.h fills this). The edges
 * (src/raweb/, src/iface/http.c) see only these GnuTLS objects, never the token.
 */
#ifndef GCERT_SYS_TLSCREDS_H
#define GCERT_SYS_TLSCREDS_H

#include <gnutls/abstract.h>

struct gc_tls_creds {
	gnutls_pcert_st *pcert; /* the server's certificate, then its chain */
	unsigned npcert;
	gnutls_privkey_t key;   /* owned by whoever filled this; outlives the server */
};

#endif
