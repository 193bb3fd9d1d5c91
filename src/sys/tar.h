/*
 * tar.h - POSIX ustar archives of regular files, in memory: the container of archive
 * bundles (CPS §4.6) and of backups (§4.8.1), so both can be inspected with tar(1).
 * Reading is strict: regular files only, checksums checked, names relative with no "..",
 * sizes within the input (duplicate names are the visitor's to refuse).
 */
#ifndef GCERT_SYS_TAR_H
#define GCERT_SYS_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define GC_TAR_NAME_MAX 100

struct gc_tar {
	unsigned char *buf;
	size_t len, cap;
	size_t max; /* the archive may not grow past this */
};

/* Appends one regular file. */
gc_result gc_tar_add(struct gc_tar *, const char *name, const void *data, size_t n,
                     unsigned mode, int64_t mtime) GC_MUST_CHECK;
/* Writes the end-of-archive blocks. */
gc_result gc_tar_finish(struct gc_tar *) GC_MUST_CHECK;
void gc_tar_free(struct gc_tar *);

struct gc_tar_entry {
	char name[GC_TAR_NAME_MAX + 1];
	const unsigned char *data; /* points into the archive */
	size_t size;
	unsigned mode;
	int64_t mtime;
};

/* Calls visit for each file in order; stops at its first error. At most max_items. */
gc_result gc_tar_each(const unsigned char *buf, size_t len, size_t max_items,
                      gc_result (*visit)(void *arg, const struct gc_tar_entry *), void *arg) GC_MUST_CHECK;

#endif
