/*  cmd_report: what stictl report's parts share (cmd_report.c asks the
    services, cmd_report_book.c and cmd_report_sheets.c write the workbook).

    The workbook shows the document report.data answers (docs/report.md)
    and the plan's projects with their milestones (project.get of each);
    it computes no figure of its own. Text is Chinese, or English with
    --lang en; codes (status, class, kind) stay as the services send them
    in columns of their own, so that a program reading the workbook back
    finds them whatever the language.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <xlsxwriter.h>

#include "sti_codec.h"

//  What the workbook is made from (all borrowed).
typedef struct {
    sti_node_t data;            // report.data's body
    const sti_node_t *projects; // project.get's body of each project
    size_t project_count;       // how many
    bool en;                    // English text (else Chinese)
} cmd_report_t;

//  The formats the sheets share.
typedef struct {
    lxw_workbook *book;  // the workbook
    lxw_format *head;    // a header cell
    lxw_format *title;   // a sheet's title
    lxw_format *number;  // a figure
    lxw_format *percent; // a completion
    lxw_format *good;    // green: achieved, on track, expected to meet
    lxw_format *warn;    // amber: lagging, needs acceleration
    lxw_format *bad;     // red: at risk, stagnation or regression
} cmd_report_formats_t;

//  Writes the workbook to path. Returns 0, or -1 with a reason in err (the
//  file is then not left half-written).
int cmd_report_book_write(const cmd_report_t *report, const char *path, char *err, size_t errlen);

//  --- cmd_report_sheets.c ---

//  text in the report's language: en ? en : zh.
const char *cmd_report_text(const cmd_report_t *report, const char *zh, const char *en);
//  The name of a status or forecast class in the report's language.
const char *cmd_report_status(const cmd_report_t *report, const char *code);
//  Writes a sheet of indicator rows (report.data's ROW) under a title.
void cmd_report_rows_sheet(const cmd_report_t *report, const cmd_report_formats_t *formats,
                           lxw_worksheet *sheet, const char *title, sti_node_t rows);
//  The sheets of revisions, projects and milestones, and completeness.
void cmd_report_revisions_sheet(const cmd_report_t *report, const cmd_report_formats_t *formats,
                                lxw_worksheet *sheet);
void cmd_report_projects_sheet(const cmd_report_t *report, const cmd_report_formats_t *formats,
                               lxw_worksheet *sheet);
void cmd_report_milestones_sheet(const cmd_report_t *report, const cmd_report_formats_t *formats,
                                 lxw_worksheet *sheet);
void cmd_report_completeness_sheet(const cmd_report_t *report, const cmd_report_formats_t *formats,
                                   lxw_worksheet *sheet);
//  Writes the cell at (row, col): text (NULL: blank), a number or a
//  percentage (not a number: blank).
void cmd_report_cell(lxw_worksheet *sheet, lxw_row_t row, lxw_col_t col, sti_node_t node,
                     lxw_format *format);
