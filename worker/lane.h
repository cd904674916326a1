/* lane.h: the look-up lane: search, trending and info, beside the downloads and never behind them. */
#ifndef OT_LANE_H
#define OT_LANE_H

struct config;
struct store;

void	 lane_init(struct store *, const struct config *);
void	 lane_check_abandoned(void);
void	 lane_start_pending(void);
void	 lane_timers(void);
void	 lane_stop_all(void);

#endif
