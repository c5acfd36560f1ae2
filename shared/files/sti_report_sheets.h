/*  sti_report_sheets: the tables of the report's workbook (see
    sti_report_book.h, which lays out the sheets and is the one to use):
    what the workbook is made from, the formats the sheets share, and a
    writer for each kind of sheet.
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
} sti_report_t;

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
} sti_report_formats_t;

//  text in the report's language: en ? en : zh.
const char *sti_report_text(const sti_report_t *report, const char *zh, const char *en);
//  The name of a status or forecast class in the report's language.
const char *sti_report_status(const sti_report_t *report, const char *code);
//  Writes a sheet of indicator rows (report.data's ROW) under a title.
void sti_report_rows_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                           lxw_worksheet *sheet, const char *title, sti_node_t rows);
//  The sheets of revisions, projects and milestones, and completeness.
void sti_report_revisions_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                                lxw_worksheet *sheet);
void sti_report_projects_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                               lxw_worksheet *sheet);
void sti_report_milestones_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                                 lxw_worksheet *sheet);
void sti_report_completeness_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                                   lxw_worksheet *sheet);
//  Writes the cell at (row, col): text (NULL: blank), a number or a
//  percentage (not a number: blank).
void sti_report_cell(lxw_worksheet *sheet, lxw_row_t row, lxw_col_t col, sti_node_t node,
                     lxw_format *format);
