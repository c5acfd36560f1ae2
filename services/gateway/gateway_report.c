/*  gateway_report: see gateway_report.h.

    The request's state holds the report's JSON and the projects read so
    far; each answer's callback sends the next call (a page of projects,
    or one project's record) under the request id with a suffix, so one
    call is in flight at a time and ids never meet.
*/
#include "gateway_report.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway_body.h"
#include "sti_json.h"

#define S_PROJECTS_MAX 10000 // projects read at most (as stictl report)
#define S_PAGE 1000          // projects a page of project.list
#define S_CODE_MAX 64        // longest project code

typedef struct {
    cJSON *report;                 // report.data's body
    cJSON *projects;               // project.get's answers so far
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
        free(self->codes);
        free(self);
    }
}

static void s_next(gateway_request_t *req);

//  Answers the report with the projects, or without them and why.
static void s_finish(gateway_request_t *req, const char *why)
{
    s_report_t *self = (s_report_t *)req->state;
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
        cJSON_AddItemToArray(self->projects, sti_json_from_node(reply->body));
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
    size_t held = (size_t)cJSON_GetArraySize(self->projects);
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
        self->report = sti_json_from_node(reply->body);
        self->projects = cJSON_CreateArray();
        s_next(req);
        return;
    }
    gateway_server_done(req->server, req);
}

void gateway_report_answer(gateway_server_t *server, gateway_request_t *req,
                           const gateway_route_t *route, const gateway_params_t *params)
{
    assert(server && req && route && params);
    gateway_query_t query;
    if (gateway_body_query(req, &query) != 0) {
        return;
    }
    s_report_t *self = calloc(1, sizeof *self);
    assert(self);
    req->state = self;
    req->free_state = s_report_free;
    sti_writer_t *writer = sti_writer_new();
    char err[512];
    if (gateway_body_build(route, params, &query, NULL, 0, req->id, writer, err, sizeof err) != 0) {
        gateway_reply_invalid(req, err);
    } else {
        size_t size;
        const void *body = sti_writer_data(writer, &size);
        gateway_server_call(server, req, route->service, route->op, req->id, body, size, s_on_data);
    }
    sti_writer_destroy(&writer);
}
