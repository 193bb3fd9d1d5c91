/*
 * fileio.h - the few system operations every layer needs: bounded file reads,
 * atomic writes (never a half-written file visible), private files and directories.
 */
#ifndef GCERT_SYS_FILEIO_H
#define GCERT_SYS_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

/* Reads all of path, failing with GC_E_TOO_LARGE past max bytes. *out is NUL-terminated. */
gc_result gc_file_read(const char *path, size_t max, unsigned char **out, size_t *outsz) GC_MUST_CHECK;
/* Reads all of stdin the same way. */
gc_result gc_stdin_read(size_t max, unsigned char **out, size_t *outsz) GC_MUST_CHECK;
/*
 * Writes path atomically: a temporary beside it, fsync, rename, fsync of the directory.
 * With exclusive set, an existing path is an error (never silently overwritten).
 */
gc_result gc_file_write(const char *path, const void *data, size_t len, mode_t mode,
                        int exclusive) GC_MUST_CHECK;
/* fsync of the directory holding path, after a rename into it. */
gc_result gc_file_sync_dir(const char *path) GC_MUST_CHECK;
/* mkdir with mode; an existing directory is an error when exclusive is set. */
gc_result gc_mkdir(const char *path, mode_t mode, int exclusive) GC_MUST_CHECK;
int gc_path_exists(const char *path);
/* snprintf into a path buffer, failing rather than truncating. */
gc_result gc_path_join(char *buf, size_t bufsz, const char *dir, const char *name) GC_MUST_CHECK;

#endif
