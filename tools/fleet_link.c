/* fleet_link.c - the agent's Redis connections through hiredis (see
 * fleet_link.h). Debian 12's hiredis 0.14 has no TLS: README "Fleet mode"
 * says how to protect the link. */
#include "fleet_link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#define SCAN_COUNT "200"

static struct timeval timeout(void)
{
	return (struct timeval){.tv_sec = CB_FLEET_LINK_TIMEOUT_MS / 1000,
	                        .tv_usec = CB_FLEET_LINK_TIMEOUT_MS % 1000 * 1000};
}

/* Records why, from the context or the text given; returns false. */
static bool failed(struct cb_fleet_redis *l, const redisContext *c, const char *what)
{
	if (c && c->err)
		snprintf(l->why, sizeof(l->why), "%s: %s", what,
		         c->err == REDIS_ERR_IO && errno == EAGAIN ? "timed out" : c->errstr);
	else
		snprintf(l->why, sizeof(l->why), "%s", what);
	return false;
}

/* A reply of an exact type; else false with why (an error reply's text,
 * cut to fit). Frees the reply when it is not what was wanted. */
static bool expect(struct cb_fleet_redis *l, redisContext *c, redisReply *r, int type,
                   const char *what)
{
	if (!r)
		return failed(l, c, what);
	if (r->type == type)
		return true;
	if (r->type == REDIS_REPLY_ERROR)
		snprintf(l->why, sizeof(l->why), "%s: %.*s", what,
		         (int)(r->len > 160 ? 160 : r->len), r->str);
	else
		snprintf(l->why, sizeof(l->why), "%s: unexpected reply type %d", what, r->type);
	freeReplyObject(r);
	return false;
}

static redisContext *connect_one(struct cb_fleet_redis *l, const struct cb_fleet_config *fc)
{
	redisContext *c = fc->redis_unix[0] ? redisConnectUnixWithTimeout(fc->redis_unix, timeout())
	                                    : redisConnectWithTimeout(fc->redis_host,
	                                                              fc->redis_port, timeout());
	if (!c) {
		failed(l, NULL, "connect: out of memory");
		return NULL;
	}
	if (c->err || redisSetTimeout(c, timeout()) != REDIS_OK) {
		failed(l, c, "connect");
		redisFree(c);
		return NULL;
	}
	if (!fc->redis_unix[0])
		redisEnableKeepAlive(c);
	return c;
}

/* AUTH when a password is given, else PING: either way the server must
 * answer within the timeout (a stopped server accepts connections). */
static bool greet(struct cb_fleet_redis *l, redisContext *c, const char *password)
{
	redisReply *r;
	if (password) {
		const char *space = strchr(password, ' ');
		if (space)
			r = redisCommand(c, "AUTH %b %s", password, (size_t)(space - password),
			                 space + 1);
		else
			r = redisCommand(c, "AUTH %s", password);
		if (!expect(l, c, r, REDIS_REPLY_STATUS, "AUTH"))
			return false;
	} else {
		r = redisCommand(c, "PING");
		if (!expect(l, c, r, REDIS_REPLY_STATUS, "PING"))
			return false;
	}
	freeReplyObject(r);
	return true;
}

bool cb_fleet_link_open(struct cb_fleet_redis *l, const struct cb_fleet_config *fc,
                        const char *password, const char *channel)
{
	l->cmd = connect_one(l, fc);
	if (!l->cmd || !greet(l, l->cmd, password))
		goto fail;
	l->sub = connect_one(l, fc);
	if (!l->sub || !greet(l, l->sub, password))
		goto fail;
	redisReply *r = redisCommand(l->sub, "SUBSCRIBE %s", channel);
	if (!expect(l, l->sub, r, REDIS_REPLY_ARRAY, "SUBSCRIBE"))
		goto fail;
	freeReplyObject(r);
	return true;
fail:
	cb_fleet_link_close(l);
	return false;
}

void cb_fleet_link_close(struct cb_fleet_redis *l)
{
	if (l->cmd)
		redisFree(l->cmd);
	if (l->sub)
		redisFree(l->sub);
	l->cmd = l->sub = NULL;
}

int cb_fleet_link_sub_fd(const struct cb_fleet_redis *l)
{
	return l->sub ? l->sub->fd : -1;
}

bool cb_fleet_link_read(struct cb_fleet_redis *l,
                        void (*fn)(void *ctx, const char *data, size_t len), void *ctx)
{
	if (redisBufferRead(l->sub) != REDIS_OK)
		return failed(l, l->sub, "subscription");
	for (;;) {
		void *v = NULL;
		if (redisGetReplyFromReader(l->sub, &v) != REDIS_OK)
			return failed(l, l->sub, "subscription");
		redisReply *r = v;
		if (!r)
			return true;
		/* ["message", channel, payload]; subscribe confirmations and
		 * anything else are not ours to act on. */
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[0]->str, "message") == 0 &&
		    r->element[2]->type == REDIS_REPLY_STRING)
			fn(ctx, r->element[2]->str, r->element[2]->len);
		freeReplyObject(r);
	}
}

/* Reads n pipelined replies, each of the type wanted; false on the first
 * that is not (the rest are left: the link is closed after an error). */
static bool replies(struct cb_fleet_redis *l, const int *types, int n, const char *what)
{
	for (int i = 0; i < n; i++) {
		void *v = NULL;
		if (redisGetReply(l->cmd, &v) != REDIS_OK)
			return failed(l, l->cmd, what);
		if (!expect(l, l->cmd, v, types[i], what))
			return false;
		freeReplyObject(v);
	}
	return true;
}

bool cb_fleet_link_set_publish(struct cb_fleet_redis *l, const char *key, const char *value,
                               uint64_t ms, const char *channel, const char *msg)
{
	static const int types[] = {REDIS_REPLY_STATUS, REDIS_REPLY_INTEGER};
	if (redisAppendCommand(l->cmd, "SET %s %s PX %llu", key, value, (unsigned long long)ms) !=
	            REDIS_OK ||
	    redisAppendCommand(l->cmd, "PUBLISH %s %s", channel, msg) != REDIS_OK)
		return failed(l, l->cmd, "SET");
	return replies(l, types, 2, "SET/PUBLISH");
}

bool cb_fleet_link_del_publish(struct cb_fleet_redis *l, const char *key, const char *channel,
                               const char *msg)
{
	static const int types[] = {REDIS_REPLY_INTEGER, REDIS_REPLY_INTEGER};
	if (redisAppendCommand(l->cmd, "DEL %s", key) != REDIS_OK ||
	    redisAppendCommand(l->cmd, "PUBLISH %s %s", channel, msg) != REDIS_OK)
		return failed(l, l->cmd, "DEL");
	return replies(l, types, 2, "DEL/PUBLISH");
}

bool cb_fleet_link_del(struct cb_fleet_redis *l, const char *key)
{
	static const int types[] = {REDIS_REPLY_INTEGER};
	if (redisAppendCommand(l->cmd, "DEL %s", key) != REDIS_OK)
		return failed(l, l->cmd, "DEL");
	return replies(l, types, 1, "DEL");
}

bool cb_fleet_link_ping(struct cb_fleet_redis *l)
{
	static const int types[] = {REDIS_REPLY_STATUS};
	if (redisAppendCommand(l->cmd, "PING") != REDIS_OK)
		return failed(l, l->cmd, "PING");
	return replies(l, types, 1, "PING");
}

/* A decimal cursor as SCAN returns it. */
static bool parse_cursor(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

bool cb_fleet_link_scan(struct cb_fleet_redis *l, const char *pattern, uint64_t *cursor,
                        void (*fn)(void *ctx, const char *key, size_t len), void *ctx)
{
	redisReply *r = redisCommand(l->cmd, "SCAN %llu MATCH %s COUNT " SCAN_COUNT,
	                             (unsigned long long)*cursor, pattern);
	if (!expect(l, l->cmd, r, REDIS_REPLY_ARRAY, "SCAN"))
		return false;
	bool ok = r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING &&
	          r->element[1]->type == REDIS_REPLY_ARRAY &&
	          parse_cursor(r->element[0]->str, r->element[0]->len, cursor);
	if (!ok) {
		freeReplyObject(r);
		return failed(l, NULL, "SCAN: malformed reply");
	}
	for (size_t i = 0; i < r->element[1]->elements; i++) {
		const redisReply *k = r->element[1]->element[i];
		if (k->type == REDIS_REPLY_STRING)
			fn(ctx, k->str, k->len);
	}
	freeReplyObject(r);
	return true;
}

bool cb_fleet_link_get_pttl(struct cb_fleet_redis *l, const char *key, bool *found, char *value,
                            size_t vlen, size_t *vn, int64_t *pttl_ms)
{
	*found = false;
	if (redisAppendCommand(l->cmd, "GET %s", key) != REDIS_OK ||
	    redisAppendCommand(l->cmd, "PTTL %s", key) != REDIS_OK)
		return failed(l, l->cmd, "GET");
	void *v = NULL;
	if (redisGetReply(l->cmd, &v) != REDIS_OK)
		return failed(l, l->cmd, "GET");
	redisReply *g = v;
	if (!g)
		return failed(l, l->cmd, "GET");
	/* A key of another type (someone wrote a list there) is an error
	 * reply for GET: not ours, skipped like a missing one. */
	if (g->type == REDIS_REPLY_STRING) {
		*found = true;
		*vn = g->len;
		size_t n = g->len < vlen - 1 ? g->len : vlen - 1;
		memcpy(value, g->str, n);
		value[n] = '\0';
	}
	freeReplyObject(g);
	v = NULL;
	if (redisGetReply(l->cmd, &v) != REDIS_OK)
		return failed(l, l->cmd, "PTTL");
	if (!expect(l, l->cmd, v, REDIS_REPLY_INTEGER, "PTTL"))
		return false;
	*pttl_ms = ((redisReply *)v)->integer;
	freeReplyObject(v);
	return true;
}
