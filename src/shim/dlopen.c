/* dlopen.c - the dlopen() export (policy: cb_runtime_dlopen_flags, README
 * "What the shim intercepts"). The real dlopen is tail-called so that it sees
 * the program's return address: glibc picks the caller's RPATH/RUNPATH and
 * $ORIGIN from it. dlmopen is not hooked (a new namespace never sees a
 * preloaded library anyway). */
#include <dlfcn.h>

#include "base/base.h"
#include "core/core.h"
#include "libc/libc.h"

CB_EXPORT void *dlopen(const char *file, int flags)
{
	void *(*real)(const char *, int) = cb_real_dlopen();
	flags = cb_runtime_dlopen_flags(flags);
	return real ? real(file, flags) : NULL;
}
