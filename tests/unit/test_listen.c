/* test_listen.c - the one HOST:PORT parser of the HTTP services, and what is loopback. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sys/listen.h"

static void good_addresses(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;

	(void)state;
	assert_int_equal(gc_listen_parse("--listen", "127.0.0.1:8080", &ss, &len), GC_OK);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port), 8080);
	assert_int_equal(gc_listen_parse("--listen", "[::1]:0", &ss, &len), GC_OK);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
}

static void bad_addresses(void **state)
{
	static const char *const bad[] = {"8080", ":8080", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:80a",
	                                  "127.0.0.1:123456", "localhost:80", "::1:80", "[::1:80",
	                                  "1.2.3.4.5:80"};
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gc_listen_parse("--listen", bad[i], &ss, &len), GC_E_USAGE);
}

/* --insecure-http is allowed only where this says loopback (issue 15) */
static void loopback(void **state)
{
	static const char *const yes[] = {"127.0.0.1:8090", "127.255.0.9:0", "[::1]:8090"};
	static const char *const no[] = {"0.0.0.0:8090", "10.0.0.1:80", "128.0.0.1:80", "126.255.255.255:80",
	                                 "[::]:8090", "[::ffff:127.0.0.1]:80", "[fe80::1]:80"};
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(gc_listen_parse("--listen", yes[i], &ss, &len), GC_OK);
		assert_true(gc_listen_is_loopback(&ss));
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_int_equal(gc_listen_parse("--listen", no[i], &ss, &len), GC_OK);
		assert_false(gc_listen_is_loopback(&ss));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_addresses),
		cmocka_unit_test(bad_addresses),
		cmocka_unit_test(loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
