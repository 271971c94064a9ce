/* vforker.c - a program that vfork()s a child which connects before it
 * execs, the way shells and older spawn code do.
 * usage: vforker PORT SECONDS
 * Waits long enough for the shim's once-a-second work to be due, vforks a
 * child that connects to 127.0.0.1:PORT and execs /bin/true, then keeps
 * connecting every 100 ms for SECONDS (so that the parent's own periodic
 * work runs), printing "child-exited N" and "done". */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "loopback.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: vforker PORT SECONDS\n");
		return 2;
	}
	int port = atoi(argv[1]);
	int seconds = atoi(argv[2]);
	cb_test_connect_once(port); /* the shim is initialised and ticking */
	cb_test_nap_ms(1300);
	pid_t pid = vfork();
	if (pid == 0) {
		cb_test_connect_once(port);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	printf("child-exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	fflush(stdout);
	for (int i = 0; i < seconds * 10; i++) {
		cb_test_connect_once(port);
		cb_test_nap_ms(100);
	}
	printf("done\n");
	return 0;
}
