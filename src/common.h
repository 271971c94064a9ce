/* common.h - limits, export marker and clocks shared by every module. */
#ifndef CB_COMMON_H
#define CB_COMMON_H

#include <stdint.h>
#include <time.h>

/* Symbols the shim exports; everything else is hidden (-fvisibility=hidden). */
#define CB_EXPORT __attribute__((visibility("default")))

#define CB_NAME_MAX    64  /* breaker name, including the NUL */
#define CB_HOST_MAX    256 /* DNS name, including the NUL */
#define CB_ADDRSTR_MAX 64  /* "[v6]:port" or "host:port" shown to users */
#define CB_DIAG_MAX    32  /* configuration errors kept for display */
#define CB_DIAG_LEN    320

/* CLOCK_MONOTONIC is host-wide on Linux, so these values are comparable
 * between the processes that share a state file. */
static inline int64_t cb_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall-clock milliseconds: only for what users read. */
static inline int64_t cb_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
