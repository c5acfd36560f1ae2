/*  gateway_report: see gateway_report.h.

    The request's state holds the report's JSON and the projects read so
    far (or, for the workbook, their MessagePack in gateway_report_book);
    each answer's callback sends the next call (a page of projects, one
    project's record, report.issue) under the request id with a suffix, so
    one call is in flight at a time and ids never meet.
*/
#include "gateway_report.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway_body.h"
#include "gateway_report_book.h"
#include "sti_json.h"

#define S_PROJECTS_MAX 10000 // projects read at most (as stictl report)
#define S_PAGE 1000          // projects a page of project.list
#define S_CODE_MAX 64        // longest project code

typedef struct {
    cJSON *report;                 // report.data's body (the JSON answer)
    cJSON *projects;               // project.get's answers so far (the JSON answer)
    gateway_report_book_t *book;   // the workbook's answers, or NULL for the JSON answer
    bool issue;                    // the workbook is recorded as issued (report.issue)
    char (*codes)[S_CODE_MAX + 1]; // the codes of the page being read
    size_t code_count;             // entries of codes
    size_t next_code;              // the next to read
    char after[S_CODE_MAX + 1];    // the page after this code ("" for the first)
    bool last_page;                // the page read is the last
    size_t calls;                  // calls made, for their ids
} s_report_t;

static void s_report_free(void *state)
{
    s_report_t *self = (s_report_t *)state;
    if (self) {
        cJSON_Delete(self->report);
        cJSON_Delete(self->projects);
        gateway_report_book_destroy(&self->book);
        free(self->codes);
        free(self);
    }
}

static void s_next(gateway_request_t *req);
static void s_finish_book(gateway_request_t *req, const char *why);

//  Answers the report with the projects, or without them and why.
static void s_finish(gateway_request_t *req, const char *why)
{
    s_report_t *self = (s_report_t *)req->state;
    if (self->book) {
        s_finish_book(req, why);
        return;
    }
    if (why) {
        cJSON_AddNullToObject(self->report, "projects");
        cJSON_AddStringToObject(self->report, "projects_error", why);
    } else {
        cJSON_AddItemToObject(self->report, "projects", self->projects);
        self->projects = NULL;
    }
    gateway_reply_json(req, 200, &self->report);
    gateway_server_done(req->server, req);
}

//  The reason a call to sti.projects failed, into buf. Returns buf.
static const char *s_why(const sti_reply_t *reply, const char *why, char *buf, size_t cap)
{
    if (!reply) {
        snprintf(buf, cap, "sti.projects did not answer: %s", why);
    } else {
        snprintf(buf, cap, "sti.projects refused: %s: %s", sti_errcode_name(reply->code),
                 reply->message);
    }
    return buf;
}

static void s_on_project(void *arg, const sti_reply_t *reply, const char *why)
{
    gateway_request_t *req = (gateway_request_t *)arg;
    s_report_t *self = (s_report_t *)req->state;
    char text[600];
    if (reply && !reply->ok && reply->code == STI_ERR_NOT_FOUND) {
        self->next_code++; // removed between the page and now: not listed
    } else if (!reply || !reply->ok) {
        s_finish(req, s_why(reply, why, text, sizeof text));
        return;
    } else {
        if (self->book) {
            gateway_report_book_project(self->book, reply->body);
        } else {
            cJSON_AddItemToArray(self->projects, sti_json_from_node(reply->body));
        }
        self->next_code++;
    }
    s_next(req);
}

//  Takes a page of project.list: its codes and whether another follows.
//  Returns 0, or -1 when the page does not read.
static int s_take_page(s_report_t *self, sti_node_t body)
{
    sti_node_t list = sti_node_get(body, "projects");
    sti_node_t next = sti_node_get(body, "next");
    if (sti_node_type(list) != STI_TYPE_ARRAY) {
        return -1;
    }
    size_t count = sti_node_size(list);
    free(self->codes);
    self->codes = calloc(count + 1, sizeof *self->codes);
    assert(self->codes);
    self->code_count = self->next_code = 0;
    sti_field_error_t err;
    for (size_t i = 0; i < count; i++) {
        if (sti_map_str_copy(sti_node_at(list, i), "code", self->codes[self->code_count],
                             sizeof self->codes[0], &err) == 0) {
            self->code_count++;
        }
    }
    self->last_page = sti_node_type(next) != STI_TYPE_STR ||
                      sti_map_str_copy(body, "next", self->after, sizeof self->after, &err) != 0;
    return 0;
}

static void s_on_page(void *arg, const sti_reply_t *reply, const char *why)
{
    gateway_request_t *req = (gateway_request_t *)arg;
    s_report_t *self = (s_report_t *)req->state;
    char text[600];
    if (!reply || !reply->ok) {
        s_finish(req, s_why(reply, why, text, sizeof text));
    } else if (s_take_page(self, reply->body) != 0) {
        s_finish(req, "sti.projects answered project.list without projects");
    } else {
        s_next(req);
    }
}

//  Sends op with body to sti.projects for req. Returns 0, or -1 after
//  answering without the projects.
static int s_call(gateway_request_t *req, const char *op, sti_writer_t *body, gateway_call_fn *fn)
{
    s_report_t *self = (s_report_t *)req->state;
    char id[STI_ID_MAX + 1];
    snprintf(id, sizeof id, "%.100s#p%zu", req->id, ++self->calls);
    size_t size;
    const void *data = sti_writer_data(body, &size);
    if (gateway_server_call(req->server, req, "sti.projects", op, id, data, size, fn) != 0) {
        gateway_reply_clear(req);
        s_finish(req, "sti.projects cannot be called now: the broker is out of reach");
        return -1;
    }
    return 0;
}

//  Sends the next call: the next project of the page, else the next page,
//  else answers.
static void s_next(gateway_request_t *req)
{
    s_report_t *self = (s_report_t *)req->state;
    size_t held = self->book ? gateway_report_book_projects(self->book)
                             : (size_t)cJSON_GetArraySize(self->projects);
    sti_writer_t *body = sti_writer_new();
    if (self->next_code < self->code_count && held < S_PROJECTS_MAX) {
        sti_writer_map(body, 1);
        sti_writer_kv_str(body, "code", self->codes[self->next_code]);
        s_call(req, "project.get", body, s_on_project);
    } else if ((!self->codes || !self->last_page) && held < S_PROJECTS_MAX) {
        sti_writer_map(body, self->after[0] ? 2 : 1);
        sti_writer_kv_int(body, "limit", S_PAGE);
        if (self->after[0]) {
            sti_writer_kv_str(body, "after", self->after);
        }
        s_call(req, "project.list", body, s_on_page);
    } else {
        s_finish(req, NULL);
    }
    sti_writer_destroy(&body);
}

static void s_on_data(void *arg, const sti_reply_t *reply, const char *why)
{
    gateway_request_t *req = (gateway_request_t *)arg;
    s_report_t *self = (s_report_t *)req->state;
    if (!reply) {
        gateway_reply_errorf(req, STI_ERR_UNAVAILABLE, "the service did not answer: %s", why);
    } else if (!reply->ok || sti_node_type(reply->body) != STI_TYPE_MAP) {
        gateway_reply_envelope(req, reply);
    } else {
        if (self->book) {
            gateway_report_book_data(self->book, reply->body);
        } else {
            self->report = sti_json_from_node(reply->body);
            self->projects = cJSON_CreateArray();
        }
        s_next(req);
        return;
    }
    gateway_server_done(req->server, req);
}

//  --- the workbook ---

static void s_on_issued(void *arg, const sti_reply_t *reply, const char *why)
{
    gateway_request_t *req = (gateway_request_t *)arg;
    s_report_t *self = (s_report_t *)req->state;
    if (!reply) {
        gateway_reply_errorf(req, STI_ERR_UNAVAILABLE,
                             "the report could not be recorded as issued (sti.indicators did not "
                             "answer: %s), so the workbook is not sent: ask again with the same "
                             "Idempotency-Key",
                             why);
    } else if (!reply->ok) {
        gateway_reply_envelope(req, reply); // a reader: 403; the workbook is not sent
    } else {
        gateway_report_book_reply(self->book, req);
    }
    gateway_server_done(req->server, req);
}

//  Records the workbook written as issued (report.issue, under the
//  request's id: a retry with the same Idempotency-Key records it once).
//  Returns 0, or -1 with an error answer set.
static int s_issue(gateway_request_t *req)
{
    s_report_t *self = (s_report_t *)req->state;
    char id[STI_ID_MAX + 1];
    snprintf(id, sizeof id, "%.100s#issue", req->id);
    sti_writer_t *body = sti_writer_new();
    gateway_report_book_issue(self->book, req->id, body);
    size_t size;
    const void *data = sti_writer_data(body, &size);
    int rc = gateway_server_call(req->server, req, "sti.indicators", "report.issue", id, data, size,
                                 s_on_issued);
    sti_writer_destroy(&body);
    return rc;
}

//  Answers the workbook of what was read (recorded as issued first when
//  asked), or why there is none: without the projects there is no
//  workbook, as stictl report writes none.
static void s_finish_book(gateway_request_t *req, const char *why)
{
    s_report_t *self = (s_report_t *)req->state;
    char err[600];
    if (why) {
        gateway_reply_errorf(req, STI_ERR_UNAVAILABLE,
                             "the workbook lists the plan's projects, which could not be read: %s",
                             why);
    } else if (gateway_report_book_write(self->book, gateway_server_config(req->server), err,
                                         sizeof err) != 0) {
        gateway_reply_errorf(req, STI_ERR_INTERNAL, "the workbook could not be written: %s", err);
    } else if (self->issue && s_issue(req) == 0) {
        return; // answered when report.issue answers
    } else if (!self->issue) {
        gateway_report_book_reply(self->book, req);
    }
    gateway_server_done(req->server, req);
}

//  Sends report.data for req, of route (the route of report.data) with the
//  query; its answer goes on to the projects. The state is made here.
static void s_start(gateway_server_t *server, gateway_request_t *req, const gateway_route_t *route,
                    const gateway_params_t *params, const gateway_query_t *query,
                    gateway_report_book_t **book_p, bool issue)
{
    s_report_t *self = calloc(1, sizeof *self);
    assert(self);
    req->state = self;
    req->free_state = s_report_free;
    if (book_p) {
        self->book = *book_p;
        *book_p = NULL;
    }
    self->issue = issue;
    sti_writer_t *writer = sti_writer_new();
    char err[512];
    if (gateway_body_build(route, params, query, NULL, 0, req->id, writer, err, sizeof err) != 0) {
        gateway_reply_invalid(req, err);
    } else {
        size_t size;
        const void *body = sti_writer_data(writer, &size);
        gateway_server_call(server, req, route->service, route->op, req->id, body, size, s_on_data);
    }
    sti_writer_destroy(&writer);
}

void gateway_report_answer(gateway_server_t *server, gateway_request_t *req,
                           const gateway_route_t *route, const gateway_params_t *params)
{
    assert(server && req && route && params);
    gateway_query_t query;
    if (gateway_body_query(req, &query) == 0) {
        s_start(server, req, route, params, &query, NULL, false);
    }
}

void gateway_report_xlsx_answer(gateway_server_t *server, gateway_request_t *req)
{
    assert(server && req);
    bool issue = strcmp(req->method, "POST") == 0;
    gateway_query_t query, rest = {0};
    gateway_params_t params;
    bool known = false;
    if (!issue && strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        gateway_reply_errorf(req, STI_ERR_INVALID_ARGUMENT, "%s answers GET and POST only",
                             req->path);
        req->status = 405;
        return;
    }
    if (gateway_body_query(req, &query) != 0) {
        return;
    }
    const char *lang = gateway_query_get(&query, "lang");
    if (lang && strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0) {
        gateway_reply_invalid(req, "lang: must be zh or en");
        return;
    }
    for (size_t i = 0; i < query.count; i++) { // report.data's query: all but lang
        if (strcmp(query.key[i], "lang") != 0) {
            rest.key[rest.count] = query.key[i];
            rest.value[rest.count++] = query.value[i];
        }
    }
    const gateway_route_t *route = gateway_router_match(gateway_server_router(server), "GET",
                                                        "/api/v1/report", &params, &known);
    if (!route) {
        gateway_reply_errorf(req, STI_ERR_UNAVAILABLE,
                             "sti.indicators has not described report.data to the gateway yet");
        return;
    }
    gateway_report_book_t *book = gateway_report_book_new(lang && strcmp(lang, "en") == 0);
    s_start(server, req, route, &params, &rest, &book, issue);
}
