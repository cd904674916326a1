/* check.h: the check lane: subscriptions listed when due, their new entries made into tasks. */
#ifndef OT_CHECK_H
#define OT_CHECK_H

struct config;
struct store;

void	 check_init(struct store *, const struct config *);
void	 check_changed(void);
void	 check_start_due(void);
void	 check_timers(void);
void	 check_stop_all(void);

#endif
