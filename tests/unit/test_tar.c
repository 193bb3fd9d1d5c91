/* test_tar.c - the ustar writer and its strict reader (sys/tar.c), with hostile archives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sys/tar.h"

struct seen {
	int n;
	char names[4][GC_TAR_NAME_MAX + 1];
	size_t sizes[4];
};

static gc_result visit(void *arg, const struct gc_tar_entry *e)
{
	struct seen *s = arg;

	if (s->n < 4) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", e->name);
		s->sizes[s->n] = e->size;
	}
	s->n++;
	return GC_OK;
}

static void round_trip(void **state)
{
	struct gc_tar t = {.max = 1 << 20};
	struct seen s = {0};
	unsigned char big[1500];

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(gc_tar_add(&t, "a.txt", "hello", 5, 0644, 1700000000), GC_OK);
	assert_int_equal(gc_tar_add(&t, "dir/b.bin", big, sizeof(big), 0600, 0), GC_OK);
	assert_int_equal(gc_tar_add(&t, "empty", "", 0, 0600, 0), GC_OK);
	assert_int_equal(gc_tar_finish(&t), GC_OK);
	assert_int_equal(t.len % 512, 0);
	assert_int_equal(gc_tar_each(t.buf, t.len, 10, visit, &s), GC_OK);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[1], "dir/b.bin");
	assert_int_equal(s.sizes[1], 1500);
	/* too many items */
	s.n = 0;
	assert_int_equal(gc_tar_each(t.buf, t.len, 2, visit, &s), GC_E_TOO_LARGE);
	gc_tar_free(&t);
}

static void writer_refuses_bad_names_and_size(void **state)
{
	struct gc_tar t = {.max = 2048};
	char longname[GC_TAR_NAME_MAX + 2];

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(gc_tar_add(&t, "../x", "a", 1, 0600, 0), GC_E_INTERNAL);
	assert_int_equal(gc_tar_add(&t, "/etc/passwd", "a", 1, 0600, 0), GC_E_INTERNAL);
	assert_int_equal(gc_tar_add(&t, longname, "a", 1, 0600, 0), GC_E_INTERNAL);
	assert_int_equal(gc_tar_add(&t, "x", "a", 4000, 0600, 0), GC_E_TOO_LARGE);
	gc_tar_free(&t);
}

/* One valid archive, then each header field broken in turn. */
static void reader_rejects_hostile(void **state)
{
	struct gc_tar t = {.max = 1 << 16};
	struct seen s;
	unsigned char copy[4096];
	size_t len;

	(void)state;
	assert_int_equal(gc_tar_add(&t, "ok", "data", 4, 0600, 0), GC_OK);
	assert_int_equal(gc_tar_finish(&t), GC_OK);
	len = t.len;
	memcpy(copy, t.buf, len);
	copy[10] ^= 1; /* name changed: checksum no longer matches */
	assert_int_equal(gc_tar_each(copy, len, 10, visit, &s), GC_E_ARCHIVE);
	memcpy(copy, t.buf, len);
	assert_int_equal(gc_tar_each(copy, 700, 10, visit, &s), GC_E_ARCHIVE); /* truncated */
	assert_int_equal(gc_tar_each(copy, 100, 10, visit, &s), GC_E_ARCHIVE);
	/* a symlink entry with a fixed checksum */
	memcpy(copy, t.buf, len);
	copy[156] = '2';
	{
		unsigned sum = 0;
		int i;
		for (i = 0; i < 512; i++)
			sum += (i >= 148 && i < 156) ? ' ' : copy[i];
		snprintf((char *)copy + 148, 8, "%06o", sum);
	}
	assert_int_equal(gc_tar_each(copy, len, 10, visit, &s), GC_E_ARCHIVE);
	/* a size larger than the archive, checksum fixed */
	memcpy(copy, t.buf, len);
	snprintf((char *)copy + 124, 12, "%011o", 077777777u);
	{
		unsigned sum = 0;
		int i;
		for (i = 0; i < 512; i++)
			sum += (i >= 148 && i < 156) ? ' ' : copy[i];
		snprintf((char *)copy + 148, 8, "%06o", sum);
	}
	assert_int_equal(gc_tar_each(copy, len, 10, visit, &s), GC_E_ARCHIVE);
	gc_tar_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(writer_refuses_bad_names_and_size),
		cmocka_unit_test(reader_rejects_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
