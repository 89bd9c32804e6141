/* swim.h: the SWIM protocol's update precedence (protocols/swim.c), exported for tests.
 * The protocol itself is gb_session_swim (gb_session.h). */
#ifndef GB_SWIM_H
#define GB_SWIM_H

#include <stdint.h>

/* What a view says about a member. */
enum gb_swim_status {
    GB_SWIM_UNKNOWN = 0,
    GB_SWIM_ALIVE = 1,
    GB_SWIM_SUSPECT = 2,
    GB_SWIM_DEAD = 3, /* confirmed failed */
    GB_SWIM_LEFT = 4  /* left gracefully */
};

/* Membership updates, as on the wire. JOIN is an ALIVE that the joiner's seed issued. */
enum gb_swim_update {
    GB_SWIM_U_ALIVE = 1,
    GB_SWIM_U_SUSPECT = 2,
    GB_SWIM_U_DEAD = 3,
    GB_SWIM_U_LEFT = 4,
    GB_SWIM_U_JOIN = 5
};

/* The precedence rule: a view entry (status, incarnation cur) receives update (update,
 * incarnation inc) about another member. Returns the entry's new status, or 0 when the
 * update is stale and changes nothing. rejoin = 1: ALIVE with a higher incarnation beats
 * DEAD and LEFT (memberlist); rejoin = 0: only a JOIN does (the paper). */
uint8_t gb_swim_merge(uint8_t status, uint32_t cur, uint8_t update, uint32_t inc, int rejoin);

#endif
