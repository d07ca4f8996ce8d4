"""django-filter FilterSets: explicit field names and lookups; ``q`` calls the search interface."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from minutes.models import AgendaItem, Committee, Municipality, Outcome
from minutes.search.backends import get_backend
from minutes.search.query import parse_query

SORT_RELEVANCE = "relevance"
SORT_NEWEST = "newest"
SORT_OLDEST = "oldest"


class AgendaItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_query", label=_("Søgeord"))
    # Chosen by slug, filtered by id: "municipality_id = 98" lets PostgreSQL walk the
    # (municipality, date) index newest first; a join on the slug made it sort every item
    # of the municipality first (45 ms instead of 7 for "budget" in Aarhus at 1M items).
    municipality = django_filters.ModelMultipleChoiceFilter(
        method="filter_municipality",
        to_field_name="slug",
        queryset=Municipality.objects.all(),
        label=_("Kommune"),
    )
    committee = django_filters.ModelMultipleChoiceFilter(
        field_name="committee", queryset=Committee.objects.all(), label=_("Udvalg")
    )
    date_from = django_filters.DateFilter(field_name="meeting_date", lookup_expr="gte", label=_("Fra dato"))
    date_to = django_filters.DateFilter(field_name="meeting_date", lookup_expr="lte", label=_("Til dato"))
    year = django_filters.NumberFilter(field_name="meeting_date", lookup_expr="year", label=_("År"))
    outcome = django_filters.MultipleChoiceFilter(
        field_name="outcome", choices=Outcome.choices, label=_("Udfald")
    )
    closed = django_filters.ChoiceFilter(
        method="filter_closed",
        choices=[("false", _("Kun åbne punkter")), ("true", _("Kun lukkede punkter"))],
        empty_label=_("Alle punkter"),
        label=_("Åbne og lukkede punkter"),
    )
    case_number = django_filters.CharFilter(
        field_name="case_number", lookup_expr="iexact", label=_("Sagsnummer")
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        choices=[(SORT_RELEVANCE, _("Relevans")), (SORT_NEWEST, _("Nyeste")), (SORT_OLDEST, _("Ældste"))],
        empty_label=None,
        label=_("Sortering"),
    )

    class Meta:
        model = AgendaItem
        fields: list[str] = []

    def filtered_without(self, *names: str):
        """Return the queryset with every filter but ``names`` applied (after ``is_valid()``)."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name not in names:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_query(self, queryset, name, value):
        query = parse_query(value)
        if query.is_empty:
            return queryset
        return get_backend().match(queryset, query)

    def filter_municipality(self, queryset, name, value):
        if not value:
            return queryset
        if len(value) == 1:
            return queryset.filter(municipality=value[0])
        return queryset.filter(municipality__in=value)

    def filter_closed(self, queryset, name, value):
        return queryset.filter(is_closed=value == "true")

    def filter_sort(self, queryset, name, value):
        # Ordering is applied by the search service, which knows whether there is a query.
        return queryset
