import io

from openpyxl import load_workbook

from units.spreadsheet import respond

COLUMNS = [("Title", 20), ("Count", 8)]


def test_csv_download_guards_formulas():
    response = respond([["=HYPERLINK(1)", 3]], COLUMNS, "list.csv", "csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffTitle,Count")
    assert "'=HYPERLINK(1),3" in body


def test_xlsx_download_holds_the_rows_with_formulas_guarded():
    response = respond([["=1+1", 3], ["plain", 4]], COLUMNS, "list.xlsx", "xlsx", sheet_title="L")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["Title", "Count"],
        ["'=1+1", 3],
        ["plain", 4],
    ]
