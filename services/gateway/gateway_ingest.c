/*  gateway_ingest: see gateway_ingest.h.

    Every row is read first (the body is in memory already, at most
    body_max), into batches of MessagePack rows, each row remembering the
    number it is reported under; then the batches go out one by one, and
    the replies' per-row errors are mapped back to those numbers.
*/
#include "gateway_ingest.h"

#include <assert.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "gateway_body.h"
#include "sti_json.h"
#include "stictl.h"

#define S_BATCH 1000 // rows per obs.submit
#define S_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

typedef struct {
    sti_writer_t *rows;     // the batch's rows, without the array header
    size_t count;           // rows in it
    size_t row_of[S_BATCH]; // the number each is reported under
} s_batch_t;

typedef struct {
    s_batch_t **batches; // the rows to send
    size_t batch_count;  // entries
    size_t next;         // the batch being sent
    size_t rows;         // data rows read (refused and skipped ones too)
    size_t accepted;     // rows accepted so far
    size_t rejected;     // rows refused (here or by the service)
    size_t skipped;      // rows without a value
    size_t kept;         // rows of the batches sent and accepted, for a refusal's message
    cJSON *errors;       // [{row, field, reason}]
    char source[256];    // ?source
    bool dry_run;        // ?dry_run
    bool failed;         // reading stopped
} s_ingest_t;

static void s_ingest_free(void *state)
{
    s_ingest_t *self = (s_ingest_t *)state;
    if (self) {
        for (size_t i = 0; i < self->batch_count; i++) {
            sti_writer_destroy(&self->batches[i]->rows);
            free(self->batches[i]);
        }
        free(self->batches);
        cJSON_Delete(self->errors);
        free(self);
    }
}

//  Adds {row, field, reason} to the report.
static void s_report(s_ingest_t *self, size_t row, const char *field, const char *reason)
{
    cJSON *error = cJSON_CreateObject();
    cJSON_AddNumberToObject(error, "row", (double)row);
    cJSON_AddStringToObject(error, "field", field);
    cJSON_AddStringToObject(error, "reason", reason);
    cJSON_AddItemToArray(self->errors, error);
}

//  A row refused here, before sending.
static void s_refused(s_ingest_t *self, size_t row, const char *field, const char *reason)
{
    s_report(self, row, field, reason);
    self->rejected++;
}

//  The batch the next row goes into.
static s_batch_t *s_batch(s_ingest_t *self)
{
    if (self->batch_count == 0 || self->batches[self->batch_count - 1]->count == S_BATCH) {
        self->batches = realloc(self->batches, (self->batch_count + 1) * sizeof *self->batches);
        assert(self->batches);
        s_batch_t *batch = calloc(1, sizeof *batch);
        assert(batch);
        batch->rows = sti_writer_new();
        self->batches[self->batch_count++] = batch;
    }
    return self->batches[self->batch_count - 1];
}

//  --- tables ---

static int s_table_row(void *arg, size_t row, char *const *fields, const char *problem)
{
    s_ingest_t *self = (s_ingest_t *)arg;
    self->rows++;
    if (problem) {
        s_refused(self, row, "row", problem);
        return 0;
    }
    s_batch_t *batch = s_batch(self);
    if (stictl_observation_row(batch->rows, fields) != 0) {
        self->skipped++;
        return 0;
    }
    batch->row_of[batch->count++] = row;
    return 0;
}

//  Reads a CSV or .xlsx body through stictl's reader. Returns 0, or -1
//  with err set (and nothing to send).
static int s_read_table(s_ingest_t *self, gateway_request_t *req, bool xlsx, char *note,
                        size_t note_cap, char *err, size_t errlen)
{
    const gateway_config_t *config = gateway_server_config(req->server);
    char path[512];
    snprintf(path, sizeof path, "%s/sti-gateway-XXXXXX%s", config->upload_dir,
             xlsx ? ".xlsx" : ".csv");
    int fd = mkstemps(path, xlsx ? 5 : 4);
    if (fd < 0) {
        snprintf(err, errlen, "cannot hold the file in %s: %s", config->upload_dir,
                 strerror(errno));
        return -2;
    }
    size_t done = 0;
    while (done < req->body_size) {
        ssize_t n = write(fd, req->body + done, req->body_size - done);
        if (n <= 0) {
            break;
        }
        done += (size_t)n;
    }
    close(fd);
    stictl_table_info_t info;
    int rc = done == req->body_size
                 ? stictl_table_read(path, stictl_observation_columns, STICTL_OBSERVATION_REQUIRED,
                                     s_table_row, NULL, self, &info, err, errlen)
                 : -2;
    unlink(path);
    snprintf(note, note_cap, "%s", rc == 0 ? info.note : "");
    if (rc == -2 && !err[0]) {
        snprintf(err, errlen, "cannot hold the file in %s", config->upload_dir);
    }
    return rc;
}

//  --- JSON ---

//  The JSON body as MessagePack, read back (caller destroys both), or NULL
//  with err set. sti_json holds it to the reader's limits before parsing.
static sti_reader_t *s_json_reader(gateway_request_t *req, sti_writer_t *scratch, char *err,
                                   size_t errlen)
{
    const char *text = req->body ? req->body : "";
    char why[200] = "is not UTF-8";
    sti_reader_t *reader = NULL;
    if (sti_utf8_valid(text, req->body_size) &&
        sti_json_text_to_writer(text, req->body_size, scratch, why, sizeof why) == 0) {
        size_t size;
        const void *data = sti_writer_data(scratch, &size);
        reader = sti_reader_new(data, size, NULL, why, sizeof why);
    }
    if (!reader) {
        snprintf(err, errlen, "body: %s", why);
    }
    return reader;
}

//  Reads a JSON body: an array of rows, or {rows, source?, dry_run?}.
//  Returns 0, or -1 with err set.
static int s_read_json(s_ingest_t *self, gateway_request_t *req, char *err, size_t errlen)
{
    sti_writer_t *scratch = sti_writer_new();
    sti_reader_t *reader = s_json_reader(req, scratch, err, errlen);
    sti_node_t root = reader ? sti_reader_root(reader) : (sti_node_t){NULL};
    sti_node_t rows = sti_node_type(root) == STI_TYPE_ARRAY ? root : sti_node_get(root, "rows");
    sti_field_error_t ignored;
    if (reader && sti_node_type(rows) != STI_TYPE_ARRAY) {
        snprintf(err, errlen,
                 "body: must be an array of rows, or an object {rows, source?, "
                 "dry_run?}");
    } else if (reader) {
        bool dry_run = false;
        if (sti_node_type(sti_node_get(root, "source")) == STI_TYPE_STR) {
            sti_map_str_copy(root, "source", self->source, sizeof self->source, &ignored);
        }
        if (sti_map_bool(root, "dry_run", &dry_run, &ignored) == 0 && dry_run) {
            self->dry_run = true;
        }
        for (size_t i = 0; i < sti_node_size(rows); i++) {
            sti_node_t row = sti_node_at(rows, i);
            size_t number = ++self->rows;
            s_batch_t *batch = s_batch(self);
            if (sti_node_type(row) != STI_TYPE_MAP) {
                s_refused(self, number, "row",
                          "must be an object {indicator, org, period, value, ...}");
                continue;
            }
            size_t size;
            void *raw = sti_node_encode(row, &size);
            sti_writer_raw(batch->rows, raw, size);
            free(raw);
            batch->row_of[batch->count++] = number;
        }
    }
    bool good = reader && sti_node_type(rows) == STI_TYPE_ARRAY;
    sti_reader_destroy(&reader);
    sti_writer_destroy(&scratch);
    return good ? 0 : -1;
}

//  --- sending ---

static void s_send_next(gateway_request_t *req);

//  The answer, as stictl ingest --json prints it.
static void s_answer(gateway_request_t *req, s_ingest_t *self)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddNumberToObject(json, "accepted", (double)self->accepted);
    cJSON_AddNumberToObject(json, "rejected", (double)self->rejected);
    cJSON_AddNumberToObject(json, "skipped", (double)self->skipped);
    cJSON_AddItemToObject(json, "errors", self->errors);
    self->errors = cJSON_CreateArray();
    gateway_reply_json(req, 200, &json);
}

//  Takes a batch's reply into the totals. Returns 0, or -1 (the reply is no
//  answer of obs.submit).
static int s_take(s_ingest_t *self, const s_batch_t *batch, const sti_reply_t *reply)
{
    sti_field_error_t err;
    int64_t accepted = 0, rejected = 0;
    if (sti_map_int(reply->body, "accepted", &accepted, &err) != 0 ||
        sti_map_int(reply->body, "rejected", &rejected, &err) != 0) {
        return -1;
    }
    self->accepted += (size_t)accepted;
    self->rejected += (size_t)rejected;
    self->kept += (size_t)accepted;
    sti_node_t errors = sti_node_get(reply->body, "errors");
    for (size_t i = 0; i < sti_node_size(errors); i++) {
        sti_node_t detail = sti_node_at(errors, i);
        int64_t index = -1;
        char field[128] = "?", reason[512] = "?";
        sti_map_int(detail, "index", &index, &err);
        sti_map_str_copy(detail, "field", field, sizeof field, &err);
        sti_map_str_copy(detail, "reason", reason, sizeof reason, &err);
        size_t row = index >= 0 && (size_t)index < batch->count ? batch->row_of[index] : 0;
        s_report(self, row, field, reason);
    }
    return 0;
}

static void s_on_batch(void *arg, const sti_reply_t *reply, const char *why)
{
    gateway_request_t *req = (gateway_request_t *)arg;
    s_ingest_t *self = (s_ingest_t *)req->state;
    const s_batch_t *batch = self->batches[self->next];
    if (!reply) {
        gateway_reply_errorf(req, STI_ERR_UNAVAILABLE,
                             "sti.ingest did not answer: %s (%zu rows of the batches before were "
                             "kept; sending the same request again with its Idempotency-Key "
                             "changes nothing for them)",
                             why, self->kept);
    } else if (!reply->ok) {
        char message[700];
        snprintf(message, sizeof message, "%s%s", reply->message,
                 self->next ? " (the rows of the batches before this one were kept)" : "");
        gateway_reply_error(req, reply->code, message, gateway_details_json(reply->details));
    } else if (s_take(self, batch, reply) != 0) {
        gateway_reply_errorf(req, STI_ERR_INTERNAL, "sti.ingest answered without counts");
    } else if (++self->next < self->batch_count) {
        s_send_next(req);
        return;
    } else {
        s_answer(req, self);
    }
    gateway_server_done(req->server, req);
}

static void s_send_next(gateway_request_t *req)
{
    s_ingest_t *self = (s_ingest_t *)req->state;
    while (self->next < self->batch_count && self->batches[self->next]->count == 0) {
        self->next++; // a batch of skipped rows only
    }
    if (self->next == self->batch_count) {
        s_answer(req, self);
        gateway_server_done(req->server, req);
        return;
    }
    const s_batch_t *batch = self->batches[self->next];
    char id[STI_ID_MAX + 1];
    snprintf(id, sizeof id, "%.118s#%zu", req->id, self->next + 1);
    sti_writer_t *writer = sti_writer_new();
    size_t size;
    const void *rows = sti_writer_data(batch->rows, &size);
    sti_writer_map(writer, self->source[0] ? 4 : 3);
    sti_writer_str(writer, "rows");
    sti_writer_array(writer, batch->count);
    sti_writer_raw(writer, rows, size);
    sti_writer_kv_bool(writer, "dry_run", self->dry_run);
    sti_writer_kv_str(writer, "request_id", id);
    if (self->source[0]) {
        sti_writer_kv_str(writer, "source", self->source);
    }
    const void *data = sti_writer_data(writer, &size);
    if (gateway_server_call(req->server, req, "sti.ingest", "obs.submit", id, data, size,
                            s_on_batch) != 0) {
        gateway_server_done(req->server, req);
    }
    sti_writer_destroy(&writer);
}

//  --- the request ---

//  Reads ?source and ?dry_run. Returns 0, or -1 with 400 set.
static int s_query(gateway_request_t *req, s_ingest_t *self)
{
    gateway_query_t query;
    if (gateway_body_query(req, &query) != 0) {
        return -1;
    }
    for (size_t i = 0; i < query.count; i++) {
        if (strcmp(query.key[i], "source") == 0) {
            snprintf(self->source, sizeof self->source, "%s", query.value[i]);
        } else if (strcmp(query.key[i], "dry_run") == 0) {
            self->dry_run = strcmp(query.value[i], "true") == 0 || strcmp(query.value[i], "1") == 0;
        } else {
            gateway_reply_invalid(req, "query: only source and dry_run are known here");
            return -1;
        }
    }
    return 0;
}

//  Reads the body as its Content-Type says. Returns 0, or -1 with the answer set.
static int s_read(gateway_request_t *req, s_ingest_t *self)
{
    const char *type =
        MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Content-Type");
    char err[768] = "", note[160] = "";
    int rc;
    if (!type || strncasecmp(type, "application/json", 16) == 0) {
        rc = s_read_json(self, req, err, sizeof err);
    } else if (strncasecmp(type, "text/csv", 8) == 0 ||
               strncasecmp(type, S_XLSX_TYPE, strlen(S_XLSX_TYPE)) == 0) {
        rc = s_read_table(self, req, strncasecmp(type, "text/csv", 8) != 0, note, sizeof note, err,
                          sizeof err);
    } else {
        gateway_reply_invalid(req,
                              "Content-Type: must be application/json, text/csv or " S_XLSX_TYPE);
        return -1;
    }
    if (rc == -2) {
        gateway_reply_errorf(req, STI_ERR_UNAVAILABLE, "%s", err);
        return -1;
    }
    if (rc != 0) {
        gateway_reply_error(req, STI_ERR_INVALID_ARGUMENT, err, NULL);
        return -1;
    }
    if (self->rows == 0 || self->skipped == self->rows) {
        gateway_reply_errorf(req, STI_ERR_INVALID_ARGUMENT,
                             self->rows == 0 ? "the body has no data rows (only a header, or "
                                               "nothing): nothing was submitted"
                                             : "none of the %zu rows has a value: nothing was "
                                               "submitted",
                             self->rows);
        return -1;
    }
    if (note[0]) {
        gateway_reply_header(req, "X-Table-Note", note);
    }
    return 0;
}

void gateway_ingest_submit(gateway_server_t *server, gateway_request_t *req,
                           const gateway_route_t *route)
{
    assert(server && req && route);
    s_ingest_t *self = calloc(1, sizeof *self);
    assert(self);
    self->errors = cJSON_CreateArray();
    req->state = self;
    req->free_state = s_ingest_free;
    if (s_query(req, self) != 0 || s_read(req, self) != 0) {
        return;
    }
    //  A header note, if any, stays on the answer; the rest is set at the end.
    s_send_next(req);
}
