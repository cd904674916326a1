/* db_backend.h: the table of functions each backend of db.h fills in. */
#ifndef OT_DB_BACKEND_H
#define OT_DB_BACKEND_H

#include "db.h"

/*
 * A connection and each of its statements start with their backend's
 * table, so that db.c's calls reach the backend in one indirect call,
 * whichever the caller holds.
 */
struct db_ops {
	struct db_stmt	*(*prepare)(struct db *, const char *);
	void		 (*finalize)(struct db_stmt *);
	int		 (*bind_text)(struct db_stmt *, int, const char *);
	int		 (*bind_int64)(struct db_stmt *, int, int64_t);
	int		 (*bind_double)(struct db_stmt *, int, double);
	int		 (*bind_null)(struct db_stmt *, int);
	int		 (*step)(struct db_stmt *);
	void		 (*reset)(struct db_stmt *);
	const char	*(*col_text)(struct db_stmt *, int);
	size_t		 (*col_len)(struct db_stmt *, int);
	int64_t		 (*col_int64)(struct db_stmt *, int);
	double		 (*col_double)(struct db_stmt *, int);
	int		 (*col_null)(struct db_stmt *, int);
	int		 (*changes)(struct db *);
	const char	*(*errmsg)(struct db *);
	void		 (*busy_wait)(struct db *, int);
	void		 (*busy_cap)(struct db *, int);
	void		 (*close)(struct db *);
};

struct db {
	const struct db_ops	*ops;
	enum db_kind		 kind;
};

struct db_stmt {
	const struct db_ops	*ops;
};

#endif /* OT_DB_BACKEND_H */
