"""Write bench/explain/lines.txt: 10,000 real-world-style lines, one per line, seeded.

    .venv/bin/python bench/explain/generate.py            # same seed, same file

The mix is what people paste into `smtpcodes explain`: bare replies, Postfix and Exim log
lines, delivery status notifications, and the errors of smtplib, Nodemailer, PHPMailer and
JavaMail.  Reply texts are the forms used in tests/realworld plus the 121 rows of Google's
"Gmail SMTP errors and codes" table (../shared/reference/providers/, CC BY 4.0).  Addresses,
hosts, IP addresses, queue ids and times are random (seeded), so lines rarely repeat.
A line that holds several lines (a traceback, a multi-line reply) keeps them joined with
the two characters \\n, as JSON logs and Node's inspect() print them.
"""

# ruff: noqa: E501 - reply templates and wrappers are data: one line each reads best
from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "lines.txt"
GMAIL_CSV = (
    HERE.parents[2]
    / "shared"
    / "reference"
    / "providers"
    / "google-3726730-gmail-smtp-errors-and-codes.derived.csv"
)
SEED = 20260618
COUNT = 10_000

#: reply templates: (command the reply answers, basic, enhanced, text)
REPLIES: list[tuple[str, str, str, str]] = [
    ("RCPT TO", "550", "5.1.1", "<{rcpt}>: Recipient address rejected: User unknown in local recipient table"),
    ("RCPT TO", "550", "5.1.1", "<{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"),
    ("RCPT TO", "550", "5.1.1", "{rcpt}... User unknown"),
    ("RCPT TO", "550", "5.1.1", "<{rcpt}>: user does not exist"),
    ("RCPT TO", "550", "5.1.10", "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"),
    ("RCPT TO", "550", "5.2.1", "<{rcpt}>: mailbox is disabled"),
    ("RCPT TO", "552", "5.2.2", "<{rcpt}>: user is over quota"),
    ("RCPT TO", "452", "4.2.2", "<{rcpt}>: Mailbox full"),
    ("RCPT TO", "452", "4.5.3", "Too many recipients"),
    ("RCPT TO", "554", "5.7.1", "<{rcpt}>: Relay access denied"),
    ("RCPT TO", "550", "5.7.1", "Unable to relay for {rcpt}"),
    ("RCPT TO", "450", "4.1.8", "<{sender}>: Sender address rejected: Domain not found"),
    ("RCPT TO", "450", "4.7.1", "Client host rejected: cannot find your reverse hostname, [{ip}]"),
    ("RCPT TO", "451", "4.7.1", "Greylisted, see https://{host}/greylist, please try again later"),
    ("RCPT TO", "550", "5.1.2", "<{rcpt}>: Recipient address rejected: Domain not found"),
    ("RCPT TO", "550", "5.4.1", "Recipient address rejected: Access denied. AS(201806281) [{host}]"),
    ("MAIL FROM", "553", "5.7.1", "<{sender}>: Sender address rejected: not owned by user {sender}"),
    ("MAIL FROM", "550", "5.7.1", "Client does not have permissions to send as this sender"),
    ("MAIL FROM", "552", "5.3.4", "Message size exceeds fixed limit"),
    ("end of DATA", "552", "5.3.4", "Message size exceeds fixed maximum message size"),
    ("end of DATA", "554", "5.7.1", "Message rejected as spam by Content Filtering."),
    ("end of DATA", "550", "5.7.1", "Message contains a virus (Eicar-Test-Signature)"),
    ("end of DATA", "550", "5.7.26", "Unauthenticated email from {domain} is not accepted due to domain's DMARC policy"),
    ("end of DATA", "550", "5.7.512", "Access denied, message must be RFC 5322 section 3.6.2 compliant and include a valid From address"),
    ("end of DATA", "554", "5.7.9", "Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes"),
    ("end of DATA", "550", "5.7.1", "[CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137"),
    ("end of DATA", "451", "4.3.0", "Temporary lookup failure"),
    ("end of DATA", "554", "5.4.14", "Hop count exceeded - possible mail loop ATTR34"),
    ("CONNECT", "554", "5.7.1", "Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}"),
    ("CONNECT", "421", "4.7.0", "[TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"),
    ("CONNECT", "550", "5.7.708", "Service unavailable. Access denied, traffic not accepted from this IP."),
    ("CONNECT", "421", "4.7.0", "{host} Error: too many connections from {ip}"),
    ("CONNECT", "421", "", "Service not available, closing transmission channel"),
    ("AUTH", "535", "5.7.8", "Error: authentication failed: authentication failure"),
    ("AUTH", "535", "5.7.139", "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."),
    ("AUTH", "530", "5.7.0", "Must issue a STARTTLS command first"),
    ("RCPT TO", "503", "5.5.1", "Error: need MAIL command"),
    ("MAIL FROM", "501", "5.5.4", "Syntax: MAIL FROM:<address>"),
    ("RCPT TO", "451", "4.4.0", "DNS resolution failed"),
    ("RCPT TO", "250", "2.1.5", "Ok"),
    ("end of DATA", "250", "2.0.0", "Ok: queued as {qid}"),
]  # fmt: skip


def gmail_command(code: str, enhanced: str) -> str:
    """The command a Gmail reply most likely answered, from its codes."""
    if code in ("535", "534", "530", "454") or enhanced in ("5.7.40", "5.7.90"):
        return "AUTH"
    if code == "421":
        return "CONNECT"
    if enhanced.split(".")[1] in ("1", "2") or enhanced.endswith(".5.3"):
        return "RCPT TO"
    if code[:2] == "50" or code == "555":
        return "MAIL FROM"
    return "end of DATA"


def gmail_rows() -> list[tuple[str, str, str, str]]:
    rows = []
    with GMAIL_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code, enhanced = row["reply_code"], row["enhanced_code"]
            text = row["error_text"] + " {session} - gsmtp"
            rows.append((gmail_command(code, enhanced), code, enhanced, text))
    return rows


class Maker:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.names = [
            "alice",
            "bob",
            "carol",
            "dave",
            "erin",
            "frank",
            "grace",
            "heidi",
            "ivan",
            "judy",
        ]
        self.domains = [
            "example.org",
            "example.com",
            "example.net",
            "mail.example.co.th",
            "corp.example",
        ]

    def address(self) -> str:
        return f"{self.r.choice(self.names)}{self.r.randint(1, 999)}@{self.r.choice(self.domains)}"

    def host(self) -> str:
        return f"mx{self.r.randint(1, 9)}.{self.r.choice(self.domains)}"

    def ip(self) -> str:
        return f"{self.r.choice([192, 198, 203])}.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"

    def qid(self) -> str:
        return "".join(self.r.choice("0123456789ABCDEFGHJKLMNPQRSTVWXYZ") for _ in range(10))

    def session(self) -> str:
        return f"{self.r.choice('abcdefgh')}{self.r.randint(1, 99)}si{self.r.randint(10**6, 10**7)}pfb.{self.r.randint(1, 999)}"

    def time(self) -> str:
        return f"Jun {self.r.randint(10, 28)} {self.r.randint(0, 23):02d}:{self.r.randint(0, 59):02d}:{self.r.randint(0, 59):02d}"

    def fill(self, text: str, rcpt: str, sender: str) -> str:
        return text.format(
            rcpt=rcpt,
            sender=sender,
            ip=self.ip(),
            host=self.host(),
            domain=self.r.choice(self.domains),
            qid=self.qid(),
            session=self.session(),
        )


def reply_lines(code: str, enhanced: str, text: str, rng: random.Random) -> list[str]:
    """The reply as a server sends it: a long text wrapped over several lines."""
    chunks: list[list[str]] = [[]]
    for word in text.split():
        if chunks[-1] and len(" ".join(chunks[-1])) + len(word) > 60 and rng.random() < 0.7:
            chunks.append([])
        chunks[-1].append(word)
    head = f"{enhanced} " if enhanced else ""
    last = len(chunks) - 1
    return [
        f"{code}{'-' if number < last else ' '}{head}{' '.join(chunk)}"
        for number, chunk in enumerate(chunks)
    ]


def python_bytes(text: str) -> str:
    return "b" + repr(text.encode("utf-8"))[1:]


def make_line(m: Maker, template: tuple[str, str, str, str]) -> str:
    r = m.r
    command, code, enhanced, raw = template
    rcpt, sender = m.address(), m.address()
    text = m.fill(raw, rcpt, sender)
    lines = reply_lines(code, enhanced, text, r)
    joined_space = " ".join(lines)
    joined_escaped = "\\n".join(lines)
    host, ip, qid = m.host(), m.ip(), m.qid()
    form = r.choices(
        ["plain", "postfix", "exim", "dsn", "smtplib", "nodemailer", "phpmailer", "javamail"],
        weights=[22, 30, 10, 6, 10, 8, 7, 7],
    )[0]
    failed = code[0] in "45"
    if form == "plain" or (not failed and form != "postfix"):
        return joined_escaped if len(lines) > 1 else lines[0]
    if form == "postfix":
        status = "sent" if not failed else ("deferred" if code[0] == "4" else "bounced")
        dsn = enhanced or f"{code[0]}.0.0"
        if not failed:
            return (
                f"{m.time()} mail postfix/smtp[{r.randint(100, 9999)}]: {qid}: to=<{rcpt}>, "
                f"relay={host}[{ip}]:25, delay=0.{r.randint(1, 9)}, dsn={dsn}, status=sent ({lines[-1]})"
            )
        if command == "CONNECT":
            detail = f"host {host}[{ip}] refused to talk to me: {joined_space}"
        else:
            detail = f"host {host}[{ip}] said: {joined_space} (in reply to {command} command)"
        return (
            f"{m.time()} mail postfix/smtp[{r.randint(100, 9999)}]: {qid}: to=<{rcpt}>, "
            f"relay={host}[{ip}]:25, delay={r.randint(1, 90)}, delays=0.1/0/0.2/0.1, "
            f"dsn={dsn}, status={status} ({detail})"
        )
    if form == "exim":
        after = {
            "RCPT TO": f"RCPT TO:<{rcpt}>",
            "MAIL FROM": f"MAIL FROM:<{sender}> SIZE=2048",
            "end of DATA": "end of data",
            "CONNECT": "initial connection",
            "AUTH": "AUTH PLAIN",
        }[command]
        return (
            f"2026-06-{r.randint(10, 28)} 10:{r.randint(10, 59)}:00 1uQ{r.randint(1, 9)}-000{qid[:3]}-00 ** {rcpt} "
            f"R=dnslookup T=remote_smtp H={host} [{ip}]: SMTP error from remote mail server after "
            f"{after}: {joined_escaped}"
        )
    if form == "dsn":
        return (
            f"Final-Recipient: rfc822; {rcpt}\\nAction: failed\\nStatus: {enhanced or code[0] + '.0.0'}"
            f"\\nRemote-MTA: dns; {host}\\nDiagnostic-Code: smtp; {joined_space}"
        )
    if form == "smtplib":
        message = "\n".join(line[4:] for line in lines)
        if command == "RCPT TO":
            return f"smtplib.SMTPRecipientsRefused: {{'{rcpt}': ({code}, {python_bytes(message)})}}"
        name = {
            "MAIL FROM": "SMTPSenderRefused",
            "end of DATA": "SMTPDataError",
            "AUTH": "SMTPAuthenticationError",
            "CONNECT": "SMTPConnectError",
        }[command]
        extra = f", '{sender}'" if name == "SMTPSenderRefused" else ""
        return f"{name}({code}, {python_bytes(message)}{extra})"
    if form == "nodemailer":
        prefix = {
            "RCPT TO": "Can't send mail - all recipients were rejected",
            "MAIL FROM": "Mail command failed",
            "end of DATA": "Message failed",
            "AUTH": "Invalid login",
            "CONNECT": "Invalid greeting",
        }[command]
        return f"Error: {prefix}: {joined_escaped}"
    if form == "phpmailer":
        said = {
            "RCPT TO": "RCPT TO",
            "MAIL FROM": "MAIL FROM",
            "end of DATA": "DATA END",
            "AUTH": "Password",
            "CONNECT": "EHLO",
        }[command]
        return f"2026-06-18 10:00:00\tSMTP ERROR: {said} command failed: {joined_escaped}"
    exception = {
        "RCPT TO": "com.sun.mail.smtp.SMTPAddressFailedException",
        "MAIL FROM": "com.sun.mail.smtp.SMTPSenderFailedException",
        "AUTH": "javax.mail.AuthenticationFailedException",
    }.get(command, "com.sun.mail.smtp.SMTPSendFailedException")
    return f"{exception}: {joined_escaped}\\n\\tat com.sun.mail.smtp.SMTPTransport.issueSendCommand(SMTPTransport.java:2374)"


def main() -> None:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible corpus, not secrets
    maker = Maker(rng)
    templates = REPLIES + gmail_rows()
    lines = [make_line(maker, rng.choice(templates)) for _ in range(COUNT)]
    assert all("\n" not in line and line for line in lines)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} lines to {OUT.relative_to(HERE.parents[1])}")


if __name__ == "__main__":
    main()
