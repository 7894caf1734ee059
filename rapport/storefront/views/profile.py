"""The customer's own record: profile page, profile edit, one-click profiling questions."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rapport.customers import queries
from rapport.customers.access import get_own_customer
from rapport.customers.models import Customer, Gender, Occupation
from rapport.customers.profiling import ProfilingError
from rapport.customers.services import (
    CustomerError,
    answer_profile_question,
    refuse_profile_question,
    update_profile,
)
from rapport.customervalue.queries import value_of


class ProfileForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    gender = forms.ChoiceField(
        label=gettext_lazy("Gender"), choices=[("", "—"), *Gender.choices], required=False
    )
    birthday = forms.DateField(
        label=gettext_lazy("Birthday"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    occupation = forms.ModelChoiceField(
        label=gettext_lazy("Occupation"),
        queryset=Occupation.objects.filter(is_active=True),
        required=False,
    )
    time_zone = forms.CharField(label=gettext_lazy("Time zone"), max_length=64)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )

    def clean_birthday(self) -> datetime.date | None:
        value = self.cleaned_data.get("birthday")
        if value is not None and value > datetime.date.today():
            raise forms.ValidationError(_("A birthday must be in the past."))
        return value


def _question_context(customer: Customer) -> dict[str, object]:
    return {"question": queries.next_question(customer), "customer": customer}


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    customer = get_own_customer(request.user)
    return render(
        request,
        "storefront/profile/profile.html",
        {
            **_question_context(customer),
            "contact_points": queries.contact_points_with_consent(customer),
            "interests": list(customer.interests.all()),
            "timeline": queries.timeline(customer, page=request.GET.get("page", 1), per_page=15),
            "vip": value_of(customer),
        },
    )


@login_required
def edit(request: HttpRequest) -> HttpResponse:
    customer = get_own_customer(request.user)
    initial = {
        "name": customer.name,
        "gender": customer.gender,
        "birthday": customer.birthday,
        "occupation": customer.occupation,
        "time_zone": customer.time_zone,
        "language": customer.language,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_profile(customer=customer, actor=request.user, **form.cleaned_data)
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("storefront:profile")
    return render(request, "storefront/profile/edit.html", {"form": form, "customer": customer})


@login_required
def question(request: HttpRequest) -> HttpResponse:
    """The next question as a fragment: htmx loads it after checkout and on the account page."""
    customer = get_own_customer(request.user)
    return render(request, "storefront/profile/_next_question.html", _question_context(customer))


def _after_answer(request: HttpRequest, customer: Customer) -> HttpResponse:
    if request.headers.get("HX-Request"):
        customer.refresh_from_db()
        return render(
            request, "storefront/profile/_next_question.html", _question_context(customer)
        )
    return redirect("storefront:profile")


@login_required
@require_POST
def answer(request: HttpRequest) -> HttpResponse:
    customer = get_own_customer(request.user)
    try:
        answer_profile_question(
            customer=customer,
            question=request.POST.get("question", ""),
            value=request.POST.get("value", ""),
            actor=request.user,
        )
    except ProfilingError:
        return HttpResponseBadRequest(_("That answer does not fit the question."))
    return _after_answer(request, customer)


@login_required
@require_POST
def dismiss(request: HttpRequest) -> HttpResponse:
    customer = get_own_customer(request.user)
    try:
        refuse_profile_question(
            customer=customer, question=request.POST.get("question", ""), actor=request.user
        )
    except ProfilingError:
        return HttpResponseBadRequest(_("Unknown question."))
    return _after_answer(request, customer)
