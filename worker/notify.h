/* notify.h: the notification lane: the outbox's deliveries sent, beside the downloads and never in their way. */
#ifndef OT_NOTIFY_H
#define OT_NOTIFY_H

#include <poll.h>
#include <stddef.h>

#define NOTIFY_MAX	4	/* deliveries sent at once */

struct config;
struct store;

void	 notify_init(struct store *, const struct config *);
void	 notify_changed(void);
void	 notify_start_due(void);
size_t	 notify_pollfds(struct pollfd *, size_t max);
void	 notify_perform(void);
void	 notify_stop_all(void);

#endif
