/* reconcile.h: files no task names (SQLite, at start) or a dead worker's task's files: re-attached or removed. */
#ifndef OT_RECONCILE_H
#define OT_RECONCILE_H

struct config;
struct store;

int	 reconcile_files(struct store *, const struct config *);
int	 reconcile_task(struct store *, const struct config *, const char *id);

#endif
