/* fleet.c - the [fleet] keys (README "Fleet mode"): where Redis is, which
 * fleet and host this is, the quorum, the cap on remote openings and the
 * password file. Nothing here opens a file or resolves a name: the shim
 * loads this section too, and only the agent acts on it. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config/fleet.h"
#include "config/value.h"

static const char *const fkey_names[CB_FKEY_COUNT] = {
        [CB_FKEY_REDIS] = "redis",       [CB_FKEY_NAME] = "name",
        [CB_FKEY_HOST_ID] = "host_id",   [CB_FKEY_QUORUM] = "quorum",
        [CB_FKEY_MAX_OPEN] = "max_open", [CB_FKEY_PASSWORD_FILE] = "password_file",
};

int cb_fleet_key_find(const char *name)
{
	for (int k = 0; k < CB_FKEY_COUNT; k++)
		if (strcmp(fkey_names[k], name) == 0)
			return k;
	return -1;
}

void cb_fleet_defaults(struct cb_fleet_config *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->redis, sizeof(f->redis), "127.0.0.1:%d", CB_FLEET_DEFAULT_PORT);
	snprintf(f->redis_host, sizeof(f->redis_host), "127.0.0.1");
	f->redis_port = CB_FLEET_DEFAULT_PORT;
	snprintf(f->name, sizeof(f->name), "default");
	f->quorum = CB_FLEET_DEFAULT_QUORUM;
	f->max_open_ms = CB_FLEET_DEFAULT_MAX_MS;
}

bool cb_fleet_valid_name(const char *s, size_t len)
{
	if (len == 0 || len >= CB_NAME_MAX)
		return false;
	/* s[i] != '\0' first: strchr finds the terminator of "_.-" too, and
	 * names from Redis are counted bytes that may hold a NUL. */
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0' || (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i])))
			return false;
	return true;
}

/* A host name or address as hiredis will resolve it: letters, digits,
 * '.', '-', '_' (or ':' inside brackets for IPv6). */
static bool valid_host(const char *s, size_t len, bool v6)
{
	if (len == 0 || len >= CB_HOST_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isalnum(c) || c == '.' || c == '-' || c == '_' || (v6 && c == ':')))
			return false;
	}
	return true;
}

/* host:port, [v6]:port, or unix:/absolute/path. */
static int parse_redis(struct cb_fleet_config *f, const char *value, char *err, size_t errlen)
{
	static const char usage[] = "expected host:port, [ipv6]:port or unix:/path/to/redis.sock";
	if (strlen(value) >= sizeof(f->redis))
		return cb_value_fail(err, errlen, "too long");
	if (strncmp(value, "unix:", 5) == 0) {
		if (value[5] != '/')
			return cb_value_fail(err, errlen, "unix: needs an absolute path");
		snprintf(f->redis_unix, sizeof(f->redis_unix), "%s", value + 5);
		f->redis_host[0] = '\0';
		f->redis_port = 0;
		snprintf(f->redis, sizeof(f->redis), "%s", value);
		return 0;
	}
	const char *host = value, *colon;
	size_t hlen;
	bool v6 = value[0] == '[';
	if (v6) {
		const char *close = strchr(value, ']');
		if (!close || close[1] != ':')
			return cb_value_fail(err, errlen, "%s", usage);
		host = value + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(value, ':');
		if (!colon || strchr(value, ':') != colon)
			return cb_value_fail(err, errlen, "%s", usage);
		hlen = (size_t)(colon - value);
	}
	if (!valid_host(host, hlen, v6))
		return cb_value_fail(err, errlen, "%s", usage);
	uint64_t port;
	char perr[64];
	if (cb_value_count(colon + 1, 1, 65535, &port, perr, sizeof(perr)) < 0)
		return cb_value_fail(err, errlen, "port: expected 1..65535");
	snprintf(f->redis_host, sizeof(f->redis_host), "%.*s", (int)hlen, host);
	f->redis_port = (uint16_t)port;
	f->redis_unix[0] = '\0';
	snprintf(f->redis, sizeof(f->redis), "%s", value);
	return 0;
}

static int parse_name(char out[CB_NAME_MAX], const char *value, char *err, size_t errlen)
{
	if (!cb_fleet_valid_name(value, strlen(value)))
		return cb_value_fail(err, errlen, "use 1 to %d of the characters A-Z a-z 0-9 _ . -",
		                     CB_NAME_MAX - 1);
	snprintf(out, CB_NAME_MAX, "%s", value);
	return 0;
}

int cb_fleet_parse(struct cb_fleet_config *f, int key, const char *value, char *err, size_t errlen)
{
	uint64_t n;

	switch (key) {
	case CB_FKEY_REDIS:
		return parse_redis(f, value, err, errlen);
	case CB_FKEY_NAME:
		return parse_name(f->name, value, err, errlen);
	case CB_FKEY_HOST_ID:
		return parse_name(f->host_id, value, err, errlen);
	case CB_FKEY_QUORUM:
		if (cb_value_count(value, 1, CB_FLEET_QUORUM_MAX, &n, err, errlen) < 0)
			return -1;
		f->quorum = (uint32_t)n;
		return 0;
	case CB_FKEY_MAX_OPEN:
		if (cb_value_duration(value, &f->max_open_ms, err, errlen) < 0)
			return -1;
		if (f->max_open_ms == 0)
			return cb_value_fail(err, errlen, "must be longer than 0");
		return 0;
	case CB_FKEY_PASSWORD_FILE:
		/* Relative paths would depend on the agent's working directory. */
		if (value[0] != '/')
			return cb_value_fail(err, errlen, "expected an absolute path");
		if (strlen(value) >= sizeof(f->password_file))
			return cb_value_fail(err, errlen, "path too long");
		snprintf(f->password_file, sizeof(f->password_file), "%s", value);
		return 0;
	}
	return cb_value_fail(err, errlen, "unknown key");
}
