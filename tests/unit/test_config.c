/* test_config.c - configuration loading (README "Configuration"): every key
 * with its default and a custom value, the defaults that the README and
 * conf/cbreaker.ini document, the value syntaxes and their edge cases,
 * [defaults] inheritance, every class of error with its exact file:line,
 * all-or-nothing loading, the symbolic name tables, and a 10,000-breaker
 * file. Each test writes its file into a private mkdtemp directory. The keys
 * and their defaults come from keys.def, as in the code: no default is
 * written here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config/config.h"
#include "config/keys.h"
#include "config/value.h"
#include "match/match.h"

/* The keys of keys.def, walked as the code walks them. */
static const struct key_row {
	int key;
	const char *name, *dflt;
	size_t off, size;
} breaker_keys[] = {
#define CB_BREAKER_KEY(id, name, kind, type, field, dflt, bounds)                                  \
	{CB_KEY_##id, #name, dflt, offsetof(struct cb_breaker_config, field),                      \
	 sizeof(((struct cb_breaker_config *)0)->field)},
#include "config/keys.def"
#undef CB_BREAKER_KEY
};
#define N_BREAKER_KEYS (sizeof(breaker_keys) / sizeof(breaker_keys[0]))

static const struct {
	int key;
	const char *name, *dflt;
} global_keys[] = {
#define CB_GLOBAL_KEY(id, name, dflt) {CB_GKEY_##id, #name, dflt},
#include "config/keys.def"
#undef CB_GLOBAL_KEY
};
#define N_GLOBAL_KEYS (sizeof(global_keys) / sizeof(global_keys[0]))

static char dir[128];
static char path[192];
static struct cb_diag diag;

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cbconfig.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/cbreaker.ini", dir);
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[PATH_MAX + 16];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_text(const char *file, const char *text)
{
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void print_diag(void)
{
	size_t n = diag.count < CB_DIAG_MAX ? diag.count : CB_DIAG_MAX;
	for (size_t i = 0; i < n; i++)
		print_message("  %s\n", diag.msg[i]);
}

/* Loads `text`, which must be valid. */
static struct cb_config *load(const char *text)
{
	write_text(path, text);
	struct cb_config *cfg = cb_config_load(path, &diag);
	if (!cfg) {
		print_diag();
		fail_msg("expected the configuration to load");
	}
	assert_int_equal(diag.count, 0);
	return cfg;
}

static const struct cb_breaker_config *breaker(const struct cb_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_breakers; i++)
		if (strcmp(cfg->breakers[i].name, name) == 0)
			return &cfg->breakers[i];
	fail_msg("no breaker [%s]", name);
	return NULL;
}

/* True when some kept message starts "path:line: " and contains needle. */
static bool has_error(int line, const char *needle)
{
	char prefix[PATH_MAX + 32];
	size_t n = diag.count < CB_DIAG_MAX ? diag.count : CB_DIAG_MAX;

	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	for (size_t i = 0; i < n; i++)
		if (strncmp(diag.msg[i], prefix, strlen(prefix)) == 0 &&
		    strstr(diag.msg[i], needle))
			return true;
	return false;
}

/* Loading `text` fails with exactly one error, at `line`, mentioning
 * `needle`. */
static void expect_error(const char *text, int line, const char *needle)
{
	write_text(path, text);
	struct cb_config *cfg = cb_config_load(path, &diag);
	if (cfg) {
		cb_config_free(cfg);
		fail_msg("loaded; expected an error at line %d about \"%s\"", line, needle);
	}
	if (diag.count != 1 || !has_error(line, needle)) {
		print_diag();
		fail_msg("expected one error at line %d about \"%s\", got %zu", line, needle,
		         diag.count);
	}
}

/* The value a one-key breaker gets: loads [b] with hosts and `line`. */
static struct cb_config *load_key(const char *line)
{
	char text[512];
	snprintf(text, sizeof(text), "[b]\nhosts = b.example\n%s\n", line);
	return load(text);
}

/* `line` in breaker [b] is rejected, at line 3, mentioning needle. */
static void expect_key_error(const char *line, const char *needle)
{
	char text[512];
	snprintf(text, sizeof(text), "[b]\nhosts = b.example\n%s\n", line);
	expect_error(text, 3, needle);
}

/* The built-in defaults, as every breaker starts. */
static struct cb_breaker_config builtin(void)
{
	struct cb_breaker_config b;
	cb_keys_breaker_defaults(&b);
	return b;
}

static bool same_value(const struct cb_breaker_config *a, const struct cb_breaker_config *b,
                       const struct key_row *row)
{
	return memcmp((const char *)a + row->off, (const char *)b + row->off, row->size) == 0;
}

/* `text`, which `where` documents as the default of row's key, parses to
 * the built-in default. */
static void expect_documented_default(const struct key_row *row, const char *text,
                                      const char *where)
{
	struct cb_breaker_config want = builtin(), got = want;
	char err[CB_DIAG_LEN], shown[CB_DIAG_LEN];

	if (cb_keys_breaker_parse(&got, row->key, text, false, err, sizeof(err)) < 0)
		fail_msg("%s: %s = %s does not parse: %s", where, row->name, text, err);
	if (!same_value(&got, &want, row)) {
		cb_keys_breaker_format(&want, row->key, shown, sizeof(shown));
		fail_msg("%s documents %s = %s; the built-in default is %s", where, row->name, text,
		         shown);
	}
}

/* The same for a [global] key: parsed over the defaults, it changes none. */
static void expect_documented_global_default(int key, const char *name, const char *text,
                                             const char *where)
{
	static struct cb_global_config want, got;
	char err[CB_DIAG_LEN];

	cb_keys_global_defaults(&want);
	memcpy(&got, &want, sizeof(got));
	if (cb_keys_global_parse(&got, key, text, err, sizeof(err)) < 0)
		fail_msg("%s: [global] %s = %s does not parse: %s", where, name, text, err);
	if (memcmp(&got, &want, sizeof(got)) != 0)
		fail_msg("%s documents [global] %s = %s, which is not the built-in default "
		         "(keys.def: %s)",
		         where, name, text, global_keys[key].dflt);
}

/* A file of the repository, whole (the unit tests run from its root). */
static char *read_repo_file(const char *name)
{
	FILE *f = fopen(name, "r");
	if (!f)
		fail_msg("cannot open %s: run from the repository root, as `make unit` does", name);
	static char buf[1 << 17];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	assert_true(n < sizeof(buf) - 1);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Cuts text into lines in place; returns how many. */
static size_t split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	for (char *p = text; *p && n < max;) {
		lines[n++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return n;
}

/* ---- values: defaults and custom ---- */

static void test_breaker_with_only_hosts_gets_the_built_in_defaults(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[api]\nhosts = api.example.com:443\n");
	const struct cb_breaker_config *b = breaker(cfg, "api");
	struct cb_breaker_config want = builtin();
	char got_text[CB_DIAG_LEN], want_text[CB_DIAG_LEN];

	assert_string_equal(b->hosts, "api.example.com:443");
	assert_int_equal(b->line, 1);
	for (size_t i = 0; i < N_BREAKER_KEYS; i++) {
		const struct key_row *row = &breaker_keys[i];
		if (!row->dflt)
			continue; /* hosts, and the two that follow other values */
		if (!same_value(b, &want, row)) {
			cb_keys_breaker_format(b, row->key, got_text, sizeof(got_text));
			cb_keys_breaker_format(&want, row->key, want_text, sizeof(want_text));
			fail_msg("%s = %s, the default is %s", row->name, got_text, want_text);
		}
	}
	assert_int_equal(b->open_timeout_max_ms, b->open_timeout_ms);
	assert_int_equal(b->mode, cfg->global.mode);
	cb_config_free(cfg);
}

static void test_every_default_parses_and_formats_back_to_itself(void **state)
{
	(void)state;
	struct cb_breaker_config want = builtin();
	char err[CB_DIAG_LEN], text[CB_DIAG_LEN];

	for (size_t i = 0; i < N_BREAKER_KEYS; i++) {
		const struct key_row *row = &breaker_keys[i];
		if (!row->dflt)
			continue;
		struct cb_breaker_config b;
		memset(&b, 0, sizeof(b));
		if (cb_keys_breaker_parse(&b, row->key, row->dflt, false, err, sizeof(err)) < 0)
			fail_msg("keys.def: %s = %s: %s", row->name, row->dflt, err);
		cb_keys_breaker_format(&want, row->key, text, sizeof(text));
		memset(&b, 0, sizeof(b));
		if (cb_keys_breaker_parse(&b, row->key, text, false, err, sizeof(err)) < 0)
			fail_msg("%s formatted as \"%s\", which does not parse: %s", row->name,
			         text, err);
		if (!same_value(&b, &want, row))
			fail_msg("%s formatted as \"%s\", which parses to another value", row->name,
			         text);
	}
	for (size_t i = 0; i < N_GLOBAL_KEYS; i++) {
		struct cb_global_config g;
		if (global_keys[i].dflt &&
		    cb_keys_global_parse(&g, global_keys[i].key, global_keys[i].dflt, err,
		                         sizeof(err)) < 0)
			fail_msg("keys.def: [global] %s = %s: %s", global_keys[i].name,
			         global_keys[i].dflt, err);
	}
}

/* The one place where defaults meet the documentation: the README's
 * tables give each key with its default, and a changed default must change
 * them too. */
static void test_readme_lists_every_key_with_its_default(void **state)
{
	(void)state;
	static char *lines[4096];
	size_t n = split_lines(read_repo_file("README.md"), lines, 4096);
	bool seen_breaker[N_BREAKER_KEYS] = {false}, seen_global[N_GLOBAL_KEYS] = {false};
	enum { NONE, GLOBAL, BREAKERS } section = NONE;

	for (size_t i = 0; i < n; i++) {
		const char *line = lines[i];
		if (line[0] == '#') {
			section = strcmp(line, "### `[global]`") == 0 ? GLOBAL
			          : strcmp(line, "### Breakers") == 0 ? BREAKERS
			                                              : NONE;
			continue;
		}
		char name[64], cell[256];
		/* | `key` | default | meaning | */
		if (section == NONE || sscanf(line, "| `%63[a-z_]` | %255[^|]|", name, cell) != 2)
			continue;
		size_t len = strlen(cell);
		while (len && cell[len - 1] == ' ')
			cell[--len] = '\0';
		/* A default is one `value`; other text says what it follows. */
		char *value = NULL;
		if (len > 2 && cell[0] == '`' && strchr(cell + 1, '`') == cell + len - 1) {
			cell[len - 1] = '\0';
			value = cell + 1;
		}
		if (section == GLOBAL) {
			int k = cb_keys_global_find(name);
			if (k < 0)
				fail_msg("README.md:%zu: [global] %s is not a key", i + 1, name);
			seen_global[k] = true;
			if (global_keys[k].dflt && !value)
				fail_msg(
				        "README.md:%zu: [global] %s: default \"%s\", expected `%s`",
				        i + 1, name, cell, global_keys[k].dflt);
			if (global_keys[k].dflt)
				expect_documented_global_default(k, name, value, "README.md");
		} else {
			int k = cb_keys_breaker_find(name);
			if (k < 0)
				fail_msg("README.md:%zu: breaker key %s is not a key", i + 1, name);
			seen_breaker[k] = true;
			if (breaker_keys[k].dflt && !value)
				fail_msg("README.md:%zu: %s: default \"%s\", expected `%s`", i + 1,
				         name, cell, breaker_keys[k].dflt);
			if (breaker_keys[k].dflt)
				expect_documented_default(&breaker_keys[k], value, "README.md");
		}
	}
	for (size_t k = 0; k < N_BREAKER_KEYS; k++)
		if (!seen_breaker[k])
			fail_msg("README.md: \"### Breakers\" lacks %s", breaker_keys[k].name);
	for (size_t k = 0; k < N_GLOBAL_KEYS; k++)
		if (!seen_global[k])
			fail_msg("README.md: \"### `[global]`\" lacks %s", global_keys[k].name);
}

/* The commented example: each key appears in [global] or [defaults] as
 * `;key = value` (a list may go on over `;    more` lines), with the
 * default as its value; hosts in a breaker. */
static void test_example_configuration_shows_every_key_with_its_default(void **state)
{
	(void)state;
	static char *lines[4096];
	size_t n = split_lines(read_repo_file("conf/cbreaker.ini"), lines, 4096);
	bool seen_breaker[N_BREAKER_KEYS] = {false}, seen_global[N_GLOBAL_KEYS] = {false};
	enum { GLOBAL, DEFAULTS, BREAKER } section = GLOBAL;

	for (size_t i = 0; i < n; i++) {
		const char *line = lines[i];
		char name[64], value[1024];
		int used = 0;
		if (line[0] == '[') {
			section = strcmp(line, "[global]") == 0     ? GLOBAL
			          : strcmp(line, "[defaults]") == 0 ? DEFAULTS
			                                            : BREAKER;
			continue;
		}
		if (section == BREAKER && strncmp(line, "hosts =", 7) == 0)
			seen_breaker[CB_KEY_HOSTS] = true;
		if (section == BREAKER || sscanf(line, ";%63[a-z_] = %n", name, &used) != 1 ||
		    !used)
			continue;
		snprintf(value, sizeof(value), "%s", line + used);
		while (i + 1 < n && strncmp(lines[i + 1], ";    ", 5) == 0) {
			size_t len = strlen(value);
			snprintf(value + len, sizeof(value) - len, " %s", lines[++i] + 5);
		}
		if (section == GLOBAL) {
			int k = cb_keys_global_find(name);
			if (k < 0)
				fail_msg("conf/cbreaker.ini:%zu: [global] %s is not a key", i + 1,
				         name);
			seen_global[k] = true;
			if (global_keys[k].dflt)
				expect_documented_global_default(k, name, value,
				                                 "conf/cbreaker.ini");
		} else {
			int k = cb_keys_breaker_find(name);
			if (k < 0)
				fail_msg("conf/cbreaker.ini:%zu: %s is not a breaker key", i + 1,
				         name);
			seen_breaker[k] = true;
			if (breaker_keys[k].dflt)
				expect_documented_default(&breaker_keys[k], value,
				                          "conf/cbreaker.ini");
		}
	}
	for (size_t k = 0; k < N_BREAKER_KEYS; k++)
		if (!seen_breaker[k])
			fail_msg("conf/cbreaker.ini lacks %s", breaker_keys[k].name);
	for (size_t k = 0; k < N_GLOBAL_KEYS; k++)
		if (!seen_global[k])
			fail_msg("conf/cbreaker.ini: [global] lacks %s", global_keys[k].name);
}

static void test_every_breaker_key_takes_a_custom_value(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[api]\n"
	                             "hosts = a.example:80, *.b.example 10.0.0.0/8:5432\n"
	                             "failure_threshold = 0\n"
	                             "failure_rate = 50%\n"
	                             "min_calls = 20\n"
	                             "window = 2m\n"
	                             "slow_call_duration = 750ms\n"
	                             "slow_call_rate = 80\n"
	                             "open_timeout = 5s\n"
	                             "open_timeout_max = 1h\n"
	                             "backoff_multiplier = 1.5\n"
	                             "jitter = 10%\n"
	                             "half_open_max_calls = 32\n"
	                             "success_threshold = 3\n"
	                             "connect_timeout = 1.5s\n"
	                             "failure_errors = ECONNREFUSED, EPIPE\n"
	                             "reject_errno = EHOSTUNREACH\n"
	                             "http_failure_status = 429 502-504\n"
	                             "curl_failure_codes = CURLE_COULDNT_RESOLVE_HOST\n"
	                             "scope = endpoint\n"
	                             "retry_after = ignore\n"
	                             "max_connections = 100\n"
	                             "fallback = 127.0.0.2:8080, [::1]:9090\n"
	                             "mode = observe\n");
	const struct cb_breaker_config *b = breaker(cfg, "api");

	assert_string_equal(b->hosts, "a.example:80 *.b.example 10.0.0.0/8:5432");
	assert_int_equal(b->failure_threshold, 0);
	assert_int_equal(b->failure_rate, 50);
	assert_int_equal(b->min_calls, 20);
	assert_int_equal(b->window_ms, 120000);
	assert_int_equal(b->slow_call_ms, 750);
	assert_int_equal(b->slow_call_rate, 80);
	assert_int_equal(b->open_timeout_ms, 5000);
	assert_int_equal(b->open_timeout_max_ms, 3600000);
	assert_true(b->backoff_multiplier == 1.5);
	assert_int_equal(b->jitter, 10);
	assert_int_equal(b->half_open_max_calls, CB_PROBE_LEASES);
	assert_int_equal(b->success_threshold, 3);
	assert_int_equal(b->connect_timeout_ms, 1500);
	assert_true(CB_SET_HAS(b->failure_errors, ECONNREFUSED));
	assert_true(CB_SET_HAS(b->failure_errors, EPIPE));
	assert_false(CB_SET_HAS(b->failure_errors, ETIMEDOUT));
	assert_int_equal(b->reject_errno, EHOSTUNREACH);
	assert_true(CB_SET_HAS(b->http_failure_status, 429));
	assert_true(CB_SET_HAS(b->http_failure_status, 502));
	assert_true(CB_SET_HAS(b->http_failure_status, 504));
	assert_false(CB_SET_HAS(b->http_failure_status, 500));
	assert_false(CB_SET_HAS(b->http_failure_status, 505));
	assert_true(CB_SET_HAS(b->curl_failure_codes, CURLE_COULDNT_RESOLVE_HOST));
	assert_false(CB_SET_HAS(b->curl_failure_codes, CURLE_COULDNT_CONNECT));
	assert_int_equal(b->scope, CB_SCOPE_ENDPOINT);
	assert_false(b->retry_after_honor);
	assert_int_equal(b->max_connections, 100);
	assert_int_equal(b->fallback.n, 2);
	assert_true(b->fallback.a[0].v4);
	assert_int_equal(b->fallback.a[0].port, 8080);
	assert_memory_equal(b->fallback.a[0].ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\x02", 16);
	assert_false(b->fallback.a[1].v4);
	assert_int_equal(b->fallback.a[1].port, 9090);
	assert_int_equal(b->fallback.a[1].ip[15], 1);
	assert_int_equal(b->mode, CB_MODE_OBSERVE);
	cb_config_free(cfg);
}

/* What check-config shows: each value as a user would write it, which
 * parses back to the same value. */
static void test_every_breaker_value_formats_as_it_is_written(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[api]\n"
	                             "hosts = a.example:80, *.b.example\n"
	                             "failure_threshold = 7\n"
	                             "failure_rate = 50\n"
	                             "window = 90s\n"
	                             "open_timeout = 1500ms\n"
	                             "backoff_multiplier = 1.5\n"
	                             "failure_errors = ECONNREFUSED, EPIPE\n"
	                             "reject_errno = EHOSTUNREACH\n"
	                             "http_failure_status = 429 502-504 599\n"
	                             "curl_failure_codes = none\n"
	                             "scope = endpoint\n"
	                             "retry_after = ignore\n"
	                             "mode = observe\n");
	const struct cb_breaker_config *b = breaker(cfg, "api");
	static const struct {
		int key;
		const char *text;
	} cases[] = {
	        {CB_KEY_HOSTS, "a.example:80 *.b.example"},
	        {CB_KEY_FAILURE_THRESHOLD, "7"},
	        {CB_KEY_FAILURE_RATE, "50%"},
	        {CB_KEY_WINDOW, "90s"},
	        {CB_KEY_OPEN_TIMEOUT, "1500ms"},
	        {CB_KEY_BACKOFF_MULTIPLIER, "1.5"},
	        {CB_KEY_FAILURE_ERRORS, "EPIPE ECONNREFUSED"},
	        {CB_KEY_REJECT_ERRNO, "EHOSTUNREACH"},
	        {CB_KEY_HTTP_FAILURE_STATUS, "429 502-504 599"},
	        {CB_KEY_CURL_FAILURE_CODES, "none"},
	        {CB_KEY_SCOPE, "endpoint"},
	        {CB_KEY_RETRY_AFTER, "ignore"},
	        {CB_KEY_MODE, "observe"},
	};
	char text[CB_DIAG_LEN], err[CB_DIAG_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cb_keys_breaker_format(b, cases[i].key, text, sizeof(text));
		assert_string_equal(text, cases[i].text);
	}
	for (size_t i = 1; i < N_BREAKER_KEYS; i++) { /* all but hosts */
		struct cb_breaker_config again;
		memset(&again, 0, sizeof(again));
		cb_keys_breaker_format(b, breaker_keys[i].key, text, sizeof(text));
		if (cb_keys_breaker_parse(&again, breaker_keys[i].key, text, false, err,
		                          sizeof(err)) < 0 ||
		    !same_value(&again, b, &breaker_keys[i]))
			fail_msg("%s formatted as \"%s\" does not parse back", breaker_keys[i].name,
			         text);
	}
	cb_config_free(cfg);
}

static void test_global_keys_get_the_built_in_defaults(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[api]\nhosts = a.example\n");
	static struct cb_global_config want;

	cb_keys_global_defaults(&want);
	assert_memory_equal(&cfg->global, &want, sizeof(want));
	assert_false(cfg->global.has_state_group); /* the one key without a default */
	cb_config_free(cfg);
}

static void test_every_global_key_takes_a_custom_value(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[global]\n"
	                             "state_file = /var/lib/cb/state\n"
	                             "socket = /run/cb/%p.sock\n"
	                             "log = /var/log/cbreaker.log\n"
	                             "log_level = debug\n"
	                             "mode = observe\n"
	                             "deepbind = keep\n"
	                             "discover = 16\n"
	                             "state_group = root\n"
	                             "state_mode = 0640\n");
	const struct cb_global_config *g = &cfg->global;

	assert_int_equal(g->state_file_kind, CB_PATH_EXPLICIT);
	assert_string_equal(g->state_file, "/var/lib/cb/state");
	assert_int_equal(g->socket_kind, CB_PATH_EXPLICIT);
	assert_string_equal(g->socket, "/run/cb/%p.sock");
	assert_int_equal(g->log_dest, CB_LOG_TO_FILE);
	assert_string_equal(g->log_path, "/var/log/cbreaker.log");
	assert_int_equal(g->log_level, CB_LOG_DEBUG);
	assert_int_equal(g->mode, CB_MODE_OBSERVE);
	assert_false(g->deepbind_strip);
	assert_int_equal(g->discover, 16);
	assert_true(g->has_state_group);
	assert_int_equal(g->state_group, 0);
	assert_int_equal(g->state_mode, 0640);
	assert_int_equal(cfg->n_breakers, 0);
	cb_config_free(cfg);
}

static void test_global_words_none_off_syslog_and_numeric_group(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[global]\nstate_file = none\nsocket = off\nlog = syslog\n"
	                             "discover = off\nstate_group = 4242\nlog_level = warn\n");
	assert_int_equal(cfg->global.state_file_kind, CB_PATH_NONE);
	assert_int_equal(cfg->global.socket_kind, CB_PATH_NONE);
	assert_int_equal(cfg->global.log_dest, CB_LOG_TO_SYSLOG);
	assert_int_equal(cfg->global.discover, 0);
	assert_int_equal(cfg->global.state_group, 4242);
	assert_int_equal(cfg->global.log_level, CB_LOG_WARN);
	cb_config_free(cfg);
	cfg = load("[global]\nlog = off\nlog_level = error\n");
	assert_int_equal(cfg->global.log_dest, CB_LOG_TO_OFF);
	assert_int_equal(cfg->global.log_level, CB_LOG_ERROR);
	cb_config_free(cfg);
}

/* ---- value syntax ---- */

static void test_duration_units_and_bare_seconds(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		uint64_t ms;
	} cases[] = {{"250ms", 250},  {"30s", 30000}, {"5m", 300000},
	             {"1h", 3600000}, {"7", 7000},    {"0.25s", 250},
	             {"1.5m", 90000}, {"0", 0},       {"8760h", CB_DURATION_MAX_MS}};
	char err[128];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ms = 1;
		if (cb_value_duration(cases[i].text, &ms, err, sizeof(err)) != 0)
			fail_msg("\"%s\" rejected: %s", cases[i].text, err);
		assert_int_equal(ms, cases[i].ms);
	}
}

static void test_duration_rejects_negative_garbage_overflow_and_submillisecond(void **state)
{
	(void)state;
	static const char *const bad[] = {"-1s",   "",       "s",     "10 s",
	                                  "10sec", "1.s",    ".5s",   "1e3",
	                                  "0x10",  "+5s",    "8761h", "99999999999999999999999ms",
	                                  "0.5ms", "1.0001s"};
	char err[128];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ms = 12345;
		if (cb_value_duration(bad[i], &ms, err, sizeof(err)) == 0)
			fail_msg("\"%s\" accepted as %llu ms", bad[i], (unsigned long long)ms);
		assert_int_equal(ms, 12345);
		assert_true(err[0] != '\0');
	}
}

static void test_percent_accepts_sign_or_bare_and_rejects_out_of_range(void **state)
{
	(void)state;
	char err[128];
	uint32_t p = 0;
	assert_int_equal(cb_value_percent("50%", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 50);
	assert_int_equal(cb_value_percent("50", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 50);
	assert_int_equal(cb_value_percent("0", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 0);
	assert_int_equal(cb_value_percent("100%", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 100);
	static const char *const bad[] = {"101", "101%", "-1", "50 %", "50%%", "12.5%", "", "%"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cb_value_percent(bad[i], &p, err, sizeof(err)) == 0)
			fail_msg("\"%s\" accepted", bad[i]);
	assert_int_equal(cb_value_percent("101", &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "out of range"));
}

static void test_count_bounds_and_garbage(void **state)
{
	(void)state;
	expect_key_error("half_open_max_calls = 33", "out of range (1..32)");
	expect_key_error("half_open_max_calls = 0", "out of range");
	expect_key_error("min_calls = 0", "out of range");
	expect_key_error("success_threshold = 0", "out of range");
	expect_key_error("failure_threshold = -1", "not a whole number");
	expect_key_error("failure_threshold = 5x", "not a whole number");
	expect_key_error("failure_threshold = 4294967296", "out of range");
	expect_key_error("max_connections = 1.5", "not a whole number");
	struct cb_config *cfg = load_key("failure_threshold = 4294967295");
	assert_int_equal(cfg->breakers[0].failure_threshold, UINT32_MAX);
	cb_config_free(cfg);
}

static void test_backoff_multiplier_is_a_number_of_at_least_one(void **state)
{
	(void)state;
	struct cb_config *cfg = load_key("backoff_multiplier = 1");
	assert_true(cfg->breakers[0].backoff_multiplier == 1.0);
	cb_config_free(cfg);
	expect_key_error("backoff_multiplier = 0.5", "out of range");
	expect_key_error("backoff_multiplier = 1,5", "not a number");
	expect_key_error("backoff_multiplier = 1e2", "not a number");
	expect_key_error("backoff_multiplier = 1001", "out of range");
}

static void test_zero_durations_rejected_where_spec_requires_more(void **state)
{
	(void)state;
	expect_key_error("window = 0", "must be more than 0");
	expect_key_error("open_timeout = 0s", "must be more than 0");
	struct cb_config *cfg = load_key("connect_timeout = 0");
	assert_int_equal(cfg->breakers[0].connect_timeout_ms, 0);
	cb_config_free(cfg);
}

static void test_lists_split_on_spaces_tabs_and_commas(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[b]\nhosts = a.example,b.example\t c.example , d.example\n"
	                             "failure_errors = EPIPE,ECONNRESET\n");
	const struct cb_breaker_config *b = &cfg->breakers[0];
	assert_string_equal(b->hosts, "a.example b.example c.example d.example");
	assert_true(CB_SET_HAS(b->failure_errors, EPIPE));
	assert_true(CB_SET_HAS(b->failure_errors, ECONNRESET));
	assert_false(CB_SET_HAS(b->failure_errors, ECONNREFUSED));
	int id = cb_matcher_lookup(cfg->matcher, "c.example", NULL, 80);
	assert_int_equal(id, 0);
	cb_config_free(cfg);
}

static void test_lists_continue_on_indented_lines_with_comments(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[b]\n"
	                             "hosts =\n"
	                             "    a.example   ; the first\n"
	                             "\n"
	                             "    b.example:443\n"
	                             "http_failure_status = 500\n"
	                             "  503 ; and this\n"
	                             "window = 5s\n");
	const struct cb_breaker_config *b = &cfg->breakers[0];
	assert_string_equal(b->hosts, "a.example b.example:443");
	assert_true(CB_SET_HAS(b->http_failure_status, 500));
	assert_true(CB_SET_HAS(b->http_failure_status, 503));
	assert_false(CB_SET_HAS(b->http_failure_status, 501));
	assert_int_equal(b->window_ms, 5000);
	cb_config_free(cfg);
}

static void test_none_empties_a_list_and_must_stand_alone(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[b]\nhosts = b.example\nhttp_failure_status = none\n"
	                             "failure_errors = none\ncurl_failure_codes = none\n");
	const struct cb_breaker_config *b = &cfg->breakers[0];
	for (int s = 0; s < 640; s++)
		assert_false(CB_SET_HAS(b->http_failure_status, s));
	for (int e = 0; e < 256; e++)
		assert_false(CB_SET_HAS(b->failure_errors, e));
	for (int c = 0; c < 128; c++)
		assert_false(CB_SET_HAS(b->curl_failure_codes, c));
	cb_config_free(cfg);
	expect_key_error("http_failure_status = none 500", "\"none\" must be the whole value");
}

static void test_http_status_items_within_100_to_599(void **state)
{
	(void)state;
	expect_key_error("http_failure_status = 600", "bad HTTP status \"600\"");
	expect_key_error("http_failure_status = 99", "bad HTTP status");
	expect_key_error("http_failure_status = 599-500", "empty range");
	expect_key_error("http_failure_status = 5xx", "bad HTTP status");
	expect_key_error("http_failure_status = 500-", "bad HTTP status");
	struct cb_config *cfg = load_key("http_failure_status = 100-101,599");
	const struct cb_breaker_config *b = &cfg->breakers[0];
	assert_true(CB_SET_HAS(b->http_failure_status, 100));
	assert_true(CB_SET_HAS(b->http_failure_status, 101));
	assert_true(CB_SET_HAS(b->http_failure_status, 599));
	assert_false(CB_SET_HAS(b->http_failure_status, 500));
	cb_config_free(cfg);
}

static void test_errno_and_curlcode_names_are_checked(void **state)
{
	(void)state;
	expect_key_error("failure_errors = ECONNREFUSED EWAT", "unknown errno name \"EWAT\"");
	expect_key_error("failure_errors = econnrefused", "unknown errno name");
	expect_key_error("failure_errors = 111", "unknown errno name");
	expect_key_error("reject_errno = EINPROGRESS", "would not tell the program");
	expect_key_error("reject_errno = EAGAIN", "would not tell the program");
	expect_key_error("reject_errno = ECONNREFUSED ETIMEDOUT", "unknown errno name");
	expect_key_error("curl_failure_codes = CURLE_NOPE", "unknown CURLcode name \"CURLE_NOPE\"");
	expect_key_error("curl_failure_codes = CURLE_OK", "CURLE_OK is success");
	expect_key_error("fallback = standby.example:80", "not a name");
	expect_key_error("fallback = 127.0.0.1", "write ADDR:PORT");
	expect_key_error("fallback = 127.0.0.1:0", "port");
	expect_key_error("fallback = ::1:80", "not a name");
	expect_key_error("fallback = [127.0.0.1]:80", "not a name");
}

static void test_enum_words_are_exact_lowercase(void **state)
{
	(void)state;
	expect_key_error("scope = Endpoint", "expected one of: service, endpoint");
	expect_key_error("retry_after = yes", "expected one of: ignore, honor");
	expect_key_error("mode = enforcing", "expected one of: enforce, observe");
	expect_error("[global]\ndeepbind = true\n", 2, "expected one of: strip, keep");
	expect_error("[global]\nlog_level = INFO\n", 2,
	             "expected one of: error, warn, info, debug");
}

/* ---- name tables ---- */

static void test_errno_names_round_trip_for_every_linux_errno(void **state)
{
	(void)state;
	for (int e = 1; e <= 133; e++) {
		if (e == 41 || e == 58)
			continue; /* unused on Linux (only aliases: EWOULDBLOCK, EDEADLOCK) */
		const char *name = cb_errno_name(e);
		if (!name)
			fail_msg("errno %d has no name", e);
		assert_int_equal(cb_errno_from_name(name), e);
	}
	assert_string_equal(cb_errno_name(ECONNREFUSED), "ECONNREFUSED");
	assert_string_equal(cb_errno_name(EAGAIN), "EAGAIN");
	assert_int_equal(cb_errno_from_name("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(cb_errno_from_name("ENOTSUP"), EOPNOTSUPP);
	assert_null(cb_errno_name(0));
	assert_null(cb_errno_name(-1));
	assert_null(cb_errno_name(100000));
	assert_int_equal(cb_errno_from_name("ENOPE"), -1);
	assert_int_equal(cb_errno_from_name(NULL), -1);
}

static void test_curlcode_names_round_trip_for_every_code(void **state)
{
	(void)state;
	for (int c = 0; c < CURL_LAST; c++) {
		const char *name = cb_curlcode_name(c);
		if (!name)
			fail_msg("CURLcode %d has no name", c);
		assert_int_equal(cb_curlcode_from_name(name), c);
	}
	assert_string_equal(cb_curlcode_name(CURLE_COULDNT_CONNECT), "CURLE_COULDNT_CONNECT");
	assert_string_equal(cb_curlcode_name(CURLE_OPERATION_TIMEDOUT), "CURLE_OPERATION_TIMEDOUT");
	assert_null(cb_curlcode_name(CURL_LAST));
	assert_null(cb_curlcode_name(-1));
	assert_int_equal(cb_curlcode_from_name("CURLE_NOPE"), -1);
}

/* ---- [defaults] ---- */

static void test_defaults_apply_to_every_breaker_and_own_values_win(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[defaults]\n"
	                             "failure_threshold = 3\n"
	                             "open_timeout = 10s\n"
	                             "http_failure_status = 503\n"
	                             "[a]\nhosts = a.example\n"
	                             "[b]\nhosts = b.example\nfailure_threshold = 7\n");
	const struct cb_breaker_config *a = breaker(cfg, "a"), *b = breaker(cfg, "b");
	assert_int_equal(a->failure_threshold, 3);
	assert_int_equal(b->failure_threshold, 7);
	assert_int_equal(a->open_timeout_ms, 10000);
	assert_int_equal(a->open_timeout_max_ms, 10000);
	assert_int_equal(b->open_timeout_ms, 10000);
	assert_true(CB_SET_HAS(b->http_failure_status, 503));
	assert_false(CB_SET_HAS(b->http_failure_status, 500));
	assert_int_equal(a->min_calls, builtin().min_calls);
	cb_config_free(cfg);
}

static void test_defaults_after_the_breakers_still_apply(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[a]\nhosts = a.example\nopen_timeout = 20s\n"
	                             "[defaults]\nfailure_rate = 25\nopen_timeout_max = 2m\n"
	                             "[global]\nmode = observe\n");
	const struct cb_breaker_config *a = breaker(cfg, "a");
	assert_int_equal(a->failure_rate, 25);
	assert_int_equal(a->open_timeout_ms, 20000);
	assert_int_equal(a->open_timeout_max_ms, 120000);
	assert_int_equal(a->mode, CB_MODE_OBSERVE);
	cb_config_free(cfg);
}

static void test_breaker_mode_follows_global_unless_set(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[global]\nmode = observe\n"
	                             "[a]\nhosts = a.example\n"
	                             "[b]\nhosts = b.example\nmode = enforce\n");
	assert_int_equal(breaker(cfg, "a")->mode, CB_MODE_OBSERVE);
	assert_int_equal(breaker(cfg, "b")->mode, CB_MODE_ENFORCE);
	cb_config_free(cfg);
}

static void test_open_timeout_max_follows_the_breakers_open_timeout(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[a]\nhosts = a.example\nopen_timeout = 45s\n");
	assert_int_equal(cfg->breakers[0].open_timeout_max_ms, 45000);
	cb_config_free(cfg);
}

/* ---- errors, each with its line ---- */

static void test_unknown_breaker_key_reported_at_its_line(void **state)
{
	(void)state;
	expect_error("[api]\nhosts = a.example\n\nfailur_rate = 5\n", 4,
	             "[api] unknown key \"failur_rate\"");
}

static void test_unknown_global_key_reported_at_its_line(void **state)
{
	(void)state;
	expect_error("; comment\n[global]\nstat_file = auto\n", 3,
	             "[global] unknown key \"stat_file\"");
	expect_error("[global]\nhosts = a.example\n", 2, "[global] unknown key \"hosts\"");
}

static void test_bad_value_names_key_and_value(void **state)
{
	(void)state;
	expect_error("[api]\nhosts = a.example\nwindow = soon\n", 3,
	             "[api] window = soon: not a duration");
}

static void test_out_of_range_value_reported(void **state)
{
	(void)state;
	expect_error("[api]\nhosts = a.example\nfailure_rate = 150\n", 3,
	             "[api] failure_rate = 150: out of range (0..100%)");
	expect_error("[api]\nhosts = a.example\njitter = 101%\n", 3, "out of range");
}

static void test_duplicate_breaker_reported_at_second_header(void **state)
{
	(void)state;
	expect_error("[api]\nhosts = a.example\n\n[api]\nhosts = b.example\n", 4,
	             "duplicate breaker [api] (first on line 1)");
}

static void test_duplicate_global_and_defaults_sections_reported(void **state)
{
	(void)state;
	expect_error("[global]\n[global]\n", 2, "duplicate section [global] (first on line 1)");
	expect_error("[defaults]\n[a]\nhosts=a\n[defaults]\n", 4, "duplicate section [defaults]");
}

static void test_duplicate_key_in_a_section_is_an_error(void **state)
{
	(void)state;
	expect_error("[api]\nhosts = a.example\nwindow = 5s\nwindow = 6s\n", 4,
	             "[api] duplicate key window (first on line 3)");
	expect_error("[api]\nhosts = a.example\nhosts = b.example\n", 3, "duplicate key hosts");
	expect_error("[global]\nmode = observe\nmode = enforce\n", 3, "duplicate key mode");
}

static void test_missing_hosts_reported_at_section_line(void **state)
{
	(void)state;
	expect_error("[a]\nhosts = a.example\n\n[b]\nfailure_rate = 5\n", 4, "[b] has no hosts");
	expect_error("[empty]\n", 1, "[empty] has no hosts");
}

static void test_empty_hosts_reported_at_hosts_line(void **state)
{
	(void)state;
	expect_error("[b]\nfailure_rate = 5\nhosts =\nwindow = 5s\n", 3, "[b] hosts: empty value");
	expect_error("[b]\nhosts = ,\n", 2, "[b] hosts: empty value");
}

static void test_unparsable_pattern_names_the_pattern(void **state)
{
	(void)state;
	expect_error("[b]\nhosts = good.example bad.example:99999\n", 2,
	             "[b] hosts: pattern \"bad.example:99999\"");
	expect_error("[b]\nhosts = a.example\n  10.0.0.1/8\n", 3, "pattern \"10.0.0.1/8\"");
}

static void test_defaults_accepts_only_breaker_keys(void **state)
{
	(void)state;
	expect_error("[defaults]\nstate_file = none\n[a]\nhosts = a\n", 2,
	             "[defaults] unknown key \"state_file\"");
	expect_error("[defaults]\nhosts = a.example\n", 2, "[defaults] hosts: not allowed here");
}

static void test_same_pattern_in_two_breakers_is_an_error(void **state)
{
	(void)state;
	expect_error("[a]\nhosts = api.example:443\n[b]\nhosts = API.example:443\n", 4,
	             "[b] hosts: pattern \"API.example:443\" is already in [a] (line 2)");
}

static void test_same_pattern_twice_in_one_breaker_is_harmless(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[a]\nhosts = a.example a.example\n");
	assert_string_equal(cfg->breakers[0].hosts, "a.example");
	cb_config_free(cfg);
}

static void test_breaker_names_are_checked(void **state)
{
	(void)state;
	expect_error("[a b]\nhosts = a\n", 1, "bad breaker name [a b]");
	expect_error("[]\nhosts = a\n", 1, "bad breaker name []");
	expect_error("[caf\xc3\xa9]\nhosts = a\n", 1, "bad breaker name");
	char text[256], name[80];
	memset(name, 'n', 64);
	name[64] = '\0';
	snprintf(text, sizeof(text), "[%s]\nhosts = a.example\n", name);
	expect_error(text, 1, "bad breaker name");
	name[63] = '\0'; /* 63 characters: inih alone would cut it at 49 */
	snprintf(text, sizeof(text), "[%s]\nhosts = a.example\n", name);
	struct cb_config *cfg = load(text);
	assert_string_equal(cfg->breakers[0].name, name);
	cb_config_free(cfg);
	cfg = load("[api.v2_x-1]\nhosts = a.example\n");
	assert_string_equal(cfg->breakers[0].name, "api.v2_x-1");
	cb_config_free(cfg);
}

static void test_malformed_lines_reported_each_at_its_line(void **state)
{
	(void)state;
	/* Keys under a broken header are skipped, not added to [a]. */
	write_text(path, "[a]\nhosts = a.example\nnonsense\n[b\nhosts = b.example\nalso bad\n");
	assert_null(cb_config_load(path, &diag));
	assert_int_equal(diag.count, 3);
	assert_true(has_error(3, "expected [section], key = value, or a comment"));
	assert_true(has_error(4, "section header without ']'"));
	assert_true(has_error(6, "expected [section], key = value, or a comment"));
}

static void test_key_before_any_section_is_an_error(void **state)
{
	(void)state;
	expect_error("mode = observe\n[a]\nhosts = a\n", 1, "key \"mode\" outside any [section]");
}

static void test_open_timeout_max_below_open_timeout_is_an_error(void **state)
{
	(void)state;
	expect_error("[a]\nhosts = a\nopen_timeout = 1m\nopen_timeout_max = 30s\n", 4,
	             "[a] open_timeout_max (30s) is below open_timeout (1m)");
	/* Both from [defaults]: once, there, not once per breaker. */
	struct cb_breaker_config dflt = builtin();
	char open[32], want[128];
	cb_keys_breaker_format(&dflt, CB_KEY_OPEN_TIMEOUT, open, sizeof(open));
	snprintf(want, sizeof(want), "[defaults] open_timeout_max (1ms) is below open_timeout (%s)",
	         open);
	expect_error("[defaults]\nopen_timeout_max = 1ms\n[a]\nhosts = a\n[b]\nhosts = b\n", 2,
	             want);
	/* The breaker's own open_timeout against the inherited maximum. */
	expect_error("[defaults]\nopen_timeout_max = 1m\n[a]\nhosts = a\nopen_timeout = 2m\n", 5,
	             "[a] open_timeout_max (1m) is below open_timeout (2m)");
}

static void test_continuation_of_a_single_value_key_is_an_error(void **state)
{
	(void)state;
	expect_error("[a]\nhosts = a\nwindow = 5s\n  10s\n", 4, "takes a single value");
	expect_error("[global]\nlog = stderr\n  syslog\n", 3, "a global key takes a single value");
	expect_error("[a]\nhosts = a.example\n  window = 5s\n", 3,
	             "remove the indentation to start a new key");
}

static void test_global_paths_must_be_absolute(void **state)
{
	(void)state;
	expect_error("[global]\nstate_file = state.bin\n", 2,
	             "expected auto, none or an absolute path");
	expect_error("[global]\nsocket = run/cb.sock\n", 2,
	             "expected auto, off or an absolute path");
	expect_error("[global]\nlog = cb.log\n", 2, "expected stderr, syslog, off or an absolute");
}

static void test_state_mode_rejects_world_writable_and_non_octal(void **state)
{
	(void)state;
	expect_error("[global]\nstate_mode = 0666\n", 2, "world-writable");
	expect_error("[global]\nstate_mode = 0680\n", 2, "octal");
	expect_error("[global]\nstate_mode = 4660\n", 2, "only permission bits");
	expect_error("[global]\nstate_mode = 0460\n", 2, "the owner needs read and write");
	struct cb_config *cfg = load("[global]\nstate_mode = 660\n");
	assert_int_equal(cfg->global.state_mode, 0660);
	cb_config_free(cfg);
}

static void test_unknown_state_group_is_an_error(void **state)
{
	(void)state;
	expect_error("[global]\nstate_group = no-such-group-cbreaker\n", 2, "no such group");
}

static void test_discover_is_off_or_a_bounded_count(void **state)
{
	(void)state;
	expect_error("[global]\ndiscover = on\n", 2, "expected off or a number");
	expect_error("[global]\ndiscover = 0\n", 2, "expected off or a number");
	expect_error("[global]\ndiscover = 4097\n", 2, "expected off or a number");
}

static void test_empty_values_are_errors(void **state)
{
	(void)state;
	expect_key_error("window =", "[b] window: empty value");
	expect_key_error("failure_errors =", "[b] failure_errors: empty value");
	expect_error("[global]\nmode =\n", 2, "[global] mode: empty value");
}

/* ---- whole-file behaviour ---- */

static void test_one_bad_key_means_no_configuration(void **state)
{
	(void)state;
	write_text(path, "[a]\nhosts = a.example\n[b]\nhosts = b.example\nmin_calls = many\n");
	assert_null(cb_config_load(path, &diag));
	assert_int_equal(diag.count, 1);
}

static void test_all_errors_are_counted_and_the_first_ones_kept_in_line_order(void **state)
{
	(void)state;
	char *text = malloc(64 * 40);
	assert_non_null(text);
	size_t used = 0;
	used += (size_t)sprintf(text + used, "[a]\nhosts = a.example\n");
	for (int i = 0; i < 40; i++)
		used += (size_t)sprintf(text + used, "bogus%d = 1\n", i);
	used += (size_t)sprintf(text + used, "[nohosts]\n");
	write_text(path, text);
	free(text);
	assert_null(cb_config_load(path, &diag));
	assert_int_equal(diag.count, 41);
	for (int i = 0; i < CB_DIAG_MAX; i++) {
		char prefix[PATH_MAX + 32];
		snprintf(prefix, sizeof(prefix), "%s:%d: [a] unknown key \"bogus%d\"", path, i + 3,
		         i);
		assert_string_equal(diag.msg[i], prefix);
	}
}

static void test_missing_file_gives_one_cannot_open_message(void **state)
{
	(void)state;
	char missing[PATH_MAX + 16];
	snprintf(missing, sizeof(missing), "%s/nope.ini", dir);
	assert_null(cb_config_load(missing, &diag));
	assert_int_equal(diag.count, 1);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s: cannot open: %s", missing, strerror(ENOENT));
	assert_string_equal(diag.msg[0], want);
}

static void test_a_directory_is_refused_as_not_a_regular_file(void **state)
{
	(void)state;
	assert_null(cb_config_load(dir, &diag));
	assert_int_equal(diag.count, 1);
	assert_non_null(strstr(diag.msg[0], "is a directory, not a regular file"));
}

static void test_a_device_is_refused_without_reading_it(void **state)
{
	(void)state;
	assert_null(cb_config_load("/dev/zero", &diag));
	assert_int_equal(diag.count, 1);
	assert_string_equal(diag.msg[0], "/dev/zero: is a character device, not a regular file");
}

static void test_a_fifo_is_refused_without_waiting_for_a_writer(void **state)
{
	(void)state;
	char fifo[PATH_MAX + 16];
	snprintf(fifo, sizeof(fifo), "%s/fifo.ini", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_null(cb_config_load(fifo, &diag));
	assert_int_equal(diag.count, 1);
	assert_non_null(strstr(diag.msg[0], "is a FIFO, not a regular file"));
	unlink(fifo);
}

static void test_a_file_over_the_size_cap_is_refused(void **state)
{
	(void)state;
	write_text(path, "[a]\nhosts = a.example\n");
	assert_int_equal(truncate(path, CB_CONFIG_MAX_BYTES + 1), 0);
	assert_null(cb_config_load(path, &diag));
	assert_int_equal(diag.count, 1);
	assert_non_null(strstr(diag.msg[0], "larger than 16 MiB"));
}

static void test_a_file_at_the_size_cap_is_read(void **state)
{
	(void)state;
	write_text(path, "[a]\nhosts = a.example\n");
	/* The rest is NUL bytes: refused for them, not for the size. */
	assert_int_equal(truncate(path, CB_CONFIG_MAX_BYTES), 0);
	assert_null(cb_config_load(path, &diag));
	assert_true(has_error(3, "NUL byte in the line"));
}

static void test_a_nul_byte_in_a_value_is_an_error_with_its_line(void **state)
{
	(void)state;
	static const char text[] = "[a]\nhosts = a.example\nfailure_threshold = 5\0 0\n";
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
	assert_int_equal(fclose(f), 0);
	assert_null(cb_config_load(path, &diag));
	assert_int_equal(diag.count, 1);
	assert_true(has_error(3, "NUL byte in the line"));
}

static void test_control_characters_from_the_file_are_escaped_in_messages(void **state)
{
	(void)state;
	write_text(path, "[a]\nhosts = a.example\nfailure_threshold = 5\033[2J\r\n"
	                 "[b\x9b]\nhosts = b.example\n");
	assert_null(cb_config_load(path, &diag));
	print_diag();
	assert_true(has_error(3, "failure_threshold = 5\\x1b[2J"));
	assert_true(has_error(4, "[b\\x9b]"));
	for (size_t i = 0; i < diag.count && i < CB_DIAG_MAX; i++)
		for (const char *p = diag.msg[i]; *p; p++)
			assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void test_real_path_resolves_symlinks(void **state)
{
	(void)state;
	char link[PATH_MAX + 16], want[PATH_MAX];
	write_text(path, "[a]\nhosts = a.example\n");
	snprintf(link, sizeof(link), "%s/link.ini", dir);
	assert_int_equal(symlink(path, link), 0);
	struct cb_config *cfg = cb_config_load(link, &diag);
	assert_non_null(cfg);
	assert_string_equal(cfg->path, link);
	assert_non_null(realpath(path, want));
	assert_string_equal(cfg->real_path, want);
	cb_config_free(cfg);
}

static void test_empty_file_loads_with_no_breakers(void **state)
{
	(void)state;
	struct cb_config *cfg = load("; nothing yet\n");
	assert_int_equal(cfg->n_breakers, 0);
	assert_non_null(cfg->matcher);
	cb_config_free(cfg);
}

static void test_lines_longer_than_inihs_buffer_keep_their_value_and_numbering(void **state)
{
	(void)state;
	char text[4096], hosts[2048] = "";
	size_t used = 0;
	for (int i = 0; i < 60; i++)
		used += (size_t)snprintf(hosts + used, sizeof(hosts) - used, "%shost%d.example.com",
		                         i ? " " : "", i);
	assert_true(used > 400);
	snprintf(text, sizeof(text), "[a]\nhosts = %s ; trailing comment\nwindow = 7s\nbogus = 1\n",
	         hosts);
	write_text(path, text);
	assert_null(cb_config_load(path, &diag));
	assert_int_equal(diag.count, 1);
	assert_true(has_error(4, "unknown key \"bogus\""));

	snprintf(text, sizeof(text), "[a]\nhosts = %s ; trailing comment\nwindow = 7s\n", hosts);
	struct cb_config *cfg = load(text);
	assert_string_equal(cfg->breakers[0].hosts, hosts);
	assert_int_equal(cfg->breakers[0].window_ms, 7000);
	assert_int_equal(cb_matcher_lookup(cfg->matcher, "host59.example.com", NULL, 80), 0);
	cb_config_free(cfg);
}

static void test_bom_crlf_colons_and_inline_comments_are_understood(void **state)
{
	(void)state;
	struct cb_config *cfg = load("\xEF\xBB\xBF[a]\r\n"
	                             "hosts: a.example ; the API\r\n"
	                             "# a comment\r\n"
	                             "window = 9s ; a comment needs a space before it\r\n");
	assert_string_equal(cfg->breakers[0].hosts, "a.example");
	assert_int_equal(cfg->breakers[0].window_ms, 9000);
	cb_config_free(cfg);
	expect_error("\xEF\xBB\xBF[a]\r\nhosts = a\r\nwindow = 9s;x\r\n", 3, "window = 9s;x");
}

static void test_patterns_reach_the_matcher_with_breaker_ids_in_file_order(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[a]\nhosts = a.example:443\n"
	                             "[b]\nhosts = 10.1.0.0/16 *.b.example\n");
	assert_int_equal(cb_matcher_lookup(cfg->matcher, "a.example", NULL, 443), 0);
	assert_int_equal(cb_matcher_lookup(cfg->matcher, "a.example", NULL, 80), -1);
	assert_int_equal(cb_matcher_lookup(cfg->matcher, "x.b.example", NULL, 80), 1);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	assert_int_equal(cb_matcher_lookup(cfg->matcher, NULL, (struct sockaddr *)&sin, 5432), 1);
	cb_config_free(cfg);
}

static void test_default_path_comes_from_the_environment(void **state)
{
	(void)state;
	setenv("CBREAKER_CONFIG", "/x/y.ini", 1);
	assert_string_equal(cb_config_default_path(), "/x/y.ini");
	setenv("CBREAKER_CONFIG", "", 1);
	assert_string_equal(cb_config_default_path(), CB_DEFAULT_CONFIG);
	unsetenv("CBREAKER_CONFIG");
	assert_string_equal(cb_config_default_path(), CB_DEFAULT_CONFIG);
}

static void test_ten_thousand_breakers_load(void **state)
{
	(void)state;
	enum { N = 10000 };
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[defaults]\nfailure_threshold = 4\n");
	for (int i = 0; i < N; i++)
		fprintf(f, "[svc%d]\nhosts = svc%d.example.com:443 10.%d.%d.0/24\nwindow = %ds\n",
		        i, i, i / 256, i % 256, 1 + i % 100);
	assert_int_equal(fclose(f), 0);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct cb_config *cfg = cb_config_load(path, &diag);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!cfg) {
		print_diag();
		fail_msg("the 10,000-breaker file did not load");
	}
	print_message("loaded %d breakers (%d patterns) in %.1f ms\n", N, 2 * N,
	              (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	                      (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	assert_int_equal(cfg->n_breakers, N);
	assert_string_equal(cfg->breakers[N - 1].name, "svc9999");
	assert_int_equal(cfg->breakers[N - 1].failure_threshold, 4);
	assert_int_equal(cfg->breakers[N - 1].window_ms, 100000);
	assert_int_equal(cb_matcher_lookup(cfg->matcher, "svc1234.example.com", NULL, 443), 1234);
	cb_config_free(cfg);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_breaker_with_only_hosts_gets_the_built_in_defaults),
	        T(test_every_default_parses_and_formats_back_to_itself),
	        T(test_readme_lists_every_key_with_its_default),
	        T(test_example_configuration_shows_every_key_with_its_default),
	        T(test_every_breaker_key_takes_a_custom_value),
	        T(test_every_breaker_value_formats_as_it_is_written),
	        T(test_global_keys_get_the_built_in_defaults),
	        T(test_every_global_key_takes_a_custom_value),
	        T(test_global_words_none_off_syslog_and_numeric_group),
	        T(test_duration_units_and_bare_seconds),
	        T(test_duration_rejects_negative_garbage_overflow_and_submillisecond),
	        T(test_percent_accepts_sign_or_bare_and_rejects_out_of_range),
	        T(test_count_bounds_and_garbage),
	        T(test_backoff_multiplier_is_a_number_of_at_least_one),
	        T(test_zero_durations_rejected_where_spec_requires_more),
	        T(test_lists_split_on_spaces_tabs_and_commas),
	        T(test_lists_continue_on_indented_lines_with_comments),
	        T(test_none_empties_a_list_and_must_stand_alone),
	        T(test_http_status_items_within_100_to_599),
	        T(test_errno_and_curlcode_names_are_checked),
	        T(test_enum_words_are_exact_lowercase),
	        T(test_errno_names_round_trip_for_every_linux_errno),
	        T(test_curlcode_names_round_trip_for_every_code),
	        T(test_defaults_apply_to_every_breaker_and_own_values_win),
	        T(test_defaults_after_the_breakers_still_apply),
	        T(test_breaker_mode_follows_global_unless_set),
	        T(test_open_timeout_max_follows_the_breakers_open_timeout),
	        T(test_unknown_breaker_key_reported_at_its_line),
	        T(test_unknown_global_key_reported_at_its_line),
	        T(test_bad_value_names_key_and_value),
	        T(test_out_of_range_value_reported),
	        T(test_duplicate_breaker_reported_at_second_header),
	        T(test_duplicate_global_and_defaults_sections_reported),
	        T(test_duplicate_key_in_a_section_is_an_error),
	        T(test_missing_hosts_reported_at_section_line),
	        T(test_empty_hosts_reported_at_hosts_line),
	        T(test_unparsable_pattern_names_the_pattern),
	        T(test_defaults_accepts_only_breaker_keys),
	        T(test_same_pattern_in_two_breakers_is_an_error),
	        T(test_same_pattern_twice_in_one_breaker_is_harmless),
	        T(test_breaker_names_are_checked),
	        T(test_malformed_lines_reported_each_at_its_line),
	        T(test_key_before_any_section_is_an_error),
	        T(test_open_timeout_max_below_open_timeout_is_an_error),
	        T(test_continuation_of_a_single_value_key_is_an_error),
	        T(test_global_paths_must_be_absolute),
	        T(test_state_mode_rejects_world_writable_and_non_octal),
	        T(test_unknown_state_group_is_an_error),
	        T(test_discover_is_off_or_a_bounded_count),
	        T(test_empty_values_are_errors),
	        T(test_one_bad_key_means_no_configuration),
	        T(test_all_errors_are_counted_and_the_first_ones_kept_in_line_order),
	        T(test_missing_file_gives_one_cannot_open_message),
	        T(test_a_directory_is_refused_as_not_a_regular_file),
	        T(test_a_device_is_refused_without_reading_it),
	        T(test_a_fifo_is_refused_without_waiting_for_a_writer),
	        T(test_a_file_over_the_size_cap_is_refused),
	        T(test_a_file_at_the_size_cap_is_read),
	        T(test_a_nul_byte_in_a_value_is_an_error_with_its_line),
	        T(test_control_characters_from_the_file_are_escaped_in_messages),
	        T(test_real_path_resolves_symlinks),
	        T(test_empty_file_loads_with_no_breakers),
	        T(test_lines_longer_than_inihs_buffer_keep_their_value_and_numbering),
	        T(test_bom_crlf_colons_and_inline_comments_are_understood),
	        T(test_patterns_reach_the_matcher_with_breaker_ids_in_file_order),
	        T(test_default_path_comes_from_the_environment),
	        T(test_ten_thousand_breakers_load),
	};
	return cmocka_run_group_tests_name("config", tests, make_dir, remove_dir);
}
