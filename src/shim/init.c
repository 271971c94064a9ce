/* init.c - the library constructor. Every process on the machine may load
 * this library, so it does little: binds the real libc functions (close()
 * must never need dlsym), arranges for a fork child to drop the parent's
 * connects in flight, and maps the state now if a configuration exists, so
 * that daemons that drop privileges later keep it. The destructor judges
 * the connects still in flight at exit. */
#include <pthread.h>

#include "fdtrack.h"
#include "real.h"
#include "runtime.h"
#include "shim.h"

__attribute__((constructor)) static void cb_shim_init(void)
{
	cb_real_init();
	/* A child after fork() shares the parent's sockets but not its
	 * connects: the parent records their outcomes, once. */
	pthread_atfork(NULL, NULL, cb_fdtrack_forget_all);
	cb_shim_busy = 1;
	cb_runtime_init_early();
	cb_shim_busy = 0;
}

/* Connects still in flight when the process exits are judged now, or
 * never: their sockets close with the process. */
__attribute__((destructor)) static void cb_shim_fini(void)
{
	cb_shim_settle_at_exit();
}
