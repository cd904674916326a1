/* lane.h: the look-up lane: search, trending and info, beside the downloads and never behind them. */
#ifndef OT_LANE_H
#define OT_LANE_H

#include <poll.h>
#include <stddef.h>

struct config;
struct store;

void	 lane_init(struct store *, const struct config *);
size_t	 lane_count(void);
size_t	 lane_pollfds(struct pollfd *, size_t max);
void	 lane_read_output(const struct pollfd *, size_t n);
int	 lane_reap(void);
void	 lane_check_abandoned(void);
void	 lane_start_pending(void);
void	 lane_timers(void);
void	 lane_stop_all(void);

#endif
