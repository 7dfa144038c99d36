"""Plumbing: amounts and times (:mod:`.units`), fixed-point encodings (:mod:`.encoding`), ABI helpers
(:mod:`.abi`) and reverts made readable (:mod:`.errors`). Everything else in sumkit builds on these."""
