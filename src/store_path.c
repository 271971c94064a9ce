/* store_path.c - where a configuration's state file and control socket are
 * (SPEC sections 5 and 6). The shim and the tool both call these, so that
 * `cbreaker` finds what the protected programs created.
 *
 * auto state:  $XDG_RUNTIME_DIR (else /dev/shm)/cbreaker-<euid>-<hash>.state,
 *              <hash> = FNV-1a-64 of the configuration's real path in 16 hex
 *              digits: one file per configuration and user.
 * auto socket: the state path with .state replaced by .sock; with
 *              state_file = none, ...-<hash>-<pid>.sock, since each process
 *              then has breakers of its own.
 * explicit socket: %p is replaced by the pid, %% by %. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "store.h"
#include "store_impl.h"

uint64_t cb_store_fnv1a64(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* A relative or empty XDG_RUNTIME_DIR is ignored, as the XDG spec asks. */
static const char *runtime_dir(void)
{
	const char *d = getenv("XDG_RUNTIME_DIR");
	return d && d[0] == '/' ? d : "/dev/shm";
}

/* 0 when snprintf's result n fitted in len bytes. */
static int fits(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* "<dir>/cbreaker-<euid>-<hash>" */
static int auto_stem(const struct cb_config *cfg, char *buf, size_t len)
{
	return fits(snprintf(buf, len, "%s/cbreaker-%u-%016llx", runtime_dir(), (unsigned)geteuid(),
	                     (unsigned long long)cb_store_fnv1a64(cfg->real_path)),
	            len);
}

int cb_store_state_path(const struct cb_config *cfg, char *buf, size_t len)
{
	if (len == 0)
		return -1;
	buf[0] = '\0';
	switch (cfg->global.state_file_kind) {
	case CB_PATH_NONE:
		return 0;
	case CB_PATH_EXPLICIT:
		return fits(snprintf(buf, len, "%s", cfg->global.state_file), len);
	case CB_PATH_AUTO:
		break;
	}
	char stem[PATH_MAX];
	if (auto_stem(cfg, stem, sizeof(stem)) != 0)
		return -1;
	return fits(snprintf(buf, len, "%s.state", stem), len);
}

static int expand_pid(const char *pattern, char *buf, size_t len)
{
	size_t o = 0;
	for (const char *p = pattern; *p; p++) {
		char num[24];
		const char *piece = num;
		if (p[0] == '%' && p[1] == 'p') {
			snprintf(num, sizeof(num), "%d", (int)getpid());
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			num[0] = '%';
			num[1] = '\0';
			p++;
		} else {
			num[0] = *p;
			num[1] = '\0';
		}
		size_t n = strlen(piece);
		if (o + n >= len)
			return -1;
		memcpy(buf + o, piece, n);
		o += n;
	}
	buf[o] = '\0';
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* -1 as well when the result cannot be bound: sun_path holds 107 bytes. */
int cb_store_socket_path(const struct cb_config *cfg, char *buf, size_t len)
{
	if (len == 0)
		return -1;
	buf[0] = '\0';
	char tmp[PATH_MAX];
	int rc;
	switch (cfg->global.socket_kind) {
	case CB_PATH_NONE:
		return 0;
	case CB_PATH_EXPLICIT:
		rc = expand_pid(cfg->global.socket, tmp, sizeof(tmp));
		break;
	case CB_PATH_AUTO:
	default:
		if (cfg->global.state_file_kind == CB_PATH_NONE) {
			char stem[PATH_MAX];
			rc = auto_stem(cfg, stem, sizeof(stem));
			if (rc == 0)
				rc = fits(snprintf(tmp, sizeof(tmp), "%s-%d.sock", stem,
				                   (int)getpid()),
				          sizeof(tmp));
		} else {
			rc = cb_store_state_path(cfg, tmp, sizeof(tmp));
			if (rc == 0 && ends_with(tmp, ".state"))
				tmp[strlen(tmp) - strlen(".state")] = '\0';
			if (rc == 0)
				rc = fits((int)(strlen(tmp) + strlen(".sock")), sizeof(tmp));
			if (rc == 0)
				strcat(tmp, ".sock");
		}
		break;
	}
	if (rc != 0 || strlen(tmp) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -1;
	return fits(snprintf(buf, len, "%s", tmp), len);
}
