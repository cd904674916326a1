/* health.h: what the API knows of the worker: its heartbeat, and whether it is starting. */
#ifndef OT_HEALTH_H
#define OT_HEALTH_H

#include <stdint.h>

struct config;
struct store;

/* The worker writes its heartbeat every 5 s; three missed beats mean it is gone. */
#define HEARTBEAT_STALE	15

void	 health_init(void);
int	 health_worker_alive(struct store *, int64_t *at);
int	 health_worker_may_come(const struct config *);

#endif
