"""Searching from the top bar in a real Chromium: a Chinese word inside a sentence,
typed in the box every page has, and the conversation opened from the results."""

import pytest
from playwright.sync_api import expect

from amends.complaints.intake import complaint_receive
from amends.complaints.models import Channel
from conftest import axe_check, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_finds_a_chinese_word_from_the_top_bar_and_opens_it(page, people, account):
    complaint = complaint_receive(
        team=people.north,
        channel=Channel.FEEDBACK_PAGE,
        text="我的订单三天前就应该到了，现在还没有消息。",
        customer_name="李伟",
    )
    complaint_receive(
        team=people.south, channel=Channel.FEEDBACK_PAGE, text="另一个团队的订单也迟到了。"
    )

    browser_login(page, "alex")
    # A text box, not a "searchbox": the pages' own search boxes stay the one of their role.
    box = page.get_by_role("textbox", name="Search accounts, contacts, the inbox")
    box.fill("订单")
    box.press("Enter")

    page.wait_for_url("**/search/?q=*")
    group = page.get_by_role("region", name="Inbox conversations")
    expect(group.get_by_role("link")).to_have_count(1)  # not the other team's
    axe_check(page)
    group.get_by_role("link", name="我的订单三天前就应该到了").click()
    page.wait_for_url(f"**/inbox/{complaint.pk}/")
    expect(page.get_by_text("李伟").first).to_be_visible()


def test_the_search_page_answers_as_the_person_types(page, people, account):
    browser_login(page, "alex", then="/search/")
    box = page.locator("#search-page-q")
    box.press_sequentially("harb", delay=30)
    expect(page.get_by_role("region", name="Accounts")).to_contain_text("Harbor Printing Ltd")
    axe_check(page)
    assert "q=harb" in page.url  # kept in the address, to share or come back to
    box.press_sequentially("xyz", delay=30)
    expect(page.locator("#search-results")).to_contain_text("Nothing you may see matches")
    axe_check(page)
