/* handles.c - the per-handle side table behind handles.h: open
 * addressing on the handle's address with linear probing, and backward-shift
 * deletion so that no tombstones pile up as handles come and go.
 *
 * One mutex guards it; it is held only to copy one record in or out. A
 * fork() while another thread holds it would leave the child's copy locked
 * for ever, so the atfork handlers take it around the fork. */
#include "curl/handles.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "base/base.h"

#define SLOTS 1024 /* power of two; CB_HANDLES_CAPACITY is 3/4 of it */

struct entry {
	const void *handle; /* NULL = free */
	struct cb_curl_target t;
};

static struct entry table[SLOTS];
static unsigned used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void lock_before_fork(void)
{
	pthread_mutex_lock(&lock);
}

static void unlock_after_fork(void)
{
	pthread_mutex_unlock(&lock);
}

static void register_atfork(void)
{
	cb_process_on_fork(lock_before_fork, unlock_after_fork, unlock_after_fork);
}

/* Handles are heap addresses: the low bits carry no information, and a
 * Fibonacci multiply spreads the rest over the table. */
static unsigned home(const void *handle)
{
	uint64_t x = (uint64_t)(uintptr_t)handle >> 4;
	return (unsigned)((x * 0x9E3779B97F4A7C15ULL) >> 54) & (SLOTS - 1);
}

/* The slot holding `handle`, or the free slot where it would go. */
static unsigned probe(const void *handle)
{
	unsigned i = home(handle);
	while (table[i].handle && table[i].handle != handle)
		i = (i + 1) & (SLOTS - 1);
	return i;
}

static bool target_empty(const struct cb_curl_target *t)
{
	return !t->host[0] && !t->port_override && !t->errbuf && !t->curlu && !t->api;
}

/* Backward-shift deletion: later members of the probe run move up into the
 * hole unless their home lies cyclically in (hole, j]. */
static void remove_at(unsigned hole)
{
	unsigned j = hole;
	for (;;) {
		j = (j + 1) & (SLOTS - 1);
		if (!table[j].handle)
			break;
		unsigned h = home(table[j].handle);
		bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
		if (stays)
			continue;
		table[hole] = table[j];
		hole = j;
	}
	table[hole].handle = NULL;
	used--;
}

bool cb_handles_get(const void *handle, struct cb_curl_target *out)
{
	bool found = false;
	pthread_mutex_lock(&lock);
	unsigned i = handle ? probe(handle) : 0;
	if (handle && table[i].handle == handle) {
		*out = table[i].t;
		found = true;
	}
	pthread_mutex_unlock(&lock);
	if (!found)
		memset(out, 0, sizeof(*out));
	return found;
}

bool cb_handles_put(const void *handle, const struct cb_curl_target *t)
{
	if (!handle)
		return false;
	pthread_once(&atfork_once, register_atfork);
	bool ok = true;
	pthread_mutex_lock(&lock);
	unsigned i = probe(handle);
	if (table[i].handle == handle) {
		if (target_empty(t))
			remove_at(i);
		else
			table[i].t = *t;
	} else if (!target_empty(t)) {
		ok = used < CB_HANDLES_CAPACITY;
		if (ok) {
			table[i].handle = handle;
			table[i].t = *t;
			used++;
		}
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

void cb_handles_cache_breaker(const void *handle, const struct cb_curl_target *seen,
                              const struct cb_breaker_rt *b, uint64_t generation)
{
	pthread_mutex_lock(&lock);
	unsigned i = handle ? probe(handle) : 0;
	if (handle && table[i].handle == handle && memcmp(&table[i].t, seen, sizeof(*seen)) == 0) {
		table[i].t.breaker = b;
		table[i].t.breaker_generation = generation;
	}
	pthread_mutex_unlock(&lock);
}

void cb_handles_forget(const void *handle)
{
	if (!handle)
		return;
	pthread_mutex_lock(&lock);
	unsigned i = probe(handle);
	if (table[i].handle == handle)
		remove_at(i);
	pthread_mutex_unlock(&lock);
}

unsigned cb_handles_count(void)
{
	pthread_mutex_lock(&lock);
	unsigned n = used;
	pthread_mutex_unlock(&lock);
	return n;
}
