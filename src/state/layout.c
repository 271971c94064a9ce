/* layout.c - where everything lies in a state file, derived from
 * (capacity, ring size) alone, and the header that records it: written
 * for a new file, checked for a mapped one (see layout.h). */
#include <string.h>
#include <unistd.h>

#include "state/layout.h"

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

void cb_store_layout(uint32_t capacity, uint32_t ring_size, struct cb_store_layout *out)
{
	out->ring_offset = align_up(sizeof(struct cb_store_header), 64);
	out->slots_offset =
	        align_up(out->ring_offset + (uint64_t)ring_size * sizeof(struct cb_ring_entry),
	                 CB_STORE_PAGE);
	out->total_size = align_up(out->slots_offset + (uint64_t)capacity * sizeof(struct cb_slot),
	                           CB_STORE_PAGE);
}

uint32_t cb_store_capacity_for(const struct cb_config *cfg)
{
	size_t slots =
	        cfg->n_breakers + cfg->global.discover + cfg->n_endpoint_scoped * CB_ENDPOINTS_MAX;
	uint32_t cap = CB_STORE_MIN_CAPACITY;
	while (cap < CB_STORE_MAX_CAPACITY && (size_t)cap < 2 * slots)
		cap *= 2;
	return cap;
}

void cb_store_init_header(struct cb_store_header *h, uint32_t capacity, uint32_t ring_size)
{
	struct cb_store_layout l;
	cb_store_layout(capacity, ring_size, &l);
	h->version = CB_STORE_VERSION;
	h->header_size = sizeof(*h);
	h->total_size = l.total_size;
	h->slot_size = sizeof(struct cb_slot);
	h->capacity = capacity;
	h->ring_size = ring_size;
	h->entry_size = sizeof(struct cb_ring_entry);
	h->ring_offset = l.ring_offset;
	h->slots_offset = l.slots_offset;
	h->creator_uid = (uint32_t)geteuid();
	h->created_wall_ms = cb_wall_ms();
	atomic_store_explicit(&h->last_seq, 0, memory_order_relaxed);
	atomic_store_explicit(&h->magic, CB_STORE_MAGIC, memory_order_release);
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

const char *cb_store_check_header(const struct cb_store_header *h, uint64_t file_size)
{
	if (atomic_load_explicit(&h->magic, memory_order_acquire) != CB_STORE_MAGIC)
		return "not a cbreaker state file (bad magic)";
	if (h->version != CB_STORE_VERSION)
		return "unsupported layout version";
	if (h->header_size != sizeof(*h) || h->slot_size != sizeof(struct cb_slot) ||
	    h->entry_size != sizeof(struct cb_ring_entry))
		return "layout from another cbreaker build (record sizes differ)";
	if (!is_pow2(h->capacity) || h->capacity > CB_STORE_MAX_CAPACITY ||
	    !is_pow2(h->ring_size) || h->ring_size > CB_STORE_MAX_CAPACITY)
		return "corrupt header (capacity)";
	struct cb_store_layout l;
	cb_store_layout(h->capacity, h->ring_size, &l);
	if (h->ring_offset != l.ring_offset || h->slots_offset != l.slots_offset ||
	    h->total_size != l.total_size)
		return "corrupt header (offsets)";
	if (h->total_size != file_size)
		return "size does not match its header (truncated?)";
	return NULL;
}

void cb_store_bind(struct cb_store *st, unsigned char *base, size_t size)
{
	st->base = base;
	st->size = size;
	st->hdr = (struct cb_store_header *)base;
	st->ring = (struct cb_ring_entry *)(base + st->hdr->ring_offset);
	st->slots = (struct cb_slot *)(base + st->hdr->slots_offset);
	st->capacity = st->hdr->capacity;
	st->ring_size = st->hdr->ring_size;
}
