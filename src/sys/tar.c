/* tar.c - ustar in memory (see tar.h). */
#include "sys/tar.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 512

static gc_result grow(struct gc_tar *t, size_t need)
{
	unsigned char *nb;
	size_t cap = t->cap ? t->cap : 65536;

	GC_ENSURE(need <= t->max, GC_E_TOO_LARGE, "archive: larger than the limit of %zu bytes", t->max);
	while (cap < need)
		cap *= 2;
	if (cap == t->cap)
		return GC_OK;
	if ((nb = realloc(t->buf, cap)) == NULL)
		return gc_fail(GC_E_NOMEM, "archive: out of memory");
	t->buf = nb;
	t->cap = cap;
	return GC_OK;
}

static void octal(char *field, size_t width, uint64_t v)
{
	snprintf(field, width, "%0*llo", (int)width - 1, (unsigned long long)v);
}

static unsigned checksum(const unsigned char *h)
{
	unsigned sum = 0;
	int i;

	for (i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum;
}

static bool good_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > GC_TAR_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return false;
	if (strcmp(name, "..") == 0 || strncmp(name, "../", 3) == 0 || strstr(name, "/../") != NULL ||
	    (n >= 3 && strcmp(name + n - 3, "/..") == 0) || strstr(name, "//") != NULL)
		return false;
	for (; *name != '\0'; name++)
		if ((unsigned char)*name < 0x20 || (unsigned char)*name == 0x7f)
			return false;
	return true;
}

gc_result gc_tar_add(struct gc_tar *t, const char *name, const void *data, size_t n, unsigned mode,
                     int64_t mtime)
{
	unsigned char *h;
	size_t padded = (n + BLOCK - 1) / BLOCK * BLOCK;

	GC_ENSURE(good_name(name), GC_E_INTERNAL, "archive: unusable file name \"%.120s\"", name);
	GC_GUARD(grow(t, t->len + BLOCK + padded + 2 * BLOCK));
	h = t->buf + t->len;
	memset(h, 0, BLOCK);
	memcpy(h, name, strlen(name));
	octal((char *)h + 100, 8, mode & 07777);
	octal((char *)h + 108, 8, 0);
	octal((char *)h + 116, 8, 0);
	octal((char *)h + 124, 12, n);
	octal((char *)h + 136, 12, (uint64_t)(mtime > 0 ? mtime : 0));
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	octal((char *)h + 148, 7, checksum(h));
	h[155] = ' ';
	memcpy(t->buf + t->len + BLOCK, data, n);
	memset(t->buf + t->len + BLOCK + n, 0, padded - n);
	t->len += BLOCK + padded;
	return GC_OK;
}

gc_result gc_tar_finish(struct gc_tar *t)
{
	GC_GUARD(grow(t, t->len + 2 * BLOCK));
	memset(t->buf + t->len, 0, 2 * BLOCK);
	t->len += 2 * BLOCK;
	return GC_OK;
}

void gc_tar_free(struct gc_tar *t)
{
	if (t == NULL)
		return;
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

static bool parse_octal(const unsigned char *f, size_t width, uint64_t *v)
{
	size_t i = 0;

	*v = 0;
	while (i < width && f[i] == ' ')
		i++;
	if (i == width || f[i] < '0' || f[i] > '7')
		return false;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++) {
		if (*v > (UINT64_MAX >> 3))
			return false;
		*v = *v << 3 | (uint64_t)(f[i] - '0');
	}
	for (; i < width; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return false;
	return true;
}

static bool zero_block(const unsigned char *b)
{
	int i;

	for (i = 0; i < BLOCK; i++)
		if (b[i] != 0)
			return false;
	return true;
}

gc_result gc_tar_each(const unsigned char *buf, size_t len, size_t max_items,
                      gc_result (*visit)(void *arg, const struct gc_tar_entry *), void *arg)
{
	struct gc_tar_entry e;
	size_t off = 0, count = 0;
	uint64_t size, mode, mtime, sum;
	const unsigned char *h;

	for (;;) {
		GC_ENSURE(len - off >= BLOCK && off <= len, GC_E_ARCHIVE, "archive: truncated at byte %zu", off);
		h = buf + off;
		if (zero_block(h))
			return GC_OK;
		GC_ENSURE(count < max_items, GC_E_TOO_LARGE, "archive: more than %zu files", max_items);
		GC_ENSURE(parse_octal(h + 148, 8, &sum) && sum == checksum(h), GC_E_ARCHIVE,
		          "archive: header at byte %zu: checksum wrong", off);
		GC_ENSURE(h[156] == '0' || h[156] == '\0', GC_E_ARCHIVE,
		          "archive: header at byte %zu: not a regular file", off);
		memset(&e, 0, sizeof(e));
		memcpy(e.name, h, GC_TAR_NAME_MAX);
		GC_ENSURE(h[345] == '\0' && good_name(e.name), GC_E_ARCHIVE,
		          "archive: header at byte %zu: unsafe or unsupported name", off);
		GC_ENSURE(parse_octal(h + 124, 12, &size) && parse_octal(h + 100, 8, &mode) &&
		              parse_octal(h + 136, 12, &mtime),
		          GC_E_ARCHIVE, "archive: %s: malformed header", e.name);
		off += BLOCK;
		GC_ENSURE(size <= len - off && (size + BLOCK - 1) / BLOCK * BLOCK <= len - off, GC_E_ARCHIVE,
		          "archive: %s: truncated", e.name);
		e.data = buf + off;
		e.size = (size_t)size;
		e.mode = (unsigned)(mode & 0777);
		e.mtime = (int64_t)mtime;
		GC_GUARD(visit(arg, &e));
		off += (size_t)((size + BLOCK - 1) / BLOCK * BLOCK);
		count++;
	}
}
