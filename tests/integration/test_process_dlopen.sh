#!/bin/sh
# The dlopen hook is transparent: a program that dlopens a plugin found
# only through its own RUNPATH (and with RTLD_DEEPBIND, which the shim
# strips) still finds it, because the real dlopen is tail-called and sees
# the program as its caller.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need cc
san_unfit "its dlopen(RTLD_DEEPBIND) is refused by the runtime before the shim can strip the flag"

mkdir -p "$T/app/plugins"
printf 'int plugin_answer(void) { return 42; }\n' >"$T/plug.c"
cat >"$T/app.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
int main(void)
{
	void *h = dlopen("libplug.so", RTLD_NOW | RTLD_DEEPBIND);
	if (!h) {
		printf("dlopen failed: %s\n", dlerror());
		return 1;
	}
	int (*f)(void) = (int (*)(void))dlsym(h, "plugin_answer");
	printf("answer %d\n", f ? f() : -1);
	return 0;
}
C
cc -shared -fPIC -o "$T/app/plugins/libplug.so" "$T/plug.c" || skip "cannot build a plugin"
# shellcheck disable=SC2016 # $ORIGIN is the dynamic linker's, not the shell's
cc -o "$T/app/app" "$T/app.c" -ldl -Wl,--enable-new-dtags,-rpath,'$ORIGIN/plugins' ||
	skip "cannot build the program"
R=$(free_port)
conn_config "$T/c.ini" "127.0.0.1:$R"
assert_eq "$("$T/app/app")" "answer 42" "without the shim"
assert_eq "$(shim "$T/c.ini" "$T/app/app")" "answer 42" "under the shim (deepbind stripped)"
exit 0
