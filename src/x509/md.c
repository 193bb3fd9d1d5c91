/* md.c - digests fetched once for the process (see md.h). */
#include "x509/md.h"

#include <pthread.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256, *sha1; /* held until exit: the process's digests */

static void fetch(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
}

const EVP_MD *gc_md_sha256(void)
{
	pthread_once(&once, fetch);
	return sha256 != NULL ? sha256 : EVP_sha256();
}

const EVP_MD *gc_md_sha1(void)
{
	pthread_once(&once, fetch);
	return sha1 != NULL ? sha1 : EVP_sha1();
}
