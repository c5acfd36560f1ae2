/*  stictl_report: the refused rows of an import, gathered while it runs
    and printed after its summary line (talent and project imports). See stictl.h.
*/
#include "stictl.h"

#include <string.h>

void stictl_report_print(FILE *report, bool json)
{
    char buffer[8192];
    size_t got;
    rewind(report);
    while ((got = fread(buffer, 1, sizeof buffer, report)) > 0) {
        fwrite(buffer, 1, got, stdout);
    }
    if (json) {
        printf("]}\n");
    }
}

void stictl_report_row(FILE *report, bool json, size_t row, const char *field, const char *reason)
{
    if (!json) {
        fprintf(report, "row %zu: %s: %s\n", row, field, reason);
        return;
    }
    cJSON *error = cJSON_CreateObject();
    cJSON_AddNumberToObject(error, "row", (double)row);
    cJSON_AddStringToObject(error, "field", field);
    cJSON_AddStringToObject(error, "reason", reason);
    char *text = cJSON_PrintUnformatted(error);
    fprintf(report, "%s%s", ftell(report) > 0 ? "," : "", text);
    cJSON_free(text);
    cJSON_Delete(error);
}
