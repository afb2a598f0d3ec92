"""CSV cells a spreadsheet will not run: one that starts = + - @ (or a tab or carriage return)
is prefixed with a quote (OWASP's advice on CSV injection)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
