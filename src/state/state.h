/* state.h - the public face of src/state: the slots (slot.h) and the store
 * they live in, with its event ring and derived paths (store.h). The
 * layout (layout.h) is private to this folder. */
#ifndef CB_STATE_H
#define CB_STATE_H

#include "state/slot.h"
#include "state/store.h"

#endif
