"""Client ids: one range a caller may post, and a range of its own above it that the server allocates.

Every path uses these bounds: the REST paths, a posted `SK_ID_CURR`, the id counter. Kept apart, a
posted id can never push the counter to ids a path refuses (an id posted at the very top of one shared
range once made every later allocated id 13 digits long, unreachable by REST). Twelve digits at most:
ids stay exact in Redis's Lua numbers (doubles) and in JavaScript. The data's own ids are 6 digits.
"""

from __future__ import annotations

#: The largest id of any client: 12 digits.
MAX_CLIENT_ID = 999_999_999_999
#: Ids a caller may post with a new application: 1 to 899,999,999,999.
MAX_POSTED_ID = 899_999_999_999
#: The first id the server allocates; it allocates up to MAX_CLIENT_ID, then answers 503.
FIRST_ALLOCATED_ID = MAX_POSTED_ID + 1
