"""`{{ when|local_date }}`, `{{ when|local_datetime }}`, `{{ when|long_date }}`: dates as the
shop writes them in the active language (`core.dates`)."""

from django import template

from rapport.core import dates

register = template.Library()
register.filter("local_date", dates.format_date)
register.filter("local_datetime", dates.format_datetime)
register.filter("long_date", dates.format_long_date)
