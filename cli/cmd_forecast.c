/*  stictl forecast: where each indicator will land at the plan's end, and
    whether that meets its target (forecast.report on sti.indicators; the
    method is docs/forecast.md).

    The service computes everything; this command only lays it out, as
    stictl progress does: columns sized by display width, cells rendered
    twice (once to size, once to print) so memory does not grow with the
    reply. --json prints the reply's rows as they are, numbers unrounded.
*/
#include <stdio.h>
#include <string.h>

#include "sti_catalog.h"
#include "stictl.h"

const char stictl_forecast_usage[] =
    "usage: stictl forecast [--indicator CODE] [--org ORG] [--json]\n"
    "\n"
    "Prints, for every org unit and indicator with a target (or only those\n"
    "given), the value projected at the plan's end year by the UN Statistics\n"
    "Division's anticipated-progress method (docs/forecast.md): code, org unit,\n"
    "baseline, the latest value with its period, the final target with its\n"
    "year, the projection, its score ((projection - baseline) / (target -\n"
    "baseline)), the actual and the required growth rate a year (in %, or in the\n"
    "unit a year for a linear trend, marked /yr), and the class in Chinese (已完成\n"
    "achieved, 预计达标 expected_to_meet, 需加快 needs_acceleration, 停滞或倒退\n"
    "stagnation_or_regression, 数据不足 insufficient_data, 无目标 no_target).\n"
    "With both --indicator and --org, that one row whatever its target.\n"
    "--json prints {\"year\": T, \"forecasts\": [{\"indicator\", \"name_zh\", \"name_en\",\n"
    "\"org\", \"org_name_zh\", \"unit\", \"direction\", \"baseline\", \"baseline_period\",\n"
    "\"latest\", \"latest_period\", \"target\", \"target_year\", \"forecast_year\",\n"
    "\"forecast_class\", \"projection\", \"score\", \"method\", \"rate\",\n"
    "\"required_rate\"}]}, missing values as null, rates as fractions (0.066).\n"
    "Exit 4 when there is no indicator CODE or org unit ORG.\n";

#define S_NAME_COLUMNS 20 // widest name cell, in display columns
#define S_COLUMNS 11      // columns of the table

static const char *const s_heads[S_COLUMNS] = {"CODE",   "NAME",   "ORG",       "BASELINE",
                                               "LATEST", "TARGET", "PROJECTED", "SCORE",
                                               "RATE",   "NEEDED", "CLASS"};

//  A rate: a percentage for cagr, the unit a year for linear, "-" when nil.
static const char *s_rate(sti_node_t row, const char *key, char *buf, size_t cap)
{
    double value = 0;
    sti_field_error_t err;
    char method[16];
    stictl_map_text(row, "method", method, sizeof method);
    if (sti_node_double(sti_node_get(row, key), &value, &err) != 0) {
        snprintf(buf, cap, "-");
    } else if (strcmp(method, "linear") == 0) {
        snprintf(buf, cap, "%+.4g/yr", value);
    } else {
        snprintf(buf, cap, "%+.2f%%", 100 * value);
    }
    return buf;
}

//  A number with two decimals, or "-".
static const char *s_fixed(sti_node_t node, char *buf, size_t cap)
{
    double value = 0;
    sti_field_error_t err;
    if (sti_node_double(node, &value, &err) != 0) {
        snprintf(buf, cap, "-");
    } else {
        snprintf(buf, cap, "%.2f", value);
    }
    return buf;
}

//  Renders cell `column` of a row into buf. Returns buf.
static const char *s_cell(const void *ctx, sti_node_t row, int column, char *buf, size_t cap)
{
    (void)ctx;
    char text[64];
    switch (column) {
    case 0:
        return stictl_map_text(row, "indicator", buf, cap);
    case 1:
        stictl_map_text(row, "name_zh", buf, cap);
        return stictl_text_fit(buf, S_NAME_COLUMNS);
    case 2:
        return stictl_map_text(row, "org", buf, cap);
    case 3:
        return stictl_map_text(row, "baseline", buf, cap);
    case 4:
        return stictl_map_with(row, "latest", "latest_period", buf, cap);
    case 5:
        return stictl_map_with(row, "target", "target_year", buf, cap);
    case 6:
        s_fixed(sti_node_get(row, "projection"), text, sizeof text);
        return strcmp(text, "-") ? stictl_map_with(row, "projection", "forecast_year", buf, cap)
                                 : strcpy(buf, "-");
    case 7:
        return s_fixed(sti_node_get(row, "score"), buf, cap);
    case 8:
        return s_rate(row, "rate", buf, cap);
    case 9:
        return s_rate(row, "required_rate", buf, cap);
    default:
        snprintf(buf, cap, "%s",
                 sti_status_zh(stictl_map_text(row, "forecast_class", text, sizeof text)));
        return buf;
    }
}

//  Prints a forecast.report reply as the table.
static void s_print_table(sti_node_t body)
{
    char year[16];
    printf("forecast to %s\n", stictl_map_text(body, "year", year, sizeof year));
    sti_node_t rows = sti_node_get(body, "forecasts");
    size_t count = sti_node_size(rows);
    stictl_print_grid(s_heads, S_COLUMNS, rows, s_cell, NULL);
    if (count == 0) {
        printf("(no indicator has a target)\n");
    }
}

//  Reads --indicator and --org. Returns 0, or an exit code after a usage error.
static int s_options(int argc, char **argv, const char **indicator, const char **org)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        if ((strcmp(arg, "--indicator") == 0 || strcmp(arg, "--org") == 0) && i + 1 < argc) {
            value = argv[++i];
        } else if (strncmp(arg, "--indicator=", 12) == 0 || strncmp(arg, "--org=", 6) == 0) {
            value = strchr(arg, '=') + 1;
        } else {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", arg);
        }
        if (!*value) {
            return stictl_usage_error(argv[0], "%s wants a code", arg);
        }
        *(strncmp(arg, "--org", 5) == 0 ? org : indicator) = value;
    }
    return 0;
}

int stictl_forecast(stictl_t *ctl, int argc, char **argv)
{
    const char *indicator = NULL, *org = NULL;
    int rc = s_options(argc, argv, &indicator, &org);
    if (rc != 0) {
        return rc;
    }
    sti_writer_t *request = stictl_request("forecast.report", NULL, 0);
    sti_writer_map(request, (indicator ? 1 : 0) + (org ? 1 : 0));
    if (indicator) {
        sti_writer_kv_str(request, "indicator", indicator);
    }
    if (org) {
        sti_writer_kv_str(request, "org", org);
    }
    sti_reply_t reply;
    if ((rc = stictl_call_ok(ctl, "sti.indicators", &request, &reply)) != 0) {
        return rc;
    }
    if (sti_node_type(sti_node_get(reply.body, "forecasts")) != STI_TYPE_ARRAY) {
        fprintf(stderr, "stictl forecast: sti.indicators answered without a forecasts array\n");
        rc = STICTL_FAILED;
    } else if (ctl->json) {
        cJSON *json = stictl_json_from_node(reply.body);
        stictl_json_print(&json);
    } else {
        s_print_table(reply.body);
    }
    sti_reply_release(&reply);
    return rc;
}
