/* fleet.h: this worker among the others on one database: its row, lease and tmp directory; dead workers' recovery. */
#ifndef OT_FLEET_H
#define OT_FLEET_H

#include <stdint.h>

struct config;
struct store;

#define FLEET_MAX_ATTEMPTS	3	/* crash re-queues before a task is failed */

int	 fleet_join(struct store *, struct config *);
void	 fleet_apply(struct config *);
int64_t	 fleet_id(void);
int	 fleet_beat_ms(const struct config *);
int	 fleet_beat(struct store *, const struct config *);
int	 fleet_reap(struct store *, const struct config *, int start,
	    char *err, size_t errlen);
void	 fleet_clean_tmp(struct store *, const struct config *);
void	 fleet_kill_own(void);
void	 fleet_leave(struct store *);

#endif
