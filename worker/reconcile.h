/* reconcile.h: at start, our files that no task names: a finished one re-attached to its row, the rest removed. */
#ifndef OT_RECONCILE_H
#define OT_RECONCILE_H

struct config;
struct store;

int	 reconcile_files(struct store *, const struct config *);

#endif
