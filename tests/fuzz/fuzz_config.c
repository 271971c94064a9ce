/* fuzz_config.c - libFuzzer target for the configuration loader: any bytes
 * as an INI file must give either a configuration or errors naming a line
 * of that file, never a crash, a leak or an unbounded message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[] = "/tmp/cbfuzz-config-XXXXXX";
static int fd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		fd = mkstemp(path);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	static struct cb_diag diag;
	memset(&diag, 0, sizeof(diag));
	struct cb_config *cfg = cb_config_load(path, &diag);
	if (cfg) {
		if (diag.count != 0)
			abort(); /* a configuration comes with no errors */
		cb_config_free(cfg);
		return 0;
	}
	/* Refused: every kept message names this file, and one is there. */
	if (diag.count == 0)
		abort();
	size_t kept = diag.count < CB_DIAG_MAX ? diag.count : CB_DIAG_MAX;
	for (size_t i = 0; i < kept; i++) {
		if (strncmp(diag.msg[i], path, strlen(path)) != 0 ||
		    strnlen(diag.msg[i], CB_DIAG_LEN) == CB_DIAG_LEN)
			abort();
	}
	return 0;
}
