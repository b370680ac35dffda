"""The scrubber of public post-mortems, on its own: what it takes out and what it
must leave alone."""

import pytest

from amends.core.templatetags.amends import markdown
from amends.incidents.scrub import Scrubber
from amends.incidents.scrubbed import replaced_in


def scrubbed(text, customers=(), people=(), phones=()):
    return Scrubber(customers=customers, people=people, phones=phones).scrub(text)


def test_it_scrubs_a_contacts_full_name_and_each_of_its_names():
    text = "Alice Moreau called. Later alice wrote, and MOREAU, Alice signed; so did Moreau Alice."
    result = scrubbed(text, people=["Alice Moreau"])
    assert result.text == (
        "[a person] called. Later [a person] wrote, and [a person], [a person] signed; "
        "so did [a person]."
    )
    assert [r.original for r in result.replacements][:2] == ["Alice Moreau", "alice"]


def test_it_scrubs_the_short_forms_of_an_account_name_as_one_placeholder():
    text = (
        "Brightline Logistics GmbH lost a pallet. Brightline Logistics asked why; "
        "brightline's driver waited, and BRIGHTLINE LOGISTICS GMBH was refunded."
    )
    result = scrubbed(text, customers=["Brightline Logistics GmbH"])
    assert result.text == (
        "[a customer] lost a pallet. [a customer] asked why; "
        "[a customer]'s driver waited, and [a customer] was refunded."
    )


def test_it_leaves_trade_words_legal_forms_and_common_words_alone():
    customers = [
        "Brightline Logistics GmbH",
        "The Smith and Sons Ltd",
        "Harbor Printing Sp. z o.o.",
    ]
    text = (
        "The logistics team and the printing shop: a GmbH and a Ltd, sons and daughters. "
        "Smith and Sons replied; so did Smith."
    )
    result = scrubbed(text, customers=customers)
    assert result.text == (
        "The logistics team and the printing shop: a GmbH and a Ltd, sons and daughters. "
        "[a customer] replied; so did [a customer]."
    )


def test_it_matches_whole_words_only():
    text = "Malice is not Alice; Brightliner is not Brightline; Moreauville is a town."
    result = scrubbed(text, customers=["Brightline Logistics GmbH"], people=["Alice Moreau"])
    assert result.text == (
        "Malice is not [a person]; Brightliner is not [a customer]; Moreauville is a town."
    )


def test_it_scrubs_any_email_address():
    text = "Write to alice.moreau@brightline.example or to `ops+night@depot.eu`."
    result = scrubbed(text)
    assert result.text == "Write to [e-mail address] or to `[e-mail address]`."


@pytest.mark.parametrize(
    "phone",
    [
        "+30 210 123 4567",
        "(030) 1234-5678",
        "0048 22 123 45 67",
        "+48 600 123 456",
        "600 123 456",
        "555-123-4567",
        "+1 (555) 123-4567",
        "030/1234567",
        "+302101234567",
        "010-12345678",
    ],
)
def test_it_scrubs_phone_numbers_in_international_and_local_forms(phone):
    assert scrubbed(f"Call {phone}, please.").text == "Call [phone number], please."


@pytest.mark.parametrize(
    "text",
    [
        "It began on 2026-11-20 at 09:00 and ended 20.11.2026, 21/11/2026 at 17:30:15.",
        "The same happened in 2023 and in 2023-2024.",
        "65,000 forms; €1,500.50 refunded; EUR 1 500 000 at stake; 1.500.000 zł; 120 000 000 EUR.",
        "Orders 123456 and #98765 were late; so was invoice 2026-00042.",
        "Order 12345678 and the server 192.168.100.200 were fine.",
    ],
)
def test_it_leaves_dates_years_times_amounts_and_order_numbers_alone(text):
    result = scrubbed(text, customers=["Brightline Logistics GmbH"], people=["Alice Moreau"])
    assert result.text == text and not result.replacements


def test_it_scrubs_a_contacts_number_however_it_is_written():
    result = scrubbed("He called from 2101234567.", phones=["+30 210 123 4567"])
    assert result.text == "He called from [phone number]."


def test_it_scrubs_greek_names_in_any_case_with_or_without_accents_and_declined():
    text = (
        "Ο ΓΙΏΡΓΟΣ ΠΑΠΑΔΆΚΗΣ της Αφοί Παπαδόπουλοι μίλησε με τον κ. Παπαδάκη. Ο Γιωργος περίμενε."
    )
    result = scrubbed(text, customers=["Αφοί Παπαδόπουλοι Α.Ε."], people=["Γιώργος Παπαδάκης"])
    assert result.text == (
        "Ο [a person] της [a customer] μίλησε με τον κ. [a person]. Ο [a person] περίμενε."
    )


def test_it_scrubs_polish_names_with_or_without_accents_and_declined():
    text = "Rozmawialiśmy z Łukaszem Wiśniewskim z firmy Kowalskiego; lukasz wisniewski oddzwonił."
    result = scrubbed(text, customers=["Sklep Kowalski Sp. z o.o."], people=["Łukasz Wiśniewski"])
    assert result.text == (
        "Rozmawialiśmy z [a person] [a person] z firmy [a customer]; [a person] oddzwonił."
    )
    assert "z" in result.text.split()  # the "z" of "Sp. z o.o." is not a name


def test_it_scrubs_chinese_names_inside_a_sentence():
    text = "王小明今天打电话给北京光明物流的客服。王先生说，北京光明物流有限公司会赔偿。"
    result = scrubbed(text, customers=["北京光明物流有限公司"], people=["王小明"])
    # A single character (the family name 王) is left: it is also an ordinary word.
    assert result.text == "[a person]今天打电话给[a customer]的客服。王先生说，[a customer]会赔偿。"


def test_it_renders_the_markdown_after_scrubbing_without_letting_html_in():
    text = (
        "Brightline: delayed\n\n"
        "**Alice** wrote from [her address](mailto:alice@brightline.example) "
        "<script>alert(1)</script>"
    )
    result = scrubbed(text, customers=["Brightline Logistics GmbH"], people=["Alice Moreau"])
    html = str(result.html)
    # "[a customer]: delayed" would be a Markdown link definition: the line would vanish.
    assert "<p>[a customer]: delayed</p>" in html
    assert "<strong>[a person]</strong>" in html
    assert 'href="mailto:%5Be-mail%20address%5D"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "alice" not in html.lower() and "brightline" not in html.lower()


def test_it_renders_like_the_markdown_filter_when_there_is_nothing_to_replace():
    text = (
        "# Title\n\n- one *two*\n- [link](https://example.com/a b) <https://example.com>\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```"
    )
    assert str(scrubbed(text).html) == str(markdown(text))


def test_it_highlights_each_replacement_with_the_original_escaped():
    text = 'Jean-Luc O\'Brien said "no" to jl@obrien.example.'
    result = scrubbed(text, people=["Jean-Luc O'Brien"])
    html = str(result.highlighted_html)
    assert '<mark class="scrubbed" title="Jean-Luc O&#x27;Brien">[a person]</mark>' in html
    assert '<mark class="scrubbed" title="jl@obrien.example">[e-mail address]</mark>' in html
    title = str(result.highlighted_text)
    person = '<mark class="scrubbed" title="Jean-Luc O&#x27;Brien">[a person]</mark>'
    assert title.startswith(person)
    assert "said &quot;no&quot; to" in title
    legend = [(r.original, r.placeholder) for r in replaced_in(result, scrubbed("x"))]
    assert legend == [("Jean-Luc O'Brien", "[a person]"), ("jl@obrien.example", "[e-mail address]")]


def test_it_cannot_be_tricked_by_private_use_characters_in_the_text():
    forged = "Hello \ue000\ue010\ue001 and Alice"
    result = scrubbed(forged, people=["Alice Moreau"])
    assert result.text == "Hello  and [a person]"
    assert "\ue000" not in str(result.html) and "\ue000" not in str(result.highlighted_html)
