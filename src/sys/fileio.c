/* fileio.c - bounded reads and atomic writes (see fileio.h). */
#include "sys/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gc_result read_fd(int fd, const char *what, size_t max, unsigned char **out, size_t *outsz)
{
	unsigned char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t n;

	for (;;) {
		if (len == cap) {
			if (cap > max) {
				free(buf);
				return gc_fail(GC_E_TOO_LARGE, "%s: larger than the limit of %zu bytes",
				               what, max);
			}
			cap = cap ? cap * 2 : 4096;
			if (cap > max + 1)
				cap = max + 1;
			if ((nbuf = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				return gc_fail(GC_E_NOMEM, "%s: out of memory", what);
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return gc_fail(GC_E_IO, "%s: read: %s", what, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		return gc_fail(GC_E_TOO_LARGE, "%s: larger than the limit of %zu bytes", what, max);
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return gc_fail(GC_E_NOMEM, "%s: out of memory", what);
	buf[len] = '\0';
	*out = buf;
	*outsz = len;
	return GC_OK;
}

gc_result gc_file_read(const char *path, size_t max, unsigned char **out, size_t *outsz)
{
	int fd;
	gc_result rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return gc_fail(GC_E_IO, "%s: %s", path, strerror(errno));
	rc = read_fd(fd, path, max, out, outsz);
	close(fd);
	return rc;
}

gc_result gc_stdin_read(size_t max, unsigned char **out, size_t *outsz)
{
	return read_fd(STDIN_FILENO, "standard input", max, out, outsz);
}

static gc_result fsync_dir_of(const char *path)
{
	char copy[4096];
	int fd;

	if (strlen(path) >= sizeof(copy))
		return gc_fail(GC_E_IO, "%s: path too long", path);
	strcpy(copy, path);
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return gc_fail(GC_E_IO, "%s: open directory: %s", path, strerror(errno));
	if (fsync(fd) != 0) {
		int e = errno;
		close(fd);
		return gc_fail(GC_E_IO, "%s: fsync directory: %s", path, strerror(e));
	}
	close(fd);
	return GC_OK;
}

gc_result gc_file_write(const char *path, const void *data, size_t len, mode_t mode, int exclusive)
{
	char tmp[4096];
	const unsigned char *p = data;
	size_t off = 0;
	ssize_t n;
	int fd;

	if (exclusive && gc_path_exists(path))
		return gc_fail(GC_E_IO, "%s: already exists; refusing to overwrite", path);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
		return gc_fail(GC_E_IO, "%s: path too long", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0)
		return gc_fail(GC_E_IO, "%s: %s", tmp, strerror(errno));
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
		goto fail;
	close(fd);
	fd = -1;
	if (exclusive ? link(tmp, path) != 0 : rename(tmp, path) != 0)
		goto fail;
	if (exclusive)
		unlink(tmp);
	return fsync_dir_of(path);
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return gc_fail(GC_E_IO, "%s: write: %s", path, strerror(e));
}

gc_result gc_file_sync_dir(const char *path)
{
	return fsync_dir_of(path);
}

gc_result gc_mkdir(const char *path, mode_t mode, int exclusive)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return GC_OK;
	if (errno == EEXIST && !exclusive && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return GC_OK;
	if (errno == EEXIST)
		return gc_fail(GC_E_DIR_EXISTS, "%s: already exists", path);
	return gc_fail(GC_E_IO, "%s: mkdir: %s", path, strerror(errno));
}

int gc_path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

gc_result gc_path_join(char *buf, size_t bufsz, const char *dir, const char *name)
{
	int n = snprintf(buf, bufsz, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= bufsz)
		return gc_fail(GC_E_IO, "%s/%s: path too long", dir, name);
	return GC_OK;
}
