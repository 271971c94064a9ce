/* core.h - the public face of src/core: the breaker state machine
 * (breaker.h), the guard every call and operator action goes through
 * (guard.h), breakers made by discovery (discover.h), the runtime in
 * force (runtime.h) and cbreaker's log (log.h). */
#ifndef CB_CORE_H
#define CB_CORE_H

#include "core/breaker.h"
#include "core/discover.h"
#include "core/endpoint.h"
#include "core/guard.h"
#include "core/log.h"
#include "core/runtime.h"

#endif
