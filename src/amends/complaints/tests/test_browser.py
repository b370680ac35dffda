import pytest
from playwright.sync_api import expect

from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "<script>document.title = 'pwned'; window.pwned = true</script>"


@pytest.fixture
def public_page(feedback_page, settings):
    # The live server runs in this process: it reads the same settings.
    settings.AMENDS_FEEDBACK_MIN_SECONDS = 0
    return f"/feedback/{feedback_page.public_key}/"


def _send_feedback(page, url, message):
    page.goto(url)
    expect(page.get_by_role("heading", name="Tell North what happened")).to_be_visible()
    page.get_by_label("Your name").fill("Joanna Nowak")
    page.get_by_label("Your email").fill("joanna@harbor.example")
    page.get_by_label("Your company or account (optional)").fill("Harbor")
    page.get_by_label("What happened?").fill(message)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you for telling us")).to_be_visible()


def test_a_customer_complains_and_an_agent_finds_it_in_the_inbox(page, account, public_page):
    _send_feedback(page, public_page, "The forms came with the wrong year on them.")

    browser_login(page, "alex")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    page.wait_for_url("**/inbox/")
    row = page.locator("table.complaints tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Harbor Printing Ltd")
    expect(row).to_contain_text("Acknowledge")

    row.get_by_role("link", name="The forms came with the wrong year on them.").click()
    page.wait_for_url("**/inbox/*/")
    row_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.evaluate("window.sameDocument = true")  # gone if the page loads again
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Acknowledged.")).to_be_visible()
    expect(page.locator("#complainthead")).not_to_contain_text("to acknowledge")
    page.get_by_role("button", name="Save the answer").click()  # empty: said in place
    expect(page.locator("#answer")).to_contain_text("This field is required")
    assert page.url.endswith(f"/inbox/{row_id}/")  # not the POST-only answer URL
    page.get_by_label("Our answer").fill("I am sorry we let you down. New forms go out today.")
    page.get_by_role("button", name="Save the answer").click()
    expect(page.locator(".our-answer")).to_contain_text("New forms go out today.")
    assert page.evaluate("window.sameDocument === true")  # each answer came in place


def test_a_script_in_the_feedback_does_not_run(page, account, public_page):
    _send_feedback(page, public_page, SCRIPT)

    def assert_it_did_not_run():
        assert page.evaluate("window.pwned") is None
        assert page.title() != "pwned"

    browser_login(page, "alex")
    page.goto("/inbox/")
    expect(page.locator("table.complaints")).to_contain_text("<script>document.title")
    assert_it_did_not_run()
    page.locator("table.complaints a", has_text="<script>").click()
    expect(page.locator(".customer-words")).to_have_text(SCRIPT)
    assert_it_did_not_run()
    page.goto(f"/accounts/{account.pk}/")
    expect(page.locator(".timeline")).to_contain_text("<script>document.title")
    assert_it_did_not_run()
