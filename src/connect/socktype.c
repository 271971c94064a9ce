/* socktype.c - the per-descriptor socket type table (see socktype.h). */
#include "connect/socktype.h"
#include "base/base.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define LIMIT ((unsigned int)CB_SOCKTYPE_CHUNK * CB_SOCKTYPE_CHUNKS)

static _Atomic(_Atomic uint8_t *) chunks[CB_SOCKTYPE_CHUNKS];

enum cb_socktype cb_socktype_of_socket(int type)
{
	return (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM ? CB_SOCKTYPE_STREAM
	                                                               : CB_SOCKTYPE_OTHER;
}

static _Atomic uint8_t *chunk(unsigned int idx)
{
	return atomic_load_explicit(&chunks[idx], memory_order_acquire);
}

/* mmap, not malloc: socket() may be called from a signal handler, and a
 * zero page is a chunk of unknown entries. */
static _Atomic uint8_t *map_chunk(unsigned int idx)
{
	CB_KEEP_ERRNO;
	_Atomic uint8_t *fresh = mmap(NULL, CB_SOCKTYPE_CHUNK, PROT_READ | PROT_WRITE,
	                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED)
		return NULL;
	_Atomic uint8_t *expected = NULL;
	if (!atomic_compare_exchange_strong(&chunks[idx], &expected, fresh)) {
		munmap((void *)fresh, CB_SOCKTYPE_CHUNK); /* another thread mapped it first */
		fresh = expected;
	}
	return fresh;
}

void cb_socktype_set(int fd, enum cb_socktype t)
{
	if (fd < 0 || (unsigned int)fd >= LIMIT)
		return;
	unsigned int idx = (unsigned int)fd / CB_SOCKTYPE_CHUNK;
	_Atomic uint8_t *c = chunk(idx);
	if (!c && t != CB_SOCKTYPE_UNKNOWN)
		c = map_chunk(idx);
	if (c)
		atomic_store_explicit(&c[(unsigned int)fd % CB_SOCKTYPE_CHUNK], (uint8_t)t,
		                      memory_order_relaxed);
}

enum cb_socktype cb_socktype_get(int fd)
{
	if (fd < 0 || (unsigned int)fd >= LIMIT)
		return CB_SOCKTYPE_UNKNOWN;
	_Atomic uint8_t *c = chunk((unsigned int)fd / CB_SOCKTYPE_CHUNK);
	return c ? (enum cb_socktype)atomic_load_explicit(&c[(unsigned int)fd % CB_SOCKTYPE_CHUNK],
	                                                  memory_order_relaxed)
	         : CB_SOCKTYPE_UNKNOWN;
}

void cb_socktype_forget_range(unsigned int first, unsigned int last)
{
	if (last >= LIMIT)
		last = LIMIT - 1;
	for (unsigned int fd = first; fd <= last;) {
		unsigned int idx = fd / CB_SOCKTYPE_CHUNK;
		unsigned int end = idx * CB_SOCKTYPE_CHUNK + CB_SOCKTYPE_CHUNK - 1;
		if (end > last)
			end = last;
		_Atomic uint8_t *c = chunk(idx);
		for (unsigned int i = fd; c && i <= end; i++)
			atomic_store_explicit(&c[i % CB_SOCKTYPE_CHUNK], CB_SOCKTYPE_UNKNOWN,
			                      memory_order_relaxed);
		fd = end + 1; /* end < LIMIT, so this cannot wrap */
	}
}
