"""The words a document and a query are made of (core.textsearch), without a database."""

from amends.core.textsearch import Term, document, fold, terms, words


def test_it_folds_case_and_accents_in_greek_and_polish():
    assert fold("Ζωή Παπαδοπούλου") == "ζωη παπαδοπουλου"
    assert fold("Łódź, ŻÓŁW, Gęślą jaźń") == "lodz, zolw, gesla jazn"
    # Final sigma and the ordinary one are one letter to a searcher.
    assert fold("ΛΟΓΑΡΙΑΣΜΟΣ") == fold("λογαριασμός")


def test_it_cuts_chinese_into_overlapping_pairs_ending_with_the_last_character():
    assert words("订单号") == ["订单", "单号", "号"]
    assert words("我的订单迟到了") == ["我的", "的订", "订单", "单迟", "迟到", "到了", "了"]


def test_it_splits_mixed_words_and_keeps_addresses_as_their_parts():
    assert words("iPhone订单 jan.kowalski@example.com") == [
        "iphone",
        "订单",
        "单",
        "jan",
        "kowalski",
        "example",
        "com",
    ]


def test_it_makes_the_last_word_of_a_query_a_prefix():
    assert terms("harbor prin") == [Term(("harbor",), False), Term(("prin",), True)]


def test_it_asks_for_a_chinese_word_as_a_phrase_of_its_pairs():
    assert terms("订单号") == [Term(("订单", "单号"), False)]
    assert terms("订") == [Term(("订",), True)]


def test_it_finds_nothing_to_look_for_in_punctuation():
    assert terms("  !!! — ") == []


def test_it_bounds_a_pasted_paragraph():
    assert len(terms("word " * 500)) == 8
    assert len(document("x" * 30_000)) == 20_000
