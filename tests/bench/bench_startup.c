/* bench_startup.c - what loading the shim adds to a process's start-up,
 * for tests/bench/budget.py: /bin/true spawned (posix_spawn) and waited
 * for, ROUNDS times for each case, the cases interleaved spawn by spawn so
 * that a busy machine's drift falls on all of them alike; prints each
 * case's median in microseconds, one line per case, in order.
 *
 *   bench_startup ROUNDS LIB CASE...
 *
 * A CASE is "-" (no shim) or a configuration file (LIB preloaded with
 * CBREAKER_CONFIG naming it; it need not exist). */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CASES_MAX 8

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Microseconds for spawning /bin/true with `env` and waiting for it. */
static double spawn_once(char **env)
{
	char *argv[] = {"/bin/true", NULL};
	double t0 = now_us();
	pid_t pid;
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, env) != 0) {
		perror("posix_spawn");
		exit(1);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_startup: /bin/true failed\n");
		exit(1);
	}
	return now_us() - t0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int rounds = argc > 3 ? atoi(argv[1]) : 0;
	int n = argc - 3;
	if (rounds <= 0 || n > CASES_MAX) {
		fprintf(stderr, "usage: see the top of tests/bench/bench_startup.c\n");
		return 2;
	}
	static char vars[CASES_MAX][2][4096];
	char *envs[CASES_MAX][4];
	for (int c = 0; c < n; c++) {
		const char *cfg = argv[3 + c];
		envs[c][0] = "PATH=/usr/bin:/bin";
		envs[c][1] = envs[c][2] = envs[c][3] = NULL;
		if (strcmp(cfg, "-") == 0)
			continue;
		snprintf(vars[c][0], sizeof(vars[c][0]), "LD_PRELOAD=%s", argv[2]);
		snprintf(vars[c][1], sizeof(vars[c][1]), "CBREAKER_CONFIG=%s", cfg);
		envs[c][1] = vars[c][0];
		envs[c][2] = vars[c][1];
	}
	double *t = calloc((size_t)rounds * (size_t)n, sizeof(*t));
	if (!t)
		return 1;
	for (int c = 0; c < n; c++) /* warm the caches, make the state files */
		spawn_once(envs[c]);
	for (int r = 0; r < rounds; r++)
		for (int c = 0; c < n; c++)
			t[(size_t)c * (size_t)rounds + (size_t)r] = spawn_once(envs[c]);
	for (int c = 0; c < n; c++) {
		double *mine = &t[(size_t)c * (size_t)rounds];
		qsort(mine, (size_t)rounds, sizeof(*mine), by_value);
		printf("%.1f\n", mine[rounds / 2]);
	}
	free(t);
	return 0;
}
