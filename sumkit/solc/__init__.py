"""The Solidity toolchain: the pinned compiler and the kit's artifacts (:mod:`.compiler`, run as
``python -m sumkit.solc.compiler``), loading them (:mod:`.artifacts`), the ``%%solidity`` cell magic and
``sk.compile_source`` (:mod:`.magic`), and the freshness check shared by every generated file
(:mod:`.generated`)."""
