/* job.h: the downloads in flight: claim, run yt-dlp, follow it, stop it, finish the row. */
#ifndef OT_JOB_H
#define OT_JOB_H

#include <stddef.h>

struct config;
struct store;

void	 jobs_init(struct store *, const struct config *, const char *ffmpeg);
size_t	 jobs_count(void);
void	 jobs_lease_refresh(void);
void	 jobs_cancel_requested(void);
void	 jobs_start_pending(void);
int	 jobs_timers(void);
void	 jobs_stop_all(void);

#endif
