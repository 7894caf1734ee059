"""Writes to accounts, one verb per action (see the modules):

- `customer_accounts`: register, verify email, change email, password reset, login audit.
- `staff`: create staff, change role, deactivate, enrolment links, reset another's 2FA.
- `two_factor`: TOTP enrolment, second-factor checks, recovery codes.
"""
