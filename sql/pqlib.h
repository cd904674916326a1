/* pqlib.h: libpq's functions, loaded when the database is PostgreSQL. */
#ifndef OT_PQLIB_H
#define OT_PQLIB_H

#include <stddef.h>

#include <libpq-fe.h>

/*
 * Every libpq function db_pg.c calls.  Each is a pointer of the function's
 * own type (libpq-fe.h's declaration), so a wrong argument is still a
 * compile error; they are filled from libpq.so.5 by pqlib_load().
 */
#define PQLIB_FUNCTIONS(X)						\
	X(PQbackendPID) X(PQclear) X(PQcmdStatus) X(PQcmdTuples)	\
	X(PQconnectdbParams) X(PQconsumeInput) X(PQerrorMessage)	\
	X(PQexec) X(PQexecPrepared) X(PQfinish) X(PQfreemem)		\
	X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQnfields)	\
	X(PQnotifies) X(PQntuples) X(PQprepare) X(PQreset)		\
	X(PQresultErrorField) X(PQresultStatus)				\
	X(PQsetNoticeProcessor) X(PQsocket) X(PQstatus)			\
	X(PQtransactionStatus)

struct pqlib {
#define PQLIB_MEMBER(f)	__typeof__(f) *f;
	PQLIB_FUNCTIONS(PQLIB_MEMBER)
#undef PQLIB_MEMBER
};

/* Filled by pqlib_load(); read only after it succeeded. */
extern struct pqlib	pqlib;

int	pqlib_load(char *err, size_t errlen);

#endif
