"""The search page and the top bar's box, without JavaScript and with htmx."""

import pytest

from amends.complaints.intake import complaint_receive
from amends.complaints.models import Channel
from conftest import login

pytestmark = pytest.mark.django_db


def test_it_has_a_labelled_search_box_in_the_top_bar(client, people):
    page = login(client, people.agent).get("/accounts/").content.decode()
    assert 'action="/search/"' in page and 'role="search"' in page
    assert '<label for="top-search"' in page and 'id="top-search" name="q"' in page


def test_it_shows_results_grouped_by_kind_with_links(client, people, account):
    complaint_receive(team=people.north, channel=Channel.FEEDBACK_PAGE, text="Harbor 订单 lost")
    page = login(client, people.agent).get("/search/?q=harbor").content.decode()
    assert '<h2 id="search-group-account">Accounts</h2>' in page
    assert '<h2 id="search-group-conversation">Inbox conversations</h2>' in page
    assert f'href="/accounts/{account.pk}/"' in page
    assert 'value="harbor"' in page  # the box keeps the query


def test_it_answers_htmx_with_the_results_alone(client, people, account):
    response = login(client, people.agent).get("/search/?q=harb", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="search-results"')
    assert "Harbor Printing Ltd" in body and "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_it_shows_the_outsider_nothing_of_another_team(client, people, account):
    page = login(client, people.outsider).get("/search/?q=harbor").content.decode()
    assert "Harbor Printing" not in page and "Nothing you may see matches" in page


def test_it_says_what_to_type_and_refuses_a_novel(client, people):
    login(client, people.agent)
    assert "Type a name" in client.get("/search/").content.decode()
    assert "at most 200 characters" in client.get("/search/?q=" + "x" * 300).content.decode()


def test_it_needs_a_login(client):
    assert client.get("/search/?q=x").status_code == 302


def test_it_filters_the_inbox_by_words(client, people):
    for text in ["Το δέμα έφτασε σπασμένο", "The parcel is fine"]:
        complaint_receive(team=people.north, channel=Channel.FEEDBACK_PAGE, text=text)
    page = login(client, people.agent).get("/inbox/?q=δεμα").content.decode()
    assert "Το δέμα έφτασε σπασμένο" in page and "The parcel is fine" not in page
