/* dlopen.c - the dlopen() hook. PHP loads every extension with
 * RTLD_DEEPBIND, so php-curl's libcurl would bind connect() and
 * curl_easy_perform() past this library; with `deepbind = strip` (the
 * default) the flag is dropped so they stay visible. The flag is only
 * touched while a configuration is in force: without one the shim does
 * nothing at all. The real dlopen is tail-called so that it sees the
 * program's return address: glibc picks the caller's RPATH/RUNPATH and
 * $ORIGIN from it. dlmopen is not hooked (a new namespace never sees a
 * preloaded library anyway). */
#include <dlfcn.h>
#include <errno.h>

#include "common.h"
#include "real.h"
#include "shim.h"

int cb_shim_dlopen_flags(int flags)
{
	if (!(flags & RTLD_DEEPBIND) || cb_shim_busy)
		return flags;
	int saved = errno;
	cb_shim_busy = 1;
	const struct cb_runtime *rt = cb_runtime_get();
	if (rt && rt->cfg->global.deepbind_strip)
		flags &= ~RTLD_DEEPBIND;
	cb_shim_busy = 0;
	errno = saved;
	return flags;
}

CB_EXPORT void *dlopen(const char *file, int flags)
{
	void *(*real)(const char *, int) = cb_real_dlopen();
	flags = cb_shim_dlopen_flags(flags);
	return real ? real(file, flags) : NULL;
}
