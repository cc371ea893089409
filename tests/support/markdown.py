"""Read back the tables of a rendered report.md (a test helper: the collection never parses markdown)."""


def parse_markdown_table(text, first_header):
    """Rows (dicts) of the first markdown table in ``text`` whose first header cell is ``first_header``."""
    rows, header = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            if header is not None and rows:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            if cells and cells[0] == first_header:
                header = cells
            continue
        if set("".join(cells)) <= set("-: "):
            continue  # the separator row
        rows.append(dict(zip(header, cells)))
    return rows
