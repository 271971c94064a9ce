/* bench_startup.c - what loading the shim adds to a process's start-up:
 * /bin/true spawned and waited for, without the shim, with the shim and no
 * configuration, and with a 50-breaker configuration (shared state file
 * already there, and private state), all in one run.
 * Usage: bench_startup /abs/path/libcbreaker.so */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define RUNS 300

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Mean microseconds for spawning /bin/true with `env` and waiting for it. */
static double spawn_cost(char **env)
{
	char *argv[] = {"/bin/true", NULL};
	double t0 = now_us();
	for (int i = 0; i < RUNS; i++) {
		pid_t pid;
		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, env) != 0) {
			perror("posix_spawn");
			exit(1);
		}
		int status;
		waitpid(pid, &status, 0);
	}
	return (now_us() - t0) / RUNS;
}

static void write_config(const char *path, const char *state)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "[global]\nstate_file = %s\n", state);
	for (int i = 0; i < 50; i++)
		fprintf(f, "[svc%d]\nhosts = svc%d.example.internal:443 10.%d.0.0/16\n", i, i, i);
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s /abs/path/libcbreaker.so\n", argv[0]);
		return 2;
	}
	char dir[] = "/tmp/cbbench.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char shared_cfg[256], private_cfg[256], state[256], missing[256];
	snprintf(shared_cfg, sizeof(shared_cfg), "%s/shared.ini", dir);
	snprintf(private_cfg, sizeof(private_cfg), "%s/private.ini", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(missing, sizeof(missing), "%s/none.ini", dir);
	write_config(shared_cfg, state);
	write_config(private_cfg, "none");

	char preload[512], c_shared[300], c_private[300], c_missing[300];
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", argv[1]);
	snprintf(c_shared, sizeof(c_shared), "CBREAKER_CONFIG=%s", shared_cfg);
	snprintf(c_private, sizeof(c_private), "CBREAKER_CONFIG=%s", private_cfg);
	snprintf(c_missing, sizeof(c_missing), "CBREAKER_CONFIG=%s", missing);
	char *env_none[] = {"PATH=/usr/bin:/bin", NULL};
	char *env_noconf[] = {"PATH=/usr/bin:/bin", preload, c_missing, NULL};
	char *env_shared[] = {"PATH=/usr/bin:/bin", preload, c_shared, NULL};
	char *env_private[] = {"PATH=/usr/bin:/bin", preload, c_private, NULL};

	spawn_cost(env_shared); /* creates the state file and warms caches */
	double base = spawn_cost(env_none);
	double noconf = spawn_cost(env_noconf);
	double shared = spawn_cost(env_shared);
	double priv = spawn_cost(env_private);
	double base2 = spawn_cost(env_none);
	base = (base + base2) / 2;

	printf("start-up of /bin/true (%d runs each, mean)\n", RUNS);
	printf("%-44s %10s %10s\n", "case", "us/run", "added us");
	printf("%-44s %10.1f %10s\n", "no shim", base, "-");
	printf("%-44s %10.1f %+10.1f\n", "shim, no configuration file", noconf, noconf - base);
	printf("%-44s %10.1f %+10.1f\n", "shim, 50 breakers, shared state file", shared,
	       shared - base);
	printf("%-44s %10.1f %+10.1f\n", "shim, 50 breakers, state_file = none", priv, priv - base);

	unlink(shared_cfg);
	unlink(private_cfg);
	unlink(state);
	rmdir(dir);
	return 0;
}
