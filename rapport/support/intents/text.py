# ruff: noqa: RUF001, RUF003 - Chinese punctuation is what these patterns match
"""From a mail body to the question in it: the one path every classified text takes.

An inbound mail and a line of the evaluation set go through `question_text` alike, so what the
evaluation measures is what the inbound handler does. Steps: HTML to text (quoted blocks
dropped), quoted earlier messages cut (``>`` lines, "On … wrote:", Outlook and Chinese
headers), the signature and the closing cut, the greeting cut, then placeholders, order
numbers, other long numbers, addresses and links turned into stable tokens the model can use.
Each cut is undone when it would leave nothing (a one-line "Thanks, I want a refund" stays).
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "hr",
}
SKIP_TAGS = {"script", "style", "head", "title", "blockquote"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def _quote_div(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag != "div":
            return False
        classes = " ".join(v or "" for k, v in attrs if k in ("class", "id"))
        return any(m in classes for m in ("gmail_quote", "moz-cite-prefix", "divRplyFwdMsg"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        counted = tag in SKIP_TAGS or tag == "div"
        if self.skipping or tag in SKIP_TAGS or self._quote_div(tag, attrs):
            self.skipping += 1 if counted else 0
            return
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag in SKIP_TAGS or tag == "div":
                self.skipping -= 1
            return
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body; quoted replies (blockquote, gmail_quote …) left out."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # malformed markup: fall back to stripping tags
        return unescape(re.sub(r"<[^>]+>", " ", html))
    return "".join(parser.parts)


QUOTE_HEADER = re.compile(
    r"^\s*(?:"
    r"on\b.{0,200}\bwrote:?"  # On Mon, 1 Dec 2026, Ann <ann@…> wrote:
    r"|-{2,}\s*original message\s*-{2,}"
    r"|-{2,}\s*forwarded message\s*-{2,}"
    r"|_{10,}"
    r"|from:\s.+"  # Outlook's header block of the quoted message
    r"|在.{0,200}写道[:：]?"
    r"|发件人[:：].*"
    r"|-{2,}\s*原始邮件\s*-{2,}"
    r")\s*$",
    re.IGNORECASE,
)
SIGNATURE_START = re.compile(
    r"^\s*(?:"
    r"--\s*"
    r"|(?:best|kind|warm|many thanks(?: and)?|with best)?\s*regards[,.!]*"
    r"|(?:best|all the best|best wishes|cheers|sincerely|yours(?: sincerely| truly)?|"
    r"thanks?(?: you)?(?: in advance| so much| a lot)?|many thanks|thx|br)[,.!]*"
    r"|sent from my \w+.*"
    r"|get outlook for \w+.*"
    r"|此致|敬礼[!！]?|谢谢[!！。，,]?|多谢[!！。]?|祝好[!！。]?|顺祝商祺[!！。]?|发自我的\w+"
    r")\s*$",
    re.IGNORECASE,
)
GREETING_LINE = re.compile(
    r"^\s*(?:"
    r"(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings)"
    r"(?:(?:\s+[\w.'-]+){1,4}\s*[,!:]+|\s*[,.!:]*)"
    r"|(?:您好|你好|尊敬的.{0,20}|亲爱的.{0,20})[,，!！:：。]*"
    r")\s*$",
    re.IGNORECASE,
)
GREETING_PREFIX = re.compile(
    r"^\s*(?:"
    r"(?:hi|hello|hey|dear)(?:\s+(?:there|team|support|all|sir or madam|sir|madam))?\s*[,!:]+"
    r"|(?:hi|hello|hey)\s+(?=\w)"
    r"|(?:good (?:morning|afternoon|evening)|greetings)\s*[,!:]+"
    r"|(?:您好|你好)[,，!！:：。]*"
    r")\s*",
    re.IGNORECASE,
)

PLACEHOLDER = re.compile(r"\{\{\s*([^}]{1,60}?)\s*\}\}")
ORDER_NUMBER = re.compile(r"R\d{6}-[2-9A-HJKMNP-Z]{6}(?![a-z0-9])|#?\d{5,20}\b", re.IGNORECASE)
SHORT_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
OUR_ORDER_NUMBER = re.compile(r"R\d{6}-[2-9A-HJKMNP-Z]{6}(?![a-z0-9])", re.IGNORECASE)
# A line that only gives a reference ("Order number: R251206-K7M2PQ", "订单号：…") says nothing
# about the intent; the number itself is still found by `order_numbers` on the whole mail.
REFERENCE_LINE = re.compile(
    r"^\s*(?:(?:my\s+)?(?:order|invoice|reference|ref|customer)(?:\s*(?:number|no\.?|id|#))?"
    r"|订单号?|订单编号|发票号)\s*(?:is\s*)?[:#：]?\s*#?[\w-]*\d[\w-]*\s*[.。]?\s*$",
    re.IGNORECASE,
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
URL = re.compile(r"\bhttps?://\S+", re.IGNORECASE)
SPACES = re.compile(r"[ \t\u00a0\u3000]+")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")


def _cut_quoted(lines: list[str]) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if QUOTE_HEADER.match(line) and kept and any(k.strip() for k in kept):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return kept


def _cut_references(lines: list[str]) -> list[str]:
    return [line for line in lines if not REFERENCE_LINE.match(line)]


def _cut_signature(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if i and SIGNATURE_START.match(line) and any(k.strip() for k in lines[:i]):
            return lines[:i]
    return lines


def _cut_greeting(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if GREETING_LINE.match(line) and any(k.strip() for k in lines[i + 1 :]):
            return lines[i + 1 :]
        stripped = GREETING_PREFIX.sub("", line, count=1)
        if stripped.strip() and stripped != line:
            return [stripped, *lines[i + 1 :]]
        return lines[i:]
    return lines


def _placeholder(match: re.Match[str]) -> str:
    name = re.sub(r"[^a-z]+", "", match.group(1).lower())
    return f" {name} " if name else " "


def order_numbers(text: str) -> list[str]:
    """Our order numbers named in a text (R251206-ABC234), upper-cased, in order, no repeats."""
    seen: list[str] = []
    for found in OUR_ORDER_NUMBER.findall(text or ""):
        number = found.upper()
        if number not in seen:
            seen.append(number)
    return seen


def extract_question(body: str, *, html: str = "") -> str:
    """The customer's own words in a mail: quoted history, greeting and signature removed."""
    text = body if body and body.strip() else html_to_text(html) if html else ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    for step in (_cut_quoted, _cut_signature, _cut_greeting, _cut_references):
        cut = step(lines)
        if any(line.strip() for line in cut):
            lines = cut
    return "\n".join(line.rstrip() for line in lines).strip()


def features_text(question: str) -> str:
    """What the model reads: placeholders, numbers, addresses and links as tokens, one line."""
    text = PLACEHOLDER.sub(_placeholder, question)
    text = URL.sub(" weblink ", text)
    text = EMAIL.sub(" emailaddress ", text)
    text = ORDER_NUMBER.sub(" ordernumber ", text)
    text = SHORT_NUMBER.sub(" num ", text)
    # Chinese courtesy words left over carry no intent in this English-trained model.
    text = CJK.sub(" ", text)
    return SPACES.sub(" ", text.replace("\n", " ")).strip().lower()


def question_text(body: str, *, html: str = "") -> str:
    """`extract_question` then `features_text`: the exact input of the intent model."""
    return features_text(extract_question(body, html=html))
