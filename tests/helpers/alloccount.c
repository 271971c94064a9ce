/* alloccount.c - counts the allocations the shim makes inside connect()
 * calls that fall on its once-a-second turn, when another process serves
 * the control socket: such a connect() may come from a signal handler, so
 * the count must be 0.
 * usage: alloccount PORT TURNS   (PORT: a refused loopback port)
 * This program's malloc family wraps glibc's and counts while `counting`
 * is set: the executable's definitions take precedence over everyone's
 * (default visibility: the build hides symbols otherwise). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "loopback.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static _Atomic int counting;
static _Atomic long allocations;

__attribute__((visibility("default"))) void *malloc(size_t n)
{
	if (atomic_load(&counting))
		atomic_fetch_add(&allocations, 1);
	return __libc_malloc(n);
}

__attribute__((visibility("default"))) void *calloc(size_t n, size_t m)
{
	if (atomic_load(&counting))
		atomic_fetch_add(&allocations, 1);
	return __libc_calloc(n, m);
}

__attribute__((visibility("default"))) void *realloc(void *p, size_t n)
{
	if (atomic_load(&counting))
		atomic_fetch_add(&allocations, 1);
	return __libc_realloc(p, n);
}

__attribute__((visibility("default"))) void free(void *p)
{
	if (p && atomic_load(&counting))
		atomic_fetch_add(&allocations, 1);
	__libc_free(p);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: alloccount PORT TURNS\n");
		return 2;
	}
	int port = atoi(argv[1]);
	int turns = atoi(argv[2]);
	cb_test_connect_once(port);
	/* One turn uncounted: the first registers fork handlers, once. */
	cb_test_nap_ms(1200);
	cb_test_connect_once(port);
	long total = 0;
	for (int i = 0; i < turns; i++) {
		cb_test_nap_ms(1200);
		atomic_store(&counting, 1);
		cb_test_connect_once(port);
		atomic_store(&counting, 0);
		total += atomic_load(&allocations);
		atomic_store(&allocations, 0);
	}
	printf("allocations %ld\n", total);
	return 0;
}
