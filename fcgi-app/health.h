/* health.h: what the API knows of the worker: its heartbeat, and whether it is starting. */
#ifndef OT_HEALTH_H
#define OT_HEALTH_H

#include <stdint.h>

struct config;
struct store;

void	 health_init(void);
int	 health_worker_heartbeat(struct store *, int64_t *at);
int	 health_worker_alive(struct store *, int64_t *at);
int	 health_worker_may_come(const struct config *);

#endif
