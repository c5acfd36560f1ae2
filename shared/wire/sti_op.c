/*  sti_op: see sti_op.h.

    The check walks the declaration and the body side by side, depth first,
    building the path of the key it is at ("rows.3.value"); the first
    mistake ends it. The body was decoded by a bounded reader (size, depth,
    element counts), so the walk is bounded too. Every rule is worded by
    sti_op_arg_rule, so a refusal reads the same from every service and
    matches what docs/ops.md says.
*/
#include "sti_op.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sti_auth.h"

static bool s_bounded(const sti_arg_t *arg)
{
    return arg->min != 0 || arg->max != 0;
}

//  "from MIN to MAX", "at least MIN", "at most MAX" (unit after the numbers).
static void s_range(const sti_arg_t *arg, const char *unit, char *buf, size_t cap)
{
    if (arg->min == arg->max) {
        snprintf(buf, cap, " of exactly %" PRId64 "%s", arg->min, unit);
    } else if (arg->min <= 0) {
        snprintf(buf, cap, " of at most %" PRId64 "%s", arg->max, unit);
    } else if (arg->max == INT64_MAX || arg->max < arg->min) {
        snprintf(buf, cap, " of at least %" PRId64 "%s", arg->min, unit);
    } else {
        snprintf(buf, cap, " of %" PRId64 " to %" PRId64 "%s", arg->min, arg->max, unit);
    }
}

//  The kind without STI_ARG_NIL.
static sti_arg_kind_t s_kind(const sti_arg_t *arg)
{
    return (sti_arg_kind_t)(arg->kind & ~STI_ARG_NIL);
}

//  True when nil is taken for arg.
static bool s_nullable(const sti_arg_t *arg)
{
    return (arg->kind & STI_ARG_NIL) != 0;
}

const char *sti_op_arg_rule(const sti_arg_t *arg, char *buf, size_t cap)
{
    assert(arg && buf && cap);
    char range[96] = "";
    switch (s_kind(arg)) {
    case STI_ARG_STR:
        if (s_bounded(arg)) {
            s_range(arg, " bytes", range, sizeof range);
        }
        snprintf(buf, cap, "must be a string%s", range);
        break;
    case STI_ARG_INT:
        if (s_bounded(arg)) {
            snprintf(range, sizeof range, " from %" PRId64 " to %" PRId64, arg->min, arg->max);
        }
        snprintf(buf, cap, "must be an integer%s", range);
        break;
    case STI_ARG_NUMBER:
        if (s_bounded(arg)) {
            snprintf(range, sizeof range, " from %" PRId64 " to %" PRId64, arg->min, arg->max);
        }
        snprintf(buf, cap, "must be a number%s", range);
        break;
    case STI_ARG_BOOL:
        snprintf(buf, cap, "must be true or false");
        break;
    case STI_ARG_MAP:
        snprintf(buf, cap, "must be a map");
        break;
    case STI_ARG_ARRAY:
        if (s_bounded(arg)) {
            s_range(arg, " elements", range, sizeof range);
        }
        snprintf(buf, cap, "must be an array%s", range);
        break;
    default:
        snprintf(buf, cap, "may be any value");
        return buf;
    }
    if (s_nullable(arg)) {
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, ", or nil");
    }
    return buf;
}

//  Sets the error at path with the arg's rule.
static int s_broken(const sti_arg_t *arg, const char *path, sti_field_error_t *err)
{
    snprintf(err->field, sizeof err->field, "%s", path);
    sti_op_arg_rule(arg, err->reason, sizeof err->reason);
    return -1;
}

static int s_check_value(const sti_arg_t *arg, sti_node_t value, const char *path,
                         sti_field_error_t *err);

//  The declared keys, in order, ", "-separated; a list that does not fit
//  in cap ends with "..." after the last whole name.
static void s_known(const sti_arg_t *keys, char *known, size_t cap)
{
    size_t used = 0;
    known[0] = 0;
    for (const sti_arg_t *k = keys; k->name; k++) {
        const char *sep = used ? ", " : "";
        if (used + strlen(sep) + strlen(k->name) + sizeof ", ..." > cap) {
            snprintf(known + used, cap - used, "%s...", sep);
            return;
        }
        used += (size_t)snprintf(known + used, cap - used, "%s%s", sep, k->name);
    }
}

//  Checks a map's keys against a list of args (keys NULL: any keys).
static int s_check_map(const sti_arg_t *keys, sti_node_t map, const char *path,
                       sti_field_error_t *err)
{
    if (!keys) {
        return 0;
    }
    char sub[sizeof err->field];
    size_t count = sti_node_size(map);
    for (size_t i = 0; i < count; i++) {
        const char *name = NULL;
        size_t len = 0;
        sti_field_error_t ignored;
        sti_node_t key = sti_node_key_at(map, i);
        const sti_arg_t *arg = keys;
        if (sti_node_str(key, STI_CODEC_MAX_STRING, &name, &len, &ignored) == 0) {
            while (arg->name && (strlen(arg->name) != len || memcmp(arg->name, name, len) != 0)) {
                arg++;
            }
        }
        if (!name || !arg->name) {
            snprintf(err->field, sizeof err->field, "%s%s%.*s", path, *path ? "." : "",
                     name ? (int)(len < 60 ? len : 60) : 0, name ? name : "");
            char known[128];
            s_known(keys, known, sizeof known);
            snprintf(err->reason, sizeof err->reason, "unknown key (known: %s)",
                     *known ? known : "none");
            return -1;
        }
    }
    for (const sti_arg_t *arg = keys; arg->name; arg++) {
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", arg->name);
        sti_node_t value = sti_node_get(map, arg->name);
        if (sti_node_is_missing(value)) {
            if (arg->required) {
                snprintf(err->field, sizeof err->field, "%s", sub);
                snprintf(err->reason, sizeof err->reason, "missing (required)");
                return -1;
            }
            continue;
        }
        if (s_check_value(arg, value, sub, err) != 0) {
            return -1;
        }
    }
    return 0;
}

//  Checks one value against its arg.
static int s_check_value(const sti_arg_t *arg, sti_node_t value, const char *path,
                         sti_field_error_t *err)
{
    sti_type_t type = sti_node_type(value);
    sti_field_error_t ignored;
    if (type == STI_TYPE_NIL && s_nullable(arg)) {
        return 0;
    }
    switch (s_kind(arg)) {
    case STI_ARG_STR: {
        const char *text;
        size_t len;
        if (sti_node_str(value, STI_CODEC_MAX_STRING, &text, &len, &ignored) != 0 ||
            (s_bounded(arg) && ((int64_t)len < arg->min || (int64_t)len > arg->max))) {
            return s_broken(arg, path, err);
        }
        return 0;
    }
    case STI_ARG_INT: {
        int64_t number;
        if (sti_node_int(value, &number, &ignored) != 0 ||
            (s_bounded(arg) && (number < arg->min || number > arg->max))) {
            return s_broken(arg, path, err);
        }
        return 0;
    }
    case STI_ARG_NUMBER: {
        double number;
        if (sti_node_double(value, &number, &ignored) != 0 ||
            (s_bounded(arg) && (number < (double)arg->min || number > (double)arg->max))) {
            return s_broken(arg, path, err);
        }
        return 0;
    }
    case STI_ARG_BOOL:
        return type == STI_TYPE_BOOL ? 0 : s_broken(arg, path, err);
    case STI_ARG_MAP:
        if (type != STI_TYPE_MAP) {
            return s_broken(arg, path, err);
        }
        return s_check_map(arg->of, value, path, err);
    case STI_ARG_ARRAY: {
        size_t count = sti_node_size(value);
        if (type != STI_TYPE_ARRAY ||
            (s_bounded(arg) && ((int64_t)count < arg->min || (int64_t)count > arg->max))) {
            return s_broken(arg, path, err);
        }
        char sub[sizeof err->field];
        for (size_t i = 0; arg->of && i < count; i++) {
            snprintf(sub, sizeof sub, "%s.%zu", path, i);
            if (s_check_value(arg->of, sti_node_at(value, i), sub, err) != 0) {
                return -1;
            }
        }
        return 0;
    }
    default:
        return 0;
    }
}

int sti_op_check(const sti_op_decl_t *op, sti_node_t body, sti_field_error_t *err)
{
    assert(op && err);
    static const sti_arg_t none[] = {STI_ARGS_END};
    sti_type_t type = sti_node_type(body);
    if (type == STI_TYPE_MISSING || type == STI_TYPE_NIL) {
        for (const sti_arg_t *arg = op->body ? op->body : none; arg->name; arg++) {
            if (arg->required) {
                snprintf(err->field, sizeof err->field, "%s", arg->name);
                snprintf(err->reason, sizeof err->reason, "missing (required)");
                return -1;
            }
        }
        return 0;
    }
    if (type != STI_TYPE_MAP) {
        snprintf(err->field, sizeof err->field, "body");
        snprintf(err->reason, sizeof err->reason, "must be a map");
        return -1;
    }
    return s_check_map(op->body ? op->body : none, body, "", err);
}

//  --- describe ---

static const char *s_kind_name(sti_arg_kind_t kind)
{
    kind = (sti_arg_kind_t)(kind & ~STI_ARG_NIL);
    static const char *const names[] = {"", "str", "int", "number", "bool", "map", "array", "any"};
    return kind >= STI_ARG_STR && kind <= STI_ARG_ANY ? names[kind] : "any";
}

static void s_describe_arg(const sti_arg_t *arg, sti_writer_t *writer);

//  Writes a list of args as an array.
static void s_describe_args(const sti_arg_t *args, sti_writer_t *writer)
{
    size_t count = 0;
    while (args && args[count].name) {
        count++;
    }
    sti_writer_array(writer, count);
    for (size_t i = 0; i < count; i++) {
        s_describe_arg(&args[i], writer);
    }
}

static void s_describe_arg(const sti_arg_t *arg, sti_writer_t *writer)
{
    bool bounded = s_bounded(arg);
    bool of = arg->of && (s_kind(arg) == STI_ARG_ARRAY || s_kind(arg) == STI_ARG_MAP);
    char rule[160];
    sti_writer_map(writer, 5 + (s_nullable(arg) ? 1 : 0) + (bounded ? 2 : 0) + (of ? 1 : 0));
    sti_writer_kv_str(writer, "name", arg->name ? arg->name : "");
    sti_writer_kv_str(writer, "type", s_kind_name(arg->kind));
    sti_writer_kv_bool(writer, "required", arg->required);
    if (s_nullable(arg)) {
        sti_writer_kv_bool(writer, "nullable", true); // nil is taken too
    }
    sti_writer_kv_str(writer, "rule", sti_op_arg_rule(arg, rule, sizeof rule));
    sti_writer_kv_str(writer, "doc", arg->doc ? arg->doc : "");
    if (bounded) {
        sti_writer_kv_int(writer, "min", arg->min);
        sti_writer_kv_int(writer, "max", arg->max);
    }
    if (of && s_kind(arg) == STI_ARG_ARRAY) {
        sti_writer_str(writer, "of");
        s_describe_arg(arg->of, writer);
    } else if (of) {
        sti_writer_str(writer, "keys");
        s_describe_args(arg->of, writer);
    }
}

void sti_op_describe(const sti_op_decl_t *op, sti_writer_t *writer)
{
    sti_op_describe_routed(op, NULL, writer);
}

void sti_op_describe_routed(const sti_op_decl_t *op, const sti_op_route_t *route,
                            sti_writer_t *writer)
{
    assert(op && writer);
    static const unsigned roles[] = {STI_ROLE_READER, STI_ROLE_CLERK,   STI_ROLE_OFFICER,
                                     STI_ROLE_ADMIN,  STI_ROLE_SERVICE, STI_ROLE_GATEWAY};
    size_t n = 0;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        n += sti_role_allowed(op->roles, roles[i]) ? 1 : 0;
    }
    sti_writer_map(writer, 10);
    sti_writer_kv_str(writer, "op", op->name);
    sti_writer_kv_str(writer, "summary", op->summary ? op->summary : "");
    sti_writer_str(writer, "roles");
    sti_writer_array(writer, n);
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        if (sti_role_allowed(op->roles, roles[i])) {
            sti_writer_str(writer, sti_role_name(roles[i]));
        }
    }
    sti_writer_kv_bool(writer, "write", (op->roles & STI_OP_WRITE) != 0);
    sti_writer_kv_bool(writer, "changes", (op->roles & (STI_OP_WRITE | STI_OP_CHANGES)) != 0);
    sti_writer_kv_bool(writer, "listed_only", (op->roles & STI_OP_LISTED_ONLY) != 0);
    sti_writer_str(writer, "body");
    s_describe_args(op->body, writer);
    sti_writer_kv_str(writer, "reply", op->reply ? op->reply : "");
    sti_writer_kv_str(writer, "notes", op->notes ? op->notes : "");
    sti_writer_str(writer, "route");
    if (route) {
        sti_writer_map(writer, 2);
        sti_writer_kv_str(writer, "method", route->method);
        sti_writer_kv_str(writer, "path", route->path);
    } else {
        sti_writer_nil(writer);
    }
}

//  --- routes ---

const sti_op_route_t *sti_op_route_find(const sti_op_route_t *routes, const char *op)
{
    assert(op);
    for (const sti_op_route_t *route = routes; route && route->op; route++) {
        if (strcmp(route->op, op) == 0) {
            return route;
        }
    }
    return NULL;
}

//  The body key a path parameter names, when it is a string or an integer.
static const sti_arg_t *s_param_arg(const sti_op_decl_t *op, const char *name, size_t len)
{
    for (const sti_arg_t *arg = op->body; arg && arg->name; arg++) {
        if (strlen(arg->name) == len && memcmp(arg->name, name, len) == 0) {
            return s_kind(arg) == STI_ARG_STR || s_kind(arg) == STI_ARG_INT ? arg : NULL;
        }
    }
    return NULL;
}

//  Checks one segment of len bytes at seg; params collects the keys seen.
static int s_check_segment(const sti_op_decl_t *op, const char *seg, size_t len, char *params,
                           size_t cap, char *err, size_t errlen)
{
    if (len >= 2 && seg[0] == '{' && seg[len - 1] == '}') {
        char needle[STI_ROUTE_PATH_MAX + 2];
        snprintf(needle, sizeof needle, " %.*s ", (int)(len - 2), seg + 1);
        if (!s_param_arg(op, seg + 1, len - 2) || strstr(params, needle)) {
            snprintf(err, errlen, "%s: {%.*s} is not a string or integer key of the body, or twice",
                     op->name, (int)(len - 2), seg + 1);
            return -1;
        }
        size_t used = strlen(params);
        snprintf(params + used, cap - used, "%.*s ", (int)(len - 2), seg + 1);
        return 0;
    }
    if (len == 0 || strspn(seg, "abcdefghijklmnopqrstuvwxyz0123456789_.-") < len) {
        snprintf(err, errlen, "%s: the segment '%.*s' is not [a-z0-9_.-]+ or {key}", op->name,
                 (int)len, seg);
        return -1;
    }
    return 0;
}

int sti_op_route_check(const sti_op_route_t *route, const sti_op_decl_t *op, char *err,
                       size_t errlen)
{
    assert(route && op && err);
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
    size_t m = 0;
    while (methods[m] && (!route->method || strcmp(methods[m], route->method) != 0)) {
        m++;
    }
    if (!methods[m]) {
        snprintf(err, errlen, "%s: method %s is not GET, POST, PUT, PATCH or DELETE", op->name,
                 route->method ? route->method : "(none)");
        return -1;
    }
    const char *path = route->path;
    if (!path || strncmp(path, "/api/v1/", 8) != 0 || strlen(path) > STI_ROUTE_PATH_MAX) {
        snprintf(err, errlen, "%s: the path must start with /api/v1/ (at most %d bytes)", op->name,
                 STI_ROUTE_PATH_MAX);
        return -1;
    }
    char params[STI_ROUTE_PATH_MAX + 2] = " ";
    for (const char *seg = path + 8;; seg += strcspn(seg, "/") + 1) {
        size_t len = strcspn(seg, "/");
        if (s_check_segment(op, seg, len, params, sizeof params, err, errlen) != 0) {
            return -1;
        }
        if (!seg[len]) {
            return 0;
        }
    }
}
