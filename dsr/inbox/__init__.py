"""The privacy mailbox: mail in (IMAP, MTA pipe), inbox items, replies threaded to requests.

`guess` says what a mail probably is (text, language, rights); `services` holds the
officer's decisions on an inbox item (turn into requests, not a request, link)."""
