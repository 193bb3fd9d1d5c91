/*
 * cpsdocs.h - the CPS and every earlier version (CPS §8, §4.6 archive), built into
 * the program from data/cps/ (cmake/embed_cps.cmake), served by the repository.
 */
#ifndef GCERT_CORE_CPSDOCS_H
#define GCERT_CORE_CPSDOCS_H

#include <stddef.h>

struct gc_cps_doc {
	const char *version;   /* URL-safe: /cps/<version>.txt */
	const char *date;      /* effective date, YYYY-MM-DD */
	const char *file;      /* its file under data/cps/ */
	const char *title;
	const unsigned char *text; /* UTF-8 */
	size_t size;
};

extern const struct gc_cps_doc gc_cps_docs[];
extern const size_t gc_cps_doc_count;
/* The version in force: the latest effective date. */
const struct gc_cps_doc *gc_cps_current(void);
const struct gc_cps_doc *gc_cps_find(const char *version);

#endif
