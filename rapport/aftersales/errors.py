class AftersalesError(Exception):
    """A return, ticket or notice change that cannot be made; the message is safe to show."""
