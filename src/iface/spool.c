/* spool.c - the batch mode of the interface: inbox to outbox (see spool.h). */
#include "iface/iface.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/fileio.h"

#define REQ_SUFFIX ".req"
#define RES_SUFFIX ".res"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_request(const char *name)
{
	size_t n = strlen(name), s = strlen(REQ_SUFFIX);

	return n > s && name[0] != '.' && strcmp(name + n - s, REQ_SUFFIX) == 0;
}

/* The complete request files of inbox, sorted. */
static gc_result list_requests(const char *inbox, char ***out, size_t *count)
{
	DIR *d = opendir(inbox);
	struct dirent *e;
	char **names = NULL, **grown;
	size_t n = 0;

	if (d == NULL)
		return gc_fail(GC_E_IO, "%s: %s", inbox, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (!is_request(e->d_name))
			continue;
		if ((grown = realloc(names, (n + 1) * sizeof(char *))) == NULL ||
		    (grown[n] = strdup(e->d_name)) == NULL) {
			names = grown ? grown : names;
			while (n > 0)
				free(names[--n]);
			free(names);
			closedir(d);
			return gc_fail(GC_E_NOMEM, "out of memory");
		}
		names = grown;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(char *), by_name);
	*out = names;
	*count = n;
	return GC_OK;
}

static gc_result process_one(struct gc_ca *ca, const char *inbox, const char *outbox, const char *name,
                             const struct gc_iface_limits *lim, struct gc_spool_stats *st)
{
	char in[GC_MAX_PATH], out[GC_MAX_PATH], done_dir[GC_MAX_PATH], done[GC_MAX_PATH], base[GC_MAX_PATH];
	struct gc_iface_outcome o;
	unsigned char *der = NULL;
	size_t len = 0;
	gc_result rc;

	snprintf(base, sizeof(base), "%.*s", (int)(strlen(name) - strlen(REQ_SUFFIX)), name);
	GC_GUARD(gc_path_join(in, sizeof(in), inbox, name));
	GC_GUARD(gc_path_join(done_dir, sizeof(done_dir), inbox, "done"));
	GC_GUARD(gc_mkdir(done_dir, 0750, 0));
	GC_GUARD(gc_path_join(done, sizeof(done), done_dir, name));
	GC_GUARD(gc_path_join(out, sizeof(out), outbox, base));
	GC_ENSURE(strlen(out) + strlen(RES_SUFFIX) < sizeof(out), GC_E_IO, "%s: path too long", out);
	strcat(out, RES_SUFFIX);
	rc = gc_file_read(in, lim->max_file, &der, &len);
	if (rc == GC_E_TOO_LARGE) /* refused whole, with a signed answer, without the bytes */
		rc = gc_iface_process(ca, NULL, lim->max_file + 1, lim, &o);
	else if (rc == GC_OK)
		rc = gc_iface_process(ca, der, len, lim, &o);
	free(der);
	GC_GUARD(rc);
	/* the result first, atomically; only then is the request put aside */
	if ((rc = gc_file_write(out, o.result, o.resultsz, 0640, 0)) == GC_OK && rename(in, done) != 0)
		rc = gc_fail(GC_E_IO, "%s: cannot move to %s: %s", in, done, strerror(errno));
	st->files++;
	st->rejected_files += o.file_code != GC_OK;
	st->requests_accepted += o.accepted;
	st->requests_rejected += o.rejected;
	st->requests_replayed += o.replayed;
	gc_iface_outcome_clear(&o);
	return rc;
}

gc_result gc_spool_run_once(struct gc_ca *ca, const char *inbox, const char *outbox,
                            const struct gc_iface_limits *lim, struct gc_spool_stats *st)
{
	char **names = NULL;
	size_t n = 0, i;
	gc_result rc;

	memset(st, 0, sizeof(*st));
	GC_GUARD(gc_mkdir(outbox, 0750, 0));
	GC_GUARD(list_requests(inbox, &names, &n));
	for (i = 0, rc = GC_OK; i < n && rc == GC_OK; i++)
		rc = process_one(ca, inbox, outbox, names[i], lim, st);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
