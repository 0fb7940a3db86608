"""The e-mail channel's receiving side (docs/EMAIL.md).

- `parse`    reading a message (pure, never raises on malformed MIME), the date of receipt
             from the organisation's own `Received:` header, auto-reply and bounce tests
- `receive`  `mail_process`: record a message exactly once, classify it, attach replies
             to their request, mark bounces; `inbound_attach_to_request` for the inbox
- `imap`     the IMAP poll over TLS through dsr/egress.py, and the "test connection"
The desk's side of the inbox (guesses, decisions) is dsr/inbox/.
"""
