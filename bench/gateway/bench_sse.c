/*  bench_sse: the event-stream clients of bench/gateway/run, many streams
    in one process on one epoll, so that reading half a million frames a
    second costs less than the gateway sending them.

    bench_sse --host H --port P --token T --clients N --seconds S
              [--path /api/v1/events?stream=ind&prefix=ind.]

    Opens N streams (HTTP/1.0, so without chunked framing: read until
    close), waits until each has its answer's first line, says "ready" on
    stderr (the script starts the load then), and reads for S seconds.
    Each `data:` line is an event; its latency is the arrival time minus
    the event's `time` (when sti-indicators published it: one machine, one
    clock; milliseconds), found by slicing the line, not parsing its JSON.
    Prints on stdout {"clients", "answered", "refused" (not 200),
    "events", "span_s", "per_client_rate", "p50_ms", "p99_ms", "bytes",
    "cut", "lost", "closed", "reads", "cpu_s"}: "events" is the frames the
    gateway sent and the clients read, "span_s" the seconds from the first
    of them to the last, "per_client_rate" the events a second each client
    read over that span (not over S, which is longer than the load), "cut"
    the streams that ended with the slow-reader comment, "closed" the
    streams that ended before the time was up, "reads" the read() calls
    that returned bytes, "cpu_s" this process's own CPU seconds (user +
    system) while it read: the reader's share of the machine.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sti_time.h"

#define S_LINE_MAX 8192        // longest line kept across two reads
#define S_READ 65536           // bytes read at once
#define S_BUCKETS 600000       // latency histogram: 0.1 ms buckets up to 60 s
#define S_ANSWER_WAIT_MS 30000 // every stream must be answered within this

typedef struct {
    int fd;
    bool answered;    // the answer's first line came
    bool open;        // not closed by the gateway
    char *carry;      // the start of a line not yet complete
    size_t carry_len; // its bytes
} s_stream_t;

typedef struct {
    const char *host, *path, *token;
    int port, clients, seconds;
} s_args_t;

typedef struct {
    uint32_t *histogram; // [S_BUCKETS + 1], the last one for all above
    uint64_t events, bytes, cut, lost, closed, answered, refused, reads;
    double first_ms, last_ms; // arrival of the first and the last event measured
    char day_text[11];        // the date of the last time read, "2026-12-07"
    int64_t day_seconds;      // its seconds since 1970
} s_tally_t;

static double s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

//  The ms since 1970 of the `"time":"2026-12-07T10:00:00.123Z"` in the
//  line, or -1.
static double s_event_ms(s_tally_t *tally, const char *line, size_t len)
{
    static const char key[] = "\"time\":\"";
    const char *at = memmem(line, len, key, sizeof key - 1);
    if (!at || (size_t)(line + len - at) < sizeof key - 1 + 23) {
        return -1;
    }
    const char *t = at + sizeof key - 1;
    if (memcmp(t, tally->day_text, 10) != 0) {
        memcpy(tally->day_text, t, 10);
        tally->day_seconds = sti_time_days_from_civil(atoi(t), atoi(t + 5), atoi(t + 8)) * 86400;
    }
    int hours = (t[11] - '0') * 10 + (t[12] - '0');
    int minutes = (t[14] - '0') * 10 + (t[15] - '0');
    int seconds = (t[17] - '0') * 10 + (t[18] - '0');
    int ms = (t[20] - '0') * 100 + (t[21] - '0') * 10 + (t[22] - '0');
    return (double)(tally->day_seconds + hours * 3600 + minutes * 60 + seconds) * 1000.0 + ms;
}

static void s_line(s_tally_t *tally, s_stream_t *stream, const char *line, size_t len, double now)
{
    if (len >= 7 && memcmp(line, "data: {", 7) == 0) {
        tally->events++;
        tally->first_ms = tally->first_ms > 0 ? tally->first_ms : now;
        tally->last_ms = now;
        double published = s_event_ms(tally, line, len);
        if (published >= 0) {
            double latency = now - published;
            long bucket = latency < 0 ? 0 : (long)(latency * 10);
            tally->histogram[bucket < S_BUCKETS ? bucket : S_BUCKETS]++;
        }
    } else if (len >= 5 && memcmp(line, ": cut", 5) == 0) {
        tally->cut++;
    } else if (len >= 11 && memcmp(line, "event: lost", 11) == 0) {
        tally->lost++;
    } else if (!stream->answered && len >= 12 && memcmp(line, "HTTP/", 5) == 0) {
        stream->answered = true;
        tally->answered++;
        tally->refused += memcmp(line + 9, "200", 3) != 0;
    }
}

//  Reads what the stream has. Returns 0, or -1 when the gateway closed it.
static int s_read(s_tally_t *tally, s_stream_t *stream, char *buf)
{
    memcpy(buf, stream->carry, stream->carry_len);
    ssize_t got = read(stream->fd, buf + stream->carry_len, S_READ);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
        return 0;
    }
    if (got <= 0) {
        return -1;
    }
    tally->bytes += (uint64_t)got;
    tally->reads++;
    double now = s_now_ms();
    size_t len = stream->carry_len + (size_t)got, start = 0;
    const char *newline;
    while ((newline = memchr(buf + start, '\n', len - start)) != NULL) {
        size_t end = (size_t)(newline - buf);
        s_line(tally, stream, buf + start, end - start, now);
        start = end + 1;
    }
    //  A line longer than S_LINE_MAX is not an event of this benchmark:
    //  its start is dropped.
    stream->carry_len = len - start <= S_LINE_MAX ? len - start : 0;
    memcpy(stream->carry, buf + start, stream->carry_len);
    return 0;
}

static int s_connect(const s_args_t *args, const char *request, size_t request_len)
{
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)args->port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || inet_pton(AF_INET, args->host, &sa.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        write(fd, request, request_len) != (ssize_t)request_len) {
        perror("bench_sse: connect");
        exit(1);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

//  Reads every stream that has something, waiting at most wait_ms.
static void s_poll(int epoll_fd, s_tally_t *tally, char *buf, int wait_ms)
{
    struct epoll_event ready[256];
    int n = epoll_wait(epoll_fd, ready, 256, wait_ms);
    for (int i = 0; i < n; i++) {
        s_stream_t *stream = (s_stream_t *)ready[i].data.ptr;
        if (s_read(tally, stream, buf) != 0) {
            epoll_ctl(epoll_fd, EPOLL_CTL_DEL, stream->fd, NULL);
            stream->open = false;
            tally->closed++;
        }
    }
}

//  The latency under which share of the events came, ms.
static double s_quantile(const s_tally_t *tally, uint64_t measured, double share)
{
    uint64_t want = (uint64_t)((double)measured * share), seen = 0;
    for (long i = 0; i <= S_BUCKETS; i++) {
        seen += tally->histogram[i];
        if (seen > want) {
            return (double)i / 10.0;
        }
    }
    return (double)S_BUCKETS / 10.0;
}

//  This process's CPU seconds so far (user + system).
static double s_cpu_s(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static void s_report(const s_args_t *args, const s_tally_t *tally, double cpu_s)
{
    uint64_t measured = 0;
    for (long i = 0; i <= S_BUCKETS; i++) {
        measured += tally->histogram[i];
    }
    double span_s = (tally->last_ms - tally->first_ms) / 1000.0;
    printf("{\"clients\": %d, \"answered\": %llu, \"events\": %llu, \"span_s\": %.2f, "
           "\"per_client_rate\": %.1f, ",
           args->clients, (unsigned long long)tally->answered, (unsigned long long)tally->events,
           span_s, span_s > 0 ? (double)tally->events / args->clients / span_s : 0.0);
    if (measured) {
        printf("\"p50_ms\": %.1f, \"p99_ms\": %.1f, ", s_quantile(tally, measured, 0.5),
               s_quantile(tally, measured, 0.99));
    } else {
        printf("\"p50_ms\": null, \"p99_ms\": null, ");
    }
    printf("\"bytes\": %llu, \"refused\": %llu, \"cut\": %llu, \"lost\": %llu, "
           "\"closed\": %llu, \"reads\": %llu, \"cpu_s\": %.2f}\n",
           (unsigned long long)tally->bytes, (unsigned long long)tally->refused,
           (unsigned long long)tally->cut, (unsigned long long)tally->lost,
           (unsigned long long)tally->closed, (unsigned long long)tally->reads, cpu_s);
}

static void s_run(const s_args_t *args)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < (rlim_t)args->clients + 64) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    char request[1024];
    int request_len = snprintf(request, sizeof request,
                               "GET %s HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                               "Accept: text/event-stream\r\n\r\n",
                               args->path, args->token);
    s_tally_t tally = {0};
    tally.histogram = calloc(S_BUCKETS + 1, sizeof *tally.histogram);
    s_stream_t *streams = calloc((size_t)args->clients, sizeof *streams);
    char *buf = malloc(S_LINE_MAX + S_READ);
    int epoll_fd = epoll_create1(0);
    if (!tally.histogram || !streams || !buf || epoll_fd < 0) {
        fprintf(stderr, "bench_sse: out of memory\n");
        exit(1);
    }
    for (int i = 0; i < args->clients; i++) {
        s_stream_t *stream = &streams[i];
        stream->fd = s_connect(args, request, (size_t)request_len);
        stream->open = true;
        stream->carry = malloc(S_LINE_MAX);
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = stream};
        if (!stream->carry || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, stream->fd, &event) != 0) {
            fprintf(stderr, "bench_sse: cannot hold %d streams\n", args->clients);
            exit(1);
        }
    }
    double until = s_now_ms() + S_ANSWER_WAIT_MS;
    while (tally.answered < (uint64_t)args->clients && s_now_ms() < until) {
        s_poll(epoll_fd, &tally, buf, 100);
    }
    fprintf(stderr,
            tally.answered == (uint64_t)args->clients ? "ready\n" : "not every stream answered\n");
    //  What came before the load is not measured.
    memset(tally.histogram, 0, (S_BUCKETS + 1) * sizeof *tally.histogram);
    tally.events = tally.bytes = tally.reads = 0;
    tally.first_ms = tally.last_ms = 0;
    double cpu0 = s_cpu_s();
    until = s_now_ms() + args->seconds * 1000.0;
    while (s_now_ms() < until) {
        s_poll(epoll_fd, &tally, buf, 100);
    }
    s_report(args, &tally, s_cpu_s() - cpu0);
    for (int i = 0; i < args->clients; i++) {
        close(streams[i].fd);
        free(streams[i].carry);
    }
    close(epoll_fd);
    free(buf);
    free(streams);
    free(tally.histogram);
}

int main(int argc, char **argv)
{
    s_args_t args = {"127.0.0.1", "/api/v1/events?stream=ind&prefix=ind.", "", 0, 100, 10};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *flag = argv[i], *value = argv[i + 1];
        if (strcmp(flag, "--host") == 0) {
            args.host = value;
        } else if (strcmp(flag, "--port") == 0) {
            args.port = atoi(value);
        } else if (strcmp(flag, "--token") == 0) {
            args.token = value;
        } else if (strcmp(flag, "--path") == 0) {
            args.path = value;
        } else if (strcmp(flag, "--clients") == 0) {
            args.clients = atoi(value);
        } else if (strcmp(flag, "--seconds") == 0) {
            args.seconds = atoi(value);
        } else {
            fprintf(stderr, "bench_sse: unknown flag %s\n", flag);
            return 2;
        }
    }
    if (args.port <= 0 || args.clients <= 0 || args.seconds <= 0) {
        fprintf(stderr, "bench_sse: --port, --clients and --seconds must be positive\n");
        return 2;
    }
    s_run(&args);
    return 0;
}
