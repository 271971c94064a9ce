/* connector.c - a test client that connects the ways real programs do, so
 * the integration tests can drive each path of the connect() hook.
 *
 *   connector MODE PORT COUNT [ARG]     (always to 127.0.0.1)
 *
 * MODE:
 *   block       blocking connect()
 *   nonblock    non-blocking connect, poll, getsockopt(SO_ERROR) (ARG: wait ms)
 *   abandon     non-blocking connect, close() without looking (ARG: ms to wait first)
 *   repeat      non-blocking connect, then connect() again until it ends
 *   rawclose    like abandon, but closed with a raw system call (as libuv
 *               does), so only the descriptor's reuse or exit tells
 *   longjmp     blocking connect cut short by SIGALRM + siglongjmp after ARG ms
 *   handler     each connect made inside a SIGALRM handler
 *   highfd      non-blocking connect on a descriptor above 70000 (or the highest
 *               the hard RLIMIT_NOFILE allows), poll, SO_ERROR
 *   closerange  ARG sockets connect non-blocking at once, then close_range()
 *   threads     ARG threads, each making COUNT blocking connects at once
 *
 * Prints one line per attempt: "<errno name or OK> <milliseconds>", and
 * exits 0. Every wait is bounded. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in target;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *name_of(int err)
{
	switch (err) {
	case 0:
		return "OK";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case ENETUNREACH:
		return "ENETUNREACH";
	case ECONNABORTED:
		return "ECONNABORTED";
	case EINPROGRESS:
		return "EINPROGRESS";
	case EALREADY:
		return "EALREADY";
	case EISCONN:
		return "EISCONN";
	case EINTR:
		return "EINTR";
	default:
		return "OTHER";
	}
}

static void report(int err, long t0)
{
	pthread_mutex_lock(&out_lock);
	printf("%s %ld\n", name_of(err), now_ms() - t0);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static int tcp_socket(int nonblock)
{
	int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	return fd;
}

static int connect_errno(int fd)
{
	return connect(fd, (struct sockaddr *)&target, sizeof(target)) == 0 ? 0 : errno;
}

/* Waits up to ms for the connect to end, then reads SO_ERROR as programs do. */
static int wait_result(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	if (poll(&p, 1, ms) <= 0)
		return ETIMEDOUT;
	int err = 0;
	socklen_t len = sizeof(err);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err;
}

static void one_block(void)
{
	long t0 = now_ms();
	int fd = tcp_socket(0);
	int err = connect_errno(fd);
	close(fd);
	report(err, t0);
}

static void one_nonblock(int fd, int wait_ms)
{
	long t0 = now_ms();
	int err = connect_errno(fd);
	if (err == EINPROGRESS)
		err = wait_result(fd, wait_ms);
	close(fd);
	report(err, t0);
}

static void one_abandon(int wait_ms, int raw)
{
	long t0 = now_ms();
	int fd = tcp_socket(1);
	int err = connect_errno(fd);
	if (err == EINPROGRESS) {
		struct timespec ts = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (raw)
		syscall(SYS_close, fd);
	else
		close(fd);
	report(err, t0);
}

static void one_repeat(void)
{
	long t0 = now_ms();
	int fd = tcp_socket(1);
	int err = connect_errno(fd);
	for (int i = 0; i < 200 && (err == EINPROGRESS || err == EALREADY); i++) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
		err = connect_errno(fd);
	}
	close(fd);
	report(err == EISCONN ? 0 : err, t0);
}

static sigjmp_buf jump;
static void on_alarm_jump(int sig)
{
	(void)sig;
	siglongjmp(jump, 1);
}

static void one_longjmp(int after_ms)
{
	long t0 = now_ms();
	int fd = tcp_socket(0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm_jump;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {after_ms / 1000, (after_ms % 1000) * 1000}};
	int err;
	if (sigsetjmp(jump, 1) == 0) {
		setitimer(ITIMER_REAL, &it, NULL);
		err = connect_errno(fd);
	} else {
		err = EINTR; /* what wget reports as a timeout */
	}
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	close(fd);
	report(err, t0);
}

static volatile sig_atomic_t handler_err = -1;
static void on_alarm_connect(int sig)
{
	(void)sig;
	int saved = errno;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	handler_err = connect_errno(fd);
	close(fd);
	errno = saved;
}

static void one_handler(void)
{
	long t0 = now_ms();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm_connect;
	sigaction(SIGALRM, &sa, NULL);
	handler_err = -1;
	struct itimerval it = {{0, 0}, {0, 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < 2000 && handler_err < 0; i++) {
		struct timespec ts = {0, 1000000L};
		nanosleep(&ts, NULL);
	}
	report(handler_err < 0 ? ETIMEDOUT : handler_err, t0);
}

static int high_target = 70001;

static void one_highfd(int wait_ms)
{
	int fd = tcp_socket(1);
	int high = dup2(fd, high_target);
	if (high < 0) {
		perror("dup2");
		exit(1);
	}
	close(fd);
	one_nonblock(high, wait_ms);
}

static void closerange(int n)
{
	long t0 = now_ms();
	int first = -1, last = -1;
	for (int i = 0; i < n; i++) {
		int fd = tcp_socket(1);
		if (first < 0)
			first = fd;
		last = fd;
		connect_errno(fd);
	}
	close_range((unsigned)first, (unsigned)last, 0);
	report(0, t0);
}

static int thread_count;
static pthread_barrier_t start;

static void *thread_main(void *arg)
{
	pthread_barrier_wait(&start);
	for (int i = 0; i < thread_count; i++)
		one_block();
	return arg;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: connector MODE PORT COUNT [ARG]\n");
		return 2;
	}
	const char *mode = argv[1];
	int count = atoi(argv[3]);
	int arg = argc > 4 ? atoi(argv[4]) : 1000;
	target.sin_family = AF_INET;
	target.sin_port = htons((unsigned short)atoi(argv[2]));
	inet_pton(AF_INET, "127.0.0.1", &target.sin_addr);

	if (strcmp(mode, "highfd") == 0) {
		struct rlimit rl;
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur < 80000) {
			rl.rlim_cur = rl.rlim_max = 80000;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
				getrlimit(RLIMIT_NOFILE, &rl);
		}
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur <= (rlim_t)high_target)
			high_target = (int)rl.rlim_cur - 1;
		fprintf(stderr, "connector: descriptor %d\n", high_target);
	}
	if (strcmp(mode, "threads") == 0) {
		pthread_t th[64];
		int n = arg > 64 ? 64 : arg;
		thread_count = count;
		pthread_barrier_init(&start, NULL, (unsigned)n);
		for (int i = 0; i < n; i++)
			pthread_create(&th[i], NULL, thread_main, NULL);
		for (int i = 0; i < n; i++)
			pthread_join(th[i], NULL);
		return 0;
	}
	for (int i = 0; i < count; i++) {
		if (strcmp(mode, "block") == 0)
			one_block();
		else if (strcmp(mode, "nonblock") == 0)
			one_nonblock(tcp_socket(1), arg);
		else if (strcmp(mode, "abandon") == 0)
			one_abandon(arg, 0);
		else if (strcmp(mode, "rawclose") == 0)
			one_abandon(arg, 1);
		else if (strcmp(mode, "repeat") == 0)
			one_repeat();
		else if (strcmp(mode, "longjmp") == 0)
			one_longjmp(arg);
		else if (strcmp(mode, "handler") == 0)
			one_handler();
		else if (strcmp(mode, "highfd") == 0)
			one_highfd(arg);
		else if (strcmp(mode, "closerange") == 0)
			closerange(arg);
		else {
			fprintf(stderr, "connector: unknown mode %s\n", mode);
			return 2;
		}
	}
	return 0;
}
