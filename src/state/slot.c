/* slot.c - a new slot, and the names of the states (slot.h). */
#include <string.h>

#include "state/slot.h"

static const char *const STATE_NAMES[CB_STATE_COUNT] = {
        [CB_CLOSED] = "closed",           [CB_OPEN] = "open",         [CB_HALF_OPEN] = "half_open",
        [CB_FORCED_OPEN] = "forced_open", [CB_DISABLED] = "disabled",
};

const char *cb_state_name(enum cb_state st)
{
	return (unsigned)st < CB_STATE_COUNT ? STATE_NAMES[st] : "unknown";
}

int cb_state_from_name(const char *name)
{
	for (int i = 0; name && i < CB_STATE_COUNT; i++)
		if (strcmp(name, STATE_NAMES[i]) == 0)
			return i;
	return -1;
}

void cb_slot_init(struct cb_slot *s)
{
	atomic_store_explicit(&s->state, cb_slot_word(0, CB_CLOSED), memory_order_release);
}
