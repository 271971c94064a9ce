/* test_store.c - the store (README "Shared state"): private stores, slots by name,
 * the event ring, the shared file across mappings, forks, processes and
 * threads, a prober killed mid-probe, every kind of refused file (left
 * byte-for-byte unchanged), and the derived state and socket paths.
 *
 * Children of fork() never use cmocka's assertions (a failed one would
 * unwind into the child's copy of the test runner): they report through
 * their exit status, and alarm() bounds each of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/breaker.h"
#include "state/layout.h"
#include "state/state.h"
#include "state/store.h"

#define CHILD_ALARM_S 30 /* a child stuck this long is killed and fails its test */

struct fixture {
	char dir[64];
	char path[128]; /* dir/test.state */
	struct cb_config cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/cb-store-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/test.state", f->dir);
	f->cfg.global.state_file_kind = CB_PATH_EXPLICIT;
	snprintf(f->cfg.global.state_file, sizeof(f->cfg.global.state_file), "%s", f->path);
	f->cfg.global.socket_kind = CB_PATH_AUTO;
	f->cfg.global.state_mode = 0600;
	snprintf(f->cfg.real_path, sizeof(f->cfg.real_path), "/etc/cbreaker/test.ini");
	f->cfg.n_breakers = 3;
	*state = f;
	return 0;
}

static int remove_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	nftw(f->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* A fixed configuration (the README's defaults when it was written, not
 * read from keys.def, so these numbers stay put), with the thresholds off so
 * that counting many failures never opens the breaker. */
static void counting_config(struct cb_breaker_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->name, "api");
	c->min_calls = 10;
	c->window_ms = 60000;
	c->open_timeout_ms = 30000;
	c->open_timeout_max_ms = 30000;
	c->backoff_multiplier = 2;
	c->half_open_max_calls = 1;
	c->success_threshold = 2;
	c->reject_errno = ECONNREFUSED;
	c->mode = CB_MODE_ENFORCE;
}

static bool real_pid_alive(uint32_t pid)
{
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

static void env_now(struct cb_env *env, int64_t now_ms)
{
	memset(env, 0, sizeof(*env));
	env->now_ms = now_ms;
	env->wall_ms = cb_wall_ms();
	env->pid = (uint32_t)getpid();
	env->random = UINT64_C(1) << 63;
	env->pid_alive = real_pid_alive;
}

static struct cb_store *open_ok(struct fixture *f)
{
	char warn[512] = "x";
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	if (warn[0])
		fail_msg("unexpected warning: %s", warn);
	assert_true(cb_store_is_shared(st));
	assert_string_equal(cb_store_path(st), f->path);
	return st;
}

static void wait_children(pid_t *pids, int n)
{
	for (int i = 0; i < n; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("child %d failed: status %#x", i, status);
	}
}

static int count_entries(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

/* ---- private stores ---- */

static void test_private_store_finds_the_slot_it_created(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_file_kind = CB_PATH_NONE;
	char warn[64] = "x";
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	assert_string_equal(warn, "");
	assert_false(cb_store_is_shared(st));
	assert_string_equal(cb_store_path(st), "");
	assert_null(cb_store_find(st, "api", false));
	struct cb_slot *a = cb_store_find(st, "api", true);
	assert_non_null(a);
	assert_string_equal(a->name, "api");
	assert_int_equal(atomic_load(&a->state) & 0xff, CB_CLOSED);
	assert_ptr_equal(cb_store_find(st, "api", false), a);
	assert_ptr_equal(cb_store_find(st, "api", true), a);
	struct cb_slot *b = cb_store_find(st, "billing", true);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	struct stat sb;
	assert_int_equal(stat(f->path, &sb), -1); /* no file for state_file = none */
	cb_store_close(st);
}

static uint32_t capacity_for(size_t breakers, uint32_t discover, size_t endpoint_scoped)
{
	struct cb_config c;
	memset(&c, 0, sizeof(c));
	c.n_breakers = breakers;
	c.global.discover = discover;
	c.n_endpoint_scoped = endpoint_scoped;
	return cb_store_capacity_for(&c);
}

static void test_capacity_is_twice_the_slots_rounded_to_a_power_of_two(void **state)
{
	(void)state;
	assert_int_equal(capacity_for(0, 0, 0), 256);
	assert_int_equal(capacity_for(50, 0, 0), 256);
	assert_int_equal(capacity_for(128, 0, 0), 256);
	assert_int_equal(capacity_for(129, 0, 0), 512);
	assert_int_equal(capacity_for(5000, 0, 0), 16384);
	assert_int_equal(capacity_for(1000000, 0, 0), CB_STORE_MAX_CAPACITY);
	/* Discovered breakers and endpoints need slots of their own. */
	assert_int_equal(capacity_for(100, 100, 0), 512);
	assert_int_equal(capacity_for(10, 0, 2), 512); /* 10 + 2 * 64 = 138 */
}

static void test_full_store_gives_null_and_keeps_existing_slots(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_file_kind = CB_PATH_NONE;
	char warn[64];
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	uint32_t cap = cb_store_capacity(st);
	assert_int_equal(cap, 256);
	char name[32];
	for (uint32_t i = 0; i < cap; i++) {
		snprintf(name, sizeof(name), "b%u", i);
		assert_non_null(cb_store_find(st, name, true));
	}
	assert_null(cb_store_find(st, "one-too-many", true));
	assert_null(cb_store_find(st, "one-too-many", false));
	for (uint32_t i = 0; i < cap; i++) {
		snprintf(name, sizeof(name), "b%u", i);
		struct cb_slot *s = cb_store_find(st, name, false);
		assert_non_null(s);
		assert_string_equal(s->name, name);
	}
	cb_store_close(st);
}

static void test_iteration_visits_exactly_the_slots_in_use(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_file_kind = CB_PATH_NONE;
	char warn[64];
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	const char *names[] = {"api", "billing", "search", "auth"};
	for (size_t i = 0; i < 4; i++)
		assert_non_null(cb_store_find(st, names[i], true));
	unsigned seen = 0;
	for (uint32_t i = 0; i < cb_store_capacity(st); i++) {
		struct cb_slot *s = cb_store_slot_at(st, i);
		if (!s)
			continue;
		for (size_t k = 0; k < 4; k++)
			if (strcmp(s->name, names[k]) == 0)
				seen |= 1u << k;
		assert_true(seen != 0);
	}
	assert_int_equal(seen, 0xf);
	assert_null(cb_store_slot_at(st, cb_store_capacity(st)));
	cb_store_close(st);
}

static void test_empty_or_overlong_name_gets_no_slot(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_file_kind = CB_PATH_NONE;
	char warn[64];
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	char longname[CB_NAME_MAX + 1];
	memset(longname, 'a', CB_NAME_MAX);
	longname[CB_NAME_MAX] = '\0';
	assert_null(cb_store_find(st, longname, true));
	assert_null(cb_store_find(st, "", true));
	longname[CB_NAME_MAX - 1] = '\0'; /* the longest name that fits */
	assert_non_null(cb_store_find(st, longname, true));
	cb_store_close(st);
}

/* A creator killed between claiming a slot and finishing it leaves it busy
 * for ever: look-ups must give up on it after a bounded wait. */
static void test_slot_left_busy_by_a_dead_creator_is_skipped(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_file_kind = CB_PATH_NONE;
	char warn[64];
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	struct cb_slot *s = cb_store_find(st, "api", true);
	assert_non_null(s);
	atomic_store(&s->claim, 1);
	assert_null(cb_store_find(st, "api", false));
	struct cb_slot *again = cb_store_find(st, "api", true);
	assert_non_null(again);
	assert_ptr_not_equal(again, s);
	assert_null(cb_store_slot_at(st, (uint32_t)(s - st->slots)));
	cb_store_close(st);
}

/* ---- event ring ---- */

static void push(struct cb_store *st, uint32_t count)
{
	struct cb_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.count = count;
	ev.from = CB_CLOSED;
	ev.to = CB_OPEN;
	snprintf(ev.breaker, sizeof(ev.breaker), "api");
	cb_store_push_event(st, &ev);
}

static void test_events_are_read_oldest_first_after_a_seq(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_file_kind = CB_PATH_NONE;
	char warn[64];
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	struct cb_event out[8];
	assert_int_equal(cb_store_last_event_seq(st), 0);
	assert_int_equal(cb_store_read_events(st, 0, out, 8), 0);
	for (uint32_t i = 1; i <= 5; i++)
		push(st, i * 10);
	assert_int_equal(cb_store_last_event_seq(st), 5);
	assert_int_equal(cb_store_read_events(st, 0, out, 8), 5);
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(out[i].seq, i + 1);
		assert_int_equal(out[i].count, (i + 1) * 10);
		assert_string_equal(out[i].breaker, "api");
	}
	assert_int_equal(cb_store_read_events(st, 3, out, 8), 2);
	assert_int_equal(out[0].seq, 4);
	assert_int_equal(cb_store_read_events(st, 0, out, 2), 2);
	assert_int_equal(out[1].seq, 2);
	assert_int_equal(cb_store_read_events(st, 5, out, 8), 0);
	cb_store_close(st);
}

static void test_event_ring_overflow_drops_the_oldest_and_reads_resume_by_seq(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_file_kind = CB_PATH_NONE;
	char warn[64];
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	const uint32_t total = CB_STORE_RING + 44;
	for (uint32_t i = 1; i <= total; i++)
		push(st, i);
	static struct cb_event out[CB_STORE_RING + 100];
	size_t n = cb_store_read_events(st, 0, out, CB_STORE_RING + 100);
	assert_int_equal(n, CB_STORE_RING);
	assert_int_equal(out[0].seq, total - CB_STORE_RING + 1);
	assert_int_equal(out[0].count, total - CB_STORE_RING + 1);
	assert_int_equal(out[n - 1].seq, total);
	for (size_t i = 1; i < n; i++)
		assert_int_equal(out[i].seq, out[i - 1].seq + 1);
	/* A reader that had seen up to 290 gets exactly the rest. */
	n = cb_store_read_events(st, total - 10, out, 100);
	assert_int_equal(n, 10);
	assert_int_equal(out[0].seq, total - 9);
	cb_store_close(st);
}

/* An entry whose writer was killed mid-write (odd lock) is skipped by
 * readers and taken over by the next writer a ring later. */
static void test_event_left_half_written_is_skipped_then_overwritten(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_file_kind = CB_PATH_NONE;
	char warn[64];
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	push(st, 1);
	push(st, 2);
	push(st, 3);
	atomic_store(&st->ring[1].lock, 2 * 2 + 1); /* event 2 "being written" */
	struct cb_event out[4];
	assert_int_equal(cb_store_read_events(st, 0, out, 4), 2);
	assert_int_equal(out[0].seq, 1);
	assert_int_equal(out[1].seq, 3);
	for (uint32_t i = 4; i <= CB_STORE_RING + 2; i++)
		push(st, i);
	assert_int_equal(cb_store_read_events(st, CB_STORE_RING + 1, out, 4), 1);
	assert_int_equal(out[0].seq, CB_STORE_RING + 2);
	cb_store_close(st);
}

/* A writer that stalled until the ring wrapped past its event finds a newer
 * event in its entry and drops its own instead of overwriting it. */
static void test_stalled_writer_does_not_overwrite_a_newer_event(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_file_kind = CB_PATH_NONE;
	char warn[64];
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	push(st, 1);
	const uint64_t newer = CB_STORE_RING + 2; /* same entry as event 2 */
	struct cb_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.seq = newer;
	ev.count = 777;
	uint64_t w[CB_EVENT_WORDS];
	memcpy(w, &ev, sizeof(ev));
	for (size_t i = 0; i < CB_EVENT_WORDS; i++)
		atomic_store(&st->ring[1].words[i], w[i]);
	atomic_store(&st->ring[1].lock, 2 * newer);
	push(st, 2); /* takes seq 2 */
	assert_int_equal(atomic_load(&st->ring[1].lock), 2 * newer);
	for (size_t i = 0; i < CB_EVENT_WORDS; i++)
		assert_int_equal(atomic_load(&st->ring[1].words[i]), w[i]);
	cb_store_close(st);
}

/* ---- the shared file ---- */

static void test_two_opens_of_one_file_share_slots(void **state)
{
	struct fixture *f = *state;
	struct cb_store *a = open_ok(f);
	struct cb_store *b = open_ok(f);
	struct cb_slot *sa = cb_store_find(a, "api", true);
	assert_non_null(sa);
	struct cb_slot *sb = cb_store_find(b, "api", false);
	assert_non_null(sb);
	assert_ptr_not_equal(sa, sb); /* two mappings */
	atomic_fetch_add(&sa->failures, 7);
	assert_int_equal(atomic_load(&sb->failures), 7);
	push(b, 99);
	struct cb_event ev;
	assert_int_equal(cb_store_read_events(a, 0, &ev, 1), 1);
	assert_int_equal(ev.count, 99);
	cb_store_close(a);
	cb_store_close(b);
}

static void test_state_survives_close_and_reopen(void **state)
{
	struct fixture *f = *state;
	struct cb_store *a = open_ok(f);
	atomic_store(&cb_store_find(a, "api", true)->rejections[2].n, 42);
	cb_store_close(a);
	struct cb_store *b = open_ok(f);
	struct cb_slot *s = cb_store_find(b, "api", false);
	assert_non_null(s);
	assert_int_equal(cb_slot_rejected(s), 42);
	cb_store_close(b);
}

static void test_new_file_has_the_configured_mode_despite_the_umask(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_mode = 0660;
	f->cfg.global.has_state_group = geteuid() == 0; /* only root may give it away */
	f->cfg.global.state_group = 65534;
	mode_t old = umask(077);
	struct cb_store *st = open_ok(f);
	umask(old);
	struct stat sb;
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0660);
	if (geteuid() == 0)
		assert_int_equal(sb.st_gid, 65534);
	assert_int_equal(sb.st_uid, geteuid());
	assert_int_equal((uint64_t)sb.st_size, st->hdr->total_size);
	cb_store_close(st);
}

static void test_state_mode_never_makes_the_file_world_writable(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_mode = 0666;
	cb_store_close(open_ok(f));
	struct stat sb;
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0664);
	cb_store_close(open_ok(f)); /* and the next opener accepts it */
}

/* On a full tmpfs a sparse file would map fine and then raise SIGBUS at the
 * program's first write to a new page: creation must reserve the space or
 * refuse. Needs a private mount namespace (root), else skipped. */
static int full_tmpfs_child(struct fixture *f)
{
	alarm(CHILD_ALARM_S);
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", f->dir, "tmpfs", 0, "size=64k") != 0)
		return 77;
	char warn[512] = "";
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	if (!st || cb_store_is_shared(st) || !strstr(warn, "No space left"))
		return 1;
	cb_store_close(st);
	return count_entries(f->dir) == 0 ? 0 : 2; /* the temporary file is gone too */
}

static void test_state_file_on_a_full_tmpfs_is_refused_not_left_sparse(void **state)
{
	struct fixture *f = *state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(full_tmpfs_child(f));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_forked_parent_and_child_see_each_others_writes(void **state)
{
	struct fixture *f = *state;
	struct cb_store *st = open_ok(f);
	struct cb_slot *s = cb_store_find(st, "api", true);
	assert_non_null(s);
	int to_child[2], to_parent[2];
	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(CHILD_ALARM_S);
		char c;
		atomic_fetch_add(&s->calls, 1);
		if (write(to_parent[1], "w", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(2);
		int rc = atomic_load(&s->successes) == 5 ? 0 : 1;
		cb_store_close(st);
		_exit(rc);
	}
	char c;
	assert_int_equal(read(to_parent[0], &c, 1), 1);
	assert_int_equal(atomic_load(&s->calls), 1);
	atomic_store(&s->successes, 5);
	assert_int_equal(write(to_child[1], "r", 1), 1);
	wait_children(&pid, 1);
	for (int i = 0; i < 2; i++) {
		close(to_child[i]);
		close(to_parent[i]);
	}
	cb_store_close(st);
}

#define FAILURES_PER_PROCESS 2000

/* In each child: open the store itself (as an unrelated process would) and
 * record failures through the breaker, from `threads` threads. */
struct recorder {
	struct cb_store *st;
	struct cb_slot *slot;
};

static void *record_failures(void *arg)
{
	struct recorder *r = arg;
	struct cb_breaker_config c;
	counting_config(&c);
	for (int i = 0; i < FAILURES_PER_PROCESS; i++) {
		struct cb_env env;
		env_now(&env, cb_now_ms());
		struct cb_ticket t;
		if (!cb_breaker_decide(r->slot, &c, &env, &t, NULL))
			return (void *)1;
		struct cb_failure fl = {CB_ERROR(CB_ERR_ERRNO, ECONNREFUSED), "127.0.0.1:9"};
		cb_breaker_record(r->slot, &c, &env, &t, CB_OUTCOME_FAILURE, &fl, NULL);
	}
	return NULL;
}

static int recording_child(const struct cb_config *cfg, int threads)
{
	alarm(CHILD_ALARM_S);
	char warn[512];
	struct recorder r;
	r.st = cb_store_open(cfg, warn, sizeof(warn));
	if (!r.st || warn[0] || !cb_store_is_shared(r.st))
		return 3;
	r.slot = cb_store_find(r.st, "api", true);
	if (!r.slot)
		return 4;
	pthread_t tid[8];
	for (int i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, record_failures, &r) != 0)
			return 5;
	int rc = 0;
	for (int i = 0; i < threads; i++) {
		void *res;
		pthread_join(tid[i], &res);
		if (res)
			rc = 6;
	}
	cb_store_close(r.st);
	return rc;
}

static void processes_record_exactly(struct fixture *f, int procs, int threads)
{
	pid_t pids[32];
	assert_true(procs <= 32 && threads <= 8);
	for (int i = 0; i < procs; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(recording_child(&f->cfg, threads));
	}
	wait_children(pids, procs);
	struct cb_store *st = open_ok(f);
	struct cb_slot *s = cb_store_find(st, "api", false);
	assert_non_null(s);
	uint64_t want = (uint64_t)procs * (uint64_t)threads * FAILURES_PER_PROCESS;
	assert_int_equal(atomic_load(&s->failures), want);
	assert_int_equal(atomic_load(&s->calls), want);
	assert_int_equal(atomic_load(&s->consecutive_failures), want);
	assert_int_equal(atomic_load(&s->state) & 0xff, CB_CLOSED);
	cb_store_close(st);
}

static void test_two_processes_recording_failures_add_up_exactly(void **state)
{
	processes_record_exactly(*state, 2, 1);
}

static void test_twenty_processes_recording_failures_add_up_exactly(void **state)
{
	processes_record_exactly(*state, 20, 1);
}

static void test_four_processes_of_four_threads_count_exactly(void **state)
{
	processes_record_exactly(*state, 4, 4);
}

#define RACERS 20

static int racing_child(const struct cb_config *cfg, int gate, int index)
{
	alarm(CHILD_ALARM_S);
	char c;
	if (read(gate, &c, 1) != 0) /* EOF: the parent opened the gate */
		return 2;
	char warn[512];
	struct cb_store *st = cb_store_open(cfg, warn, sizeof(warn));
	/* A half-written header would be refused with a warning. */
	if (!st || warn[0] || !cb_store_is_shared(st))
		return 3;
	struct cb_slot *all = cb_store_find(st, "api", true);
	char name[16];
	snprintf(name, sizeof(name), "p%d", index);
	struct cb_slot *mine = cb_store_find(st, name, true);
	if (!all || !mine)
		return 4;
	atomic_fetch_add(&all->calls, 1);
	atomic_store(&mine->calls, (uint64_t)index + 1);
	cb_store_close(st);
	return 0;
}

static void test_twenty_processes_racing_to_create_the_file_make_exactly_one(void **state)
{
	struct fixture *f = *state;
	int gate[2];
	assert_int_equal(pipe(gate), 0);
	pid_t pids[RACERS];
	for (int i = 0; i < RACERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(gate[1]);
			_exit(racing_child(&f->cfg, gate[0], i));
		}
	}
	close(gate[0]);
	close(gate[1]); /* every child's read returns at once */
	wait_children(pids, RACERS);
	assert_int_equal(count_entries(f->dir), 1); /* no temporary file left over */
	struct cb_store *st = open_ok(f);
	assert_int_equal(atomic_load(&cb_store_find(st, "api", false)->calls), RACERS);
	for (int i = 0; i < RACERS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "p%d", i);
		struct cb_slot *s = cb_store_find(st, name, false);
		assert_non_null(s);
		assert_int_equal(atomic_load(&s->calls), i + 1);
	}
	cb_store_close(st);
}

/* Opens the breaker (threshold 1) and returns the time at which it lets
 * probes through. */
static int64_t open_breaker(struct cb_slot *s, const struct cb_breaker_config *c, int64_t now)
{
	struct cb_env env;
	env_now(&env, now);
	struct cb_ticket t;
	assert_true(cb_breaker_decide(s, c, &env, &t, NULL));
	struct cb_failure fl = {CB_ERROR(CB_ERR_ERRNO, ECONNREFUSED), "127.0.0.1:9"};
	cb_breaker_record(s, c, &env, &t, CB_OUTCOME_FAILURE, &fl, NULL);
	assert_int_equal(atomic_load(&s->state) & 0xff, CB_OPEN);
	return now + (int64_t)c->open_timeout_ms;
}

static void test_half_open_permit_reclaimed_when_owner_dies(void **state)
{
	struct fixture *f = *state;
	struct cb_store *st = open_ok(f);
	struct cb_slot *s = cb_store_find(st, "api", true);
	assert_non_null(s);
	struct cb_breaker_config c;
	counting_config(&c);
	c.failure_threshold = 1;
	c.open_timeout_ms = 1000;
	c.open_timeout_max_ms = 1000;
	int64_t probe_at = open_breaker(s, &c, cb_now_ms());

	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(CHILD_ALARM_S);
		char warn[512];
		struct cb_store *mine = cb_store_open(&f->cfg, warn, sizeof(warn));
		struct cb_slot *ms = mine ? cb_store_find(mine, "api", false) : NULL;
		struct cb_env env;
		env_now(&env, probe_at);
		struct cb_ticket t;
		if (!ms || !cb_breaker_decide(ms, &c, &env, &t, NULL) || t.lease < 0)
			_exit(1);
		if (write(ready[1], "p", 1) != 1)
			_exit(2);
		pause(); /* holding the only probe permit until killed */
		_exit(3);
	}
	char ch;
	assert_int_equal(read(ready[0], &ch, 1), 1);
	assert_int_equal(atomic_load(&s->state) & 0xff, CB_HALF_OPEN);
	struct cb_env env;
	env_now(&env, probe_at);
	struct cb_ticket t;
	assert_false(cb_breaker_decide(s, &c, &env, &t, NULL)); /* owner alive: no permit */
	assert_int_equal(kill(pid, SIGKILL), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	/* Same instant, lease far from expiry: only the owner's death frees it. */
	assert_true(cb_breaker_decide(s, &c, &env, &t, NULL));
	assert_true(t.lease >= 0);
	close(ready[0]);
	close(ready[1]);
	cb_store_close(st);
}

/* ---- refused files ---- */

struct blob {
	unsigned char *data;
	size_t len;
};

static struct blob slurp(const char *path)
{
	struct blob b = {NULL, 0};
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	b.len = (size_t)n;
	b.data = malloc(b.len + 1);
	assert_non_null(b.data);
	assert_int_equal(fread(b.data, 1, b.len, fp), b.len);
	fclose(fp);
	return b;
}

static void spew(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* A valid state file's bytes with one slot in use. */
static struct blob valid_file(struct fixture *f)
{
	struct cb_store *st = open_ok(f);
	atomic_store(&cb_store_find(st, "api", true)->failures, 3);
	cb_store_close(st);
	struct blob b = slurp(f->path);
	assert_int_equal(unlink(f->path), 0);
	return b;
}

/* Opening gives a private store and one warning naming the file and
 * containing `why`; the file at `check` is unchanged. */
static void expect_refused(struct fixture *f, const char *check, const char *why)
{
	struct blob before = slurp(check);
	struct stat sb0, sb1;
	assert_int_equal(lstat(f->path, &sb0), 0);
	char warn[512] = "";
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	assert_false(cb_store_is_shared(st));
	assert_non_null(cb_store_find(st, "api", true)); /* private slots still work */
	assert_non_null(strstr(warn, f->path));
	if (!strstr(warn, why))
		fail_msg("warning \"%s\" does not say \"%s\"", warn, why);
	assert_non_null(strstr(warn, "private"));
	assert_null(strchr(warn, '\n'));
	cb_store_close(st);
	struct blob after = slurp(check);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.data, before.data, before.len);
	assert_int_equal(lstat(f->path, &sb1), 0);
	assert_int_equal(sb1.st_mode, sb0.st_mode);
	assert_int_equal(sb1.st_uid, sb0.st_uid);
	assert_int_equal(sb1.st_mtim.tv_nsec, sb0.st_mtim.tv_nsec);
	assert_int_equal(count_entries(f->dir), 1 + (strcmp(check, f->path) != 0));
	free(before.data);
	free(after.data);
}

static void test_truncated_file_is_refused_and_left_alone(void **state)
{
	struct fixture *f = *state;
	struct blob b = valid_file(f);
	spew(f->path, b.data, b.len / 2, 0600);
	expect_refused(f, f->path, "truncated");
	free(b.data);
}

static void test_file_shorter_than_a_header_is_refused(void **state)
{
	struct fixture *f = *state;
	spew(f->path, "CBRKSTAT", 8, 0600);
	expect_refused(f, f->path, "too short");
}

static void test_garbage_file_is_refused_and_left_alone(void **state)
{
	struct fixture *f = *state;
	unsigned char junk[3 * 4096];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 16);
	}
	spew(f->path, junk, sizeof(junk), 0600);
	expect_refused(f, f->path, "magic");
}

static void test_wrong_magic_is_refused_and_left_alone(void **state)
{
	struct fixture *f = *state;
	struct blob b = valid_file(f);
	b.data[0] ^= 0xff;
	spew(f->path, b.data, b.len, 0600);
	expect_refused(f, f->path, "magic");
	free(b.data);
}

static void test_unsupported_layout_version_is_refused_and_left_alone(void **state)
{
	struct fixture *f = *state;
	struct blob b = valid_file(f);
	uint32_t v = CB_STORE_VERSION + 1;
	memcpy(b.data + offsetof(struct cb_store_header, version), &v, sizeof(v));
	spew(f->path, b.data, b.len, 0600);
	expect_refused(f, f->path, "version");
	free(b.data);
}

static void test_other_slot_size_is_refused(void **state)
{
	struct fixture *f = *state;
	struct blob b = valid_file(f);
	uint32_t v = sizeof(struct cb_slot) + 8;
	memcpy(b.data + offsetof(struct cb_store_header, slot_size), &v, sizeof(v));
	spew(f->path, b.data, b.len, 0600);
	expect_refused(f, f->path, "sizes differ");
	free(b.data);
}

static void test_symlink_to_a_valid_file_is_refused(void **state)
{
	struct fixture *f = *state;
	struct blob b = valid_file(f);
	char target[160];
	snprintf(target, sizeof(target), "%s/real.state", f->dir);
	spew(target, b.data, b.len, 0600);
	assert_int_equal(symlink(target, f->path), 0);
	expect_refused(f, target, "symbolic link");
	free(b.data);
}

static void test_world_writable_file_is_refused(void **state)
{
	struct fixture *f = *state;
	struct blob b = valid_file(f);
	spew(f->path, b.data, b.len, 0666);
	expect_refused(f, f->path, "writable by any user");
	free(b.data);
}

static void test_fifo_in_place_of_the_file_is_refused_without_blocking(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(mkfifo(f->path, 0600), 0);
	char warn[512] = "";
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	assert_false(cb_store_is_shared(st));
	assert_non_null(strstr(warn, "not a regular file"));
	cb_store_close(st);
}

static void test_file_owned_by_another_uid_is_refused(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip();
	struct blob b = valid_file(f);
	spew(f->path, b.data, b.len, 0600);
	assert_int_equal(chown(f->path, 65534, 65534), 0);
	expect_refused(f, f->path, "owned by uid 65534, not 0");
	free(b.data);
}

/* The same as an unprivileged user: a root-owned file it can write through
 * its group is still refused when the configuration names no state_group. */
static void test_unprivileged_user_refuses_root_file_writable_through_its_group(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip();
	struct blob b = valid_file(f);
	spew(f->path, b.data, b.len, 0660);
	assert_int_equal(chown(f->path, 0, 65534), 0);
	assert_int_equal(chmod(f->dir, 0755), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		free(b.data);
		alarm(CHILD_ALARM_S);
		gid_t g = 65534;
		if (setgroups(1, &g) != 0 || setresgid(g, g, g) != 0 ||
		    setresuid(65534, 65534, 65534) != 0)
			_exit(2);
		char warn[512] = "";
		struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
		if (!st || cb_store_is_shared(st) || !strstr(warn, "owned by uid 0, not 65534"))
			_exit(3);
		cb_store_close(st);
		/* With state_group naming the file's group, it is accepted. */
		f->cfg.global.has_state_group = true;
		f->cfg.global.state_group = 65534;
		st = cb_store_open(&f->cfg, warn, sizeof(warn));
		if (!st || !cb_store_is_shared(st) || warn[0] || !cb_store_find(st, "api", false))
			_exit(4);
		cb_store_close(st);
		_exit(0);
	}
	wait_children(&pid, 1);
	struct blob after = slurp(f->path);
	assert_memory_equal(after.data, b.data, b.len); /* only looked up, nothing created */
	free(after.data);
	free(b.data);
}

static void test_group_shared_file_of_another_owner_is_accepted(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip();
	struct blob b = valid_file(f);
	spew(f->path, b.data, b.len, 0660);
	assert_int_equal(chown(f->path, 65534, 65534), 0);
	f->cfg.global.has_state_group = true;
	f->cfg.global.state_group = 65534;
	struct cb_store *st = open_ok(f);
	struct cb_slot *s = cb_store_find(st, "api", false);
	assert_non_null(s);
	assert_int_equal(atomic_load(&s->failures), 3);
	cb_store_close(st);
	/* ... but not when it is not group-writable. */
	assert_int_equal(chmod(f->path, 0640), 0);
	expect_refused(f, f->path, "not group-writable");
	free(b.data);
}

/* ---- the tool's offline access ---- */

static void test_attach_reads_an_existing_file_read_only(void **state)
{
	struct fixture *f = *state;
	struct cb_store *w = open_ok(f);
	atomic_store(&cb_store_find(w, "api", true)->failures, 9);
	push(w, 1);
	char err[512] = "x";
	struct cb_store *r = cb_store_attach(f->path, false, err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(err, "");
	assert_true(cb_store_is_shared(r));
	struct cb_slot *s = cb_store_find(r, "api", true);
	assert_non_null(s);
	assert_int_equal(atomic_load(&s->failures), 9);
	assert_null(cb_store_find(r, "new", true)); /* read-only: nothing created */
	push(r, 2);                                 /* ignored, not a crash */
	assert_int_equal(cb_store_last_event_seq(r), 1);
	cb_store_close(r);

	r = cb_store_attach(f->path, true, err, sizeof(err));
	assert_non_null(r);
	atomic_store(&cb_store_find(r, "api", false)->failures, 0);
	assert_int_equal(atomic_load(&cb_store_find(w, "api", false)->failures), 0);
	cb_store_close(r);
	cb_store_close(w);
}

static void test_attach_never_creates_a_missing_file(void **state)
{
	struct fixture *f = *state;
	char err[512] = "";
	assert_null(cb_store_attach(f->path, true, err, sizeof(err)));
	assert_non_null(strstr(err, f->path));
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(count_entries(f->dir), 0);
}

/* ---- derived paths ---- */

/* The private directory's auto path for f's configuration: real_path made
 * unique to this run, so the file it names is this test's alone. */
static void auto_fixture(struct fixture *f, char *path, size_t len)
{
	snprintf(f->cfg.real_path, sizeof(f->cfg.real_path), "%s/test.ini", f->dir);
	f->cfg.global.state_file_kind = CB_PATH_AUTO;
	assert_int_equal(cb_store_state_path(&f->cfg, path, len), 0);
}

static void test_auto_state_path_is_per_configuration_and_user_only(void **state)
{
	struct fixture *f = *state;
	f->cfg.global.state_file_kind = CB_PATH_AUTO;
	char a[PATH_MAX], a2[PATH_MAX], b[PATH_MAX], want[PATH_MAX];
	assert_int_equal(cb_store_state_path(&f->cfg, a, sizeof(a)), 0);
	snprintf(want, sizeof(want), "/dev/shm/cbreaker-%u/cbreaker-%016llx.state",
	         (unsigned)geteuid(), (unsigned long long)cb_fnv1a_str("/etc/cbreaker/test.ini"));
	assert_string_equal(a, want);
	assert_int_equal(cb_store_state_path(&f->cfg, a2, sizeof(a2)), 0);
	assert_string_equal(a, a2);
	struct cb_config other = f->cfg;
	strcpy(other.real_path, "/etc/cbreaker/other.ini");
	assert_int_equal(cb_store_state_path(&other, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);

	/* The environment plays no part: a cron job and a login shell of the
	 * same user share the breakers. */
	setenv("XDG_RUNTIME_DIR", f->dir, 1);
	assert_int_equal(cb_store_state_path(&f->cfg, b, sizeof(b)), 0);
	unsetenv("XDG_RUNTIME_DIR");
	assert_string_equal(b, a);

	f->cfg.global.state_file_kind = CB_PATH_NONE;
	assert_int_equal(cb_store_state_path(&f->cfg, b, sizeof(b)), 0);
	assert_string_equal(b, "");
	assert_int_equal(cb_store_state_path(&other, b, 10), -1); /* does not fit */
}

static void test_auto_store_is_created_in_a_private_directory(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	auto_fixture(f, path, sizeof(path));
	char warn[512] = "x";
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	assert_string_equal(warn, "");
	assert_string_equal(cb_store_path(st), path);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	*strrchr(path, '/') = '\0';
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_int_equal(sb.st_uid, geteuid());
	assert_string_equal(cb_store_path(st) + strlen(path), strrchr(cb_store_path(st), '/'));
	assert_int_equal(unlink(cb_store_path(st)), 0);
	cb_store_close(st);
}

/* Child of the test below, as `uid`: 0 when every unsafe form of its
 * private directory was refused, or the number of the check that failed. */
static int refuse_unsafe_dirs_as(uid_t uid)
{
	if (setresuid(uid, uid, uid) != 0)
		return 1;
	char dir[PATH_MAX], why[PATH_MAX + 128], path[PATH_MAX];
	if (cb_store_private_dir(dir, sizeof(dir), why, sizeof(why)) != 0)
		return 2; /* created afresh: fine */
	struct cb_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.global.state_file_kind = CB_PATH_AUTO;
	cfg.global.socket_kind = CB_PATH_AUTO;
	strcpy(cfg.real_path, "/etc/cbreaker/test.ini");
	int rc = 0;
	char warn[512];
	if (chmod(dir, 0755) != 0)
		rc = 3;
	else if (cb_store_state_path(&cfg, path, sizeof(path)) != -1 ||
	         cb_store_socket_path(&cfg, path, sizeof(path)) != -1)
		rc = 4; /* readable by others: refused */
	else {
		struct cb_store *st = cb_store_open(&cfg, warn, sizeof(warn));
		if (!st || cb_store_is_shared(st) || !strstr(warn, "must be private"))
			rc = 5;
		cb_store_close(st);
	}
	if (!rc && (rmdir(dir) != 0 || symlink("/tmp", dir) != 0))
		rc = 6;
	else if (!rc && cb_store_state_path(&cfg, path, sizeof(path)) != -1)
		rc = 7; /* a symlink, even to a sticky directory: refused */
	unlink(dir);
	rmdir(dir);
	return rc;
}

static void test_auto_path_refused_when_its_directory_is_not_private(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* needs another uid whose directory it may spoil */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(CHILD_ALARM_S);
		_exit(refuse_unsafe_dirs_as(54321)); /* a uid nobody uses */
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_attach_refuses_a_file_owned_by_another_user(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip(); /* needs to give the file away */
	cb_store_close(open_ok(f));
	assert_int_equal(chown(f->path, 65534, 65534), 0);
	char err[512] = "";
	assert_null(cb_store_attach(f->path, false, err, sizeof(err)));
	assert_non_null(strstr(err, "owned by uid 65534"));
	/* ... unless the configuration shares it with the file's group. */
	f->cfg.global.has_state_group = true;
	f->cfg.global.state_group = 65534;
	assert_null(cb_store_attach_for(f->path, &f->cfg, false, err, sizeof(err)));
	assert_int_equal(chmod(f->path, 0660), 0);
	struct cb_store *st = cb_store_attach_for(f->path, &f->cfg, false, err, sizeof(err));
	assert_non_null(st);
	cb_store_close(st);
	assert_null(cb_store_attach(f->path, false, err, sizeof(err)));
}

static void test_attach_trusts_a_file_of_root(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip();
	cb_store_close(open_ok(f));
	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(chmod(f->dir, 0755), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(CHILD_ALARM_S);
		char err[512];
		if (setresuid(65534, 65534, 65534) != 0)
			_exit(1);
		struct cb_store *st = cb_store_attach(f->path, false, err, sizeof(err));
		_exit(st ? 0 : 2);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_socket_path_follows_the_state_path(void **state)
{
	struct fixture *f = *state;
	char st[PATH_MAX], so[PATH_MAX], want[PATH_MAX];
	f->cfg.global.state_file_kind = CB_PATH_AUTO;
	assert_int_equal(cb_store_state_path(&f->cfg, st, sizeof(st)), 0);
	assert_int_equal(cb_store_socket_path(&f->cfg, so, sizeof(so)), 0);
	snprintf(want, sizeof(want), "%.*s.sock", (int)(strlen(st) - strlen(".state")), st);
	assert_string_equal(so, want);

	/* Private breakers: a socket per process. */
	f->cfg.global.state_file_kind = CB_PATH_NONE;
	assert_int_equal(cb_store_socket_path(&f->cfg, so, sizeof(so)), 0);
	snprintf(want, sizeof(want), "%.*s-%d.sock", (int)(strlen(st) - strlen(".state")), st,
	         (int)getpid());
	assert_string_equal(so, want);

	/* An explicit state path not ending in .state gets .sock appended. */
	f->cfg.global.state_file_kind = CB_PATH_EXPLICIT;
	strcpy(f->cfg.global.state_file, "/run/cb/api.db");
	assert_int_equal(cb_store_socket_path(&f->cfg, so, sizeof(so)), 0);
	assert_string_equal(so, "/run/cb/api.db.sock");

	f->cfg.global.socket_kind = CB_PATH_EXPLICIT;
	strcpy(f->cfg.global.socket, "/run/cb/%p/ctl-%%p.sock");
	assert_int_equal(cb_store_socket_path(&f->cfg, so, sizeof(so)), 0);
	snprintf(want, sizeof(want), "/run/cb/%d/ctl-%%p.sock", (int)getpid());
	assert_string_equal(so, want);

	f->cfg.global.socket_kind = CB_PATH_NONE;
	assert_int_equal(cb_store_socket_path(&f->cfg, so, sizeof(so)), 0);
	assert_string_equal(so, "");

	/* Longer than a sockaddr_un can hold: an error, not a truncated name. */
	f->cfg.global.socket_kind = CB_PATH_EXPLICIT;
	memset(f->cfg.global.socket, 'x', 120);
	f->cfg.global.socket[0] = '/';
	f->cfg.global.socket[120] = '\0';
	assert_int_equal(cb_store_socket_path(&f->cfg, so, sizeof(so)), -1);
}

/* ---- a file written over, removed or replaced ---- */

static void fill_random(void *p, size_t n, uint32_t seed)
{
	unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (unsigned char)(seed >> 16);
	}
}

static void test_slot_check_accepts_slots_cbreaker_wrote(void **state)
{
	struct fixture *f = *state;
	struct cb_store *st = open_ok(f);
	struct cb_breaker_config c;
	counting_config(&c);
	c.failure_threshold = 2;
	struct cb_slot *s = cb_store_find(st, "api", true);
	assert_null(cb_slot_check(s, cb_now_ms()));
	struct cb_env env;
	env_now(&env, cb_now_ms());
	struct cb_failure fl = {CB_ERROR(CB_ERR_ERRNO, ECONNREFUSED), "[2001:db8::1]:443"};
	for (int i = 0; i < 3; i++) {
		struct cb_ticket t;
		cb_breaker_decide(s, &c, &env, &t, NULL);
		cb_breaker_record(s, &c, &env, &t, CB_OUTCOME_FAILURE, &fl, NULL);
	}
	assert_int_equal(cb_slot_state(s), CB_OPEN);
	assert_null(cb_slot_check(s, env.now_ms));
	cb_breaker_force(s, CB_FORCED_OPEN, &env, NULL);
	assert_null(cb_slot_check(s, env.now_ms));
	cb_breaker_reset(s, &c, &env, NULL);
	assert_null(cb_slot_check(s, env.now_ms));
	cb_store_close(st);
}

static void test_slot_check_refuses_each_field_out_of_range(void **state)
{
	struct fixture *f = *state;
	struct cb_store *st = open_ok(f);
	struct cb_slot *s = cb_store_find(st, "api", true);
	struct cb_slot good;
	memcpy(&good, s, sizeof(good));
	int64_t now = cb_now_ms();
	/* What case i of the switch below must be refused for. */
	static const char *const cases[] = {
	        "state out of range",        "name not printable",
	        "does not match its hash",   "counter out of range",
	        "time out of range",         "address not printable",
	        "last failure out of range", "window count",
	        "pending connect deadline",  "fleet reporters not printable",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(s, &good, sizeof(good));
		switch (i) {
		case 0:
			atomic_store(&s->state, cb_slot_word(7, (enum cb_state)9));
			break;
		case 1:
			memset(s->name, 'a', sizeof(s->name));
			break;
		case 2:
			s->name_hash ^= 1;
			break;
		case 3:
			atomic_store(&s->rejections[1].n, UINT64_C(1) << 60);
			break;
		case 4:
			atomic_store(&s->retry_at_ms, now + INT64_C(3) * 366 * 86400 * 1000);
			break;
		case 5:
			strcpy(s->last_address, "1.2.3.4:5\033[2J");
			break;
		case 6:
			s->last_error = CB_ERROR(9, 1);
			break;
		case 7:
			atomic_store(&s->window[3].failures, UINT64_C(0xffffffff));
			break;
		case 8:
			atomic_store(&s->due[2], UINT64_C(7) << 42 | (UINT64_C(1) << 41));
			break;
		case 9:
			memset(s->fleet_by, 'h', sizeof(s->fleet_by));
			break;
		}
		const char *why = cb_slot_check(s, now);
		if (!why || !strstr(why, cases[i]))
			fail_msg("case %zu: expected \"%s\", got \"%s\"", i, cases[i],
			         why ? why : "(accepted)");
	}
	memcpy(s, &good, sizeof(good));
	assert_null(cb_slot_check(s, now));
	cb_store_close(st);
}

static void test_random_bytes_over_a_slot_never_pass_the_check(void **state)
{
	struct fixture *f = *state;
	struct cb_store *st = open_ok(f);
	struct cb_slot *s = cb_store_find(st, "api", true);
	for (uint32_t seed = 1; seed <= 2000; seed++) {
		fill_random(s, sizeof(*s), seed);
		atomic_store(&s->claim, 2); /* as if the claim survived */
		assert_non_null(cb_slot_check(s, cb_now_ms()));
	}
	cb_store_close(st);
}

static void test_store_is_current_until_its_file_is_removed(void **state)
{
	struct fixture *f = *state;
	struct cb_store *st = open_ok(f);
	assert_true(cb_store_is_current(st));
	assert_int_equal(unlink(f->path), 0);
	assert_false(cb_store_is_current(st));
	/* A new file at the path is another one. */
	struct cb_store *st2 = open_ok(f);
	assert_false(cb_store_is_current(st));
	assert_true(cb_store_is_current(st2));
	cb_store_close(st);
	cb_store_close(st2);
}

static void test_store_is_not_current_once_another_file_is_moved_over_it(void **state)
{
	struct fixture *f = *state;
	struct blob b = valid_file(f);
	struct cb_store *st = open_ok(f);
	char other[160];
	snprintf(other, sizeof(other), "%s/other.state", f->dir);
	spew(other, b.data, b.len, 0600);
	assert_true(cb_store_is_current(st));
	assert_int_equal(rename(other, f->path), 0);
	assert_false(cb_store_is_current(st));
	free(b.data);
	cb_store_close(st);
}

static void test_store_is_not_current_once_its_header_is_written_over(void **state)
{
	struct fixture *f = *state;
	struct cb_store *st = open_ok(f);
	struct cb_store *writer = open_ok(f);
	assert_true(cb_store_is_current(st));
	fill_random(writer->base, sizeof(struct cb_store_header), 7);
	assert_false(cb_store_is_current(st));
	cb_store_close(writer);
	cb_store_close(st);
}

static void test_refused_file_is_tried_again_only_once_replaced(void **state)
{
	struct fixture *f = *state;
	spew(f->path, "CBRKSTAT", 8, 0600);
	char warn[512];
	struct cb_store *st = cb_store_open(&f->cfg, warn, sizeof(warn));
	assert_non_null(st);
	assert_false(cb_store_is_shared(st));
	assert_true(cb_store_is_current(st)); /* the same refused file: no retry */
	assert_int_equal(unlink(f->path), 0);
	assert_false(cb_store_is_current(st)); /* gone: a new one can be made */
	cb_store_close(st);
}

static void test_retired_store_keeps_its_memory_but_not_the_file(void **state)
{
	struct fixture *f = *state;
	struct cb_store *st = open_ok(f);
	struct cb_store *other = open_ok(f);
	struct cb_slot *s = cb_store_find(st, "api", true);
	atomic_store(&s->calls, 5);
	cb_store_retire(st);
	/* Still memory to touch, now private and zero... */
	assert_int_equal(atomic_load(&s->calls), 0);
	atomic_fetch_add(&s->calls, 1);
	/* ...and the file is no longer written through it. */
	assert_int_equal(atomic_load(&cb_store_find(other, "api", false)->calls), 5);
	cb_store_close(other);
	cb_store_close(st);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_private_store_finds_the_slot_it_created),
	        T(test_capacity_is_twice_the_slots_rounded_to_a_power_of_two),
	        T(test_full_store_gives_null_and_keeps_existing_slots),
	        T(test_iteration_visits_exactly_the_slots_in_use),
	        T(test_empty_or_overlong_name_gets_no_slot),
	        T(test_slot_left_busy_by_a_dead_creator_is_skipped),
	        T(test_events_are_read_oldest_first_after_a_seq),
	        T(test_event_ring_overflow_drops_the_oldest_and_reads_resume_by_seq),
	        T(test_event_left_half_written_is_skipped_then_overwritten),
	        T(test_stalled_writer_does_not_overwrite_a_newer_event),
	        T(test_two_opens_of_one_file_share_slots),
	        T(test_state_survives_close_and_reopen),
	        T(test_new_file_has_the_configured_mode_despite_the_umask),
	        T(test_state_mode_never_makes_the_file_world_writable),
	        T(test_state_file_on_a_full_tmpfs_is_refused_not_left_sparse),
	        T(test_forked_parent_and_child_see_each_others_writes),
	        T(test_two_processes_recording_failures_add_up_exactly),
	        T(test_twenty_processes_recording_failures_add_up_exactly),
	        T(test_four_processes_of_four_threads_count_exactly),
	        T(test_twenty_processes_racing_to_create_the_file_make_exactly_one),
	        T(test_half_open_permit_reclaimed_when_owner_dies),
	        T(test_truncated_file_is_refused_and_left_alone),
	        T(test_file_shorter_than_a_header_is_refused),
	        T(test_garbage_file_is_refused_and_left_alone),
	        T(test_wrong_magic_is_refused_and_left_alone),
	        T(test_unsupported_layout_version_is_refused_and_left_alone),
	        T(test_other_slot_size_is_refused),
	        T(test_symlink_to_a_valid_file_is_refused),
	        T(test_world_writable_file_is_refused),
	        T(test_fifo_in_place_of_the_file_is_refused_without_blocking),
	        T(test_file_owned_by_another_uid_is_refused),
	        T(test_unprivileged_user_refuses_root_file_writable_through_its_group),
	        T(test_group_shared_file_of_another_owner_is_accepted),
	        T(test_attach_reads_an_existing_file_read_only),
	        T(test_attach_never_creates_a_missing_file),
	        T(test_auto_state_path_is_per_configuration_and_user_only),
	        T(test_auto_path_refused_when_its_directory_is_not_private),
	        T(test_attach_refuses_a_file_owned_by_another_user),
	        T(test_attach_trusts_a_file_of_root),
	        T(test_auto_store_is_created_in_a_private_directory),
	        T(test_socket_path_follows_the_state_path),
	        T(test_slot_check_accepts_slots_cbreaker_wrote),
	        T(test_slot_check_refuses_each_field_out_of_range),
	        T(test_random_bytes_over_a_slot_never_pass_the_check),
	        T(test_store_is_current_until_its_file_is_removed),
	        T(test_store_is_not_current_once_another_file_is_moved_over_it),
	        T(test_store_is_not_current_once_its_header_is_written_over),
	        T(test_refused_file_is_tried_again_only_once_replaced),
	        T(test_retired_store_keeps_its_memory_but_not_the_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
