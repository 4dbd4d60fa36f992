"""English dates as our readers (service organisations in Sweden, Norway, Hungary, the
Netherlands…) read them: day, month, year, with the month's name, and 24-hour times.
Django's English formats are American ("Dec. 3, 2026", "12/03/2026", "2:30 p.m."), and
a numeric day/month order is read both ways in Europe, so no format here is all digits.

Only the displayed formats: the input formats stay Django's (the date fields are
``<input type="date">``, which always sends ISO 8601).
https://docs.djangoproject.com/en/stable/topics/i18n/formatting/#creating-custom-format-files
"""

DATE_FORMAT = "j F Y"  # 3 December 2026
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j F Y, H:i"  # 3 December 2026, 14:30
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 3 December
SHORT_DATE_FORMAT = "j M Y"  # 3 Dec 2026
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 3 Dec 2026, 14:30
FIRST_DAY_OF_WEEK = 1  # Monday
