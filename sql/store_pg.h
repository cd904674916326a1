/* store_pg.h: what the PostgreSQL side of the store shares with the rest. */
#ifndef OT_STORE_PG_H
#define OT_STORE_PG_H

#include "stmt.h"

/* The PostgreSQL text of each statement, indexed as store.c's own table. */
extern const char *const store_pg_sqls[STMT__MAX];

#endif /* OT_STORE_PG_H */
