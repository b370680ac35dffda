from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from amends.people.forms import TokenForm
from amends.people.models import User
from amends.people.selectors import membership_list_for, token_list_for
from amends.people.services import token_create, token_revoke


class LoginView(auth_views.LoginView):
    template_name = "people/login.html"
    redirect_authenticated_user = True


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        # login_required: the user is a real one, not the anonymous stand-in.
        issued = token_create(user=cast(User, request.user), name=form.cleaned_data["name"])
        new_secret = issued.secret
        form = TokenForm()
    context = {
        "form": form,
        "new_secret": new_secret,
        "tokens": token_list_for(user=request.user),
        "memberships": membership_list_for(user=request.user),
    }
    return render(request, "people/profile.html", context)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = token_list_for(user=request.user).filter(pk=token_id).first()
    if token is None:
        raise Http404("No such token.")
    token_revoke(token=token)
    messages.success(request, _("Token revoked. Programs using it can no longer connect."))
    return redirect("people:profile")


def locked_out_response(request: HttpRequest, response, credentials) -> HttpResponse:
    """What django-axes answers a username locked from this address (429)."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"cooloff_minutes": minutes}
    return render(request, "people/locked_out.html", context, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "people/password_form.html"
    success_url = reverse_lazy("people:profile")
    extra_context = {
        "heading": gettext_lazy("Change your password"),
        "button": gettext_lazy("Change the password"),
    }

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session logged in
        messages.success(self.request, _("Your password is changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Mails a one-time link. The link is built from AMENDS_SITE_URL, never from the
    request's Host header, so a forged Host cannot send people to another site."""

    template_name = "people/password_form.html"
    email_template_name = "people/password_reset_email.txt"
    subject_template_name = "people/password_reset_subject.txt"
    success_url = reverse_lazy("people:password-reset-sent")
    extra_context = {
        "heading": gettext_lazy("Set a new password"),
        "intro": gettext_lazy(
            "Give the e-mail address of your account: we send it a link to choose a new password."
        ),
        "button": gettext_lazy("Send me the link"),
    }

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "people/password_message.html"
    extra_context = {
        "heading": gettext_lazy("Check your mail"),
        "message": gettext_lazy(
            "If an account has that address, a link to set a new password is on its way."
        ),
    }


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "people/password_form.html"
    success_url = reverse_lazy("people:password-reset-done")
    extra_context = {
        "heading": gettext_lazy("Choose a new password"),
        "button": gettext_lazy("Save the new password"),
    }


class PasswordResetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "people/password_message.html"
    extra_context = {
        "heading": gettext_lazy("Your password is set"),
        "message": gettext_lazy("You can log in with your new password."),
    }
