/* path.c - where a configuration's state file and control socket are
 * (README "Shared state"). The shim and the tool both call these, so that
 * `cbreaker` finds what the protected programs created.
 *
 * auto state:  /dev/shm/cbreaker-<euid>/cbreaker-<hash>.state, <hash> =
 *              FNV-1a-64 of the configuration's real path in 16 hex digits:
 *              one file per configuration and user.
 * auto socket: the state path with .state replaced by .sock; with
 *              state_file = none, .../cbreaker-<hash>-<pid>.sock, since each
 *              process then has breakers of its own.
 * explicit socket: %p is replaced by the pid, %% by %.
 *
 * The directory is derived from the effective uid alone, never from the
 * environment: a cron job (no XDG_RUNTIME_DIR) and a login shell of the same
 * user must find the same breakers. Not /run/user/<uid> either: it exists
 * only while the user has a login session, and logind removes it, with any
 * state in it, at the last logout.
 *
 * Names in a world-writable directory are predictable, so another user
 * could plant a socket or lock file there and answer the tool in the
 * shim's place. Hence a private directory (mode 0700, owned by the euid,
 * not a symlink), created on first use and checked on every use; a
 * directory failing the check gives no auto path at all. Once verified it
 * stays ours: /dev/shm is sticky, so nobody else can rename or replace it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "state/layout.h"
#include "state/store.h"

/* 0 when snprintf's result n fitted in len bytes. */
static int fits(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int cb_store_private_dir(char *buf, size_t len, char *why, size_t whylen)
{
	uid_t euid = geteuid();
	if (whylen)
		why[0] = '\0';
	if (fits(snprintf(buf, len, "%s/cbreaker-%u", CB_STORE_AUTO_BASE, (unsigned)euid), len)) {
		snprintf(why, whylen, "path too long");
		return -1;
	}
	struct stat sb;
	if (lstat(buf, &sb) != 0) {
		if (errno != ENOENT || mkdir(buf, 0700) != 0) {
			snprintf(why, whylen, "cannot create %s: %s", buf, strerror(errno));
			return -1;
		}
		/* The umask may have narrowed it; nobody else can reach it yet. */
		if (chmod(buf, 0700) != 0 || lstat(buf, &sb) != 0) {
			snprintf(why, whylen, "cannot set up %s: %s", buf, strerror(errno));
			return -1;
		}
	}
	if (!S_ISDIR(sb.st_mode))
		snprintf(why, whylen, "%s is not a directory", buf);
	else if (sb.st_uid != euid)
		snprintf(why, whylen, "%s belongs to uid %u, not %u", buf, (unsigned)sb.st_uid,
		         (unsigned)euid);
	else if (sb.st_mode & 077)
		snprintf(why, whylen, "%s has mode %04o; it must be private (0700)", buf,
		         (unsigned)(sb.st_mode & 07777));
	else
		return 0;
	return -1;
}

/* "<private dir>/cbreaker-<hash>" */
static int auto_stem(const struct cb_config *cfg, char *buf, size_t len)
{
	char dir[PATH_MAX], why[PATH_MAX + 64];
	if (cb_store_private_dir(dir, sizeof(dir), why, sizeof(why)) != 0)
		return -1;
	return fits(snprintf(buf, len, "%s/cbreaker-%016llx", dir,
	                     (unsigned long long)cb_fnv1a_str(cfg->real_path)),
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
