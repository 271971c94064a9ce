/* file.c - the state file: create it atomically, open and validate an
 * existing one, map it (README "Shared state").
 *
 * Creation: a temporary file in the same directory (O_EXCL, O_NOFOLLOW) gets
 * its mode, group, size and complete header (magic last) and is then
 * link(2)ed to the real name. link never replaces anything, so of several
 * processes racing to create it exactly one wins; the others open the
 * winner's file, which was complete before it had its name.
 *
 * An existing file is used only when it is a regular file (O_NOFOLLOW
 * refuses a symlink), not writable by others, and owned by the effective uid
 * - or, when the configuration names a state_group, its group is that group
 * and it is group-writable (the operator said the state is shared with that
 * group; then any owner is accepted). Then its header must match this build's
 * layout and its size. A refused file is never modified.
 *
 * The tool (offline mode) applies the same rule and also accepts a file of
 * root's: an operator reads what root's daemons keep. It never trusts a file
 * merely because its permissions let it in: a file another user planted at
 * an explicit path would otherwise show made-up breakers, or swallow a
 * force-open that protects nothing.
 *
 * The file's blocks are allocated when it is created (posix_fallocate, not
 * ftruncate): a sparse file on a full tmpfs would raise SIGBUS in the
 * protected program at its first write to a new page of slots.
 *
 * The descriptor is closed once mapped: the mapping outlives it, so a daemon
 * that closes every descriptor keeps its breakers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/layout.h"
#include "state/store.h"

/* Of processes racing to create the file, a loser whose winner's file then
 * vanished tries again; a few rounds cover any honest race. */
#define CREATE_ATTEMPTS 4

static void reason(char *why, size_t whylen, const char *what, int err)
{
	snprintf(why, whylen, "%s: %s", what, strerror(err));
}

/* The owner rule above; NULL when the file may be used. */
static const char *check_owner(const struct stat *sb, const struct cb_config *cfg, bool as_tool,
                               char *buf, size_t len)
{
	if (sb->st_mode & S_IWOTH)
		return "writable by any user";
	if (sb->st_uid == geteuid() || (as_tool && sb->st_uid == 0))
		return NULL;
	bool group = cfg && cfg->global.has_state_group;
	if (group && sb->st_gid == cfg->global.state_group && (sb->st_mode & S_IWGRP))
		return NULL;
	snprintf(buf, len, "owned by uid %u, not %u%s%s", (unsigned)sb->st_uid, (unsigned)geteuid(),
	         as_tool && geteuid() != 0 ? " or root" : "",
	         group ? ", and not group-writable by state_group" : "");
	return buf;
}

static struct cb_store *wrap(unsigned char *base, size_t size, bool writable, const char *path,
                             const struct stat *sb, char *why, size_t whylen)
{
	struct cb_store *st = calloc(1, sizeof(*st));
	if (!st) {
		munmap(base, size);
		if (whylen)
			why[0] = '\0';
		return NULL;
	}
	cb_store_bind(st, base, size);
	st->writable = writable;
	snprintf(st->path, sizeof(st->path), "%s", path);
	snprintf(st->watch, sizeof(st->watch), "%s", path);
	st->watch_exists = true;
	st->watch_dev = sb->st_dev;
	st->watch_ino = sb->st_ino;
	return st;
}

/* Opens an existing file; NULL with errno ENOENT (and why set) when absent. */
static struct cb_store *open_existing(const char *path, const struct cb_config *cfg, bool as_tool,
                                      bool writable, char *why, size_t whylen)
{
	/* O_NONBLOCK: a FIFO planted under the name must not hang the program. */
	int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	                            O_NONBLOCK);
	if (fd < 0) {
		int err = errno;
		if (err == ELOOP)
			snprintf(why, whylen, "is a symbolic link");
		else
			reason(why, whylen, "cannot open", err);
		errno = err;
		return NULL;
	}
	struct stat sb;
	char buf[128];
	const char *bad = NULL;
	if (fstat(fd, &sb) != 0)
		bad = "cannot stat";
	else if (!S_ISREG(sb.st_mode))
		bad = "not a regular file";
	else
		bad = check_owner(&sb, cfg, as_tool, buf, sizeof(buf));
	if (!bad && (uint64_t)sb.st_size < sizeof(struct cb_store_header))
		bad = "too short for a header (truncated?)";
	if (bad) {
		snprintf(why, whylen, "%s", bad);
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	size_t size = (size_t)sb.st_size;
	void *base = mmap(NULL, size, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	int err = errno;
	close(fd);
	if (base == MAP_FAILED) {
		reason(why, whylen, "cannot map", err);
		errno = err;
		return NULL;
	}
	bad = cb_store_check_header(base, (uint64_t)sb.st_size);
	if (bad) {
		snprintf(why, whylen, "%s", bad);
		munmap(base, size);
		errno = EINVAL;
		return NULL;
	}
	return wrap(base, size, writable, path, &sb, why, whylen);
}

/* Creates and fills a file under a temporary name; returns its fd and
 * mapping, or -1 with why set. */
static int create_temp(const char *path, const struct cb_config *cfg, char *tmp, size_t tmplen,
                       void **map, size_t *size, char *why, size_t whylen)
{
	static _Atomic unsigned counter;
	unsigned n = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
	if ((size_t)snprintf(tmp, tmplen, "%s.tmp.%d.%u", path, (int)getpid(), n) >= tmplen) {
		snprintf(why, whylen, "path too long");
		return -1;
	}
	/* Never world-writable: such a file would be refused by the next opener. */
	mode_t mode = (cfg->global.state_mode ? cfg->global.state_mode : 0600) & 0775;
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		reason(why, whylen, "cannot create", errno);
		return -1;
	}
	uint32_t capacity = cb_store_capacity_for(cfg);
	struct cb_store_layout l;
	cb_store_layout(capacity, CB_STORE_RING, &l);
	const char *step = NULL;
	if (cfg->global.has_state_group && fchown(fd, (uid_t)-1, cfg->global.state_group) != 0)
		step = "cannot give it to state_group";
	else if (fchmod(fd, mode) != 0) /* the umask narrowed open's mode */
		step = "cannot set its mode";
	else if ((errno = posix_fallocate(fd, 0, (off_t)l.total_size)) != 0)
		step = "cannot allocate it";
	void *base = step ? MAP_FAILED
	                  : mmap(NULL, l.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!step && base == MAP_FAILED)
		step = "cannot map it";
	if (step) {
		reason(why, whylen, step, errno);
		close(fd);
		unlink(tmp);
		return -1;
	}
	cb_store_init_header(base, capacity, CB_STORE_RING);
	*map = base;
	*size = l.total_size;
	return fd;
}

/* Creates the file; NULL with errno EEXIST when another process won. */
static struct cb_store *create_new(const char *path, const struct cb_config *cfg, char *why,
                                   size_t whylen)
{
	char tmp[PATH_MAX + 32];
	void *base;
	size_t size;
	int fd = create_temp(path, cfg, tmp, sizeof(tmp), &base, &size, why, whylen);
	if (fd < 0) {
		errno = EACCES;
		return NULL;
	}
	/* link(2) keeps the inode: the descriptor tells what the name holds. */
	struct stat sb;
	int rc = fstat(fd, &sb) == 0 ? link(tmp, path) : -1;
	int err = errno;
	unlink(tmp);
	close(fd);
	if (rc != 0) {
		munmap(base, size);
		reason(why, whylen, "cannot link into place", err);
		errno = err;
		return NULL;
	}
	return wrap(base, size, true, path, &sb, why, whylen);
}

struct cb_store *cb_store_file_open(const char *path, const struct cb_config *cfg, bool as_tool,
                                    bool create, bool writable, char *why, size_t whylen)
{
	for (int i = 0; i < CREATE_ATTEMPTS; i++) {
		struct cb_store *st = open_existing(path, cfg, as_tool, writable, why, whylen);
		if (st || errno != ENOENT || !create || !cfg)
			return st;
		st = create_new(path, cfg, why, whylen);
		if (st || errno != EEXIST)
			return st;
	}
	snprintf(why, whylen, "created and removed again by others, %d times", CREATE_ATTEMPTS);
	return NULL;
}
