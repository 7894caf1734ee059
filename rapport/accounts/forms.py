"""Forms for both entrances, registration, email change, 2FA and staff management."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rapport.accounts import lockout
from rapport.accounts.backends import STORE
from rapport.accounts.models import User
from rapport.accounts.roles import EMPLOYEE, MANAGER
from rapport.core import audit

ROLE_CHOICES = [(EMPLOYEE, _("Employee")), (MANAGER, _("Manager"))]


class EntranceLoginForm(forms.Form):
    """Email + password for one entrance. Every failure has the same message, whether the
    account is missing, the password wrong, or the account of the other kind."""

    error_message = _("That email and password do not match an account here.")
    # The store says why it refuses (the same for every address, existing or not); the staff
    # entrance never does: there a wait looks exactly like a wrong password.
    delayed_message = _(
        "Too many failed attempts from here. Wait a few minutes and try again, or reset your "
        "password."
    )

    username = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, entrance: str, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.entrance = entrance
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        email = str(self.data.get("username", ""))
        password = str(self.data.get("password", ""))
        self.delayed = False
        gate = lockout.check(request=self.request, email=email, entrance=self.entrance)
        if not gate.open:
            # Waiting: the password is not checked (a hash is still spent, so the answer takes
            # as long as a real check) and the attempt is not counted.
            make_password(password)
            self.delayed = True
            audit.record(
                action="auth.login_delayed",
                request=self.request,
                summary=f"Login refused: too many failures ({self.entrance} entrance)",
                data={"entrance": self.entrance},
            )
            if self.entrance == STORE:
                raise forms.ValidationError(self.delayed_message, code="delayed")
            raise forms.ValidationError(self.error_message, code="invalid_login")
        # Authenticate even when the email does not parse, so the attempt is counted.
        self.user = authenticate(
            self.request, username=email, password=password, entrance=self.entrance
        )
        if self.user is None:
            lockout.record_failure(request=self.request, email=email, entrance=self.entrance)
            raise forms.ValidationError(self.error_message, code="invalid_login")
        lockout.record_success(request=self.request, email=email, entrance=self.entrance)
        return data


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = User(email=data.get("email", ""), first_name=data.get("name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)


class NewEmailForm(forms.Form):
    new_email = forms.EmailField(label=_("New email address"), max_length=254)
    password = forms.CharField(label=_("Your password"), strip=False, widget=forms.PasswordInput)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return str(password)


class ServicePasswordForm(SetPasswordForm):
    """Django's set-password form (validators included) whose save is one of our services."""

    def __init__(self, user: Any, *args: Any, save_with: Any = None, **kwargs: Any) -> None:
        self.save_with = save_with
        super().__init__(user, *args, **kwargs)

    def save(self, commit: bool = True) -> Any:
        return self.save_with(user=self.user, password=self.cleaned_data["new_password1"])


class StaffCreateForm(forms.Form):
    email = forms.EmailField(label=_("Work email"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)


class VipForm(forms.Form):
    is_vip = forms.BooleanField(label=_("VIP customer"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), max_length=64, required=False)
    actor = forms.CharField(label=_("Actor"), max_length=100, required=False)
    obj = forms.CharField(label=_("Object"), max_length=100, required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ApiTokenForm(forms.Form):
    """A new personal API token: a name and the scopes it carries (those the role allows)."""

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What will use it"))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        from rapport.accounts.services.api_tokens import SCOPES, scopes_allowed_for

        super().__init__(*args, **kwargs)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(scope, SCOPES[scope]) for scope in scopes_allowed_for(user)]
