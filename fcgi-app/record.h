/* record.h: a task record as the API sends it: the stored JSON and this request's links. */
#ifndef OT_RECORD_H
#define OT_RECORD_H

struct req;
struct store_task_row;

int	 record_write(struct req *, const struct store_task_row *);
int	 record_send(struct req *, int status, const struct store_task_row *);
/* 200 with an ETag, or 304 when If-None-Match names it (GET of one task). */
int	 record_send_tagged(struct req *, const struct store_task_row *);

#endif
