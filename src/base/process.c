/* process.c - the pid cache that tells a vfork child from its parent, the
 * one pthread_atfork registration that every module's fork handlers go
 * through, and the thread's re-entry flag (see base.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "base/base.h"

__thread int cb_busy __attribute__((tls_model("initial-exec")));

struct fork_hook {
	void (*prepare)(void), (*parent)(void), (*child)(void);
};

/* A hook counts once it is complete (n_ready); each fork runs the hooks
 * that were ready at its prepare step, so a lock taken there is always
 * released in parent and child. */
static struct fork_hook hooks[CB_FORK_HOOKS];
static _Atomic int n_reserved, n_ready;
static int n_this_fork;
static _Atomic uint32_t cached_pid;

uint32_t cb_process_pid(void)
{
	uint32_t pid = atomic_load_explicit(&cached_pid, memory_order_relaxed);
	if (pid == 0) {
		pid = (uint32_t)getpid();
		atomic_store_explicit(&cached_pid, pid, memory_order_relaxed);
	}
	return pid;
}

bool cb_process_in_vfork_child(void)
{
	uint32_t cached = atomic_load_explicit(&cached_pid, memory_order_relaxed);
	return cached != 0 && cached != (uint32_t)getpid();
}

static void run_prepare(void)
{
	n_this_fork = atomic_load(&n_ready);
	for (int i = n_this_fork - 1; i >= 0; i--)
		if (hooks[i].prepare)
			hooks[i].prepare();
}

static void run_parent(void)
{
	for (int i = 0; i < n_this_fork; i++)
		if (hooks[i].parent)
			hooks[i].parent();
}

/* The pid first: the child's hooks may ask for it. */
static void run_child(void)
{
	atomic_store(&cached_pid, (uint32_t)getpid());
	for (int i = 0; i < n_this_fork; i++)
		if (hooks[i].child)
			hooks[i].child();
}

void cb_process_on_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
	cb_process_init();
	int i = atomic_fetch_add(&n_reserved, 1);
	if (i >= CB_FORK_HOOKS)
		return; /* more than the modules ever register */
	hooks[i] = (struct fork_hook){prepare, parent, child};
	int expected = i;
	while (!atomic_compare_exchange_weak(&n_ready, &expected, i + 1))
		expected = i; /* an earlier registration is still filling its slot */
}

void cb_process_init(void)
{
	static _Atomic bool registered;
	if (atomic_exchange(&registered, true))
		return;
	atomic_store(&cached_pid, (uint32_t)getpid());
	pthread_atfork(run_prepare, run_parent, run_child);
}
