/* record.h: a task record as the API sends it: the stored JSON and this request's links. */
#ifndef OT_RECORD_H
#define OT_RECORD_H

struct req;
struct store_task_row;

int	 record_write(struct req *, const struct store_task_row *);
int	 record_send(struct req *, int status, const struct store_task_row *);

#endif
