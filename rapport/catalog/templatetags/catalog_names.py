"""`{{ product.name|readable }}`: a name in capitals shown in title case (`catalog.names`)."""

from django import template

from rapport.catalog.names import readable_name

register = template.Library()
register.filter("readable", readable_name)
