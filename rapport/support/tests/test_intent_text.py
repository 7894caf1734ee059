# ruff: noqa: RUF001 - Chinese mails use Chinese punctuation
"""The path every classified text takes: a mail body reduced to the customer's question."""

from rapport.support.intents.text import extract_question, order_numbers, question_text


def test_greeting_signature_and_quoted_reply_are_cut():
    body = (
        "Hi team,\n\nI want to cancel order R251206-K7M2PQ please.\n\nBest regards,\nAnn Lee\n"
        "+44 20 7946 0958\n\nOn Mon, 1 Dec 2026 at 10:02, Rapport <support@rapport.example> "
        "wrote:\n> Your refund has been issued.\n> Track your parcel here.\n"
    )

    assert extract_question(body) == "I want to cancel order R251206-K7M2PQ please."
    assert question_text(body) == "i want to cancel order ordernumber please."


def test_chinese_wrappers_are_cut_around_an_english_question():
    body = (
        "您好，\n\nhow do I get my invoice?\n\n谢谢！\n张伟\n\n"
        "在 2026年12月1日 10:02，Rapport 写道：\n> hi"
    )

    assert extract_question(body) == "how do I get my invoice?"


def test_html_only_body_drops_the_quoted_block():
    html = (
        "<html><body><div>Hello,</div><div>where is my refund?</div><div>Thanks,</div>"
        "<div>Tom</div><div class='gmail_quote'><blockquote><p>Your order was cancelled."
        "</p></blockquote></div></body></html>"
    )

    assert extract_question("", html=html) == "where is my refund?"


def test_outlook_original_message_block_is_cut():
    body = (
        "Please change my delivery address.\n\n-----Original Message-----\nFrom: Rapport\n"
        "Subject: Your order\nThank you for your order."
    )

    assert extract_question(body) == "Please change my delivery address."


def test_a_one_line_text_keeps_its_words_when_a_cut_would_empty_it():
    assert extract_question("Thanks") == "Thanks"
    assert extract_question("hello") == "hello"


def test_reference_lines_leave_the_question_but_the_number_is_still_found():
    body = "where is my parcel?\nOrder number: R251206-K7M2PQ\n"

    assert extract_question(body) == "where is my parcel?"
    assert order_numbers(body) == ["R251206-K7M2PQ"]
    assert order_numbers("order r251206-k7m2pq and R251206-K7M2PQ") == ["R251206-K7M2PQ"]


def test_broken_html_falls_back_to_plain_text():
    assert "refund" in extract_question("", html="<div><p>refund please<<</div")
