/* progress.h: yt-dlp's JSON progress lines, parsed and turned into the row's fields. */
#ifndef OT_PROGRESS_H
#define OT_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

enum progress_status {
	PROGRESS_DOWNLOADING,
	PROGRESS_FINISHED,
	PROGRESS_ERROR
};

/* One line of --progress-template 'download:%(progress)j'. */
struct progress {
	enum progress_status	 status;
	int64_t			 downloaded;	/* bytes of this file so far */
	int64_t			 total;		/* 0 when unknown */
	double			 speed;		/* bytes/s, < 0 when unknown */
	int64_t			 eta;		/* seconds, < 0 when unknown */
};

/*
 * The whole job: yt-dlp fetches a video and an audio stream as two files, each
 * with its own progress from 0 to 100.  Each file weighs 1/nfiles of the bar
 * (their sizes are not both known up front), and the bar never moves back,
 * since a client showing 100% then 0% would look broken.
 */
struct progress_total {
	int		 nfiles;	/* files yt-dlp will fetch, >= 1 */
	int		 done;		/* files finished */
	int64_t		 done_bytes;	/* their sizes */
	double		 percent;	/* 0..100, never decreases */
	int64_t		 downloaded;	/* all files so far */
	int64_t		 total;		/* best known total, 0 when unknown */
};

int	 progress_parse(const char *line, size_t len, struct progress *);
void	 progress_total_init(struct progress_total *, int nfiles);
void	 progress_total_add(struct progress_total *, const struct progress *);
void	 progress_speed(double bps, char *buf, size_t len);
void	 progress_eta(int64_t secs, char *buf, size_t len);

#endif
