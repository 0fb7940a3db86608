"""Response letters: HTML templates per kind and language, rendered to tagged PDF/A by
WeasyPrint through a fetcher that serves only the letters' own assets, signed (PAdES) with
the organisation's certificate by pyHanko, stored encrypted with their sha256, sent by
e-mail or merged into print batches for the post (issue 6).

Modules: `content` (what a letter says, fixed when it is issued), `fetcher` (the only way
WeasyPrint reads anything), `render` (HTML and PDF), `variants` (a country's wording of a
language: templates/letters/nl_BE/ before nl/), `signing` (certificates and PAdES),
`services` (issue, render, send, post: the writes), `stored` (a stored letter read back,
checked against its sha256), `printing` (print batches), `job_outcomes` (what the
fulfilment jobs did, for an answer letter), `rules` (which letter kind, refusal ground and
Art. 19 sentence the law allows), `views`.
"""
