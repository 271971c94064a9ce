/* init.c - the library constructor. Every process on the machine may load
 * this library, so it does little: binds the real libc functions (close()
 * must never need dlsym), arranges for a fork child to drop the parent's
 * connects in flight, and (through the runtime) caches the pid that tells a
 * vfork child from its parent and maps the state now if a configuration
 * exists, so that daemons that drop privileges later keep it. The
 * destructor judges the connects still in flight at exit. */
#include <pthread.h>
#include <unistd.h>

#include "fdtrack.h"
#include "real.h"
#include "runtime.h"
#include "shim.h"

/* A child after fork() shares the parent's sockets but not its connects:
 * the parent records their outcomes, once. */
static void cb_shim_forked_child(void)
{
	cb_fdtrack_forget_all();
}

__attribute__((constructor)) static void cb_shim_init(void)
{
	cb_real_init();
	pthread_atfork(NULL, NULL, cb_shim_forked_child);
	cb_shim_busy = 1;
	cb_runtime_init_early();
	cb_shim_busy = 0;
}

/* Connects still in flight when the process exits are judged now, or
 * never: their sockets close with the process. */
__attribute__((destructor)) static void cb_shim_fini(void)
{
	if (!cb_runtime_in_vfork_child())
		cb_shim_settle_at_exit();
}
