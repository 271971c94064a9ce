/* loopback.h - what the small C test programs share: one TCP connect to a
 * loopback port (its outcome ignored) and a sleep that signals cannot cut
 * short. */
#ifndef CB_TEST_LOOPBACK_H
#define CB_TEST_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline void cb_test_connect_once(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s >= 0) {
		connect(s, (struct sockaddr *)&a, sizeof(a));
		close(s);
	}
}

static inline void cb_test_nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

#endif
