/* control.c - the CA service's control socket (see control.h). */
#define _GNU_SOURCE
#include "service/service.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/limits.h"
#include "sys/fileio.h"

/* A peer that sends nothing for this long is dropped: the service loop must not hang. */
#define CONTROL_TIMEOUT_MS 10000

static gc_result sock_path(const char *dir, struct sockaddr_un *sa)
{
	char run[GC_MAX_PATH];

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	GC_GUARD(gc_path_join(run, sizeof(run), dir, "run/control.sock"));
	GC_ENSURE(strlen(run) < sizeof(sa->sun_path), GC_E_CONTROL,
	          "%s: path too long for a unix socket (%zu bytes at most)", run, sizeof(sa->sun_path) - 1);
	memcpy(sa->sun_path, run, strlen(run) + 1);
	return GC_OK;
}

static gc_result connect_to(const struct sockaddr_un *sa, int *fd, bool *running)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	*running = false;
	GC_ENSURE(s >= 0, GC_E_CONTROL, "control socket: %s", strerror(errno));
	if (connect(s, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
		close(s);
		return gc_fail(GC_E_CONTROL, "no CA service is running for this directory (%s): start "
		               "`gcert ca serve` first", sa->sun_path);
	}
	*running = true;
	*fd = s;
	return GC_OK;
}

gc_result gc_control_listen(const char *dir, int *fd)
{
	struct sockaddr_un sa;
	char run[GC_MAX_PATH];
	bool running;
	int s, probe;

	GC_GUARD(gc_path_join(run, sizeof(run), dir, "run"));
	GC_GUARD(gc_mkdir(run, 0700, 0));
	GC_ENSURE(chmod(run, 0700) == 0, GC_E_IO, "%s: %s", run, strerror(errno));
	GC_GUARD(sock_path(dir, &sa));
	if (connect_to(&sa, &probe, &running) == GC_OK) {
		close(probe);
		return gc_fail(GC_E_CONTROL, "%s: another gcert ca serve already runs for this CA", sa.sun_path);
	}
	gc_err_clear();
	unlink(sa.sun_path); /* a dead service's socket */
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	GC_ENSURE(s >= 0, GC_E_CONTROL, "control socket: %s", strerror(errno));
	/* created 0600 from the start: no moment in which another user could connect */
	mode_t old = umask(0177);
	int b = bind(s, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (b != 0 || listen(s, 4) != 0) {
		close(s);
		return gc_fail(GC_E_CONTROL, "%s: cannot listen: %s", sa.sun_path, strerror(errno));
	}
	*fd = s;
	return GC_OK;
}

void gc_control_unlink(const char *dir)
{
	char path[GC_MAX_PATH];

	/* no gc_* call: the error of a failed start must survive the cleanup */
	if ((size_t)snprintf(path, sizeof(path), "%s/run/control.sock", dir) < sizeof(path))
		unlink(path);
}

gc_result gc_control_accept(int lfd, int *cfd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	GC_ENSURE(s >= 0, GC_E_CONTROL, "control socket: accept: %s", strerror(errno));
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != geteuid()) {
		close(s);
		return gc_fail(GC_E_CONTROL, "control socket: refused a peer of uid %ld (only the service's "
		               "own uid may control it)", (long)cred.uid);
	}
	*cfd = s;
	return GC_OK;
}

gc_result gc_control_read(int fd, json_t **req)
{
	char buf[GC_CONTROL_MAX_LINE + 1];
	struct pollfd p = {fd, POLLIN, 0};
	json_error_t jerr;
	size_t n = 0;
	ssize_t r;
	json_t *o;

	while (n < GC_CONTROL_MAX_LINE && memchr(buf, '\n', n) == NULL) {
		GC_ENSURE(poll(&p, 1, CONTROL_TIMEOUT_MS) == 1, GC_E_CONTROL, "control socket: peer sent nothing");
		r = read(fd, buf + n, GC_CONTROL_MAX_LINE - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	o = json_loadb(buf, n, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
	explicit_bzero(buf, sizeof(buf)); /* an activation request carries the PIN */
	GC_ENSURE(o != NULL && json_is_object(o), GC_E_CONTROL, "control socket: not one JSON object per line");
	*req = o;
	return GC_OK;
}

gc_result gc_control_write(int fd, json_t *reply)
{
	char *s = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	size_t n, off = 0;
	ssize_t w;
	gc_result rc = GC_OK;

	if (s == NULL) {
		json_decref(reply);
		return gc_fail(GC_E_NOMEM, "control socket: out of memory");
	}
	n = strlen(s);
	s[n] = '\0';
	while (off < n && (w = write(fd, s + off, n - off)) > 0)
		off += (size_t)w;
	if (off < n || write(fd, "\n", 1) != 1)
		rc = gc_fail(GC_E_CONTROL, "control socket: peer went away");
	explicit_bzero(s, n);
	free(s);
	json_decref(reply);
	return rc;
}

gc_result gc_control_call(const char *dir, json_t *req, json_t **reply, bool *running)
{
	struct sockaddr_un sa;
	gc_result rc;
	int fd;

	GC_GUARD(sock_path(dir, &sa));
	GC_GUARD(connect_to(&sa, &fd, running));
	json_incref(req);
	if ((rc = gc_control_write(fd, req)) == GC_OK)
		rc = gc_control_read(fd, reply);
	close(fd);
	return rc;
}
