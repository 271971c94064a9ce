/* vforker.c - a program that vfork()s a child which connects before it
 * execs, the way shells and older spawn code do.
 * usage: vforker PORT SECONDS
 * Waits long enough for the shim's once-a-second work to be due, vforks a
 * child that connects to 127.0.0.1:PORT and execs /bin/true, then keeps
 * connecting every 100 ms for SECONDS (so that the parent's own periodic
 * work runs), printing "child-exited N" and "done". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void connect_once(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s >= 0) {
		connect(s, (struct sockaddr *)&a, sizeof(a));
		close(s);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: vforker PORT SECONDS\n");
		return 2;
	}
	int port = atoi(argv[1]);
	int seconds = atoi(argv[2]);
	connect_once(port); /* the shim is initialised and ticking */
	nap_ms(1300);
	pid_t pid = vfork();
	if (pid == 0) {
		connect_once(port);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	printf("child-exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	fflush(stdout);
	for (int i = 0; i < seconds * 10; i++) {
		connect_once(port);
		nap_ms(100);
	}
	printf("done\n");
	return 0;
}
