/*  notify_sinks: starts the loopback test receivers (tests/helpers/webhook_sink.py
    and smtp_sink.py) for the notify tests, and reads what they recorded.

    A sink binds port 0 and writes the port it got to a file once it listens;
    notify_sink_start polls that file with a bound, so no port is guessed and
    no fixed sleep is needed. notify_sink_stop ends the process (TERM, then
    KILL after a bound) and removes its files; tests call it from a cmocka
    teardown so that a failed assertion stops the sink too, and the sink also
    ends when the test process dies (PR_SET_PDEATHSIG). Header-only: each test
    file is its own program.
*/
#pragma once
#include <cjson/cJSON.h>
#include <czmq.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOTIFY_SINK_ARGS_MAX 16 // flags a sink takes at most

//  One running sink.
typedef struct {
    pid_t pid;           // the python process, 0 when stopped
    int port;            // the port it listens on (127.0.0.1)
    char dir[64];        // its temporary directory
    char record[128];    // the JSON-lines file it records into
    char port_file[128]; // where it wrote its port
} notify_sink_t;

//  The path of a helper script: next to this header's directory, or under
//  $STI_SOURCE/tests/helpers.
static inline void notify_sink_script(const char *name, char *path, size_t size)
{
    const char *source = getenv("STI_SOURCE");
    if (source) {
        snprintf(path, size, "%s/tests/helpers/%s", source, name);
        return;
    }
    const char *here = __FILE__;
    const char *slash = strrchr(here, '/');
    int dir_length = slash ? (int)(slash - here) : 1;
    snprintf(path, size, "%.*s/../helpers/%s", dir_length, slash ? here : ".", name);
}

//  Reads the port file. Returns the port, or 0 when not there yet.
static inline int notify_sink_read_port(const char *port_file)
{
    FILE *file = fopen(port_file, "r");
    int port = 0;
    if (file) {
        if (fscanf(file, "%d", &port) != 1) {
            port = 0;
        }
        fclose(file);
    }
    return port;
}

//  Starts script with the NULL-terminated flags. Returns 0 once it listens,
//  -1 when it exited or did not listen within 10 s.
static inline int notify_sink_start(notify_sink_t *sink, const char *script,
                                    const char *const *flags)
{
    memset(sink, 0, sizeof *sink);
    snprintf(sink->dir, sizeof sink->dir, "/tmp/sti-notify-sink.XXXXXX");
    if (!mkdtemp(sink->dir)) {
        return -1;
    }
    snprintf(sink->record, sizeof sink->record, "%s/record.jsonl", sink->dir);
    snprintf(sink->port_file, sizeof sink->port_file, "%s/port", sink->dir);
    char path[1024];
    notify_sink_script(script, path, sizeof path);
    const char *argv[NOTIFY_SINK_ARGS_MAX + 8] = {"/usr/bin/python3", path,       "--port-file",
                                                  sink->port_file,    "--record", sink->record};
    size_t argc = 6;
    for (size_t i = 0; flags && flags[i] && i < NOTIFY_SINK_ARGS_MAX; i++) {
        argv[argc++] = flags[i];
    }
    sink->pid = fork();
    if (sink->pid == 0) {
        //  If the test dies without stopping it, the sink goes too.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (sink->pid < 0) {
        sink->pid = 0;
        return -1;
    }
    int64_t deadline = zclock_mono() + 10000;
    while (zclock_mono() < deadline) {
        sink->port = notify_sink_read_port(sink->port_file);
        if (sink->port > 0) {
            return 0;
        }
        if (waitpid(sink->pid, NULL, WNOHANG) == sink->pid) {
            sink->pid = 0;
            return -1;
        }
        poll(NULL, 0, 20);
    }
    return -1;
}

//  Stops the sink and removes its files. Safe twice.
static inline void notify_sink_stop(notify_sink_t *sink)
{
    if (sink->pid > 0) {
        kill(sink->pid, SIGTERM);
        int64_t deadline = zclock_mono() + 5000;
        while (waitpid(sink->pid, NULL, WNOHANG) == 0) {
            if (zclock_mono() > deadline) {
                kill(sink->pid, SIGKILL);
                waitpid(sink->pid, NULL, 0);
                break;
            }
            poll(NULL, 0, 20);
        }
        sink->pid = 0;
    }
    if (sink->dir[0]) {
        //  The sinks' own files: records, port, a TLS certificate and key.
        const char *names[] = {"record.jsonl", "port", "sink-cert.pem", "sink-key.pem"};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            char path[192];
            snprintf(path, sizeof path, "%s/%s", sink->dir, names[i]);
            unlink(path);
        }
        rmdir(sink->dir);
        sink->dir[0] = 0;
    }
}

//  Every record so far as a JSON array. Caller deletes; NULL if unreadable.
static inline cJSON *notify_sink_records(const notify_sink_t *sink)
{
    FILE *file = fopen(sink->record, "r");
    cJSON *records = cJSON_CreateArray();
    char *line = NULL;
    size_t size = 0;
    while (file && records && getline(&line, &size, file) > 0) {
        cJSON *record = cJSON_Parse(line);
        if (record) {
            cJSON_AddItemToArray(records, record);
        }
    }
    free(line);
    if (file) {
        fclose(file);
    }
    return records;
}

//  The string at record[name] (or record[object][name] when object is not NULL),
//  or NULL. Borrowed from record.
static inline const char *notify_sink_string(const cJSON *record, const char *object,
                                             const char *name)
{
    const cJSON *inner = object ? cJSON_GetObjectItemCaseSensitive(record, object) : record;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(inner, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

//  A port on 127.0.0.1 where nothing listens (bound, then closed).
static inline int notify_sink_closed_port(void)
{
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t length = sizeof address;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&address, sizeof address) == 0 &&
        getsockname(fd, (struct sockaddr *)&address, &length) == 0) {
        port = ntohs(address.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}
