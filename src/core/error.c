/* error.c - the error table, expanded once (see error.h). */
#include "core/error.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define GC_DETAIL_MAX 1024

static _Thread_local char detail[GC_DETAIL_MAX];
static _Thread_local enum gc_code last_code;

static const struct {
	const char *name;
	enum gc_category category;
	const char *message;
} table[GC_CODE_COUNT] = {
#define GC_ROW(n, cat, msg) [n] = {#n, cat, msg},
	GC_ERRORS(GC_ROW)
#undef GC_ROW
};

const char *gc_code_name(enum gc_code c)
{
	return (unsigned)c < GC_CODE_COUNT ? table[c].name : "GC_E_UNKNOWN";
}

const char *gc_code_message(enum gc_code c)
{
	return (unsigned)c < GC_CODE_COUNT ? table[c].message : "unknown error";
}

enum gc_category gc_code_category(enum gc_code c)
{
	return (unsigned)c < GC_CODE_COUNT ? table[c].category : GC_CAT_INTERNAL;
}

int gc_category_exit(enum gc_category cat)
{
	switch (cat) {
	case GC_CAT_OK: return 0;
	case GC_CAT_USAGE: return 2;
	case GC_CAT_INPUT: return 3;
	case GC_CAT_CONFLICT: return 4;
	case GC_CAT_CONFIG: return 5;
	case GC_CAT_HSM: return 6;
	case GC_CAT_STORE: return 7;
	case GC_CAT_INTERNAL: return 1;
	case GC_CAT_INVALID: return 8;
	}
	return 1;
}

const char *gc_err_detail(void)
{
	return detail[0] ? detail : gc_code_message(last_code);
}

enum gc_code gc_err_code(void)
{
	return last_code;
}

void gc_err_clear(void)
{
	detail[0] = '\0';
	last_code = GC_OK;
}

__attribute__((format(printf, 2, 0)))
static void set_detail(enum gc_code code, const char *fmt, va_list ap)
{
	last_code = code;
	vsnprintf(detail, sizeof(detail), fmt, ap);
}

enum gc_code gc_fail_set(enum gc_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_detail(code, fmt, ap);
	va_end(ap);
	/* A failure that did not come from OpenSSL must not leave stale entries behind. */
	ERR_clear_error();
	return code;
}

enum gc_code gc_fail_ssl_set(enum gc_code code, const char *fmt, ...)
{
	va_list ap;
	unsigned long e;
	size_t len;

	va_start(ap, fmt);
	set_detail(code, fmt, ap);
	va_end(ap);
	while ((e = ERR_get_error()) != 0) {
		len = strlen(detail);
		if (len + 4 >= sizeof(detail))
			continue; /* keep draining */
		snprintf(detail + len, sizeof(detail) - len, ": %s", ERR_reason_error_string(e)
		             ? ERR_reason_error_string(e) : "openssl error");
	}
	return code;
}
