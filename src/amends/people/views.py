from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from amends.people.forms import ThrottledLoginForm, TokenForm
from amends.people.selectors import membership_list_for, token_list_for
from amends.people.services import token_create, token_revoke


class LoginView(auth_views.LoginView):
    form_class = ThrottledLoginForm
    template_name = "people/login.html"
    redirect_authenticated_user = True


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        issued = token_create(user=request.user, name=form.cleaned_data["name"])
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
