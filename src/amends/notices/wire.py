"""A notice's wire form: headers encoded and folded by hand (RFC 5322 and 2047), and
the hand-over to the mail server's open connection. Written for speed: the
standard library's header classes cost about a millisecond a message."""

from base64 import b64encode
from binascii import b2a_qp
from email.message import Message as MimeMessage
from email.policy import compat32
from email.utils import formataddr, formatdate, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils.encoding import punycode


def _encoded_words(text: str) -> str:
    """RFC 2047: UTF-8 in base64 words of at most 68 characters (so "Subject: " and
    one word fit in 78), never splitting a character, folded with CRLF and a space."""
    words, chunk = [], b""
    for char in text:
        data = char.encode()
        if len(chunk) + len(data) > 42:
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{b64encode(word).decode()}?=" for word in words)


def _header(name: str, value: str) -> str:
    """One header, folded at spaces under 78 characters, encoded when not ASCII."""
    if not value.isascii():
        return f"{name}: {_encoded_words(value)}"
    lines, line = [], f"{name}:"
    for word in value.split(" "):
        if len(line) + 1 + len(word) > 78 and line != f"{name}:":
            lines.append(line)
            line = ""
        line += f" {word}"
    return "\r\n".join([*lines, line])


def _address_header(name: str, display: str, address: str) -> str:
    local, _, domain = address.rpartition("@")
    if not domain.isascii():
        domain = punycode(domain)
    if display.isascii():
        return _header(name, formataddr((display, f"{local}@{domain}")))
    return f"{name}: {_encoded_words(display)}\r\n <{local}@{domain}>"


_FROM_CACHE: dict[str, str] = {}


class _Prepared(MimeMessage):
    """A message whose wire form is already made: as_bytes() returns it as it is."""

    def __init__(self, raw: bytes):
        super().__init__(policy=compat32.clone(linesep="\r\n"))
        self.raw = raw

    def as_bytes(self, unixfrom=False, policy=None) -> bytes:
        return self.raw

    def as_string(self, unixfrom=False, maxheaderlen=0, policy=None) -> str:
        return self.raw.decode("ascii")


class NoticeEmail(EmailMessage):
    """A plain-text notice whose wire form is built by hand. The standard library's
    header classes cost about a millisecond a message, the whole budget at 1,000 a
    second; these headers are simple (no names but the recipient's, no attachments)
    and are written directly, encoded and folded as RFC 5322 and 2047 ask."""

    def __init__(self, *, to_email: str, to_name: str, subject: str, body: str, message_id: str):
        super().__init__(
            subject=" ".join(subject.split()),
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to_email],
            headers={"Message-ID": message_id},
        )
        self.to_name = to_name

    def wire(self, *, eight_bit: bool = False) -> tuple[bytes, str]:
        """The message as it goes on the wire, and its body's transfer encoding: 8bit
        (UTF-8 as written: smaller, and less work for both ends) only when the server
        takes it (8BITMIME), else quoted-printable; plain 7bit for ASCII."""
        sender = self.from_email
        if sender not in _FROM_CACHE:
            name, address = parseaddr(sender)
            _FROM_CACHE[sender] = _address_header("From", name, address)
        body = self.body.replace("\r\n", "\n")
        body = body if body.endswith("\n") else body + "\n"
        data = body.encode()
        short = max(map(len, data.splitlines())) < 990
        if short and body.isascii():
            encoding, payload = "7bit", data
        elif short and eight_bit:
            encoding, payload = "8bit", data
        else:
            encoding, payload = "quoted-printable", b2a_qp(data)
        head = "\r\n".join(
            [
                _FROM_CACHE[sender],
                _address_header("To", self.to_name, self.to[0]),
                _header("Subject", str(self.subject)),
                f"Date: {formatdate(usegmt=True)}",
                f"Message-ID: {self.extra_headers['Message-ID']}",
                "MIME-Version: 1.0",
                'Content-Type: text/plain; charset="utf-8"',
                f"Content-Transfer-Encoding: {encoding}",
            ]
        )
        raw = head.encode("ascii") + b"\r\n\r\n" + payload.replace(b"\n", b"\r\n")
        return raw, encoding

    def message(self, *, policy=None) -> MimeMessage:
        return _Prepared(self.wire()[0])


def deliver(backend, notice: NoticeEmail, senders: dict[str, str]) -> None:
    """Hand one notice to the mail server. Django's SMTP backend parses both addresses
    of every message again, a quarter of the sender's time at 1,000 a second; ours
    were checked when the file was read, so with that backend the bytes go straight
    to its open connection (the sender's address is prepared by the backend, once)."""
    if isinstance(backend, SmtpBackend) and backend.connection is not None:
        if notice.from_email not in senders:
            senders[notice.from_email] = backend.prep_address(notice.from_email)
        local, _, domain = notice.to[0].rpartition("@")
        to = f"{local}@{domain if domain.isascii() else punycode(domain)}"
        raw, encoding = notice.wire(eight_bit=backend.connection.has_extn("8bitmime"))
        options = ["BODY=8BITMIME"] if encoding == "8bit" else []
        backend.connection.sendmail(senders[notice.from_email], [to], raw, options)
    else:
        backend.send_messages([notice])
