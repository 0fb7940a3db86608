"""English as a European desk writes it: day before month, 24-hour clock, weeks from Monday.

Django's own English formats are American (`Dec. 2, 2026, 2:07 a.m.`, `12/02/2026`, and
`12/02/2026` typed into a form read as 2 February). Our English readers are Belgian and Dutch
officers and subjects, so English pages, letters and mails say `2 December 2026, 14:07`.
Dutch and French keep Django's formats, which already follow this convention.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# What a form accepts: ISO first (the date picker sends it), then day-first forms only.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M",
]
