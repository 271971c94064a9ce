/* fuzz_state.c - libFuzzer target for a hostile state file: the input is
 * laid over a valid file (two breakers used, a few events) and the result
 * goes through the same open and validation as the shim's (cb_store_open),
 * then through what reads it: the slots by name and by index
 * (cb_slot_check), the state machine on slots that pass, the event ring,
 * and status as JSON, table and metrics, which must stay printable UTF-8.
 *
 * The first input byte says where the rest goes: 0 over the header, 1
 * over the ring, 2 over the slot of "api", 3 repeated over every slot, 4
 * as the whole file. Never a crash, a hang or undefined behaviour. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/control.h"
#include "state/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tmpfs, as the state file normally is: each input rewrites the file. */
static char dir[] = "/dev/shm/cbfuzz-state-XXXXXX";
static char path[64];
static struct cb_config *cfg;
static unsigned char *image;
static size_t image_size, ring_off, slots_off, slots_size, api_off;

static void remove_dir(void)
{
	char p[80];
	snprintf(p, sizeof(p), "%s/fuzz.ini", dir);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

static void make_template(void)
{
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	char ini[64], text[256];
	snprintf(path, sizeof(path), "%s/fuzz.state", dir);
	snprintf(ini, sizeof(ini), "%s/fuzz.ini", dir);
	snprintf(text, sizeof(text),
	         "[global]\nstate_file = %s\nsocket = off\nlog = off\n[api]\nhosts = a:1\n"
	         "failure_threshold = 2\n[db]\nhosts = b:2\n",
	         path);
	FILE *f = fopen(ini, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
	static struct cb_diag diag;
	cfg = cb_config_load(ini, &diag);
	char warn[256];
	struct cb_store *st = cfg ? cb_store_open(cfg, warn, sizeof(warn)) : NULL;
	if (!st || !cb_store_is_shared(st))
		abort();
	struct cb_env env = {.now_ms = cb_now_ms(), .wall_ms = cb_wall_ms(), .pid = 1};
	struct cb_failure fl = {CB_ERROR(CB_ERR_ERRNO, 111), "127.0.0.1:1"};
	struct cb_slot *api = cb_store_find(st, "api", true);
	for (int i = 0; i < 3; i++) {
		struct cb_ticket t;
		struct cb_transition tr;
		cb_breaker_decide(api, &cfg->breakers[0], &env, &t, &tr);
		cb_breaker_record(api, &cfg->breakers[0], &env, &t, CB_OUTCOME_FAILURE, &fl, &tr);
	}
	cb_guard_operate(st, cb_store_find(st, "db", true), &cfg->breakers[1], CB_ACTION_DISABLE,
	                 0);
	image_size = st->size;
	ring_off = (size_t)st->hdr->ring_offset;
	slots_off = (size_t)st->hdr->slots_offset;
	slots_size = (size_t)st->capacity * sizeof(struct cb_slot);
	api_off = (size_t)((unsigned char *)api - st->base);
	image = malloc(image_size);
	if (!image)
		abort();
	memcpy(image, st->base, image_size);
	cb_store_close(st);
}

static void lay_over(const uint8_t *data, size_t size, unsigned char *img, size_t *len)
{
	uint8_t mode = size ? data[0] % 5 : 4;
	data += size ? 1 : 0;
	size -= size ? 1 : 0;
	size_t at = mode == 0 ? 0 : mode == 1 ? ring_off : api_off;
	if (mode == 4) {
		*len = size < image_size ? size : image_size;
		memcpy(img, data, *len);
	} else if (mode == 3) {
		for (size_t i = 0; size && i < slots_size; i++)
			img[slots_off + i] = data[i % size];
	} else {
		memcpy(img + at, data, size < image_size - at ? size : image_size - at);
	}
}

/* Printable UTF-8 and newlines only. */
static void check_text(const struct cb_buf *b)
{
	if (b->failed || !b->data)
		return;
	const unsigned char *p = (const unsigned char *)b->data;
	for (size_t i = 0; i < b->len;) {
		size_t n = cb_utf8_seq(p + i, b->len - i);
		if (n == 0 || (n == 1 && p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7f)
			abort();
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!image)
		make_template();
	static unsigned char *img;
	if (!img && !(img = malloc(image_size)))
		abort();
	memcpy(img, image, image_size);
	size_t len = image_size;
	lay_over(data, size, img, &len);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, img, len) != (ssize_t)len || close(fd) != 0)
		abort();

	char warn[512];
	struct cb_store *st = cb_store_open(cfg, warn, sizeof(warn));
	if (!st)
		abort();
	int64_t now = cb_now_ms();
	(void)cb_store_is_current(st);
	for (uint32_t i = 0; i < cb_store_capacity(st); i++) {
		struct cb_slot *s = cb_store_slot_at(st, i);
		if (s)
			(void)cb_slot_check(s, now);
	}
	struct cb_render_breaker rb[2];
	for (size_t i = 0; i < cfg->n_breakers; i++) {
		const struct cb_breaker_config *bc = &cfg->breakers[i];
		struct cb_slot *s = cb_store_find(st, bc->name, false);
		cb_render_collect(&rb[i], bc, s, now);
		if (!s)
			rb[i].damaged = cb_store_path_damage(st, bc->name, now);
		if (!s || rb[i].damaged)
			continue;
		/* What the shim does with a slot that passed. */
		struct cb_env env = {.now_ms = now, .wall_ms = cb_wall_ms(), .pid = 2};
		struct cb_ticket t;
		struct cb_transition tr;
		cb_breaker_decide(s, bc, &env, &t, &tr);
		cb_breaker_record(s, bc, &env, &t, CB_OUTCOME_FAILURE, NULL, &tr);
	}
	struct cb_render_page p = {.config_path = cfg->path,
	                           .state_path = cb_store_path(st),
	                           .n = cfg->n_breakers,
	                           .breakers = rb,
	                           .mono_now_ms = now,
	                           .wall_now_ms = cb_wall_ms()};
	struct cb_buf out = {0};
	cb_render_status_json(&out, &p, NULL);
	cb_render_status_table(&out, &p, NULL, false);
	cb_render_metrics(&out, &p);
	struct cb_event ev[CB_STORE_RING];
	size_t n = cb_store_read_events(st, 0, ev, CB_STORE_RING);
	for (size_t i = 0; i < n; i++)
		cb_render_event_json(&out, &ev[i]);
	check_text(&out);
	cb_buf_free(&out);
	cb_store_close(st);
	return 0;
}
