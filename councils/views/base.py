"""Mixins every page builds on: sign-in required, capability checked (403), queryset scoped
(404), breadcrumbs linked only where the user may go, forms scoped and saved through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, UpdateView
from django_filters.views import FilterView

from .. import selectors, services
from ..roles import CAPABILITIES, Level
from ..scoping import grants_of, has_capability
from ..validators import plausible_dates

PAGE_SIZE = 25


def form_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, by field where it names one, so the page
    shows what is wrong and keeps what was typed."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Mixins ------------------------------------------------------------------------------------


class ScopedMixin(LoginRequiredMixin):
    """Signed-in users only; with `capability`, only users whose role holds it (403 otherwise),
    and then only objects within the scope of those roles (404 otherwise)."""

    capability: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.capability and not has_capability(request.user, self.capability):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, model, capability: str | None = None):
        return model.objects.visible_to(self.request.user, capability=capability or self.capability)

    def get_form(self, form_class=None):
        # Reached by every form page (they all build on this mixin): dates in the portal's years.
        form = super().get_form(form_class)
        return form if form is None else plausible_dates(form)

    def get_queryset(self):
        return self.scoped(self.model)


class LoadsObject:
    """Placed after ScopedMixin: fetches the page's object from the scoped queryset only once
    the user is signed in and holds the capability, so a missing capability stays a 403 and an
    object outside the scope a 404."""

    def dispatch(self, request, *args, **kwargs):
        self.load()
        return super().dispatch(request, *args, **kwargs)

    def load(self) -> None:
        raise NotImplementedError


class BreadcrumbMixin:
    """Adds the trail of ancestors, each linked only where the user may open it."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = context.get("object")
        if obj is not None and hasattr(obj, "ancestors"):
            context["breadcrumbs"] = selectors.breadcrumbs(self.request.user, obj)
        return context


class ScopedListView(ScopedMixin, FilterView):
    paginate_by = PAGE_SIZE
    filterset_class = None
    with_counts = None

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_queryset(self):
        queryset = super().get_queryset()
        return type(self).with_counts(queryset) if self.with_counts else queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = self.create_capability and has_capability(
            self.request.user, self.create_capability
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context

    create_capability: str | None = None


class ScopedFormMixin(ScopedMixin):
    """Create and update views: the form's choices are scoped, the write goes through a service."""

    template_name = "councils/object_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        self.object = services.node_save(node=form.save(commit=False), by=self.request.user)
        messages.success(self.request, _("已保存“%(name)s”。") % {"name": self.object})
        return HttpResponseRedirect(self.object.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["model_name"] = self.model._meta.verbose_name
        obj = getattr(self, "object", None)
        if obj is not None and obj.pk:
            context["breadcrumbs"] = selectors.breadcrumbs(self.request.user, obj)
        return context


class ScopedCreateView(ScopedFormMixin, CreateView):
    """`parent` is the model a new row hangs below: a user who may manage none of those gets 403
    instead of a form with nothing to choose."""

    parent: type | None = None

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and self.capability
            and has_capability(request.user, self.capability)
        ):
            if self.parent is None:
                allowed = CAPABILITIES[self.capability]
                if not any(g.level == Level.CITY and g.role in allowed for g in grants_of(request.user)):
                    raise PermissionDenied
            elif not self.scoped(self.parent).exists():
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        # A "new community" link from a street page arrives with ?street=<id>: keep it if allowed.
        initial = super().get_initial()
        for name, value in self.request.GET.items():
            if value.isdigit():
                initial[name] = value
        return initial


class ScopedUpdateView(ScopedFormMixin, UpdateView):
    pass
