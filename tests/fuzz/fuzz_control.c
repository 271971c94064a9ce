/* fuzz_control.c - libFuzzer target for the control protocol: any bytes
 * as a request line, from a peer that is neither root nor the owner, must
 * give a reply (JSON, the table or metrics) and change no breaker. Built
 * and run by `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/control.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cb_runtime rt;

static void build_runtime(void)
{
	char path[] = "/tmp/cbfuzz-control-XXXXXX";
	int fd = mkstemp(path);
	static const char ini[] = "[global]\nstate_file = none\nsocket = off\nlog = off\n"
	                          "[api]\nhosts = 127.0.0.1:8080\n[db]\nhosts = 127.0.0.1:5432\n";
	if (fd < 0 || write(fd, ini, sizeof(ini) - 1) != (ssize_t)(sizeof(ini) - 1))
		abort();
	close(fd);
	static struct cb_diag diag;
	rt.cfg = cb_config_load(path, &diag);
	unlink(path);
	char warn[256];
	rt.store = rt.cfg ? cb_store_open(rt.cfg, warn, sizeof(warn)) : NULL;
	if (!rt.store)
		abort();
	cb_log_configure(&rt.cfg->global);
	rt.n = (uint32_t)rt.cfg->n_breakers;
	rt.breakers = calloc(rt.n, sizeof(*rt.breakers));
	for (uint32_t i = 0; i < rt.n; i++) {
		rt.breakers[i].rt = &rt;
		rt.breakers[i].cfg = &rt.cfg->breakers[i];
		rt.breakers[i].slot = cb_store_find(rt.store, rt.cfg->breakers[i].name, true);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rt.cfg)
		build_runtime();
	/* The server hands over at most this much, NUL-terminated. */
	char line[CB_CONTROL_MAX_REQUEST + 1];
	if (size > CB_CONTROL_MAX_REQUEST)
		size = CB_CONTROL_MAX_REQUEST;
	memcpy(line, data, size);
	line[size] = '\0';
	struct cb_buf out = {0};
	if (cb_control_handle(&rt, line, 4242, &out) == CB_CONTROL_REPLY &&
	    (!out.data || out.failed))
		abort();
	cb_buf_free(&out);
	for (uint32_t i = 0; i < rt.n; i++)
		if ((atomic_load(&rt.breakers[i].slot->state) & 0xff) != CB_CLOSED)
			abort();
	return 0;
}
