/* layout.h - the state file's layout and the store's private parts,
 * shared by store.c (slots), ring.c (events), file.c (the file), layout.c
 * and path.c (names). Private to src/state: other folders use state.h.
 *
 * Layout, every offset from the start of the mapping:
 *   0                 struct cb_store_header
 *   ring_offset       ring_size  x struct cb_ring_entry
 *   slots_offset      capacity   x struct cb_slot   (page-aligned)
 *   total_size        (page-aligned)
 * All of it is derived from (capacity, ring_size) by cb_store_layout(), so a
 * header whose fields disagree with that derivation is refused. */
#ifndef CB_STORE_IMPL_H
#define CB_STORE_IMPL_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "state/store.h"

/* "CBRKSTAT" read as a little-endian uint64 (the file never leaves the host). */
#define CB_STORE_MAGIC 0x544154534b524243ULL
#define CB_STORE_VERSION                                                                           \
	6 /* 2: slots found by the folded FNV-1a-64 of the name; 3: due[]; 4: the fleet agent's    \
	     link in the header, fleet fields in slots; 5: holders[], fallbacks; 6: endpoint       \
	     fields */
#define CB_STORE_RING         256 /* transitions kept for `cbreaker events` */
#define CB_STORE_MIN_CAPACITY 256
#define CB_STORE_MAX_CAPACITY 65536 /* ~80 MB of slots: beyond any sane configuration */
#define CB_STORE_PAGE         4096  /* offsets are aligned to this, whatever the page size */
#define CB_STORE_WAIT_ROUNDS  1000  /* sched_yield rounds before giving up on a busy entry */

struct cb_store_header {
	/* Written last with release order: a reader that sees it sees the rest. */
	_Atomic uint64_t magic;
	uint32_t version;
	uint32_t header_size;
	uint64_t total_size;
	uint32_t slot_size;
	uint32_t capacity;
	uint32_t ring_size;
	uint32_t entry_size;
	uint64_t ring_offset;
	uint64_t slots_offset;
	uint32_t creator_uid;
	_Atomic uint32_t discovered; /* slots made by discovery (README "Discovery") */
	int64_t created_wall_ms;
	/* The next event's seq minus one: push takes seq = fetch_add + 1. */
	_Atomic uint64_t last_seq;
	struct cb_fleet_shared fleet;
};

/* One ring entry under its own seqlock: `lock` is 2*seq once event `seq` is
 * complete, 2*seq+1 while it is being written, 0 never written. The event
 * is kept as atomic words (release stores, acquire loads) so the seqlock is
 * correct in the C11 model without fences, which ThreadSanitizer lacks. */
#define CB_EVENT_WORDS (sizeof(struct cb_event) / sizeof(uint64_t))
_Static_assert(sizeof(struct cb_event) % sizeof(uint64_t) == 0, "cb_event is whole words");
struct cb_ring_entry {
	_Atomic uint64_t lock;
	_Atomic uint64_t words[CB_EVENT_WORDS];
};

struct cb_store_layout {
	uint64_t ring_offset, slots_offset, total_size;
};

struct cb_store {
	unsigned char *base;
	size_t size;
	bool writable; /* false only for a read-only attach */
	struct cb_store_header *hdr;
	struct cb_ring_entry *ring;
	struct cb_slot *slots;
	uint32_t capacity, ring_size;
	char path[PATH_MAX]; /* "" when private */
	/* The state file this store stands for ("" for none), and which file
	 * was there when it was opened (or refused): cb_store_is_current. */
	char watch[PATH_MAX];
	bool watch_exists;
	dev_t watch_dev;
	ino_t watch_ino;
};

void cb_store_layout(uint32_t capacity, uint32_t ring_size, struct cb_store_layout *out);

/* The capacity a new store gets for a configuration: a slot for each
 * breaker, each discovered one, and each endpoint of a breaker with
 * scope = endpoint (CB_ENDPOINTS_MAX each), then room to grow on reload
 * and a load factor of at most 1/2 for linear probing. */
uint32_t cb_store_capacity_for(const struct cb_config *cfg);

/* Fills the header of a zeroed region of the layout's size, magic last. */
void cb_store_init_header(struct cb_store_header *h, uint32_t capacity, uint32_t ring_size);

/* Points st's hdr/ring/slots into base (size bytes) from its header. */
void cb_store_bind(struct cb_store *st, unsigned char *base, size_t size);

/* Why a mapped header is unusable for a file of file_size bytes, or NULL. */
const char *cb_store_check_header(const struct cb_store_header *h, uint64_t file_size);

/* The file-backed store at `path` (create when absent, `create` and cfg
 * given), or NULL with the reason in why (empty only when memory ran out).
 * cfg supplies mode and group (NULL: no state_group); as_tool also trusts a
 * file owned by root (file.c). */
struct cb_store *cb_store_file_open(const char *path, const struct cb_config *cfg, bool as_tool,
                                    bool create, bool writable, char *why, size_t whylen);

#endif
