/* init.c - the library constructor and destructor. Every process on the
 * machine may load this library, so the constructor does little: binds the
 * real libc functions (close() must never need dlsym), registers the fork
 * handlers, and maps the state now if a configuration exists, so that
 * daemons that drop privileges later keep it (README "Shared state"). */
#include "base/base.h"
#include "connect/connect.h"
#include "control/control.h"
#include "core/core.h"
#include "libc/libc.h"

__attribute__((constructor)) static void cb_shim_init(void)
{
	cb_libc_init();
	cb_process_init();
	cb_connect_init();
	cb_control_init();
	CB_INSIDE(inside);
	cb_runtime_init_early();
}

__attribute__((destructor)) static void cb_shim_fini(void)
{
	cb_connect_fini();
}
